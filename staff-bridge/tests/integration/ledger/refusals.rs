//! The database itself refuses every change to the ledger but an append:
//! UPDATE, DELETE, TRUNCATE, REPLACE and an insert that does not extend the
//! chain, whatever the writer.

use content::db::Backend;
use staff_bridge::ledger;
use test_support::backend_tests;

use super::{count, data_of, done, fill, fresh};

backend_tests!(the_database_refuses_update);
async fn the_database_refuses_update(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 3).await;
    let before = data_of(&db, 2).await;
    for sql in [
        "UPDATE ledger SET data = '{}' WHERE seq = 2",
        "UPDATE ledger SET hash = prev_hash WHERE seq = 2",
        "UPDATE ledger SET seq = 9 WHERE seq = 2",
    ] {
        let error = sqlx::query(sql).execute(&db.pool).await.expect_err(sql);
        assert!(
            error.to_string().contains("append-only: UPDATE refused"),
            "{backend:?}: {sql}: {error}"
        );
    }
    assert_eq!(
        data_of(&db, 2).await,
        before,
        "{backend:?}: the row is unchanged"
    );

    // Nor can the head be wound back to hide entries cut off the end.
    let error = sqlx::query("UPDATE ledger_head SET seq = 1")
        .execute(&db.pool)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("append-only"),
        "{backend:?}: {error}"
    );
    assert_eq!(ledger::head(&db).await.unwrap().0, 3);
    assert!(ledger::verify(&db).await.unwrap().is_whole());
    done(scratch, db).await;
}

backend_tests!(the_database_refuses_delete);
async fn the_database_refuses_delete(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 3).await;
    for sql in [
        "DELETE FROM ledger WHERE seq = 2",
        "DELETE FROM ledger",
        "DELETE FROM ledger_head",
    ] {
        let error = sqlx::query(sql).execute(&db.pool).await.expect_err(sql);
        assert!(
            error.to_string().contains("append-only: DELETE refused"),
            "{backend:?}: {sql}: {error}"
        );
    }
    assert_eq!(count(&db).await, 3, "{backend:?}");
    assert!(ledger::verify(&db).await.unwrap().is_whole());
    done(scratch, db).await;
}

/// PostgreSQL only: SQLite has no TRUNCATE; DELETE is refused above.
#[tokio::test]
async fn postgres_refuses_truncate() {
    if !test_support::postgres_wanted() {
        return;
    }
    let backend = Backend::Postgres;
    let (scratch, db) = fresh(backend).await;
    fill(&db, 3).await;
    for sql in [
        "TRUNCATE ledger",
        "TRUNCATE ledger_head",
        "TRUNCATE ledger, ledger_head CASCADE",
    ] {
        let error = sqlx::query(sql).execute(&db.pool).await.expect_err(sql);
        assert!(
            error.to_string().contains("append-only: TRUNCATE refused"),
            "{sql}: {error}"
        );
    }
    assert_eq!(count(&db).await, 3);
    assert!(ledger::verify(&db).await.unwrap().is_whole());
    done(scratch, db).await;
}

backend_tests!(the_database_refuses_an_entry_that_does_not_extend_the_chain);
async fn the_database_refuses_an_entry_that_does_not_extend_the_chain(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 2).await;
    let (_, head_hash) = ledger::head(&db).await.unwrap();
    let zeros = ledger::GENESIS_HASH;
    let insert = "INSERT INTO ledger (seq, at, kind, data, prev_hash, hash) VALUES ($1, 1, 'forged', '{}', $2, $3)";
    // A fork from entry 1, a skipped number, and a wrong link.
    for (seq, prev) in [(2, zeros), (4, head_hash.as_str()), (3, zeros)] {
        let error = sqlx::query(insert)
            .bind(seq)
            .bind(prev)
            .bind("f".repeat(64))
            .execute(&db.pool)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("must extend the head"),
            "{backend:?}: {seq}: {error}"
        );
    }
    assert_eq!(count(&db).await, 2);
    done(scratch, db).await;
}

backend_tests!(the_database_refuses_replace);
/// SQLite's `INSERT OR REPLACE` / `REPLACE` delete the row they collide with
/// without firing DELETE triggers: before 0007, winding the head back to 0
/// that way let entry 1 be replaced by a forged one that "extended" it.
/// PostgreSQL's upsert (`ON CONFLICT DO UPDATE`) is refused on both tables too.
async fn the_database_refuses_replace(backend: Backend) {
    let (scratch, db) = fresh(backend).await;
    fill(&db, 3).await;
    let first = data_of(&db, 1).await;
    let zeros = ledger::GENESIS_HASH;
    let forged_data = "{\"publication\":\"forged\"}";
    let forged_hash = ledger::entry_hash(1, 1, "publication", None, None, forged_data, zeros);
    let (reset_head, replace_entry) = match backend {
        Backend::Sqlite => (
            vec![
                "INSERT OR REPLACE INTO ledger_head (id, seq, hash) VALUES (1, 0, $1)",
                "REPLACE INTO ledger_head (id, seq, hash) VALUES (1, 0, $1)",
            ],
            vec![
                "INSERT OR REPLACE INTO ledger (seq, at, kind, data, prev_hash, hash) \
                 VALUES (1, 1, 'publication', $1, $2, $3)",
                "REPLACE INTO ledger (seq, at, kind, data, prev_hash, hash) \
                 VALUES (1, 1, 'publication', $1, $2, $3)",
            ],
        ),
        Backend::Postgres => (
            vec![
                "INSERT INTO ledger_head (id, seq, hash) VALUES (1, 0, $1) \
                 ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            ],
            vec![
                "INSERT INTO ledger (seq, at, kind, data, prev_hash, hash) \
                 VALUES (1, 1, 'publication', $1, $2, $3) \
                 ON CONFLICT (seq) DO UPDATE SET data = excluded.data, hash = excluded.hash",
            ],
        ),
    };
    for sql in &reset_head {
        let error = sqlx::query(sql)
            .bind(zeros)
            .execute(&db.pool)
            .await
            .expect_err(sql);
        assert!(
            error.to_string().contains("append-only"),
            "{backend:?}: {sql}: {error}"
        );
    }
    assert_eq!(ledger::head(&db).await.unwrap().0, 3, "{backend:?}");
    for sql in &replace_entry {
        let error = sqlx::query(sql)
            .bind(forged_data)
            .bind(zeros)
            .bind(&forged_hash)
            .execute(&db.pool)
            .await
            .expect_err(sql);
        assert!(
            error.to_string().contains("append-only"),
            "{backend:?}: {sql}: {error}"
        );
    }
    assert_eq!(data_of(&db, 1).await, first, "{backend:?}: entry 1 stands");
    assert_eq!(count(&db).await, 3, "{backend:?}");
    assert!(ledger::verify(&db).await.unwrap().is_whole());
    done(scratch, db).await;
}
