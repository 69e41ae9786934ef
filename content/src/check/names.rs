//! Finding the people of the case in a text: by full name, given name,
//! surname and alias, in any capitalisation, possessive or not.
//!
//! One pass over the word tokens with a hash look-up per token, so the cost
//! is linear in the text whatever the number of people.

use std::ops::Range;

use super::lists::{common_words, lists, CAPS_RUN_NAMES};
pub use super::tokens::Words;
use super::tokens::{caps, is_capitalised, Caps, FastMap, Gap, Token};
use super::{CasePerson, Role};

/// Which form of a person's name a pattern is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Full,
    Given,
    Surname,
    Alias,
}

#[derive(Clone, Debug)]
struct Pattern {
    /// Is any person with this name form flagged (not a reader, not a professional)?
    flag: bool,
    form: Form,
    /// The people who have this name form (indices into the request's people).
    people: Vec<usize>,
}

/// An index of the names of the people of one case.
pub struct People {
    vocab: FastMap<String, u32>,
    patterns: FastMap<Vec<u32>, Pattern>,
    max_len: usize,
}

/// A mention of a person of the case.
#[derive(Clone, Debug)]
pub struct NameMatch<'p> {
    pub first_token: usize,
    pub last_token: usize,
    pub start: usize,
    pub end: usize,
    pub flag: bool,
    pub form: Form,
    /// The people who have this name (indices into the request's people).
    pub people: &'p [usize],
}

fn flagged(p: &CasePerson) -> bool {
    !p.recipient && p.role != Role::Professional
}

/// A word id that no text word has: a name word that folds to nothing.
const NO_WORD: u32 = u32::MAX;

/// The words of one written name, each with the ways it may be written
/// ("lloyd-jones" -> [lloyd-jones], [lloyd, jones]; "o'neill" ->
/// [o'neill], [oneill], [o, neill]), as runs of word ids in one buffer:
/// word k's ways are `alts[words[k].clone()]`, each a range of `ids`. Reused
/// from name to name, so that reading a name allocates nothing once the
/// buffers have grown.
#[derive(Default)]
struct NameWords {
    ids: Vec<u32>,
    alts: Vec<Range<usize>>,
    words: Vec<Range<usize>>,
    folded: String,
    tokens: Vec<Token>,
}

impl NameWords {
    /// The ways word `k` may be written.
    fn ways(&self, k: usize) -> impl Iterator<Item = &[u32]> + '_ {
        self.alts[self.words[k].clone()]
            .iter()
            .map(|r| &self.ids[r.clone()])
    }
}

/// Calls `f` with every combination of the ways of writing words `k..` of
/// a name, joined, in order, at most `left` of them, building each in `key`
/// (no allocation per combination).
fn each_combination(
    name: &NameWords,
    k: usize,
    key: &mut Vec<u32>,
    left: &mut usize,
    f: &mut impl FnMut(&[u32]),
) {
    if k == name.words.len() {
        if *left > 0 {
            *left -= 1;
            f(key);
        }
        return;
    }
    for way in name.ways(k) {
        if *left == 0 {
            return;
        }
        let len = key.len();
        key.extend_from_slice(way);
        each_combination(name, k + 1, key, left, f);
        key.truncate(len);
    }
}

impl People {
    /// Builds the index of one request's people. The words of their names
    /// are folded into one buffer and interned as ids as they are read, so
    /// that a word already seen (a family surname) costs a look-up, not an
    /// allocation.
    pub fn new(people: &[CasePerson]) -> Self {
        // About three words and six patterns a person: sized once.
        let mut index = People {
            vocab: FastMap::with_capacity_and_hasher(people.len() * 3, Default::default()),
            patterns: FastMap::with_capacity_and_hasher(people.len() * 6, Default::default()),
            max_len: 0,
        };
        let mut name = NameWords::default();
        let mut key = Vec::new();
        for (pi, person) in people.iter().enumerate() {
            let flag = flagged(person);
            index.read_name(&person.name, &mut name);
            let n = name.words.len();
            if n > 0 {
                index.add_all(&name, &mut key, Form::Full, pi, flag);
                for given in name.ways(0) {
                    index.add(given, Form::Given, pi, flag);
                }
                if n > 1 {
                    for surname in name.ways(n - 1) {
                        index.add(surname, Form::Surname, pi, flag);
                    }
                }
                if n > 2 {
                    for given in name.ways(0) {
                        for surname in name.ways(n - 1) {
                            key.clear();
                            key.extend_from_slice(given);
                            key.extend_from_slice(surname);
                            index.add(&key, Form::Full, pi, flag);
                        }
                    }
                }
            }
            for alias in &person.aliases {
                index.read_name(alias, &mut name);
                index.add_all(&name, &mut key, Form::Alias, pi, flag);
            }
        }
        index
    }

