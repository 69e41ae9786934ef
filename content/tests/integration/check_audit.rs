//! Cases from the audit of the redaction check: probable misses and false
//! positives, each asserting the exact span (byte offsets) and kind.

use content::check::{find, CasePerson, Finding, FindingKind, Role};
use FindingKind::*;

fn p(name: &str, role: Role, recipient: bool) -> CasePerson {
    CasePerson {
        name: name.into(),
        aliases: vec![],
        role,
        recipient,
    }
}

fn case() -> Vec<CasePerson> {
    vec![
        p("Kayla Walsh", Role::Child, true),
        p("Dean Walsh", Role::Parent, false),
        p("Mark Bell", Role::Partner, false),
    ]
}

fn spans(text: &str) -> Vec<(FindingKind, usize, usize, String)> {
    let f: Vec<Finding> = find(text, &case());
    f.into_iter()
        .map(|f| (f.kind, f.start, f.end, f.text))
        .collect()
}

/// `text` has exactly one finding: `span` (its first occurrence) of `kind`.
#[track_caller]
fn one(text: &str, kind: FindingKind, span: &str) {
    let start = text.find(span).expect("span in text");
    assert_eq!(
        spans(text),
        vec![(kind, start, start + span.len(), span.to_string())],
        "in {text:?}"
    );
}

#[track_caller]
fn none(text: &str) {
    assert_eq!(spans(text), vec![], "in {text:?}");
}

// 1. cue-only given names with a surname
#[test]
fn cue_only_name_lily_evans() {
    one(
        "We met Lily Evans at the shop.",
        UnknownPerson,
        "Lily Evans",
    );
}
#[test]
fn cue_only_name_grace_hall() {
    one(
        "Yesterday Grace Hall came round.",
        UnknownPerson,
        "Grace Hall",
    );
}
#[test]
fn cue_only_name_poppy_smith() {
    one("Poppy Smith was there too.", UnknownPerson, "Poppy Smith");
}
#[test]
fn cue_only_name_ruby_jones() {
    one("He said Ruby Jones had rung.", UnknownPerson, "Ruby Jones");
}
#[test]
fn cue_only_name_before_street_is_place() {
    none("They walked along Grace Road to the bus.");
}
#[test]
fn cue_only_name_before_place_word() {
    none("The class went to Holly Lodge for the day.");
}

// 2. surnames that are place words
#[test]
fn place_surname_kyle_green() {
    one(
        "She has been seeing Kyle Green again.",
        UnknownPerson,
        "Kyle Green",
    );
}
#[test]
fn place_surname_sarah_hall() {
    one("Sarah Hall rang the office.", UnknownPerson, "Sarah Hall");
}
#[test]
fn place_surname_tom_wood() {
    one("We spoke to Tom Wood on Monday.", UnknownPerson, "Tom Wood");
}
#[test]
fn place_surname_then_place_is_a_place() {
    none("They played at Kyle Green Park on Sunday.");
}

// 3. relation cues
#[test]
fn cue_fella() {
    one("Her fella Jez stayed over.", UnknownPerson, "Jez");
}
#[test]
fn cue_bf() {
    one("Her bf Jez stayed over.", UnknownPerson, "Jez");
}
#[test]
fn cue_gf() {
    one("His gf Tash stayed over.", UnknownPerson, "Tash");
}
#[test]
fn cue_boyfriend() {
    one("Her boyfriend Jez stayed over.", UnknownPerson, "Jez");
}
#[test]
fn cue_girlfriend() {
    one("His girlfriend Tash stayed over.", UnknownPerson, "Tash");
}
#[test]
fn cue_stepson() {
    one("Her stepson Jez stayed over.", UnknownPerson, "Jez");
}
#[test]
fn cue_stepdaughter() {
    one("Her stepdaughter Tash stayed over.", UnknownPerson, "Tash");
}
#[test]
fn cue_grandson() {
    one("Her grandson Jez stayed over.", UnknownPerson, "Jez");
}
#[test]
fn cue_granddaughter() {
    one("Her granddaughter Tash stayed over.", UnknownPerson, "Tash");
}
#[test]
fn cue_childminder() {
    one("The childminder Tash collects him.", UnknownPerson, "Tash");
}
#[test]
fn cue_neighbour() {
    one("The neighbour Jez heard shouting.", UnknownPerson, "Jez");
}
#[test]
fn cue_lodger() {
    one("The lodger Jez heard shouting.", UnknownPerson, "Jez");
}
#[test]
fn cue_brother_in_law() {
    one(
        "Her brother-in-law Jez heard shouting.",
        UnknownPerson,
        "Jez",
    );
}
#[test]
fn cue_mother_in_law() {
    one(
        "His mother-in-law Tash heard shouting.",
        UnknownPerson,
        "Tash",
    );
}
#[test]
fn given_name_dwayne() {
    one(
        "Dwayne Pike was at the house.",
        UnknownPerson,
        "Dwayne Pike",
    );
}

