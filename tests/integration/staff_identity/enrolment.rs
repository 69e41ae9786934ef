use super::*;

backend_tests!(add_staff_enrol_and_sign_in_with_the_same_passkey);
async fn add_staff_enrol_and_sign_in_with_the_same_passkey(backend: Backend) {
    let s = Services::start(backend).await;

    // The library function behind `bridge add-staff`, without mail: the link.
    let (admin, delivery) = staff::add_and_enrol(
        &s.bridge_db,
        None,
        &s.bridge_url,
        &NewStaff {
            email: " Alex.Admin@Council.example ".into(),
            name: "Alex Admin".into(),
            roles: vec![Role::Admin],
        },
        None,
        now(),
    )
    .await
    .unwrap();
    assert_eq!(admin.email, "alex.admin@council.example");
    let Delivery::ShowLink(link) = delivery else {
        panic!("no mail configured: the link is handed back")
    };
    let token = link
        .strip_prefix(&format!("{}/enrol/", s.bridge_url))
        .expect("a link to this bridge")
        .to_string();
    assert_eq!(token.len(), 64);
    assert_eq!(
        count(
            &s.bridge_db,
            &format!("SELECT COUNT(*) FROM enrolments WHERE token_hash = '{token}'")
        )
        .await,
        0,
        "{backend:?}: the token is stored only hashed"
    );
    let (_, subject, data) = last_ledger(&s.bridge_db, "account_change").await;
    assert_eq!(subject.as_deref(), Some(admin.id.as_str()));
    assert_eq!(data["change"], "staff_added");

    // The enrolment page, then a real registration ceremony.
    let mut desk = Desk::default();
    let page = desk.get(&s, &format!("/enrol/{token}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-passkey=\"register\""));
    assert!(
        page.body.contains("cannot use passkeys"),
        "says what to do without passkeys"
    );
    let mut key = SoftPasskey::new(true);
    let (status, body, _) = enrol(&s, &mut desk, &mut key, &token, "Work laptop").await;
    assert_eq!(
        (status, body),
        (200, json!({ "redirect": "/cases" })),
        "{backend:?}"
    );
    let enrolled_session = desk.session.clone().expect("signed in");
    assert_eq!(desk.get(&s, "/cases").await.status, 200);

    // The link works once.
    assert_eq!(desk.get(&s, &format!("/enrol/{token}")).await.status, 404);
    let mut again = Desk::default();
    let (status, _, _) = enrol(&s, &mut again, &mut SoftPasskey::new(true), &token, "x").await;
    assert_eq!(status, 404);
    assert_eq!(
        count(
            &s.bridge_db,
            &format!(
                "SELECT COUNT(*) FROM staff_passkeys WHERE staff_id = '{}'",
                admin.id
            )
        )
        .await,
        1
    );

    // Signing in with the same passkey: a new session, with a new id.
    let mut laptop = Desk::default();
    let response = {
        let (status, start) = sign_in_options(&s, &mut laptop, "alex.admin@council.example").await;
        assert_eq!(status, 200);
        let options: RequestChallengeResponse =
            serde_json::from_value(start["options"].clone()).unwrap();
        let credential = key.do_authentication(origin(&s), options).unwrap();
        s.http
            .post(format!("{}/sign-in/passkey/finish", s.bridge_url))
            .header("origin", &s.bridge_url)
            .json(&json!({ "ceremony": start["ceremony"], "credential": credential }))
            .send()
            .await
            .unwrap()
    };
    let cookies = laptop.take_cookies(&response);
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({ "redirect": "/cases" })
    );
    let cookie = cookies
        .iter()
        .find(|c| c.starts_with(COOKIE))
        .expect("a session cookie");
    for part in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Domain"));
    assert_ne!(laptop.session.as_ref(), Some(&enrolled_session));
    let account = laptop.get(&s, "/account").await;
    assert_eq!(account.status, 200);
    assert!(account.body.contains("Work laptop") && account.body.contains("Alex Admin"));
    let (actor, _, data) = last_ledger(&s.bridge_db, "staff_sign_in").await;
    assert_eq!(actor.as_deref(), Some(admin.id.as_str()));
    assert_eq!(data["ip"], "127.0.0.1");
    assert_eq!(data["method"], "passkey");

    // Someone else's real passkey does not open this account.
    let mut other = member(
        &s,
        "blake.other@council.example",
        "Blake Other",
        &[Role::Practitioner],
    )
    .await;
    let mut attacker = Desk::default();
    let (status, body) =
        sign_in_with_other_key(&s, &mut attacker, &mut other, "alex.admin@council.example").await;
    assert_eq!(status, 401, "{body}");
    assert!(attacker.session.is_none());
    let (_, subject, data) = last_ledger(&s.bridge_db, "staff_sign_in_failed").await;
    assert_eq!(subject.as_deref(), Some(admin.id.as_str()));
    assert_eq!(data["ip"], "127.0.0.1");
    assert_eq!(data["account"], "alex.admin@council.example");
    assert!(data["user_agent"].is_string() || data["user_agent"].is_null());

    // An unknown address gets the same pages and the same shape of answer.
    let mut stranger = Desk::default();
    let known = stranger
        .post(&s, "/sign-in", &[("email", "alex.admin@council.example")])
        .await;
    let unknown = stranger
        .post(&s, "/sign-in", &[("email", "nobody@council.example")])
        .await;
    assert_eq!(known.status, unknown.status);
    assert_eq!(
        known
            .body
            .replace("alex.admin", "X")
            .replace("alex.admin%40", "X"),
        unknown
            .body
            .replace("nobody", "X")
            .replace("nobody%40", "X")
    );
    let (known_status, known_options) =
        sign_in_options(&s, &mut stranger, "alex.admin@council.example").await;
    let (unknown_status, unknown_options) =
        sign_in_options(&s, &mut stranger, "nobody@council.example").await;
    assert_eq!((known_status, unknown_status), (200, 200));
    assert_eq!(
        shape(&known_options),
        shape(&unknown_options),
        "{known_options} / {unknown_options}"
    );
    assert_eq!(
        unknown_options["options"]["publicKey"]["allowCredentials"],
        sign_in_options(&s, &mut stranger, "nobody@council.example")
            .await
            .1["options"]["publicKey"]["allowCredentials"],
        "the decoy is stable for an address"
    );
    let (status, _) =
        sign_in_with_other_key(&s, &mut stranger, &mut other, "nobody@council.example").await;
    assert_eq!(status, 401);

    // An expired link.
    let (_, expiring) = staff::add(
        &s.bridge_db,
        &NewStaff {
            email: "casey@council.example".into(),
            name: "Casey Late".into(),
            roles: vec![Role::Manager],
        },
        None,
        now(),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE enrolments SET expires_at = $1")
        .bind(now() - 1)
        .execute(&s.bridge_db.pool)
        .await
        .unwrap();
    let page = Desk::default().get(&s, &format!("/enrol/{expiring}")).await;
    assert_eq!(page.status, 404);
    assert!(page.body.contains("ask an administrator"));
    let (status, _, _) = enrol(
        &s,
        &mut Desk::default(),
        &mut SoftPasskey::new(true),
        &expiring,
        "x",
    )
    .await;
    assert_eq!(status, 404);

    // A guessed token.
    let guess = "0".repeat(64);
    assert_eq!(
        Desk::default()
            .get(&s, &format!("/enrol/{guess}"))
            .await
            .status,
        404
    );

    s.finish().await;
}

