//! Finding people in a text: the people of the case (by name, surname,
//! alias, in any capitalisation, possessive or not) and people who are not in
//! the case record at all (from context cues and a list of given names).
//!
//! Both run over the word tokens of the text once, with hash look-ups per
//! token, so the cost is linear in the text whatever the number of people.

use std::sync::OnceLock;

pub use super::tokens::Words;
use super::tokens::{caps, is_capitalised, Caps, FastMap, FastSet, Gap};
use super::{CasePerson, Role};

// ---------------------------------------------------------------------------
// Word lists

fn word_set(data: &'static str) -> FastSet<String> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(super::tokens::fold)
        .collect()
}

/// Common UK given names (`check/data/given_names.txt`), folded.
pub fn given_names() -> &'static FastSet<String> {
    static SET: OnceLock<FastSet<String>> = OnceLock::new();
    SET.get_or_init(|| word_set(include_str!("data/given_names.txt")))
}

/// Names that are also ordinary words (`check/data/common_words.txt`), folded.
pub fn common_words() -> &'static FastSet<String> {
    static SET: OnceLock<FastSet<String>> = OnceLock::new();
    SET.get_or_init(|| word_set(include_str!("data/common_words.txt")))
}

/// Given names flagged as unknown people only after a cue: the common words
/// and `check/data/cue_only_names.txt`, folded.
pub fn cue_only_names() -> &'static FastSet<String> {
    static SET: OnceLock<FastSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set = word_set(include_str!("data/cue_only_names.txt"));
        set.extend(common_words().iter().cloned());
        set
    })
}

fn static_set(words: &'static [&'static str]) -> FastSet<&'static str> {
    words.iter().copied().collect()
}

/// Words just before a name that say the name is someone's: "Mum's friend
/// Tyler", "a man called Kyle Price", "her boyfriend Jay", "Uncle Dave".
const RELATION_CUES: &[&str] = &[
    "friend",
    "friends",
    "boyfriend",
    "girlfriend",
    "partner",
    "ex",
    "ex-partner",
    "ex-boyfriend",
    "ex-girlfriend",
    "ex-husband",
    "ex-wife",
    "husband",
    "wife",
    "fiance",
    "fiancee",
    "called",
    "named",
    "uncle",
    "aunt",
    "auntie",
    "aunty",
    "cousin",
    "neighbour",
    "neighbours",
    "neighbor",
    "grandma",
    "grandmother",
    "grandad",
    "granddad",
    "grandpa",
    "grandfather",
    "gran",
    "granny",
    "nan",
    "nana",
    "nanna",
    "brother",
    "sister",
    "stepdad",
    "stepmum",
    "stepfather",
    "stepmother",
    "step-dad",
    "step-mum",
    "half-brother",
    "half-sister",
    "stepbrother",
    "stepsister",
    "step-brother",
    "step-sister",
    "mate",
    "mates",
    "lodger",
    "niece",
    "nephew",
    "godmother",
    "godfather",
    "babysitter",
    "son",
    "daughter",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "mum",
    "dad",
    "mother",
    "father",
    "mam",
    "mummy",
    "daddy",
    "lad",
    "bloke",
    "landlord",
    "landlady",
    "flatmate",
    "housemate",
    "classmate",
    "relative",
    "relatives",
    "visitor",
    "fella",
    "feller",
    "bf",
    "gf",
    "stepson",
    "stepdaughter",
    "step-son",
    "step-daughter",
    "grandson",
    "granddaughter",
    "grandchild",
    "childminder",
    "child-minder",
    "brother-in-law",
    "sister-in-law",
    "mother-in-law",
    "father-in-law",
    "son-in-law",
    "daughter-in-law",
];

/// Place words that are also common surnames: "Kyle Green", "Sarah Hall",
/// "Tom Wood". They end a name when nothing capitalised follows ("Kyle
/// Green Park" is a place).
const SURNAME_PLACES: &[&str] = &[
    "green", "hall", "wood", "woods", "hill", "hills", "brook", "brooks", "field", "fields",
    "banks", "marsh", "ford", "moor", "moore", "dale", "wells",
];

