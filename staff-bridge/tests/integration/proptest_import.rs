//! The case import's parser (`staff_bridge::import::parse`) against arbitrary
//! input: random bytes, JSON-shaped noise, and the demo family's real import
//! with parts of it replaced by arbitrary JSON. Nothing may panic or hang;
//! a refusal always says where and what; and a case that parses is one the
//! format allows. Sizes are bounded by the strategies.

use proptest::prelude::*;
use serde_json::Value;
use staff_bridge::import::{parse, Problem};

const FAMILY: &str = include_str!("../../../src/demo/family.json");

fn family() -> Value {
    serde_json::from_str(FAMILY).unwrap()
}

/// Every refusal names a place in the document and says what is wrong.
fn outcome_holds(json: &str) {
    match parse(json) {
        Ok(case) => {
            assert!(!case.case_reference.is_empty(), "{json}");
            // Ids are unique within a case: re-imports match on them.
            let mut ids: Vec<&str> = case.people.iter().map(|p| p.id.as_str()).collect();
            let total = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), total, "duplicate person ids accepted in {json}");
            assert_eq!(parse(json).ok(), Some(case), "parsing is deterministic");
        }
        Err(problems) => {
            assert!(
                !problems.is_empty(),
                "a refusal with no reason for {json:?}"
            );
            for Problem { path, message } in &problems {
                assert!(path.starts_with('$'), "path {path:?} for {json:?}");
                assert!(
                    !message.trim().is_empty(),
                    "empty message at {path} for {json:?}"
                );
            }
        }
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,30}".prop_map(Value::from),
        proptest::sample::select(
            &[
                "",
                " ",
                "child",
                "parent",
                "carer",
                "Social worker",
                "plan",
                "letter",
                "2016-04-12",
                "2016-02-30",
                "2026-13-01T10:00",
                "2026-06-01T10:00",
                "P-101",
                "P-103",
                "sarah.carter@example.com",
                "not-an-email",
                "DEMO-0001",
                "\u{0}",
                "\u{202E}",
                "<script>alert(1)</script>",
            ][..]
        )
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{0,14}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Every JSON pointer in `value`, the root included.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

#[derive(Clone, Debug)]
enum Edit {
    Replace(prop::sample::Index, Value),
    Remove(prop::sample::Index),
    Add(prop::sample::Index, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<prop::sample::Index>(), any_json()).prop_map(|(i, v)| Edit::Replace(i, v)),
        any::<prop::sample::Index>().prop_map(Edit::Remove),
        (any::<prop::sample::Index>(), "[a-z_]{1,12}", any_json())
            .prop_map(|(i, k, v)| Edit::Add(i, k, v)),
    ]
}

fn apply(doc: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(doc, String::new(), &mut all);
    match edit {
        Edit::Replace(i, v) => {
            if let Some(target) = doc.pointer_mut(&all[i.index(all.len())]) {
                *target = v.clone();
            }
        }
        Edit::Remove(i) => {
            let at = &all[i.index(all.len())];
            if let Some((parent, key)) = at.rsplit_once('/') {
                match doc.pointer_mut(parent) {
                    Some(Value::Object(map)) => {
                        map.remove(&key.replace("~1", "/").replace("~0", "~"));
                    }
                    Some(Value::Array(items)) => {
                        if let Ok(i) = key.parse::<usize>() {
                            if i < items.len() {
                                items.remove(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        Edit::Add(i, key, v) => match doc.pointer_mut(&all[i.index(all.len())]) {
            Some(Value::Object(map)) => {
                map.insert(key.clone(), v.clone());
            }
            Some(Value::Array(items)) => items.push(v.clone()),
            _ => {}
        },
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_are_refused_with_a_reason(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        outcome_holds(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn arbitrary_json_is_refused_with_reasons(value in any_json()) {
        outcome_holds(&value.to_string());
    }

    #[test]
    fn the_real_import_with_arbitrary_edits_parses_or_says_why(edits in proptest::collection::vec(edit(), 1..5)) {
        let mut doc = family();
        for e in &edits {
            apply(&mut doc, e);
        }
        outcome_holds(&doc.to_string());
    }
}

#[test]
fn the_unedited_family_parses() {
    assert!(parse(FAMILY).is_ok());
}

#[test]
fn deep_nesting_and_huge_strings_are_refused_not_fatal() {
    outcome_holds(&"[".repeat(100_000));
    outcome_holds(&"{\"people\":".repeat(50_000));
    let mut doc = family();
    doc["people"][0]["name"] = Value::from("A".repeat(2_000_000));
    doc["documents"][0]["body"] = Value::from("word ".repeat(400_000));
    let problems = parse(&doc.to_string()).unwrap_err();
    assert!(
        problems.iter().any(|p| p.path.contains("people")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.path.contains("documents")),
        "{problems:?}"
    );
}