/// The keys of a JSON value, recursively, with the values left out.
fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        Value::String(s) => json!(format!("string of {}", s.len().min(40) / 10)),
        other => json!(other.to_string().len()),
    }
}

#[tokio::test]
async fn add_staff_command_prints_the_link_or_uses_the_config() {
    // --data-dir: the demo's SQLite file, link printed.
    let dir = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        std::process::Command::new(env!("CARGO_BIN_EXE_familystory"))
            .args(args)
            .env_remove("RUST_LOG")
            .output()
            .unwrap()
    };
    let args = |extra: &[&str]| -> Vec<String> {
        [
            "bridge",
            "add-staff",
            "--email",
            "First.Admin@council.example",
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--role",
            "manager",
        ]
        .iter()
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
    };
    let output = run(args(&["--data-dir", dir.path().to_str().unwrap()]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let token = stdout
        .split("http://localhost:8081/enrol/")
        .nth(1)
        .expect("the link is printed")
        .trim()
        .to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));

    let db = staff_bridge::open_db(&content::db::sqlite_url(&dir.path().join("bridge.db")))
        .await
        .unwrap();
    let member = staff::find_by_email(&db, "first.admin@council.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(member.roles, vec![Role::Manager, Role::Admin]);
    assert!(staff::enrolment(&db, &token, now())
        .await
        .unwrap()
        .is_some());
    db.pool.close().await;

    // The same address again: nobody is added.
    let output = run(args(&["--data-dir", dir.path().to_str().unwrap()]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("already"));
    // An unknown role.
    let output = run(vec![
        "bridge".into(),
        "add-staff".into(),
        "--email".into(),
        "x@council.example".into(),
        "--name".into(),
        "X".into(),
        "--role".into(),
        "root".into(),
        "--data-dir".into(),
        dir.path().to_str().unwrap().into(),
    ]);
    assert_eq!(output.status.code(), Some(2));

    // --config: every backend, through the settings file.
    for backend in backends() {
        let scratch = test_support::scratch::create(backend).await;
        let config = dir.path().join(format!("bridge-{backend:?}.toml"));
        std::fs::write(
            &config,
            format!(
                "database_url = {:?}\nportal_internal_url = \"http://127.0.0.1:9\"\nsync_secret = {:?}\npublic_url = \"https://staff.council.example\"\nportal_public_url = \"https://familystory.council.example\"\nkey_file = {:?}\n",
                scratch.url,
                common::SECRET,
                dir.path().join("bridge.key")
            ),
        )
        .unwrap();
        let output = run(args(&["--config", config.to_str().unwrap()]));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{backend:?}: {stdout} {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("https://staff.council.example/enrol/"),
            "{stdout}"
        );
        let db = staff_bridge::open_db(&scratch.url).await.unwrap();
        assert_eq!(count(&db, "SELECT COUNT(*) FROM staff").await, 1);
        assert_eq!(
            count(
                &db,
                "SELECT COUNT(*) FROM ledger WHERE kind = 'account_change'"
            )
            .await,
            1
        );
        db.pool.close().await;
        drop(scratch);
    }
    // The service itself still starts as `bridge --config F` (clap accepts it).
    let output = run(vec!["bridge".into(), "--help".into()]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("add-staff"));
}

backend_tests!(the_enrolment_email_goes_through_smtp_and_holds_only_the_link);
async fn the_enrolment_email_goes_through_smtp_and_holds_only_the_link(backend: Backend) {
    let smtp = Smtp::start();
    let settings = smtp.settings();
    let s = Services::start_with(backend, |_, bridge| bridge.mail = Some(settings)).await;
    import(&s, &common::demo_family()).await;
    let mut admin = member(
        &s,
        "alex.admin@council.example",
        "Alex Admin",
        &[Role::Admin],
    )
    .await;

    // An admin adds a practitioner from the bridge's own page.
    let csrf = admin.desk.csrf(&s, "/admin/staff").await;
    let page = admin
        .desk
        .post(
            &s,
            "/admin/staff",
            &[
                ("csrf", &csrf),
                ("name", "Priya Shah"),
                ("email", "priya.shah@council.example"),
                ("role", "practitioner"),
            ],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("We have emailed Priya Shah"));
    let mail = smtp.wait_for(1).await;
    assert_eq!(mail.to, vec!["priya.shah@council.example".to_string()]);
    let token = mail
        .text
        .split(&format!("{}/enrol/", s.bridge_url))
        .nth(1)
        .expect("the link")
        .chars()
        .take(64)
        .collect::<String>();
    assert_eq!(token.len(), 64);
    for record in [
        "DEMO-0001",
        "Ellie",
        "Carter",
        "Willow",
        "protection",
        "Riverside",
    ] {
        assert!(
            !mail.text.contains(record),
            "{backend:?}: the email holds {record:?}"
        );
    }
    let (_, _, data) = last_ledger(&s.bridge_db, "account_change").await;
    assert_eq!(data["change"], "staff_added");
    assert_eq!(data["by"], "admin");

    // The emailed link works.
    let mut desk = Desk::default();
    let (status, _, _) = enrol(&s, &mut desk, &mut SoftPasskey::new(true), &token, "Laptop").await;
    assert_eq!(status, 200);
    assert!(desk.get(&s, "/cases").await.body.contains("DEMO-0001"));
    s.finish().await;
}

// --- sessions ---------------------------------------------------------------------

backend_tests!(idle_and_absolute_timeouts_end_sessions);
async fn idle_and_absolute_timeouts_end_sessions(backend: Backend) {
    let s = Services::start(backend).await;
    let mut m = member(&s, "pat@council.example", "Pat Idle", &[Role::Practitioner]).await;
    assert_eq!(m.desk.get(&s, "/cases").await.status, 200);

    // 31 minutes without a request: past the 30-minute idle limit.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 1860 WHERE subject = $1")
        .bind(&m.id)
        .execute(&s.bridge_db.pool)
        .await
        .unwrap();
    let page = m.desk.get(&s, "/cases").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/sign-in")),
        "{backend:?}"
    );
    assert_eq!(
        count(
            &s.bridge_db,
            &format!(
                "SELECT COUNT(*) FROM sessions WHERE subject = '{}' AND ended_at IS NULL",
                m.id
            )
        )
        .await,
        0,
        "ended on the server"
    );

    // 29 minutes idle is fine, and each request counts as activity.
    let (status, _) = sign_in(&s, &mut m.desk, &mut m.key, &m.email).await;
    assert_eq!(status, 200);
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 1740 WHERE subject = $1 AND ended_at IS NULL")
        .bind(&m.id)
        .execute(&s.bridge_db.pool)
        .await
        .unwrap();
    assert_eq!(m.desk.get(&s, "/cases").await.status, 200);

    // The absolute limit holds however active the session is.
    sqlx::query("UPDATE sessions SET expires_at = $1 WHERE subject = $2 AND ended_at IS NULL")
        .bind(now() - 1)
        .bind(&m.id)
        .execute(&s.bridge_db.pool)
        .await
        .unwrap();
    let page = m.desk.get(&s, "/cases").await;
    assert_eq!(
        (page.status, page.location.as_deref()),
        (303, Some("/sign-in"))
    );
    assert_eq!(
        count(
            &s.bridge_db,
            &format!(
                "SELECT COUNT(*) FROM sessions WHERE subject = '{}' AND ended_at IS NULL",
                m.id
            )
        )
        .await,
        0
    );
    // The 12-hour limit is the one configured.
    let (status, _) = sign_in(&s, &mut m.desk, &mut m.key, &m.email).await;
    assert_eq!(status, 200);
    let (created, expires): (i64, i64) = sqlx::query_as(
        "SELECT created_at, expires_at FROM sessions WHERE subject = $1 AND ended_at IS NULL",
    )
    .bind(&m.id)
    .fetch_one(&s.bridge_db.pool)
    .await
    .unwrap();
    assert_eq!(expires - created, 12 * 3600);
    s.finish().await;
}
