//! Several portal instances on one PostgreSQL, as a council runs them behind
//! its load balancer: a family member signs in on one and reads on the
//! other; the bridge pushes to one and both show it; events written through
//! both reach the bridge in order, each once; a signed request accepted by
//! one is refused by the other (the nonces are shared).

use crate::common;

use common::family::{activate, in_two_weeks, invite, send, Browser, COOKIE};
use common::Services;
use content::db::now;
use content::sync::PublicationPush;
use uuid::Uuid;

/// A second portal instance on the same database, key and secret.
async fn second_instance(s: &Services) -> (String, String) {
    let public = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let internal = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut config = s.portal_config.clone();
    config.public_addr = public.local_addr().unwrap();
    config.internal_addr = internal.local_addr().unwrap();
    let urls = (
        format!("http://{}", config.public_addr),
        format!("http://{}", config.internal_addr),
    );
    let portal = portal::Portal::new(&config).await.unwrap();
    tokio::spawn(portal.serve(public, internal, std::future::pending()));
    urls
}

/// A page from instance `base`, as the load balancer forwards it: the
/// public host is the one the family member typed.
async fn get_via(s: &Services, base: &str, path: &str, cookie: &str) -> (u16, String) {
    let public_host = s.portal_url.trim_start_matches("http://").to_string();
    let response = s
        .http
        .get(format!("{base}{path}"))
        .header("x-forwarded-host", public_host)
        .header("cookie", format!("{COOKIE}={cookie}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn two_portal_instances_share_one_postgresql() {
    if !test_support::postgres_wanted() {
        return;
    }
    let s = Services::start(content::db::Backend::Postgres).await;
    let (other, other_internal) = second_instance(&s).await;

    // Signed in on the first instance, reading on the second.
    let (person, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", ("21", "11", "1989")).await;
    let cookie = browser.session.clone().expect("signed in on the first");
    let (status, home) = get_via(&s, &other, "/home", &cookie).await;
    assert_eq!(status, 200, "{home}");
    assert!(
        home.contains("Hello, Sarah"),
        "the second instance knows her session"
    );

    // The bridge pushes to the first; both show it.
    let mut items = Vec::new();
    for title in ["A letter about school", "A letter about Saturdays"] {
        let id = Uuid::new_v4();
        let push = PublicationPush {
            version: 1,
            kind: "letter".into(),
            title: title.into(),
            body_markdown: format!("{title}, for Sarah."),
            audience: vec![person],
            published_at: now(),
            meeting_at: None,
            in_reply_to: None,
        };
        send(&s, &format!("/internal/v1/publications/{id}"), &push).await;
        items.push(id);
    }
    for base in [s.portal_url.as_str(), other.as_str()] {
        let (_, home) = get_via(&s, base, "/home", &cookie).await;
        assert!(
            home.contains("A letter about school") && home.contains("A letter about Saturdays"),
            "{base}"
        );
    }

    // Views written through both instances, at once: the outbox keeps them
    // in order and the bridge stores each once.
    let (first, second) = (
        format!("/items/{}", items[0]),
        format!("/items/{}", items[1]),
    );
    let (a, b) = tokio::join!(
        get_via(&s, &s.portal_url, &first, &cookie),
        get_via(&s, &other, &second, &cookie),
    );
    assert_eq!((a.0, b.0), (200, 200));
    common::sync(&s).await;
    let seqs: Vec<i64> =
        sqlx::query_scalar("SELECT portal_seq FROM family_events ORDER BY portal_seq")
            .fetch_all(&s.bridge_db.pool)
            .await
            .unwrap();
    let written = common::count(&s.portal_db, "SELECT COUNT(*) FROM outbox").await;
    assert_eq!(
        seqs.len() as i64,
        written,
        "every event reached the bridge, once"
    );
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    let views = common::count(
        &s.bridge_db,
        "SELECT COUNT(*) FROM family_events WHERE kind = 'publication_viewed'",
    )
    .await;
    assert_eq!(views, 2, "one view through each instance");

    // A signed request accepted by one instance is a replay to the other.
    let path = format!("/internal/v1/publications/{}/withdrawal", Uuid::new_v4());
    let body = serde_json::to_vec(&content::sync::WithdrawalPush {
        withdrawn_at: now(),
    })
    .unwrap();
    let headers = s.key().headers("PUT", &path, &body, now());
    let mut answers = Vec::new();
    for base in [s.internal_url.as_str(), other_internal.as_str()] {
        let mut request = s.http.put(format!("{base}{path}")).body(body.clone());
        for (name, value) in &headers {
            request = request.header(*name, value);
        }
        answers.push(request.send().await.unwrap().status().as_u16());
    }
    assert_eq!(answers, [204, 401], "the nonce is shared between instances");
    s.finish().await;
}
