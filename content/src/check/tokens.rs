//! Word tokens with byte offsets, and the folding used to compare names.
//!
//! A token is a run of letters, combining marks and digits, where a
//! hyphen or an apostrophe (straight or curly) *between* two such characters
//! is part of the token: `Smith-Patel`, `O'Sullivan`, `O’Neill` and `Dean's`
//! are each one token. A token ending in `'s` or `’s` is possessive: its
//! [`Token::name_end`] stops before the apostrophe, so that `Dean's` is
//! compared (and reported) as `Dean`.
//!
//! Offsets are UTF-8 byte offsets into the original text, always on char
//! boundaries. Tokenising is one pass over the text.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

/// A fast, non-cryptographic hasher (the "Fx" hash of rustc) for the fixed
/// word lists and name tables the check looks words up in, many times per
/// text. The tables' contents come from the glossary, the word lists and the
/// request's people, so the hash needs no protection against chosen keys.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const FX_SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FastBuild = BuildHasherDefault<FxHasher>;
pub type FastMap<K, V> = HashMap<K, V, FastBuild>;
pub type FastSet<K> = HashSet<K, FastBuild>;

/// The tokens of a text with their folded keys, made in one pass with one
/// allocation for all the keys.
pub struct Words<'t> {
    pub text: &'t str,
    pub tokens: Vec<Token>,
    /// The folded keys of all tokens, one after another.
    folded: String,
    /// The key of token i is `folded[ends[i - 1]..ends[i]]`.
    ends: Vec<usize>,
}

impl<'t> Words<'t> {
    pub fn new(text: &'t str) -> Self {
        let tokens = tokenize(text);
        let mut folded = String::with_capacity(text.len());
        let mut ends = Vec::with_capacity(tokens.len());
        for t in &tokens {
            fold_append(t.name(text), &mut folded);
            ends.push(folded.len());
        }
        Words {
            text,
            tokens,
            folded,
            ends,
        }
    }

    /// The folded key of token `i`: `fold(token.name(text))`.
    #[inline]
    pub fn key(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.folded[start..self.ends[i]]
    }

    /// Token `i` as written, without a possessive ending.
    #[inline]
    pub fn name(&self, i: usize) -> &'t str {
        self.tokens[i].name(self.text)
    }

    /// What lies between token `i` and token `i + 1`.
    #[inline]
    pub fn gap_after(&self, i: usize) -> Gap {
        gap(self.text, self.tokens[i].end, self.tokens[i + 1].start)
    }
}

impl Words<'_> {
    /// True when token `i` starts a sentence (or a line, heading or list item).
    pub fn sentence_start(&self, i: usize) -> bool {
        let before = &self.text[..self.tokens[i].start];
        match before.trim_end_matches([' ', '\t']).chars().next_back() {
            None => true,
            Some(c) => matches!(
                c,
                '.' | '!' | '?' | '\n' | '#' | '*' | '-' | '>' | '"' | '“'
            ),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just after the last character.
    pub end: usize,
    /// Byte offset just after the name part: `end` unless the token is
    /// possessive (`Dean's` -> before the apostrophe).
    pub name_end: usize,
}

impl Token {
    /// The same token `by` bytes further on (a segment's token in the whole text).
    pub fn shifted(self, by: usize) -> Token {
        Token {
            start: self.start + by,
            end: self.end + by,
            name_end: self.name_end + by,
        }
    }
    pub fn is_possessive(&self) -> bool {
        self.name_end != self.end
    }
    /// The token as written, without a possessive ending.
    pub fn name<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.name_end]
    }
    pub fn full<'t>(&self, text: &'t str) -> &'t str {
        &text[self.start..self.end]
    }
}

/// Letters, combining marks and digits. `_` is not part of a word: it is
/// Markdown's emphasis mark, shown as it is when escaped (`\_Dean\_` reads
/// "_Dean_"), and a separator in handles (`dean_walsh`); the reader sees the
/// name either side of it.
#[inline]
pub fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

pub fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}')
}

/// The character at byte `i` of `text` and its length in bytes.
#[inline]
fn char_at(text: &str, i: usize) -> (char, usize) {
    let b = text.as_bytes()[i];
    if b < 0x80 {
        (b as char, 1)
    } else {
        // Callers step by whole characters; past the end is a space.
        let c = text[i..].chars().next().unwrap_or(' ');
        (c, c.len_utf8())
    }
}

