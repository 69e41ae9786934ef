//! Backup and restore through the `familystory` command, as an operator runs
//! them: a copy taken while the bridge is publishing and families are
//! signing in, put back into a fresh folder, holds a whole ledger and every
//! publication committed before it; nothing is ever overwritten; the key
//! file is copied only when asked, owner-only.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::family::{self, Browser};
use common::{demo_family, Services};
use content::db::{now, Backend};
use content::sync::PublicationPush;
use uuid::Uuid;

fn familystory(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_familystory"))
        .args(args)
        .env("FAMILYSTORY_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// A bridge settings file for a database and key.
fn bridge_toml(dir: &Path, database_url: &str, key_file: &Path) -> std::path::PathBuf {
    let file = dir.join(format!("bridge-{}.toml", Uuid::new_v4().simple()));
    std::fs::write(
        &file,
        format!(
            "database_url = {database_url:?}\nkey_file = {:?}\nportal_internal_url = \"http://127.0.0.1:8090\"\n\
             sync_secret = {:?}\npublic_url = \"http://localhost:8081\"\nportal_public_url = \"http://localhost:8080\"\n",
            key_file.display().to_string(),
            common::SECRET
        ),
    )
    .unwrap();
    file
}

fn portal_toml(dir: &Path, database_url: &str, key_file: &Path) -> std::path::PathBuf {
    let file = dir.join(format!("portal-{}.toml", Uuid::new_v4().simple()));
    std::fs::write(
        &file,
        format!(
            "database_url = {database_url:?}\nkey_file = {:?}\nsync_secret = {:?}\npublic_url = \"http://localhost:8080\"\n",
            key_file.display().to_string(),
            common::SECRET
        ),
    )
    .unwrap();
    file
}

async fn publish(s: &Services, person: Uuid, n: usize) -> Uuid {
    let id = Uuid::new_v4();
    let body = format!("Letter number {n}.");
    let push = PublicationPush {
        version: 1,
        kind: "letter".into(),
        title: format!("Letter {n}"),
        body_markdown: body,
        published_at: now(),
        audience: vec![person],
        meeting_at: None,
        in_reply_to: None,
    };
    family::send(s, &format!("/internal/v1/publications/{id}"), &push).await;
    id
}

#[tokio::test]
async fn a_backup_taken_while_writing_restores_whole() {
    let s = Services::start(Backend::Sqlite).await;
    staff_bridge::import::import(&s.bridge_db, &demo_family().to_string(), now())
        .await
        .unwrap();
    let (person, _, code) =
        family::invite(&s, "Sarah", "Carter", "1989-11-21", family::in_two_weeks()).await;
    let mut sarah = Browser::default();
    family::activate(&s, &mut sarah, &code, "Sarah", ("21", "11", "1989")).await;
    let work = tempfile::tempdir().unwrap();
    let bridge_conf = bridge_toml(
        work.path(),
        &s.bridge_config.database_url,
        &s.bridge_config.key_file,
    );
    let portal_conf = portal_toml(
        work.path(),
        &s.portal_config.database_url,
        &s.portal_config.key_file,
    );

    // Publications, views and sign-ins keep being written while the copies
    // are taken.
    let mut before = Vec::new();
    for n in 0..5 {
        before.push(publish(&s, person, n).await);
    }
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let writing = async {
        let mut during = Vec::new();
        for n in 5..40 {
            during.push(publish(&s, person, n).await);
            sarah.get(&s, "/home").await;
            staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
                .await
                .unwrap();
        }
        during
    };
    let to = work.path().join("backup");
    let to_text = to.to_str().unwrap().to_string();
    let keys = work.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let copying = {
        let (bridge_conf, portal_conf, keys, to_text) = (
            bridge_conf.clone(),
            portal_conf.clone(),
            keys.clone(),
            to_text.clone(),
        );
        tokio::task::spawn_blocking(move || {
            let bridge = familystory(&[
                "backup",
                "bridge",
                "--config",
                bridge_conf.to_str().unwrap(),
                "--to",
                &to_text,
                "--key-to",
                keys.join("bridge.key").to_str().unwrap(),
            ]);
            let portal = familystory(&[
                "backup",
                "portal",
                "--config",
                portal_conf.to_str().unwrap(),
                "--to",
                &to_text,
            ]);
            (bridge, portal)
        })
    };
    let (during, copied) = tokio::join!(writing, copying);
    let ((bridge_ok, bridge_said), (portal_ok, portal_said)) = copied.unwrap();
    assert!(bridge_ok, "{bridge_said}");
    assert!(bridge_said.contains("ledger is whole"), "{bridge_said}");
    assert!(bridge_said.contains("Copied the key file"), "{bridge_said}");
    assert!(portal_ok, "{portal_said}");
    assert!(
        portal_said.contains("is not in the backup"),
        "{portal_said}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(keys.join("bridge.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the copied key is owner-only");
    }

    // Never over a file: a second backup into the same folder is refused.
    let (ok, said) = familystory(&[
        "backup",
        "portal",
        "--config",
        portal_conf.to_str().unwrap(),
        "--to",
        &to_text,
    ]);
    assert!(!ok && said.contains("already exists"), "{said}");

    // Restored into a fresh folder.
    let fresh = work.path().join("fresh");
    let restored_bridge = format!("sqlite://{}/bridge.db?mode=rwc", fresh.display());
    let restored_portal = format!("sqlite://{}/portal.db?mode=rwc", fresh.display());
    let new_bridge_key = fresh.join("bridge.key");
    let bridge_conf2 = bridge_toml(work.path(), &restored_bridge, &new_bridge_key);
    let (ok, said) = familystory(&[
        "restore",
        "bridge",
        "--config",
        bridge_conf2.to_str().unwrap(),
        "--from",
        &to_text,
        "--key-from",
        keys.join("bridge.key").to_str().unwrap(),
    ]);
    assert!(ok, "{said}");
    assert!(said.contains("ledger is whole"), "{said}");
    let portal_conf2 = portal_toml(work.path(), &restored_portal, &s.portal_config.key_file);
    let (ok, said) = familystory(&[
        "restore",
        "portal",
        "--config",
        portal_conf2.to_str().unwrap(),
        "--from",
        &to_text,
    ]);
    assert!(ok, "{said}");
    // Not over a database that is there.
    let (ok, said) = familystory(&[
        "restore",
        "portal",
        "--config",
        portal_conf2.to_str().unwrap(),
        "--from",
        &to_text,
    ]);
    assert!(!ok && said.contains("already exists"), "{said}");

    // Every publication stored before the copy began is in it, and every one
    // in it was one the portal had stored: no half-written rows.
    let portal = portal::open_db(&restored_portal).await.unwrap();
    let ids: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT publication_id FROM publication_versions")
            .fetch_all(&portal.pool)
            .await
            .unwrap();
    for id in &before {
        assert!(
            ids.contains(&id.to_string()),
            "publication {id} is in the copy"
        );
    }
    let all: Vec<String> = before
        .iter()
        .chain(during.iter())
        .map(|u| u.to_string())
        .collect();
    assert!(ids.iter().all(|id| all.contains(id)));
    let audience: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM publication_audience")
        .fetch_one(&portal.pool)
        .await
        .unwrap();
    assert_eq!(audience as usize, ids.len(), "each version with its reader");
    // The sealed text opens with the portal's key.
    let sealed: String =
        sqlx::query_scalar("SELECT body_markdown FROM publication_versions LIMIT 1")
            .fetch_one(&portal.pool)
            .await
            .unwrap();
    assert!(s
        .portal_sealer()
        .open(&sealed)
        .unwrap()
        .starts_with("Letter number"));
    s.finish().await;
}

#[tokio::test]
async fn postgres_is_backed_up_with_its_own_tools() {
    if std::env::var("DATABASE_URL").is_err() {
        return;
    }
    let s = Services::start(Backend::Postgres).await;
    let to = tempfile::tempdir().unwrap();
    let refused = content::backup::snapshot(&s.bridge_db, &to.path().join("bridge.db")).await;
    assert!(
        matches!(refused, Err(content::backup::BackupError::UsePgDump)),
        "{refused:?}"
    );
    assert!(!to.path().join("bridge.db").exists());
    s.finish().await;
}
