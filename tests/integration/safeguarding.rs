//! Safeguarding: removal from the case ends portal access at once, a lost
//! phone stops email sign-in too, a borrowed session cannot take an account
//! over, guesses are limited under concurrency, invitation codes are not in
//! the database in a crackable form, and administrators cannot give
//! themselves powers. Each drives the services as their users and an
//! attacker would.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{self, activate, add_email, Browser, PhonePasskey};
use common::smtp::{code_in, Smtp};
use common::staff::{code_on, member, Member};
use common::{case_person, demo_family, import, last_ledger, sync, Services};
use serde_json::Value;
use staff_bridge::staff::Role;

const SARAH_DOB: (&str, &str, &str) = ("21", "11", "1989");

/// Priya invites a family member with a printed letter; the code on it.
async fn invite_by_letter(s: &Services, priya: &mut Member, person: i64) -> String {
    let csrf = priya.desk.csrf(s, "/cases/DEMO-0001").await;
    let page = priya
        .desk
        .post(
            s,
            &format!("/cases/DEMO-0001/people/{person}/invitations"),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    code_on(&page.body)
}

/// Sarah, invited by Priya through the bridge, started on the portal with a
/// passkey and a verified email.
struct Sarah {
    id: i64,
    portal_id: String,
    browser: Browser,
    phone: PhonePasskey,
}

async fn sarah_uses_familystory(s: &Services, smtp: &Smtp, priya: &mut Member) -> Sarah {
    let (id, portal_id) = case_person(s, "P-103").await;
    let code = invite_by_letter(s, priya, id).await;
    sync(s).await;
    let mut browser = Browser::default();
    let (status, _, location) = activate(s, &mut browser, &code, "Sarah", SARAH_DOB).await;
    assert_eq!((status, location.as_deref()), (303, Some("/account/setup")));
    let mut phone = PhonePasskey::new();
    assert_eq!(
        family::register_passkey(s, &mut browser, &mut phone, "Phone").await,
        200
    );
    add_email(s, smtp, &mut browser, "sarah.carter@example.com").await;
    Sarah {
        id,
        portal_id,
        browser,
        phone,
    }
}

async fn start_with_mail(backend: content::db::Backend, smtp: &Smtp) -> (Services, Member) {
    let s = Services::start_with(backend, |portal, _| portal.mail = Some(smtp.settings())).await;
    import(&s, &demo_family()).await;
    let priya = member(
        &s,
        "priya.shah@council.example",
        "Priya Shah",
        &[Role::Practitioner],
    )
    .await;
    (s, priya)
}

backend_tests!(removal_from_the_case_ends_portal_access_at_once);
async fn removal_from_the_case_ends_portal_access_at_once(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with_mail(backend, &smtp).await;
    let mut sarah = sarah_uses_familystory(&s, &smtp, &mut priya).await;
    // A second invitation, not yet used, is live too.
    let spare = invite_by_letter(&s, &mut priya, sarah.id).await;
    sync(&s).await;
    assert_eq!(sarah.browser.get(&s, "/home").await.0, 200);

    // The case system sends the case again without Sarah.
    let mut case = demo_family();
    case["people"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["id"] != "P-103");
    let outcome = import(&s, &case).await;
    assert_eq!(outcome.removed, 1, "{backend:?}");
    // The import committed the push and the ledger entry with it.
    let pending: Vec<String> =
        sqlx::query_scalar("SELECT path FROM outgoing WHERE sent_at IS NULL")
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    assert_eq!(
        pending,
        [format!(
            "/internal/v1/people/{}/access-ended",
            sarah.portal_id
        )]
    );
    let (actor, subject, data) = last_ledger(&s.bridge_db, "family_access_ended").await;
    assert_eq!(
        (actor, subject.as_deref()),
        (None, Some(sarah.portal_id.as_str()))
    );
    assert_eq!(data["reason"], "no_longer_listed");
    assert_eq!(data["invitations_revoked"], 1);
    sync(&s).await;

    // Her open session shows nothing now.
    let (status, _, location) = sarah.browser.get(&s, "/home").await;
    assert_eq!(
        (status, location.as_deref()),
        (303, Some("/sign-in")),
        "{backend:?}"
    );
    // Her passkey, her email and her spare code all stop working.
    let (status, _) = family::passkey_sign_in(&s, &mut Browser::default(), &mut sarah.phone).await;
    assert_eq!(status, 400);
    let mails = smtp.count();
    Browser::default()
        .post(
            &s,
            "/sign-in/email",
            &[("email", "sarah.carter@example.com")],
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(smtp.count(), mails, "no sign-in code is sent to her");
    let (status, page, _) = activate(&s, &mut Browser::default(), &spare, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 200);
    assert!(page.contains("We could not match these details"));

    // Staff still see her, as removed, and cannot invite her.
    let page = priya.desk.get(&s, "/cases/DEMO-0001").await;
    assert!(
        page.body
            .contains("Sarah Carter was removed from the case on"),
        "{}",
        page.body
    );
    assert!(!page
        .body
        .contains(&format!("/people/{}/invitations", sarah.id)));
    let cases = priya.desk.get(&s, "/cases").await;
    assert!(cases.body.contains("Removed from the case on"));
    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    let refused = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{}/invitations", sarah.id),
            &[("csrf", &csrf), ("delivery", "letter")],
        )
        .await;
    assert_eq!(refused.status, 403);

    // The case system can also say someone has left while still listing them.
    let (daniel, daniel_portal) = case_person(&s, "P-104").await;
    for p in case["people"].as_array_mut().unwrap() {
        if p["id"] == "P-104" {
            p["left_case"] = Value::Bool(true);
        }
    }
    assert_eq!(import(&s, &case).await.removed, 1);
    let (_, subject, data) = last_ledger(&s.bridge_db, "family_access_ended").await;
    assert_eq!(subject.as_deref(), Some(daniel_portal.as_str()));
    assert_eq!(data["reason"], "left_case");
    let removed: Option<i64> =
        sqlx::query_scalar("SELECT removed_at FROM case_people WHERE id = $1")
            .bind(daniel)
            .fetch_one(&s.bridge_db.pool)
            .await
            .unwrap();
    assert!(removed.is_some());
    // Importing the same again changes nothing and records nothing more.
    assert_eq!(import(&s, &case).await.removed, 0);
    assert!(staff_bridge::ledger::verify(&s.bridge_db)
        .await
        .unwrap()
        .is_whole());
    s.finish().await;
}

backend_tests!(a_lost_phone_stops_email_sign_in_until_staff_turn_it_back_on);
async fn a_lost_phone_stops_email_sign_in_until_staff_turn_it_back_on(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with_mail(backend, &smtp).await;
    let mut sarah = sarah_uses_familystory(&s, &smtp, &mut priya).await;
    let email = ("email", "sarah.carter@example.com");

    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{}/revoke-passkeys", sarah.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    sync(&s).await;

    // Whoever has the phone cannot get in by passkey or by email.
    let (status, _) = family::passkey_sign_in(&s, &mut Browser::default(), &mut sarah.phone).await;
    assert_eq!(status, 400, "{backend:?}");
    let mails = smtp.count();
    Browser::default()
        .post(&s, "/sign-in/email", &[email])
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(smtp.count(), mails, "{backend:?}: no code while stopped");
    let page = priya.desk.get(&s, "/cases/DEMO-0001").await;
    assert!(page.body.contains("stops sign-in by email too"));
    assert!(page
        .body
        .contains("Email sign-in has been stopped for Sarah Carter"));

    // Priya has checked with Sarah: email sign-in works again.
    let page = priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{}/restore-email-sign-in", sarah.id),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    let (actor, subject, _) = last_ledger(&s.bridge_db, "family_email_sign_in_restored").await;
    assert_eq!(actor.as_deref(), Some(priya.id.as_str()));
    assert_eq!(subject.as_deref(), Some(sarah.portal_id.as_str()));
    sync(&s).await;
    let mut again = Browser::default();
    again.post(&s, "/sign-in/email", &[email]).await;
    let code = code_in(&smtp.wait_for(mails + 1).await.text, 6).unwrap();
    let (status, _, location) = again
        .post(&s, "/sign-in/code", &[email, ("code", &code)])
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/home")));

    // Another lost phone; this time a new invitation turns it back on.
    let csrf = priya.desk.csrf(&s, "/cases/DEMO-0001").await;
    priya
        .desk
        .post(
            &s,
            &format!("/cases/DEMO-0001/people/{}/revoke-passkeys", sarah.id),
            &[("csrf", &csrf)],
        )
        .await;
    let code = invite_by_letter(&s, &mut priya, sarah.id).await;
    sync(&s).await;
    let (status, _, _) = activate(&s, &mut Browser::default(), &code, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 303);
    let before = smtp.count();
    Browser::default()
        .post(&s, "/sign-in/email", &[email])
        .await;
    smtp.wait_for(before + 1).await;
    s.finish().await;
}

/// Makes the browser's session look as if it began `minutes` ago.
async fn age_sessions(s: &Services, minutes: i64) {
    sqlx::query("UPDATE sessions SET created_at = created_at - $1")
        .bind(minutes * 60)
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
}

backend_tests!(a_borrowed_session_cannot_take_the_account_over);
async fn a_borrowed_session_cannot_take_the_account_over(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with_mail(backend, &smtp).await;
    let mut sarah = sarah_uses_familystory(&s, &smtp, &mut priya).await;
    let mails = smtp.count();

    // Someone picks up her unlocked phone long after she signed in.
    age_sessions(&s, 10).await;
    let (_, account, _) = sarah.browser.get(&s, "/account").await;
    assert!(account.contains("sign in again first"), "{backend:?}");
    assert!(!account.contains("action=\"/account/email\""));
    assert!(!account.contains("action=\"/sign-out-everywhere\""));
    let csrf = family::csrf_in(&account).unwrap();
    let (status, answer) = sarah
        .browser
        .post_json(&s, "/account/passkeys/start", &csrf, serde_json::json!({}))
        .await;
    assert_eq!(status, 403, "no new passkey: {answer}");
    let (status, page, _) = sarah
        .browser
        .post(
            &s,
            "/account/email",
            &[("csrf", &csrf), ("email", "someone.else@example.net")],
        )
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Sign in again first"));
    let (_, page, _) = sarah
        .browser
        .post(&s, "/sign-out-everywhere", &[("csrf", &csrf)])
        .await;
    assert!(page.contains("Sign in again first"));
    assert_eq!(
        sarah.browser.get(&s, "/home").await.0,
        200,
        "still signed in"
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(smtp.count(), mails, "no code went to the other address");

    // Sarah signs in again herself and adds a passkey: her own address
    // is told, and the ledger records it.
    let mut fresh = Browser::default();
    let (status, _) = family::passkey_sign_in(&s, &mut fresh, &mut sarah.phone).await;
    assert_eq!(status, 200);
    let mut tablet = PhonePasskey::new();
    assert_eq!(
        family::register_passkey(&s, &mut fresh, &mut tablet, "Tablet").await,
        200
    );
    let told = smtp.wait_for(mails + 1).await;
    assert_eq!(told.to, ["sarah.carter@example.com"]);
    assert!(told.text.contains("A passkey was added"));
    assert!(!told.text.contains("Carter") && !told.text.contains("DEMO"));
    // Changing the address tells the old one.
    add_email(&s, &smtp, &mut fresh, "sarah.new@example.com").await;
    let told = smtp.wait_for(mails + 3).await;
    assert_eq!(told.to, ["sarah.carter@example.com"]);
    assert!(told
        .text
        .contains("email address for signing in was changed"));
    sync(&s).await;
    let (actor, _, data) = last_ledger(&s.bridge_db, "family_email_verified").await;
    assert_eq!(actor.as_deref(), Some(sarah.portal_id.as_str()));
    assert_eq!(data["changed"], true);
    assert!(!data.to_string().contains("sarah.new"));
    let (actor, _, _) = last_ledger(&s.bridge_db, "family_passkey_added").await;
    assert_eq!(actor.as_deref(), Some(sarah.portal_id.as_str()));
    s.finish().await;
}

backend_tests!(fifty_guesses_at_once_get_five_tries_at_a_code);
async fn fifty_guesses_at_once_get_five_tries_at_a_code(backend: Backend) {
    let smtp = Smtp::start();
    let (s, mut priya) = start_with_mail(backend, &smtp).await;
    let _sarah = sarah_uses_familystory(&s, &smtp, &mut priya).await;
    let email = ("email", "sarah.carter@example.com");
    let before = smtp.count();
    Browser::default()
        .post(&s, "/sign-in/email", &[email])
        .await;
    let code = code_in(&smtp.wait_for(before + 1).await.text, 6).unwrap();
    let guesses: Vec<String> = (0..50)
        .map(|i| format!("{:06}", (code.parse::<u32>().unwrap() + 1 + i) % 1_000_000))
        .collect();
    let attempts = guesses.iter().map(|guess| {
        let s = &s;
        async move {
            Browser::default()
                .post(s, "/sign-in/code", &[email, ("code", guess)])
                .await
                .0
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 200));
    // The code is spent: five guesses were weighed, no more.
    let (status, _, location) = Browser::default()
        .post(&s, "/sign-in/code", &[email, ("code", &code)])
        .await;
    assert_eq!((status, location), (200, None), "{backend:?}");
    sync(&s).await;
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT data FROM ledger WHERE kind = 'family_sign_in_failed' ORDER BY seq",
    )
    .fetch_all(&s.bridge_db.pool)
    .await
    .unwrap();
    let wrong = rows.iter().filter(|d| d.contains("\"wrong\"")).count();
    assert_eq!(wrong, 5, "{backend:?}: exactly five guesses were checked");
    let tries: i64 = sqlx::query_scalar("SELECT MAX(tries) FROM email_codes")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    assert_eq!(tries, 5);
    s.finish().await;
}

backend_tests!(fifty_wrong_checks_of_an_invitation_at_once_spend_it_after_five);
async fn fifty_wrong_checks_of_an_invitation_at_once_spend_it_after_five(backend: Backend) {
    let s = Services::start(backend).await;
    let (person, _, code) =
        family::invite(&s, "Sarah", "Carter", "1989-11-21", family::in_two_weeks()).await;
    let attempts = (0..50).map(|_| {
        let s = &s;
        let code = code.clone();
        async move {
            activate(
                s,
                &mut Browser::default(),
                &code,
                "Sarah",
                ("1", "1", "2000"),
            )
            .await
            .0
        }
    });
    futures::future::join_all(attempts).await;
    let checks: i64 = sqlx::query_scalar("SELECT failed_checks FROM invitations")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    assert_eq!(checks, 5, "{backend:?}");
    let (status, page, _) = activate(&s, &mut Browser::default(), &code, "Sarah", SARAH_DOB).await;
    assert_eq!(status, 200);
    assert!(page.contains("We could not match"));
    // Stored under the portal's own key: neither the code nor the
    // bridge's hash of it is in the portal's database.
    let stored: String = sqlx::query_scalar("SELECT code_hash FROM invitations")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    let parsed = content::invitation::parse(&code).unwrap();
    assert!(stored.starts_with("hmac:"));
    assert_ne!(stored, content::invitation::hash(&parsed));
    assert!(!stored.contains(&parsed));
    let _ = person;
    s.finish().await;
}

backend_tests!(an_administrator_cannot_give_themselves_roles_or_cases);
async fn an_administrator_cannot_give_themselves_roles_or_cases(backend: Backend) {
    let s = Services::start(backend).await;
    import(&s, &demo_family()).await;
    let mut grace = member(&s, "grace.lee@council.example", "Grace Lee", &[Role::Admin]).await;
    let csrf = grace.desk.csrf(&s, "/admin/staff").await;
    let page = grace
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/roles", grace.id),
            &[("csrf", &csrf), ("role", "admin"), ("role", "manager")],
        )
        .await;
    assert!(
        page.body.contains("You cannot change your own roles"),
        "{backend:?}: {}",
        page.body
    );
    let page = grace
        .desk
        .post(
            &s,
            &format!("/admin/staff/{}/grants", grace.id),
            &[("csrf", &csrf), ("reference", "DEMO-0001")],
        )
        .await;
    assert!(page.body.contains("You cannot give yourself a case"));
    let me = staff_bridge::staff::find_by_id(&s.bridge_db, &grace.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.roles, [Role::Admin]);
    let grants: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM case_grants")
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap();
    assert_eq!(grants, 0);
    s.finish().await;
}