/// Splits `text` into tokens. Linear in the length of the text: one pass,
/// a byte at a time through ASCII, a character at a time elsewhere.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 6);
    tokenize_into(text, &mut tokens);
    tokens
}

/// [`tokenize`] into `tokens` (cleared first), to reuse its space.
pub fn tokenize_into(text: &str, tokens: &mut Vec<Token>) {
    tokens.clear();
    let bytes = text.as_bytes();
    let n = bytes.len();
    let mut i = 0;
    while i < n {
        // Up to the start of a word.
        if bytes[i] < 0x80 {
            if !bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
        } else {
            let (c, len) = char_at(text, i);
            if !is_word_char(c) {
                i += len;
                continue;
            }
        }
        // The word: word characters, and a hyphen or an apostrophe between
        // two of them. The character before `i` is always a word character.
        let start = i;
        while i < n {
            if bytes[i] < 0x80 && bytes[i].is_ascii_alphanumeric() {
                i += 1;
                continue;
            }
            let (c, len) = char_at(text, i);
            if is_word_char(c) {
                i += len;
                continue;
            }
            if (is_apostrophe(c) || is_hyphen(c)) && i + len < n {
                let (next, _) = char_at(text, i + len);
                if is_word_char(next) {
                    i += len;
                    continue;
                }
            }
            break;
        }
        tokens.push(make_token(text, start, i));
    }
}

fn make_token(text: &str, start: usize, end: usize) -> Token {
    let word = &text[start..end];
    let mut name_end = end;
    // Possessive: ends in an apostrophe followed by s/S, after something.
    if let Some(rest) = word.strip_suffix(['s', 'S']) {
        if let Some(a) = rest.chars().next_back() {
            let ai = rest.len() - a.len_utf8();
            if is_apostrophe(a) && ai > 0 {
                name_end = start + ai;
            }
        }
    }
    Token {
        start,
        end,
        name_end,
    }
}

/// Folds a name for comparison: lower case, accents removed (`Zoë` -> `zoe`,
/// `Łukasz` -> `lukasz`, `Szymańska` -> `szymanska`), all apostrophes as `'`,
/// all hyphens as `-`. Writes into `out` (cleared first) to avoid allocating.
pub fn fold_into(word: &str, out: &mut String) {
    out.clear();
    fold_append(word, out);
}

/// [`fold_into`] without clearing `out` first: appends the folded word.
pub fn fold_append(word: &str, out: &mut String) {
    if word.is_ascii() {
        let start = out.len();
        out.push_str(word);
        out[start..].make_ascii_lowercase();
        return;
    }
    for c in word.chars() {
        if is_apostrophe(c) {
            out.push('\'');
            continue;
        }
        if is_hyphen(c) {
            out.push('-');
            continue;
        }
        match c {
            'ł' | 'Ł' => out.push('l'),
            'ø' | 'Ø' => out.push('o'),
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            'ß' => out.push_str("ss"),
            'æ' | 'Æ' => out.push_str("ae"),
            'œ' | 'Œ' => out.push_str("oe"),
            'ı' => out.push('i'),
            'þ' | 'Þ' => out.push_str("th"),
            _ => decompose_canonical(c, |d| {
                if !is_combining_mark(d) {
                    for l in d.to_lowercase() {
                        out.push(l);
                    }
                }
            }),
        }
    }
}

pub fn fold(word: &str) -> String {
    let mut s = String::new();
    fold_into(word, &mut s);
    s
}

/// How a word is capitalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caps {
    /// No upper-case letter at the start: `dean`, `o'neill`.
    Lower,
    /// First letter upper case and some lower-case letter: `Dean`, `McDonald`.
    Title,
    /// Every letter upper case (at least two letters): `DEAN`, `O'NEILL`.
    Upper,
    /// Starts with something that is not a letter: `94tyler`.
    Other,
}

pub fn caps(word: &str) -> Caps {
    if word.is_ascii() {
        let b = word.as_bytes();
        return match b.first() {
            None => Caps::Other,
            Some(f) if !f.is_ascii_alphabetic() => Caps::Other,
            Some(f) if f.is_ascii_lowercase() => Caps::Lower,
            Some(_) => {
                let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
                if letters >= 2 && !b.iter().any(u8::is_ascii_lowercase) {
                    Caps::Upper
                } else {
                    Caps::Title
                }
            }
        };
    }
    let mut chars = word.chars().filter(|c| !is_combining_mark(*c));
    let Some(first) = chars.next() else {
        return Caps::Other;
    };
    if !first.is_alphabetic() {
        return Caps::Other;
    }
    if !first.is_uppercase() {
        return Caps::Lower;
    }
    let mut letters = 1;
    let mut any_lower = false;
    for c in chars {
        if c.is_alphabetic() {
            letters += 1;
            if c.is_lowercase() {
                any_lower = true;
            }
        }
    }
    if !any_lower && letters >= 2 {
        Caps::Upper
    } else {
        Caps::Title
    }
}

