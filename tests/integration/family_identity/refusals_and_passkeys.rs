use super::*;

#[tokio::test]
async fn forms_without_the_token_or_from_elsewhere_change_nothing() {
    let s = Services::start(backends()[0]).await;
    let (_, mut browser) = activated(&s).await;
    let csrf = browser.csrf(&s, "/account").await;
    let (status, _, _) = browser.post(&s, "/sign-out", &[]).await;
    assert_eq!(status, 403, "no token");
    let (status, _, _) = browser.post(&s, "/sign-out", &[("csrf", "0000")]).await;
    assert_eq!(status, 403, "wrong token");
    let (status, _, _) = browser
        .post_from(
            &s,
            "/sign-out",
            &[("csrf", &csrf)],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(status, 403, "another site's page");
    let (status, _, _) = browser
        .post_from(&s, "/sign-out", &[("csrf", &csrf)], None)
        .await;
    assert_eq!(status, 403, "no origin at all");
    assert_eq!(
        browser.get(&s, "/home").await.0,
        200,
        "still signed in: nothing changed"
    );
    let (status, _) = browser
        .post_json(
            &s,
            "/account/passkeys/start",
            "wrong",
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 403);
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM ceremonies").await,
        0
    );
    s.finish().await;
}

#[tokio::test]
async fn a_burst_of_tries_from_one_address_gets_429() {
    let s = Services::start_with(backends()[0], |portal, _| {
        portal.rate_limit_burst = 3;
        portal.rate_limit_seconds = 60;
    })
    .await;
    let mut browser = Browser::default();
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            browser
                .post(&s, "/sign-in/email", &[("email", "someone@example.com")])
                .await
                .0,
        );
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let (status, page, _) = browser.post(&s, "/start", &[("code", "x")]).await;
    assert_eq!(
        status, 429,
        "the limit covers every sign-in and code endpoint"
    );
    assert!(page.contains("Please wait a moment"));
    assert_eq!(
        browser.get(&s, "/sign-in").await.0,
        200,
        "reading pages is not limited"
    );
    s.finish().await;
}

backend_tests!(a_lost_phone_revoked_from_the_bridge_removes_passkeys_and_sessions);
async fn a_lost_phone_revoked_from_the_bridge_removes_passkeys_and_sessions(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, mut browser) = activated(&s).await;
    let mut phone = new_passkey(&s, &mut browser, "Old phone").await;
    family::send(
        &s,
        &format!("/internal/v1/people/{person}/passkey-revocation"),
        &PasskeyRevocation { revoked_at: now() },
    )
    .await;
    let (status, _, _) = browser.get(&s, "/home").await;
    assert_eq!(status, 303, "{backend:?}: signed out everywhere");
    let (status, _) = family::passkey_sign_in(&s, &mut Browser::default(), &mut phone).await;
    assert_eq!(status, 400, "the old passkey no longer works");
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM passkeys").await,
        0
    );
    s.finish().await;
}

backend_tests!(a_person_sees_only_their_own_items);
async fn a_person_sees_only_their_own_items(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, mut browser) = activated(&s).await;
    let other = uuid::Uuid::new_v4();
    let mine = uuid::Uuid::new_v4();
    let theirs = uuid::Uuid::new_v4();
    for (id, reader, body) in [
        (mine, person, "For Sarah only."),
        (theirs, other, "For someone else."),
    ] {
        let push = content::sync::PublicationPush {
            version: 1,
            kind: "letter".into(),
            title: "A letter".into(),
            body_markdown: body.into(),
            audience: vec![reader],
            published_at: now(),
            meeting_at: None,
            in_reply_to: None,
        };
        family::send(&s, &format!("/internal/v1/publications/{id}"), &push).await;
    }
    let (status, page, _) = browser.get(&s, &format!("/items/{mine}")).await;
    assert_eq!(status, 200, "{backend:?}");
    assert!(page.contains("For Sarah only."));
    let (status, page, _) = browser.get(&s, &format!("/items/{theirs}")).await;
    assert_eq!(
        status, 404,
        "someone else's item is not found, not forbidden"
    );
    assert!(!page.contains("someone else"));
    assert_eq!(browser.get(&s, "/items/not-a-uuid").await.0, 404);
    browser.get(&s, &format!("/items/{mine}")).await;
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let views = staff_bridge::events::of_kind(&s.bridge_db, "publication_viewed")
        .await
        .unwrap();
    assert_eq!(
        views.len(),
        1,
        "the first view of a version is reported once"
    );
    s.finish().await;
}

