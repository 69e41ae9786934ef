//! The IG console's disclosure search at scale, on SQLite: a ledger of
//! 100,000 and then 1,000,000 entries of a realistic mix (publications to
//! family members, their views and sign-ins, staff sign-ins) over 300 cases,
//! searched as the disclosures page searches it (`governance::search`: one
//! page of 50, newest first) by each filter and some together, and a page
//! deep in the results. Reports the time per page at each size (the best of
//! five) and the ratio 1M / 100k (near 1.0: the indexes keep a page's cost
//! independent of the ledger's size), and how fast the index of who and
//! which case each entry concerns (`governance::links`) catches up.
//! Reports numbers, never a pass or fail.
//!
//! `cargo bench -p staff-bridge --bench disclosure_search` (a few minutes).
//! Set GOVERNANCE_BENCH_ENTRIES to change the larger size.

// A benchmark may unwrap: a panic here is a failure with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use content::db::{sqlite_url, Db};
use serde_json::json;
use staff_bridge::governance::{links, search};
use staff_bridge::ledger::{self, NewEntry};

const BASELINE: u64 = 100_000;
const PAGE: u64 = 1_000;
const CASES: u64 = 300;
const PEOPLE_PER_CASE: u64 = 3;
const STAFF: u64 = 60;
const RUNS: usize = 5;
/// One entry every 30 seconds: a million span about a year.
const START: i64 = 1_767_225_600;
const STEP: i64 = 30;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let full: u64 = std::env::var("GOVERNANCE_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary folder");
    let url = sqlite_url(&dir.path().join("bridge.db"));
    let db = staff_bridge::open_db(&url).await.expect("open");
    people(&db).await;
    println!(
        "disclosure_search: SQLite, {CASES} cases, a page of {} entries",
        search::PAGE
    );
    append(&db, 0, BASELINE).await;
    let started = Instant::now();
    let n = links::catch_up(&db).await.expect("catch up");
    let small_index = started.elapsed();
    println!(
        "  index caught up on {n} entries in {:.2} s ({:.0} entries/s)",
        small_index.as_secs_f64(),
        n as f64 / small_index.as_secs_f64()
    );
    let small = measure(&db, BASELINE).await;
    append(&db, BASELINE, full).await;
    let started = Instant::now();
    let n = links::catch_up(&db).await.expect("catch up");
    let large_index = started.elapsed();
    println!(
        "  index caught up on {n} more entries in {:.2} s ({:.0} entries/s)",
        large_index.as_secs_f64(),
        n as f64 / large_index.as_secs_f64()
    );
    let large = measure(&db, full).await;
    println!(
        "  {:<34} {:>12} {:>12} {:>8}",
        "search (one page)",
        format!("{BASELINE}"),
        format!("{full}"),
        "ratio"
    );
    for ((name, a), (_, b)) in small.iter().zip(&large) {
        println!(
            "  {name:<34} {:>9.2} ms {:>9.2} ms {:>8.2}",
            a.as_secs_f64() * 1e3,
            b.as_secs_f64() * 1e3,
            b.as_secs_f64() / a.as_secs_f64()
        );
    }
    db.pool.close().await;
}

fn person(case: u64, n: u64) -> String {
    format!("00000000-0000-4000-8000-{:06}{:06}", case, n)
}

fn staff(i: u64) -> String {
    format!("staff-{:04}", i % STAFF)
}

/// The cases and family members the entries name.
async fn people(db: &Db) {
    let mut tx = db.pool.begin().await.expect("begin");
    for case in 0..CASES {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO cases (reference, team, created_at, updated_at) VALUES ($1, $2, 0, 0) RETURNING id",
        )
        .bind(format!("CASE-{case:04}"))
        .bind(format!("Team {}", case % 6))
        .fetch_one(&mut *tx)
        .await
        .expect("case");
        for n in 0..PEOPLE_PER_CASE {
            sqlx::query(
                "INSERT INTO case_people (case_id, source_id, portal_id, name, aliases, role) VALUES ($1, $2, $3, $4, '[]', 'parent')",
            )
            .bind(id)
            .bind(format!("P-{n}"))
            .bind(person(case, n))
            .bind(format!("Person {case} {n}"))
            .execute(&mut *tx)
            .await
            .expect("person");
        }
    }
    tx.commit().await.expect("commit");
}

