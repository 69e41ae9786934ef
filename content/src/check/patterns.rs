//! The pattern detectors: email, address, postcode, phone, NHS number,
//! National Insurance number and date of birth.
//!
//! Every detector is one pass of a `regex` (finite automata, linear time, no
//! backtracking) followed by a check in code (digit counts, the NHS
//! modulus-11 check digit, the NI prefix rules, the context before a number).
//! Word boundaries are ASCII (`(?-u:\b)`) so that the fast DFA engines can
//! run on any text.

use std::sync::OnceLock;

use regex::Regex;

use super::FindingKind;

/// A span found by a detector, before overlaps between detectors are settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub kind: FindingKind,
    pub start: usize,
    pub end: usize,
}

/// Street words that end the street part of an address.
const STREET_SUFFIXES: &str = "Road|Rd|Street|St|Avenue|Ave|Close|Cl|Lane|Ln|Way|Drive|Dr|Court|Ct|Crescent|Cres|Gardens|Gdns|Terrace|Terr|Place|Pl|Grove|Gr|Walk|Row|Mews|Square|Sq|Hill|Rise|View|Park|Parade|Green|Vale|Mount|Wharf|Yard|Boulevard|Parkway|Brow|Fold|Chase|Croft|Gate|Lea|Meadow|Meadows|Mead|Quay|Ridge|Wynd|Approach|Circus|Embankment|Esplanade|Broadway|Bank|Heights|Hollow|Nook|Orchard|Passage|Promenade|Glade|Garth|Dale|Field|Fields|Wood|End|Cottages|Buildings|Villas|Causeway|Highway|Bypass|Loke|Vennel|Squares|Flats|Side|Paddocks|Mill|Mills|Common|Corner|Cross|Drove|Leys|Path|Crest|Mount|Pastures|Acre|Acres|Copse|Spinney|Dell|Steps|Hey|Holme|Wynd";

const POSTCODE: &str = r"(?:(?:GIR ?0AA)|(?:[BEGLMNSW](?:[0-9][0-9]?|[0-9][A-HJKPSTUW])|[A-PR-UWYZ](?:[A-HK-Y][0-9][0-9]?|[A-HK-Y][0-9][ABEHMNPRVWXY])) ?[0-9][ABD-HJLNP-UW-Z]{2})";

const MONTHS: &str = "January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec";

/// True when a folded word is a street word ("road", "plaza", "glen"): a
/// street is not a person.
pub fn is_street_word(key: &str) -> bool {
    is_street_only_word(key) || street_suffixes().contains(key)
}

/// True when a folded word is a street word that is hardly ever a surname
/// ("plaza", "glen", "extension"; not "hill", "wood", "green").
pub fn is_street_only_word(key: &str) -> bool {
    MORE_STREET_WORDS.contains(&key)
}

fn street_suffixes() -> &'static super::tokens::FastSet<String> {
    static SET: OnceLock<super::tokens::FastSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        STREET_SUFFIXES
            .split('|')
            .map(str::to_ascii_lowercase)
            .collect()
    })
}

/// Street words that are not matched as a street suffix in an address (an
/// address needs a number before), but still make a name a street's.
const MORE_STREET_WORDS: &[&str] = &[
    "plaza",
    "glen",
    "extension",
    "junction",
    "station",
    "estate",
    "creek",
    "bayou",
    "annex",
    "expressway",
    "freeway",
    "circle",
    "ranch",
    "trail",
    "crossing",
    "center",
];

struct Regexes {
    email: Regex,
    address: Regex,
    address_anycase: Regex,
    address_town: Regex,
    postcode: Regex,
    phone: Regex,
    nhs: Regex,
    ni: Regex,
    dob: Regex,
}

