//! "My story": what has been published to the signed-in person, and each item.
//! Only the reader's own items exist here; any other id is "not found".

use axum::extract::{Path, State};
use axum::response::Response;
use content::db::now;
use content::item::{headings_down, kind_label, ItemView};
use maud::{html, PreEscaped};
use uuid::Uuid;

use crate::error::{PortalError, Result};
use crate::family::Family;
use crate::pages::page;
use crate::{publications, AppState};

/// The groups of "Everything shared with you", in the order a family
/// looks for them.
const GROUPS: &[(&str, &str)] = &[
    ("plan", "Plans"),
    ("meeting_invitation", "Meetings"),
    ("meeting_record", "Meeting notes"),
    ("assessment_summary", "Assessments"),
    ("letter", "Letters"),
    ("worker_card", "Your worker"),
];

/// What the home page shows, worked out from what is visible to the reader.
pub struct Home<'a> {
    /// Published or updated since the last visit (empty on a first visit).
    pub new: Vec<&'a publications::Visible>,
    /// The soonest meeting invitation whose meeting has not started.
    pub next_meeting: Option<&'a publications::Visible>,
    /// The newest "my worker" card.
    pub worker: Option<&'a publications::Visible>,
    /// Everything, by kind, newest first in each.
    pub groups: Vec<(&'static str, Vec<&'a publications::Visible>)>,
}

pub fn arrange(items: &[publications::Visible], last_visit: Option<i64>, now: i64) -> Home<'_> {
    let new = match last_visit {
        Some(at) => items.iter().filter(|i| i.published_at > at).collect(),
        None => Vec::new(),
    };
    let next_meeting = items
        .iter()
        .filter(|i| i.kind == "meeting_invitation" && i.meeting_at.is_some_and(|m| m > now))
        .min_by_key(|i| i.meeting_at);
    let worker = items
        .iter()
        .filter(|i| i.kind == "worker_card")
        .max_by_key(|i| i.published_at);
    let mut groups: Vec<(&'static str, Vec<&publications::Visible>)> = GROUPS
        .iter()
        .map(|(kind, heading)| (*heading, items.iter().filter(|i| i.kind == *kind).collect()))
        .collect();
    groups.push((
        "Other things",
        items
            .iter()
            .filter(|i| !GROUPS.iter().any(|(k, _)| *k == i.kind))
            .collect(),
    ));
    for (_, list) in &mut groups {
        list.sort_by_key(|i| std::cmp::Reverse(i.published_at));
    }
    groups.retain(|(_, list)| !list.is_empty());
    Home {
        new,
        next_meeting,
        worker,
        groups,
    }
}

fn item_line(item: &publications::Visible, last_visit: Option<i64>) -> maud::Markup {
    html! {
        li class="card" {
            a href={ "/items/" (item.id) } { (item.title) }
            p class="meta" {
                (kind_label(&item.kind)) ", " (content::when::day(item.published_at))
                @if last_visit.is_some_and(|v| item.published_at > v) { " – " strong { "new" } }
                @if item.version > 1 { " – updated" }
            }
        }
    }
}

pub async fn home(State(state): State<AppState>, family: Family) -> Result<Response> {
    let items = publications::visible_to(&state.db, &state.sealer, family.person.id).await?;
    let last_visit = family.person.last_visit_at;
    // Written once a visit, not on every page: reading writes nothing.
    if last_visit != Some(family.session.created_at) {
        crate::people::visited(&state.db, family.person.id, family.session.created_at).await?;
    }
    let home = arrange(&items, last_visit, now());
    let unread = crate::messages::unread(&state.db, family.person.id).await?;
    Ok(page(
        "My story",
        html! {
            h1 { "Hello, " (family.person.first_name) }
            @if items.is_empty() {
                p class="lede" { "Nothing has been shared with you yet. When your worker shares something, it will be here." }
            }
            @if !home.new.is_empty() {
                section class="panel" aria-labelledby="new-heading" {
                    h2 id="new-heading" { "New since your last visit" }
                    ul class="items" { @for item in &home.new { (item_line(item, last_visit)) } }
                }
            }
            @if let Some(meeting) = home.next_meeting {
                section class="panel" aria-labelledby="meeting-heading" {
                    h2 id="meeting-heading" { "Your next meeting" }
                    p class="when" { strong { (content::when::meeting(meeting.meeting_at.unwrap_or_default())) } }
                    p { a href={ "/items/" (meeting.id) } { (meeting.title) } }
                    p { a href={ "/items/" (meeting.id) "/views" } { "Tell us what you think before the meeting" } }
                }
            }
            @if let Some(worker) = home.worker {
                section class="panel" aria-labelledby="worker-heading" {
                    h2 id="worker-heading" { "Your worker" }
                    div class="worker-card" {
                        (PreEscaped(headings_down(&content::render::markdown_to_safe_html(&worker.body_markdown), 2)))
                    }
                    p { a href={ "/items/" (worker.id) } { "Open " (worker.title) } }
                }
            }
            @if !home.groups.is_empty() {
                h2 { "Everything shared with you" }
                @for (heading, list) in &home.groups {
                    h3 { (heading) }
                    ul class="items" { @for item in list { (item_line(item, last_visit)) } }
                }
            }
            section class="panel" aria-labelledby="messages-heading" {
                h2 id="messages-heading" { "Messages" }
                p {
                    a href="/messages" {
                        @if unread > 0 { "Read your new messages (" (unread) ")" }
                        @else { "Messages with your worker" }
                    }
                }
            }
            h2 { "Tell us what you think" }
            ul {
                li { a href="/contributions" { "What you have told us" } }
                li { a href="/feedback" { "Tell us about the service" } }
            }
            p { a href="/account" { "Your account and signing out" } }
        },
    ))
}

