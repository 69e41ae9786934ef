//! The redaction check on the harder forms the issue lists, beyond the
//! labelled examples. Every name here is invented.

use content::check::{check, find, CasePerson, CheckRequest, Finding, FindingKind, Reader, Role};

fn p(name: &str, aliases: &[&str], role: Role, recipient: bool) -> CasePerson {
    CasePerson {
        name: name.into(),
        aliases: aliases.iter().map(|a| a.to_string()).collect(),
        role,
        recipient,
    }
}

/// A synthetic family: the reader is Kayla (10); Helen is the worker.
fn family() -> Vec<CasePerson> {
    vec![
        p("Kayla Walsh", &["Kayla"], Role::Child, true),
        p("Dean Walsh", &["Deano"], Role::Parent, false),
        p("Zoë Carter", &[], Role::Partner, false),
        p("Łukasz Nowak", &[], Role::Relative, false),
        p("Agnieszka Szymańska", &["Aga"], Role::Relative, false),
        p("Ava Smith-Patel", &[], Role::Sibling, false),
        p("Liam O'Sullivan", &["Big Liam"], Role::Other, false),
        p("Will Turner", &[], Role::Carer, false),
        p("May Wood", &[], Role::Relative, false),
        p("Grace Hughes", &[], Role::Sibling, false),
        p("Helen Rowe", &["Helen"], Role::Professional, false),
    ]
}

fn findings(text: &str) -> Vec<Finding> {
    let f = find(text, &family());
    well_formed(text, &f);
    f
}

fn well_formed(text: &str, f: &[Finding]) {
    for w in f.windows(2) {
        assert!(w[0].end <= w[1].start, "overlap or order: {w:?}");
    }
    for x in f {
        assert!(x.start < x.end);
        assert!(text.is_char_boundary(x.start) && text.is_char_boundary(x.end));
        assert_eq!(&text[x.start..x.end], x.text);
    }
}

/// The findings as (kind, text) pairs.
fn got(text: &str) -> Vec<(FindingKind, String)> {
    findings(text)
        .into_iter()
        .map(|f| (f.kind, f.text))
        .collect()
}

#[track_caller]
fn expect(text: &str, want: &[(FindingKind, &str)]) {
    let want: Vec<(FindingKind, String)> = want.iter().map(|(k, s)| (*k, s.to_string())).collect();
    assert_eq!(got(text), want, "in {text:?}");
}

#[track_caller]
fn expect_one(text: &str, kind: FindingKind, span: &str) {
    expect(text, &[(kind, span)]);
}

#[track_caller]
fn expect_none(text: &str) {
    expect(text, &[]);
}

use FindingKind::*;

// --- people of the case -----------------------------------------------------

#[test]
fn any_capitalisation() {
    expect_one("I saw dean at the shop.", Person, "dean");
    expect_one("DEAN WALSH came to the meeting.", Person, "DEAN WALSH");
    expect_one("Dean walsh came.", Person, "Dean walsh");
    expect_one("We met dEaN.", Person, "dEaN");
}

#[test]
fn possessives_flag_the_name_only() {
    expect_one("We talked about Dean's drinking.", Person, "Dean");
    expect_one("We talked about Dean’s drinking.", Person, "Dean");
    expect_one("We talked about DEAN'S drinking.", Person, "DEAN");
    expect_one(
        "We talked about Dean Walsh's drinking.",
        Person,
        "Dean Walsh",
    );
    expect_one("It is Walsh's car.", Person, "Walsh");
}

#[test]
fn surname_alone_and_full_name() {
    expect_one("Mr Walsh said no.", Person, "Walsh");
    expect_one("Dean Walsh said no.", Person, "Dean Walsh");
    expect(
        "Dean and Dean Walsh and Walsh",
        &[(Person, "Dean"), (Person, "Dean Walsh"), (Person, "Walsh")],
    );
}

#[test]
fn accented_and_non_latin_1_names() {
    expect_one("Zoë stayed over.", Person, "Zoë");
    expect_one("ZOË CARTER stayed over.", Person, "ZOË CARTER");
    expect_one("Zoe stayed over.", Person, "Zoe");
    expect_one("Zoe\u{308} stayed over.", Person, "Zoe\u{308}");
    expect_one("Łukasz rang.", Person, "Łukasz");
    expect_one("ŁUKASZ NOWAK rang.", Person, "ŁUKASZ NOWAK");
    expect_one("Lukasz rang.", Person, "Lukasz");
    expect_one("Pani Szymańska rang.", Person, "Szymańska");
    expect_one("Agnieszka Szymańska’s flat", Person, "Agnieszka Szymańska");
    expect_one("Ask Aga.", Person, "Aga");
    // Offsets are bytes: Zoë is 4 bytes.
    let f = findings("Hi Zoë!");
    assert_eq!((f[0].start, f[0].end), (3, 7));
}

