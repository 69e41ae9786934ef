use super::*;

backend_tests!(inviting_a_family_member_pushes_exactly_the_person_and_the_invitation);
async fn inviting_a_family_member_pushes_exactly_the_person_and_the_invitation(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &common::demo_family()).await;
    let mut priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    let (sarah_id, sarah_portal): (i64, String) =
        sqlx::query_as("SELECT id, portal_id FROM case_people WHERE source_id = 'P-103'")
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();

    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    let ledger_before = ledger_count(&s.bridge_db, "invitation_issued").await;
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{sarah_id}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 200, "{backend:?}: {}", page.body);
    let shown = code_on(&page.body);
    assert_eq!(shown.len(), 13, "XXXX-XXXX-XXX: {shown}");
    assert_eq!(shown.matches('-').count(), 2);
    let code = content::invitation::parse(&shown).expect("a valid code");
    assert!(
        page.body.contains("<svg") && page.body.contains("QR code"),
        "a QR code on the letter"
    );
    assert!(page.body.contains("shown only this once"));
    assert_eq!(page.body.matches("<h1").count(), 1);

    // Exactly the person and the invitation, with the code's hash only.
    let pushes = outgoing_paths(&s.bridge_db).await;
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    assert_eq!(pushes[0].0, format!("/internal/v1/people/{sarah_portal}"));
    let person: Value = serde_json::from_str(&pushes[0].1).unwrap();
    assert_eq!(
        person,
        json!({ "display_name": "Sarah Carter", "first_name": "Sarah", "role": "parent", "date_of_birth": "1989-11-21" })
    );
    let invitation_id: String = sqlx::query_scalar("SELECT id FROM invitations")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    assert_eq!(
        pushes[1].0,
        format!("/internal/v1/invitations/{invitation_id}")
    );
    let invitation: Value = serde_json::from_str(&pushes[1].1).unwrap();
    assert_eq!(invitation["person_id"], sarah_portal);
    assert_eq!(invitation["code_hash"], content::invitation::hash(&code));
    let expires = invitation["expires_at"].as_i64().unwrap();
    assert!((expires - now() - 14 * 86_400).abs() < 60);

    // Recorded, and the code is nowhere in the bridge's database.
    assert_eq!(
        ledger_count(&s.bridge_db, "invitation_issued").await,
        ledger_before + 1
    );
    let (actor, subject, data) = last_ledger(&s.bridge_db, "invitation_issued").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(priya.id.as_str()), Some(sarah_portal.as_str()))
    );
    assert_eq!(data["invitation_id"], invitation_id);
    assert_eq!(data["delivery"], "letter");
    assert_eq!(
        tables_containing(&s.bridge_db, &code).await,
        Vec::<String>::new(),
        "{backend:?}"
    );
    assert_eq!(
        tables_containing(&s.bridge_db, &shown).await,
        Vec::<String>::new()
    );
    assert!(priya.desk.get(&s, "/cases").await.body.contains("Invited"));

    // The push reaches the portal, where Sarah uses the code.
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let mut sarah = common::family::Browser::default();
    let (status, _, location) =
        common::family::activate(&s, &mut sarah, &shown, "Sarah", ("21", "11", "1989")).await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/account/setup")),
        "{backend:?}"
    );

    // Her family session is worthless on the bridge, under either cookie name.
    let family_token = sarah.session.clone().expect("a portal session");
    for cookie in [
        format!("__Host-familystory={family_token}"),
        format!("{COOKIE}={family_token}"),
    ] {
        let response = s
            .http
            .get(format!("{}/cases", s.bridge_url))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            303,
            "a family session cannot reach the bridge"
        );
    }

    // Revoking an invitation: one push, one entry.
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{sarah_id}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 200);
    let pushes = outgoing_paths(&s.bridge_db).await;
    assert_eq!(
        pushes.len(),
        5,
        "a new invitation replaces the live one: {pushes:?}"
    );
    assert_eq!(
        pushes[2].0,
        format!("/internal/v1/invitations/{invitation_id}/revocation")
    );
    let second: String = sqlx::query_scalar("SELECT id FROM invitations WHERE revoked_at IS NULL")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/invitations/{second}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/cases/DEMO-0001?done=revoked"))
    );
    let pushes = outgoing_paths(&s.bridge_db).await;
    assert_eq!(pushes.len(), 6);
    assert_eq!(
        pushes[5].0,
        format!("/internal/v1/invitations/{second}/revocation")
    );
    assert_eq!(ledger_count(&s.bridge_db, "invitation_revoked").await, 2);
    // Revoking it again changes nothing.
    priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/invitations/{second}/revoke"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(outgoing_paths(&s.bridge_db).await.len(), 6);

    // A lost phone: the person's passkeys are revoked on the portal.
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{sarah_id}/revoke-passkeys"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    let pushes = outgoing_paths(&s.bridge_db).await;
    assert_eq!(
        pushes[6].0,
        format!("/internal/v1/people/{sarah_portal}/passkey-revocation")
    );
    let (actor, subject, _) = last_ledger(&s.bridge_db, "family_passkeys_revoked").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(priya.id.as_str()), Some(sarah_portal.as_str()))
    );
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM outgoing WHERE outcome IS NULL OR outcome <> 'accepted'"
        )
        .await,
        0,
        "the portal accepted every push"
    );

    // Without the token, nothing is issued.
    let before = outgoing_paths(&s.bridge_db).await.len();
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{sarah_id}/invitations"),
            &[("csrf", "wrong"), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert_eq!(outgoing_paths(&s.bridge_db).await.len(), before);
    s.finish().await;
}

