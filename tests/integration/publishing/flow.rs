use super::*;

backend_tests!(from_import_to_each_reader_and_nobody_else);
async fn from_import_to_each_reader_and_nobody_else(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;

    // The child's version, with a finding that blocks sending.
    let child = new_draft(&c.priya, s, "plan", "Your plan, Ellie", &[c.ellie], "10").await;
    let child_body = "Hi Ellie. Priya will visit you every two weeks.\n\nLiam will go to a course about not shouting.";
    let saved = save(
        &c.priya,
        s,
        &child,
        "plan",
        "Your plan, Ellie",
        &[c.ellie],
        "10",
        child_body,
    )
    .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let editor = c.priya.get(s, saved.location.as_deref().unwrap()).await;
    assert_eq!(editor.status, 200);
    assert!(
        editor.body.contains("<mark>Liam</mark>"),
        "the finding in its sentence"
    );
    assert!(editor.body.contains("Reading for a 10-year-old"));
    assert_eq!(editor.body.matches("<h1").count(), 1, "one main heading");
    let blocked = submit(&c.priya, s, &child).await;
    assert_eq!(blocked.status, 400, "an open finding blocks sending");
    assert!(blocked.body.contains("still open"));
    assert_eq!(draft(s, &child).await.status.as_str(), "draft");

    // Redact every mention of Liam at once.
    let answer = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{child}/decide-person")),
            &[
                ("person", &person_id(s, "Liam Walsh").await.to_string()),
                ("decision", "redact"),
            ],
        )
        .await;
    assert_eq!(answer.status, 303);
    assert_eq!(checked(s, &child).await.open(), 0);
    // Re-saving the same text keeps the decision.
    save(
        &c.priya,
        s,
        &child,
        "plan",
        "Your plan, Ellie",
        &[c.ellie],
        "10",
        &format!("A new first line.\n\n{child_body}"),
    )
    .await;
    assert_eq!(
        checked(s, &child).await.open(),
        0,
        "decisions survive a re-save"
    );
    assert_eq!(submit(&c.priya, s, &child).await.status, 303);

    // A practitioner cannot approve; the queue is for managers.
    assert_eq!(c.priya.get(s, "/approvals").await.status, 403);
    assert_eq!(approve(&c.priya, s, &child).await.status, 403);
    assert_eq!(draft(s, &child).await.status.as_str(), "submitted");

    // The manager reads it as the reader will, and returns it.
    let review = c.tom.get(s, &format!("/approvals/{child}")).await;
    assert_eq!(review.status, 200);
    assert!(review
        .body
        .contains("[removed: this is about someone else]"));
    assert!(review.body.contains("Redaction decisions"));
    let returned = c
        .tom
        .post(
            s,
            &format!("/approvals/{child}/return"),
            &[("reason", "Say when the next meeting is")],
        )
        .await;
    assert_eq!(returned.status, 303);
    let editor = c
        .priya
        .get(s, &case_path(&format!("/drafts/{child}")))
        .await;
    assert!(
        editor.body.contains("Say when the next meeting is"),
        "the author sees the reason"
    );
    let better = format!("{child_body}\n\nThe next meeting is on 10 December.");
    assert_eq!(
        save(
            &c.priya,
            s,
            &child,
            "plan",
            "Your plan, Ellie",
            &[c.ellie],
            "10",
            &better
        )
        .await
        .status,
        303
    );
    assert_eq!(submit(&c.priya, s, &child).await.status, 303);
    let queue = c.tom.get(s, "/approvals").await;
    assert!(queue.body.contains("Your plan, Ellie"));
    assert_eq!(approve(&c.tom, s, &child).await.status, 303);
    sync(s).await;

    // A parent's version for each parent: Daniel's without the address.
    let (_, sarahs) = publish(
        &c,
        "plan",
        "Ellie’s plan",
        &[c.sarah],
        "",
        PARENT_BODY,
        &["14 Willow Crescent, Riverside RV4 2QT", "Ellie"],
    )
    .await;
    let (_, daniels) = publish(
        &c,
        "plan",
        "Ellie’s plan (Daniel)",
        &[c.daniel],
        "",
        PARENT_BODY,
        &["Ellie", "Sarah"],
    )
    .await;
    let child_publication = draft(s, &child).await.publication_id;

    // Each reads their own, and only their own.
    let mut ellie = reader(s, c.ellie, "Ellie", ELLIE).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let mut daniel = reader(s, c.daniel, "Daniel", DANIEL).await;
    let (status, page, _) = ellie.get(s, &format!("/items/{child_publication}")).await;
    assert_eq!(status, 200, "{backend:?}");
    assert!(page.contains("Your plan, Ellie"));
    assert!(
        page.contains("[removed: this is about someone else] will go to a course"),
        "{page}"
    );
    assert!(!page.contains("Liam"));
    let (_, home, _) = ellie.get(s, "/home").await;
    assert!(home.contains("Your plan, Ellie") && !home.contains("Ellie’s plan"));

    let (status, page, _) = sarah.get(s, &format!("/items/{sarahs}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("14 Willow Crescent"),
        "Sarah's own address is kept"
    );
    let (status, page, _) = daniel.get(s, &format!("/items/{daniels}")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Willow") && !page.contains("RV4"),
        "not the mother's address"
    );
    assert!(page.contains("[removed: an address that is kept private]"));

    for (browser, others) in [
        (&mut ellie, [sarahs, daniels]),
        (&mut sarah, [child_publication, daniels]),
        (&mut daniel, [child_publication, sarahs]),
    ] {
        for other in others {
            let (status, _, _) = browser.get(s, &format!("/items/{other}")).await;
            assert_eq!(status, 404, "another reader's version is not found");
        }
        let (status, _, _) = browser.get(s, &format!("/items/{}", Uuid::new_v4())).await;
        assert_eq!(status, 404, "a guessed id is not found");
    }

    // Staff see a guessed case or draft as not found too.
    assert_eq!(
        c.priya
            .get(s, &format!("/cases/{CASE}/drafts/{}", Uuid::new_v4()))
            .await
            .status,
        404
    );
    assert_eq!(c.priya.get(s, "/cases/NOPE-1/publishing").await.status, 404);

    // The ledger holds each publication with the hash of what was sent.
    let entries = publications_in_ledger(s, daniels).await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, "publication");
    let data = entries[0].data_json().unwrap();
    let sent = PARENT_BODY.replace(
        "14 Willow Crescent, Riverside RV4 2QT",
        "\\[removed: an address that is kept private\\]",
    );
    assert_eq!(
        data["content_sha256"],
        staff_bridge::publishing::rules::content_hash(&sent)
    );
    assert_eq!(data["version"], 1);
    assert_eq!(data["author"], c.priya.member.id.as_str());
    assert_eq!(data["approver"], c.tom.member.id.as_str());
    assert_eq!(
        data["audience"][0]["portal_id"],
        portal_id(s, c.daniel).await.to_string()
    );
    assert_eq!(data["audience"][0]["source_id"], "P-104");
    assert!(data["redactions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["kind"] == "address" && r["decision"] == "redact"));
    assert!(
        !entries[0].data.contains("Willow"),
        "no record text in the ledger"
    );
    // Daniel's reading came back to the ledger: once, however often he looks.
    let (again, _, _) = daniel.get(s, &format!("/items/{daniels}")).await;
    assert_eq!(again, 200);
    sync(s).await;
    let views: Vec<ledger::Entry> = ledger::entries_for_subject(
        &s.bridge_db,
        &daniels.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 100),
    )
    .await
    .unwrap()
    .into_iter()
    .filter(|e| e.kind == ledger::kinds::FAMILY_VIEW)
    .collect();
    assert_eq!(views.len(), 1, "the first view of the version, once");
    let daniel_portal = portal_id(s, c.daniel).await.to_string();
    assert_eq!(views[0].actor.as_deref(), Some(daniel_portal.as_str()));
    assert_eq!(views[0].data_json().unwrap()["version"], 1);
    assert!(ledger::verify(&s.bridge_db).await.unwrap().is_whole());

    // Views come back, and My cases shows who read what.
    sync(s).await;
    let mine = c.priya.get(s, "/my-cases").await;
    assert_eq!(mine.status, 200);
    assert!(mine.body.contains("Ellie’s plan (Daniel)"));
    assert!(mine.body.contains("new from the family"), "{}", mine.body);
    c.s.finish().await;
}

