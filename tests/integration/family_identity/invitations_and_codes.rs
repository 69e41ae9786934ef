use super::*;

backend_tests!(invitation_then_passkey_then_sign_in_without_typing_anything);
async fn invitation_then_passkey_then_sign_in_without_typing_anything(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    let (status, _, location) = activate(&s, &mut browser, &code, "Sarah", SARAH_DOB).await;
    assert_eq!((status, location.as_deref()), (303, Some("/account/setup")));
    let (status, setup, _) = browser.get(&s, "/account/setup").await;
    assert_eq!(status, 200, "{backend:?}");
    assert!(setup.contains("Welcome, Sarah"));

    let mut phone = new_passkey(&s, &mut browser, "Sarah's phone").await;
    let (_, account, _) = browser.get(&s, "/account").await;
    assert!(
        account.contains("Sarah&#39;s phone") || account.contains("Sarah's phone"),
        "{account}"
    );

    // Sign out: the old cookie is worthless on the server too.
    let old = browser.clone();
    let csrf = browser.csrf(&s, "/account").await;
    let (status, _, location) = browser.post(&s, "/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_deref()), (303, Some("/signed-out")));
    assert!(browser.session.is_none());
    let (status, _, location) = old.clone().get(&s, "/home").await;
    assert_eq!((status, location.as_deref()), (303, Some("/sign-in")));

    // Usernameless sign-in with the same passkey.
    let (status, answer) = family::passkey_sign_in(&s, &mut browser, &mut phone).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["redirect"], "/home");
    assert_ne!(
        browser.session, old.session,
        "a new session id at every sign-in"
    );
    let (status, home, _) = browser.get(&s, "/home").await;
    assert_eq!(status, 200);
    assert!(home.contains("Hello, Sarah"));

    // Another phone that never registered here is refused.
    let mut stranger = PhonePasskey::new();
    let mut other = Browser::default();
    let (status, start) = other
        .post_json(&s, "/sign-in/passkey/start", "", serde_json::json!({}))
        .await;
    assert_eq!(status, 200);
    let options = serde_json::from_value(start["options"].clone()).unwrap();
    use webauthn_authenticator_rs::WebauthnAuthenticator;
    assert!(stranger
        .do_authentication(url::Url::parse(&s.portal_url).unwrap(), options)
        .is_err());

    // The invitation is spent: the same code and details again are refused.
    let (status, page, _) = activate(&s, &mut Browser::default(), &code, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 200);
    assert!(page.contains("We could not match these details"));

    // Everything reached the bridge's side of the sync.
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    for kind in [
        "invitation_used",
        "passkey_added",
        "family_sign_in",
        "family_sign_out",
        "invitation_check_failed",
    ] {
        let events = staff_bridge::events::of_kind(&s.bridge_db, kind)
            .await
            .unwrap();
        assert!(!events.is_empty(), "{kind} reached the bridge");
        assert!(
            events
                .iter()
                .all(|(_, data)| !data.to_string().contains("Sarah")),
            "no names in events"
        );
    }
    let checks = staff_bridge::events::of_kind(&s.bridge_db, "invitation_check_failed")
        .await
        .unwrap();
    assert_eq!(checks.len(), 1, "the spent invitation's try is recorded");
    assert_eq!(checks[0].1["reason"], "no_such_code");
    assert!(!checks[0]
        .1
        .to_string()
        .contains(&code.replace('-', "")[..6]));
    let sign_ins = staff_bridge::events::of_kind(&s.bridge_db, "family_sign_in")
        .await
        .unwrap();
    assert_eq!(sign_ins.len(), 2);
    assert!(sign_ins.iter().any(|(_, d)| d["method"] == "passkey"));
    assert!(sign_ins.iter().all(|(_, d)| d["ip"] == "127.0.0.1"));

    // And each landed in the disclosure ledger once, with who and from where.
    let ledger_sign_ins: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, data FROM ledger WHERE kind = 'family_sign_in' ORDER BY seq")
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    assert_eq!(ledger_sign_ins.len(), 2);
    assert!(ledger_sign_ins
        .iter()
        .all(|(actor, data)| actor == &person.to_string() && data.contains("127.0.0.1")));
    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind = 'family_sign_in'"
        )
        .await,
        2,
        "pulled again, recorded once"
    );
    assert!(staff_bridge::ledger::verify(&s.bridge_db)
        .await
        .unwrap()
        .is_whole());
    s.finish().await;
}

