use super::*;

backend_tests!(forms_without_the_token_or_from_elsewhere_are_refused);
async fn forms_without_the_token_or_from_elsewhere_are_refused(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &common::demo_family()).await;
    let mut admin = member(
        &s,
        "alex.admin@council.example",
        "Alex Admin",
        &[Role::Admin],
    )
    .await;
    let csrf = admin.desk.csrf(&s, "/admin/staff").await;
    let staff_before = count(&s.bridge_db, "SELECT COUNT(*) FROM staff").await;
    fn add(token: &str) -> Vec<(&str, &str)> {
        vec![
            ("csrf", token),
            ("name", "Eve Intruder"),
            ("email", "eve@evil.example"),
            ("role", "admin"),
        ]
    }

    // No token, a wrong token, the right token from a foreign origin, and no origin at all.
    let page = admin.desk.post(&s, "/admin/staff", &add("")[1..]).await;
    assert_eq!(page.status, 403, "{backend:?}");
    let page = admin
        .desk
        .post(&s, "/admin/staff", &add("not-the-token"))
        .await;
    assert_eq!(page.status, 403);
    let form = add(&csrf);
    let page = admin
        .desk
        .post_from(&s, "/admin/staff", &form, Some("https://evil.example"))
        .await;
    assert_eq!(page.status, 403);
    let page = admin.desk.post_from(&s, "/admin/staff", &form, None).await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("The form could not be sent"));
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM staff").await,
        staff_before,
        "nothing changed"
    );

    // Sign-out and sign-out-everywhere are forms too.
    for path in ["/sign-out", "/sign-out-everywhere"] {
        assert_eq!(
            admin.desk.post(&s, path, &[("csrf", "wrong")]).await.status,
            403
        );
        assert_eq!(
            admin
                .desk
                .post_from(&s, path, &[("csrf", &csrf)], Some("https://evil.example"))
                .await
                .status,
            403
        );
    }
    assert_eq!(
        admin.desk.get(&s, "/cases").await.status,
        200,
        "still signed in"
    );

    // Adding a passkey needs the header token.
    let (status, _) = admin
        .desk
        .json(&s, "/account/passkeys/start", "wrong", json!({}))
        .await;
    assert_eq!(status, 403);

    // The sign-in form checks its origin.
    let page = Desk::default()
        .post_from(
            &s,
            "/sign-in",
            &[("email", "alex.admin@council.example")],
            Some("https://evil.example"),
        )
        .await;
    assert_eq!(page.status, 403);

    // A form sent empty comes back in the GOV.UK error pattern.
    let page = admin
        .desk
        .post(&s, "/admin/staff", &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 400);
    assert!(page.body.contains("<title>Error: Staff"), "{}", page.body);
    assert!(page.body.find("class=\"error-summary\"") < page.body.find("<h1"));
    for field in ["name", "email", "roles"] {
        assert!(page.body.contains(&format!("href=\"#{field}\"")), "{field}");
        assert!(
            page.body.contains(&format!("id=\"{field}-error\"")),
            "{field}"
        );
    }
    assert!(page.body.contains("aria-invalid=\"true\""));

    // With the token, from here: it works.
    let page = admin.desk.post(&s, "/admin/staff", &form).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM staff").await,
        staff_before + 1
    );
    s.finish().await;
}

backend_tests!(a_burst_is_answered_429_and_five_failures_lock_the_account);
async fn a_burst_is_answered_429_and_five_failures_lock_the_account(backend: Backend) {
    let s = Services::start_with(backend, |_, bridge| {
        bridge.rate_limit_burst = 3;
        bridge.rate_limit_seconds = 60;
    })
    .await;
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let page = Desk::default()
            .post(&s, "/sign-in", &[("email", "someone@council.example")])
            .await;
        statuses.push(page.status);
        if page.status == 429 {
            assert!(
                page.body.contains("Please wait a moment"),
                "a friendly page"
            );
        }
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429], "{backend:?}");
    s.finish().await;

    let s = Services::start(backend).await;
    let mut pat = member(
        &s,
        "pat@council.example",
        "Pat Locked",
        &[Role::Practitioner],
    )
    .await;
    let mut other = member(
        &s,
        "other@council.example",
        "Other Key",
        &[Role::Practitioner],
    )
    .await;
    for attempt in 1..=5 {
        let (status, body) =
            sign_in_with_other_key(&s, &mut Desk::default(), &mut other, &pat.email).await;
        assert_eq!(status, 401, "attempt {attempt}: {body}");
    }
    // Locked: even the right passkey is refused, for now.
    let (status, body) = sign_in_options(&s, &mut Desk::default(), &pat.email).await;
    assert_eq!(status, 429, "{body}");
    assert!(body["error"].as_str().unwrap().contains("Try again after"));
    let (_, subject, data) = last_ledger(&s.bridge_db, "staff_locked_out").await;
    assert_eq!(subject.as_deref(), Some(pat.id.as_str()));
    assert!(data["locked_until"].as_i64().unwrap() > now());
    assert_eq!(ledger_count(&s.bridge_db, "staff_sign_in_failed").await, 5);

    // An unknown address locks the same way, so lockout reveals nothing.
    for _ in 0..5 {
        sign_in_with_other_key(
            &s,
            &mut Desk::default(),
            &mut other,
            "ghost@council.example",
        )
        .await;
    }
    let (status, _) = sign_in_options(&s, &mut Desk::default(), "ghost@council.example").await;
    assert_eq!(status, 429);

    // When the lock has passed, the right passkey works and clears the count.
    sqlx::query("UPDATE lockouts SET locked_until = $1 WHERE account = $2")
        .bind(now() - 1)
        .bind(format!("staff:{}", pat.email))
        .execute(&s.bridge_db.pool)
        .await
        .unwrap();
    let mut desk = Desk::default();
    let (status, _) = sign_in(&s, &mut desk, &mut pat.key, "pat@council.example").await;
    assert_eq!(status, 200);
    assert_eq!(
        count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM lockouts WHERE account = 'staff:pat@council.example'"
        )
        .await,
        0
    );
    s.finish().await;
}

