use super::*;

backend_tests!(a_held_publication_appears_only_after_its_time);
async fn a_held_publication_appears_only_after_its_time(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let (meeting, starts_at): (i64, String) =
        sqlx::query_as("SELECT id, starts_at FROM case_meetings WHERE source_id = 'M-401'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let sarah_id = c.sarah.to_string();
    let mut form = vec![
        ("source", ""),
        ("kind", "meeting_invitation"),
        ("title", "Come to the meeting"),
        ("reader_age", ""),
        ("audience", sarah_id.as_str()),
    ];
    let refused = c.priya.post(s, &case_path("/drafts"), &form).await;
    assert_eq!(refused.status, 400, "an invitation names its meeting");
    assert!(refused
        .body
        .contains("Choose the meeting this invites them to"));
    let meeting_field = meeting.to_string();
    form.push(("meeting", &meeting_field));
    let made = c.priya.post(s, &case_path("/drafts"), &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let id = made
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let saved = save(
        &c.priya,
        s,
        &id,
        "meeting_invitation",
        "Come to the meeting",
        &[c.sarah],
        "",
        "Please come on Thursday at 10:00.",
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    // Far enough ahead that what follows is done before it, on a busy machine.
    let at = now() + 10;
    let when = content::when::input(at);
    let page = c.tom.get(s, &format!("/approvals/{id}")).await;
    let meeting_time = content::when::meeting(content::when::parse_local(&starts_at).unwrap());
    assert!(
        page.body
            .contains(&format!("When: <strong>{meeting_time}</strong>")),
        "the preview shows the meeting's time, as the reader will see it"
    );
    let read = attribute_after(&page.body, "name=\"read\" value=\"").unwrap();
    let held = c
        .tom
        .post(
            s,
            &format!("/approvals/{id}/approve"),
            &[("when", "later"), ("publish_at", &when), ("read", &read)],
        )
        .await;
    assert_eq!(held.status, 303, "{}", held.body);
    let d = draft(s, &id).await;
    assert_eq!(d.status.as_str(), "approved");
    sync(s).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, _, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert!(now() < at, "the checks before its time ran before it");
    assert_eq!(status, 404, "not before its time");
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        0
    );

    // The scheduler publishes it when its time comes.
    let mut shown = false;
    for _ in 0..120 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        if draft(s, &id).await.status.as_str() == "published" {
            sync(s).await;
            let (status, page, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
            shown = status == 200;
            let when = content::when::meeting(content::when::parse_local(&starts_at).unwrap());
            assert!(page.contains(&when), "the meeting's time on the invitation");
            let (_, home, _) = sarah.get(s, "/home").await;
            let panel = &home[home
                .find("Your next meeting")
                .expect("a next-meeting panel")..];
            assert!(panel.contains(&when) && panel.contains("Come to the meeting"));
            break;
        }
    }
    assert!(shown, "published after its time");
    assert!(now() >= at);
    c.s.finish().await;
}

backend_tests!(kinds_outside_the_setting_publish_without_approval);
async fn kinds_outside_the_setting_publish_without_approval(backend: Backend) {
    let c = start_with(backend, |b| b.approval_kinds = vec!["plan".into()]).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "worker_card", "My worker", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &id,
        "worker_card",
        "My worker",
        &[c.sarah],
        "",
        "Priya Shah is your social worker.",
    )
    .await;
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    let d = draft(s, &id).await;
    assert_eq!(d.status.as_str(), "published");
    let entries = ledger::entries_for_subject(
        &s.bridge_db,
        &d.publication_id.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 10),
    )
    .await
    .unwrap();
    assert_eq!(entries[0].data_json().unwrap()["approval"], "not_required");
    c.s.finish().await;
}