/// Given names that, with the next word, are a thing: "Roman Catholic",
/// "Stanley knife", "Jack Russell".
const NOT_PERSON_PAIRS: &[(&str, &str)] = &[
    ("roman", "catholic"),
    ("roman", "catholics"),
    ("roman", "catholicism"),
    ("roman", "empire"),
    ("roman", "numerals"),
    ("roman", "numeral"),
    ("stanley", "knife"),
    ("stanley", "knives"),
    ("jack", "russell"),
    ("jack", "russells"),
    ("jack", "daniels"),
    ("jack", "daniel's"),
    ("ruby", "wedding"),
    ("ruby", "anniversary"),
    ("pearl", "wedding"),
    ("pearl", "anniversary"),
    ("holly", "bush"),
    ("holly", "tree"),
    ("poppy", "appeal"),
    ("poppy", "day"),
    ("daisy", "chain"),
    ("ivy", "league"),
    ("jade", "garden"),
];

/// Common words that are plainly names even in a run of capitals ("I SAW
/// GRACE TODAY"); other common words in capitals ("WILL", "MAY") are not.
const CAPS_RUN_NAMES: &[&str] = &[
    "grace", "faith", "amber", "ruby", "holly", "daisy", "lily", "poppy", "ivy", "jade", "hazel",
    "heather", "violet", "iris", "olive", "pearl", "jasmine", "willow",
];

/// Words just before a name that say the name is a professional's: their
/// names are not flagged ("Your worker Helen", "Dr Patel", "PC Jones").
const PROFESSIONAL_CUES: &[&str] = &[
    "worker",
    "workers",
    "teacher",
    "nurse",
    "doctor",
    "dr",
    "gp",
    "pc",
    "pcso",
    "iro",
    "officer",
    "manager",
    "advocate",
    "midwife",
    "therapist",
    "counsellor",
    "counselor",
    "solicitor",
    "guardian",
    "chair",
    "chairperson",
    "practitioner",
    "sergeant",
    "sgt",
    "inspector",
    "detective",
    "dc",
    "ds",
    "cllr",
    "councillor",
    "headteacher",
    "head",
    "senco",
    "judge",
    "magistrate",
    "psychologist",
    "psychiatrist",
    "paediatrician",
    "consultant",
    "lawyer",
    "barrister",
    "mentor",
    "tutor",
    "keyworker",
    "coordinator",
    "co-ordinator",
    "supervisor",
    "prof",
    "professor",
    "reverend",
    "rev",
    "receptionist",
    "dentist",
    "optician",
    "pharmacist",
    "paramedic",
    "constable",
    "caseworker",
    "assistant",
    "interpreter",
    "chaplain",
    "imam",
    "vicar",
    "coach",
    "leader",
];

/// "visitor" is a relation cue ("a visitor called ..."), but "health visitor"
/// is a professional; this pair list overrides single-word cues.
const PROFESSIONAL_PAIRS: &[(&str, &str)] = &[
    ("health", "visitor"),
    ("family", "support"),
    ("support", "worker"),
    ("key", "worker"),
];

/// Words before "called"/"named" that mean the name is not a person's.
const THING_WORDS: &[&str] = &[
    "dog",
    "russell",
    "terrier",
    "spaniel",
    "labrador",
    "staffie",
    "collie",
    "dogs",
    "cat",
    "cats",
    "puppy",
    "kitten",
    "pet",
    "pets",
    "hamster",
    "rabbit",
    "bunny",
    "fish",
    "horse",
    "pony",
    "bird",
    "snake",
    "lizard",
    "tortoise",
    "guinea",
    "pig",
    "game",
    "games",
    "app",
    "school",
    "place",
    "book",
    "film",
    "movie",
    "show",
    "programme",
    "program",
    "group",
    "club",
    "song",
    "band",
    "team",
    "street",
    "road",
    "town",
    "village",
    "shop",
    "cafe",
    "toy",
    "teddy",
    "doll",
    "website",
    "channel",
    "series",
    "character",
    "project",
    "course",
    "class",
    "charity",
    "company",
    "service",
    "centre",
    "center",
];

