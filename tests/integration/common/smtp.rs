//! A real SMTP server on loopback (mailin), collecting what it receives.
#![allow(dead_code)]

use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::response::{Response, OK};
use mailin_embedded::{Handler, Server};

#[derive(Clone, Default)]
struct Collect {
    current: Vec<u8>,
    to: Vec<String>,
    received: Arc<Mutex<Vec<Mail>>>,
}

#[derive(Clone, Debug)]
pub struct Mail {
    pub to: Vec<String>,
    pub text: String,
}

impl Handler for Collect {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current.clear();
        self.to = to.to_vec();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let text = String::from_utf8_lossy(&self.current).replace("=\r\n", "");
        self.received.lock().unwrap().push(Mail {
            to: self.to.clone(),
            text,
        });
        OK
    }
}

pub struct Smtp {
    pub port: u16,
    received: Arc<Mutex<Vec<Mail>>>,
}

impl Smtp {
    pub fn start() -> Smtp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let handler = Collect::default();
        let received = handler.received.clone();
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            server.with_name("smtp.test").with_tcp_listener(listener);
            let _ = server.serve();
        });
        Smtp { port, received }
    }

    pub fn settings(&self) -> content::mail::MailSettings {
        content::mail::MailSettings {
            from: "FamilyStory <no-reply@familystory.example>".into(),
            transport: "smtp".into(),
            smtp_host: Some("127.0.0.1".into()),
            smtp_port: Some(self.port),
            smtp_security: content::mail::SmtpSecurity::None,
            smtp_username: None,
            smtp_password: None,
            file_dir: None,
        }
    }

    pub fn count(&self) -> usize {
        self.received.lock().unwrap().len()
    }

    /// Waits for the `n`th message (1-based) to arrive.
    pub async fn wait_for(&self, n: usize) -> Mail {
        let start = Instant::now();
        loop {
            if let Some(mail) = self.received.lock().unwrap().get(n - 1) {
                return mail.clone();
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no email number {n} arrived"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// The first run of `digits` digits standing alone in a text.
pub fn code_in(text: &str, digits: usize) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == digits)
        .map(str::to_string)
}
