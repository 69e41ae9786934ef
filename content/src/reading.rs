//! Reading age: how old a typical reader needs to be to read a text easily.
//!
//! The formula is the Flesch–Kincaid grade level, turned into an age by
//! adding 5 (US grade 1 is read at about age 6):
//!
//! ```text
//! grade       = 0.39 × (words ÷ sentences) + 11.8 × (syllables ÷ words) − 15.59
//! reading age = grade + 5, clamped to 5.0 ..= 25.0, rounded to one decimal
//! ```
//!
//! and 0.0 for a text with no words. How the counts are made:
//! - **words** are runs of letters (with `'` or `-` inside); numbers, web
//!   addresses and email addresses are not counted;
//! - **sentences** end at `.`, `!` or `?` followed by a space or the end (not
//!   after `Mr.`, `Mrs.`, `Dr.`, `e.g.`, `i.e.`), at a blank line, and at a
//!   Markdown heading or list item, so that headings and bullet points count
//!   as short sentences;
//! - **syllables** are counted by a rule-based counter for English: groups of
//!   vowels (`y` counts as a vowel except at the start of a word), less a
//!   silent final `e` (but `-le` after a consonant is a syllable), less the
//!   `-es` and `-ed` endings that are not said as a syllable (`makes`,
//!   `talked`; but `places`, `wanted`), plus one for `-ing` after a vowel
//!   (`being`); acronyms in capitals count one syllable a letter (`NHS` = 3).
//!   Every word has at least one syllable.
//!
//! The check shows the reading age next to the reader's age, and
//! [`reading_age_flag`] says when the text is likely too hard for them.

use std::sync::OnceLock;

use crate::check::tokens::{self, FastMap, Token};

/// The lowest reading age reported for a text with words.
pub const MIN_READING_AGE: f64 = 5.0;
/// The highest reading age reported.
pub const MAX_READING_AGE: f64 = 25.0;

/// Counts that the reading age is computed from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextStats {
    pub words: usize,
    pub sentences: usize,
    pub syllables: usize,
}

impl TextStats {
    /// The Flesch–Kincaid grade level, unclamped.
    pub fn grade(&self) -> f64 {
        if self.words == 0 {
            return 0.0;
        }
        let sentences = self.sentences.max(1) as f64;
        let words = self.words as f64;
        0.39 * (words / sentences) + 11.8 * (self.syllables as f64 / words) - 15.59
    }
}

/// The estimated reading age of `text` (plain text or Markdown), in years.
pub fn reading_age(text: &str) -> f64 {
    reading_age_of(text, &tokens::tokenize(text))
}

/// [`reading_age`] of a text already tokenised (`tokens` are those of
/// [`tokens::tokenize`] on `text`).
pub(crate) fn reading_age_of(text: &str, tokens: &[Token]) -> f64 {
    let stats = stats_of(text, tokens);
    if stats.words == 0 {
        return 0.0;
    }
    let age = (stats.grade() + 5.0).clamp(MIN_READING_AGE, MAX_READING_AGE);
    (age * 10.0).round() / 10.0
}

/// True when the text's reading age is above the reader's age.
pub fn reading_age_flag(text: &str, reader_age: u32) -> bool {
    reading_age(text) > f64::from(reader_age)
}

/// Words, sentences and syllables of `text`.
pub fn text_stats(text: &str) -> TextStats {
    stats_of(text, &tokens::tokenize(text))
}

fn stats_of(text: &str, toks: &[Token]) -> TextStats {
    let mut stats = TextStats::default();
    let mut in_sentence = 0usize;
    let mut skip_until = 0usize; // end of a URL or email being skipped
    for (i, t) in toks.iter().enumerate() {
        let gap_before = if i == 0 {
            &text[..t.start]
        } else {
            &text[toks[i - 1].end..t.start]
        };
        if i > 0 && in_sentence > 0 && ends_sentence(text, &toks[i - 1], gap_before) {
            stats.sentences += 1;
            in_sentence = 0;
        }
        if t.start < skip_until {
            continue;
        }
        // Only a word followed by ':', '.' or '@' can start a web or email
        // address ("https:", "www.", "someone@").
        if matches!(text.as_bytes().get(t.end), Some(b':' | b'.' | b'@')) {
            if let Some(end) = url_or_email_end(text, t.start) {
                skip_until = end;
                continue;
            }
        }
        let word = t.full(text);
        if !word.chars().any(char::is_alphabetic) {
            continue;
        }
        stats.words += 1;
        stats.syllables += syllables(word);
        in_sentence += 1;
    }
    if in_sentence > 0 {
        stats.sentences += 1;
    }
    stats
}

/// When the text at `start` is a web address or email address, where it ends.
fn url_or_email_end(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let end_of_run = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ')' | ']' | '>' | '<' | '"'))
        .unwrap_or(rest.len());
    let run = rest[..end_of_run].trim_end_matches(['.', ',', ';', ':', '!', '?']);
    let is_url = ["http://", "https://", "www.", "mailto:"].iter().any(|p| {
        run.get(..p.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(p))
    });
    let is_email = run.contains('@') && run.rsplit('@').next().is_some_and(|d| d.contains('.'));
    (is_url || is_email).then_some(start + run.len())
}

