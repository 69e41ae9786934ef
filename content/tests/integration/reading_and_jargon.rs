//! Reading age and the jargon glossary.

use std::collections::HashSet;

use content::jargon::{Glossary, GlossaryError, BUILTIN_TOML};
use content::reading::{reading_age, reading_age_flag, syllables, text_stats, TextStats};

// --- reading age -------------------------------------------------------

const SIMPLE: &str = "I like my dog. He is big and brown. We go to the park. We play ball. \
                      Then we go home. I give him his tea.";

const COMPLEX: &str = "Following the strategy discussion, the local authority initiated a \
    section 47 enquiry in accordance with statutory guidance, having determined that there \
    was reasonable cause to suspect that the child was suffering, or was likely to suffer, \
    significant harm. Consequently, an initial child protection conference was convened, \
    at which multi-agency representatives considered the comprehensive assessment.";

#[test]
fn simple_text_reads_young_and_complex_text_reads_old() {
    let simple = reading_age(SIMPLE);
    let complex = reading_age(COMPLEX);
    assert!(simple <= 7.0, "simple text reads at {simple}");
    assert!(complex >= 18.0, "complex text reads at {complex}");
    assert!(!reading_age_flag(SIMPLE, 8));
    assert!(reading_age_flag(COMPLEX, 8));
    assert!(reading_age_flag(COMPLEX, 16));
}

#[test]
fn the_formula_is_flesch_kincaid_plus_five() {
    // 2 sentences, 11 words, 13 syllables:
    // 0.39 * 5.5 + 11.8 * 13 / 11 - 15.59 = 0.5 -> reading age 5.5
    let text = "The cat sat on the mat. The happy dog ran away.";
    assert_eq!(
        text_stats(text),
        TextStats {
            words: 11,
            sentences: 2,
            syllables: 13
        }
    );
    let grade = text_stats(text).grade();
    let expected = 0.39 * (11.0 / 2.0) + 11.8 * (13.0 / 11.0) - 15.59;
    assert!((grade - expected).abs() < 1e-9);
    assert_eq!(reading_age(text), 5.5);
}

#[test]
fn reading_age_limits() {
    assert_eq!(reading_age(""), 0.0);
    assert_eq!(reading_age("123 456 !!!"), 0.0);
    assert_eq!(reading_age("Go. Run. Sit."), 5.0, "never below 5");
    let endless = "incomprehensibility ".repeat(200);
    assert_eq!(reading_age(&endless), 25.0, "never above 25");
}

#[test]
fn markdown_structure_counts_as_sentences() {
    let md = "# What happens next\n\n- a visit\n- a meeting\n\nWe will talk.";
    assert_eq!(text_stats(md).sentences, 4);
}

#[test]
fn the_flag_compares_with_the_readers_age() {
    let age = reading_age(COMPLEX);
    assert!(reading_age_flag(COMPLEX, (age - 1.0) as u32));
    assert!(!reading_age_flag(COMPLEX, age.ceil() as u32));
    assert!(!reading_age_flag("", 8));
}

#[test]
fn syllables_of_care_words() {
    for (w, n) in [
        ("plan", 1),
        ("meeting", 2),
        ("worker", 2),
        ("social", 2),
        ("review", 2),
        ("protection", 3),
        ("conference", 3),
        ("assessment", 3),
        ("advocate", 3),
        ("independent", 4),
        ("IRO", 3),
    ] {
        assert_eq!(syllables(w), n, "{w}");
    }
}

// --- glossary ----------------------------------------------------------

#[test]
fn the_glossary_loads_with_at_least_80_unique_entries() {
    let g = Glossary::builtin();
    assert!(g.len() >= 80, "only {} entries", g.len());
    let terms: HashSet<String> = g.entries().iter().map(|e| e.term.to_lowercase()).collect();
    assert_eq!(terms.len(), g.len(), "terms are unique");
    for e in g.entries() {
        assert!(!e.plain.trim().is_empty(), "{} has no plain words", e.term);
        assert!(
            e.plain.split_whitespace().count() <= 16,
            "{}: plain text too long",
            e.term
        );
        assert_ne!(e.plain.to_lowercase(), e.term.to_lowercase());
    }
}

#[test]
fn the_glossary_has_the_listed_terms() {
    let g = Glossary::builtin();
    let terms: HashSet<&str> = g.entries().iter().map(|e| e.term.as_str()).collect();
    for t in [
        "ICPC",
        "RCPC",
        "CIN",
        "CP plan",
        "LAC",
        "CLA",
        "IRO",
        "PLO",
        "section 47",
        "section 17",
        "section 20",
        "TAF",
        "EHCP",
        "core group",
        "strategy discussion",
        "contact",
        "placement",
        "respite",
    ] {
        assert!(terms.contains(t), "{t} missing");
    }
}

#[test]
fn plain_alternatives_are_themselves_plain() {
    // No plain alternative uses a glossary term (no jargon to explain jargon)
    // and each reads young.
    let g = Glossary::builtin();
    for e in g.entries() {
        let hits = g.find(&e.plain);
        assert!(
            hits.is_empty(),
            "{}: plain words use jargon {:?}",
            e.term,
            hits
        );
        let age = reading_age(&format!("{}.", e.plain));
        assert!(age <= 12.0, "{}: plain words read at {age}", e.term);
    }
}

