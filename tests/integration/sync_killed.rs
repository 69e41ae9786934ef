//! Kill either service at any moment and restart it: nothing is lost and
//! nothing is applied twice. The services run as the real `familystory`
//! processes and are killed with SIGKILL, mid-sync, with publications and
//! workers' messages going one way and family messages the other.

use crate::common;
use test_support::{backend_tests, Backend};

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{count, free_port, SECRET};
use content::db::{now, Db};
use content::sync::{FamilyRole, MessagePush, PersonPush, PublicationPush};
use staff_bridge::outgoing::{self, Push};
use test_support::scratch;
use uuid::Uuid;

const ITEMS: i64 = 600;
/// Workers' messages pushed, and family members' messages pulled.
const MESSAGES: i64 = 150;

struct Setup {
    portal_toml: std::path::PathBuf,
    bridge_toml: std::path::PathBuf,
    portal_key: std::path::PathBuf,
    bridge_key: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn write_configs(portal_url: &str, bridge_url: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let internal = free_port();
    let (public, staff) = (free_port(), free_port());
    let portal_toml = dir.path().join("portal.toml");
    std::fs::write(
        &portal_toml,
        format!(
            "public_addr = \"127.0.0.1:{public}\"\ninternal_addr = \"127.0.0.1:{internal}\"\ndatabase_url = \"{portal_url}\"\nsync_secret = \"{SECRET}\"\npublic_url = \"http://localhost:{public}\"\nkey_file = \"{}\"\n",
            dir.path().join("portal.key").display()
        ),
    )
    .unwrap();
    let bridge_toml = dir.path().join("bridge.toml");
    std::fs::write(
        &bridge_toml,
        format!(
            "addr = \"127.0.0.1:{staff}\"\ndatabase_url = \"{bridge_url}\"\nportal_internal_url = \"http://127.0.0.1:{internal}\"\nsync_secret = \"{SECRET}\"\nsync_interval_ms = 100\npublic_url = \"http://localhost:{staff}\"\nportal_public_url = \"http://localhost:{public}\"\nkey_file = \"{}\"\n",
            dir.path().join("bridge.key").display()
        ),
    )
    .unwrap();
    Setup {
        portal_toml,
        bridge_toml,
        portal_key: dir.path().join("portal.key"),
        bridge_key: dir.path().join("bridge.key"),
        _dir: dir,
    }
}

fn spawn(service: &str, config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_familystory"))
        .args([service, "--config"])
        .arg(config)
        .env("FAMILYSTORY_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill(child: &mut Child) {
    child.kill().unwrap(); // SIGKILL: no chance to tidy up
    child.wait().unwrap();
}

async fn wait_until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "timed out waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn delivered(portal: &Db) -> i64 {
    count(portal, "SELECT COUNT(*) FROM publication_versions").await
        + count(
            portal,
            "SELECT COUNT(*) FROM messages WHERE from_family = 0",
        )
        .await
}

backend_tests!(multi_thread: killing_either_service_mid_sync_loses_nothing_and_doubles_nothing);
async fn killing_either_service_mid_sync_loses_nothing_and_doubles_nothing(backend: Backend) {
    let portal_scratch = scratch::create(backend).await;
    let bridge_scratch = scratch::create(backend).await;
    let setup = write_configs(&portal_scratch.url, &bridge_scratch.url);
    // Both databases exist before the processes start, so the test can read them.
    let portal_db = portal::open_db(&portal_scratch.url).await.unwrap();
    let bridge_db = staff_bridge::open_sealed_db(&bridge_scratch.url, &setup.bridge_key)
        .await
        .unwrap();

    let reader = Uuid::new_v4();
    let mut tx = bridge_db.pool.begin().await.unwrap();
    let person = PersonPush {
        display_name: "Rowan Test".into(),
        first_name: "Rowan".into(),
        role: FamilyRole::Child,
        date_of_birth: None,
    };
    outgoing::enqueue(
        &mut tx,
        bridge_db.sealer(),
        &Push::Person(reader, person),
        now(),
    )
    .await
    .unwrap();
    for i in 0..ITEMS {
        let push = PublicationPush {
            version: 1,
            kind: "letter".into(),
            title: format!("Letter {i}"),
            body_markdown: format!("Letter number {i}."),
            audience: vec![reader],
            published_at: now(),
            meeting_at: None,
            in_reply_to: None,
        };
        outgoing::enqueue(
            &mut tx,
            bridge_db.sealer(),
            &Push::Publication(Uuid::new_v4(), push),
            now(),
        )
        .await
        .unwrap();
        if i % (ITEMS / MESSAGES) == 0 {
            let message = MessagePush {
                person_id: reader,
                author: "Priya Shah".into(),
                text: format!("Worker message {i}."),
                sent_at: now(),
                attachments: Vec::new(),
            };
            let push = Push::Message(Uuid::new_v4(), message);
            outgoing::enqueue(&mut tx, bridge_db.sealer(), &push, now())
                .await
                .unwrap();
        }
    }
    tx.commit().await.unwrap();
    // The family member's own messages wait in the portal's outbox.
    let portal_sealer = content::seal::Sealer::load_or_create(&setup.portal_key).unwrap();
    for i in 0..MESSAGES {
        portal::messages::send(
            &portal_db,
            &portal_sealer,
            reader,
            &format!("Family message {i}."),
            &[],
            // Spread over the past hours: a person may send 30 an hour.
            now() - (MESSAGES - i) * 200,
        )
        .await
        .unwrap()
        .unwrap();
    }

    let mut portal = spawn("portal", &setup.portal_toml);
    let mut bridge = spawn("bridge", &setup.bridge_toml);

    // Kill the portal part-way through the pushes.
    wait_until("some pushes land", async || {
        delivered(&portal_db).await >= 40
    })
    .await;
    kill(&mut portal);
    let at_portal_kill = delivered(&portal_db).await;
    assert!(
        at_portal_kill < ITEMS + MESSAGES,
        "{backend:?}: the portal was killed mid-sync"
    );
    tokio::time::sleep(Duration::from_millis(300)).await; // the bridge retries into nothing
    portal = spawn("portal", &setup.portal_toml);

    // Kill the bridge part-way through what is left.
    wait_until("more pushes land", async || {
        delivered(&portal_db).await >= at_portal_kill + 100
    })
    .await;
    kill(&mut bridge);
    let at_bridge_kill = delivered(&portal_db).await;
    assert!(
        at_bridge_kill < ITEMS + MESSAGES,
        "{backend:?}: the bridge was killed mid-sync"
    );
    bridge = spawn("bridge", &setup.bridge_toml);

    // And once more each, while receipts are being pulled back.
    wait_until("receipts start coming back", async || {
        staff_bridge::events::count(&bridge_db).await.unwrap() >= 1
    })
    .await;
    kill(&mut bridge);
    kill(&mut portal);
    portal = spawn("portal", &setup.portal_toml);
    bridge = spawn("bridge", &setup.bridge_toml);

    wait_until(
        "everything is pushed and every receipt is back",
        async || {
            outgoing::pending_count(&bridge_db).await.unwrap() == 0
                && staff_bridge::events::count(&bridge_db).await.unwrap() >= ITEMS + MESSAGES
                && portal::outbox::pending(&portal_db).await.unwrap() == 0
        },
    )
    .await;
    kill(&mut bridge);
    kill(&mut portal);

    assert_eq!(
        delivered(&portal_db).await,
        ITEMS + MESSAGES,
        "{backend:?}: every publication and worker's message arrived once"
    );
    let conversation = portal::messages::conversation(&portal_db, &portal_sealer, reader)
        .await
        .unwrap();
    assert_eq!(conversation.len() as i64, 2 * MESSAGES);
    assert_eq!(
        count(
            &bridge_db,
            "SELECT COUNT(*) FROM messages WHERE from_family = 1"
        )
        .await,
        MESSAGES,
        "{backend:?}: every family message stored once"
    );
    let texts: std::collections::HashSet<String> =
        staff_bridge::messages::conversation(&bridge_db, &reader.to_string())
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.text)
            .collect();
    assert!((0..MESSAGES).all(|i| texts.contains(&format!("Family message {i}."))));
    assert_eq!(
        portal::publications::visible_to(
            &portal_db,
            &content::seal::Sealer::load_or_create(&setup.portal_key).unwrap(),
            reader
        )
        .await
        .unwrap()
        .len() as i64,
        ITEMS
    );
    assert_eq!(
        count(&portal_db, "SELECT COUNT(*) FROM outbox").await,
        ITEMS + MESSAGES,
        "each was applied once"
    );
    assert_eq!(
        staff_bridge::events::count(&bridge_db).await.unwrap(),
        ITEMS + MESSAGES,
        "each receipt and message stored once"
    );
    assert_eq!(
        count(
            &bridge_db,
            "SELECT COUNT(DISTINCT portal_seq) FROM family_events"
        )
        .await,
        ITEMS + MESSAGES,
        "no event stored twice"
    );
    portal_db.pool.close().await;
    bridge_db.pool.close().await;
    drop(portal_scratch);
    drop(bridge_scratch);
}
