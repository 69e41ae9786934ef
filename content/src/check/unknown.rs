//! Finding people who are not in the case record: names after a cue
//! ("Mum's friend Tyler", "a man called Kyle Price"), given names from the
//! lists, and lists after a flagged name ("Tyler and Kayleigh").
//!
//! One pass over the word tokens with hash look-ups per token.

use super::lists::{
    common_words, cue_only_names, given_names, lists, NOT_PERSON_PAIRS, PROFESSIONAL_PAIRS,
    SURNAME_PLACES,
};
use super::names::followed_by_place;
use super::tokens::{caps, is_capitalised, Caps, Gap, Words};

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
        // A name of any origin: "Halina Zielinska", "Faina D. Yefremova".
        let world = if capital && cue == Cue::None && !thing {
            super::origins::name_end(words, i, blocked)
        } else {
            None
        };
        if !candidate && world.is_none() {
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
                && !super::patterns::is_street_only_word(words.key(last + 1))
            {
                last += 1;
            }
        }
        if let Some(end) = world.or_else(|| {
            capital
                .then(|| super::origins::name_end(words, i, blocked))
                .flatten()
        }) {
            last = last.max(end);
        }
        // "in Keith", "at Taylor Wimpey", "Drumcullion Glen": places, unless
        // a cue says a person is meant.
        let street = last == i
            && super::patterns::is_street_word(key)
            && i > 0
            && words.gap_after(i - 1) == Gap::Space
            && is_capitalised(words.name(i - 1));
        if cue == Cue::None && (street || super::origins::place_around(words, i, last)) {
            i = last + 1;
            continue;
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
pub fn surname_place_ends(words: &Words, j: usize) -> bool {
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
pub fn surname_follows(words: &Words, i: usize) -> bool {
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