backend_tests!(wrong_details_and_dead_invitations_are_refused_in_the_same_words);
async fn wrong_details_and_dead_invitations_are_refused_in_the_same_words(backend: Backend) {
    let s = Services::start(backend).await;
    let (_, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let message = "We could not match these details";
    let wrong_name = activate(&s, &mut Browser::default(), &code, "Sally", SARAH_DOB).await;
    let wrong_dob = activate(
        &s,
        &mut Browser::default(),
        &code,
        "Sarah",
        ("22", "11", "1989"),
    )
    .await;
    let unknown = activate(
        &s,
        &mut Browser::default(),
        &content::invitation::display(&content::invitation::new_code()),
        "Sarah",
        SARAH_DOB,
    )
    .await;
    for (status, page, _) in [&wrong_name, &wrong_dob, &unknown] {
        assert_eq!(*status, 200, "{backend:?}");
        assert!(page.contains(message));
    }
    let summary = |page: &str| {
        page[page.find("error-summary").unwrap()..page.find("<h1>").unwrap()].to_string()
    };
    assert_eq!(
        summary(&wrong_name.1),
        summary(&wrong_dob.1),
        "which detail was wrong is not revealed"
    );
    assert_eq!(
        summary(&wrong_name.1),
        summary(&unknown.1),
        "nor whether the code exists"
    );

    // A typo is caught by the check character before anything is looked up.
    let mut typo = code.clone().into_bytes();
    typo[0] = if typo[0] == b'A' { b'B' } else { b'A' };
    let (_, page, _) = activate(
        &s,
        &mut Browser::default(),
        std::str::from_utf8(&typo).unwrap(),
        "Sarah",
        SARAH_DOB,
    )
    .await;
    assert!(page.contains("typing mistake"));

    // Five wrong checks spend the invitation, even for the right details after.
    for _ in 0..3 {
        activate(&s, &mut Browser::default(), &code, "Sally", SARAH_DOB).await;
    }
    let (status, page, _) = activate(&s, &mut Browser::default(), &code, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 200);
    assert!(page.contains(message));

    // Expired and revoked invitations, and a used one, are refused alike.
    let (person, _, expired) = invite(&s, "Dan", "Brooks", "1987-02-08", now() - 1).await;
    let (_, page, _) = activate(
        &s,
        &mut Browser::default(),
        &expired,
        "Dan",
        ("8", "2", "1987"),
    )
    .await;
    assert!(page.contains(message));
    let (revoked_id, revoked) = invite_again(&s, person, in_two_weeks()).await;
    family::send(
        &s,
        &format!("/internal/v1/invitations/{revoked_id}/revocation"),
        &InvitationRevocation { revoked_at: now() },
    )
    .await;
    let (_, page, _) = activate(
        &s,
        &mut Browser::default(),
        &revoked,
        "Dan",
        ("8", "2", "1987"),
    )
    .await;
    assert!(page.contains(message));
    let (_, fresh) = invite_again(&s, person, in_two_weeks()).await;
    let (status, _, _) = activate(
        &s,
        &mut Browser::default(),
        &fresh,
        "dan ",
        ("08", "02", "1987"),
    )
    .await;
    assert_eq!(status, 303, "case and spaces in the name don't matter");
    let (_, page, _) = activate(
        &s,
        &mut Browser::default(),
        &fresh,
        "Dan",
        ("8", "2", "1987"),
    )
    .await;
    assert!(page.contains(message), "an invitation works once");
    assert_eq!(
        count(&s.portal_db, "SELECT COUNT(*) FROM sessions").await,
        1
    );
    s.finish().await;
}

backend_tests!(email_codes_and_links_through_a_real_smtp_server);
/// Adds and verifies an email address from the account page, reading the code
/// from the SMTP server.
async fn email_codes_and_links_through_a_real_smtp_server(backend: Backend) {
    let smtp = Smtp::start();
    let s = Services::start_with(backend, |portal, _| portal.mail = Some(smtp.settings())).await;
    let (_, mut browser) = activated(&s).await;
    add_email(&s, &smtp, &mut browser, "Sarah.Carter@example.com").await;
    let (_, account, _) = browser.get(&s, "/account").await;
    assert!(account.contains("sarah.carter@example.com"), "{backend:?}");

    // Known and unknown addresses get the very same answer.
    let mut someone = Browser::default();
    let known = someone
        .post(
            &s,
            "/sign-in/email",
            &[("email", "sarah.carter@example.com")],
        )
        .await;
    let unknown = someone
        .post(&s, "/sign-in/email", &[("email", "nobody@example.com")])
        .await;
    assert_eq!(
        (known.0, &known.1),
        (
            unknown.0,
            &unknown
                .1
                .replace("nobody@example.com", "sarah.carter@example.com")
        )
    );
    let mail = smtp.wait_for(2).await;
    assert_eq!(mail.to, vec!["sarah.carter@example.com".to_string()]);
    assert!(
        !mail.text.contains("Sarah") && !mail.text.contains("plan"),
        "no personal or record content in email"
    );
    let code = code_in(&mail.text, 6).unwrap();
    let link_token = mail
        .text
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    assert_eq!(link_token.len(), 32, "a 128-bit token");
    // A copy of the database alone does not give the code away: it is kept
    // as a keyed hash whose key is sealed to the portal's key file.
    let stored: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM email_codes")
        .fetch_all(&s.portal_db.pool)
        .await
        .unwrap();
    let plain = content::tokens::hash_token(&code);
    assert!(stored
        .iter()
        .all(|h| h.starts_with("hmac:") && !h.contains(&plain) && !h.contains(&code)));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(smtp.count(), 2, "nothing was sent to the unknown address");

    // The code signs in once.
    let (status, _, location) = someone
        .post(
            &s,
            "/sign-in/code",
            &[("email", "sarah.carter@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));
    let mut again = Browser::default();
    let (status, page, _) = again
        .post(
            &s,
            "/sign-in/code",
            &[("email", "sarah.carter@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("not right"));
    // The link belonged to the code just used, so it is spent too.
    let (status, page, _) = again
        .post(&s, "/sign-in/link", &[("token", &link_token)])
        .await;
    assert_eq!(status, 200, "the link went with its code");
    assert!(page.contains("does not work"));

    // A fresh link signs in once; an expired code does not.
    again
        .post(
            &s,
            "/sign-in/email",
            &[("email", "sarah.carter@example.com")],
        )
        .await;
    let mail = smtp.wait_for(3).await;
    let link_token = mail
        .text
        .split("token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let (status, confirm, _) = again
        .get(&s, &format!("/sign-in/link?token={link_token}"))
        .await;
    assert_eq!(status, 200);
    assert!(
        confirm.contains("Sign in to FamilyStory"),
        "following the link alone does not use it"
    );
    let (status, _, location) = again
        .post(&s, "/sign-in/link", &[("token", &link_token)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));
    let (status, _, _) = Browser::default()
        .post(&s, "/sign-in/link", &[("token", &link_token)])
        .await;
    assert_eq!(status, 200);

    again
        .post(
            &s,
            "/sign-in/email",
            &[("email", "sarah.carter@example.com")],
        )
        .await;
    let code = code_in(&smtp.wait_for(4).await.text, 6).unwrap();
    sqlx::query("UPDATE email_codes SET expires_at = $1 WHERE spent_at IS NULL")
        .bind(now() - 1)
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
    let (status, page, _) = Browser::default()
        .post(
            &s,
            "/sign-in/code",
            &[("email", "sarah.carter@example.com"), ("code", &code)],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("not right or is too old"));
    s.finish().await;
}

backend_tests!(wrong_codes_spend_that_code_only_and_never_lock_the_person_out);
async fn wrong_codes_spend_that_code_only_and_never_lock_the_person_out(backend: Backend) {
    let smtp = Smtp::start();
    let s = Services::start_with(backend, |portal, _| portal.mail = Some(smtp.settings())).await;
    let (_, mut browser) = activated(&s).await;
    let mut phone = new_passkey(&s, &mut browser, "My phone").await;
    add_email(&s, &smtp, &mut browser, "sarah.carter@example.com").await;
    let email = ("email", "sarah.carter@example.com");
    let mut stranger = Browser::default();

    // A stranger typing codes at her address, with none sent, costs
    // nobody anything.
    for guess in ["123456", "654321", "000000", "999999", "111111", "222222"] {
        stranger
            .post(&s, "/sign-in/code", &[email, ("code", guess)])
            .await;
    }
    // The stranger asks for a code and types five wrong ones: that code
    // is spent, so even the right one no longer works.
    stranger.post(&s, "/sign-in/email", &[email]).await;
    let code = code_in(&smtp.wait_for(2).await.text, 6).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        stranger
            .post(&s, "/sign-in/code", &[email, ("code", wrong)])
            .await;
    }
    let (status, page, _) = stranger
        .post(&s, "/sign-in/code", &[email, ("code", &code)])
        .await;
    assert_eq!(
        (status, page.contains("not right")),
        (200, true),
        "{backend:?}: the right code after five wrong ones is spent"
    );

    // Sarah is not locked out: her passkey signs her in at once, and a
    // new code works the first time.
    let (status, answer) = family::passkey_sign_in(&s, &mut Browser::default(), &mut phone).await;
    assert_eq!((status, answer["redirect"].as_str()), (200, Some("/home")));
    let mut sarah = Browser::default();
    sarah.post(&s, "/sign-in/email", &[email]).await;
    let fresh = code_in(&smtp.wait_for(3).await.text, 6).unwrap();
    let (status, _, location) = sarah
        .post(&s, "/sign-in/code", &[email, ("code", &fresh)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));

    staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client)
        .await
        .unwrap();
    let failures = staff_bridge::events::of_kind(&s.bridge_db, "family_sign_in_failed")
        .await
        .unwrap();
    let reasons: Vec<&str> = failures
        .iter()
        .map(|(_, d)| d["reason"].as_str().unwrap())
        .collect();
    let mut expected = vec!["no_live_code"; 6];
    expected.extend(["wrong"; 5]);
    expected.push("no_live_code");
    assert_eq!(reasons, expected, "{backend:?}");
    assert!(failures
        .iter()
        .all(|(_, d)| d["ip"] == "127.0.0.1" && !d.to_string().contains(&code)));
    s.finish().await;
}

backend_tests!(no_more_than_five_code_emails_an_hour_reach_one_person);
async fn no_more_than_five_code_emails_an_hour_reach_one_person(backend: Backend) {
    let smtp = Smtp::start();
    let s = Services::start_with(backend, |portal, _| portal.mail = Some(smtp.settings())).await;
    let (_, mut browser) = activated(&s).await;
    add_email(&s, &smtp, &mut browser, "sarah.carter@example.com").await;
    let mut stranger = Browser::default();
    for _ in 0..8 {
        let (status, page, _) = stranger
            .post(
                &s,
                "/sign-in/email",
                &[("email", "sarah.carter@example.com")],
            )
            .await;
        // The same answer every time: nothing says a limit was reached.
        assert_eq!(status, 200);
        assert!(page.contains("If this email address is linked to FamilyStory"));
    }
    // The verification email was the first of the five this hour.
    smtp.wait_for(5).await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(smtp.count(), 5, "{backend:?}: the inbox is not flooded");
    s.finish().await;
}

backend_tests!(sessions_end_when_idle_or_too_old);
async fn sessions_end_when_idle_or_too_old(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, mut browser) = activated(&s).await;
    assert_eq!(browser.get(&s, "/home").await.0, 200);
    // Fifteen minutes without a request.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 901")
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
    let (status, _, location) = browser.get(&s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "{backend:?}: idle timeout"
    );

    // Active all along, but past twelve hours.
    let (_, code) = invite_again(&s, person, in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", SARAH_DOB).await;
    assert_eq!(browser.get(&s, "/home").await.0, 200);
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE ended_at IS NULL")
        .bind(now() - 1)
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
    let (status, _, location) = browser.get(&s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "absolute timeout"
    );
    s.finish().await;
}
