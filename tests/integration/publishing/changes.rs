use super::*;

async fn post_fields(
    desk: &Desk,
    s: &Services,
    path: &str,
    fields: Vec<(String, String)>,
) -> Answer {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    desk.post(s, path, &fields).await
}

backend_tests!(two_people_saving_one_draft_at_once_lose_nothing);
/// Priya and Kim open the same draft's editor; Priya saves first. Kim's save
/// is refused, naming Priya, with Kim's words kept in the form and Priya's in
/// the draft; saving again from that page, Kim's words are saved.
async fn two_people_saving_one_draft_at_once_lose_nothing(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let kim = Desk::new(
        s,
        "Kim Reyes",
        "kim.reyes@council.example",
        &[Role::Practitioner],
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
    let id = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    let editor = case_path(&format!("/drafts/{id}"));
    let revision_on = |page: &str| {
        attribute_after(page, "name=\"revision\" value=\"")
            .expect("the editor carries its revision")
    };
    let priya_saw = revision_on(&c.priya.get(s, &editor).await.body);
    let kim_saw = revision_on(&kim.get(s, &editor).await.body);
    let form = |revision: &str, body: &str| -> Vec<(String, String)> {
        [
            ("revision", revision),
            ("kind", "letter"),
            ("title", "A letter"),
            ("reader_age", ""),
            ("body", body),
            ("publish_at", ""),
            ("meeting", ""),
            ("audience", &c.sarah.to_string()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let priya = post_fields(
        &c.priya,
        s,
        &editor,
        form(&priya_saw, "Dear Sarah, see you on Monday."),
    )
    .await;
    assert_eq!(priya.status, 303, "{backend:?}: {}", priya.body);
    let kim_words = "Dear Sarah, the meeting moved to Tuesday.";
    let refused = post_fields(&kim, s, &editor, form(&kim_saw, kim_words)).await;
    assert_eq!(refused.status, 409, "{backend:?}: {}", refused.body);
    assert!(
        refused.body.contains("Priya Shah saved this draft at"),
        "{backend:?}: the refusal names who saved first: {}",
        refused.body
    );
    assert!(
        refused.body.contains(kim_words),
        "{backend:?}: Kim's words are still on the page"
    );
    assert_eq!(
        draft(s, &id).await.body,
        "Dear Sarah, see you on Monday.",
        "{backend:?}: Priya's save stands"
    );

    // Saving again from the page the refusal showed: Kim has now seen Priya's.
    let again = post_fields(
        &kim,
        s,
        &editor,
        form(&revision_on(&refused.body), kim_words),
    )
    .await;
    assert_eq!(again.status, 303, "{backend:?}: {}", again.body);
    assert_eq!(draft(s, &id).await.body, kim_words, "{backend:?}");
    c.s.finish().await;
}

/// Priya writes the letter to Sarah, decides on every finding and sends it.
async fn send_letter(c: &Case, id: &str, body: &str) {
    save(
        &c.priya,
        &c.s,
        id,
        "letter",
        "A letter",
        &[c.sarah],
        "",
        body,
    )
    .await;
    decide_all(&c.priya, &c.s, id, &[]).await;
    assert_eq!(submit(&c.priya, &c.s, id).await.status, 303);
}

backend_tests!(an_approval_is_for_the_words_the_manager_read);
async fn an_approval_is_for_the_words_the_manager_read(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "letter", "A letter", &[c.sarah], "").await;
    let body = |words: &str| format!("Dear Sarah, {words}");
    send_letter(&c, &id, &body("see you on Monday.")).await;
    // Tom opens the approval page and reads it...
    let page = c.tom.get(s, &format!("/approvals/{id}")).await;
    assert!(page.body.contains("see you on Monday"));
    let read = attribute_after(&page.body, "name=\"read\" value=\"").unwrap();
    // ...while Priya takes it back, changes it and sends it again.
    let back = c
        .priya
        .post(s, &case_path(&format!("/drafts/{id}/reopen")), &[])
        .await;
    assert_eq!(back.status, 303, "{}", back.body);
    send_letter(&c, &id, &body("see you on Friday.")).await;

    let stale = approve_read(&c.tom, s, &id, &read).await;
    assert_eq!(stale.status, 409, "{}", stale.body);
    assert!(stale.body.contains("changed meanwhile"));
    assert_eq!(draft(s, &id).await.status.as_str(), "submitted");
    assert_eq!(
        approve_read(&c.tom, s, &id, "").await.status,
        409,
        "an approval must say what was read"
    );
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'publication'"
        )
        .await,
        0
    );

    // Read again, it is approved as it now stands.
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    let d = draft(s, &id).await;
    sync(s).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, item, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert_eq!(status, 200);
    assert!(item.contains("see you on Friday") && !item.contains("Monday"));
    c.s.finish().await;
}

backend_tests!(every_mention_of_a_person_is_kept_at_once_with_one_reason);
async fn every_mention_of_a_person_is_kept_at_once_with_one_reason(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let id = new_draft(&c.priya, s, "letter", "About Liam", &[c.sarah], "").await;
    let text = "Liam will go to a course. Liam's worker will tell you how it goes.";
    save(
        &c.priya,
        s,
        &id,
        "letter",
        "About Liam",
        &[c.sarah],
        "",
        text,
    )
    .await;
    let liam = person_id(s, "Liam Walsh").await.to_string();
    let about_liam = |items: &[staff_bridge::publishing::rules::Item]| {
        items
            .iter()
            .filter(|i| i.person.map(|p| p.to_string()) == Some(liam.clone()))
            .count()
    };
    let before = checked(s, &id).await;
    assert!(
        about_liam(&before.items) >= 3,
        "title and two mentions in the text"
    );
    let editor = c.priya.get(s, &case_path(&format!("/drafts/{id}"))).await;
    assert!(editor
        .body
        .contains("Or keep every mention of Liam Walsh, because"));

    // No reason: told so at the field, and nothing is decided.
    let path = case_path(&format!("/drafts/{id}/decide-person"));
    let refused = c
        .priya
        .post(
            s,
            &path,
            &[("person", &liam), ("decision", "keep"), ("reason", " ")],
        )
        .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains(&format!("href=\"#person-reason-{liam}\"")),
        "the summary links to the field"
    );
    assert!(refused
        .body
        .contains("Give the reason for keeping every mention"));
    assert_eq!(checked(s, &id).await.open(), before.open());

    let kept = c
        .priya
        .post(
            s,
            &path,
            &[
                ("person", &liam),
                ("decision", "keep"),
                ("reason", "Sarah arranged the course with him"),
            ],
        )
        .await;
    assert_eq!(kept.status, 303, "{}", kept.body);
    let after = checked(s, &id).await;
    for item in after
        .items
        .iter()
        .filter(|i| i.person.map(|p| p.to_string()) == Some(liam.clone()))
    {
        assert_eq!(
            item.decision,
            Some(staff_bridge::publishing::rules::Decision::Keep(
                "Sarah arranged the course with him".into()
            ))
        );
    }
    decide_all(&c.priya, s, &id, &[]).await;
    assert_eq!(submit(&c.priya, s, &id).await.status, 303);
    let review = c.tom.get(s, &format!("/approvals/{id}")).await;
    assert!(
        review.body.contains("Sarah arranged the course with him"),
        "the manager sees the reason"
    );
    assert_eq!(approve(&c.tom, s, &id).await.status, 303);
    sync(s).await;
    let d = draft(s, &id).await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{}", d.publication_id)).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Liam will go to a course") && !page.contains("[removed"),
        "kept, as written"
    );
    c.s.finish().await;
}

