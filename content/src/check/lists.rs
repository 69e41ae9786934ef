//! The word lists of the name finders: given names, common words, cue
//! words, stop words, place words and the small fixed lists beside them.
//!
//! The long lists live in `check/data/*.txt` (one folded word a line, `#`
//! comments), built into the binary with `include_str!`; each is read into a
//! hash set once per process.

use std::sync::OnceLock;

use super::tokens::FastSet;

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

/// The words of a data file that is already folded (lower case, no
/// accents), borrowed from the binary.
fn data_set(data: &'static str) -> FastSet<&'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn static_set(words: &'static [&'static str]) -> FastSet<&'static str> {
    words.iter().copied().collect()
}

/// Place words that are also common surnames: "Kyle Green", "Sarah Hall",
/// "Tom Wood". They end a name when nothing capitalised follows ("Kyle
/// Green Park" is a place).
pub const SURNAME_PLACES: &[&str] = &[
    "green", "hall", "wood", "woods", "hill", "hills", "brook", "brooks", "field", "fields",
    "banks", "marsh", "ford", "moor", "moore", "dale", "wells",
];

/// Given names that, with the next word, are a thing: "Roman Catholic",
/// "Stanley knife", "Jack Russell".
pub const NOT_PERSON_PAIRS: &[(&str, &str)] = &[
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
pub const CAPS_RUN_NAMES: &[&str] = &[
    "grace", "faith", "amber", "ruby", "holly", "daisy", "lily", "poppy", "ivy", "jade", "hazel",
    "heather", "violet", "iris", "olive", "pearl", "jasmine", "willow",
];

/// "visitor" is a relation cue ("a visitor called ..."), but "health visitor"
/// is a professional; this pair list overrides single-word cues.
pub const PROFESSIONAL_PAIRS: &[(&str, &str)] = &[
    ("health", "visitor"),
    ("family", "support"),
    ("support", "worker"),
    ("key", "worker"),
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

pub struct Lists {
    pub relation: FastSet<&'static str>,
    pub professional: FastSet<&'static str>,
    pub things: FastSet<&'static str>,
    pub stop: FastSet<&'static str>,
    pub place: FastSet<&'static str>,
    pub pronouns: FastSet<&'static str>,
    pub months: FastSet<&'static str>,
    pub month_before: FastSet<&'static str>,
}

pub fn lists() -> &'static Lists {
    static L: OnceLock<Lists> = OnceLock::new();
    L.get_or_init(|| Lists {
        relation: data_set(include_str!("data/relation_cues.txt")),
        professional: data_set(include_str!("data/professional_cues.txt")),
        things: data_set(include_str!("data/thing_words.txt")),
        stop: data_set(include_str!("data/stop_words.txt")),
        place: data_set(include_str!("data/place_words.txt")),
        pronouns: static_set(PRONOUNS),
        months: static_set(MONTH_NAMES),
        month_before: static_set(MONTH_BEFORE),
    })
}
