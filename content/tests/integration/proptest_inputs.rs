//! Arbitrary input against what parses or checks text from outside: the
//! internal API's wire types (what the portal parses from the bridge's
//! bodies, and the bridge from the portal's answers) and the content check.
//! Nothing may panic or hang, and what comes back must make sense for the
//! input it came from. Input sizes are bounded by the strategies; the limits
//! the services put on real input (4 MiB on the internal API, 1 MiB a
//! document body on import) are larger than any case here needs to be.

use content::check::{check, find, CasePerson, CheckRequest, Reader, Role};
use content::sync::{
    InvitationPush, InvitationRevocation, OutboxAck, OutboxPage, PasskeyRevocation, PersonPush,
    PublicationPush, WithdrawalPush,
};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Parses `bytes` as `T`; a body that parses must serialise back to JSON
/// that parses to the same value (nothing is lost or invented on the way).
fn parses_sanely<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        let again: T = serde_json::from_slice(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(
            again,
            value,
            "round trip of {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn every_wire_type(bytes: &[u8]) {
    parses_sanely::<PersonPush>(bytes);
    parses_sanely::<PublicationPush>(bytes);
    parses_sanely::<WithdrawalPush>(bytes);
    parses_sanely::<InvitationPush>(bytes);
    parses_sanely::<InvitationRevocation>(bytes);
    parses_sanely::<PasskeyRevocation>(bytes);
    parses_sanely::<OutboxAck>(bytes);
    parses_sanely::<OutboxPage>(bytes);
}

/// Pieces of JSON that take a parser down its odder paths.
fn json_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"",
                "\\",
                "\\u",
                "\\ud800",
                "\\u0000",
                "null",
                "true",
                "false",
                "-",
                "0",
                "1e999",
                "-0",
                "9223372036854775808",
                "1.5",
                "\"display_name\"",
                "\"first_name\"",
                "\"role\"",
                "\"parent\"",
                "\"version\"",
                "\"audience\"",
                "\"events\"",
                "\"seq\"",
                "\"event_id\"",
                "\"up_to\"",
                "\"withdrawn_at\"",
                "\"person_id\"",
                "\"code_hash\"",
                "\"expires_at\"",
                "\"00000000-0000-0000-0000-000000000000\"",
                "\"meeting_at\"",
                " ",
                "\n",
            ][..]
        )
        .prop_map(str::to_string),
        "\\PC{0,6}",
    ]
}

fn family_role() -> impl Strategy<Value = content::sync::FamilyRole> {
    proptest::sample::select(&content::sync::FamilyRole::ALL[..])
}

fn check_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(
        &[
            Role::Child,
            Role::Parent,
            Role::Carer,
            Role::Sibling,
            Role::Relative,
            Role::Partner,
            Role::Other,
            Role::Professional,
        ][..],
    )
}

/// Words and shapes the check looks for, and things that look nearly like them.
fn text_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(
            &[
                "Ellie",
                "Sarah Carter",
                "Mum",
                "Nan",
                "Dr",
                "Mr ",
                "Mrs",
                "O'Brien",
                "Carter-Brooks",
                "SW1A 1AA",
                "B1 1AA",
                "Y11 2ND",
                "07700 900123",
                "+44 7700 900123",
                "(0161) 496 0000",
                "943 476 5919",
                "QQ 12 34 56 C",
                "12/04/2016",
                "12 April 2016",
                "born on",
                "someone@example.com",
                "@",
                "14 Elm Road",
                "Flat 3",
                "Street",
                "\n\n",
                "\n",
                ". ",
                ", ",
                " ",
                "'",
                "’",
                "-",
                "–",
                "0",
                "9",
                "é",
                "ß",
                "İ",
                "\u{200B}",
                "\u{0301}",
                "👍",
                "Ⅻ",
                "ﬁ",
                "\t",
                "\0",
            ][..]
        )
        .prop_map(str::to_string),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ]
}

