//! The redaction check: what in a text must not reach its readers unless a
//! member of staff decides it may.
//!
//! [`check`] takes the text, the reader's age and the people of the case, and
//! returns:
//! - `findings`: non-overlapping spans, sorted by start, in UTF-8 byte
//!   offsets (end exclusive, always on char boundaries), each with a kind:
//!   `person`, `unknown_person`, `address`, `postcode`, `phone`, `email`,
//!   `nhs_number`, `ni_number`, `date_of_birth`;
//! - `reading_age`: see [`crate::reading`];
//! - `jargon`: see [`crate::jargon`].
//!
//! Span conventions (they match `content/tests/data/redaction-examples.jsonl`):
//! - a person is reported by the name as written, without a possessive
//!   ending and without titles or cue words: "Dean's" -> `Dean`,
//!   "Mum's friend Tyler" -> `Tyler`, "Callum Kelly's" -> `Callum Kelly`;
//!   a full name is one span, a first name or a surname alone is one span;
//! - an address runs from the flat or house number to the end of the street
//!   and, when a postcode follows, on through the town to the end of the
//!   postcode: `Flat 1, 86 Mill Lane, Croydon CR3 7PD`; a postcode on its own
//!   is a `postcode`;
//! - a date of birth is the date only: "(date of birth 16/10/2009)" ->
//!   `16/10/2009`;
//! - numbers (phone, NHS, NI) are reported as written, spaces included.
//!
//! Never flagged: the readers (people with `recipient: true`),
//! professionals, times, case references, room numbers, ordinary dates.
//!
//! The text is checked as written and, when it holds markup or characters
//! that read differently once rendered, also as the family will read it
//! ([`visible`]: rendered, raw HTML stripped, normalised), with those
//! findings mapped back to byte ranges of the source and merged in.
//!
//! The work is a fixed number of passes over the text, each linear in its
//! length: the `regex` detectors (finite automata), one tokenisation, and
//! hash look-ups per word for names. The number of people only changes the
//! size of a hash table, never the number of passes.

mod labelled;
mod lists;
mod names;
mod origins;
mod patterns;
pub mod tokens;
mod unknown;
mod visible;

use serde::{Deserialize, Serialize};

pub use patterns::nhs_check_digit_valid;

use crate::jargon::{Glossary, JargonHit};

/// One request to the check.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct CheckRequest {
    pub text: String,
    pub reader: Reader,
    pub people: Vec<CasePerson>,
}

/// Who will read the text.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct Reader {
    /// The reader's age in years (an adult may be e.g. 30).
    pub age: u32,
}

/// A person of the case.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct CasePerson {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub role: Role,
    /// True when this person is one of the readers of the text.
    pub recipient: bool,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Child,
    Parent,
    Carer,
    Sibling,
    Relative,
    Partner,
    Other,
    Professional,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    Person,
    UnknownPerson,
    Address,
    Postcode,
    Phone,
    Email,
    NhsNumber,
    NiNumber,
    DateOfBirth,
}

impl FindingKind {
    /// The name used in JSON: `person`, `unknown_person`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Person => "person",
            FindingKind::UnknownPerson => "unknown_person",
            FindingKind::Address => "address",
            FindingKind::Postcode => "postcode",
            FindingKind::Phone => "phone",
            FindingKind::Email => "email",
            FindingKind::NhsNumber => "nhs_number",
            FindingKind::NiNumber => "ni_number",
            FindingKind::DateOfBirth => "date_of_birth",
        }
    }

    /// When two detectors claim overlapping text, the lower rank wins.
    fn rank(self) -> u8 {
        match self {
            FindingKind::Email => 0,
            FindingKind::Address => 1,
            FindingKind::DateOfBirth => 2,
            FindingKind::NhsNumber => 3,
            FindingKind::NiNumber => 4,
            FindingKind::Phone => 5,
            FindingKind::Postcode => 6,
            FindingKind::Person => 7,
            FindingKind::UnknownPerson => 8,
        }
    }
}

