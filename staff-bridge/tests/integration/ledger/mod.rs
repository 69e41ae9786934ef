//! The disclosure ledger on both backends: appending, tampering caught and
//! the entry named, and concurrent appends here; the database refusing changes
//! in `refusals`, appends in pages in `batches`, and what the portal may
//! report in `portal_kinds`.
//! Every person here is fictional; data holds ids and hashes only.

use content::db::{Backend, Db};
use serde_json::json;
use staff_bridge::ledger::{self, kinds, Anchor, NewEntry, Order, Page};
use test_support::backend_tests;
use test_support::scratch::{self, ScratchDb};

mod batches;
mod portal_kinds;
mod refusals;

async fn fresh(backend: Backend) -> (ScratchDb, Db) {
    let scratch = scratch::create(backend).await;
    let db = staff_bridge::open_db(&scratch.url)
        .await
        .expect("bridge database");
    (scratch, db)
}

async fn done(scratch: ScratchDb, db: Db) {
    db.pool.close().await;
    drop(scratch);
}

fn publication(n: usize) -> serde_json::Value {
    json!({
        "publication": format!("pub-{n}"),
        "content_sha256": format!("{n:064x}"),
        "audience": ["person-a1", "person-b2"],
        "author": "staff-7",
        "approver": "staff-9",
        "redactions": [{"kind": "person", "decision": "redact"}],
    })
}

/// Appends `n` entries of mixed kinds, actors and subjects.
async fn fill(db: &Db, n: usize) {
    for i in 1..=n {
        let subject = format!("pub-{}", i % 3);
        let (kind, actor) = match i % 3 {
            0 => (kinds::PUBLICATION, "staff-7"),
            1 => (kinds::FAMILY_VIEW, "person-a1"),
            _ => (kinds::WITHDRAWAL, "staff-9"),
        };
        let entry = NewEntry {
            kind,
            actor: Some(actor),
            subject: Some(&subject),
            data: publication(i),
        };
        let seq = ledger::append_now(db, &entry).await.expect("append");
        assert_eq!(seq, i as i64);
    }
}

