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

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::check::tokens::{self, fold, Gap};

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
    children: HashMap<Key, usize>,
    /// The entry this node completes, if any.
    entry: Option<usize>,
}

/// The loaded glossary.
#[derive(Debug)]
pub struct Glossary {
    entries: Vec<Entry>,
    nodes: Vec<Node>,
    unless_next: Vec<HashSet<String>>,
    unless_prev: Vec<HashSet<String>>,
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
                    node = match g.nodes[node].children.get(&k) {
                        Some(&n) => n,
                        None => {
                            g.nodes.push(Node::default());
                            let n = g.nodes.len() - 1;
                            g.nodes[node].children.insert(k, n);
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
            .map(|h| {
                let e = self
                    .entries
                    .iter()
                    .find(|e| e.term == h.term)
                    .expect("hit entry");
                e.plain.as_str()
            })
    }

    /// Every glossary term in `text`, left to right, longest first, not
    /// overlapping.
    pub fn find(&self, text: &str) -> Vec<JargonHit> {
        let toks = tokens::tokenize(text);
        let n = toks.len();
        let mut hits = Vec::new();
        // Folded form of each token, made lazily once.
        let folded: Vec<String> = toks.iter().map(|t| fold(t.name(text))).collect();
        let mut i = 0;
        while i < n {
            match self.longest_at(text, &toks, &folded, i) {
                Some((last, entry, end)) => {
                    if self.allowed(text, &toks, &folded, i, last, entry) {
                        let e = &self.entries[entry];
                        hits.push(JargonHit {
                            term: e.term.clone(),
                            start: toks[i].start,
                            end,
                            plain: e.plain.clone(),
                        });
                        i = last + 1;
                    } else {
                        i += 1;
                    }
                }
                None => i += 1,
            }
        }
        hits
    }

    /// The longest term starting at token `i`: (last token, entry, end offset).
    fn longest_at(
        &self,
        text: &str,
        toks: &[tokens::Token],
        folded: &[String],
        i: usize,
    ) -> Option<(usize, usize, usize)> {
        let mut best = None;
        // Depth-first over at most two keys per word (exact and folded).
        let mut stack: Vec<(usize, usize)> = vec![(0, i)];
        while let Some((node, j)) = stack.pop() {
            if j >= toks.len() {
                continue;
            }
            if j > i {
                let prev = &toks[j - 1];
                if prev.is_possessive() || tokens::gap(text, prev.end, toks[j].start) != Gap::Space
                {
                    continue;
                }
            }
            let word = toks[j].name(text);
            let mut forms: Vec<(Key, usize)> = vec![
                (Key::Exact(word.to_string()), toks[j].name_end),
                (Key::Folded(folded[j].clone()), toks[j].name_end),
            ];
            // Plurals: placements, IROs, conferences.
            if let Some(stem) = word.strip_suffix('s') {
                if !stem.is_empty() {
                    forms.push((Key::Exact(stem.to_string()), toks[j].name_end));
                    forms.push((
                        Key::Folded(folded[j][..folded[j].len() - 1].to_string()),
                        toks[j].name_end,
                    ));
                }
                if let Some(stem2) = word.strip_suffix("es") {
                    if !stem2.is_empty() {
                        forms.push((Key::Folded(fold(stem2)), toks[j].name_end));
                    }
                }
            }
            for (k, form_end) in forms {
                if let Some(&child) = self.nodes[node].children.get(&k) {
                    // Plural forms only count at the end of a term.
                    let plural = match &k {
                        Key::Exact(s) => s.len() < word.len(),
                        Key::Folded(s) => s.len() < folded[j].len(),
                    };
                    if let Some(entry) = self.nodes[child].entry {
                        let better = match best {
                            None => true,
                            Some((last, _, _)) => j > last,
                        };
                        if better {
                            best = Some((j, entry, form_end));
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

    fn allowed(
        &self,
        text: &str,
        toks: &[tokens::Token],
        folded: &[String],
        first: usize,
        last: usize,
        entry: usize,
    ) -> bool {
        let next_ok = self.unless_next[entry].is_empty()
            || last + 1 >= toks.len()
            || tokens::gap(text, toks[last].end, toks[last + 1].start) == Gap::Break
            || !self.unless_next[entry].contains(&folded[last + 1]);
        let prev_ok = self.unless_prev[entry].is_empty()
            || first == 0
            || tokens::gap(text, toks[first - 1].end, toks[first].start) == Gap::Break
            || !(self.unless_prev[entry].contains(&folded[first - 1])
                || (self.unless_prev[entry].contains("<number>")
                    && folded[first - 1].chars().any(|c| c.is_ascii_digit())));
        next_ok && prev_ok
    }
}
