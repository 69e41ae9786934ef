//! Names of every origin: people not in the case whose names are not in the
//! curated UK list, found from the given names and surnames of many locales
//! (`check/data/world_*.txt`, derived from Faker's MIT-licensed locale
//! providers by `make_name_lists.py`) and from the shape of a name.
//!
//! A name here is two or three capitalised words in a row, where the words
//! between may be one initial ("Faina D. Yefremova") or lower-case particles
//! ("Jan van der Berg", "Rosa de la Cruz"), and where:
//! - the first word is a known given name and the last a known surname
//!   ("Carolyn Page", "Brett Jackson", "Santo Armendáriz"), or
//! - one of the two is known, the other is shaped like a name (capitalised,
//!   not an everyday word, not a stop, place, relation or professional word),
//!   and the known one is not an everyday word itself ("Halina Zielinska",
//!   "Krisztián Szöllösy").
//!
//! A lone word is never a name from these lists: a lone capitalised word is
//! as likely a place or a brand ("Paris", "Florence", "Jordan"). The curated
//! UK list (`given_names.txt`) still finds lone given names, as before.

use std::sync::OnceLock;

use super::lists::{common_words, cue_only_names, lists, SURNAME_PLACES};
use super::tokens::{caps, Caps, FastSet, Gap, Words};

fn data_set(data: &'static str) -> FastSet<&'static str> {
    data.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

/// Given names of many locales, folded.
pub fn world_given() -> &'static FastSet<&'static str> {
    static SET: OnceLock<FastSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_set(include_str!("data/world_given_names.txt")))
}

/// Surnames of many locales, folded.
pub fn world_surnames() -> &'static FastSet<&'static str> {
    static SET: OnceLock<FastSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_set(include_str!("data/world_surnames.txt")))
}

/// Everyday English words (`everyday_words.txt`): never a name from the
/// world lists alone.
pub fn everyday() -> &'static FastSet<&'static str> {
    static SET: OnceLock<FastSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| data_set(include_str!("data/everyday_words.txt")))
}

/// Lower-case words inside a surname: "van der Berg", "de la Cruz",
/// "bin Rashid", "dos Santos".
const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "la", "le", "da", "das", "do", "dos", "del", "di", "du",
    "ter", "ten", "bin", "binti", "ibn", "al", "el", "y",
];

/// Words after a pair that make it an organisation: "Rathbone Bros",
/// "Sage Grp", "Morgan Stanley Ltd".
const ORGANISATION_WORDS: &[&str] = &[
    "ltd",
    "limited",
    "plc",
    "llp",
    "inc",
    "group",
    "grp",
    "bros",
    "brothers",
    "holdings",
    "hldgs",
    "co",
    "partners",
    "associates",
    "solicitors",
];

/// Words before a pair that make it a place: "in Milton Keynes", "at Taylor
/// Wimpey", "on Killea Plaza".
const PLACE_BEFORE: &[&str] = &[
    "in", "at", "near", "on", "via", "into", "outside", "towards", "around",
];

/// True when token `k` could be one word of a name: written with a capital
/// (or all in capitals), letters only, and not a stop, place, relation or
/// professional word.
fn name_shaped(words: &Words, k: usize) -> bool {
    let name = words.name(k);
    let key = words.key(k);
    let l = lists();
    matches!(caps(name), Caps::Title | Caps::Upper)
        && key.chars().count() > 1
        && key
            .chars()
            .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        && !l.stop.contains(key)
        && !l.place.contains(key)
        && !super::patterns::is_street_word(key)
        && !l.relation.contains(key)
        && !l.professional.contains(key)
}

/// A word that is also ordinary English: it needs a known partner.
fn ordinary(key: &str) -> bool {
    everyday().contains(key) || common_words().contains(key)
}

/// Where the second word of a name starting at token `i` is, skipping one
/// initial ("D.") or up to three particles; `None` when nothing fits.
fn second_word(words: &Words, i: usize, blocked: &[bool]) -> Option<usize> {
    let n = words.tokens.len();
    if words.tokens[i].is_possessive() || i + 1 >= n {
        return None;
    }
    let mut j = i + 1;
    let initial = |k: usize| {
        let name = words.name(k);
        name.len() == 1
            && name.as_bytes()[0].is_ascii_uppercase()
            && words.text[words.tokens[k].end..].starts_with(". ")
    };
    if words.gap_after(i) != Gap::Space {
        return None;
    }
    if initial(j) && j + 1 < n {
        j += 1;
    } else {
        let mut particles = 0;
        while j + 1 < n
            && particles < 3
            && PARTICLES.contains(&words.key(j))
            && caps(words.name(j)) == Caps::Lower
            && words.gap_after(j) == Gap::Space
        {
            j += 1;
            particles += 1;
        }
        if particles > 0 && words.gap_after(j - 1) != Gap::Space {
            return None;
        }
    }
    // "Tawny Hill", "Rachel Croft": a place or street word that is a surname
    // ends a name when nothing capitalised follows it.
    let key = words.key(j);
    let surname_place = (SURNAME_PLACES.contains(&key)
        || (super::patterns::is_street_word(key)
            && world_surnames().contains(key)
            && !lists().place.contains(key)))
        && !super::patterns::is_street_only_word(key)
        && ends_name(words, j);
    (!blocked[j] && (name_shaped(words, j) || surname_place)).then_some(j)
}