#[test]
fn hyphenated_and_apostrophe_surnames() {
    expect_one("Ava Smith-Patel is eight.", Person, "Ava Smith-Patel");
    expect_one("Smith-Patel is the name.", Person, "Smith-Patel");
    expect_one("SMITH-PATEL", Person, "SMITH-PATEL");
    expect_one("Ava Smith‑Patel", Person, "Ava Smith‑Patel");
    expect_one("Liam O'Sullivan came.", Person, "Liam O'Sullivan");
    expect_one("Liam O’Sullivan came.", Person, "Liam O’Sullivan");
    expect_one("O'Sullivan came.", Person, "O'Sullivan");
    expect_one("O’SULLIVAN’S dog", Person, "O’SULLIVAN");
    expect_one("Mr OSullivan came.", Person, "OSullivan");
}

#[test]
fn aliases_including_several_words() {
    expect_one("Deano rang.", Person, "Deano");
    expect_one("Big Liam rang.", Person, "Big Liam");
    expect_one("Liam rang.", Person, "Liam");
}

#[test]
fn readers_and_professionals_are_never_flagged() {
    expect_none("Kayla Walsh, you told me you like drawing.");
    expect_none("Well done kayla.");
    expect_none("KAYLA'S plan");
    expect_none("Your worker Helen Rowe will visit. Helen will ring.");
    expect_none("Ms Rowe will ring.");
}

#[test]
fn names_that_are_words_need_a_capital() {
    expect_one("Will has moved out.", Person, "Will");
    expect_none("She will come on Monday.");
    expect_none("Will you come to the meeting?");
    expect_one("Will Turner will come.", Person, "Will Turner");
    expect_one("May said she was fine.", Person, "May");
    expect_none("We may meet in May 2027 or on 3 May.");
    expect_none("We met in early May.");
    expect_none("The review is in May, by the end of May.");
    expect_one("We met May in town.", Person, "May");
    expect_none("We went to Grace Park.");
    expect_one("Grace is seven.", Person, "Grace");
    expect_none("She said grace before tea.");
    expect_none("The wood was wet.");
    expect_one("Ask Mrs Wood.", Person, "Wood");
    // Surnames that are rare as words are found in lower case too.
    let people = vec![p("Kayla Price", &[], Role::Relative, false)];
    let f = find("ask kayla price or price", &people);
    assert_eq!(f.len(), 2);
}

#[test]
fn names_inside_other_words_are_not_names() {
    expect_none("The deanery and the pricey shop.");
    expect_none("username deanwalsh94");
}

#[test]
fn a_reader_sharing_a_surname_keeps_their_full_name() {
    // Kayla Walsh (reader) is not flagged even though Walsh is Dean's surname.
    expect(
        "Kayla Walsh and Dean went out. Walsh said so.",
        &[(Person, "Dean"), (Person, "Walsh")],
    );
}

#[test]
fn middle_names_join_the_full_name() {
    expect_one("Dean Anthony Walsh came.", Person, "Dean Anthony Walsh");
}

// --- people not in the case ----------------------------------------------

#[test]
fn unknown_people_from_cues() {
    expect_one("Mum's friend Tyler stayed over.", UnknownPerson, "Tyler");
    expect_one(
        "She met a man called Kyle Price.",
        UnknownPerson,
        "Kyle Price",
    );
    expect_one("Her boyfriend Jay stayed.", UnknownPerson, "Jay");
    expect_one("Mum's new boyfriend, Jay, stayed.", UnknownPerson, "Jay");
    expect_one("Uncle Dave came round.", UnknownPerson, "Dave");
    expect_one("Auntie Sue came round.", UnknownPerson, "Sue");
    expect_one("Our neighbour Mrs Okafor helped.", UnknownPerson, "Okafor");
    expect_one("A man named Zbigniew came.", UnknownPerson, "Zbigniew");
    expect_one("A girl known as Tash came.", UnknownPerson, "Tash");
    expect_one(
        "His girlfriend Lily-Mae Jones came.",
        UnknownPerson,
        "Lily-Mae Jones",
    );
    expect_one("a man called kyle came", UnknownPerson, "kyle");
    expect_one(
        "A family friend, Leah O'Neill, helps.",
        UnknownPerson,
        "Leah O'Neill",
    );
    expect(
        "Mum's friends Tyler and Kayleigh came.",
        &[(UnknownPerson, "Tyler"), (UnknownPerson, "Kayleigh")],
    );
}

