//! The publishing rules, tested as plain functions.

use super::*;

fn family() -> Vec<FamilyMember> {
    vec![
        FamilyMember {
            id: 1,
            name: "Ellie Carter".into(),
            aliases: vec!["Els".into()],
            role: "child".into(),
            removed: false,
        },
        FamilyMember {
            id: 2,
            name: "Sarah Carter".into(),
            aliases: vec!["Mum".into()],
            role: "parent".into(),
            removed: false,
        },
        FamilyMember {
            id: 3,
            name: "Daniel Brooks".into(),
            aliases: vec!["Dan".into()],
            role: "parent".into(),
            removed: false,
        },
        FamilyMember {
            id: 4,
            name: "Liam Walsh".into(),
            aliases: vec![],
            role: "partner".into(),
            removed: false,
        },
    ]
}

fn member(id: &str, roles: &[Role]) -> StaffMember {
    StaffMember {
        id: id.into(),
        email: format!("{id}@council.example"),
        name: id.into(),
        roles: roles.to_vec(),
        created_at: 0,
        disabled_at: None,
    }
}

fn checked(title: &str, body: &str, audience: &[i64]) -> (String, Vec<Item>) {
    let audience: HashSet<i64> = audience.iter().copied().collect();
    let text = checked_text(title, body);
    let request = check_request(&text, None, &family(), &audience, &["Priya Shah".into()]);
    let findings = content::check::check(&request).findings;
    let items = review(&text, findings, &family(), &audience, &HashMap::new());
    (text, items)
}

#[test]
fn the_check_flags_people_outside_the_audience_only() {
    let (_, items) = checked("Plan", "Sarah and Liam Walsh met Priya Shah.", &[2]);
    let texts: Vec<&str> = items.iter().map(|i| i.finding.text.as_str()).collect();
    assert_eq!(texts, ["Liam Walsh"]);
    assert_eq!(items[0].person, Some(4));
    let (_, items) = checked("Plan", "Sarah and Liam Walsh met Priya Shah.", &[3]);
    let texts: Vec<&str> = items.iter().map(|i| i.finding.text.as_str()).collect();
    assert_eq!(texts, ["Sarah", "Liam Walsh"]);
    assert_eq!(items[0].person, Some(2));
}

#[test]
fn a_sentence_is_bounded_by_full_stops_and_lines() {
    let text = "First one. Liam came round on 12.3 at noon. Next\nline two";
    let at = text.find("Liam").unwrap();
    let (s, e) = sentence_bounds(text, at, at + 4);
    assert_eq!(&text[s..e], "Liam came round on 12.3 at noon.");
    let at = text.find("two").unwrap();
    let (s, e) = sentence_bounds(text, at, at + 3);
    assert_eq!(&text[s..e], "line two");
}

#[test]
fn keys_survive_edits_elsewhere_but_not_in_the_sentence() {
    let (text, items) = checked("Plan", "Liam Walsh was there.\n\nAll fine.", &[2]);
    let (text2, items2) = checked(
        "Plan",
        "A new opening line.\n\nLiam Walsh was there.\n\nAll fine.",
        &[2],
    );
    assert_ne!(text, text2);
    assert_eq!(items[0].key, items2[0].key);
    let (_, items3) = checked("Plan", "Liam Walsh was not there.", &[2]);
    assert_ne!(items[0].key, items3[0].key);
    // The same name twice in one sentence: two keys.
    let (_, twice) = checked("Plan", "Liam and Liam again.", &[2]);
    assert_eq!(twice.len(), 2);
    assert_ne!(twice[0].key, twice[1].key);
}

#[test]
fn nothing_open_may_be_submitted() {
    let (_, mut items) = checked("Plan", "Liam Walsh phoned on 07700 900123.", &[2]);
    assert_eq!(items.len(), 2);
    assert_eq!(
        can_submit(Status::Draft, &items, 1),
        Err(SubmitError::OpenFindings(2))
    );
    items[0].decision = Some(Decision::Redact);
    assert_eq!(
        can_submit(Status::Draft, &items, 1),
        Err(SubmitError::OpenFindings(1))
    );
    items[1].decision = Some(Decision::Keep("the office number".into()));
    assert_eq!(can_submit(Status::Draft, &items, 1), Ok(()));
    assert_eq!(
        can_submit(Status::Draft, &items, 0),
        Err(SubmitError::NoAudience)
    );
    assert_eq!(
        can_submit(Status::Submitted, &items, 1),
        Err(SubmitError::NotEditable)
    );
    assert_eq!(can_submit(Status::Returned, &items, 1), Ok(()));
}

