//! `familystory audit verify`, the real binary: exit 0 on a whole ledger, 1
//! naming the first broken entry once it is tampered with, 2 when it cannot
//! check at all. Synthetic entries only.

use std::path::Path;
use std::process::{Command, Output};
use test_support::backend_tests;

use content::db::{Backend, Db};
use serde_json::json;
use staff_bridge::ledger::{self, kinds, NewEntry};
use test_support::scratch::{self, ScratchDb};

fn familystory(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_familystory"))
        .args(args)
        .env("FAMILYSTORY_LOG", "warn")
        .output()
        .expect("run familystory")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn fill(db: &Db, n: usize) {
    for i in 1..=n {
        let publication = format!("pub-{i}");
        let entry = NewEntry {
            kind: kinds::PUBLICATION,
            actor: Some("staff-7"),
            subject: Some(&publication),
            data: json!({"content_sha256": format!("{i:064x}"), "audience": ["person-a1"]}),
        };
        ledger::append_now(db, &entry).await.unwrap();
    }
}

/// Changes entry 3's data behind the database's back, as someone with full
/// access to it could.
async fn tamper(db: &Db) {
    let disarm = match db.backend {
        Backend::Sqlite => "DROP TRIGGER ledger_no_update",
        Backend::Postgres => "ALTER TABLE ledger DISABLE TRIGGER ledger_no_update",
    };
    sqlx::query(disarm).execute(&db.pool).await.unwrap();
    sqlx::query(r#"UPDATE ledger SET data = '{"audience":["person-z9"]}' WHERE seq = 3"#)
        .execute(&db.pool)
        .await
        .unwrap();
}

fn assert_whole(output: &Output, entries: usize) -> String {
    let out = stdout(output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        out.starts_with(&format!("The ledger is whole: {entries} entries.\n")),
        "{out}"
    );
    // The anchor it prints checks out against the same ledger.
    out.lines()
        .find_map(|l| l.trim().strip_prefix("--anchor "))
        .expect("an anchor")
        .to_string()
}

fn assert_broken_at_3(output: &Output) {
    let out = stdout(output);
    assert_eq!(output.status.code(), Some(1), "{out}");
    assert!(
        out.starts_with("The ledger is broken at entry 3: its hash does not match its content.\n"),
        "{out}"
    );
}

#[tokio::test]
async fn a_data_folder_whole_then_tampered() {
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let db = staff_bridge::open_db(&content::db::sqlite_url(&dir.path().join("bridge.db")))
        .await
        .unwrap();
    fill(&db, 5).await;
    db.pool.close().await;

    let file = dir.path().join("bridge.db");
    let before = std::fs::read(&file).unwrap();
    let output = familystory(&["audit", "verify", "--data-dir", dir_arg]);
    let anchor = assert_whole(&output, 5);
    assert!(
        std::fs::read(&file).unwrap() == before,
        "verify left the file byte for byte as it was"
    );
    let again = familystory(&[
        "audit",
        "verify",
        "--data-dir",
        dir_arg,
        "--anchor",
        &anchor,
    ]);
    assert_whole(&again, 5);

    let db = staff_bridge::open_db(&content::db::sqlite_url(&dir.path().join("bridge.db")))
        .await
        .unwrap();
    tamper(&db).await;
    db.pool.close().await;
    assert_broken_at_3(&familystory(&["audit", "verify", "--data-dir", dir_arg]));
}

backend_tests!(a_database_url_on_either_backend);
async fn a_database_url_on_either_backend(backend: Backend) {
    let scratch: ScratchDb = scratch::create(backend).await;
    let db = staff_bridge::open_db(&scratch.url).await.unwrap();
    fill(&db, 4).await;
    assert_whole(
        &familystory(&["audit", "verify", "--database-url", &scratch.url]),
        4,
    );
    tamper(&db).await;
    assert_broken_at_3(&familystory(&[
        "audit",
        "verify",
        "--database-url",
        &scratch.url,
    ]));
    db.pool.close().await;
    drop(scratch);
}

#[test]
fn nothing_to_check_is_not_a_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let output = familystory(&[
        "audit",
        "verify",
        "--data-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no bridge.db"));
    assert!(
        !Path::new(&dir.path().join("bridge.db")).exists(),
        "nothing was created"
    );

    // A SQLite file that is not the bridge's: refused, not called whole.
    let other = dir.path().join("other.db");
    std::fs::write(&other, b"").unwrap();
    let url = content::db::sqlite_url(&other);
    let output = familystory(&["audit", "verify", "--database-url", &url]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("has no ledger"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