// Fixed patterns, compiled by every test of the check: one that failed to
// compile is a programming error the first test run shows, not a condition
// to handle at run time.
#[allow(clippy::expect_used)]
fn regexes() -> &'static Regexes {
    static RE: OnceLock<Regexes> = OnceLock::new();
    RE.get_or_init(|| {
        let email = Regex::new(
            r"(?-u:\b)[A-Za-z0-9][A-Za-z0-9._%+'-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}(?-u:\b)",
        )
        .expect("email regex");

        // A capitalised word of a street or town name.
        let word = r"\p{Lu}[\p{L}\p{M}'’\-]*\.?";
        let place = format!(r"{word}(?:[ \t]+{word}){{0,2}}");
        let number = r"\d{1,4}[A-Za-z]?(?:[ \t]?-[ \t]?\d{1,4}[A-Za-z]?)?";
        let flat = r"(?i:Flat|Apartment|Apt\.?|Unit|Maisonette|Studio)[ \t]+\d{1,4}[A-Za-z]?,?[ \t]+";
        let tail = format!(
            r"(?:,?[ \t]+{place}(?:,[ \t]*{place})?,?[ \t]+(?i:{POSTCODE})|,?[ \t]+(?i:{POSTCODE}))?"
        );
        let address = Regex::new(&format!(
            r"(?-u:\b)(?:{flat}(?:{number},?[ \t]+)?|{number},?[ \t]+)(?:{word}[ \t]+){{1,3}}(?:{STREET_SUFFIXES})(?-u:\b)\.?{tail}(?-u:\b)"
        ))
        .expect("address regex");
        // The same in any case, but only when a postcode confirms it.
        let lword = r"[\p{L}\p{M}'’\-]+\.?";
        let lplace = format!(r"{lword}(?:[ \t]+{lword}){{0,2}}");
        let address_anycase = Regex::new(&format!(
            r"(?i)(?-u:\b)(?:{flat}(?:{number},?[ \t]+)?|{number},?[ \t]+)(?:{lword}[ \t]+){{1,3}}(?:{STREET_SUFFIXES})(?-u:\b),?(?:[ \t]+{lplace}(?:,[ \t]*{lplace})?,?)?[ \t]+{POSTCODE}(?-u:\b)"
        ))
        .expect("address regex (any case)");

        // No street word ("14 Canal Side", "3 The Paddocks"): a town, a
        // postcode or both must follow.
        let address_town = Regex::new(&format!(
            r"(?-u:\b)(?:{flat}(?:{number},?[ \t]+)?|{number},?[ \t]+)(?:{word}[ \t]+){{0,2}}{word}(?:,[ \t]*{place}(?P<pc1>,?[ \t]+(?i:{POSTCODE}))?|(?P<pc2>,?[ \t]+(?i:{POSTCODE})))(?-u:\b)"
        ))
        .expect("address regex (no street word)");
        let postcode =
            Regex::new(&format!(r"(?i)(?-u:\b){POSTCODE}(?-u:\b)")).expect("postcode regex");

        let sep = r"(?:[ \u{a0}]{1,2}|[.\-])?";
        let phone = Regex::new(&format!(
            r"(?:\+[ \u{{a0}}]?44|(?-u:\b)0044)[ \u{{a0}}]?(?:\(0\)[ \u{{a0}}]?)?[1-9](?:{sep}\d){{8,9}}|\(0\d{{2,5}}\)[ \u{{a0}}]?\d(?:{sep}\d){{4,7}}|(?-u:\b)0[1-9](?:{sep}\d){{8,9}}"
        ))
        .expect("phone regex");

        let nhs = Regex::new(r"(?-u:\b)(?:\d{3} \d{3} \d{4}|\d{3}-\d{3}-\d{4}|\d{10})(?-u:\b)")
            .expect("nhs regex");

        let ni = Regex::new(
            r"(?i)(?-u:\b)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?-u:\b)",
        )
        .expect("ni regex");

        let date = format!(
            r"\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:\d{{4}}|\d{{2}})|\d{{1,2}}[/.\-](?:{MONTHS})[/.\-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?(?:{MONTHS})\.?(?:,?[ \t]+\d{{4}})?|(?:{MONTHS})\.?[ \t]+\d{{1,2}}(?:st|nd|rd|th)?(?:,?[ \t]+\d{{4}})?|(?:{MONTHS})\.?[ \t]+\d{{4}}"
        );
        let dob = Regex::new(&format!(
            r"(?i)(?-u:\b)(?:(?:born|date[ \t]+of[ \t]+birth|birth[ \t]*date|birthday|dob)(?-u:\b)|d\.[ \t]?o\.[ \t]?b\.?)[ \t:(\-–—=,]*(?:(?:(?:of|for)[ \t]+(?:the[ \t]+)?)?\p{{L}}[\p{{L}}'’]*(?:[ \t]+\p{{L}}[\p{{L}}'’]*)?[ \t]*[):][ \t:\-–—=,]*)?(?:(?:is|was|on|of|in|the|given[ \t]+as)[ \t]+)*(?P<date>{date})(?-u:\b)|(?-u:\b)born[ \t]+in[ \t]+(?P<year>(?:19|20)\d{{2}})(?-u:\b)"
        ))
        .expect("dob regex");

        Regexes {
            email,
            address,
            address_anycase,
            address_town,
            postcode,
            phone,
            nhs,
            ni,
            dob,
        }
    })
}