/// Endings that mark a surname in many languages and almost no English
/// word: "-ova", "-sson", "-wicz", "-enko", "-opoulos", "-oglu", ...
const SURNAME_ENDINGS: &[&str] = &[
    "ova", "ov", "ev", "eva", "ev'", "ova'", "in", "ina", "sson", "sen", "dottir", "ski", "ska",
    "wicz", "czyk", "czak", "enko", "chuk", "iuk", "opoulos", "opoulou", "idis", "idou", "akis",
    "oglu", "escu", "ovic", "evic", "ovich", "evich", "ovna", "yan", "dze", "shvili", "ini",
    "elli", "etti", "otti", "ucci", "ez", "aki", "ola", "ala", "nen", "lainen", "stein", "berg",
    "mann", "ek", "uk",
];

/// True when a folded word ends like a surname and is long enough that the
/// ending means something.
fn surname_ending(key: &str) -> bool {
    key.len() >= 6 && SURNAME_ENDINGS.iter().any(|e| key.ends_with(e))
}

/// True when nothing capitalised follows token `j` in the same phrase and
/// "the" is not two words before ("the Albert Hall").
fn ends_name(words: &Words, j: usize) -> bool {
    let n = words.tokens.len();
    let the_before = j >= 2 && words.gap_after(j - 2) == Gap::Space && words.key(j - 2) == "the";
    !the_before
        && caps(words.name(j)) == Caps::Title
        && (j + 1 >= n
            || words.tokens[j].is_possessive()
            || words.gap_after(j) != Gap::Space
            || !matches!(caps(words.name(j + 1)), Caps::Title | Caps::Upper))
}

/// True when a letter of `name` is outside ASCII: "Károlyi", "Sebestyén".
fn foreign_letters(name: &str) -> bool {
    !name.is_ascii()
}

/// True when the words around tokens `i..=j` make them a place or an
/// organisation: "in Milton Keynes", "Rathbone Bros".
pub fn place_around(words: &Words, i: usize, j: usize) -> bool {
    let before = i > 0
        && words.gap_after(i - 1) == Gap::Space
        && PLACE_BEFORE.contains(&words.key(i - 1))
        && !words.tokens[j].is_possessive();
    let after = ORGANISATION_WORDS.contains(&words.key(j))
        || j + 1 < words.tokens.len()
            && !words.tokens[j].is_possessive()
            && words.gap_after(j) == Gap::Space
            && ORGANISATION_WORDS.contains(&words.key(j + 1));
    before || after
}

/// The last token of a name of any origin that starts at token `i`, or
/// `None`. `blocked` marks tokens other findings already hold.
pub fn name_end(words: &Words, i: usize, blocked: &[bool]) -> Option<usize> {
    if !name_shaped(words, i) {
        return None;
    }
    let j = second_word(words, i, blocked)?;
    let (a, b) = (words.key(i), words.key(j));
    // "Amber Green", "Holly Lodge": a given name that is also a word needs
    // a real surname after it, as in the UK list's rule.
    if cue_only_names().contains(a) && !super::unknown::surname_follows(words, i) {
        return None;
    }
    // In a run of capitals ("CHILD PROTECTION PLAN") only known pairs count.
    let upper = caps(words.name(i)) == Caps::Upper || caps(words.name(j)) == Caps::Upper;
    let given = world_given().contains(a);
    // A surname that is a place word follows a given name only: "Tawny
    // Hill", but not "Jones Park".
    if !given && !name_shaped(words, j) {
        return None;
    }
    let surname = world_surnames().contains(b);
    let (plain_a, plain_b) = (!ordinary(a), !ordinary(b));
    // "Leandro Cotton", "Carolyn Page": a known pair, one word may be English.
    let known_pair = given && surname && (plain_a || plain_b);
    // "Halina Zielinska", "Victoria Armbruster": one word known, the other
    // not English; "Zala Károlyi", "Serik Abdrashev", "Tamer Z. Eronat":
    // neither English, and accents, a surname's ending or an initial.
    let initial = j > i + 1 && words.name(i + 1).len() == 1;
    let shaped_pair = !upper
        && ((given && plain_b)
            || (surname && plain_a)
            || (plain_a
                && plain_b
                && (initial
                    || foreign_letters(words.name(i))
                    || foreign_letters(words.name(j))
                    || surname_ending(b))));
    if !(known_pair || shaped_pair) || place_around(words, i, j) {
        return None;
    }
    // A third word that is a surname too: "Rosa García López".
    let k = j + 1;
    let third = k < words.tokens.len()
        && !blocked[k]
        && !words.tokens[j].is_possessive()
        && words.gap_after(j) == Gap::Space
        && name_shaped(words, k)
        && world_surnames().contains(words.key(k))
        && !ordinary(words.key(k));
    Some(if third { k } else { j })
}
