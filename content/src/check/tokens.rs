//! Word tokens with byte offsets, and the folding used to compare names.
//!
//! A token is a run of letters, combining marks, digits and `_`, where a
//! hyphen or an apostrophe (straight or curly) *between* two such characters
//! is part of the token: `Smith-Patel`, `O'Sullivan`, `O’Neill` and `Dean's`
//! are each one token. A token ending in `'s` or `’s` is possessive: its
//! [`Token::name_end`] stops before the apostrophe, so that `Dean's` is
//! compared (and reported) as `Dean`.
//!
//! Offsets are UTF-8 byte offsets into the original text, always on char
//! boundaries. Tokenising is one pass over the text.

use unicode_normalization::char::{decompose_canonical, is_combining_mark};

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

pub fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || is_combining_mark(c)
}

pub fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}')
}

pub fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits `text` into tokens. Linear in the length of the text.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 5);
    let mut chars = text.char_indices().peekable();
    let mut current: Option<usize> = None; // start of the token being read
    let mut prev_word = false;
    while let Some((i, c)) = chars.next() {
        if is_word_char(c) {
            if current.is_none() {
                current = Some(i);
            }
            prev_word = true;
            continue;
        }
        if prev_word && (is_apostrophe(c) || is_hyphen(c)) {
            if let Some(&(_, next)) = chars.peek() {
                if is_word_char(next) {
                    // A joiner inside the token.
                    prev_word = false;
                    continue;
                }
            }
        }
        if let Some(start) = current.take() {
            tokens.push(make_token(text, start, i));
        }
        prev_word = false;
    }
    if let Some(start) = current {
        tokens.push(make_token(text, start, text.len()));
    }
    tokens
}

fn make_token(text: &str, start: usize, end: usize) -> Token {
    let word = &text[start..end];
    let mut name_end = end;
    // Possessive: ends in an apostrophe followed by s/S.
    let mut rev = word.char_indices().rev();
    if let (Some((_, s)), Some((ai, a))) = (rev.next(), rev.next()) {
        if (s == 's' || s == 'S') && is_apostrophe(a) && ai > 0 {
            name_end = start + ai;
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
    if word.is_ascii() {
        for b in word.bytes() {
            out.push(b.to_ascii_lowercase() as char);
        }
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