#[test]
fn redacting_leaves_a_marker_that_says_why() {
    let (_, mut items) = checked(
        "Plan for Liam",
        "Sarah lives at 14 Willow Crescent, Riverside RV4 2QT with Liam Walsh.",
        &[3],
    );
    for item in &mut items {
        item.decision = Some(match item.finding.text.as_str() {
            "Sarah" => Decision::Keep("Daniel knows Sarah".into()),
            _ => Decision::Redact,
        });
    }
    let (title, body) = published(
        "Plan for Liam",
        "Sarah lives at 14 Willow Crescent, Riverside RV4 2QT with Liam Walsh.",
        &items,
    );
    assert_eq!(title, "Plan for [removed: this is about someone else]");
    assert_eq!(
        body,
        "Sarah lives at \\[removed: an address that is kept private\\] with \\[removed: this is about someone else\\]."
    );
    let html = content::render::markdown_to_safe_html(&body);
    assert!(
        html.contains("[removed: an address that is kept private]"),
        "{html}"
    );
    assert!(!html.contains("Willow") && !html.contains("Liam"));
    assert!(!html.contains("<a"));
}

#[test]
fn a_marker_is_never_a_link() {
    let body = "Liam(see notes) and [x]: https://example.org";
    let (_, mut items) = checked("T", body, &[2]);
    for item in &mut items {
        item.decision = Some(Decision::Redact);
    }
    let (_, out) = published("T", body, &items);
    let html = content::render::markdown_to_safe_html(&out);
    assert!(
        html.contains("[removed: this is about someone else](see notes)"),
        "{html}"
    );
}

#[test]
fn a_person_is_recognised_by_name_alias_or_part() {
    let audience: HashSet<i64> = [1].into();
    let f = |text: &str| Finding {
        kind: FindingKind::Person,
        start: 0,
        end: text.len(),
        text: text.into(),
    };
    assert_eq!(person_of(&f("Liam"), &family(), &audience), Some(4));
    assert_eq!(person_of(&f("Liam Walsh's"), &family(), &audience), Some(4));
    assert_eq!(person_of(&f("Dan"), &family(), &audience), Some(3));
    assert_eq!(person_of(&f("Mum"), &family(), &audience), Some(2));
    // "Carter" is Sarah's surname and Ellie's, but Ellie is a reader.
    assert_eq!(person_of(&f("Carter"), &family(), &audience), Some(2));
    assert_eq!(person_of(&f("Carter"), &family(), &HashSet::new()), None);
    assert_eq!(person_of(&f("Ellie"), &family(), &audience), None);
}

#[test]
fn only_another_manager_approves() {
    let manager = member("tom", &[Role::Manager]);
    let practitioner = member("priya", &[Role::Practitioner]);
    let both = member("kim", &[Role::Practitioner, Role::Manager]);
    let by = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        can_approve(&manager, &by(&["priya"]), Status::Submitted),
        Ok(())
    );
    assert_eq!(
        can_approve(&manager, &by(&["priya", "tom"]), Status::Submitted),
        Err(ApproveError::OwnDraft),
        "a manager who edited someone else's draft"
    );
    assert_eq!(
        can_approve(&practitioner, &by(&["kim"]), Status::Submitted),
        Err(ApproveError::NotManager)
    );
    assert_eq!(
        can_approve(&both, &by(&["kim"]), Status::Submitted),
        Err(ApproveError::OwnDraft)
    );
    assert_eq!(
        can_approve(&manager, &by(&["priya"]), Status::Draft),
        Err(ApproveError::NotSubmitted)
    );
    assert_eq!(
        can_approve(&manager, &by(&["priya"]), Status::Published),
        Err(ApproveError::NotSubmitted)
    );
}

#[test]
fn who_may_withdraw() {
    let ig = member("grace", &[Role::IgOfficer]);
    let other = member("sam", &[Role::Practitioner]);
    assert!(can_withdraw(
        &member("priya", &[Role::Practitioner]),
        "priya"
    ));
    assert!(can_withdraw(&member("tom", &[Role::Manager]), "priya"));
    assert!(can_withdraw(&ig, "priya"));
    assert!(!can_withdraw(&other, "priya"));
    assert!(!can_withdraw(&member("admin", &[Role::Admin]), "priya"));
}

#[test]
fn approval_kinds_setting() {
    let all: Vec<String> = Kind::ALL.iter().map(|k| k.as_str().to_string()).collect();
    assert!(Kind::ALL.iter().all(|k| needs_approval(*k, &all)));
    let some = vec!["plan".to_string()];
    assert!(needs_approval(Kind::Plan, &some));
    assert!(!needs_approval(Kind::WorkerCard, &some));
}

#[test]
fn reasons_and_ages() {
    assert_eq!(
        keep_reason("  it is his own number "),
        Some("it is his own number".into())
    );
    assert_eq!(keep_reason("   "), None);
    assert_eq!(keep_reason(&"x".repeat(MAX_REASON + 1)), None);
    assert_eq!(reader_age(""), Ok(None));
    assert_eq!(reader_age("10"), Ok(Some(10)));
    assert!(reader_age("40").is_err());
    assert!(reader_age("ten").is_err());
}

#[test]
fn the_content_hash_is_sha256_of_the_text() {
    assert_eq!(
        content_hash("abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
