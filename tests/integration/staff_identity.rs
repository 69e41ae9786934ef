//! Staff identity on the bridge, against the running services on both
//! backends: add-staff and enrolment, passkey sign-in with real soft-passkey
//! ceremonies, timeouts, CSRF, rate limits and lockout, case scoping and
//! roles, sign-out, and inviting family members.
//!
//! Cookies are handled here from Set-Cookie, since `__Host-` cookies are
//! Secure and the services run on plain http://localhost.

use crate::common;
use test_support::backend_tests;

use common::smtp::Smtp;
use common::staff::{
    code_on, csrf_in, enrol, member, origin, sign_in, sign_in_options, Desk, Member, COOKIE,
};
use common::{backends, count, import, last_ledger, Services};
use content::db::{now, Backend, Db};
use serde_json::{json, Value};
use staff_bridge::staff::{self, Delivery, NewStaff, Role};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{AllowCredentials, CreationChallengeResponse, RequestChallengeResponse};

/// Answers `email`'s sign-in with someone else's real passkey, as an attacker
/// holding another key would.
async fn sign_in_with_other_key(
    s: &Services,
    desk: &mut Desk,
    other: &mut Member,
    email: &str,
) -> (u16, Value) {
    let (status, start) = sign_in_options(s, desk, email).await;
    if status != 200 {
        return (status, start);
    }
    let mut options: RequestChallengeResponse =
        serde_json::from_value(start["options"].clone()).unwrap();
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".into(),
        id: other.credential.clone(),
        transports: None,
    }];
    let credential = other.key.do_authentication(origin(s), options).unwrap();
    desk.json(
        s,
        "/sign-in/passkey/finish",
        "",
        json!({ "ceremony": start["ceremony"], "credential": credential }),
    )
    .await
}

async fn ledger_count(db: &Db, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE kind = $1")
        .bind(kind)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// A second family on another team, with another worker.
fn other_family() -> Value {
    json!({
        "case_reference": "NORTH-0002",
        "team": "Northgate Children's Team",
        "people": [
            { "id": "P-1", "name": "Mia Jones", "date_of_birth": "2015-03-02", "role": "child" },
            { "id": "P-2", "name": "Kerry Jones", "date_of_birth": "1985-07-09", "role": "parent", "email": "kerry.jones@example.net" }
        ],
        "professionals": [
            { "id": "W-1", "name": "Sam Patel", "role": "Social worker", "email": "sam.patel@council.example" }
        ]
    })
}

// --- enrolment and sign-in ------------------------------------------------------

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

/// The queued pushes, their bodies opened with the bridge's key.
async fn outgoing_paths(db: &Db) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT path, body FROM outgoing ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(path, body)| (path, db.unseal(&body).unwrap()))
        .collect()
}

/// Every table and column of the bridge's database holding `needle`.
async fn tables_containing(db: &Db, needle: &str) -> Vec<String> {
    let tables: Vec<String> = match db.backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&db.pool)
            .await
            .unwrap(),
        Backend::Postgres => sqlx::query_scalar("SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_all(&db.pool)
            .await
            .unwrap(),
    };
    assert!(tables.len() > 10, "{tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> = match db.backend {
            Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&db.pool)
                .await
                .unwrap(),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(&table)
            .fetch_all(&db.pool)
            .await
            .unwrap(),
        };
        for column in columns {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE UPPER(CAST(\"{column}\" AS TEXT)) LIKE $1"
            ))
            .bind(format!("%{needle}%"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

/// Undoes quoted-printable's `=XX` escapes (soft line breaks are already gone).
fn quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Some(Ok(b)) = text
                .get(i + 1..i + 3)
                .map(|hex| u8::from_str_radix(hex, 16))
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

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
