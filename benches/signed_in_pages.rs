//! How fast is a signed-in page? A family member's home page and an item
//! page (session lookup, authorisation, sealed content, render, the view
//! event) under 64 concurrent connections, against a bare axum "hello"
//! handler served in the same process and run, on SQLite. Reports requests
//! a second, the 99th percentile and the ratio to the bare handler (the
//! goal in issue 14 is at least 0.5), and the process's resident memory.
//! A benchmark, not a test: nothing is asserted.
//!
//! Then the same with 10,000 families (`FAMILIES=N`), each with 10
//! publications and as many live sessions, and the 99th percentile's ratio
//! to the small run (goal: within 1.5).
//!
//! Messages too: the conversation page (`/messages`, 40 messages) under the
//! same load, and sending: family members' messages stored with their
//! outbox event, from 64 tasks at once, in messages a second.
//!
//! Run: `cargo bench --bench signed_in_pages` (`SECONDS=N` to change the
//! length of each run, default 5; `BENCH_BACKEND=postgres` with
//! `DATABASE_URL` for PostgreSQL).

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)]
#[path = "../tests/integration/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::family::{activate, in_two_weeks, invite, send, Browser};
use common::Services;
use content::db::{now, Backend};
use content::sync::PublicationPush;
use uuid::Uuid;

const CONNECTIONS: usize = 64;
const ITEMS: usize = 20;
/// Publications and live sessions of each other family (10,000 families:
/// 100,000 of each, as in issue 14).
const EACH: usize = 10;

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

/// Other families, each with `EACH` publications and as many live
/// sessions, written through the portal's own storage functions.
async fn seed_others(s: &Services, families: usize) {
    let policy = content::session::Policy {
        cookie: "__Host-familystory",
        idle_seconds: 900,
        absolute_seconds: 12 * 3600,
    };
    for f in 1..families {
        let person = Uuid::new_v4();
        let push = content::sync::PersonPush {
            display_name: format!("Parent {f}"),
            first_name: format!("Parent{f}"),
            role: content::sync::FamilyRole::Parent,
            date_of_birth: Some("1980-01-01".into()),
        };
        portal::people::upsert(&s.portal_db, person, &push, now())
            .await
            .unwrap();
        for i in 0..EACH {
            let push = publication(person, i, &format!("Letter {i} for family {f}"));
            portal::publications::store_version(
                &s.portal_db,
                &s.portal_sealer(),
                Uuid::new_v4(),
                &push,
                now(),
            )
            .await
            .unwrap();
            policy
                .create(&s.portal_db, &person.to_string(), now())
                .await
                .unwrap();
        }
    }
}

fn publication(person: Uuid, i: usize, title: &str) -> PublicationPush {
    PublicationPush {
        version: 1,
        kind: if i.is_multiple_of(2) {
            "letter"
        } else {
            "plan"
        }
        .into(),
        title: title.into(),
        body_markdown: "## What happens next\n\nPriya will visit every two weeks. ".repeat(20),
        audience: vec![person],
        published_at: now() - i as i64,
        meeting_at: None,
        in_reply_to: None,
    }
}

/// The reader's conversation: 20 messages from her and 20 from her worker.
async fn seed_conversation(s: &Services, person: Uuid) {
    let sealer = s.portal_sealer();
    for i in 0..20 {
        portal::messages::send(
            &s.portal_db,
            &sealer,
            person,
            &format!("Question number {i} from me."),
            &[],
            now() - 4000 + i,
        )
        .await
        .unwrap()
        .unwrap();
        let push = content::sync::MessagePush {
            person_id: person,
            author: "Priya Shah".into(),
            text: format!("Answer number {i} from your worker."),
            sent_at: now() - 3900 + i,
            attachments: Vec::new(),
        };
        send(
            s,
            &format!("/internal/v1/messages/{}", Uuid::new_v4()),
            &push,
        )
        .await;
    }
}