/// Entry `i`: a mix of kinds as a council's ledger has them.
fn entry(
    i: u64,
    ids: &mut Vec<String>,
) -> (
    &'static str,
    Option<usize>,
    Option<usize>,
    serde_json::Value,
) {
    let case = (i * 7) % CASES;
    let who = person(case, i % PEOPLE_PER_CASE);
    let publication = format!("{:032x}", i / 10);
    let mut push = |s: String| {
        ids.push(s);
        Some(ids.len() - 1)
    };
    match i % 10 {
        0 => {
            let actor = push(staff(i));
            let subject = push(publication.clone());
            (
                "publication",
                actor,
                subject,
                json!({
                    "publication_id": publication, "version": 1, "case": format!("CASE-{case:04}"),
                    "audience": [{ "portal_id": who, "source_id": "P-0" }],
                    "content_sha256": format!("{:064x}", i), "author": staff(i), "approver": staff(i + 1),
                    "redactions": [{ "kind": "person", "decision": "keep", "reason": "Named in the plan" }],
                }),
            )
        }
        1..=3 => {
            let actor = push(who);
            let subject = push(publication);
            (
                "family_view",
                actor,
                subject,
                json!({ "version": 1, "occurred_at": START }),
            )
        }
        4..=6 => (
            "family_sign_in",
            push(who),
            None,
            json!({ "method": "passkey", "ip": "192.0.2.1" }),
        ),
        _ => (
            "staff_sign_in",
            push(staff(i)),
            None,
            json!({ "method": "passkey", "ip": "192.0.2.9" }),
        ),
    }
}

async fn append(db: &Db, from: u64, to: u64) {
    let mut n = from;
    while n < to {
        let end = (n + PAGE).min(to);
        let mut ids = Vec::new();
        let raw: Vec<_> = (n..end).map(|i| entry(i, &mut ids)).collect();
        let at = START + n as i64 * STEP;
        let entries: Vec<NewEntry> = raw
            .iter()
            .map(|(kind, actor, subject, data)| NewEntry {
                kind,
                actor: actor.map(|a| ids[a].as_str()),
                subject: subject.map(|s| ids[s].as_str()),
                data: data.clone(),
            })
            .collect();
        let mut tx = db.pool.begin().await.expect("begin");
        ledger::append_many(&mut tx, db.backend, &entries, at)
            .await
            .expect("append_many");
        tx.commit().await.expect("commit");
        n = end;
    }
}

/// The best of `RUNS` for each search, on a ledger of `size` entries.
async fn measure(db: &Db, size: u64) -> Vec<(&'static str, Duration)> {
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = 'CASE-0042'")
        .fetch_one(&db.pool)
        .await
        .expect("case");
    let end = START + size as i64 * STEP;
    let month = 30 * 86_400;
    let filters: Vec<(&'static str, search::Filter)> = vec![
        ("everything", search::Filter::default()),
        (
            "kind = publication",
            search::Filter {
                kind: Some("publication".into()),
                ..Default::default()
            },
        ),
        (
            "one family member",
            search::Filter {
                person: Some(person(42, 1)),
                ..Default::default()
            },
        ),
        (
            "one case",
            search::Filter {
                case_id: Some(case_id),
                ..Default::default()
            },
        ),
        (
            "one staff member",
            search::Filter {
                staff: Some(staff(7)),
                ..Default::default()
            },
        ),
        (
            "a month, a while ago",
            search::Filter {
                from: Some(end - 3 * month),
                until: Some(end - 2 * month),
                ..Default::default()
            },
        ),
        (
            "family member + publications",
            search::Filter {
                person: Some(person(42, 1)),
                kind: Some("publication".into()),
                ..Default::default()
            },
        ),
        (
            "case + month + sign-ins",
            search::Filter {
                case_id: Some(case_id),
                kind: Some("family_sign_in".into()),
                from: Some(end - 3 * month),
                until: Some(end - 2 * month),
                ..Default::default()
            },
        ),
        (
            "a page halfway back",
            search::Filter {
                before: Some(size as i64 / 2),
                ..Default::default()
            },
        ),
    ];
    let mut out = Vec::new();
    for (name, filter) in filters {
        let mut best = Duration::MAX;
        for _ in 0..RUNS {
            let started = Instant::now();
            let found = search::search_indexed(db, &filter, search::PAGE)
                .await
                .expect("search");
            best = best.min(started.elapsed());
            std::hint::black_box(found);
        }
        out.push((name, best));
    }
    out
}