/// Every candidate from every detector, in no particular order; overlaps are
/// settled by the caller.
pub fn find_all(text: &str, out: &mut Vec<Candidate>) {
    let re = regexes();
    let push = |out: &mut Vec<Candidate>, kind, start, end| {
        out.push(Candidate { kind, start, end });
    };

    // Every detector but email needs a digit, and email needs an "@": a
    // text without them skips those passes (most sentences have no digit).
    let digits = text.bytes().any(|b| b.is_ascii_digit());
    let at = text.as_bytes().contains(&b'@');
    super::labelled::find_all(text, digits, at, out);
    if at {
        for m in re.email.find_iter(text) {
            push(out, FindingKind::Email, m.start(), m.end());
        }
    }
    if !digits {
        return;
    }
    for m in re.address.find_iter(text) {
        if address_ok(text, m.start()) {
            let end = trim_end_dot(text, m.start(), m.end());
            push(out, FindingKind::Address, m.start(), end);
        }
    }
    for m in re.address_anycase.find_iter(text) {
        if address_ok(text, m.start()) {
            push(out, FindingKind::Address, m.start(), m.end());
        }
    }
    for c in re.address_town.captures_iter(text) {
        let Some(m) = c.get(0) else { continue };
        let end = trim_end_dot(text, m.start(), m.end());
        // Without a postcode, the town ends the clause: "3 The Paddocks,
        // Sheffield." but not "3 Cats, Dogs and a rabbit".
        let postcode = c.name("pc1").or_else(|| c.name("pc2")).is_some();
        let clause_end = text[end..]
            .chars()
            .next()
            .is_none_or(|ch| matches!(ch, '.' | ';' | '\n' | '\r' | ')' | '!' | '?'));
        if address_ok(text, m.start()) && (postcode || clause_end) {
            push(out, FindingKind::Address, m.start(), end);
        }
    }
    for m in re.postcode.find_iter(text) {
        if postcode_ok(text, m.start(), m.end()) {
            push(out, FindingKind::Postcode, m.start(), m.end());
        }
    }
    for m in re.phone.find_iter(text) {
        if phone_ok(text, m.start(), m.end()) {
            push(out, FindingKind::Phone, m.start(), m.end());
        }
    }
    for m in re.nhs.find_iter(text) {
        if nhs_ok(text, m.start(), m.end()) {
            push(out, FindingKind::NhsNumber, m.start(), m.end());
        }
    }
    for m in re.ni.find_iter(text) {
        if ni_ok(m.as_str()) {
            push(out, FindingKind::NiNumber, m.start(), m.end());
        }
    }
    for c in re.dob.captures_iter(text) {
        if let Some(d) = c.name("date").or_else(|| c.name("year")) {
            push(out, FindingKind::DateOfBirth, d.start(), d.end());
        }
    }
}

/// Words after which a number is not a house number ("room 12", "Year 6").
const NOT_HOUSE_NUMBER_AFTER: &[&str] = &[
    "year",
    "room",
    "page",
    "class",
    "group",
    "ward",
    "bay",
    "bed",
    "level",
    "floor",
    "step",
    "platform",
    "gate",
    "chapter",
    "section",
    "no",
    "number",
    "route",
    "bus",
    "table",
    "item",
    "line",
    "question",
    "session",
    "week",
    "day",
    "age",
    "aged",
    "ref",
    "reference",
];

