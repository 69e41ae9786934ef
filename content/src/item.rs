//! A published item as its reader sees it. The portal's item page and the
//! bridge's preview and approval pages all draw it here, so what a
//! practitioner previews and a manager approves is what the family reads.

use maud::{html, Markup, PreEscaped};

/// What a reader is told an item is.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "plan" => "Plan",
        "meeting_record" => "Meeting notes",
        "assessment_summary" => "Assessment",
        "letter" => "Letter",
        "worker_card" => "My worker",
        "meeting_invitation" => "Meeting",
        _ => "Other",
    }
}

/// One version of an item.
pub struct ItemView<'a> {
    pub kind: &'a str,
    pub title: &'a str,
    pub body_markdown: &'a str,
    /// When this version was (or will be) shared.
    pub published_at: i64,
    /// 1 for the first version; higher when it replaced an earlier one.
    pub version: i64,
    /// For a meeting invitation, when the meeting starts.
    pub meeting_at: Option<i64>,
}

/// The line above an item: its kind, and when it was shared or updated.
pub fn meta(item: &ItemView) -> Markup {
    let day = crate::when::day(item.published_at);
    html! {
        p class="meta" {
            (kind_label(item.kind))
            @if item.version > 1 { ", updated on " (day) } @else { ", shared on " (day) }
        }
    }
}

/// The item: the meta line, its title at `level` (1 on the portal's own
/// page; 2 where the page around it has its own `h1`; at most 3), the meeting time for
/// an invitation, and the body with its headings moved under the title.
pub fn article(item: &ItemView, level: usize) -> Markup {
    let level = level.clamp(1, 3);
    let body = headings_down(
        &crate::render::markdown_to_safe_html(item.body_markdown),
        level,
    );
    html! {
        (meta(item))
        @if item.version > 1 {
            p class="updated" { "This is a newer version of something shared with you before. It replaces the earlier one." }
        }
        article {
            @match level {
                1 => h1 class="item-title" { (item.title) },
                2 => h2 class="item-title" { (item.title) },
                _ => h3 class="item-title" { (item.title) },
            }
            @if let (Some(at), "meeting_invitation") = (item.meeting_at, item.kind) {
                p class="when" { "When: " strong { (crate::when::meeting(at)) } }
            }
            (PreEscaped(body))
        }
    }
}

/// The item's own headings sit under its title: `# A` in the Markdown
/// becomes one level below the title. Levels stop at `h6`. The HTML is the
/// safe renderer's, so a tag name only ever appears as a tag.
pub fn headings_down(html: &str, by: usize) -> String {
    let mut html = html.to_string();
    for level in (1..=6usize).rev() {
        let to = (level + by).min(6);
        html = html
            .replace(&format!("<h{level}"), &format!("<h{to}"))
            .replace(&format!("</h{level}>"), &format!("</h{to}>"));
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(version: i64) -> ItemView<'static> {
        ItemView {
            kind: "meeting_invitation",
            title: "Your <meeting>",
            body_markdown: "# About\n\nWe will talk.",
            published_at: 1_764_547_200, // 1 December 2025, 00:00 UTC
            version,
            meeting_at: Some(1_764_583_200), // 1 December 2025, 10:00 UTC
        }
    }

    #[test]
    fn headings_move_down_and_stop_at_six() {
        assert_eq!(
            headings_down("<h1>A</h1><h2 id=\"x\">B</h2><h6>C</h6>", 2),
            "<h3>A</h3><h4 id=\"x\">B</h4><h6>C</h6>"
        );
    }

    #[test]
    fn the_title_leads_at_its_level_and_the_body_sits_under_it() {
        let page = article(&view(1), 1).into_string();
        assert!(page.contains("<h1 class=\"item-title\">Your &lt;meeting&gt;</h1>"));
        assert!(page.contains("<h2>About</h2>"), "{page}");
        assert!(page.contains("When: <strong>Monday 1 December 2025 at 10am</strong>"));
        assert!(page.contains("Meeting, shared on 1 December 2025"));
        let preview = article(&view(1), 2).into_string();
        assert!(
            preview.contains("<h2 class=\"item-title\">") && preview.contains("<h3>About</h3>")
        );
        assert!(!preview.contains("<h1"));
    }

    #[test]
    fn a_newer_version_says_it_was_updated_and_when() {
        let page = article(&view(2), 1).into_string();
        assert!(
            page.contains("Meeting, updated on 1 December 2025"),
            "{page}"
        );
        assert!(page.contains("replaces the earlier one"));
        assert!(!article(&view(1), 1).into_string().contains("newer version"));
    }
}