// 4. cue, punctuation, name
#[test]
fn cue_bracket_name() {
    one(
        "She stayed with her friend (Dwayne) overnight.",
        UnknownPerson,
        "Dwayne",
    );
}
#[test]
fn cue_colon_name() {
    one("Visitor to the house - friend: Jez.", UnknownPerson, "Jez");
}
#[test]
fn cue_en_dash_name() {
    one("Her friend – Jez – was there.", UnknownPerson, "Jez");
}
#[test]
fn cue_hyphen_name() {
    one("Her friend - Jez - was there.", UnknownPerson, "Jez");
}

// 5. titles after professional words
#[test]
fn professional_comma_title() {
    none("Your social worker, Mrs Khan, will ring you.");
}
#[test]
fn professional_title() {
    none("You can talk to her teacher Miss Jones.");
}
#[test]
fn headteacher_title() {
    none("Headteacher Mr Brown came to the meeting.");
}

// 6. dashes in hyphenated surnames
#[test]
fn en_dash_surname() {
    let people = vec![p("Ava Smith-Patel", Role::Sibling, false)];
    let text = "We spoke to Ava Smith–Patel today.";
    let f = find(text, &people);
    let start = text.find("Ava").unwrap();
    let end = text.find(" today").unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!((f[0].kind, f[0].start, f[0].end), (Person, start, end));
}

// 7. dates of birth
#[test]
fn dob_of_child() {
    one("DOB of child: 12/03/2015", DateOfBirth, "12/03/2015");
}
#[test]
fn dob_bracket_name() {
    // Dean is a person of the case: his name is flagged too.
    assert_eq!(
        spans("Date of birth (Dean): 12/03/1985"),
        vec![
            (Person, 15, 19, "Dean".to_string()),
            (DateOfBirth, 22, 32, "12/03/1985".to_string())
        ]
    );
}
#[test]
fn dob_bracket_unknown_name() {
    one(
        "Date of birth (child): 12/03/1985",
        DateOfBirth,
        "12/03/1985",
    );
}
#[test]
fn dob_dash_month() {
    one("DOB 12-Mar-2010", DateOfBirth, "12-Mar-2010");
}
#[test]
fn dob_dotted() {
    one("d.o.b. 3 March 2015", DateOfBirth, "3 March 2015");
}
#[test]
fn born_in_year() {
    one("He was born in 2010 in Leeds.", DateOfBirth, "2010");
}

// 8. lower-case flat
#[test]
fn flat_lower_case() {
    one(
        "She lives at flat 3, 12 Mill Lane now.",
        Address,
        "flat 3, 12 Mill Lane",
    );
}

// 9. phones
#[test]
fn phone_double_space() {
    one("Ring 0161  496 0000 today.", Phone, "0161  496 0000");
}
#[test]
fn phone_dots() {
    one("Ring 07700.900.123 today.", Phone, "07700.900.123");
}

// 10. false positives
#[test]
fn alexa_is_a_device() {
    none("Alexa was playing music.");
}
#[test]
fn stanley_knife() {
    none("He had a Stanley knife in his bag.");
}
#[test]
fn jack_russell() {
    none("They have a Jack Russell called Max.");
}
#[test]
fn roman_catholic() {
    none("The family are Roman Catholic.");
}
#[test]
fn year_group_is_not_postcode() {
    none("He is in Y11 2nd set for maths.");
}
#[test]
fn postcode_8th_is_real() {
    one("The postcode is B33 8TH.", Postcode, "B33 8TH");
}
#[test]
fn junction_is_not_postcode() {
    none("Take the M6 5th exit.");
}
#[test]
fn case_reference_is_not_phone() {
    none("Please quote case 01234567890 when you ring.");
}
#[test]
fn ref_is_not_phone() {
    none("Our ref 01234567890.");
}

// 11. case people in capitals
#[test]
fn all_caps_case_person() {
    let people = vec![p("Grace Hughes", Role::Sibling, false)];
    let f = find("I SAW GRACE TODAY", &people);
    assert_eq!(
        f.iter()
            .map(|f| (f.kind, f.start, f.end))
            .collect::<Vec<_>>(),
        vec![(Person, 6, 11)]
    );
}

#[test]
fn lower_case_case_person_speaking() {
    one("After school mark said he was tired.", Person, "mark");
}
#[test]
fn lower_case_word_after_determiner_is_a_word() {
    none("He said the mark said nothing to him.");
}
#[test]
fn lower_case_word_not_speaking_is_a_word() {
    none("Please mark the form and sign it.");
}
#[test]
fn the_hall_is_a_place() {
    none("They went to the Albert Hall.");
}
#[test]
fn given_name_duane_with_surname() {
    one("Duane Pike was at the house.", UnknownPerson, "Duane Pike");
}
#[test]
fn given_name_dwayne_after_cue_bracket_unknown_span() {
    one("Mum's friend (Dwayne) came.", UnknownPerson, "Dwayne");
}
#[test]
fn cue_only_name_and_surname_before_place() {
    none("We met at Ruby Jones Park.");
}
#[test]
fn rag_rating_amber_green() {
    none("RAG rating: Amber Green");
}
#[test]
fn year_group_in_capitals_is_not_postcode() {
    // Y is not a one-letter postcode area (only B, E, G, L, M, N, S, W are).
    none("Y11 2ND SET");
}
#[test]
fn ruby_wedding() {
    none("They went to a Ruby Wedding party.");
}
#[test]
fn ruby_wedding_no_article() {
    none("Nan had her Ruby Wedding last year.");
}
