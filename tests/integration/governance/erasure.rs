//! Erasure, part of tests/governance.rs: a publication's text destroyed on
//! both services, so that no copy of the database files and WAL opens to it
//! even with the key files, while the ledger still verifies.

use content::db::now;

use super::common::{self, sync};
use super::{desk, reader, start, SARAH};
use test_support::{backend_tests, Backend};

/// Every sealed value in a file's bytes that the key opens, as text: what a
/// copy of the file and the key file together give away.
pub(super) fn opened_in(file: &str, sealer: &content::seal::Sealer) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    // base64 of "age-encryption.org/v1", how every sealed value starts.
    let mut found = Vec::new();
    for (at, _) in text.match_indices("YWdlLWVuY3J5cHRpb24ub3JnL3Yx") {
        let run: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/' || *c == '=')
            .collect();
        // The file runs the value into whatever is stored next to it: try
        // each length a base64 value can have, longest first.
        let opened = (0..=run.len())
            .rev()
            .filter(|n| n % 4 == 0)
            .take(200)
            .find_map(|n| sealer.open(&run[..n]).ok());
        found.extend(opened);
    }
    found.push(text.into_owned());
    found
}

pub(super) fn sqlite_files(url: &str) -> Vec<String> {
    let path = url
        .trim_start_matches("sqlite://")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    vec![path.clone(), format!("{path}-wal")]
}

backend_tests!(
    erasure_leaves_the_text_unrecoverable_from_files_wal_and_keys_and_the_ledger_still_verifies
);
async fn erasure_leaves_the_text_unrecoverable_from_files_wal_and_keys_and_the_ledger_still_verifies(
    backend: Backend,
) {
    use staff_bridge::publishing::{self, rules::Decision, Content};
    let mut c = start(backend).await;
    let s = &c.s;
    let sentence = "The blue kite flew over the old mill all Saturday afternoon.";
    let priya = staff_bridge::staff::find_by_email(&s.bridge_db, "priya.shah@council.example")
        .await
        .unwrap()
        .unwrap();
    let tom = staff_bridge::staff::find_by_email(&s.bridge_db, "tom.okafor@council.example")
        .await
        .unwrap()
        .unwrap();
    let (sarah_row, _, case_id) = sqlx::query_as::<_, (i64, String, i64)>(
        "SELECT id, name, case_id FROM case_people WHERE name = 'Sarah Carter'",
    )
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    let content = Content {
        kind: Some(publishing::rules::Kind::Letter),
        title: "Kite day".into(),
        body: sentence.into(),
        reader_age: None,
        audience: vec![sarah_row],
        publish_at: None,
        meeting_id: None,
    };
    let db = &s.bridge_db;
    let id = publishing::create(db, case_id, None, &priya.id, &content, None, now())
        .await
        .unwrap();
    let draft = publishing::load(db, &id).await.unwrap().unwrap();
    let checked = publishing::check(db, &draft).await.unwrap();
    for item in &checked.items {
        publishing::decide(db, &draft, &[item], &Decision::Redact, &priya.id, now())
            .await
            .unwrap();
    }
    let draft = publishing::load(db, &id).await.unwrap().unwrap();
    publishing::submit(
        db,
        &draft,
        &priya.id,
        &publishing::Settings::default(),
        now(),
    )
    .await
    .unwrap();
    let draft = publishing::load(db, &id).await.unwrap().unwrap();
    let read = publishing::check(db, &draft).await.unwrap();
    let read = publishing::rules::read_hash(&read.title, &read.body);
    publishing::approve(db, &draft, &tom, &read, None, now())
        .await
        .unwrap();
    sync(s).await;
    let publication = draft.publication_id.to_string();
    let mut sarah = reader(s, "Sarah Carter", SARAH).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!((status, page.contains(sentence)), (200, true));
    sync(s).await;

    let keys = [
        s.bridge_config.key_file.clone(),
        s.portal_config.key_file.clone(),
    ];
    let sealers: Vec<_> = keys
        .iter()
        .map(|k| content::seal::Sealer::load_or_create(k).unwrap())
        .collect();
    let urls = [
        s.bridge_config.database_url.clone(),
        s.portal_config.database_url.clone(),
    ];
    if backend == content::db::Backend::Sqlite {
        // The check can see it: with the key, a copy of the files gives the text away.
        for (url, sealer) in urls.iter().zip(&sealers) {
            let all: Vec<String> = sqlite_files(url)
                .iter()
                .flat_map(|f| opened_in(f, sealer))
                .collect();
            assert!(
                all.iter().any(|t| t.contains(sentence)),
                "{url}: the text is there before erasure"
            );
        }
    }

    let path = format!("/governance/publications/{publication}/erase");
    let csrf = desk(&mut c.ig).csrf(s, &path).await;
    let empty = desk(&mut c.ig)
        .post(s, &path, &[("csrf", &csrf), ("reason", "")])
        .await;
    assert_eq!(empty.status, 400, "no reason, no erasure");
    assert_eq!(desk(&mut c.practitioner).get(s, &path).await.status, 403);
    let erased = desk(&mut c.ig)
        .post(
            s,
            &path,
            &[("csrf", &csrf), ("reason", "Retention period ended")],
        )
        .await;
    assert_eq!(erased.status, 303, "{}", erased.body);
    sync(s).await;

    let (status, _, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 404, "she no longer sees it");
    let (_, home, _) = sarah.get(s, "/home").await;
    assert!(!home.contains("Kite day"));
    if backend == content::db::Backend::Sqlite {
        for (url, sealer) in urls.iter().zip(&sealers) {
            for file in sqlite_files(url) {
                for text in opened_in(&file, sealer) {
                    assert!(
                        !text.contains(sentence) && !text.contains("old mill"),
                        "{file} still gives the text away"
                    );
                    assert!(
                        !text.contains("Kite day"),
                        "{file} still gives the title away"
                    );
                }
            }
        }
    }
    // Whatever the backend, nothing the services hold opens to it.
    let sealed: Vec<String> =
        sqlx::query_scalar("SELECT body FROM drafts WHERE publication_id = $1")
            .bind(&publication)
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    assert!(sealed
        .iter()
        .all(|b| sealers[0].open(b).unwrap().is_empty()));
    let sealed: Vec<String> = sqlx::query_scalar(
        "SELECT body_markdown FROM publication_versions WHERE publication_id = $1",
    )
    .bind(&publication)
    .fetch_all(&s.portal_db.pool)
    .await
    .unwrap();
    assert!(
        !sealed.is_empty()
            && sealed
                .iter()
                .all(|b| sealers[1].open(b).unwrap().is_empty())
    );

    // The ledger keeps its hashes, records the erasure, and is whole.
    let report = staff_bridge::ledger::verify_database(&s.bridge_config.database_url, None)
        .await
        .unwrap();
    assert!(report.is_whole(), "{report:?}");
    let (actor, subject, data) = common::last_ledger(&s.bridge_db, "publication_erased").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(c.ig.id.as_str()), Some(publication.as_str()))
    );
    assert_eq!(data["reason"], "Retention period ended");
    let kept = common::count(
        &s.bridge_db,
        &format!(
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication' AND subject = '{publication}'"
        ),
    )
    .await;
    assert_eq!(kept, 1, "the publication's entry, with its hashes, stays");
    c.s.finish().await;
}
