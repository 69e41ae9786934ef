//! The jargon finder: social-care words and acronyms in a text, each with a
//! plain alternative, from `content/glossary.toml`.
//!
//! Matching rules:
//! - whole words only (`CIN` is not found in `CINEMA`, `contact` not in
//!   `contacts`... except plurals, below);
//! - a glossary word written in capitals (`ICPC`, `CP`, `S47`) matches only in
//!   capitals; other words match in any capitals;
//! - the last word may be plural (`placements`, `IROs`) or possessive
//!   (`IRO's`);
//! - the longest term wins (`CP plan` before `CP`), and hits never overlap;
//! - an entry can list next or previous words that make it ordinary English
//!   (`contact email`, `you can contact`, `10 minutes`).
//!
//! Finding is one pass over the words of the text, walking a small trie of
//! the glossary's words.

use std::collections::HashSet;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::check::tokens::{self, fold, FastMap, FastSet, Gap, Words};

/// A glossary term found in a text.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq, Eq)]
pub struct JargonHit {
    /// The glossary entry's term (for a variant, the entry's main term).
    pub term: String,
    /// UTF-8 byte offset of the first byte of the words found.
    pub start: usize,
    /// UTF-8 byte offset just past them (exclusive).
    pub end: usize,
    /// The plain alternative.
    pub plain: String,
}

/// One entry of the glossary file.
#[derive(Deserialize, Serialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub term: String,
    pub plain: String,
    #[serde(default)]
    pub also: Vec<String>,
    #[serde(default)]
    pub unless_next: Vec<String>,
    #[serde(default)]
    pub unless_prev: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    term: Vec<Entry>,
}

/// Why a glossary file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum GlossaryError {
    #[error("glossary is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("glossary entry {index} ({term:?}): {problem}")]
    Entry {
        index: usize,
        term: String,
        problem: String,
    },
    #[error("glossary term {0:?} is listed more than once")]
    Duplicate(String),
}

/// A key for one word of a term in the trie.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    /// A word in capitals: must match exactly.
    Exact(String),
    /// Any other word: matched folded (lower case, no accents).
    Folded(String),
}

#[derive(Default, Debug)]
struct Node {
    /// Children by a word in capitals, exactly as written.
    exact: FastMap<String, usize>,
    /// Children by any other word, folded.
    folded: FastMap<String, usize>,
    /// The entry this node completes, if any.
    entry: Option<usize>,
}

/// The loaded glossary.
#[derive(Debug)]
pub struct Glossary {
    entries: Vec<Entry>,
    nodes: Vec<Node>,
    unless_next: Vec<FastSet<String>>,
    unless_prev: Vec<FastSet<String>>,
}

/// The glossary shipped with FamilyStory.
pub const BUILTIN_TOML: &str = include_str!("../glossary.toml");

fn is_acronym(word: &str) -> bool {
    let mut letters = 0;
    for c in word.chars() {
        if c.is_alphabetic() {
            if !c.is_uppercase() {
                return false;
            }
            letters += 1;
        }
    }
    letters >= 1 && word.chars().count() >= 2
}

fn key_for(word: &str) -> Key {
    if is_acronym(word) {
        Key::Exact(word.to_string())
    } else {
        Key::Folded(fold(word))
    }
}