async fn data_of(db: &Db, seq: i64) -> (String, String) {
    sqlx::query_as("SELECT data, hash FROM ledger WHERE seq = $1")
        .bind(seq)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger")
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// What someone with full access to the database does first: switch the
/// refusals off. (On PostgreSQL the scratch user is a superuser.)
async fn disarm(db: &Db) {
    let statements: &[&str] = match db.backend {
        Backend::Sqlite => &[
            "DROP TRIGGER ledger_no_update",
            "DROP TRIGGER ledger_no_delete",
            "DROP TRIGGER ledger_head_only_forward",
            "DROP TRIGGER ledger_head_no_delete",
        ],
        Backend::Postgres => &[
            "ALTER TABLE ledger DISABLE TRIGGER USER",
            "ALTER TABLE ledger_head DISABLE TRIGGER USER",
        ],
    };
    for sql in statements {
        sqlx::query(sql)
            .execute(&db.pool)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

async fn exec(db: &Db, sql: &str) {
    sqlx::query(sql)
        .execute(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

backend_tests!(a_chain_appends_and_verifies_whole);
async fn a_chain_appends_and_verifies_whole(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    let empty = ledger::verify(&db).await.unwrap();
    assert!(empty.is_whole(), "{backend:?}: {empty:?}");
    assert_eq!(empty.entries, 0);

    fill(&db, 12).await;

    // An entry commits with the action it records, or not at all: a
    // rolled-back append leaves no entry and no gap.
    let entry = NewEntry {
        kind: kinds::CONFIG_CHANGE,
        actor: Some("staff-1"),
        subject: None,
        data: json!({}),
    };
    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        ledger::append(&mut tx, db.backend, &entry, 1_800_000_000)
            .await
            .unwrap(),
        13
    );
    tx.rollback().await.unwrap();
    let mut tx = db.pool.begin().await.unwrap();
    assert_eq!(
        ledger::append(&mut tx, db.backend, &entry, 1_800_000_001)
            .await
            .unwrap(),
        13
    );
    tx.commit().await.unwrap();

    let report = ledger::verify(&db).await.unwrap();
    assert!(report.is_whole(), "{backend:?}: {report:?}");
    assert_eq!(report.entries, 13);
    let (head_seq, head_hash) = ledger::head(&db).await.unwrap();
    assert_eq!(
        report.last,
        Some(Anchor {
            seq: head_seq,
            hash: head_hash.clone()
        })
    );
    assert_eq!(head_seq, 13);

    // The first entry starts from 64 zeros; each links to the one before,
    // and data is stored canonical.
    let first = &ledger::entries_for_actor(&db, "person-a1", Page::first(Order::OldestFirst, 1))
        .await
        .unwrap()[0];
    assert_eq!(
        (first.seq, first.prev_hash.as_str()),
        (1, ledger::GENESIS_HASH)
    );
    assert!(first.hash_matches());
    assert!(first
        .data
        .starts_with(r#"{"approver":"staff-9","audience":["person-a1","person-b2"],"author""#));
    assert_eq!(first.data_json().unwrap(), publication(1));

    // Valid entries verify against an anchor taken from them.
    let anchor = Anchor {
        seq: 5,
        hash: data_of(&db, 5).await.1,
    };
    assert!(ledger::verify_against(&db, Some(&anchor))
        .await
        .unwrap()
        .is_whole());
    done(scratch, db).await;
}

backend_tests!(only_json_objects_of_integers_are_recorded);
async fn only_json_objects_of_integers_are_recorded(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    for data in [json!(["not", "an object"]), json!({"ratio": 0.5})] {
        let entry = NewEntry {
            kind: kinds::CONFIG_CHANGE,
            actor: None,
            subject: None,
            data,
        };
        let error = ledger::append_now(&db, &entry).await.unwrap_err();
        assert!(
            matches!(error, sqlx::Error::Encode(_)),
            "{backend:?}: {error}"
        );
    }
    assert_eq!(count(&db).await, 0);
    done(scratch, db).await;
}

backend_tests!(scoped_reads_page_by_entry_number);
async fn scoped_reads_page_by_entry_number(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 30).await;
    // pub-1 is the subject of entries 1, 4, 7, ... 28.
    let mut seen = Vec::new();
    let mut page = Some(Page::first(Order::OldestFirst, 4));
    while let Some(p) = page {
        let entries = ledger::entries_for_subject(&db, "pub-1", p).await.unwrap();
        assert!(entries.len() <= 4);
        seen.extend(entries.iter().map(|e| e.seq));
        page = p.next(&entries);
    }
    assert_eq!(
        seen,
        (1..=28).step_by(3).collect::<Vec<i64>>(),
        "{backend:?}"
    );

    let newest = ledger::entries_for_actor(&db, "staff-7", Page::first(Order::NewestFirst, 3))
        .await
        .unwrap();
    assert_eq!(
        newest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![30, 27, 24]
    );
    assert!(newest
        .iter()
        .all(|e| e.kind == kinds::PUBLICATION && e.actor.as_deref() == Some("staff-7")));
    let next = Page::first(Order::NewestFirst, 3).next(&newest).unwrap();
    let older = ledger::entries_for_actor(&db, "staff-7", next)
        .await
        .unwrap();
    assert_eq!(
        older.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![21, 18, 15]
    );
    assert!(ledger::entries_for_actor(&db, "staff-unknown", next)
        .await
        .unwrap()
        .is_empty());

    let everything = ledger::entries(&db, Page::first(Order::NewestFirst, 5))
        .await
        .unwrap();
    assert_eq!(
        everything.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![30, 29, 28, 27, 26]
    );
    let rest = ledger::entries(
        &db,
        Page {
            order: Order::OldestFirst,
            after: Some(27),
            limit: 900,
        },
    )
    .await
    .unwrap();
    assert_eq!(
        rest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        vec![28, 29, 30]
    );
    assert!(rest.iter().all(|e| e.hash_matches()));
    done(scratch, db).await;
}

/// Each tampering, on a fresh ledger of 10 entries, and the entry verify must name.
#[tokio::test]
async fn tampering_is_caught_and_the_first_broken_entry_named() {
    struct Case {
        what: &'static str,
        sql: &'static [&'static str],
        seq: i64,
        reason: &'static str,
    }
    let cases = [
        Case {
            what: "an entry's data changed",
            sql: &[r#"UPDATE ledger SET data = '{"publication":"pub-other"}' WHERE seq = 4"#],
            seq: 4,
            reason: "its hash does not match its content.",
        },
        Case {
            what: "an entry's actor changed",
            sql: &["UPDATE ledger SET actor = 'staff-1' WHERE seq = 6"],
            seq: 6,
            reason: "its hash does not match its content.",
        },
        Case {
            what: "an entry's hash changed",
            // Two other hex digits, whatever the hash began with.
            sql: &["UPDATE ledger SET hash = CASE WHEN hash LIKE 'ab%' THEN 'cd' ELSE 'ab' END || substr(hash, 3) WHERE seq = 7"],
            seq: 7,
            reason: "its hash does not match its content.",
        },
        Case {
            what: "a middle entry deleted",
            sql: &["DELETE FROM ledger WHERE seq = 5"],
            seq: 5,
            reason: "it is missing: entry 4 is followed by entry 6.",
        },
        Case {
            what: "the first entry deleted",
            sql: &["DELETE FROM ledger WHERE seq = 1"],
            seq: 1,
            reason: "it is missing: the ledger starts at entry 2.",
        },
        Case {
            what: "the last three entries deleted",
            sql: &["DELETE FROM ledger WHERE seq > 7"],
            seq: 8,
            reason: "it and the 2 after it are missing: the ledger recorded 10 entries, and ends at entry 7.",
        },
        Case {
            what: "two entries' numbers swapped",
            sql: &[
                "UPDATE ledger SET seq = 100 WHERE seq = 3",
                "UPDATE ledger SET seq = 3 WHERE seq = 2",
                "UPDATE ledger SET seq = 2 WHERE seq = 100",
            ],
            seq: 2,
            reason: "its hash does not match its content.",
        },
        Case {
            what: "the head record deleted",
            sql: &["DELETE FROM ledger_head"],
            seq: 11,
            reason: "the ledger's record of its newest entry is gone, so entries after 10 may have been removed.",
        },
    ];
    for backend in scratch::backends() {
        for case in &cases {
            let (scratch, db) = fresh(backend).await;
            fill(&db, 10).await;
            disarm(&db).await;
            for sql in case.sql {
                exec(&db, sql).await;
            }
            let report = ledger::verify(&db).await.unwrap();
            let broken = report
                .first_broken
                .unwrap_or_else(|| panic!("{backend:?}: {} went unnoticed", case.what));
            assert_eq!(
                broken.seq, case.seq,
                "{backend:?}: {}: {}",
                case.what, broken.reason
            );
            assert_eq!(broken.reason, case.reason, "{backend:?}: {}", case.what);
            done(scratch, db).await;
        }
    }
}

backend_tests!(a_recomputed_chain_is_caught_by_the_next_link_or_an_anchor);
/// An attacker who changes an entry and recomputes its hash: the chain breaks
/// at the next entry. One who recomputes every later entry too, and moves the
/// head, leaves a chain that is whole in itself: only an anchor recorded
/// outside the database catches that.
async fn a_recomputed_chain_is_caught_by_the_next_link_or_an_anchor(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 10).await;
    let anchor = ledger::verify(&db).await.unwrap().last.unwrap();
    assert_eq!(anchor.seq, 10);
    disarm(&db).await;

    // Entry 4 rewritten with a correct hash for its new content.
    let entries = all(&db).await;
    let e = &entries[3];
    let forged = r#"{"publication":"pub-other"}"#;
    let hash = ledger::entry_hash(
        e.seq,
        e.at,
        &e.kind,
        e.actor.as_deref(),
        e.subject.as_deref(),
        forged,
        &e.prev_hash,
    );
    sqlx::query("UPDATE ledger SET data = $1, hash = $2 WHERE seq = 4")
        .bind(forged)
        .bind(&hash)
        .execute(&db.pool)
        .await
        .unwrap();
    let broken = ledger::verify(&db).await.unwrap().first_broken.unwrap();
    assert_eq!(broken.seq, 5, "{backend:?}: {}", broken.reason);
    assert_eq!(
        broken.reason,
        "it does not follow from entry 4: that entry has been changed since this one was written."
    );

    // Every later entry relinked and the head moved: whole in itself...
    let mut prev = hash;
    for e in &entries[4..] {
        let h = ledger::entry_hash(
            e.seq,
            e.at,
            &e.kind,
            e.actor.as_deref(),
            e.subject.as_deref(),
            &e.data,
            &prev,
        );
        sqlx::query("UPDATE ledger SET prev_hash = $1, hash = $2 WHERE seq = $3")
            .bind(&prev)
            .bind(&h)
            .bind(e.seq)
            .execute(&db.pool)
            .await
            .unwrap();
        prev = h;
    }
    sqlx::query("UPDATE ledger_head SET hash = $1")
        .bind(&prev)
        .execute(&db.pool)
        .await
        .unwrap();
    assert!(ledger::verify(&db).await.unwrap().is_whole(), "{backend:?}");
    // ...but not against the head recorded before.
    let broken = ledger::verify_against(&db, Some(&anchor))
        .await
        .unwrap()
        .first_broken
        .unwrap();
    assert_eq!(broken.seq, 10, "{backend:?}: {}", broken.reason);
    assert!(broken.reason.contains("(the anchor)"), "{}", broken.reason);
    done(scratch, db).await;
}

async fn all(db: &Db) -> Vec<ledger::Entry> {
    let entries = ledger::entries(db, Page::first(Order::OldestFirst, ledger::MAX_PAGE))
        .await
        .unwrap();
    assert!(entries.len() < ledger::MAX_PAGE as usize);
    entries
}

/// Many writers at once (on PostgreSQL, really at once, on separate
/// connections) and a verifier beside them: one chain, numbered without
/// gaps, whole.
#[tokio::test]
async fn concurrent_appends_keep_a_single_unbroken_chain() {
    const TASKS: usize = 8;
    const EACH: usize = 25;
    for backend in scratch::backends() {
        let (scratch, db) = fresh(backend).await;
        let mut handles = Vec::new();
        for task in 0..TASKS {
            let db = db.clone();
            handles.push(tokio::spawn(async move {
                let actor = format!("staff-{task}");
                let mut seqs = Vec::new();
                for i in 0..EACH {
                    let entry = NewEntry {
                        kind: kinds::FAMILY_VIEW,
                        actor: Some(&actor),
                        subject: Some("pub-1"),
                        data: json!({"task": task, "i": i}),
                    };
                    // Half in a transaction with other work, half on their own.
                    let seq = if i % 2 == 0 {
                        let mut tx = db.pool.begin().await.unwrap();
                        let seq = ledger::append(&mut tx, db.backend, &entry, content::db::now())
                            .await
                            .unwrap();
                        sqlx::query("SELECT COUNT(*) FROM ledger")
                            .execute(&mut *tx)
                            .await
                            .unwrap();
                        tokio::task::yield_now().await;
                        tx.commit().await.unwrap();
                        seq
                    } else {
                        ledger::append_now(&db, &entry).await.unwrap()
                    };
                    seqs.push(seq);
                }
                seqs
            }));
        }
        // Verify meanwhile sees one consistent snapshot each time: whole,
        // never a head that disagrees with the rows it read.
        let verifier = {
            let db = db.clone();
            tokio::spawn(async move {
                let mut runs = 0;
                loop {
                    let report = ledger::verify(&db).await.unwrap();
                    assert!(report.is_whole(), "verified while appending: {report:?}");
                    runs += 1;
                    if report.entries == (TASKS * EACH) as u64 {
                        return runs;
                    }
                    tokio::task::yield_now().await;
                }
            })
        };
        let mut seqs = Vec::new();
        for handle in handles {
            seqs.extend(handle.await.unwrap());
        }
        assert!(verifier.await.unwrap() >= 1);
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            (1..=(TASKS * EACH) as i64).collect::<Vec<_>>(),
            "{backend:?}: each number given once"
        );
        let report = ledger::verify(&db).await.unwrap();
        assert!(report.is_whole(), "{backend:?}: {report:?}");
        assert_eq!(report.entries, (TASKS * EACH) as u64);
        done(scratch, db).await;
    }
}