/// Does the gap after token `prev` end a sentence?
fn ends_sentence(text: &str, prev: &Token, gap: &str) -> bool {
    // Blank line, or a new Markdown block (heading, list item, quote, table row).
    if gap.contains('\n') {
        let mut lines = gap.split('\n');
        lines.next();
        let mut blank = false;
        for line in lines {
            let l = line.trim_start();
            if l.trim().is_empty() {
                blank = true;
                continue;
            }
            if blank {
                return true;
            }
            if l.starts_with(['#', '-', '*', '+', '>', '|']) {
                return true;
            }
        }
        if blank {
            return true;
        }
        // A line ending that starts a numbered list item: "\n2. "
        if gap.trim_start().is_empty() {
            let after = &text[prev.end + gap.len()..];
            let digits = after.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && after[digits..].starts_with(['.', ')']) {
                return true;
            }
        }
    }
    let Some(p) = gap.find(['.', '!', '?']) else {
        return false;
    };
    // "Mr. Smith", "e.g. this": not an end.
    if gap.as_bytes()[p] == b'.' && p == 0 {
        let word = &text[prev.start..prev.end];
        let abbreviation = [
            "mr", "mrs", "ms", "dr", "st", "eg", "ie", "e.g", "i.e", "etc", "vs", "no",
        ]
        .iter()
        .any(|a| word.eq_ignore_ascii_case(a));
        if abbreviation || (word.len() == 1 && gap[1..].starts_with(|c: char| c.is_alphabetic())) {
            return false;
        }
    }
    // The mark must be followed by a space, a quote or a bracket; a word
    // straight after it ("example.org", "3.5") means it is not an end.
    let after = &gap[p + 1..];
    !after.is_empty()
        && after.starts_with(|c: char| {
            c.is_whitespace()
                || matches!(
                    c,
                    '"' | '\'' | '”' | '’' | ')' | '*' | '_' | '.' | '!' | '?'
                )
        })
}

/// The number of syllables in an English word (a rule-based estimate).
pub fn syllables(word: &str) -> usize {
    // The common case, an ASCII word, in one pass and without allocating.
    if word.len() <= 32 && word.is_ascii() {
        let mut buf = [0u8; 32];
        let mut len = 0;
        let mut all_upper = true;
        let mut hyphen = false;
        for b in word.bytes() {
            if b.is_ascii_alphabetic() {
                all_upper &= b.is_ascii_uppercase();
                buf[len] = b.to_ascii_lowercase();
                len += 1;
            } else if b == b'-' {
                hyphen = true;
            }
        }
        // Acronyms are read a letter at a time: NHS, IRO, ICPC.
        if (2..=5).contains(&len) && all_upper {
            return len;
        }
        if !hyphen {
            return syllables_bytes(&buf[..len]);
        }
    }
    // Acronyms are read a letter at a time: NHS, IRO, ICPC.
    let mut letters = 0;
    let mut all_upper = true;
    for c in word.chars() {
        if c.is_alphabetic() {
            letters += 1;
            all_upper &= c.is_uppercase();
        }
    }
    if (2..=5).contains(&letters) && all_upper {
        return letters;
    }
    let folded = tokens::fold(word);
    // Each part of a hyphenated word separately.
    if folded.contains('-') {
        return folded
            .split('-')
            .filter(|p| p.chars().any(char::is_alphabetic))
            .map(syllables_lower)
            .sum::<usize>()
            .max(1);
    }
    syllables_lower(&folded)
}

fn is_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn syllables_lower(word: &str) -> usize {
    let w: Vec<u8> = word
        .bytes()
        .filter(|b| b.is_ascii_alphabetic())
        .map(|b| b.to_ascii_lowercase())
        .collect();
    syllables_bytes(&w)
}

/// Syllables of a word given as lower-case ASCII letters.
fn syllables_bytes(w: &[u8]) -> usize {
    if w.is_empty() {
        return 1;
    }
    if w.len() <= 3 {
        return 1;
    }
    if let Some(n) = exception(w) {
        return n;
    }
    let mut end = w.len();
    let mut extra = 0usize;
    // -ing after a vowel is its own syllable: being, doing, seeing.
    if w.ends_with(b"ing") && w.len() > 4 && is_vowel(w[w.len() - 4]) {
        extra += 1;
    }
    if w.ends_with(b"es") && w.len() > 4 {
        let before = w[w.len() - 3];
        let sibilant = matches!(before, b's' | b'x' | b'z' | b'c' | b'g')
            || (before == b'h' && matches!(w[w.len() - 4], b'c' | b's'));
        if !sibilant && !is_vowel(before) {
            end -= 2;
        }
    } else if w.ends_with(b"ed") && w.len() > 4 {
        let before = w[w.len() - 3];
        if !matches!(before, b't' | b'd') && !is_vowel(before) {
            end -= 2;
        }
    } else if w.ends_with(b"e") {
        let before = w[w.len() - 2];
        let le = before == b'l' && w.len() > 2 && !is_vowel(w[w.len() - 3]);
        if !le && !is_vowel(before) {
            end -= 1;
        }
    }
    let body = &w[..end];
    let mut count = 0usize;
    let mut prev_vowel = false;
    for (i, &c) in body.iter().enumerate() {
        let v = is_vowel(c) && !(c == b'y' && i == 0);
        if v && !prev_vowel {
            count += 1;
        }
        prev_vowel = v;
    }
    // Vowel pairs usually said as two syllables.
    let mut pairs = 0usize;
    for pair in body.windows(2) {
        if matches!(pair, b"ia" | b"io" | b"iu" | b"eo" | b"ua" | b"uo") {
            pairs += 1;
        }
    }
    count += pairs;
    // Every ending below holds one of those pairs: without a pair there is
    // nothing to take back (most words), so skip the search.
    if pairs == 0 {
        return (count + extra).max(1);
    }
    // ...except the common endings where they are one: -tion, -sion, -cial, -tial, -cious.
    for suffix in [
        &b"tion"[..],
        b"sion",
        b"cial",
        b"tial",
        b"cious",
        b"tious",
        b"cian",
        b"gion",
        b"geous",
    ] {
        if count_occurrences(body, suffix) > 0 {
            count = count.saturating_sub(count_occurrences(body, suffix));
        }
    }
    (count + extra).max(1)
}