/// Capitalised words that are not names even after a cue.
const STOP_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "and",
    "or",
    "but",
    "i",
    "he",
    "she",
    "they",
    "we",
    "you",
    "it",
    "his",
    "her",
    "their",
    "our",
    "my",
    "your",
    "its",
    "him",
    "them",
    "me",
    "us",
    "who",
    "which",
    "that",
    "this",
    "these",
    "those",
    "there",
    "then",
    "when",
    "where",
    "what",
    "why",
    "how",
    "said",
    "says",
    "is",
    "was",
    "were",
    "are",
    "be",
    "been",
    "has",
    "had",
    "have",
    "do",
    "did",
    "does",
    "at",
    "in",
    "on",
    "to",
    "from",
    "for",
    "with",
    "of",
    "by",
    "as",
    "if",
    "so",
    "not",
    "no",
    "yes",
    "also",
    "too",
    "very",
    "just",
    "all",
    "some",
    "any",
    "one",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "july",
    "september",
    "october",
    "november",
    "december",
    "christmas",
    "easter",
    "eid",
    "diwali",
    "school",
    "home",
    "ok",
    "okay",
    "dear",
    "hi",
    "hello",
    "thanks",
    "please",
    "sir",
    "madam",
    "social",
    "services",
    "council",
    "police",
    "nhs",
    "court",
    "hospital",
    "team",
    "mum",
    "dad",
    "mummy",
    "daddy",
    "mam",
    "nan",
    "nana",
    "gran",
    "granny",
    "grandma",
    "grandad",
    "grandpa",
    "auntie",
    "aunty",
    "uncle",
    "aunt",
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "who's",
    "i'm",
    "i've",
    "i'll",
    "i'd",
    "he's",
    "she's",
    "they're",
    "we're",
    "you're",
    "it's",
    "that's",
    "there's",
    "don't",
    "didn't",
    "can't",
    "won't",
    "isn't",
    "wasn't",
    "child",
    "children",
    "baby",
    "friend",
    "friends",
    "family",
    "plan",
    "meeting",
    "review",
    "conference",
    "contact",
    "note",
    "notes",
    "update",
    "today",
    "tomorrow",
    "yesterday",
    "tonight",
    "morning",
    "afternoon",
    "evening",
    "weekend",
    "week",
    "month",
    "year",
    "new",
    "old",
    "young",
    "little",
    "big",
    "best",
    "good",
    "man",
    "woman",
    "boy",
    "girl",
    "lady",
    "gentleman",
    "someone",
    "somebody",
    "anyone",
    "nobody",
    "everyone",
    // Services and organisations, often after "called" (phoned).
    "childline",
    "nspcc",
    "samaritans",
    "refuge",
    "barnardo's",
    "barnardos",
    "cafcass",
    "ofsted",
    "shelter",
    "kooth",
    "camhs",
    "ambulance",
    "housing",
    "emergency",
    "duty",
    "helpline",
    "women's",
];