impl Glossary {
    /// The built-in glossary (`content/glossary.toml`), loaded once.
    pub fn builtin() -> &'static Glossary {
        static G: OnceLock<Glossary> = OnceLock::new();
        G.get_or_init(|| {
            // Built in and tested: invalid would be a programming error.
            #[allow(clippy::expect_used)]
            Glossary::from_toml(BUILTIN_TOML).expect("content/glossary.toml is valid (tested)")
        })
    }

    /// Loads a glossary from TOML text in the format of `content/glossary.toml`.
    pub fn from_toml(source: &str) -> Result<Glossary, GlossaryError> {
        let file: File = toml::from_str(source)?;
        let mut g = Glossary {
            entries: Vec::new(),
            nodes: vec![Node::default()],
            unless_next: Vec::new(),
            unless_prev: Vec::new(),
        };
        let mut seen: HashSet<Vec<Key>> = HashSet::new();
        for (index, entry) in file.term.into_iter().enumerate() {
            let problem = |p: &str| GlossaryError::Entry {
                index,
                term: entry.term.clone(),
                problem: p.to_string(),
            };
            if entry.term.trim().is_empty() {
                return Err(problem("empty term"));
            }
            if entry.plain.trim().is_empty() {
                return Err(problem("empty plain alternative"));
            }
            let id = g.entries.len();
            for form in std::iter::once(&entry.term).chain(entry.also.iter()) {
                let toks = tokens::tokenize(form);
                if toks.is_empty() {
                    return Err(problem("a form with no words"));
                }
                let keys: Vec<Key> = toks.iter().map(|t| key_for(t.full(form))).collect();
                if !seen.insert(keys.clone()) {
                    return Err(GlossaryError::Duplicate(form.clone()));
                }
                let mut node = 0;
                for k in keys {
                    let existing = match &k {
                        Key::Exact(w) => g.nodes[node].exact.get(w),
                        Key::Folded(w) => g.nodes[node].folded.get(w),
                    };
                    node = match existing {
                        Some(&n) => n,
                        None => {
                            g.nodes.push(Node::default());
                            let n = g.nodes.len() - 1;
                            match k {
                                Key::Exact(w) => g.nodes[node].exact.insert(w, n),
                                Key::Folded(w) => g.nodes[node].folded.insert(w, n),
                            };
                            n
                        }
                    };
                }
                g.nodes[node].entry = Some(id);
            }
            g.unless_next
                .push(entry.unless_next.iter().map(|w| fold(w)).collect());
            g.unless_prev
                .push(entry.unless_prev.iter().map(|w| fold(w)).collect());
            g.entries.push(entry);
        }
        Ok(g)
    }

    /// True when `word`, exactly as written, is one of the glossary's words in
    /// capitals (`ICPC`, `CP`, `IRO`).
    pub fn is_acronym(&self, word: &str) -> bool {
        self.nodes[0].exact.contains_key(word)
    }

    /// The number of entries (main terms; variants are not counted).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The plain alternative for a term or one of its variants, matched as in
    /// a text.
    pub fn plain(&self, term: &str) -> Option<&str> {
        self.find(term)
            .into_iter()
            .find(|h| h.start == 0 && h.end == term.trim_end().len())
            .and_then(|h| self.entries.iter().find(|e| e.term == h.term))
            .map(|e| e.plain.as_str())
    }

    /// Every glossary term in `text`, left to right, longest first, not
    /// overlapping.
    pub fn find(&self, text: &str) -> Vec<JargonHit> {
        // One segment at a time (terms never cross a segment's edge).
        let mut hits = Vec::new();
        for (start, end) in crate::check::segments(text) {
            self.find_in_segment(&text[start..end], start, &mut hits);
        }
        hits
    }

    fn find_in_segment(&self, text: &str, offset: usize, hits: &mut Vec<JargonHit>) {
        self.find_in_words(&Words::new(text), offset, hits);
    }

    /// The terms in one segment's words, whose first byte is at `offset` in
    /// the whole text (the check shares its words with the names).
    pub(crate) fn find_in_words(&self, words: &Words, offset: usize, hits: &mut Vec<JargonHit>) {
        let n = words.tokens.len();
        let mut stack = Vec::new();
        let mut i = 0;
        while i < n {
            match self.longest_at(words, i, &mut stack) {
                Some((last, entry, end)) if self.allowed(words, i, last, entry) => {
                    let e = &self.entries[entry];
                    hits.push(JargonHit {
                        term: e.term.clone(),
                        start: offset + words.tokens[i].start,
                        end: offset + end,
                        plain: e.plain.clone(),
                    });
                    i = last + 1;
                }
                _ => i += 1,
            }
        }
    }

    /// The longest term starting at token `i`: (last token, entry, end offset).
    fn longest_at(
        &self,
        words: &Words,
        i: usize,
        stack: &mut Vec<(usize, usize)>,
    ) -> Option<(usize, usize, usize)> {
        let toks = &words.tokens;
        let mut best = None;
        // Depth-first over at most a few keys per word (exact, folded, plural).
        stack.clear();
        stack.push((0, i));
        while let Some((node, j)) = stack.pop() {
            if j >= toks.len() {
                continue;
            }
            if j > i && (toks[j - 1].is_possessive() || words.gap_after(j - 1) != Gap::Space) {
                continue;
            }
            let word = words.name(j);
            let f = words.key(j);
            // (key, exact?, plural?): plurals only at the end of a term.
            let mut forms: [(Option<&str>, bool, bool); 5] = [
                (Some(word), true, false),
                (Some(f), false, false),
                (None, true, true),
                (None, false, true),
                (None, false, true),
            ];
            if word.len() > 1 {
                forms[2].0 = word.strip_suffix('s');
            }
            if f.len() > 1 {
                forms[3].0 = f.strip_suffix('s');
            }
            if f.len() > 2 {
                forms[4].0 = f.strip_suffix("es");
            }
            for (key, exact, plural) in forms {
                let Some(key) = key else { continue };
                // Only words in capitals are keys of the exact maps (most
                // words are not): skip the look-up.
                if exact && key.bytes().any(|b| b.is_ascii_lowercase()) {
                    continue;
                }
                let map = if exact {
                    &self.nodes[node].exact
                } else {
                    &self.nodes[node].folded
                };
                if let Some(&child) = map.get(key) {
                    if let Some(entry) = self.nodes[child].entry {
                        if best.is_none_or(|(last, _, _)| j > last) {
                            best = Some((j, entry, toks[j].name_end));
                        }
                    }
                    if !plural {
                        stack.push((child, j + 1));
                    }
                }
            }
        }
        best
    }

    fn allowed(&self, words: &Words, first: usize, last: usize, entry: usize) -> bool {
        let n = words.tokens.len();
        let next = &self.unless_next[entry];
        let prev = &self.unless_prev[entry];
        let next_ok = next.is_empty()
            || last + 1 >= n
            || words.gap_after(last) == Gap::Break
            || !next.contains(words.key(last + 1));
        let prev_ok = prev.is_empty()
            || first == 0
            || words.gap_after(first - 1) == Gap::Break
            || !(prev.contains(words.key(first - 1))
                || (prev.contains("<number>")
                    && words.key(first - 1).chars().any(|c| c.is_ascii_digit())));
        next_ok && prev_ok
    }
}