fn count_occurrences(hay: &[u8], needle: &[u8]) -> usize {
    if needle.len() > hay.len() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

/// Common words the rules get wrong.
fn exception(w: &[u8]) -> Option<usize> {
    // One hash look-up: a `match` on byte strings compares the word with
    // every exception of its length, and this runs for every word.
    static TABLE: OnceLock<FastMap<&'static [u8], usize>> = OnceLock::new();
    TABLE
        .get_or_init(|| EXCEPTIONS.iter().copied().collect())
        .get(w)
        .copied()
}

/// Common words the rules get wrong, with their syllables.
const EXCEPTIONS: &[(&[u8], usize)] = &[
    (b"every", 2),
    (b"something", 2),
    (b"sometimes", 2),
    (b"someone", 2),
    (b"somewhere", 2),
    (b"anyone", 3),
    (b"everyone", 3),
    (b"people", 2),
    (b"little", 2),
    (b"table", 2),
    (b"because", 2),
    (b"area", 3),
    (b"idea", 3),
    (b"being", 2),
    (b"doing", 2),
    (b"going", 2),
    (b"seeing", 2),
    (b"business", 2),
    (b"different", 3),
    (b"family", 3),
    (b"police", 2),
    (b"quiet", 2),
    (b"diet", 2),
    (b"science", 2),
    (b"client", 2),
    (b"really", 2),
    (b"real", 1),
    (b"their", 1),
    (b"there", 1),
    (b"where", 1),
    (b"here", 1),
    (b"were", 1),
    (b"whose", 1),
    (b"those", 1),
    (b"these", 1),
    (b"some", 1),
    (b"come", 1),
    (b"done", 1),
    (b"gone", 1),
    (b"none", 1),
    (b"give", 1),
    (b"live", 1),
    (b"have", 1),
    (b"love", 1),
    (b"move", 1),
    (b"more", 1),
    (b"sure", 1),
    (b"once", 1),
    (b"whole", 1),
    (b"while", 1),
    (b"house", 1),
    (b"school", 1),
    (b"ones", 1),
    (b"lives", 1),
    (b"gives", 1),
    (b"moves", 1),
    (b"loves", 1),
    (b"comes", 1),
    (b"worried", 2),
    (b"hurried", 2),
    (b"married", 2),
    (b"carried", 2),
    (b"believe", 2),
    (b"before", 2),
    (b"become", 2),
    (b"maybe", 2),
    (b"inside", 2),
    (b"outside", 2),
    (b"create", 2),
    (b"created", 2),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllable_counts() {
        let cases = [
            ("cat", 1),
            ("the", 1),
            ("table", 2),
            ("little", 2),
            ("makes", 1),
            ("places", 2),
            ("talked", 1),
            ("wanted", 2),
            ("social", 2),
            ("protection", 3),
            ("conference", 3),
            ("being", 2),
            ("you", 1),
            ("happy", 2),
            ("worker", 2),
            ("family", 3),
            ("people", 2),
            ("NHS", 3),
            ("ICPC", 4),
            ("step-dad", 2),
            ("telephone", 3),
            ("independent", 4),
            ("reviewing", 3),
            ("safe", 1),
            ("looked", 1),
            ("decisions", 3),
        ];
        for (word, n) in cases {
            assert_eq!(syllables(word), n, "{word}");
        }
    }

    #[test]
    fn sentences_and_words() {
        let s = text_stats("I like cats. Do you?\n\n# A title\n\n- one thing\n- two things\n");
        assert_eq!(s.sentences, 5);
        assert_eq!(s.words, 11);
        let s = text_stats("Mr. Smith came. See https://example.org/a-very-long-address now.");
        assert_eq!(s.sentences, 2);
        assert_eq!(s.words, 5);
        let s = text_stats("It is 3.5 miles");
        assert_eq!(s.sentences, 1);
        assert_eq!(s.words, 3);
    }
}