/// Something in the text that must be redacted or kept with a reason.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// UTF-8 byte offset of the first byte.
    pub start: usize,
    /// UTF-8 byte offset just past the last byte (exclusive).
    pub end: usize,
    /// The text of the span, `text[start..end]`.
    pub text: String,
}

/// The answer to a [`CheckRequest`].
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
pub struct CheckResponse {
    pub findings: Vec<Finding>,
    pub reading_age: f64,
    pub jargon: Vec<JargonHit>,
}

/// Runs the whole check: findings, reading age and jargon.
///
/// Each segment of the text is tokenised once, and the names, the jargon
/// and the reading age all read those tokens.
pub fn check(req: &CheckRequest) -> CheckResponse {
    let text = req.text.as_str();
    let index = names::People::new(&req.people);
    let glossary = Glossary::builtin();
    let mut written = Vec::new();
    let mut jargon = Vec::new();
    let mut tokens = Vec::new();
    for (start, end) in segments(text) {
        let words = names::Words::new(&text[start..end]);
        find_in_segment(&words, start, &index, &mut written);
        glossary.find_in_words(&words, start, &mut jargon);
        if start == 0 {
            tokens = words.tokens;
        } else {
            tokens.extend(words.tokens.iter().map(|t| t.shifted(start)));
        }
    }
    CheckResponse {
        findings: with_visible(text, &index, written),
        reading_age: crate::reading::reading_age_of(text, &tokens),
        jargon,
    }
}

/// The redaction findings alone (no reading age, no jargon).
///
/// A long text is checked one segment at a time (see [`segments`]), so the
/// memory the check works in stays small and the time per MB stays the same
/// whatever the length of the text.
///
/// The text is checked as written and, unless it reads the same rendered
/// (see [`visible`]), also as the family will read it: rendered, its markup
/// undone and its letters normalised. Findings in the rendered text are
/// mapped back to byte ranges of `text` that cover what the family sees,
/// and added where the text as written found nothing, or where they cover
/// more ("De*an*", "Dea&#110;", "D<!-- -->ean").
pub fn find(text: &str, people: &[CasePerson]) -> Vec<Finding> {
    let index = names::People::new(people);
    let written = find_with(text, &index);
    with_visible(text, &index, written)
}

/// Adds to the findings of `text` as written those of the text as the
/// family will read it, when that differs.
fn with_visible(text: &str, index: &names::People, written: Vec<Finding>) -> Vec<Finding> {
    if visible::reads_as_written(text) {
        return written;
    }
    let seen = visible::Visible::of(text);
    let mapped = find_with(&seen.text, index).into_iter().map(|f| {
        let (start, end) = seen.source_range(f.start, f.end);
        let (start, end) = visible::balance_markup(text, start, end);
        finding(text, f.kind, start, end)
    });
    merge(written, mapped)
}

/// The findings of `text` as written, one segment at a time.
fn find_with(text: &str, index: &names::People) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (start, end) in segments(text) {
        let words = names::Words::new(&text[start..end]);
        find_in_segment(&words, start, index, &mut findings);
    }
    findings
}

/// Adds the findings of the rendered text to those of the text as written:
/// one that overlaps none is added; one that covers every finding it
/// overlaps replaces them; any other is dropped (the written one stands).
/// Both lists are walked once, in order.
fn merge(written: Vec<Finding>, seen: impl Iterator<Item = Finding>) -> Vec<Finding> {
    let mut seen: Vec<Finding> = seen.filter(|f| f.start < f.end).collect();
    seen.sort_by_key(|f| (f.start, f.end));
    let mut out: Vec<Finding> = Vec::with_capacity(written.len() + seen.len());
    let mut written = written.into_iter().peekable();
    for f in seen {
        // Written findings wholly before this one.
        while let Some(g) = written.next_if(|g| g.end <= f.start) {
            out.push(g);
        }
        let mut overlapping = Vec::new();
        while let Some(g) = written.next_if(|g| g.start < f.end) {
            overlapping.push(g);
        }
        let clear = out.last().is_none_or(|last| last.end <= f.start);
        let covers = overlapping
            .iter()
            .all(|g| f.start <= g.start && g.end <= f.end);
        let same = overlapping.len() == 1
            && overlapping[0].start == f.start
            && overlapping[0].end == f.end;
        if clear && covers && !same {
            out.push(f);
        } else {
            out.extend(overlapping);
        }
    }
    out.extend(written);
    out
}