/// True when `caps` starts with a capital letter.
pub fn is_capitalised(word: &str) -> bool {
    matches!(caps(word), Caps::Title | Caps::Upper)
}

/// What lies between two tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gap {
    /// Only spaces or tabs (at most one line break): words of one name.
    Space,
    /// Spaces with a comma: `friend, Tyler`.
    Comma,
    /// Anything else (sentence end, brackets, a blank line, ...).
    Break,
}

pub fn gap(text: &str, from: usize, to: usize) -> Gap {
    let between = &text[from..to];
    if between.is_empty() {
        return Gap::Break;
    }
    if between == " " {
        return Gap::Space;
    }
    let mut newlines = 0;
    let mut commas = 0;
    for c in between.chars() {
        match c {
            ' ' | '\t' | '\u{a0}' => {}
            '\n' => newlines += 1,
            '\r' => {}
            ',' => commas += 1,
            _ => return Gap::Break,
        }
    }
    if newlines > 1 || (newlines == 1 && commas > 0) {
        Gap::Break
    } else if commas == 1 {
        Gap::Comma
    } else if commas == 0 {
        Gap::Space
    } else {
        Gap::Break
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        tokenize(text).iter().map(|t| t.full(text)).collect()
    }

    #[test]
    fn joins_hyphens_and_apostrophes_inside_words() {
        assert_eq!(
            words("Ava Smith-Patel and O'Sullivan, O’Neill's - 'quoted' x-"),
            vec![
                "Ava",
                "Smith-Patel",
                "and",
                "O'Sullivan",
                "O’Neill's",
                "quoted",
                "x"
            ]
        );
    }

    #[test]
    fn underscores_are_not_part_of_a_word() {
        assert_eq!(
            words(r"\_Dean\_ _Kayla_ dean_walsh \_\_x"),
            vec!["Dean", "Kayla", "dean", "walsh", "x"]
        );
    }

    #[test]
    fn possessive_name_part() {
        let text = "Dean's and DEAN’S and James' and it";
        let t = tokenize(text);
        assert_eq!(t[0].name(text), "Dean");
        assert!(t[0].is_possessive());
        assert_eq!(t[2].name(text), "DEAN");
        assert_eq!(t[4].name(text), "James");
        assert!(!t[4].is_possessive());
    }

    #[test]
    fn offsets_are_char_boundaries() {
        let text = "Zoë and Łukasz Szymańska, Zoe\u{308}";
        for t in tokenize(text) {
            assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        }
        assert_eq!(
            words(text),
            vec!["Zoë", "and", "Łukasz", "Szymańska", "Zoe\u{308}"]
        );
    }

    #[test]
    fn folding() {
        assert_eq!(fold("Zoë"), "zoe");
        assert_eq!(fold("Zoe\u{308}"), "zoe");
        assert_eq!(fold("ŁUKASZ"), "lukasz");
        assert_eq!(fold("Szymańska"), "szymanska");
        assert_eq!(fold("O’Neill"), "o'neill");
        assert_eq!(fold("Smith‐Patel"), "smith-patel");
        assert_eq!(fold("Dean"), "dean");
    }

    #[test]
    fn capitalisation() {
        assert_eq!(caps("dean"), Caps::Lower);
        assert_eq!(caps("Dean"), Caps::Title);
        assert_eq!(caps("DEAN"), Caps::Upper);
        assert_eq!(caps("McDonald"), Caps::Title);
        assert_eq!(caps("Łukasz"), Caps::Title);
        assert_eq!(caps("I"), Caps::Title);
        assert_eq!(caps("94x"), Caps::Other);
    }

    #[test]
    fn gaps() {
        let t = "a b, c. d\n\ne\nf";
        assert_eq!(gap(t, 1, 2), Gap::Space);
        assert_eq!(gap(t, 3, 5), Gap::Comma);
        assert_eq!(gap(t, 6, 8), Gap::Break);
        assert_eq!(gap(t, 9, 11), Gap::Break);
        assert_eq!(gap(t, 12, 13), Gap::Space);
    }
}