fn address_ok(text: &str, start: usize) -> bool {
    let before = &text[..start];
    // Not the end of a time, date or longer number: "10:30 Park Road".
    if let Some(c) = before.chars().next_back() {
        if matches!(c, ':' | '/' | '.' | '-' | '£' | '$' | '#') || c.is_alphanumeric() {
            return false;
        }
    }
    let prev_word: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    !NOT_HOUSE_NUMBER_AFTER.contains(&prev_word.as_str())
}

/// An address ends at a word, not at the full stop after an abbreviation
/// that closes a sentence ("12 Mill Rd.").
fn trim_end_dot(text: &str, start: usize, end: usize) -> usize {
    if end > start && text.as_bytes()[end - 1] == b'.' {
        end - 1
    } else {
        end
    }
}

fn byte_before(text: &str, i: usize) -> Option<u8> {
    i.checked_sub(1).map(|j| text.as_bytes()[j])
}

fn byte_at(text: &str, i: usize) -> Option<u8> {
    text.as_bytes().get(i).copied()
}

fn postcode_ok(text: &str, start: usize, end: usize) -> bool {
    let s = &text[start..end];
    // "Y11 2nd set", "M6 5th exit": an ordinal is not an inward code.
    let inward = &s[s.len() - 3..];
    // (Upper case "8TH" is a real inward code: B33 8TH.)
    let ordinal = ["st", "nd", "rd", "th"].contains(&&inward[1..]);
    let upper = s.bytes().any(|b| b.is_ascii_uppercase());
    let lower = s.bytes().any(|b| b.is_ascii_lowercase());
    if ordinal || (upper && lower) {
        return false;
    }
    // Not glued to a longer code (`X-SW1A1AA`) or a number (`1SW1A 1AA`).
    !matches!(byte_before(text, start), Some(b'-' | b'/' | b'_'))
        && !matches!(byte_at(text, end), Some(b'-' | b'/' | b'_'))
}

/// The digits of a written number, in order.
fn digits(s: &str) -> Vec<u8> {
    s.bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect()
}

fn phone_ok(text: &str, start: usize, end: usize) -> bool {
    // Not the middle of a longer number or code.
    if let Some(b) = byte_before(text, start) {
        if b.is_ascii_alphanumeric()
            || b == b'+'
            || b == b'/'
            || (b == b'.' && is_digit_before(text, start - 1))
        {
            return false;
        }
    }
    if let Some(b) = byte_at(text, end) {
        if b.is_ascii_alphanumeric() || (matches!(b, b'-' | b'/') && is_digit_at(text, end + 1)) {
            return false;
        }
    }
    // "case 01234567890", "our ref 01234567890": a reference, not a phone.
    let window_start = floor_char_boundary(text, start.saturating_sub(16));
    let before = text[window_start..start].to_ascii_lowercase();
    let before = before.trim_end_matches([' ', ':', '.', '#', '\u{a0}']);
    if [
        "case",
        "ref",
        "reference",
        "case no",
        "case number",
        "case id",
    ]
    .iter()
    .any(|w| before.ends_with(w))
    {
        return false;
    }
    let s = &text[start..end];
    let d = digits(s);
    // The national significant number: what follows the 0, or 44 (and an
    // optional "(0)").
    let nsn: &[u8] = if s.starts_with('+') || s.starts_with("0044") {
        let after = if s.starts_with('+') { &d[2..] } else { &d[4..] };
        if s.contains("(0)") {
            &after[1..]
        } else {
            after
        }
    } else {
        &d[1..]
    };
    // Most numbers have ten digits after the 0; some 01 areas ("016977 4567")
    // and 0500/0800 numbers have nine.
    let nine = nsn.len() == 9
        && (nsn[0] == 1 || nsn.starts_with(&[8, 0, 0]) || nsn.starts_with(&[5, 0, 0]));
    (nsn.len() == 10 || nine) && matches!(nsn[0], 1 | 2 | 3 | 5 | 7 | 8 | 9)
}

