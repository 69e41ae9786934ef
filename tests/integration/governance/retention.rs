//! Retention, part of tests/governance.rs: a closed case past its period is
//! due and an IG officer's confirmation erases it; a case not closed, or
//! closed within its period, has nothing due.

use content::db::now;
use serde_json::json;
use staff_bridge::config::Retention;
use staff_bridge::governance::erasure::retention::{due, Item};

use super::common::{self, sync};
use super::{desk, portal_id, publication_of, start};
use test_support::{backend_tests, Backend};

/// A one-person case as the case system sends it.
fn case(reference: &str, person: &str, closed_on: Option<&str>) -> serde_json::Value {
    let mut case = json!({
        "case_reference": reference,
        "team": "Riverside Family Support Team",
        "people": [{ "id": format!("{reference}-P1"), "name": person, "role": "child" }],
    });
    if let Some(day) = closed_on {
        case["closed_on"] = day.into();
    }
    case
}

backend_tests!(a_closed_case_past_its_period_is_due_and_confirming_erases_it);
async fn a_closed_case_past_its_period_is_due_and_confirming_erases_it(backend: Backend) {
    let mut c = start(backend).await;
    let s = &c.s;
    let mut demo = common::demo_family();
    // Closed more than six years ago (the default periods).
    demo["closed_on"] = "2019-01-31".into();
    common::import(s, &demo).await;
    let ten_days_ago = content::when::input(now() - 10 * 86_400);
    common::import(s, &case("OPEN-0002", "Alex Open", None)).await;
    common::import(
        s,
        &case("RECENT-0003", "Robin Recent", Some(&ten_days_ago[..10])),
    )
    .await;
    let plan: uuid::Uuid = publication_of(s, "Your plan, Ellie").await.parse().unwrap();

    let listed = due(&s.bridge_db, &Retention::default(), now())
        .await
        .unwrap();
    assert!(listed.contains_item(Item::Publication(plan)));
    assert!(
        listed.iter().all(|d| d.case_reference == "DEMO-0001"),
        "only the case closed long ago: {listed:?}"
    );
    let ellie: uuid::Uuid = portal_id(s, "Ellie Carter").await.parse().unwrap();
    assert!(listed.contains_item(Item::Person(ellie)));
    // Periods are by kind: a plan kept for 10,000 days is not due yet.
    let mut longer = Retention::default();
    longer.kinds.insert("plan".into(), 10_000);
    let listed = due(&s.bridge_db, &longer, now()).await.unwrap();
    assert!(!listed.contains_item(Item::Publication(plan)));

    let page = desk(&mut c.ig).get(s, "/governance/retention").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("DEMO-0001") && page.body.contains("Ellie Carter (family member)"));
    assert!(!page.body.contains("OPEN-0002") && !page.body.contains("RECENT-0003"));
    assert_eq!(
        desk(&mut c.practitioner)
            .get(s, "/governance/retention")
            .await
            .status,
        403
    );
    assert_eq!(
        desk(&mut c.manager)
            .get(s, "/governance/retention")
            .await
            .status,
        403
    );

    // Something not due cannot be erased from here, even by its id.
    let csrf = desk(&mut c.ig).csrf(s, "/governance/retention").await;
    let robin = portal_id(s, "Robin Recent").await;
    let refused = desk(&mut c.ig)
        .post(
            s,
            "/governance/retention",
            &[("csrf", &csrf), ("item", &format!("person:{robin}"))],
        )
        .await;
    assert_eq!(refused.status, 404);
    assert_eq!(
        common::count(
            &s.bridge_db,
            "SELECT COUNT(*) FROM ledger WHERE kind IN ('person_erased', 'publication_erased')"
        )
        .await,
        0
    );

    let token = Item::Publication(plan).token();
    let confirmed = desk(&mut c.ig)
        .post(
            s,
            "/governance/retention",
            &[("csrf", &csrf), ("item", &token)],
        )
        .await;
    assert_eq!(confirmed.status, 303, "{}", confirmed.body);
    sync(s).await;
    let (actor, subject, data) = common::last_ledger(&s.bridge_db, "publication_erased").await;
    assert_eq!(
        (actor.as_deref(), subject.as_deref()),
        (Some(c.ig.id.as_str()), Some(plan.to_string().as_str()))
    );
    assert!(
        data["reason"].as_str().unwrap().starts_with(
            "Retention period ended: 2192 days after case DEMO-0001 closed on 2019-01-31"
        ),
        "{data}"
    );
    let sealed: Vec<String> =
        sqlx::query_scalar("SELECT title FROM publication_versions WHERE publication_id = $1")
            .bind(plan.to_string())
            .fetch_all(&s.portal_db.pool)
            .await
            .unwrap();
    let portal_key = s.portal_sealer();
    assert!(
        !sealed.is_empty()
            && sealed
                .iter()
                .all(|t| portal_key.open(t).unwrap().is_empty())
    );
    let after = desk(&mut c.ig).get(s, "/governance/retention").await;
    assert!(!after.body.contains(&token), "erased, so no longer due");
    assert!(after.body.contains("Ellie Carter (family member)"));
    c.s.finish().await;
}

trait ContainsItem {
    fn contains_item(&self, item: Item) -> bool;
}

impl ContainsItem for Vec<staff_bridge::governance::erasure::retention::Due> {
    fn contains_item(&self, item: Item) -> bool {
        self.iter().any(|d| d.item == item)
    }
}