#[test]
fn unknown_people_from_the_name_list() {
    expect_one("Tyler came round on Friday.", UnknownPerson, "Tyler");
    expect_one(
        "Later, Oluwaseun Ahmed rang.",
        UnknownPerson,
        "Oluwaseun Ahmed",
    );
    expect_one("We talked about Connor's visits.", UnknownPerson, "Connor");
    expect_one("Paige Doyle came.", UnknownPerson, "Paige Doyle");
}

#[test]
fn unknown_given_name_with_a_case_surname_is_one_unknown_person() {
    expect_one("Leah Walsh came too.", UnknownPerson, "Leah Walsh");
}

#[test]
fn not_unknown_people() {
    expect_none("We have a dog called Max.");
    expect_none("A game called Minecraft.");
    expect_none("We met at Victoria Park and Grace Academy.");
    expect_none("Your worker Sarah will visit.");
    expect_none("Dr Patel and PC Jones came.");
    expect_none("Dr. Patel came.");
    expect_none("The health visitor Nadia came.");
    expect_none("We went to St Helen's Hospital.");
    expect_none("It is hope that matters. Mark the date.");
    expect_none("Mum said I could go.");
    expect_none("THE REVIEW WILL BE IN MAY");
    expect_none("Mum called Childline and then the NSPCC.");
    expect_none("A meeting called ICPC was held on 3 Jan 2026.");
    expect_one("Mum called Tyler.", UnknownPerson, "Tyler");
    expect_one("WILL said no.", Person, "WILL");
}

#[test]
fn case_people_win_over_cues() {
    expect_one("Mum's friend Dean stayed.", Person, "Dean");
    expect_one("Her boyfriend Deano stayed.", Person, "Deano");
}

// --- addresses and postcodes -------------------------------------------

#[test]
fn addresses() {
    expect_one("She lives at 12 Mill Lane now.", Address, "12 Mill Lane");
    expect_one("Flat 3, 12 Mill Lane", Address, "Flat 3, 12 Mill Lane");
    expect_one(
        "She has moved to 78 Elm Road, Hull HU27 5YD.",
        Address,
        "78 Elm Road, Hull HU27 5YD",
    );
    expect_one(
        "moved to Flat 11, 97 Albert Terrace, Bradford BD2 4UL.",
        Address,
        "Flat 11, 97 Albert Terrace, Bradford BD2 4UL",
    );
    expect_one("at 4 St Mary's Close.", Address, "4 St Mary's Close");
    expect_one(
        "at 12a Station Road, Leeds LS1 4AB.",
        Address,
        "12a Station Road, Leeds LS1 4AB",
    );
    expect_one("at 9 The Green.", Address, "9 The Green");
    expect_one("at 3 Rose Court.", Address, "3 Rose Court");
    expect_one("Flat 2, Rose Court", Address, "Flat 2, Rose Court");
    expect_one("at 5 Oak Drive SW1A 1AA", Address, "5 Oak Drive SW1A 1AA");
    expect_one(
        "78 elm road, hull hu27 5yd",
        Address,
        "78 elm road, hull hu27 5yd",
    );
    expect_one(
        "at 3 Stoke Road, Stoke-on-Trent ST4 2AB.",
        Address,
        "3 Stoke Road, Stoke-on-Trent ST4 2AB",
    );
    for suffix in [
        "Road", "Street", "Avenue", "Close", "Lane", "Way", "Drive", "Court", "Crescent",
        "Gardens", "Terrace", "Place", "Grove", "Walk", "Mews", "Square", "Rise",
    ] {
        let text = format!("They live at 21 Beech {suffix} now.");
        expect_one(&text, Address, &format!("21 Beech {suffix}"));
    }
}

#[test]
fn not_addresses() {
    expect_none("The meeting is in room 12 at 10:30.");
    expect_none("There were 3 people in the way.");
    expect_none("She is in Year 6 Oak Class.");
    expect_none("We met at the park.");
}

