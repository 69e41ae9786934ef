//! Markdown to safe HTML.
//!
//! Everything a family sees passes through [`markdown_to_safe_html`]. It is
//! built in two layers so that one mistake is not enough to let script through:
//!
//! 1. **Event filter.** The Markdown is parsed with pulldown-cmark and its
//!    event stream is rewritten before any HTML is produced:
//!    - raw HTML (block or inline) is never interpreted: its tags and
//!      comments are dropped and the text between them is kept as plain text
//!      ([`html_text_ranges`]); the redaction check reads the same text
//!      through the same rule, so a name cannot hide in markup
//!      (`D<!-- -->ean` is shown, and checked, as "Dean");
//!    - images are dropped, keeping their alt text (nothing is ever loaded from
//!      elsewhere);
//!    - links are kept only for `http:`, `https:`, `mailto:` and `tel:`
//!      destinations; any other link (relative, `javascript:`, `data:`, ...)
//!      keeps its text and loses the link;
//!    - web links get `class="external"` and a visually hidden
//!      " (opens another website)" so that screen-reader users know too;
//!    - quotes and lists nest at most `MAX_NESTING` deep (deeper ones keep
//!      their text), so hostile nesting cannot make the sanitiser crawl.
//! 2. **Sanitiser.** The HTML is then cleaned by ammonia with a strict
//!    allowlist: paragraphs, headings, lists, emphasis, strong, strikethrough,
//!    code, pre, blockquote, tables, links, `hr`, `br` and the marker `span`.
//!    No `style`, no event attributes, no ids; link `rel` is always
//!    `noopener noreferrer`; URL schemes are limited as above; relative URLs
//!    are removed.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The class given to links that leave FamilyStory.
pub const EXTERNAL_LINK_CLASS: &str = "external";
/// The class of the hidden text that tells screen-reader users a link leaves.
pub const VISUALLY_HIDDEN_CLASS: &str = "visually-hidden";
/// What the hidden marker after an external link says.
pub const EXTERNAL_LINK_NOTE: &str = " (opens another website)";

const ALLOWED_TAGS: &[&str] = &[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "em",
    "strong",
    "del",
    "code",
    "pre",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "hr",
    "br",
    "span",
];

/// Which kind of link destination this is, or `None` when it must not be a link.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum LinkKind {
    Web,
    Mail,
    Phone,
}

fn link_kind(dest: &str) -> Option<LinkKind> {
    // No whitespace or control characters anywhere: browsers strip some of
    // them inside schemes ("java\tscript:"), so refuse rather than guess.
    if dest.is_empty() || dest.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let lower = dest.to_ascii_lowercase();
    if let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    {
        // Needs a host.
        if rest.is_empty() || rest.starts_with('/') {
            return None;
        }
        Some(LinkKind::Web)
    } else if let Some(address) = lower.strip_prefix("mailto:") {
        // An email address (with an optional ?subject=...), nothing else.
        let (addr, _query) = address.split_once('?').unwrap_or((address, ""));
        let ok = addr.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && addr.chars().filter(|&c| c == '@').count() == 1
                && addr
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '@' | '%'))
        });
        ok.then_some(LinkKind::Mail)
    } else if lower.len() > "tel:".len() && lower.starts_with("tel:") {
        let number = &lower["tel:".len()..];
        if number
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.'))
        {
            Some(LinkKind::Phone)
        } else {
            None
        }
    } else {
        None
    }
}

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.tags(ALLOWED_TAGS.iter().copied().collect());
        // Script and style contents are dropped, not shown as text.
        b.clean_content_tags(
            [
                "script", "style", "template", "textarea", "title", "noscript",
            ]
            .into_iter()
            .collect(),
        );
        let mut attrs: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
        attrs.insert("a", ["href"].into_iter().collect());
        attrs.insert("ol", ["start"].into_iter().collect());
        b.tag_attributes(attrs);
        let mut classes: HashMap<&'static str, HashSet<&'static str>> = HashMap::new();
        classes.insert("a", [EXTERNAL_LINK_CLASS].into_iter().collect());
        classes.insert("span", [VISUALLY_HIDDEN_CLASS].into_iter().collect());
        b.allowed_classes(classes);
        b.generic_attributes(HashSet::new());
        b.url_schemes(["http", "https", "mailto", "tel"].into_iter().collect());
        b.url_relative(ammonia::UrlRelative::Deny);
        b.link_rel(Some("noopener noreferrer"));
        b.strip_comments(true);
        b
    })
}

/// How many quotes, lists and list items may sit inside one another; deeper
/// ones keep their text but not their structure. No letter needs more, and
/// the sanitiser's HTML parser takes time that grows with the square of the
/// depth (ten thousand nested quotes took minutes).
const MAX_NESTING: usize = 16;

/// The Markdown options of the renderer; the redaction check parses with the
/// same options so that it reads what the family will see.
pub fn markdown_options() -> Options {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options
}

/// The parts of a piece of raw HTML that are kept as text: everything but
/// tags (`<b>`, `</span>`, `<img src=x>`) and comments (`<!-- ... -->`).
/// A `<` that does not open a tag (`a < b`, `<3`) is text. Byte ranges into
/// `raw`, in order.
pub fn html_text_ranges(raw: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    let bytes = raw.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let start = i;
            // Up to the next tag or comment.
            let mut j = i;
            let mut skip_to = None;
            while j < bytes.len() {
                if bytes[j] == b'<' {
                    let rest = &raw[j..];
                    let next = bytes.get(j + 1).copied().unwrap_or(b' ');
                    let end = if rest.starts_with("<!--") {
                        rest.find("-->").map(|e| j + e + 3)
                    } else if next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?') {
                        rest.find('>').map(|e| j + e + 1)
                    } else {
                        None
                    };
                    if let Some(end) = end {
                        skip_to = Some(end);
                        break;
                    }
                }
                j += 1;
            }
            i = skip_to.unwrap_or(j);
            if j > start {
                return Some(start..j);
            }
        }
        None
    })
}