/// Family members' messages sent from `CONNECTIONS` tasks at once (each
/// person within the hourly limit): messages a second.
async fn sending(s: &Services, total: usize) -> f64 {
    let sealer = std::sync::Arc::new(s.portal_sealer());
    let people: Vec<Uuid> = (0..total.div_ceil(25)).map(|_| Uuid::new_v4()).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..CONNECTIONS {
        let (db, sealer, people) = (s.portal_db.clone(), sealer.clone(), people.clone());
        tasks.push(tokio::spawn(async move {
            for i in (t..total).step_by(CONNECTIONS) {
                portal::messages::send(
                    &db,
                    &sealer,
                    people[i % people.len()],
                    "Can we talk about the meeting on Thursday?",
                    &[],
                    now(),
                )
                .await
                .unwrap()
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    total as f64 / started.elapsed().as_secs_f64()
}

/// Both services with `families` families; the measured reader signed in
/// through the real invitation flow. Her cookie and one of her items.
async fn world(backend: Backend, families: usize) -> (Services, Option<String>, Uuid) {
    let s = Services::start_with(backend, |portal, _| {
        portal.rate_limit_burst = 1_000_000;
    })
    .await;
    let (person, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", ("21", "11", "1989")).await;
    let mut item = Uuid::nil();
    for i in 0..ITEMS {
        item = Uuid::new_v4();
        let push = publication(person, i, &format!("Letter number {i}"));
        send(&s, &format!("/internal/v1/publications/{item}"), &push).await;
    }
    seed_others(&s, families).await;
    seed_conversation(&s, person).await;
    (s, browser.cookie_header(), item)
}

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::var("SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let large: usize = std::env::var("FAMILIES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let backend = match std::env::var("BENCH_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    };

    let bare = axum::Router::new().route("/", axum::routing::get(|| async { "hello" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let bare_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, bare).await });

    let idle = resident_mib();
    let (small, small_cookie, small_item) = world(backend, 100).await;
    load(bare_url.clone(), None, 1).await;
    load(
        format!("{}/home", small.portal_url),
        small_cookie.clone(),
        1,
    )
    .await;
    let bare_run = load(bare_url.clone(), None, seconds).await;
    let home = load(
        format!("{}/home", small.portal_url),
        small_cookie.clone(),
        seconds,
    )
    .await;
    let item_page = load(
        format!("{}/items/{small_item}", small.portal_url),
        small_cookie.clone(),
        seconds,
    )
    .await;
    let messages_page = load(
        format!("{}/messages", small.portal_url),
        small_cookie,
        seconds,
    )
    .await;
    let sent_per_second = sending(&small, 2_000).await;
    let loaded = resident_mib();
    small.finish().await;

    let seeding = Instant::now();
    let (big, big_cookie, big_item) = world(backend, large).await;
    let seeded_in = seeding.elapsed();
    load(format!("{}/home", big.portal_url), big_cookie.clone(), 1).await;
    let big_home = load(
        format!("{}/home", big.portal_url),
        big_cookie.clone(),
        seconds,
    )
    .await;
    let big_item_page = load(
        format!("{}/items/{big_item}", big.portal_url),
        big_cookie,
        seconds,
    )
    .await;
    big.finish().await;

    println!(
        "{CONNECTIONS} connections, {seconds} s each, {backend:?}, {ITEMS} items for the reader"
    );
    report("bare axum", &bare_run, &bare_run);
    report("/home", &home, &bare_run);
    report("/items/{id}", &item_page, &bare_run);
    report("/messages", &messages_page, &bare_run);
    println!("sending messages: {sent_per_second:.0} a second ({CONNECTIONS} at once; each stored sealed with its outbox event)");
    println!(
        "with {large} families ({} publications, as many sessions), seeded in {:.0} s:",
        large * ITEMS,
        seeded_in.as_secs_f64()
    );
    report("/home", &big_home, &bare_run);
    report("/items/{id}", &big_item_page, &bare_run);
    println!(
        "p99 with {large} families / with 100: /home {:.2}, /items {:.2} (goal: within 1.5)",
        big_home.p99.as_secs_f64() / home.p99.as_secs_f64(),
        big_item_page.p99.as_secs_f64() / item_page.p99.as_secs_f64()
    );
    println!("resident memory of this process (services and load): {idle:.0} MiB before, {loaded:.0} MiB after the first runs");
}
