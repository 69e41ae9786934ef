//! Sending email with lettre: SMTP in production, files in a folder for the
//! demo. Emails never carry record content: they say there is something to
//! see, and give a code or a link.

use std::path::PathBuf;

use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

/// How SMTP connections are secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on the same machine or in tests.
    None,
    Starttls,
    Tls,
}

/// The `[mail]` settings of either service.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MailSettings {
    /// The sender, e.g. `FamilyStory <no-reply@council.example>`.
    pub from: String,
    /// `smtp` or `file`.
    pub transport: String,
    #[serde(default)]
    pub smtp_host: Option<String>,
    #[serde(default)]
    pub smtp_port: Option<u16>,
    #[serde(default = "default_security")]
    pub smtp_security: SmtpSecurity,
    #[serde(default)]
    pub smtp_username: Option<String>,
    #[serde(default)]
    pub smtp_password: Option<String>,
    /// Where `file` transport writes each message.
    #[serde(default)]
    pub file_dir: Option<PathBuf>,
}

fn default_security() -> SmtpSecurity {
    SmtpSecurity::Starttls
}

#[derive(Clone)]
enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

#[derive(Clone)]
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail setting `{0}`: {1}")]
    Setting(&'static str, String),
    #[error("the email could not be sent: {0}")]
    Send(String),
}

impl Mailer {
    pub fn new(settings: &MailSettings) -> Result<Mailer, MailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e: lettre::address::AddressError| {
                MailError::Setting("from", e.to_string())
            })?;
        let transport = match settings.transport.as_str() {
            "file" => {
                let dir = settings.file_dir.clone().ok_or(MailError::Setting(
                    "file_dir",
                    "is required for file transport".into(),
                ))?;
                std::fs::create_dir_all(&dir)
                    .map_err(|e| MailError::Setting("file_dir", e.to_string()))?;
                Transport::File(AsyncFileTransport::new(dir))
            }
            "smtp" => {
                let host = settings.smtp_host.clone().ok_or(MailError::Setting(
                    "smtp_host",
                    "is required for smtp".into(),
                ))?;
                let builder = match settings.smtp_security {
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host)
                    }
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host)
                            .map_err(|e| MailError::Setting("smtp_host", e.to_string()))?
                    }
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&host)
                        .map_err(|e| MailError::Setting("smtp_host", e.to_string()))?,
                };
                let mut builder =
                    builder.port(settings.smtp_port.unwrap_or(match settings.smtp_security {
                        SmtpSecurity::None => 25,
                        SmtpSecurity::Starttls => 587,
                        SmtpSecurity::Tls => 465,
                    }));
                if let (Some(user), Some(password)) =
                    (&settings.smtp_username, &settings.smtp_password)
                {
                    builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
                }
                Transport::Smtp(builder.build())
            }
            other => {
                return Err(MailError::Setting(
                    "transport",
                    format!("must be smtp or file, not {other:?}"),
                ))
            }
        };
        Ok(Mailer { from, transport })
    }

    /// Sends a plain-text email. The caller's text must hold no record content.
    pub async fn send(&self, to: &str, subject: &str, text: String) -> Result<(), MailError> {
        let to: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Send(e.to_string()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(text)
            .map_err(|e| MailError::Send(e.to_string()))?;
        match &self.transport {
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
            Transport::File(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|e| MailError::Send(e.to_string())),
        }
    }
}