// --- who sees what -----------------------------------------------------------------

backend_tests!(practitioners_see_only_their_cases_and_roles_gate_admin_pages);
async fn practitioners_see_only_their_cases_and_roles_gate_admin_pages(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &common::demo_family()).await;
    import(&s, &other_family()).await;
    let mut admin = member(
        &s,
        "alex.admin@council.example",
        "Alex Admin",
        &[Role::Admin],
    )
    .await;
    let mut priya = member(
        &s,
        "Priya.Shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    let mut tom = member(
        &s,
        "tom.okafor@council.example",
        "Tom Okafor",
        &[Role::Manager],
    )
    .await;

    // Not signed in: to the sign-in page.
    let page = Desk::default().get(&s, "/cases").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/sign-in"))
    );
    let page = Desk::default().get(&s, "/cases/DEMO-0001").await;
    assert_eq!(page.status, 303);

    // Priya is allocated to DEMO-0001 only.
    let cases = priya.desk.get(&s, "/cases").await;
    assert!(
        cases.body.contains("DEMO-0001") && !cases.body.contains("NORTH-0002"),
        "{backend:?}"
    );
    assert!(cases.body.contains("Not invited"), "who has portal access");
    // The navigation offers what each role can use.
    assert!(cases.body.contains("href=\"/my-cases\""));
    assert!(!cases.body.contains("href=\"/approvals\""));
    assert_eq!(priya.desk.get(&s, "/approvals").await.status, 403);
    let desk = tom.desk.get(&s, "/my-cases").await;
    assert!(desk.body.contains("href=\"/approvals\""));
    assert_eq!(tom.desk.get(&s, "/approvals").await.status, 200);
    assert_eq!(priya.desk.get(&s, "/cases/DEMO-0001").await.status, 200);
    let theirs = priya.desk.get(&s, "/cases/NORTH-0002").await;
    let nothing = priya.desk.get(&s, "/cases/GUESS-9999").await;
    assert_eq!((theirs.status, nothing.status), (404, 404));
    assert_eq!(
        theirs.body, nothing.body,
        "a case she may not see is one that does not exist"
    );
    assert!(!theirs.body.contains("Mia"));

    // Nor can she act on it, even knowing a person's id.
    let north_person: i64 = sqlx::query_scalar(
        "SELECT p.id FROM case_people p JOIN cases c ON c.id = p.case_id WHERE c.reference = 'NORTH-0002' ORDER BY p.id LIMIT 1",
    )
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/NORTH-0002/people/{north_person}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 404);
    // A person of another case, through her own case's address.
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{north_person}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 404);
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/NORTH-0002/people/{north_person}/revoke-passkeys"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 404);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM outgoing").await,
        0
    );
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM invitations").await,
        0
    );

    // Admin pages: 403 for a signed-in member without the role.
    let page = priya.desk.get(&s, "/admin/staff").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("ask an administrator"));
    let page = priya
        .desk
        .post(
            &s,
            "/admin/staff",
            &[
                ("csrf", &csrf),
                ("name", "Mallory"),
                ("email", "m@council.example"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(page.status, 403);
    let page = priya
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/roles", priya.id),
            &[("csrf", &csrf), ("role", "admin")],
        )
        .await;
    assert_eq!(page.status, 403);
    assert!(!priya
        .desk
        .get(&s, "/cases")
        .await
        .body
        .contains("href=\"/admin/staff\""));
    assert!(admin
        .desk
        .get(&s, "/cases")
        .await
        .body
        .contains("href=\"/admin/staff\""));
    assert_eq!(
        staff::find_by_id(&s.bridge_db, &priya.id)
            .await
            .unwrap()
            .unwrap()
            .roles,
        vec![Role::Practitioner]
    );

    // A manager reads every case, but does not act on families here.
    let page = tom.desk.get(&s, "/cases").await;
    assert!(page.body.contains("DEMO-0001") && page.body.contains("NORTH-0002"));
    let page = tom.desk.get(&s, "/cases/NORTH-0002").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("read this case but not act"));
    let tom_csrf = csrf_in(&tom.desk.get(&s, "/account").await.body).unwrap();
    let page = tom
        .desk
        .post(
            &s,
            &format!("/cases/NORTH-0002/people/{north_person}/invitations"),
            &[("csrf", &tom_csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 403);

    // An admin alone sees no cases; an admin grants Priya the other case,
    // and changes Tom's roles, both recorded with who did it.
    assert!(!admin
        .desk
        .get(&s, "/cases")
        .await
        .body
        .contains("DEMO-0001"));
    let admin_csrf = admin.desk.csrf(&s, "/admin/staff").await;
    let page = admin
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/grants", priya.id),
            &[("csrf", &admin_csrf), ("reference", "NORTH-0002")],
        )
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(priya.desk.get(&s, "/cases/NORTH-0002").await.status, 200);
    let page = admin
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/roles", tom.id),
            &[
                ("csrf", &admin_csrf),
                ("role", "manager"),
                ("role", "ig_officer"),
            ],
        )
        .await;
    assert_eq!(page.status, 303);
    let (actor, subject, data) = last_ledger(&s.bridge_db, "role_change").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(admin.id.as_str()), Some(tom.id.as_str()))
    );
    assert_eq!(
        data,
        json!({ "before": ["manager"], "after": ["manager", "ig_officer"] })
    );
    assert_eq!(ledger_count(&s.bridge_db, "case_grant").await, 1);

    // Disabling an account ends its sessions at once.
    let page = admin
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/disable", tom.id),
            &[("csrf", &admin_csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    assert_eq!(tom.desk.get(&s, "/cases").await.status, 303);
    let (status, _) = sign_in(
        &s,
        &mut Desk::default(),
        &mut tom.key,
        "tom.okafor@council.example",
    )
    .await;
    assert_eq!(
        status, 0,
        "a disabled account's passkey is not even asked for"
    );
    s.finish().await;
}

backend_tests!(sign_out_ends_the_session_on_the_server_and_everywhere_ends_them_all);
async fn sign_out_ends_the_session_on_the_server_and_everywhere_ends_them_all(backend: Backend) {
    let s = Services::start(backend).await;
    let mut m = member(&s, "pat@council.example", "Pat Out", &[Role::Practitioner]).await;
    let mut laptop = m.desk.clone();
    let stolen = laptop.session.clone();

    let csrf = laptop.csrf(&s, "/sign-out").await;
    let page = laptop.post(&s, "/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("You have signed out"));
    assert!(page
        .set_cookie
        .iter()
        .any(|c| c.starts_with(COOKIE) && c.contains("Max-Age=0")));
    // The old cookie, replayed, is worthless: the server ended it.
    let mut replay = Desk { session: stolen };
    assert_eq!(replay.get(&s, "/cases").await.status, 303, "{backend:?}");
    let (_, _, data) = last_ledger(&s.bridge_db, "staff_sign_out").await;
    assert_eq!(data["scope"], "this device");

    // Two devices, then "sign out of all devices" from one of them.
    let mut phone = Desk::default();
    let mut desktop = Desk::default();
    assert_eq!(sign_in(&s, &mut phone, &mut m.key, &m.email).await.0, 200);
    assert_eq!(sign_in(&s, &mut desktop, &mut m.key, &m.email).await.0, 200);
    let mut someone_else = member(
        &s,
        "sam@council.example",
        "Sam Other",
        &[Role::Practitioner],
    )
    .await;
    let csrf = desktop.csrf(&s, "/sign-out-everywhere").await;
    let page = desktop
        .post(&s, "/sign-out-everywhere", &[("csrf", &csrf)])
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(phone.get(&s, "/cases").await.status, 303);
    assert_eq!(desktop.get(&s, "/cases").await.status, 303);
    assert_eq!(
        someone_else.desk.get(&s, "/cases").await.status,
        200,
        "only this member's sessions"
    );
    let (_, _, data) = last_ledger(&s.bridge_db, "staff_sign_out").await;
    assert_eq!(data["scope"], "all devices");
    assert_eq!(data["sessions_ended"], 2);
    s.finish().await;
}

// --- passkeys on the account page -------------------------------------------------