/// Words after a given name that make it a place, not a person:
/// "Victoria Park", "Grace Academy", "St Helen's Hospital".
const PLACE_WORDS: &[&str] = &[
    "road",
    "rd",
    "street",
    "st",
    "avenue",
    "ave",
    "lane",
    "close",
    "way",
    "drive",
    "park",
    "school",
    "academy",
    "college",
    "primary",
    "secondary",
    "high",
    "junior",
    "infant",
    "infants",
    "nursery",
    "hospital",
    "house",
    "centre",
    "center",
    "ward",
    "station",
    "court",
    "crescent",
    "gardens",
    "terrace",
    "place",
    "grove",
    "walk",
    "hall",
    "church",
    "chapel",
    "mosque",
    "temple",
    "gurdwara",
    "synagogue",
    "library",
    "surgery",
    "clinic",
    "medical",
    "health",
    "university",
    "square",
    "green",
    "hill",
    "estate",
    "community",
    "leisure",
    "sports",
    "football",
    "club",
    "fc",
    "united",
    "city",
    "town",
    "shopping",
    "bridge",
    "line",
    "tower",
    "building",
    "buildings",
    "hotel",
    "cafe",
    "restaurant",
    "pub",
    "arms",
    "inn",
    "prison",
    "camp",
    "wing",
    "trust",
    "foundation",
    "borough",
    "county",
    "village",
    "lodge",
    "manor",
    "farm",
    "cottage",
    "view",
    "heights",
    "mews",
    "rise",
    "row",
    "unit",
    "ward's",
    "infirmary",
    "hospice",
    "children's",
    "women's",
    "refuge",
    "shelter",
    "practice",
    "harbour",
    "airport",
    "beach",
    "bay",
    "island",
    "falls",
    "forest",
    "wood",
    "woods",
    "lake",
    "river",
    "valley",
    "street's",
    "market",
    "mall",
    "parade",
    "quay",
    "wharf",
];

/// Sentence-initial words that make a name that is also a modal verb a verb:
/// "Will you ...", "May I ...".
const PRONOUNS: &[&str] = &[
    "i", "you", "he", "she", "we", "they", "it", "there", "this", "that",
];

/// Names that are also months: "May" before or after a number is a month.
const MONTH_NAMES: &[&str] = &["may", "june", "april", "august", "march", "jan", "july"];

/// Words before a month name that make it a month: "in May", "early June".
const MONTH_BEFORE: &[&str] = &[
    "in", "early", "late", "mid", "since", "until", "till", "during", "last", "next", "this",
    "every", "each",
];

struct Lists {
    relation: FastSet<&'static str>,
    professional: FastSet<&'static str>,
    things: FastSet<&'static str>,
    stop: FastSet<&'static str>,
    place: FastSet<&'static str>,
    pronouns: FastSet<&'static str>,
    months: FastSet<&'static str>,
    month_before: FastSet<&'static str>,
}

fn lists() -> &'static Lists {
    static L: OnceLock<Lists> = OnceLock::new();
    L.get_or_init(|| Lists {
        relation: static_set(RELATION_CUES),
        professional: static_set(PROFESSIONAL_CUES),
        things: static_set(THING_WORDS),
        stop: static_set(STOP_WORDS),
        place: static_set(PLACE_WORDS),
        pronouns: static_set(PRONOUNS),
        months: static_set(MONTH_NAMES),
        month_before: static_set(MONTH_BEFORE),
    })
}

// ---------------------------------------------------------------------------
// The text, tokenised and folded once