fn is_digit_before(text: &str, i: usize) -> bool {
    byte_before(text, i).is_some_and(|b| b.is_ascii_digit())
}

fn is_digit_at(text: &str, i: usize) -> bool {
    byte_at(text, i).is_some_and(|b| b.is_ascii_digit())
}

/// The NHS number check digit: weights 10 down to 2 on the first nine
/// digits, 11 minus the sum modulo 11; 11 becomes 0, and 10 means the number
/// is not valid.
pub fn nhs_check_digit_valid(d: &[u8]) -> bool {
    if d.len() != 10 || d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &x)| u32::from(x) * (10 - i as u32))
        .sum();
    let check = match 11 - (sum % 11) {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(d[9])
}

fn nhs_ok(text: &str, start: usize, end: usize) -> bool {
    if matches!(byte_before(text, start), Some(b'+' | b'-' | b'/' | b'.'))
        && is_digit_before(text, start - 1)
    {
        return false;
    }
    if matches!(byte_at(text, end), Some(b'-' | b'/' | b'.')) && is_digit_at(text, end + 1) {
        return false;
    }
    // Not the rest of a phone number: "+44 (0)113 496 0123", "0044 113 ...".
    if let Some(c) = text[..start]
        .trim_end_matches([' ', '\u{a0}'])
        .chars()
        .next_back()
    {
        if c == ')' || c == '+' || c.is_ascii_digit() {
            return false;
        }
    }
    if !nhs_check_digit_valid(&digits(&text[start..end])) {
        return false;
    }
    // A reference that happens to pass the check is still a reference.
    let window_start = floor_char_boundary(text, start.saturating_sub(32));
    let before = text[window_start..start].to_ascii_lowercase();
    if before.contains("nhs") {
        return true;
    }
    !(before.contains("ref")
        || before.contains("case number")
        || before.contains("case no")
        || before.contains("case id")
        || before.contains("account")
        || before.contains("invoice")
        || before.contains("order")
        || before.contains("room"))
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// National Insurance number prefixes that are never issued.
const NI_BAD_PREFIXES: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

fn ni_ok(s: &str) -> bool {
    let prefix = s[..2].to_ascii_uppercase();
    if NI_BAD_PREFIXES.contains(&prefix.as_str()) {
        return false;
    }
    // Spacing is either none or the usual pairs: "AB123456C", "AB 12 34 56 C".
    let spaces = s.bytes().filter(|&b| b == b' ').count();
    spaces == 0 || spaces == 4 || s.len() == 11 && spaces == 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(FindingKind, &str)> {
        let mut out = Vec::new();
        find_all(text, &mut out);
        out.sort_by_key(|c| (c.start, c.end));
        out.iter()
            .map(|c| (c.kind, &text[c.start..c.end]))
            .collect()
    }

    #[test]
    fn nhs_check_digit() {
        assert!(nhs_check_digit_valid(&digits("943 476 5919")));
        assert!(!nhs_check_digit_valid(&digits("943 476 5918")));
        assert!(!nhs_check_digit_valid(&digits("0000000000")));
        assert!(nhs_check_digit_valid(&digits("4605347194")));
    }

    #[test]
    fn ni_rules() {
        assert!(ni_ok("AB123456C"));
        assert!(ni_ok("AB 12 34 56 C"));
        assert!(!ni_ok("GB123456A"));
        assert!(!ni_ok("ZZ 12 34 56 A"));
        assert!(kinds("NI: DA123456C").is_empty());
        assert!(kinds("NI: AO123456C").is_empty());
        assert!(kinds("NI: QQ 12 34 56 C").is_empty());
    }

    #[test]
    fn phones_need_eleven_digits() {
        assert_eq!(
            kinds("ring 07700 900123 or 0161 496 0000"),
            vec![
                (FindingKind::Phone, "07700 900123"),
                (FindingKind::Phone, "0161 496 0000")
            ]
        );
        assert!(kinds("ring 0800 1111 now").is_empty());
        assert!(kinds("ref 077009001234").is_empty());
    }
}