backend_tests!(withdrawal_and_supersession_take_effect_at_once);
async fn withdrawal_and_supersession_take_effect_at_once(backend: Backend) {
    let c = start(backend).await;
    let s = &c.s;
    let (first, publication) = publish(
        &c,
        "letter",
        "About the meeting",
        &[c.sarah],
        "",
        "The old wording about the meeting.",
        &[],
    )
    .await;
    let mut sarah = reader(s, c.sarah, "Sarah", SARAH).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("The old wording"));

    // A new version supersedes it.
    let answer = c
        .priya
        .post(s, &case_path(&format!("/drafts/{first}/new-version")), &[])
        .await;
    assert_eq!(answer.status, 303);
    let second = answer
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(draft(s, &second).await.publication_id, publication);
    save(
        &c.priya,
        s,
        &second,
        "letter",
        "About the meeting",
        &[c.sarah],
        "",
        "The new wording about the meeting.",
    )
    .await;
    decide_all(&c.priya, s, &second, &[]).await;
    assert_eq!(submit(&c.priya, s, &second).await.status, 303);
    // The manager's preview is the reader's page: an update, and when.
    let review = c.tom.get(s, &format!("/approvals/{second}")).await;
    assert!(
        review.body.contains("Letter, updated on "),
        "{}",
        review.body
    );
    assert!(review.body.contains("replaces the earlier one"));
    assert_eq!(approve(&c.tom, s, &second).await.status, 303);
    assert_eq!(draft(s, &second).await.version, Some(2));
    sync(s).await;
    let (status, page, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("The new wording") && !page.contains("The old wording"));
    let day = content::when::day(draft(s, &second).await.published_at.unwrap());
    assert!(
        page.contains(&format!("Letter, updated on {day}")),
        "{page}"
    );
    assert!(page.contains("replaces the earlier one"));
    let (_, home, _) = sarah.get(s, "/home").await;
    assert!(home.contains("updated"));
    let entries = publications_in_ledger(s, publication).await;
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].data_json().unwrap()["supersedes_version"], 1);

    // Withdrawal needs a reason, then the portal stops showing it.
    let page = c
        .priya
        .get(s, &case_path(&format!("/drafts/{second}/withdraw")))
        .await;
    assert_eq!(page.status, 200);
    let no_reason = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{second}/withdraw")),
            &[("reason", " ")],
        )
        .await;
    assert_eq!(no_reason.status, 400);
    let done = c
        .priya
        .post(
            s,
            &case_path(&format!("/drafts/{second}/withdraw")),
            &[("reason", "Sent to the wrong person")],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    sync(s).await;
    let (status, _, _) = sarah.get(s, &format!("/items/{publication}")).await;
    assert_eq!(status, 404);
    let (_, home, _) = sarah.get(s, "/home").await;
    assert!(!home.contains("About the meeting"));
    let entries = ledger::entries_for_subject(
        &s.bridge_db,
        &publication.to_string(),
        ledger::Page::first(ledger::Order::OldestFirst, 100),
    )
    .await
    .unwrap();
    let withdrawals: Vec<&ledger::Entry> =
        entries.iter().filter(|e| e.kind == "withdrawal").collect();
    assert_eq!(withdrawals.len(), 1);
    assert_eq!(
        withdrawals[0].data_json().unwrap()["reason"],
        "Sent to the wrong person"
    );
    assert_eq!(
        withdrawals[0].actor.as_deref(),
        Some(c.priya.member.id.as_str())
    );
    assert!(ledger::verify(&s.bridge_db).await.unwrap().is_whole());
    c.s.finish().await;
}