/// Rewrites the pulldown-cmark event stream as described in the module docs.
fn filtered_events<'a>(markdown: &'a str) -> Vec<Event<'a>> {
    let parser = Parser::new_ext(markdown, markdown_options());

    let mut out = Vec::new();
    // For each open link: Some(kind) when it was kept, None when dropped.
    let mut links: Vec<Option<LinkKind>> = Vec::new();
    // For each open quote, list or item: whether it was kept.
    let mut containers: Vec<bool> = Vec::new();
    let mut kept_depth = 0;
    for event in parser {
        match event {
            Event::Start(tag @ (Tag::BlockQuote(_) | Tag::List(_) | Tag::Item)) => {
                let kept = kept_depth < MAX_NESTING;
                containers.push(kept);
                if kept {
                    kept_depth += 1;
                    out.push(Event::Start(tag));
                }
            }
            Event::End(end @ (TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)) => {
                match containers.pop() {
                    Some(false) if end == TagEnd::Item => out.push(Event::SoftBreak),
                    Some(false) => {}
                    _ => {
                        kept_depth = kept_depth.saturating_sub(1);
                        out.push(Event::End(end));
                    }
                }
            }
            Event::Html(raw) | Event::InlineHtml(raw) => {
                let kept: String = html_text_ranges(&raw).map(|r| &raw[r]).collect();
                if !kept.is_empty() {
                    out.push(Event::Text(kept.into()));
                }
            }
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => {}
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                // An email autolink (<a@b.org>) has no scheme; pulldown-cmark
                // adds "mailto:" when it writes it.
                let checked: CowStr<'a> = if link_type == LinkType::Email {
                    format!("mailto:{dest_url}").into()
                } else {
                    dest_url.clone()
                };
                let dest = dest_url;
                match link_kind(&checked) {
                    Some(kind) => {
                        links.push(Some(kind));
                        if kind == LinkKind::Web {
                            // Written by hand so that the class is set; the
                            // destination is escaped, and ammonia re-checks it.
                            let mut html = String::from("<a class=\"");
                            html.push_str(EXTERNAL_LINK_CLASS);
                            html.push_str("\" href=\"");
                            escape_attr(&dest, &mut html);
                            html.push_str("\">");
                            out.push(Event::InlineHtml(html.into()));
                        } else {
                            out.push(Event::Start(Tag::Link {
                                link_type,
                                dest_url: dest,
                                title,
                                id,
                            }));
                        }
                    }
                    None => links.push(None),
                }
            }
            Event::End(TagEnd::Link) => match links.pop().flatten() {
                Some(LinkKind::Web) => {
                    let mut html = String::from("<span class=\"");
                    html.push_str(VISUALLY_HIDDEN_CLASS);
                    html.push_str("\">");
                    html.push_str(EXTERNAL_LINK_NOTE);
                    html.push_str("</span></a>");
                    out.push(Event::InlineHtml(html.into()));
                }
                Some(_) => out.push(Event::End(TagEnd::Link)),
                None => {}
            },
            other => out.push(other),
        }
    }
    out
}

fn escape_attr(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Markdown written by staff (or shipped explainer pages) to HTML that is
/// safe to put inside a family's page. See the module documentation for the
/// exact rules.
pub fn markdown_to_safe_html(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 4);
    pulldown_cmark::html::push_html(&mut html, filtered_events(markdown).into_iter());
    sanitizer().clean(&html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_keeps_only_its_text() {
        let kept = |raw: &str| html_text_ranges(raw).map(|r| &raw[r]).collect::<String>();
        assert_eq!(kept("D<!-- -->ean"), "Dean");
        assert_eq!(kept("<b onclick=\"x()\">there</b>"), "there");
        assert_eq!(kept("<img src=x alt=Dean>"), "");
        assert_eq!(kept("a < b and <3"), "a < b and <3");
        assert_eq!(kept("<!-- never closed"), "<!-- never closed");
    }

    #[test]
    fn link_kinds() {
        assert_eq!(link_kind("https://example.org/x"), Some(LinkKind::Web));
        assert_eq!(link_kind("HTTP://example.org"), Some(LinkKind::Web));
        assert_eq!(link_kind("mailto:a@example.org"), Some(LinkKind::Mail));
        assert_eq!(
            link_kind("mailto:a@example.org?subject=Hi"),
            Some(LinkKind::Mail)
        );
        assert_eq!(link_kind("mailto:[x](javascript:alert(1))"), None);
        assert_eq!(link_kind("mailto:"), None);
        assert_eq!(link_kind("tel:08001111"), Some(LinkKind::Phone));
        assert_eq!(link_kind("tel:javascript:alert(1)"), None);
        assert_eq!(link_kind("javascript:alert(1)"), None);
        assert_eq!(link_kind("java\tscript:alert(1)"), None);
        assert_eq!(link_kind("data:text/html,x"), None);
        assert_eq!(link_kind("/relative"), None);
        assert_eq!(link_kind("https:///x"), None);
        assert_eq!(link_kind(""), None);
    }
}
