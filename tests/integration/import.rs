//! Case import, through the bridge's API and the command line, on both backends.

use crate::common;
use test_support::{backend_tests, Backend};

use common::{count, demo_family, Services, IMPORT_TOKEN};
use serde_json::{json, Value};

async fn post_case(s: &Services, body: &str, token: Option<&str>) -> (u16, Value) {
    let mut request = s
        .http
        .post(format!("{}/api/v1/cases", s.bridge_url))
        .body(body.to_string());
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

backend_tests!(a_case_imports_and_reimporting_updates_it_without_duplicates);
async fn a_case_imports_and_reimporting_updates_it_without_duplicates(backend: Backend) {
    let s = Services::start(backend).await;
    let family = demo_family();
    let (status, outcome) = post_case(&s, &family.to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 201, "{backend:?}: {outcome}");
    assert_eq!(outcome["created"], true);
    assert_eq!(outcome["people"], 6);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_people").await,
        6
    );
    let before = staff_bridge::import::people_of(&s.bridge_db, "DEMO-0001")
        .await
        .unwrap();

    // The same case again: updated in place.
    let (status, outcome) = post_case(&s, &family.to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 200, "{backend:?}");
    assert_eq!(outcome["created"], false);
    assert_eq!(count(&s.bridge_db, "SELECT COUNT(*) FROM cases").await, 1);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_people").await,
        6
    );
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_documents").await,
        2
    );
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_meetings").await,
        2
    );

    // The case system renames someone, drops a meeting and adds a document.
    let mut changed = family.clone();
    changed["people"][0]["name"] = json!("Ellie Carter-Brooks");
    changed["meetings"].as_array_mut().unwrap().pop();
    changed["documents"].as_array_mut().unwrap().push(json!({
        "id": "D-303", "title": "Letter about the review", "kind": "letter",
        "date": "2026-11-20", "body": "Dear Sarah, the review is on 10 December."
    }));
    let (status, _) = post_case(&s, &changed.to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 200);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_people").await,
        6
    );
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_meetings").await,
        1
    );
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_documents").await,
        3
    );
    let after = staff_bridge::import::people_of(&s.bridge_db, "DEMO-0001")
        .await
        .unwrap();
    let ellie_before = before.iter().find(|p| p.source_id == "P-101").unwrap();
    let ellie_after = after.iter().find(|p| p.source_id == "P-101").unwrap();
    assert_eq!(ellie_after.name, "Ellie Carter-Brooks");
    assert_eq!(
        ellie_after.portal_id, ellie_before.portal_id,
        "a person keeps their identity across imports"
    );
    s.finish().await;
}

backend_tests!(an_invalid_case_is_rejected_whole_with_every_problem_by_path);
async fn an_invalid_case_is_rejected_whole_with_every_problem_by_path(backend: Backend) {
    let s = Services::start(backend).await;
    let mut bad = demo_family();
    bad.as_object_mut().unwrap().remove("team");
    bad["people"][1]["role"] = json!("cousin");
    bad["people"][2]["date_of_birth"] = json!("21/11/1989");
    bad["people"][3]["id"] = json!("P-101");
    bad["people"][4]["email"] = json!("not-an-email");
    bad["people"][5]["nickname"] = json!("Nan");
    bad["documents"][0]["body"] = json!(42);
    bad["meetings"][0]["date"] = json!("next Tuesday");
    let (status, answer) = post_case(&s, &bad.to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 422, "{backend:?}: {answer}");
    let paths: Vec<&str> = answer["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for expected in [
        "$.team",
        "$.people[1].role",
        "$.people[2].date_of_birth",
        "$.people[3].id",
        "$.people[4].email",
        "$.people[5].nickname",
        "$.documents[0].body",
        "$.meetings[0].date",
    ] {
        assert!(
            paths.contains(&expected),
            "{expected} missing from {paths:?}"
        );
    }
    assert_eq!(paths.len(), 8, "exactly the problems made: {paths:?}");
    assert_eq!(count(&s.bridge_db, "SELECT COUNT(*) FROM cases").await, 0);
    assert_eq!(
        count(&s.bridge_db, "SELECT COUNT(*) FROM case_people").await,
        0
    );

    // A bad re-import leaves the stored case exactly as it was.
    let (status, _) = post_case(&s, &demo_family().to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 201);
    let mut half_bad = demo_family();
    half_bad["people"][0]["name"] = json!("Someone Else");
    half_bad["meetings"][1]["place"] = json!("");
    let (status, answer) = post_case(&s, &half_bad.to_string(), Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 422);
    assert_eq!(answer["problems"][0]["path"], "$.meetings[1].place");
    let people = staff_bridge::import::people_of(&s.bridge_db, "DEMO-0001")
        .await
        .unwrap();
    assert!(people.iter().any(|p| p.name == "Ellie Carter"));

    let (status, answer) = post_case(&s, "{\"case_reference\": ", Some(IMPORT_TOKEN)).await;
    assert_eq!(status, 422);
    assert_eq!(answer["problems"][0]["path"], "$");
    s.finish().await;
}

backend_tests!(the_import_api_refuses_callers_without_the_token);
async fn the_import_api_refuses_callers_without_the_token(backend: Backend) {
    let s = Services::start(backend).await;
    let body = demo_family().to_string();
    assert_eq!(post_case(&s, &body, None).await.0, 401);
    assert_eq!(
        post_case(
            &s,
            &body,
            Some("a wrong token that is also long enough to pass")
        )
        .await
        .0,
        401
    );
    assert_eq!(post_case(&s, &body, Some("")).await.0, 401);
    assert_eq!(count(&s.bridge_db, "SELECT COUNT(*) FROM cases").await, 0);
    s.finish().await;
}

#[test]
fn the_import_command_reports_success_and_lists_problems() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    std::fs::write(&good, demo_family().to_string()).unwrap();
    let run = |file: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_familystory"))
            .args(["import"])
            .arg(file)
            .arg("--data-dir")
            .arg(dir.path())
            .output()
            .unwrap()
    };
    let first = run(&good);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("Imported case DEMO-0001: 6 people"));
    let second = run(&good);
    assert!(String::from_utf8_lossy(&second.stdout).contains("Updated case DEMO-0001"));

    let mut bad = demo_family();
    bad["people"][0]["role"] = json!("aunt");
    let bad_file = dir.path().join("bad.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let third = run(&bad_file);
    assert_eq!(third.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&third.stderr);
    assert!(
        stderr.contains("$.people[0].role: must be one of"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was changed"));
}