fn terms(text: &str) -> Vec<(String, String)> {
    Glossary::builtin()
        .find(text)
        .into_iter()
        .map(|h| (h.term, text[h.start..h.end].to_string()))
        .collect()
}

fn t(term: &str, found: &str) -> (String, String) {
    (term.to_string(), found.to_string())
}

#[test]
fn finds_the_listed_terms_in_text() {
    assert_eq!(
        terms("The ICPC agreed a CP plan. The RCPC is in May. She is CIN and LAC (CLA)."),
        vec![
            t("ICPC", "ICPC"),
            t("CP plan", "CP plan"),
            t("RCPC", "RCPC"),
            t("CIN", "CIN"),
            t("LAC", "LAC"),
            t("CLA", "CLA")
        ]
    );
    assert_eq!(
        terms("Your IRO said the PLO letter came after the section 47, not the Section 17 or s20."),
        vec![
            t("IRO", "IRO"),
            t("PLO", "PLO"),
            t("section 47", "section 47"),
            t("section 17", "Section 17"),
            t("section 20", "s20")
        ]
    );
    assert_eq!(
        terms("The TAF and the EHCP. The core group met after a strategy discussion."),
        vec![
            t("TAF", "TAF"),
            t("EHCP", "EHCP"),
            t("core group", "core group"),
            t("strategy discussion", "strategy discussion")
        ]
    );
    assert_eq!(
        terms("Contact with Dad is on Saturdays. The placement and respite are going well."),
        vec![
            t("contact", "Contact"),
            t("placement", "placement"),
            t("respite", "respite")
        ]
    );
}

#[test]
fn longest_match_first_and_no_overlaps() {
    assert_eq!(
        terms("a child protection plan"),
        vec![t("CP plan", "child protection plan")]
    );
    assert_eq!(
        terms("an initial child protection conference"),
        vec![t("ICPC", "initial child protection conference")]
    );
    assert_eq!(
        terms("supervised contact"),
        vec![t("supervised contact", "supervised contact")]
    );
    let hits = Glossary::builtin().find("child in need plan child in need");
    for w in hits.windows(2) {
        assert!(w[0].end <= w[1].start);
    }
    assert_eq!(hits.len(), 2);
}

#[test]
fn acronyms_are_case_sensitive_and_words_are_not() {
    assert!(terms("the cin and lac and iro").is_empty());
    assert!(terms("the cinema and the lace").is_empty());
    assert_eq!(terms("PLACEMENT"), vec![t("placement", "PLACEMENT")]);
    assert_eq!(terms("Respite"), vec![t("respite", "Respite")]);
}

#[test]
fn whole_words_plurals_and_possessives() {
    assert!(terms("replacement displacements").is_empty());
    assert_eq!(terms("two placements"), vec![t("placement", "placements")]);
    assert_eq!(terms("the IROs met"), vec![t("IRO", "IROs")]);
    assert_eq!(terms("the IRO's view"), vec![t("IRO", "IRO")]);
}

#[test]
fn contact_as_ordinary_english_is_not_jargon() {
    assert!(terms("Contact email for Kayla: x@example.org.").is_empty());
    assert!(terms("You can contact your worker. Please contact us.").is_empty());
    assert!(terms("Your contact details are below.").is_empty());
    assert_eq!(
        terms("Contact will be supervised."),
        vec![t("contact", "Contact")]
    );
    assert!(terms("It took 10 minutes.").is_empty());
    assert_eq!(
        terms("The minutes of the meeting."),
        vec![t("minutes", "minutes")]
    );
}

#[test]
fn hit_offsets_are_bytes_on_char_boundaries() {
    let text = "Zoë’s placement — the ICPC’s view";
    for h in Glossary::builtin().find(text) {
        assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
    }
    assert_eq!(
        terms(text),
        vec![t("placement", "placement"), t("ICPC", "ICPC")]
    );
}

#[test]
fn glossary_files_are_checked_when_loaded() {
    assert!(Glossary::from_toml(BUILTIN_TOML).is_ok());
    assert!(matches!(
        Glossary::from_toml("not toml ["),
        Err(GlossaryError::Toml(_))
    ));
    let dup = "[[term]]\nterm = \"CIN\"\nplain = \"a\"\n[[term]]\nterm = \"CIN\"\nplain = \"b\"\n";
    assert!(matches!(
        Glossary::from_toml(dup),
        Err(GlossaryError::Duplicate(_))
    ));
    let empty = "[[term]]\nterm = \"CIN\"\nplain = \" \"\n";
    assert!(matches!(
        Glossary::from_toml(empty),
        Err(GlossaryError::Entry { .. })
    ));
    let unknown = "[[term]]\nterm = \"CIN\"\nplain = \"x\"\ncolour = \"red\"\n";
    assert!(Glossary::from_toml(unknown).is_err());
    let g = Glossary::from_toml("[[term]]\nterm = \"widget\"\nplain = \"a thing\"\n").unwrap();
    assert_eq!(g.len(), 1);
    assert_eq!(g.plain("widget"), Some("a thing"));
    assert_eq!(g.find("two widgets")[0].plain, "a thing");
}