backend_tests!(nobody_approves_their_own_draft);
async fn nobody_approves_their_own_draft(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner, Role::Manager],
    )
    .await;
    staff::grant_case(
        &s.bridge_db,
        kim.member.staff_id(),
        CASE,
        c.tom.member.staff_id(),
        now(),
    )
    .await
    .unwrap();
    let id = new_draft(&kim, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &kim,
        s,
        &id,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        "Dear Sarah, thank you for meeting me.",
    )
    .await;
    decide_all(&kim, s, &id, &[]).await;
    assert_eq!(submit(&kim, s, &id).await.status, 303);
    let own = approve(&kim, s, &id).await;
    assert_eq!(own.status, 403);
    assert!(own.body.contains("someone else must approve"));
    let page = kim.get(s, &format!("/approvals/{id}")).await;
    assert!(page.body.contains("someone else must approve") && !page.body.contains("/approve\""));
    assert_eq!(draft(s, &id).await.status.as_str(), "submitted");
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    c.s.finish().await;
}

backend_tests!(nobody_who_edited_or_decided_on_a_draft_approves_it);
async fn nobody_who_edited_or_decided_on_a_draft_approves_it(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    // Kim is a manager who also works this case as a practitioner.
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner, Role::Manager],
    )
    .await;
    staff::grant_case(
        &s.bridge_db,
        kim.member.staff_id(),
        CASE,
        c.tom.member.staff_id(),
        now(),
    )
    .await
    .unwrap();
    let body = "Dear Sarah, Daniel Brooks will come to the meeting.";

    // Priya writes; Kim decides one finding on it; Priya sends it.
    let decided = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &decided,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        body,
    )
    .await;
    let first = checked(s, &decided).await.items[0].key.clone();
    let answer = kim
        .post(
            s,
            &case_path(&format!("/drafts/{decided}/decide")),
            &[("key", &first), ("decision", "redact")],
        )
        .await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    decide_all(&c.priya, s, &decided, &[]).await;
    assert_eq!(submit(&c.priya, s, &decided).await.status, 303);

    // Priya writes; Kim edits the words; Priya decides and sends it.
    let edited = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    save(
        &c.priya,
        s,
        &edited,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        "Dear Sarah,",
    )
    .await;
    let answer = save(&kim, s, &edited, "letter", "A letter", &[c.sarah], "", body).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    decide_all(&c.priya, s, &edited, &[]).await;
    assert_eq!(submit(&c.priya, s, &edited).await.status, 303);

    for id in [&decided, &edited] {
        let own = approve(&kim, s, id).await;
        assert_eq!(own.status, 403, "{backend:?}");
        assert!(own.body.contains("someone else must approve"));
        assert_eq!(draft(s, id).await.status.as_str(), "submitted");
        assert_eq!(approve(&c.tom, s, id).await.status, 303);
    }
    c.s.finish().await;
}
