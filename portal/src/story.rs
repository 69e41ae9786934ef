//! "My story": what has been published to the signed-in person, and each item.
//! Only the reader's own items exist here; any other id is "not found".

use axum::extract::{Path, State};
use axum::response::Response;
use content::db::now;
use maud::{html, PreEscaped};
use uuid::Uuid;

use crate::error::{PortalError, Result};
use crate::family::Family;
use crate::pages::page;
use crate::{publications, AppState};

fn date(at: i64) -> String {
    let format = time::macros::format_description!("[day padding:none] [month repr:long] [year]");
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|d| d.format(format).ok())
        .unwrap_or_default()
}

fn kind_label(kind: &str) -> &str {
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

pub async fn home(State(state): State<AppState>, family: Family) -> Result<Response> {
    let items = publications::visible_to(&state.db, &state.sealer, family.person.id).await?;
    let last_visit = family.person.last_visit_at;
    crate::people::visited(&state.db, family.person.id, family.session.created_at).await?;
    Ok(page(
        "My story",
        html! {
            h1 { "Hello, " (family.person.first_name) }
            @if items.is_empty() {
                p class="lede" { "Nothing has been shared with you yet. When your worker shares something, it will be here." }
            } @else {
                h2 { "Shared with you" }
                ul class="items" {
                    @for item in &items {
                        li class="card" {
                            a href={ "/items/" (item.id) } { (item.title) }
                            p class="meta" {
                                (kind_label(&item.kind)) ", " (date(item.published_at))
                                @if last_visit.is_some_and(|v| item.published_at > v) { " – " strong { "new" } }
                                @if item.version > 1 { " – updated" }
                            }
                        }
                    }
                }
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
    Ok(page(
        &item.title,
        html! {
            p class="meta" { (kind_label(&item.kind)) ", shared " (date(item.published_at))
                @if item.version > 1 { ". This is an updated version." } }
            article {
                h1 { (item.title) }
                (PreEscaped(below_title(&content::render::markdown_to_safe_html(&item.body_markdown))))
            }
            p { a href="/home" { "Back to my story" } }
        },
    ))
}

/// The item's own headings sit under its title, the page's one `h1`: `# A`
/// in the Markdown becomes an `h2`, and so on down. The HTML is the safe
/// renderer's, so a tag name only ever appears as a tag.
fn below_title(html: &str) -> String {
    let mut html = html.to_string();
    for level in (1..=5).rev() {
        html = html
            .replace(&format!("<h{level}"), &format!("<h{}", level + 1))
            .replace(&format!("</h{level}>"), &format!("</h{}>", level + 1));
    }
    html
}
