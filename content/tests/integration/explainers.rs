//! The explainer pages: they load, have titles, cover every topic for both
//! audiences, read at their stated age, render safely and name nobody.

use std::collections::HashSet;

use content::check::FindingKind;
use content::check::{find, CasePerson};
use content::explainers::{
    all, by_slug, for_audience, title_of, Audience, CHILDREN_MAX_READING_AGE,
    PARENTS_MAX_READING_AGE,
};
use content::reading::{reading_age, reading_age_flag};

const TOPICS: &[&str] = &[
    "child-protection-plan",
    "child-in-need-plan",
    "meetings",
    "social-worker-and-iro",
    "your-records",
    "complaints",
    "advocates",
    "in-danger-now",
];

#[test]
fn every_topic_has_a_page_for_children_and_for_parents() {
    for audience in [Audience::Children, Audience::Parents] {
        let topics: HashSet<&str> = for_audience(audience).map(|e| e.topic()).collect();
        for t in TOPICS {
            assert!(topics.contains(t), "{audience:?} page missing for {t}");
        }
    }
    assert_eq!(all().len(), TOPICS.len() * 2);
}

#[test]
fn every_file_in_the_folder_is_listed() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/explainers");
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| f.ends_with(".md"))
        .map(|f| f.trim_end_matches(".md").to_string())
        .collect();
    files.sort();
    let mut listed: Vec<String> = all().iter().map(|e| e.slug.to_string()).collect();
    listed.sort();
    assert_eq!(files, listed);
}

#[test]
fn titles_come_from_the_first_heading_and_slugs_find_pages() {
    let e = by_slug("children-child-protection-plan").expect("page");
    assert_eq!(e.title, "What is a child protection plan?");
    assert_eq!(e.audience, Audience::Children);
    assert!(by_slug("no-such-page").is_none());
    for e in all() {
        assert!(!e.title.is_empty(), "{} has no # title", e.slug);
        assert!(
            e.markdown.starts_with("# "),
            "{} starts with its title",
            e.slug
        );
        assert_eq!(by_slug(e.slug).unwrap().slug, e.slug);
        let prefix = match e.audience {
            Audience::Children => "children-",
            Audience::Parents => "parents-",
        };
        assert!(e.slug.starts_with(prefix));
    }
    assert_eq!(title_of("intro\n# Title here \nmore"), "Title here");
    assert_eq!(title_of("## not a title"), "");
}

#[test]
fn childrens_pages_read_at_age_nine() {
    for e in for_audience(Audience::Children) {
        let age = e.reading_age();
        eprintln!("{}: {age}", e.slug);
        assert!(
            age > 0.0 && age <= CHILDREN_MAX_READING_AGE,
            "{} reads at {age}, above {CHILDREN_MAX_READING_AGE}",
            e.slug
        );
        assert!(
            !reading_age_flag(e.markdown, 9),
            "{} is flagged for a 9-year-old",
            e.slug
        );
    }
}

#[test]
fn parents_pages_are_plain_english() {
    for e in for_audience(Audience::Parents) {
        let age = reading_age(e.markdown);
        eprintln!("{}: {age}", e.slug);
        assert!(
            age > 0.0 && age <= PARENTS_MAX_READING_AGE,
            "{} reads at {age}, above {PARENTS_MAX_READING_AGE}",
            e.slug
        );
    }
}

#[test]
fn pages_are_short() {
    for e in all() {
        let words = e.markdown.split_whitespace().count();
        assert!(words <= 450, "{} has {words} words", e.slug);
    }
}

#[test]
fn pages_render_to_safe_html() {
    for e in all() {
        let html = e.html();
        assert!(html.contains("<h1>"), "{}", e.slug);
        let lower = html.to_ascii_lowercase();
        for bad in ["<script", "<img", "<iframe", "<style", "javascript:"] {
            assert!(!lower.contains(bad), "{} contains {bad}", e.slug);
        }
        // No attribute other than those of the allowlist inside any tag.
        for tag in lower.split('<').skip(1) {
            let inside = tag.split('>').next().unwrap();
            assert!(
                !inside.contains(" on"),
                "{}: event attribute in <{inside}>",
                e.slug
            );
            assert!(
                !inside.contains("style="),
                "{}: style in <{inside}>",
                e.slug
            );
        }
    }
}

#[test]
fn pages_name_no_one() {
    // No person, known or unknown, in any page: only fictional roles.
    let nobody: Vec<CasePerson> = Vec::new();
    for e in all() {
        let people: Vec<_> = find(e.markdown, &nobody)
            .into_iter()
            .filter(|f| matches!(f.kind, FindingKind::Person | FindingKind::UnknownPerson))
            .collect();
        assert!(people.is_empty(), "{} names {:?}", e.slug, people);
    }
}

#[test]
fn danger_pages_give_the_emergency_numbers() {
    for slug in ["children-in-danger-now", "parents-in-danger-now"] {
        let md = by_slug(slug).unwrap().markdown;
        assert!(md.contains("999"), "{slug}");
        assert!(md.contains("0800 1111"), "{slug}: Childline");
    }
}