pub async fn item(
    State(state): State<AppState>,
    family: Family,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: Uuid = id.parse().map_err(|_| PortalError::NotFound)?;
    let items = publications::visible_to(&state.db, &state.sealer, family.person.id).await?;
    let item = items
        .into_iter()
        .find(|i| i.id == id)
        .ok_or(PortalError::NotFound)?;
    publications::record_view(&state.db, family.person.id, &item, now()).await?;
    let view = ItemView {
        kind: &item.kind,
        title: &item.title,
        body_markdown: &item.body_markdown,
        published_at: item.published_at,
        version: item.version,
        meeting_at: item.meeting_at,
    };
    let shared = if item.kind == "meeting_invitation" {
        crate::voice::shared_for_meeting(&state.db, &state.sealer, item.id, family.person.id)
            .await?
    } else {
        Vec::new()
    };
    Ok(page(
        &item.title,
        html! {
            (content::item::article(&view, 1))
            @if let Some(reply_to) = item.in_reply_to {
                p class="inset" { "This answers " a href={ "/contributions/" (reply_to) } { "what you told us" } "." }
            }
            (crate::voice::shared::views_for_meeting(&shared))
            h2 { "What you can do" }
            ul {
                @if item.kind == "meeting_invitation" {
                    li { a href={ "/items/" (item.id) "/views" } { "Tell us what you think before the meeting" } }
                }
                @if item.kind == "plan" {
                    li { a href={ "/items/" (item.id) "/respond" } { "Tell us what you think of your plan" } }
                }
                li { a href={ "/items/" (item.id) "/correction" } { "Ask for something to be corrected" } }
            }
            p { a href="/home" { "Back to my story" } }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn item(kind: &str, published_at: i64, meeting_at: Option<i64>) -> publications::Visible {
        publications::Visible {
            id: Uuid::new_v4(),
            version: 1,
            kind: kind.into(),
            title: format!("{kind} {published_at}"),
            body_markdown: String::new(),
            published_at,
            meeting_at,
            in_reply_to: None,
        }
    }

    #[test]
    fn the_next_meeting_is_the_soonest_not_yet_started() {
        let items = vec![
            item("meeting_invitation", 10, Some(500)),
            item("meeting_invitation", 20, Some(300)),
            item("meeting_invitation", 30, Some(50)),
            item("meeting_invitation", 40, None),
        ];
        let home = arrange(&items, None, 100);
        assert_eq!(home.next_meeting.unwrap().meeting_at, Some(300));
        assert!(arrange(&items, None, 600).next_meeting.is_none());
    }

    #[test]
    fn the_worker_is_the_newest_card_and_new_means_since_the_last_visit() {
        let items = vec![
            item("worker_card", 10, None),
            item("worker_card", 50, None),
            item("plan", 40, None),
            item("letter", 5, None),
        ];
        let home = arrange(&items, Some(30), 100);
        assert_eq!(home.worker.unwrap().published_at, 50);
        let new: Vec<i64> = home.new.iter().map(|i| i.published_at).collect();
        assert_eq!(new, [50, 40]);
        assert!(arrange(&items, None, 100).new.is_empty(), "a first visit");
        let groups: Vec<(&str, usize)> = home.groups.iter().map(|(h, l)| (*h, l.len())).collect();
        assert_eq!(groups, [("Plans", 1), ("Letters", 1), ("Your worker", 2)]);
        assert_eq!(home.groups[2].1[0].published_at, 50, "newest first");
    }
}
