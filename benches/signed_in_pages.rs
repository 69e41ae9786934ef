//! How fast is a signed-in page? A family member's home page and an item
//! page (session lookup, authorisation, sealed content, render, the view
//! event) under 64 concurrent connections, against a bare axum "hello"
//! handler served in the same process and run, on SQLite. Reports requests
//! a second, the 99th percentile and the ratio to the bare handler (the
//! goal in issue 14 is at least 0.5), and the process's resident memory.
//! A benchmark, not a test: nothing is asserted.
//!
//! Run: `cargo bench --bench signed_in_pages` (`SECONDS=N` to change the
//! length of each run; default 5).

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)]
#[path = "../tests/integration/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::family::{activate, in_two_weeks, invite, send, Browser};
use common::Services;
use content::db::{now, Backend};
use content::sync::PublicationPush;
use uuid::Uuid;

const CONNECTIONS: usize = 64;
const ITEMS: usize = 20;

struct Run {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(url: String, cookie: Option<String>, seconds: u64) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let (client, url, cookie) = (client.clone(), url.clone(), cookie.clone());
        tasks.push(tokio::spawn(async move {
            let mut took = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let mut request = client.get(&url);
                if let Some(c) = &cookie {
                    request = request.header("cookie", c);
                }
                let response = request.send().await.unwrap();
                assert!(
                    response.status().is_success(),
                    "{url}: {}",
                    response.status()
                );
                response.bytes().await.unwrap();
                took.push(t.elapsed());
            }
            took
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    Run {
        per_second: all.len() as f64 / elapsed,
        p50: all[all.len() / 2],
        p99: all[((all.len() as f64 - 1.0) * 0.99) as usize],
    }
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

fn report(name: &str, run: &Run, bare: &Run) {
    println!(
        "{name:<14} {:>9.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ratio to bare {:.3}",
        run.per_second,
        run.p50.as_secs_f64() * 1000.0,
        run.p99.as_secs_f64() * 1000.0,
        run.per_second / bare.per_second
    );
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let s = Services::start_with(Backend::Sqlite, |portal, _| {
        portal.rate_limit_burst = 1_000_000;
    })
    .await;
    let (person, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", ("21", "11", "1989")).await;
    let cookie = browser.cookie_header();
    let mut item = Uuid::nil();
    for i in 0..ITEMS {
        item = Uuid::new_v4();
        let push = PublicationPush {
            version: 1,
            kind: if i % 2 == 0 { "letter" } else { "plan" }.into(),
            title: format!("Letter number {i}"),
            body_markdown: "## What happens next\n\nPriya will visit every two weeks. ".repeat(20),
            audience: vec![person],
            published_at: now() - i as i64,
            meeting_at: None,
            in_reply_to: None,
        };
        send(&s, &format!("/internal/v1/publications/{item}"), &push).await;
    }

    let bare = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bare).await });
    let _keep = Arc::new(());

    let idle = resident_mib();
    // Warm up each.
    load(bare_url.clone(), None, 1).await;
    load(format!("{}/home", s.portal_url), cookie.clone(), 1).await;
    let bare_run = load(bare_url, None, seconds).await;
    let home = load(format!("{}/home", s.portal_url), cookie.clone(), seconds).await;
    let item_page = load(format!("{}/items/{item}", s.portal_url), cookie, seconds).await;
    let loaded = resident_mib();
    println!("{CONNECTIONS} connections, {seconds} s each, SQLite, {ITEMS} items for the reader");
    report("bare axum", &bare_run, &bare_run);
    report("/home", &home, &bare_run);
    report("/items/{id}", &item_page, &bare_run);
    println!("resident memory of this process (services and load): {idle:.0} MiB before load, {loaded:.0} MiB after");
    s.finish().await;
}
