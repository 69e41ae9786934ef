//! Does "email me a code" take as long for an address nobody has as for a
//! family member's? It should: the request path does one lookup either way,
//! and the code's row and the email are written in the background. This
//! starts both services (SQLite), makes one family member with a verified
//! email, then times the request for her address and for unknown ones,
//! interleaved, and prints the medians and their ratio. A benchmark, not a
//! test: timings are reported, never asserted.
//!
//! Run: `cargo bench --bench sign_in_timing`

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(unused_imports)]
#[path = "../tests/integration/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::family::{activate, add_email, in_two_weeks, invite, Browser};
use common::smtp::Smtp;
use common::Services;
use content::db::Backend;

const ROUNDS: usize = 400;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p) as usize]
}

#[tokio::main]
async fn main() {
    let smtp = Smtp::start();
    let s = Services::start_with(Backend::Sqlite, |portal, _| {
        portal.mail = Some(smtp.settings());
        portal.rate_limit_burst = 100_000;
    })
    .await;
    let (_, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", ("21", "11", "1989")).await;
    add_email(&s, &smtp, &mut browser, "sarah.carter@example.com").await;

    let mut known = Vec::with_capacity(ROUNDS);
    let mut unknown = Vec::with_capacity(ROUNDS);
    let mut stranger = Browser::default();
    // Warm up both paths first.
    for i in 0..(ROUNDS + 20) {
        for (email, into) in [
            ("sarah.carter@example.com".to_string(), &mut known),
            (format!("nobody{i}@example.net"), &mut unknown),
        ] {
            let started = Instant::now();
            let (status, _, _) = stranger
                .post(&s, "/sign-in/email", &[("email", &email)])
                .await;
            let took = started.elapsed();
            assert_eq!(status, 200);
            if i >= 20 {
                into.push(took);
            }
        }
    }
    let (k, u) = (median(known.clone()), median(unknown.clone()));
    println!("email me a code, {ROUNDS} requests each, SQLite, one process:");
    println!(
        "  known address:   median {:>8.3} ms, p90 {:>8.3} ms",
        k.as_secs_f64() * 1e3,
        percentile(known, 0.9).as_secs_f64() * 1e3
    );
    println!(
        "  unknown address: median {:>8.3} ms, p90 {:>8.3} ms",
        u.as_secs_f64() * 1e3,
        percentile(unknown, 0.9).as_secs_f64() * 1e3
    );
    println!(
        "  ratio of medians (known / unknown): {:.2} (goal: within 0.5 to 2)",
        k.as_secs_f64() / u.as_secs_f64()
    );
    s.finish().await;
}
