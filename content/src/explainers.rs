//! Explainer pages: short Markdown pages shown on the portal, written for
//! children and for parents, about the plans, meetings, people and rights
//! that a family meets in children's social care.
//!
//! The pages live in `content/explainers/` and are embedded in the binary
//! with `include_str!`. A page's slug is its file name without `.md`; its
//! title is its first `# ` heading. Children's pages are tested to read at a
//! reading age of 9 or under ([`CHILDREN_MAX_READING_AGE`]).

use std::sync::OnceLock;

use serde::Serialize;

use crate::render::markdown_to_safe_html;

/// Who a page is written for.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    Children,
    Parents,
}

/// The highest reading age allowed for a children's page.
pub const CHILDREN_MAX_READING_AGE: f64 = 9.0;
/// The highest reading age allowed for a parents' page (plain English).
pub const PARENTS_MAX_READING_AGE: f64 = 14.0;

/// One explainer page.
#[derive(Clone, Debug)]
pub struct Explainer {
    /// The file name without `.md`, e.g. `children-child-protection-plan`.
    pub slug: &'static str,
    /// The text of the first `# ` heading.
    pub title: String,
    pub audience: Audience,
    /// The page's Markdown.
    pub markdown: &'static str,
}

impl Explainer {
    /// The topic, shared by the children's and parents' versions of a page:
    /// the slug without its `children-` or `parents-` prefix.
    pub fn topic(&self) -> &'static str {
        self.slug
            .strip_prefix("children-")
            .or_else(|| self.slug.strip_prefix("parents-"))
            .unwrap_or(self.slug)
    }

    /// The page as safe HTML (see [`crate::render`]).
    pub fn html(&self) -> String {
        markdown_to_safe_html(self.markdown)
    }

    /// The page's reading age (see [`crate::reading`]).
    pub fn reading_age(&self) -> f64 {
        crate::reading::reading_age(self.markdown)
    }
}

macro_rules! page {
    ($slug:literal, $audience:expr) => {
        (
            $slug,
            $audience,
            include_str!(concat!("../explainers/", $slug, ".md")),
        )
    };
}

const PAGES: &[(&str, Audience, &str)] = &[
    page!("children-child-protection-plan", Audience::Children),
    page!("children-child-in-need-plan", Audience::Children),
    page!("children-meetings", Audience::Children),
    page!("children-social-worker-and-iro", Audience::Children),
    page!("children-your-records", Audience::Children),
    page!("children-complaints", Audience::Children),
    page!("children-advocates", Audience::Children),
    page!("children-in-danger-now", Audience::Children),
    page!("parents-child-protection-plan", Audience::Parents),
    page!("parents-child-in-need-plan", Audience::Parents),
    page!("parents-meetings", Audience::Parents),
    page!("parents-social-worker-and-iro", Audience::Parents),
    page!("parents-your-records", Audience::Parents),
    page!("parents-complaints", Audience::Parents),
    page!("parents-advocates", Audience::Parents),
    page!("parents-in-danger-now", Audience::Parents),
];

/// The title of a Markdown page: its first `# ` heading, or "" if none.
pub fn title_of(markdown: &str) -> String {
    markdown
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().to_string())
        .unwrap_or_default()
}

/// Every explainer page, children's first, in a fixed order.
pub fn all() -> &'static [Explainer] {
    static ALL: OnceLock<Vec<Explainer>> = OnceLock::new();
    ALL.get_or_init(|| {
        PAGES
            .iter()
            .map(|&(slug, audience, markdown)| Explainer {
                slug,
                title: title_of(markdown),
                audience,
                markdown,
            })
            .collect()
    })
}

/// The page with this slug.
pub fn by_slug(slug: &str) -> Option<&'static Explainer> {
    all().iter().find(|e| e.slug == slug)
}

/// The pages for one audience.
pub fn for_audience(audience: Audience) -> impl Iterator<Item = &'static Explainer> {
    all().iter().filter(move |e| e.audience == audience)
}