/// The size a segment of a long text aims for.
pub const SEGMENT_BYTES: usize = 64 * 1024;

/// Splits `text` into consecutive byte ranges of about [`SEGMENT_BYTES`]
/// that no finding or glossary term can cross: at a blank line where there
/// is one (a paragraph break ends every kind of finding), else at a line
/// break, else after a sentence, else at a space. A text no longer than a
/// segment is one range. Linear in the length of the text.
pub fn segments(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(text.len() / SEGMENT_BYTES + 1);
    let mut start = 0;
    while text.len() - start > SEGMENT_BYTES {
        let mut lo = start + SEGMENT_BYTES / 2;
        let mut hi = start + SEGMENT_BYTES;
        while !text.is_char_boundary(lo) {
            lo += 1;
        }
        while !text.is_char_boundary(hi) {
            hi -= 1;
        }
        let window = &text[lo..hi];
        let cut = window
            .rfind("\n\n")
            .map(|i| i + 2)
            .or_else(|| window.rfind("\n\r\n").map(|i| i + 3))
            .or_else(|| window.rfind('\n').map(|i| i + 1))
            .or_else(|| sentence_end(window))
            .or_else(|| window.rfind(' ').map(|i| i + 1))
            .map_or(hi, |i| lo + i);
        out.push((start, cut));
        start = cut;
    }
    if start < text.len() || out.is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// The last place in `window` just after a full stop that ends a sentence:
/// ". " after a word of four letters or more and before a capital letter
/// (so not "St. Mary's", "Dr. Patel" or "d.o.b. 12/03/2010").
fn sentence_end(window: &str) -> Option<usize> {
    window.rmatch_indices(". ").find_map(|(i, _)| {
        let word = window[..i]
            .chars()
            .rev()
            .take_while(|c| c.is_alphabetic())
            .count();
        let capital = window[i + 2..]
            .chars()
            .next()
            .is_some_and(char::is_uppercase);
        (word >= 4 && capital).then_some(i + 2)
    })
}

/// Finds everything in one segment, whose first byte is at `offset` in the
/// whole text, and appends the findings (offsets into the whole text).
fn find_in_segment(
    words: &names::Words,
    offset: usize,
    index: &names::People,
    out: &mut Vec<Finding>,
) {
    let text = words.text;
    // 1. Pattern detectors, overlaps settled by rank then length.
    let mut candidates = Vec::new();
    patterns::find_all(text, &mut candidates);
    let claimed = settle(candidates);

    // 2. Which words the patterns already took.
    let mut blocked = vec![false; words.tokens.len()];
    {
        let mut c = 0;
        for (i, t) in words.tokens.iter().enumerate() {
            while c < claimed.len() && claimed[c].end <= t.start {
                c += 1;
            }
            if c < claimed.len() && claimed[c].start < t.end {
                blocked[i] = true;
            }
        }
    }

    // 3. People of the case.
    let matches = index.find(words, &blocked);
    for m in &matches {
        for b in &mut blocked[m.first_token..=m.last_token] {
            *b = true;
        }
    }

    // 4. People who are not in the case.
    let unknown = unknown::find_unknown(words, &blocked);

    // 5. Put the name findings together, joining neighbours that are one name.
    let mut findings: Vec<Finding> = claimed
        .into_iter()
        .map(|c| finding(text, c.kind, c.start, c.end))
        .collect();
    findings.append(&mut join_names(words, &matches, &unknown));
    findings.sort_by_key(|f| (f.start, f.end));
    debug_assert!(findings.windows(2).all(|w| w[0].end <= w[1].start));
    out.extend(findings.into_iter().map(|mut f| {
        f.start += offset;
        f.end += offset;
        f
    }));
}

/// Keeps the best of overlapping pattern candidates: lower rank first, then
/// longer. Returns them sorted by start, non-overlapping.
fn settle(mut candidates: Vec<patterns::Candidate>) -> Vec<patterns::Candidate> {
    candidates.sort_by_key(|c| (c.kind.rank(), std::cmp::Reverse(c.end - c.start), c.start));
    let mut kept: std::collections::BTreeMap<usize, patterns::Candidate> =
        std::collections::BTreeMap::new();
    for c in candidates {
        if c.start >= c.end {
            continue;
        }
        // The kept span starting at or before c.start, and the one after.
        let before = kept.range(..=c.start).next_back().map(|(_, k)| *k);
        let after = kept.range(c.start..).next().map(|(_, k)| *k);
        let overlaps =
            before.is_some_and(|k| k.end > c.start) || after.is_some_and(|k| k.start < c.end);
        if !overlaps {
            kept.insert(c.start, c);
        }
    }
    kept.into_values().collect()
}

/// Turns name matches into findings:
/// - a case person's matches are `person` findings when the person is
///   flagged (not a reader, not a professional), and nothing otherwise;
/// - an unknown given name directly followed by a case surname is one
///   `unknown_person` ("Leah Walsh" where only Dylan Walsh is in the case);
/// - a case person's given name, one unknown word, and the same person's
///   surname are one `person` (a middle name: "Dean Anthony Walsh").
fn join_names(
    words: &names::Words,
    matches: &[names::NameMatch],
    unknown: &[unknown::UnknownMatch],
) -> Vec<Finding> {
    enum Item<'a> {
        Case(&'a names::NameMatch<'a>),
        Unknown(&'a unknown::UnknownMatch),
    }
    let mut items: Vec<(usize, Item)> = matches
        .iter()
        .map(|m| (m.first_token, Item::Case(m)))
        .chain(unknown.iter().map(|u| (u.first_token, Item::Unknown(u))))
        .collect();
    items.sort_by_key(|(t, _)| *t);

    let text = words.text;
    let adjacent = |a_last: usize, b_first: usize| {
        b_first == a_last + 1
            && !words.tokens[a_last].is_possessive()
            && tokens::gap(text, words.tokens[a_last].end, words.tokens[b_first].start)
                == tokens::Gap::Space
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k < items.len() {
        match &items[k].1 {
            Item::Unknown(u) => {
                // Unknown given name + case surname.
                if let Some((_, Item::Case(m))) = items.get(k + 1) {
                    if m.form == names::Form::Surname
                        && u.first_token == u.last_token
                        && adjacent(u.last_token, m.first_token)
                    {
                        out.push(finding(text, FindingKind::UnknownPerson, u.start, m.end));
                        k += 2;
                        continue;
                    }
                }
                out.push(finding(text, FindingKind::UnknownPerson, u.start, u.end));
                k += 1;
            }
            Item::Case(m) => {
                // Given name + middle name + surname of the same person.
                if let (Some((_, Item::Unknown(u))), Some((_, Item::Case(m2)))) =
                    (items.get(k + 1), items.get(k + 2))
                {
                    if m.form == names::Form::Given
                        && m2.form == names::Form::Surname
                        && u.first_token == u.last_token
                        && adjacent(m.last_token, u.first_token)
                        && adjacent(u.last_token, m2.first_token)
                        && m.people.iter().any(|p| m2.people.contains(p))
                    {
                        if m.flag || m2.flag {
                            out.push(finding(text, FindingKind::Person, m.start, m2.end));
                        }
                        k += 3;
                        continue;
                    }
                }
                if m.flag {
                    out.push(finding(text, FindingKind::Person, m.start, m.end));
                }
                k += 1;
            }
        }
    }
    out
}

fn finding(text: &str, kind: FindingKind, start: usize, end: usize) -> Finding {
    Finding {
        kind,
        start,
        end,
        text: text[start..end].to_string(),
    }
}
