//! Reading pages writes nothing: a signed-in family member's pages touch
//! their session at most once a minute and record a visit once per visit,
//! so reads do not queue behind the single SQLite writer.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{activate, in_two_weeks, invite, Browser};
use common::Services;

async fn session_and_visit(s: &Services) -> (i64, Option<i64>) {
    let last_seen: i64 =
        sqlx::query_scalar("SELECT last_seen_at FROM sessions WHERE ended_at IS NULL")
            .fetch_one(&s.portal_db.pool)
            .await
            .unwrap();
    let visit: Option<i64> = sqlx::query_scalar("SELECT last_visit_at FROM people")
        .fetch_one(&s.portal_db.pool)
        .await
        .unwrap();
    (last_seen, visit)
}

backend_tests!(pages_read_within_a_minute_write_nothing);
async fn pages_read_within_a_minute_write_nothing(backend: Backend) {
    let s = Services::start(backend).await;
    let (_, _, code) = invite(&s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    activate(&s, &mut browser, &code, "Sarah", ("21", "11", "1989")).await;
    assert_eq!(browser.get(&s, "/home").await.0, 200);
    // Put the session's last touch 30 seconds back, as if read then.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 30")
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
    let before = session_and_visit(&s).await;
    assert!(before.1.is_some(), "the first home page records the visit");
    for _ in 0..5 {
        assert_eq!(browser.get(&s, "/home").await.0, 200);
    }
    assert_eq!(
        session_and_visit(&s).await,
        before,
        "{backend:?}: five reads wrote nothing"
    );
    // Past a minute, the next request touches the session again.
    sqlx::query("UPDATE sessions SET last_seen_at = last_seen_at - 31")
        .execute(&s.portal_db.pool)
        .await
        .unwrap();
    assert_eq!(browser.get(&s, "/home").await.0, 200);
    let (touched, visit) = session_and_visit(&s).await;
    assert!(touched > before.0, "{backend:?}: touched once a minute");
    assert_eq!(visit, before.1, "the same visit");
    s.finish().await;
}