    /// Adds every way of writing a name (at most 32).
    fn add_all(
        &mut self,
        name: &NameWords,
        key: &mut Vec<u32>,
        form: Form,
        person: usize,
        flag: bool,
    ) {
        key.clear();
        let mut left = 32;
        each_combination(name, 0, key, &mut left, &mut |ids| {
            self.add(ids, form, person, flag);
        });
    }

    /// The id of a folded word, added to the vocabulary if new.
    fn intern(&mut self, word: &str) -> u32 {
        if word.is_empty() {
            return NO_WORD;
        }
        if let Some(&id) = self.vocab.get(word) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.insert(word.to_string(), id);
        id
    }

    /// Reads a written name into `name`: its words and the ways each may be
    /// written, as word ids.
    fn read_name(&mut self, written: &str, name: &mut NameWords) {
        name.ids.clear();
        name.alts.clear();
        name.words.clear();
        super::tokens::tokenize_into(written, &mut name.tokens);
        for k in 0..name.tokens.len() {
            let first_alt = name.alts.len();
            super::tokens::fold_into(name.tokens[k].full(written), &mut name.folded);
            let word = name.folded.as_str();
            let start = name.ids.len();
            name.ids.push(self.intern(word));
            name.alts.push(start..name.ids.len());
            if word.contains('\'') {
                let start = name.ids.len();
                name.ids.push(self.intern(&word.replace('\'', "")));
                name.alts.push(start..name.ids.len());
            }
            if word.contains(['\'', '-']) {
                let start = name.ids.len();
                for part in word.split(['\'', '-']).filter(|p| !p.is_empty()) {
                    let id = self.intern(part);
                    name.ids.push(id);
                }
                if name.ids.len() - start > 1 {
                    name.alts.push(start..name.ids.len());
                } else {
                    name.ids.truncate(start);
                }
            }
            name.words.push(first_alt..name.alts.len());
        }
    }

    fn add(&mut self, ids: &[u32], form: Form, person: usize, flag: bool) {
        if ids.is_empty() || ids.contains(&NO_WORD) {
            return;
        }
        self.max_len = self.max_len.max(ids.len());
        let entry = match self.patterns.get_mut(ids) {
            Some(entry) => entry,
            None => self.patterns.entry(ids.to_vec()).or_insert(Pattern {
                flag: false,
                form,
                people: Vec::new(),
            }),
        };
        entry.flag |= flag;
        // A name that is someone's full name is reported as a full name.
        if form_rank(form) > form_rank(entry.form) {
            entry.form = form;
        }
        if !entry.people.contains(&person) {
            entry.people.push(person);
        }
    }