backend_tests!(the_demo_publishes_through_the_flow_once);
async fn the_demo_publishes_through_the_flow_once(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    assert_eq!(
        staff_bridge::publishing::demo::seed(&s.bridge_db, now())
            .await
            .unwrap(),
        6
    );
    assert_eq!(
        staff_bridge::publishing::demo::seed(&s.bridge_db, now())
            .await
            .unwrap(),
        0,
        "idempotent"
    );
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        6
    );
    sync(s).await;
    let mut daniel = reader(s, c.daniel, "Daniel", DANIEL).await;
    let (_, home, _) = daniel.get(s, "/home").await;
    assert!(home.contains("(for Daniel)") && home.contains("Invitation to the review conference"));
    assert!(!home.contains("Your plan, Ellie"));
    // The invitation's meeting is his next meeting, in UK time and words.
    let conference: String =
        sqlx::query_scalar("SELECT starts_at FROM case_meetings WHERE source_id = 'M-401'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let when = content::when::meeting(content::when::parse_local(&conference).unwrap());
    assert!(when.ends_with("at 10am"), "{when}");
    let panel = &home[home
        .find("Your next meeting")
        .expect("a next-meeting panel")..];
    assert!(panel.contains(&when), "{panel}");
    // His worker's card is on the page itself, under its own heading.
    let worker = &home[home.find("Your worker").expect("a worker panel")..];
    assert!(worker.contains("Priya Shah"));
    assert_eq!(home.matches("<h1").count(), 1);
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(CASE)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let drafts = staff_bridge::publishing::of_case(&s.bridge_db, case_id)
        .await
        .unwrap();
    // Two are part of the way: a letter waiting for Tom, notes being checked.
    let stage = |title: &str| {
        drafts
            .iter()
            .find(|d| d.title == title)
            .map(|d| d.status.as_str())
    };
    assert_eq!(
        stage("Family time with your children’s dad"),
        Some("submitted")
    );
    assert_eq!(stage("Notes from the core group meeting"), Some("draft"));
    let notes = drafts
        .iter()
        .find(|d| d.title == "Notes from the core group meeting")
        .unwrap();
    let open = staff_bridge::publishing::check(&s.bridge_db, notes)
        .await
        .unwrap()
        .open();
    assert!(open > 0, "the notes still have findings to decide");
    let (_, sarahs_home, _) = reader(s, c.sarah, "Sarah", SARAH)
        .await
        .get(s, "/home")
        .await;
    assert!(!sarahs_home.contains("Family time") && !sarahs_home.contains("core group"));
    let his = drafts
        .into_iter()
        .find(|d| d.title.ends_with("(for Daniel)"))
        .unwrap();
    let (status, page, _) = daniel
        .get(s, &format!("/items/{}", his.publication_id))
        .await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Willow") && page.contains("[removed: an address that is kept private]")
    );
    c.s.finish().await;
}

#[tokio::test]
async fn a_published_sentence_is_in_neither_database_file_nor_their_wal() {
    // Files are what a copy would take, so this is about the SQLite default.
    let c = start(content::db::Backend::Sqlite).await;
    let s = &c.s;
    let sentence = "The blue kite flew over the old mill all Saturday afternoon.";
    let title = "Kite day at the mill";

    // The case system sends the sentence in a document; the draft starts from it.
    let mut family = demo_family();
    family["documents"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "D-999", "title": title, "kind": "letter", "date": "2026-11-01",
            "body": format!("# {title}\n\n{sentence}"),
        }));
    staff_bridge::import::import(&s.bridge_db, &family.to_string(), now())
        .await
        .unwrap();
    let document: i64 =
        sqlx::query_scalar("SELECT id FROM case_documents WHERE source_id = 'D-999'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    let sarah = c.sarah.to_string();
    let made = c
        .priya
        .post(
            s,
            &case_path("/drafts"),
            &[
                ("source", &document.to_string()),
                ("kind", "letter"),
                ("title", ""),
                ("reader_age", ""),
                ("audience", &sarah),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let id = made
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let editor = c.priya.get(s, &case_path(&format!("/drafts/{id}"))).await;
    assert!(
        editor.body.contains(sentence),
        "the draft starts from the document"
    );
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    sync(s).await;

    // Sarah reads it; her view comes back to the bridge.
    let publication = draft(s, &id).await.publication_id;
    let mut browser = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = browser.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(sentence), "the reader gets the text back");
    assert!(page.contains(title));
    sync(s).await;

    // The ledger's hash is over the plain text she was shown.
    let shown = portal::publications::visible_to(
        &s.portal_db,
        &s.portal_sealer(),
        portal_id(s, c.sarah).await,
    )
    .await
    .unwrap();
    let entry = &publications_in_ledger(s, publication).await[0];
    assert_eq!(
        entry.data_json().unwrap()["content_sha256"],
        staff_bridge::publishing::rules::content_hash(&shown[0].body_markdown)
    );

    for url in [&s.portal_config.database_url, &s.bridge_config.database_url] {
        for (file, text) in common::files_of(url) {
            assert!(
                !text.contains(sentence),
                "{file} holds the sentence in the clear"
            );
            assert!(
                !text.contains("old mill"),
                "{file} holds part of it in the clear"
            );
            assert!(!text.contains(title), "{file} holds the title in the clear");
        }
    }
    for key in [&s.portal_config.key_file, &s.bridge_config.key_file] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "{} is readable by its owner alone",
            key.display()
        );
    }
    c.s.finish().await;
}