backend_tests!(an_emailed_invitation_holds_the_code_and_no_record_content);
async fn an_emailed_invitation_holds_the_code_and_no_record_content(backend: Backend) {
    let smtp = Smtp::start();
    let settings = smtp.settings();
    let s = Services::start_with(backend, |_, bridge| bridge.mail = Some(settings)).await;
    import(&s, &common::demo_family()).await;
    let mut priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    let daniel: i64 = sqlx::query_scalar("SELECT id FROM case_people WHERE source_id = 'P-104'")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{daniel}/invitations"),
            &[("csrf", &csrf), ("delivery", "email")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Invitation sent"));
    assert!(
        !page.body.contains("invitation-code"),
        "the code is not shown when emailed"
    );
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.to, vec!["daniel.brooks@example.org".to_string()]);
    let text = quoted_printable(&mail.text);
    let link = format!("{}/start?code=", s.portal_url);
    let shown: String = text
        .split(&link)
        .nth(1)
        .expect("the start link")
        .chars()
        .take(13)
        .collect();
    let code = content::invitation::parse(&shown).unwrap();
    let push: String = sqlx::query_scalar(
        "SELECT body FROM outgoing WHERE path LIKE '/internal/v1/invitations/%'",
    )
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    let push = s.bridge_db.unseal(&push).unwrap();
    assert!(push.contains(&content::invitation::hash(&code)));
    for record in [
        "DEMO-0001",
        "Ellie",
        "Carter",
        "Willow",
        "protection",
        "Northgate",
        "Priya",
        "1987",
    ] {
        assert!(
            !text.contains(record),
            "{backend:?}: the email holds {record:?}"
        );
    }
    assert!(
        text.lines().any(|line| line.trim() == shown),
        "the code to type, on its own line: {text}"
    );
    assert_eq!(
        tables_containing(&s.bridge_db, &code).await,
        Vec::<String>::new()
    );
    let (_, _, data) = last_ledger(&s.bridge_db, "invitation_issued").await;
    assert_eq!(data["delivery"], "email");
    s.finish().await;
}

backend_tests!(staff_add_rename_and_remove_their_passkeys);
async fn staff_add_rename_and_remove_their_passkeys(backend: Backend) {
    let s = Services::start(backend).await;
    let mut m = member(&s, "pat@council.example", "Pat Keys", &[Role::Practitioner]).await;
    let csrf = m.desk.csrf(&s, "/account").await;
    assert!(m
        .desk
        .get(&s, "/account")
        .await
        .body
        .contains("cannot remove your only passkey"));

    // A second passkey, from the account page.
    let (status, start) = m
        .desk
        .json(&s, "/account/passkeys/start", &csrf, json!({}))
        .await;
    assert_eq!(status, 200, "{start}");
    let mut phone = SoftPasskey::new(true);
    let options: CreationChallengeResponse =
        serde_json::from_value(start["options"].clone()).unwrap();
    let credential = phone.do_registration(origin(&s), options).unwrap();
    let (status, body) = m
        .desk
        .json(&s, "/account/passkeys/finish", &csrf, json!({ "ceremony": start["ceremony"], "credential": credential, "name": "Work phone" }))
        .await;
    assert_eq!(
        (status, body),
        (200, json!({ "redirect": "/account" })),
        "{backend:?}"
    );
    assert_eq!(
        sign_in(&s, &mut Desk::default(), &mut phone, &m.email)
            .await
            .0,
        200
    );

    // Rename, then remove the first.
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM staff_passkeys WHERE staff_id = $1 ORDER BY created_at, id",
    )
    .bind(&m.id)
    .fetch_all(&s.bridge_db.pool)
    .await
    .unwrap();
    assert_eq!(ids.len(), 2);
    let laptop = staff::passkeys_of(&s.bridge_db, &m.id)
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "Work laptop")
        .unwrap();
    let page = m
        .desk
        .post(
            &s,
            &format!("/account/passkeys/{}/name", laptop.id),
            &[("csrf", &csrf), ("name", "Old laptop")],
        )
        .await;
    assert_eq!(page.status, 303);
    assert!(m.desk.get(&s, "/account").await.body.contains("Old laptop"));
    let page = m
        .desk
        .post(
            &s,
            &format!("/account/passkeys/{}/remove", laptop.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    let (status, _) = sign_in(&s, &mut Desk::default(), &mut m.key, &m.email).await;
    assert_eq!(status, 0, "a removed passkey is no longer asked for");
    // The last one stays.
    let remaining = staff::passkeys_of(&s.bridge_db, &m.id).await.unwrap();
    let page = m
        .desk
        .post(
            &s,
            &format!("/account/passkeys/{}/remove", remaining[0].id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 400);
    assert_eq!(
        staff::passkeys_of(&s.bridge_db, &m.id).await.unwrap().len(),
        1
    );
    // Another member's passkey is not this member's to touch.
    let other = member(
        &s,
        "sam@council.example",
        "Sam Other",
        &[Role::Practitioner],
    )
    .await;
    let theirs = staff::passkeys_of(&s.bridge_db, &other.id).await.unwrap();
    let page = m
        .desk
        .post(
            &s,
            &format!("/account/passkeys/{}/name", theirs[0].id),
            &[("csrf", &csrf), ("name", "Mine now")],
        )
        .await;
    assert_eq!(page.status, 404);
    // added (enrolment) + added + renamed + removed for this member.
    assert_eq!(
        count(
            &s.bridge_db,
            &format!(
                "SELECT COUNT(*) FROM ledger WHERE kind = 'staff_passkey_change' AND actor = '{}'",
                m.id
            )
        )
        .await,
        4
    );
    s.finish().await;
}

// --- inviting family members ---------------------------------------------------------