    /// Finds every mention of a person of the case, longest first, left to
    /// right, skipping tokens that `blocked` says are already taken.
    pub fn find(&self, words: &Words, blocked: &[bool]) -> Vec<NameMatch<'_>> {
        let mut out = Vec::new();
        if self.patterns.is_empty() {
            return out;
        }
        let n = words.tokens.len();
        let ids: Vec<Option<u32>> = (0..n)
            .map(|i| self.vocab.get(words.key(i)).copied())
            .collect();
        let mut key: Vec<u32> = Vec::with_capacity(self.max_len);
        let mut i = 0;
        while i < n {
            if blocked[i] || ids[i].is_none() {
                i += 1;
                continue;
            }
            // How many tokens from i could form one name.
            let mut run = 1;
            while run < self.max_len
                && i + run < n
                && ids[i + run].is_some()
                && !blocked[i + run]
                && !words.tokens[i + run - 1].is_possessive()
                && words.gap_after(i + run - 1) == Gap::Space
            {
                run += 1;
            }
            let mut matched = None;
            for len in (1..=run).rev() {
                key.clear();
                // The run only extends over words with an id (checked above).
                key.extend(ids[i..i + len].iter().flatten());
                if let Some(p) = self.patterns.get(&key) {
                    if len == 1 && (!single_word_ok(words, i) || followed_by_place(words, i)) {
                        continue;
                    }
                    matched = Some((len, p));
                    break;
                }
            }
            match matched {
                Some((len, p)) => {
                    let last = i + len - 1;
                    out.push(NameMatch {
                        first_token: i,
                        last_token: last,
                        start: words.tokens[i].start,
                        end: words.tokens[last].name_end,
                        flag: p.flag,
                        form: p.form,
                        people: &p.people,
                    });
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }
}

fn form_rank(f: Form) -> u8 {
    match f {
        Form::Full => 3,
        Form::Alias => 2,
        Form::Given => 1,
        Form::Surname => 0,
    }
}

/// A one-word name that is also an ordinary word ("Will", "May", "Grace",
/// "Price") counts only when capitalised, and not where it is plainly the
/// word: a modal verb starting a question ("Will you"), a month next to a
/// number ("3 May", "May 2024").
fn single_word_ok(words: &Words, i: usize) -> bool {
    let key = words.key(i);
    if !common_words().contains(key) {
        return true;
    }
    let name = words.name(i);
    if !is_capitalised(name) {
        return lower_case_name_speaks(words, i);
    }
    let l = lists();
    let n = words.tokens.len();
    // In a run of capitals ("THE REVIEW WILL BE") a capital says nothing.
    if caps(name) == Caps::Upper && !CAPS_RUN_NAMES.contains(&key) {
        let upper = |j: usize| caps(words.name(j)) == Caps::Upper;
        if (i > 0 && words.gap_after(i - 1) != Gap::Break && upper(i - 1))
            || (i + 1 < n && words.gap_after(i) != Gap::Break && upper(i + 1))
        {
            return false;
        }
    }
    if (key == "will" || key == "may")
        && words.sentence_start(i)
        && i + 1 < n
        && words.gap_after(i) == Gap::Space
        && l.pronouns.contains(words.key(i + 1))
    {
        return false;
    }
    if l.months.contains(key) {
        let number = |j: usize| {
            words
                .key(j)
                .trim_end_matches(|c: char| c.is_alphabetic())
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        };
        if i + 1 < n && words.gap_after(i) != Gap::Break && number(i + 1) {
            return false;
        }
        if i > 0 && words.gap_after(i - 1) != Gap::Break && number(i - 1) {
            return false;
        }
        // "in May", "early June", "by the end of April".
        if i > 0 && !words.tokens[i].is_possessive() && words.gap_after(i - 1) == Gap::Space {
            let prev = words.key(i - 1);
            let of_month = prev == "of"
                && i > 1
                && matches!(
                    words.key(i - 2),
                    "end" | "beginning" | "middle" | "start" | "month"
                );
            if of_month || l.month_before.contains(prev) {
                return false;
            }
        }
    }
    true
}

/// True when token `i` is followed by a capitalised place word: "Grace
/// Academy", "Victoria Park", "Dean Road".
pub fn followed_by_place(words: &Words, i: usize) -> bool {
    i + 1 < words.tokens.len()
        && !words.tokens[i].is_possessive()
        && words.gap_after(i) == Gap::Space
        && is_capitalised(words.name(i + 1))
        && lists().place.contains(words.key(i + 1))
}

/// Words after which a lower-case word is being spoken of as a person:
/// "mark said", "grace told me".
const REPORTING_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "tells",
    "asked",
    "asks",
    "shouted",
    "texted",
    "rang",
    "explained",
    "replied",
    "cried",
    "hit",
    "hits",
    "lives",
    "visited",
    "visits",
];

/// Words before a word that make it an ordinary noun: "the mark said".
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "his", "her", "my", "your", "their", "our",
    "its", "no", "any", "each", "every", "some", "of", "with", "in", "on",
];

/// A case person's name that is also a word, written in lower case, is still
/// the person when it is the subject of a reporting verb and nothing makes
/// it a noun: "mark said he was tired" (but not "the mark said").
fn lower_case_name_speaks(words: &Words, i: usize) -> bool {
    let n = words.tokens.len();
    caps(words.name(i)) == Caps::Lower
        && i + 1 < n
        && !words.tokens[i].is_possessive()
        && words.gap_after(i) == Gap::Space
        && REPORTING_VERBS.contains(&words.key(i + 1))
        && (i == 0
            || words.gap_after(i - 1) != Gap::Space
            || !DETERMINERS.contains(&words.key(i - 1)))
}