fn case_person() -> impl Strategy<Value = CasePerson> {
    (
        prop_oneof!["[A-Z][a-z]{0,8}( [A-Z][a-z'-]{0,10}){0,2}", "\\PC{0,12}"],
        proptest::collection::vec("\\PC{0,10}", 0..3),
        check_role(),
        any::<bool>(),
    )
        .prop_map(|(name, aliases, role, recipient)| CasePerson {
            name,
            aliases,
            role,
            recipient,
        })
}

/// Every finding is a real span of the text it came from.
fn findings_hold(text: &str, people: &[CasePerson]) {
    let response = check(&CheckRequest {
        text: text.to_string(),
        reader: Reader { age: 12 },
        people: people.to_vec(),
    });
    for finding in &response.findings {
        assert!(finding.start < finding.end, "{finding:?} in {text:?}");
        assert_eq!(
            text.get(finding.start..finding.end),
            Some(finding.text.as_str()),
            "{finding:?} in {text:?}"
        );
    }
    assert!(!response.reading_age.is_nan(), "reading age of {text:?}");
    assert_eq!(
        response.findings,
        find(text, people),
        "the check is deterministic"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_break_the_wire_types(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        every_wire_type(&bytes);
    }

    #[test]
    fn json_shaped_noise_never_breaks_the_wire_types(pieces in proptest::collection::vec(json_piece(), 0..40)) {
        every_wire_type(pieces.concat().as_bytes());
    }

    #[test]
    fn every_publication_push_crosses_the_wire_unchanged(
        version in any::<i64>(),
        kind in "\\PC{0,12}",
        title in "\\PC{0,40}",
        body in "\\PC{0,200}",
        audience in proptest::collection::vec(any::<u128>(), 0..4),
        published_at in any::<i64>(),
        meeting_at in proptest::option::of(any::<i64>()),
    ) {
        let push = PublicationPush {
            version,
            kind,
            title,
            body_markdown: body,
            audience: audience.into_iter().map(uuid::Uuid::from_u128).collect(),
            published_at,
            meeting_at,
            in_reply_to: None,
        };
        let back: PublicationPush = serde_json::from_slice(&serde_json::to_vec(&push).unwrap()).unwrap();
        prop_assert_eq!(back, push);
    }

    #[test]
    fn every_person_push_crosses_the_wire_unchanged(
        display_name in "\\PC{0,40}",
        first_name in "\\PC{0,20}",
        role in family_role(),
        date_of_birth in proptest::option::of("\\PC{0,12}"),
    ) {
        let push = PersonPush { display_name, first_name, role, date_of_birth };
        let back: PersonPush = serde_json::from_slice(&serde_json::to_vec(&push).unwrap()).unwrap();
        prop_assert_eq!(back, push);
    }

    #[test]
    fn the_check_never_panics_and_every_finding_is_a_span_of_the_text(
        pieces in proptest::collection::vec(text_piece(), 0..60),
        people in proptest::collection::vec(case_person(), 0..5),
    ) {
        findings_hold(&pieces.concat(), &people);
    }

    #[test]
    fn the_check_takes_any_unicode(text in "\\PC{0,400}", people in proptest::collection::vec(case_person(), 0..3)) {
        findings_hold(&text, &people);
    }
}

#[test]
fn deeply_nested_json_is_refused_without_exhausting_the_stack() {
    for open in ["[", "{\"a\":"] {
        let body = open.repeat(100_000);
        every_wire_type(body.as_bytes());
    }
}

#[test]
fn long_degenerate_texts_are_checked_to_the_end() {
    // One segment's worth and more of things the check works hardest on:
    // no separators, all capitals, all digits, one endless "sentence".
    for text in [
        "a".repeat(200_000),
        "Ellie ".repeat(30_000),
        "1".repeat(200_000),
        "A B C D E F G ".repeat(15_000),
        "07700 900123 ".repeat(10_000),
        "'".repeat(100_000),
        "Mr ".repeat(50_000),
    ] {
        let people = [CasePerson {
            name: "Ellie Carter".into(),
            aliases: vec![],
            role: Role::Child,
            recipient: true,
        }];
        findings_hold(&text, &people);
    }
}
