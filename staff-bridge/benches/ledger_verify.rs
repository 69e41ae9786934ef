//! How long `audit verify` takes on a big ledger: builds a SQLite ledger of
//! 100,000 entries through `ledger::append` (in big transactions), verifies
//! it, extends it to 1,000,000 and verifies again, and reports the time, the
//! rate, and how the time per entry at 1M compares with 100k (about 1.0 means
//! verify scales linearly). Also reports peak memory, which must stay flat:
//! verify streams the table.
//!
//! `cargo bench -p staff-bridge --bench ledger_verify` (a few minutes).
//! Set LEDGER_BENCH_ENTRIES to change the larger size.

use std::time::{Duration, Instant};

use content::db::{sqlite_url, Db};
use serde_json::json;
use staff_bridge::ledger::{self, kinds, NewEntry};

const BASELINE: u64 = 100_000;
const BATCH: u64 = 50_000;
/// Verify runs per size; the fastest counts (the others only add noise from
/// a shared machine).
const RUNS_BASELINE: usize = 3;
const RUNS_FULL: usize = 2;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full: u64 = std::env::var("LEDGER_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("bridge.db");
    let db = staff_bridge::open_db(&sqlite_url(&path))
        .await
        .expect("open");

    println!("ledger_verify: SQLite, entries of a typical publication's size");
    let started = Instant::now();
    extend(&db, 0, BASELINE).await;
    let mut building = started.elapsed();
    let baseline = best_verify(&db, BASELINE, RUNS_BASELINE).await;
    let started = Instant::now();
    extend(&db, BASELINE, full).await;
    building += started.elapsed();
    println!(
        "  built {full} entries through append() in {:.1} s ({:.0} appends/s); file {:.0} MB",
        building.as_secs_f64(),
        full as f64 / building.as_secs_f64(),
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
    );
    let large = best_verify(&db, full, RUNS_FULL).await;

    let per_entry = |d: Duration, n: u64| d.as_secs_f64() / n as f64;
    for (n, d) in [(BASELINE, baseline), (full, large)] {
        println!(
            "  verify {n:>9} entries: {:7.3} s  {:>9.0} entries/s  {:.2} µs/entry",
            d.as_secs_f64(),
            n as f64 / d.as_secs_f64(),
            per_entry(d, n) * 1e6,
        );
    }
    println!(
        "  time per entry at {full} / at {BASELINE}: {:.2}",
        per_entry(large, full) / per_entry(baseline, BASELINE)
    );
    if let Some(peak) = peak_memory_kb() {
        println!(
            "  peak resident memory of the whole run: {:.0} MB",
            peak as f64 / 1024.0
        );
    }
    db.pool.close().await;
}

/// Appends entries `from + 1 ..= to`, `BATCH` to a transaction.
async fn extend(db: &Db, from: u64, to: u64) {
    let at = 1_800_000_000;
    let mut n = from;
    while n < to {
        let end = (n + BATCH).min(to);
        let mut tx = db.pool.begin().await.expect("begin");
        for i in n + 1..=end {
            let subject = format!("{:032x}", i);
            let entry = NewEntry {
                kind: kinds::PUBLICATION,
                actor: Some("staff-0007"),
                subject: Some(&subject),
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
            };
            ledger::append(&mut tx, db.backend, &entry, at + i as i64)
                .await
                .expect("append");
        }
        tx.commit().await.expect("commit");
        n = end;
    }
}

async fn best_verify(db: &Db, expected: u64, runs: usize) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..runs {
        let started = Instant::now();
        let report = ledger::verify(db).await.expect("verify");
        best = best.min(started.elapsed());
        assert!(report.is_whole(), "{report:?}");
        assert_eq!(report.entries, expected);
    }
    best
}

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