#[test]
fn every_postcode_format() {
    for pc in [
        "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB", "SW1A 1AA", "SW1A1AA",
        "sw1a 1aa", "m1 1ae", "HU27 5YD", "GIR 0AA",
    ] {
        let text = format!("The postcode is {pc}.");
        expect_one(&text, Postcode, pc);
    }
}

#[test]
fn not_postcodes() {
    // Q is not a first letter; C, I, K, M, O, V are not last letters.
    expect_none("Codes Q1 2AB and SW1 2CI and B12 3AV.");
    expect_none("Room B12 is upstairs.");
}

// --- phones, emails ----------------------------------------------------

#[test]
fn uk_phone_numbers() {
    for phone in [
        "+44 7700 900123",
        "07700 900123",
        "07700900123",
        "(020) 7946 0018",
        "0161 496 0000",
        "01632 960123",
        "+44 (0)20 7946 0018",
        "+447700900123",
        "020 7946 0018",
        "0113 496 0123",
        "(01709) 874376",
        "07700-900-123",
        "0044 7700 900123",
    ] {
        let text = format!("Her number is {phone}, she said.");
        expect_one(&text, Phone, phone);
    }
}

#[test]
fn not_phone_numbers() {
    expect_none("Meet at 10:30 or 3pm or 3.30pm on 12/05/2026.");
    expect_none("Case reference 99377711 was updated.");
    expect_none("Ring Childline on 0800 1111.");
    expect_none("Serial 077009001234567.");
}

#[test]
fn emails() {
    expect_one(
        "Email jo.bloggs+care@example.co.uk today.",
        Email,
        "jo.bloggs+care@example.co.uk",
    );
    expect_one("(dean.walsh@example.com)", Email, "dean.walsh@example.com");
    expect_one("DEAN@EXAMPLE.ORG.", Email, "DEAN@EXAMPLE.ORG");
}

// --- NHS and NI numbers --------------------------------------------------

#[test]
fn nhs_numbers_need_a_valid_check_digit() {
    for n in ["943 476 5919", "943-476-5919", "9434765919", "4010232137"] {
        let text = format!("NHS number {n} was checked.");
        expect_one(&text, NhsNumber, n);
    }
    for n in [
        "943 476 5918",
        "943-476-5917",
        "9434765910",
        "1234567890",
        "0000000000",
    ] {
        // Without a label, ten digits that fail the check are not an NHS
        // number; after "NHS number" they are one, mistyped (issue 13).
        expect_none(&format!("The number {n} was checked."));
        let text = format!("NHS number {n} was checked.");
        expect_one(&text, NhsNumber, n);
    }
}

#[test]
fn ni_numbers_in_valid_forms() {
    for n in [
        "AB123456C",
        "AB 12 34 56 C",
        "JP542468D",
        "WP 15 25 36 B",
        "ab123456c",
        "CE 12 34 56 A",
    ] {
        let text = format!("NI number: {n}.");
        expect_one(&text, NiNumber, n);
    }
}

#[test]
fn ni_numbers_with_invalid_prefixes_or_suffixes() {
    for n in [
        "DA123456C",
        "FA123456C",
        "IA123456C",
        "QQ123456C",
        "QQ 12 34 56 C",
        "UA123456C",
        "VA123456C",
        "AO123456C",
        "AD123456C",
        "BG123456A",
        "GB123456A",
        "NK123456A",
        "KN123456A",
        "TN123456A",
        "NT123456A",
        "ZZ123456A",
        "AB123456E",
    ] {
        // Without a label, not an NI number anyone can have; after "NI
        // number:" a mistyped one, still flagged (issue 13).
        expect_none(&format!("The code {n} was used."));
        let text = format!("NI number: {n}.");
        expect_one(&text, NiNumber, n);
    }
    expect_none("NI number: AB12345C.");
}

// --- dates of birth ----------------------------------------------------

#[test]
fn dates_of_birth_from_context() {
    for (text, date) in [
        ("Kayla (date of birth 16/10/2009) came.", "16/10/2009"),
        ("DOB: 01/02/2010", "01/02/2010"),
        ("D.O.B. 12.03.2011", "12.03.2011"),
        ("d.o.b. 12-03-2011", "12-03-2011"),
        ("dob 2011-03-12", "2011-03-12"),
        ("She was born on 3 March 2012.", "3 March 2012"),
        ("born on the 3rd of March 2012", "3rd of March 2012"),
        ("Born: 12th March 2012", "12th March 2012"),
        ("was born in March 2012", "March 2012"),
        ("Date of birth is March 3, 2012.", "March 3, 2012"),
        ("date of birth 5 Nov 2014", "5 Nov 2014"),
    ] {
        expect_one(text, DateOfBirth, date);
    }
}