backend_tests!(exit_this_page_signs_out_and_leaves_for_the_neutral_site);
async fn exit_this_page_signs_out_and_leaves_for_the_neutral_site(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, browser) = activated(&s).await;
    let cookie = browser.cookie_header().expect("signed in");
    assert_eq!(browser.clone().get(&s, "/home").await.0, 200);

    let response = s
        .http
        .get(format!("{}/exit", s.portal_url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303, "{backend:?}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert_eq!(header("location"), portal::pages::QUICK_EXIT_URL);
    assert!(header("set-cookie").contains("Max-Age=0"));
    assert!(header("clear-site-data").contains("\"cookies\""));

    // Back on a shared phone asks the server again: the pages are gone.
    let mut old = browser.clone();
    let (status, _, location) = old.get(&s, "/home").await;
    assert_eq!((status, location.as_deref()), (303, Some("/sign-in")));

    // The sign-out is recorded like any other, saying how.
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let outs = staff_bridge::events::of_kind(&s.bridge_db, "family_sign_out")
        .await
        .unwrap();
    assert_eq!(outs.len(), 1);
    assert_eq!(outs[0].1["quick_exit"], true);
    assert_eq!(
        count(
            &s.bridge_db,
            &format!(
                "SELECT COUNT(*) FROM ledger WHERE kind = 'family_sign_out' AND actor = '{person}'"
            )
        )
        .await,
        1
    );

    // Without a session it still leaves at once.
    let response = s
        .http
        .get(format!("{}/exit", s.portal_url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 303);
    s.finish().await;
}

/// The ledger rows of one kind, oldest first, as (actor, data).
async fn ledger_of(s: &Services, kind: &str) -> Vec<(Option<String>, serde_json::Value)> {
    let rows: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT actor, data FROM ledger WHERE kind = $1 ORDER BY seq")
            .bind(kind)
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(actor, data)| (actor, serde_json::from_str(&data).unwrap()))
        .collect()
}

backend_tests!(refused_sign_ins_reach_the_ledger_without_codes_or_saying_who_exists);
async fn refused_sign_ins_reach_the_ledger_without_codes_or_saying_who_exists(backend: Backend) {
    let smtp = Smtp::start();
    let s = Services::start_with(backend, |portal, _| portal.mail = Some(smtp.settings())).await;
    let (person, mut browser) = activated(&s).await;
    add_email(&s, &smtp, &mut browser, "sarah.carter@example.com").await;
    let mut phone = new_passkey(&s, &mut browser, "Phone").await;
    let mut someone = Browser::default();

    // A code typed for an address nobody has gets the same page as a wrong one.
    let unknown = someone
        .post(
            &s,
            "/sign-in/code",
            &[("email", "nobody@example.com"), ("code", "123456")],
        )
        .await;
    let wrong = someone
        .post(
            &s,
            "/sign-in/code",
            &[("email", "sarah.carter@example.com"), ("code", "123456")],
        )
        .await;
    assert_eq!(unknown.0, 200, "{backend:?}");
    assert_eq!(
        unknown
            .1
            .replace("nobody@example.com", "sarah.carter@example.com"),
        wrong.1
    );

    // A made-up sign-in link, and a passkey that belongs to nobody here.
    let (status, page, _) = someone
        .post(
            &s,
            "/sign-in/link",
            &[("token", "0123456789abcdef0123456789abcdef")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("This link does not work"));
    let mut stranger = PhonePasskey::new();
    // The stranger's passkey was made for this site but never registered.
    {
        let mut elsewhere = Browser::default();
        let (other, _, other_code) =
            invite(&s, "Dan", "Brooks", "1987-02-08", in_two_weeks()).await;
        activate(&s, &mut elsewhere, &other_code, "Dan", ("8", "2", "1987")).await;
        family::register_passkey(&s, &mut elsewhere, &mut stranger, "Dan's").await;
        sqlx::query("DELETE FROM passkeys WHERE person_id = $1")
            .bind(other.to_string())
            .execute(&s.portal_db.pool)
            .await
            .unwrap();
    }
    let (status, _) = family::passkey_sign_in(&s, &mut Browser::default(), &mut stranger).await;
    assert_eq!(status, 400);

    // Sarah's own passkey after her phone was reported lost is refused alike.
    family::send(
        &s,
        &format!("/internal/v1/people/{person}/passkey-revocation"),
        &PasskeyRevocation { revoked_at: now() },
    )
    .await;
    let (status, answer) = family::passkey_sign_in(&s, &mut Browser::default(), &mut phone).await;
    assert_eq!(status, 400);
    assert_eq!(answer["error"], "That passkey did not work.");

    // An invitation code nobody was given.
    let made_up = content::invitation::display(&content::invitation::new_code());
    let (status, page, _) =
        activate(&s, &mut Browser::default(), &made_up, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 200);
    assert!(page.contains("We could not match these details"));

    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let failed = ledger_of(&s, "family_sign_in_failed").await;
    let seen: Vec<(Option<String>, &str, &str)> = failed
        .iter()
        .map(|(actor, d)| {
            (
                actor.clone(),
                d["method"].as_str().unwrap(),
                d["reason"].as_str().unwrap(),
            )
        })
        .collect();
    let sarah = Some(person.to_string());
    assert_eq!(
        seen,
        vec![
            (None, "email_code", "unknown_account"),
            (sarah, "email_code", "no_live_code"),
            (None, "email_link", "dead_link"),
            (None, "passkey", "unknown_passkey"),
            (None, "passkey", "unknown_passkey"),
        ],
        "an IG officer sees each refusal, and whose only when it was a known account"
    );
    for (_, data) in &failed {
        assert_eq!(data["ip"], "127.0.0.1");
        assert!(data.get("user_agent").is_some());
        let text = data.to_string();
        assert!(!text.contains("123456") && !text.contains("0123456789abcdef"));
        assert!(!text.contains("nobody@example.com"));
    }
    let checks = ledger_of(&s, "family_invitation_check_failed").await;
    assert_eq!(checks.len(), 1);
    assert_eq!(checks[0].0, None);
    assert_eq!(checks[0].1["reason"], "no_such_code");
    assert_eq!(checks[0].1["ip"], "127.0.0.1");
    assert!(!checks[0].1.to_string().contains(&made_up));
    assert!(staff_bridge::ledger::verify(&s.bridge_db)
        .await
        .unwrap()
        .is_whole());
    s.finish().await;
}

/// The credential ids on the account page, in the order shown.
fn credentials_on(account: &str) -> Vec<String> {
    account
        .split("action=\"/account/passkeys/")
        .skip(1)
        .filter_map(|rest| rest.split_once("/rename\""))
        .map(|(id, _)| id.to_string())
        .filter(|id| !id.contains('"'))
        .collect()
}

backend_tests!(a_second_passkey_is_added_renamed_and_removed_and_the_ledger_says_so);
async fn a_second_passkey_is_added_renamed_and_removed_and_the_ledger_says_so(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, mut browser) = activated(&s).await;
    let mut phone = new_passkey(&s, &mut browser, "Phone").await;
    let mut tablet = new_passkey(&s, &mut browser, "Tablet").await;
    let (_, account, _) = browser.get(&s, "/account").await;
    let ids = credentials_on(&account);
    assert_eq!(ids.len(), 2, "{account}");
    assert!(account.contains("Phone") && account.contains("Tablet"));

    // Rename the tablet's, then remove the phone's.
    let csrf = browser.csrf(&s, "/account").await;
    let after_tablet = &account[account.find("<strong>Tablet</strong>").unwrap()..];
    let tablet_id = ids
        .iter()
        .min_by_key(|id| after_tablet.find(id.as_str()).unwrap_or(usize::MAX))
        .unwrap()
        .clone();
    let phone_id = ids.iter().find(|id| **id != tablet_id).unwrap().clone();
    let (status, _, location) = browser
        .post(
            &s,
            &format!("/account/passkeys/{tablet_id}/rename"),
            &[("csrf", &csrf), ("name", "Kitchen tablet")],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
    let (status, _, location) = browser
        .post(
            &s,
            &format!("/account/passkeys/{phone_id}/remove"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
    let (_, account, _) = browser.get(&s, "/account").await;
    assert!(account.contains("Kitchen tablet"), "{account}");
    assert_eq!(credentials_on(&account), vec![tablet_id.clone()]);

    // The removed passkey no longer signs in; the renamed one does.
    let (status, _) = family::passkey_sign_in(&s, &mut Browser::default(), &mut phone).await;
    assert_eq!(status, 400);
    let (status, answer) = family::passkey_sign_in(&s, &mut Browser::default(), &mut tablet).await;
    assert_eq!(
        (status, &answer["redirect"]),
        (200, &serde_json::json!("/home"))
    );

    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    for (kind, times) in [
        ("family_passkey_added", 2),
        ("family_passkey_renamed", 1),
        ("family_passkey_removed", 1),
    ] {
        let rows = ledger_of(&s, kind).await;
        assert_eq!(rows.len(), times, "{kind}");
        for (actor, data) in rows {
            assert_eq!(actor, Some(person.to_string()), "{kind}");
            assert_eq!(data["ip"], "127.0.0.1", "{kind}");
            assert!(
                !data.to_string().contains("Kitchen"),
                "names stay on the portal"
            );
        }
    }
    s.finish().await;
}

backend_tests!(sign_out_everywhere_ends_the_other_sessions_on_the_server);
async fn sign_out_everywhere_ends_the_other_sessions_on_the_server(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, mut phone_browser) = activated(&s).await;
    let mut phone = new_passkey(&s, &mut phone_browser, "Phone").await;
    // The same person signed in on a second device, with its own cookies.
    let mut laptop = Browser::default();
    let (status, _) = family::passkey_sign_in(&s, &mut laptop, &mut phone).await;
    assert_eq!(status, 200, "{backend:?}");
    assert_ne!(laptop.session, phone_browser.session);
    assert_eq!(laptop.get(&s, "/home").await.0, 200);

    let csrf = phone_browser.csrf(&s, "/account").await;
    let (status, _, location) = phone_browser
        .post(&s, "/sign-out-everywhere", &[("csrf", &csrf)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/signed-out")));
    let (status, _, location) = laptop.get(&s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "the laptop is signed out too"
    );
    assert_eq!(
        count(
            &s.portal_db,
            "SELECT COUNT(*) FROM sessions WHERE ended_at IS NULL"
        )
        .await,
        0
    );

    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let rows = ledger_of(&s, "family_sign_out_everywhere").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, Some(person.to_string()));
    assert_eq!(rows[0].1["sessions"], 2);
    s.finish().await;
}