impl Words<'_> {
    /// True when token `i` starts a sentence (or a line, heading or list item).
    fn sentence_start(&self, i: usize) -> bool {
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

// ---------------------------------------------------------------------------
// The people of the case

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
pub struct NameMatch {
    pub first_token: usize,
    pub last_token: usize,
    pub start: usize,
    pub end: usize,
    pub flag: bool,
    pub form: Form,
    pub people: Vec<usize>,
}

fn flagged(p: &CasePerson) -> bool {
    !p.recipient && p.role != Role::Professional
}

/// The ways one word of a name may be written, each a sequence of folded
/// words: "lloyd-jones" -> ["lloyd-jones"], ["lloyd", "jones"];
/// "o'neill" -> ["o'neill"], ["oneill"], ["o", "neill"].
fn word_variants(word: &str) -> Vec<Vec<String>> {
    let mut out = vec![vec![word.to_string()]];
    if word.contains('\'') {
        out.push(vec![word.replace('\'', "")]);
    }
    if word.contains(['\'', '-']) {
        let split: Vec<String> = word
            .split(['\'', '-'])
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect();
        if split.len() > 1 {
            out.push(split);
        }
    }
    out
}

/// Every combination of the variants of `words`, joined (at most 32).
fn combinations(words: &[Vec<Vec<String>>]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = vec![Vec::new()];
    for alts in words {
        let mut next = Vec::new();
        for prefix in &out {
            for alt in alts {
                if next.len() >= 32 {
                    break;
                }
                let mut v = prefix.clone();
                v.extend(alt.iter().cloned());
                next.push(v);
            }
        }
        out = next;
    }
    out
}

/// The folded words of a written name, each with its variants.
fn name_words(name: &str) -> Vec<Vec<Vec<String>>> {
    super::tokens::tokenize(name)
        .iter()
        .map(|t| word_variants(&super::tokens::fold(t.full(name))))
        .collect()
}

impl People {
    pub fn new(people: &[CasePerson]) -> Self {
        let mut index = People {
            vocab: FastMap::default(),
            patterns: FastMap::default(),
            max_len: 0,
        };
        for (pi, person) in people.iter().enumerate() {
            let flag = flagged(person);
            let words = name_words(&person.name);
            if let (Some(first), Some(last)) = (words.first(), words.last()) {
                for full in combinations(&words) {
                    index.add(&full, Form::Full, pi, flag);
                }
                for given in first {
                    index.add(given, Form::Given, pi, flag);
                }
                if words.len() > 1 {
                    for surname in last {
                        index.add(surname, Form::Surname, pi, flag);
                    }
                }
                if words.len() > 2 {
                    for first_last in combinations(&[first.clone(), last.clone()]) {
                        index.add(&first_last, Form::Full, pi, flag);
                    }
                }
            }
            for alias in &person.aliases {
                for variant in combinations(&name_words(alias)) {
                    index.add(&variant, Form::Alias, pi, flag);
                }
            }
        }
        index
    }

    fn add(&mut self, words: &[String], form: Form, person: usize, flag: bool) {
        if words.is_empty() || words.iter().any(String::is_empty) {
            return;
        }
        let mut ids = Vec::with_capacity(words.len());
        for w in words {
            let next = self.vocab.len() as u32;
            ids.push(*self.vocab.entry(w.clone()).or_insert(next));
        }
        self.max_len = self.max_len.max(ids.len());
        let entry = self.patterns.entry(ids).or_insert(Pattern {
            flag: false,
            form,
            people: Vec::new(),
        });
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
    pub fn find(&self, words: &Words, blocked: &[bool]) -> Vec<NameMatch> {
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
                key.extend(ids[i..i + len].iter().map(|x| x.expect("checked")));
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
                        people: p.people.clone(),
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
fn followed_by_place(words: &Words, i: usize) -> bool {
    i + 1 < words.tokens.len()
        && !words.tokens[i].is_possessive()
        && words.gap_after(i) == Gap::Space
        && is_capitalised(words.name(i + 1))
        && lists().place.contains(words.key(i + 1))
}

// ---------------------------------------------------------------------------
// People who are not in the case record

/// What the words before a token say about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    None,
    Relation,
    Professional,
}

/// A name that is not a case person's: `[start, end)` over tokens
/// `first..=last`.
#[derive(Clone, Debug)]
pub struct UnknownMatch {
    pub first_token: usize,
    pub last_token: usize,
    pub start: usize,
    pub end: usize,
}

fn cue_before(words: &Words, i: usize, last_unknown: Option<usize>) -> Cue {
    if i == 0 {
        return Cue::None;
    }
    let l = lists();
    let prev = i - 1;
    let g = words.gap_after(prev);
    let prev_key = words.key(prev);
    // "Dr. Patel", "Mrs. Walsh": the full stop of a title is not a sentence end.
    let title_dot = g == Gap::Break
        && matches!(
            prev_key,
            "dr" | "mr" | "mrs" | "ms" | "mx" | "prof" | "rev" | "st"
        )
        && words.text[words.tokens[prev].end..words.tokens[i].start]
            .strip_prefix('.')
            .is_some_and(|rest| !rest.is_empty() && rest.trim_matches([' ', '\t']).is_empty());
    // "her friend (Dwayne)", "friend: Dwayne", "friend – Dwayne".
    let between = &words.text[words.tokens[prev].end..words.tokens[i].start];
    let punct = g == Gap::Break
        && !between.contains('\n')
        && matches!(
            between.trim_matches([' ', '\t']),
            "(" | ":" | "\u{2013}" | "\u{2014}"
        )
        || (between.len() > 2
            && between.trim_matches([' ', '\t']) == "-"
            && between.starts_with(' ')
            && between.ends_with(' '));
    if g == Gap::Break && !title_dot && !punct {
        return Cue::None;
    }
    let g = if punct { Gap::Space } else { g };
    // "Tyler and Kayla", "Tyler, Kayla and Jay" after a cued name.
    if matches!(prev_key, "and" | "or" | "&") || g == Gap::Comma {
        let before = if matches!(prev_key, "and" | "or" | "&") {
            prev.checked_sub(1)
        } else {
            Some(prev)
        };
        if let (Some(b), Some(u)) = (before, last_unknown) {
            if b == u {
                return Cue::Relation;
            }
        }
    }
    if prev > 0 && words.gap_after(prev - 1) == Gap::Space {
        let pair = (words.key(prev - 1), prev_key);
        if PROFESSIONAL_PAIRS.contains(&pair) {
            return Cue::Professional;
        }
        if pair == ("known", "as") || pair == ("goes", "by") {
            return Cue::Relation;
        }
    }
    // "her teacher Miss Jones", "Your social worker, Mrs Khan", "Headteacher Mr Brown".
    if matches!(prev_key, "mr" | "mrs" | "ms" | "miss" | "mx" | "dr")
        && prev > 0
        && matches!(words.gap_after(prev - 1), Gap::Space | Gap::Comma)
    {
        let before = words.key(prev - 1);
        let pair = prev > 1
            && words.gap_after(prev - 2) == Gap::Space
            && PROFESSIONAL_PAIRS.contains(&(words.key(prev - 2), before));
        if pair || l.professional.contains(before) {
            return Cue::Professional;
        }
    }
    // "St Helen's" is a place; treat it like a professional's name: not flagged.
    if l.professional.contains(prev_key) || prev_key == "st" || prev_key == "saint" {
        return Cue::Professional;
    }
    if l.relation.contains(prev_key) {
        if matches!(prev_key, "called" | "named") {
            // "a dog called Max", "a game called ..."
            for back in 1..=3 {
                if let Some(j) = prev.checked_sub(back) {
                    if l.things.contains(words.key(j)) {
                        return Cue::None;
                    }
                    if words.gap_after(j) == Gap::Break {
                        break;
                    }
                }
            }
        }
        return Cue::Relation;
    }
    Cue::None
}

/// Finds names of people who are not in the case. `blocked` marks tokens
/// already taken by other findings or by case people.
pub fn find_unknown(words: &Words, blocked: &[bool]) -> Vec<UnknownMatch> {
    let l = lists();
    let given = given_names();
    let cue_only = cue_only_names();
    let n = words.tokens.len();
    let mut out = Vec::new();
    let mut last_unknown: Option<usize> = None;
    let mut i = 0;
    while i < n {
        if blocked[i] {
            i += 1;
            continue;
        }
        let key = words.key(i);
        let name = words.name(i);
        let c = caps(name);
        // Most words: lower case and not a given name.
        if c == Caps::Lower && !given.contains(key) {
            i += 1;
            continue;
        }
        if c == Caps::Other || l.stop.contains(key) {
            i += 1;
            continue;
        }
        // Acronyms of the glossary ("a meeting called ICPC") are not names.
        if c == Caps::Upper && crate::jargon::Glossary::builtin().is_acronym(name) {
            i += 1;
            continue;
        }
        let cue = cue_before(words, i, last_unknown);
        if cue == Cue::Professional {
            // Skip the professional's whole name.
            i += 1;
            while i < n
                && !blocked[i]
                && is_capitalised(words.name(i))
                && words.gap_after(i - 1) == Gap::Space
                && !words.tokens[i - 1].is_possessive()
            {
                i += 1;
            }
            continue;
        }
        let capital = matches!(c, Caps::Title | Caps::Upper);
        let in_list = given.contains(key) && !cue_only.contains(key);
        let next_is_place =
            followed_by_place(words, i) && !(c == Caps::Title && surname_place_ends(words, i + 1));
        // "a Stanley knife", "a Jack Russell", "Roman Catholic": things.
        let thing = i + 1 < n
            && words.gap_after(i) == Gap::Space
            && NOT_PERSON_PAIRS.contains(&(key, words.key(i + 1)))
            || (i > 0
                && words.gap_after(i - 1) == Gap::Space
                && matches!(words.key(i - 1), "a" | "an"));
        // "Lily Evans", "Grace Hall": a cue-only given name with a surname.
        let cue_only_full = c == Caps::Title
            && given.contains(key)
            && cue_only.contains(key)
            && surname_follows(words, i);
        let candidate = if capital {
            match cue {
                Cue::Relation => true,
                _ => (in_list && !next_is_place || cue_only_full) && !thing,
            }
        } else {
            // "a man called kyle": only a listed name, only after a cue.
            cue == Cue::Relation && in_list
        };
        if !candidate {
            i += 1;
            continue;
        }
        let mut last = i;
        if capital {
            while last + 1 < n
                && last - i < 2
                && !blocked[last + 1]
                && !words.tokens[last].is_possessive()
                && words.gap_after(last) == Gap::Space
                && is_capitalised(words.name(last + 1))
                && !l.stop.contains(words.key(last + 1))
                && (!l.place.contains(words.key(last + 1))
                    || (last == i && surname_place_ends(words, last + 1)))
                && !l.relation.contains(words.key(last + 1))
            {
                last += 1;
            }
        }
        out.push(UnknownMatch {
            first_token: i,
            last_token: last,
            start: words.tokens[i].start,
            end: words.tokens[last].name_end,
        });
        last_unknown = Some(last);
        i = last + 1;
    }
    out
}

/// True when token `j` is a place word that is also a surname ("Green",
/// "Hall", "Wood"), written with a capital, and nothing capitalised follows it
/// ("Kyle Green" is a person, "Kyle Green Park" a place).
fn surname_place_ends(words: &Words, j: usize) -> bool {
    let n = words.tokens.len();
    // "the Albert Hall", "at the Victoria Hall" are places.
    let the_before = j >= 2 && words.gap_after(j - 2) == Gap::Space && words.key(j - 2) == "the";
    j < n
        && !the_before
        && caps(words.name(j)) == Caps::Title
        && SURNAME_PLACES.contains(&words.key(j))
        && (j + 1 >= n
            || words.tokens[j].is_possessive()
            || words.gap_after(j) != Gap::Space
            || !is_capitalised(words.name(j + 1)))
}

/// True when token `i` is followed by a surname-like word: capitalised, not
/// a stop word, relation word or common word, and not a place word unless it
/// is a surname that ends the name ("Lily Evans", "Grace Hall"; not "Grace
/// Road", "Holly Lodge").
fn surname_follows(words: &Words, i: usize) -> bool {
    let l = lists();
    let j = i + 1;
    if j >= words.tokens.len()
        || words.tokens[i].is_possessive()
        || words.gap_after(i) != Gap::Space
        || caps(words.name(j)) != Caps::Title
    {
        return false;
    }
    let key = words.key(j);
    if l.stop.contains(key) || l.relation.contains(key) || l.professional.contains(key) {
        return false;
    }
    // "Ruby Jones Park" is a place; "RAG rating: Amber Green" a colour.
    let colour = |k: &str| {
        matches!(
            k,
            "amber" | "green" | "red" | "ruby" | "jade" | "olive" | "violet" | "hazel" | "scarlet"
        )
    };
    if followed_by_place(words, j) || (colour(words.key(i)) && colour(key)) {
        return false;
    }
    if l.place.contains(key) {
        return surname_place_ends(words, j);
    }
    !common_words().contains(key)
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