#[test]
fn ordinary_dates_are_not_dates_of_birth() {
    expect_none("Case reference 39727671 was updated on 28 November 2026.");
    expect_none("The meeting on 03/04/2026 went well.");
    expect_none("On 3 March 2012 we met.");
    expect_none("She was born in Leeds.");
}

// --- mixed text ----------------------------------------------------------

#[test]
fn a_mixed_paragraph() {
    let text = "Dean's mobile is 07700 900123 and he lives at 5 Oak Drive, Leeds LS1 4AB. \
                Mum's friend Tyler (DOB 02/02/1990) emails tyler@example.org. \
                Kayla, Helen will ring at 3pm. NHS 943 476 5919, NI AB123456C.";
    expect(
        text,
        &[
            (Person, "Dean"),
            (Phone, "07700 900123"),
            (Address, "5 Oak Drive, Leeds LS1 4AB"),
            (UnknownPerson, "Tyler"),
            (DateOfBirth, "02/02/1990"),
            (Email, "tyler@example.org"),
            (NhsNumber, "943 476 5919"),
            (NiNumber, "AB123456C"),
        ],
    );
}

#[test]
fn check_fills_every_part_of_the_response() {
    let req = CheckRequest {
        text: "Dean came to the ICPC. The placement is going well.".into(),
        reader: Reader { age: 10 },
        people: family(),
    };
    let resp = check(&req);
    assert_eq!(resp.findings.len(), 1);
    assert!(resp.reading_age > 0.0);
    let terms: Vec<&str> = resp.jargon.iter().map(|j| j.term.as_str()).collect();
    assert_eq!(terms, vec!["ICPC", "placement"]);
}

#[test]
fn empty_and_odd_inputs() {
    expect_none("");
    expect_none("   \n\n ");
    expect_none("'''---‐‐’’");
    let none: Vec<CasePerson> = vec![];
    assert!(find("Dean Walsh", &none).iter().all(|f| f.kind != Person));
    // A person with an empty name or alias does not match everything.
    let odd = vec![p("", &["", " "], Role::Parent, false)];
    assert!(find("Some text here.", &odd).is_empty());
}

#[test]
fn many_people_and_a_long_text() {
    // 500 people of the case and a text of 20,000 mentions: still exact.
    let mut people = Vec::new();
    for i in 0..500 {
        people.push(p(
            &format!("Name{i} Surname{i}"),
            &[],
            Role::Relative,
            false,
        ));
    }
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&format!(
            "Name{} Surname{} met the team. ",
            i % 500,
            i % 500
        ));
    }
    let f = find(&text, &people);
    assert_eq!(f.len(), 20_000);
    assert!(f
        .iter()
        .all(|x| x.kind == Person && x.text.starts_with("Name")));
}

#[test]
fn long_texts_are_checked_in_segments_without_losing_findings() {
    use content::check::{segments, SEGMENT_BYTES};
    // Paragraphs: the same findings in every one, whatever the segment.
    let para = "Dean Walsh rang from 07700 900123 about Mum's friend Tyler. \
                He lives at 5 Oak Drive, Leeds LS1 4AB (DOB 01/02/1990).";
    let per_para = findings(para).len();
    assert_eq!(per_para, 5);
    for sep in ["\n\n", "\n", " "] {
        let text = vec![para; 3000].join(sep);
        assert!(text.len() > 3 * SEGMENT_BYTES);
        let segs = segments(&text);
        assert!(segs.len() > 3);
        assert_eq!(segs[0].0, 0);
        assert_eq!(segs[segs.len() - 1].1, text.len());
        for w in segs.windows(2) {
            assert_eq!(w[0].1, w[1].0, "segments are consecutive");
        }
        let f = find(&text, &family());
        well_formed(&text, &f);
        assert_eq!(f.len(), 3000 * per_para, "separator {sep:?}");
    }
    // A text with no spaces at all still splits on char boundaries.
    let odd = "ë".repeat(100_000);
    let segs = segments(&odd);
    assert!(
        segs.len() > 1
            && segs
                .iter()
                .all(|&(a, b)| odd.is_char_boundary(a) && odd.is_char_boundary(b))
    );
    assert_eq!(segments(""), vec![(0, 0)]);
    assert_eq!(segments("short"), vec![(0, 5)]);
}
