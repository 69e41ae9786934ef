//! The ledger's speed at scale, on SQLite: appends, one by one (the baseline)
//! and in pages through `ledger::append_many` (as the portal's events arrive),
//! and `audit verify` on 100,000 and 1,000,000 entries, through the path the
//! command takes (`verify_database`: its own connection, the native driver)
//! and, as the baseline in the same run, through the service's `Any` pool
//! (`verify`). Reports rates and ratios, never a pass or fail; also the time
//! per entry at 1M against 100k (about 1.0: verify is linear) and peak memory
//! (flat: verify streams the table).
//!
//! `cargo bench -p staff-bridge --bench ledger_verify` (a minute or two).
//! Set LEDGER_BENCH_ENTRIES to change the larger size.

// A test or benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use content::db::{sqlite_url, Db};
use serde_json::json;
use staff_bridge::ledger::{self, kinds, NewEntry};

const BASELINE: u64 = 100_000;
/// Entries appended one by one, for the baseline rate.
const SINGLE_APPENDS: u64 = 20_000;
/// Entries per `append_many` call and transaction: a page of portal events.
const PAGE: u64 = 1_000;
/// Verify runs per size; the fastest counts (the others only add noise from
/// a shared machine).
const RUNS: usize = 3;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full: u64 = std::env::var("LEDGER_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("bridge.db");
    let url = sqlite_url(&path);
    let db = staff_bridge::open_db(&url).await.expect("open");

    println!("ledger_verify: SQLite, entries of a typical publication's size");
    let started = Instant::now();
    append_singly(&db, 0, SINGLE_APPENDS).await;
    let single = rate(SINGLE_APPENDS, started.elapsed());
    let started = Instant::now();
    append_pages(&db, SINGLE_APPENDS, BASELINE).await;
    let mut paged_time = started.elapsed();
    let baseline = best_verify(&db, &url, BASELINE).await;
    let started = Instant::now();
    append_pages(&db, BASELINE, full).await;
    paged_time += started.elapsed();
    let paged = rate(full - SINGLE_APPENDS, paged_time);
    println!("  append one by one:        {single:>9.0} entries/s");
    println!(
        "  append_many, {PAGE} a call: {paged:>9.0} entries/s  ({:.1}x one by one)",
        paged / single
    );
    println!(
        "  file {:.0} MB for {full} entries",
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
    );
    let large = best_verify(&db, &url, full).await;
    for (n, (native, any)) in [(BASELINE, baseline), (full, large)] {
        println!(
            "  verify {n:>9} entries: {:7.3} s  {:>9.0} entries/s  {:.2} µs/entry  (Any pool: {:.3} s, {:.1}x slower)",
            native.as_secs_f64(),
            rate(n, native),
            per_entry(native, n) * 1e6,
            any.as_secs_f64(),
            any.as_secs_f64() / native.as_secs_f64(),
        );
    }
    println!(
        "  time per entry at {full} / at {BASELINE}: {:.2}",
        per_entry(large.0, full) / per_entry(baseline.0, BASELINE)
    );
    if let Some(peak) = peak_memory_kb() {
        println!(
            "  peak resident memory of the whole run: {:.0} MB",
            peak as f64 / 1024.0
        );
    }
    db.pool.close().await;
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn per_entry(d: Duration, n: u64) -> f64 {
    d.as_secs_f64() / n as f64
}

fn subject(i: u64) -> String {
    format!("{i:032x}")
}

fn entry(subject: &str, i: u64) -> NewEntry<'_> {
    NewEntry {
        kind: kinds::PUBLICATION,
        actor: Some("staff-0007"),
        subject: Some(subject),
        data: json!({
            "content_sha256": format!("{:064x}", i * 7919),
            "audience": [format!("{:032x}", i % 977)],
            "author": "staff-0007",
            "approver": "staff-0009",
            "document_kind": "plan",
            "version": 1,
            "redactions": [
                {"kind": "person", "decision": "redact"},
                {"kind": "phone", "decision": "redact"},
            ],
        }),
    }
}

/// Appends entries `from + 1 ..= to` one `append` each, in one transaction.
async fn append_singly(db: &Db, from: u64, to: u64) {
    let mut tx = db.pool.begin().await.expect("begin");
    for i in from + 1..=to {
        let subject = subject(i);
        ledger::append(&mut tx, db.backend, &entry(&subject, i), 1_800_000_000)
            .await
            .expect("append");
    }
    tx.commit().await.expect("commit");
}

/// Appends entries `from + 1 ..= to`, `PAGE` to a call and a transaction.
async fn append_pages(db: &Db, from: u64, to: u64) {
    let mut n = from;
    while n < to {
        let end = (n + PAGE).min(to);
        let subjects: Vec<String> = (n + 1..=end).map(subject).collect();
        let entries: Vec<NewEntry> = subjects
            .iter()
            .zip(n + 1..)
            .map(|(s, i)| entry(s, i))
            .collect();
        let mut tx = db.pool.begin().await.expect("begin");
        ledger::append_many(&mut tx, db.backend, &entries, 1_800_000_000)
            .await
            .expect("append_many");
        tx.commit().await.expect("commit");
        n = end;
    }
}

/// The best of `RUNS` verifies through `verify_database`, then through the
/// service pool's `verify`.
async fn best_verify(db: &Db, url: &str, expected: u64) -> (Duration, Duration) {
    let mut native = Duration::MAX;
    let mut any = Duration::MAX;
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = ledger::verify_database(url, None).await.expect("verify");
        native = native.min(started.elapsed());
        assert!(report.is_whole(), "{report:?}");
        assert_eq!(report.entries, expected);
        let started = Instant::now();
        let report = ledger::verify(db).await.expect("verify");
        any = any.min(started.elapsed());
        assert_eq!(report.entries, expected);
    }
    (native, any)
}

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
