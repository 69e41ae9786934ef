//! Addresses without street words (issue 13, item 3), labelled identifiers
//! that fail their checks (item 4) and phone numbers in every UK format:
//! each asserts the exact kind and span.

use content::check::{find, FindingKind};
use FindingKind::*;

#[track_caller]
fn one(text: &str, kind: FindingKind, span: &str) {
    let start = text.find(span).expect("span in text");
    let got: Vec<_> = find(text, &[])
        .into_iter()
        .map(|f| (f.kind, f.start, f.end, f.text))
        .collect();
    assert_eq!(
        got,
        vec![(kind, start, start + span.len(), span.to_string())],
        "in {text:?}"
    );
}

#[track_caller]
fn none(text: &str) {
    assert_eq!(find(text, &[]), vec![], "in {text:?}");
}

#[test]
fn addresses_without_street_words_with_a_town_or_postcode() {
    one(
        "She lives at 14 Canal Side, Leeds LS1 4AB now.",
        Address,
        "14 Canal Side, Leeds LS1 4AB",
    );
    one(
        "She lives at 14 Canal Side, Leeds.",
        Address,
        "14 Canal Side, Leeds",
    );
    one(
        "They moved to 3 The Paddocks, Sheffield.",
        Address,
        "3 The Paddocks, Sheffield",
    );
    one(
        "They moved to 3 The Paddocks, S10 2TN.",
        Address,
        "3 The Paddocks, S10 2TN",
    );
    one(
        "Post goes to Flat 2, 22 Mill Rise, Hull.",
        Address,
        "Flat 2, 22 Mill Rise, Hull",
    );
    one(
        "Post goes to Flat 5, Geraldine Mount today.",
        Address,
        "Flat 5, Geraldine Mount",
    );
    one(
        "Post goes to Studio 43T, Denise Squares today.",
        Address,
        "Studio 43T, Denise Squares",
    );
    one(
        "He stays at 5 Davies Flats most nights.",
        Address,
        "5 Davies Flats",
    );
}

#[test]
fn numbers_and_capitals_that_are_not_addresses() {
    none("She is in Year 3 The Rainbows, Class 2.");
    none("We read page 14 Canal Side, Leeds.");
    none("He has 3 Cats, Dogs and a rabbit.");
    none("The 2 Ronnies, Porridge and other shows.");
}

#[test]
fn labelled_identifiers_are_flagged_even_when_invalid() {
    // No suffix letter; a prefix never issued; a failed NHS check digit.
    one(
        "National Insurance number: AB 12 34 56",
        NiNumber,
        "AB 12 34 56",
    );
    one("NI number QQ123456C on the form.", NiNumber, "QQ123456C");
    one("NI no. GB 12 34 56 A was given.", NiNumber, "GB 12 34 56 A");
    one("NINO: TN123456", NiNumber, "TN123456");
    one(
        "NHS no. 943 476 5918 on the letter.",
        NhsNumber,
        "943 476 5918",
    );
    one("NHS number: 1234567890", NhsNumber, "1234567890");
    one("tel: 0161 496 000", Phone, "0161 496 000");
    one("Mobile: 07700 90012", Phone, "07700 90012");
    one("email: dean.walsh@example", Email, "dean.walsh@example");
    one("E-mail address - kayla_w@mail", Email, "kayla_w@mail");
    one("DOB: 31/02/2015", DateOfBirth, "31/02/2015");
}

#[test]
fn labels_without_a_value_flag_nothing() {
    none("Ask for her NI number at the meeting.");
    none("The NHS number is on the letter.");
    none("Mum will email the school on Monday.");
    none("Tel the office if you are worried.");
}

#[test]
fn every_uk_phone_format() {
    for number in [
        "029 2018 0000",
        "(029) 2018 0000",
        "02920 180000",
        "028 9018 0000",
        "(028) 9018 0000",
        "+44 (0)29 2018 0000",
        "+44(0)29 2018 0000",
        "+44 (0) 28 9018 0000",
        "+44 29 2018 0000",
        "+4429 2018 0000",
        "0044 28 9018 0000",
        "020 7946 0018",
        "(020) 7946 0018",
        "0161 496 0000",
        "(0161) 496 0000",
        "01632 960123",
        "(01632) 960123",
        "016977 4567",
        "01632 96012",
        "07700 900123",
        "07700-900-123",
        "+44 7700 900123",
        "0300 123 4567",
        "0800 123 4567",
        "0800 123456",
    ] {
        one(&format!("Ring {number} today."), Phone, number);
    }
    none("Ring 0800 1111 or 999.");
    none("Case 01234567890 was closed.");
}
