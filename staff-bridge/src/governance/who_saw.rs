//! Who saw this: for a publication, every version with its audience and when
//! each reader first opened it; for a family member, everything ever
//! disclosed to them and everything they sent.

use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use serde_json::Value;

use super::disclosures::{entry_table, first_reads, title_of};
use super::search::{search_indexed, Filter};
use super::{console_nav, console_use, family_member, ig_only, links, Names};
use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::ledger::{self, kinds, Entry};
use crate::views;
use crate::AppState;

/// A version of a publication as the ledger recorded it.
pub struct Version {
    pub seq: i64,
    pub at: i64,
    pub version: i64,
    pub hash: String,
    pub content_sha256: String,
    pub audience: Vec<String>,
    /// (portal id, first opened)
    pub reads: Vec<(String, i64)>,
    pub title: Option<String>,
}

/// Every version of a publication, oldest first, with who opened each.
pub async fn versions(state: &AppState, publication: &str) -> Result<Vec<Version>> {
    let entries = ledger::entries_for_subject(
        &state.db,
        publication,
        ledger::Page::first(ledger::Order::OldestFirst, ledger::MAX_PAGE),
    )
    .await?;
    let mut versions = Vec::new();
    for e in entries.iter().filter(|e| e.kind == kinds::PUBLICATION) {
        let data: Value = e.data_json().unwrap_or_default();
        let Some(version) = data.get("version").and_then(Value::as_i64) else {
            continue;
        };
        let audience = data
            .get("audience")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|r| r.get("portal_id").and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        versions.push(Version {
            seq: e.seq,
            at: e.at,
            version,
            hash: e.hash.clone(),
            content_sha256: data
                .get("content_sha256")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            audience,
            reads: first_reads(state, publication, version).await?,
            title: title_of(state, publication, version).await?,
        });
    }
    Ok(versions)
}

pub async fn publication_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    console_use::record(
        &state.db,
        &user.staff.id,
        console_use::pages::PUBLICATION,
        &console_use::asked([("publication", id.as_str())]),
        content::db::now(),
    )
    .await?;
    let versions = versions(&state, &id).await?;
    if versions.is_empty() {
        return Err(BridgeError::NotFound);
    }
    let names = Names::load(&state.db).await?;
    let withdrawn: Vec<Entry> = ledger::entries_for_subject(
        &state.db,
        &id,
        ledger::Page::first(ledger::Order::OldestFirst, ledger::MAX_PAGE),
    )
    .await?
    .into_iter()
    .filter(|e| e.kind == kinds::WITHDRAWAL)
    .collect();
    let title = versions
        .iter()
        .rev()
        .find_map(|v| v.title.clone())
        .unwrap_or_else(|| "A publication".into());
    Ok(views::page(
        &user,
        &format!("Who saw: {title}"),
        html! {
            h1 { "Who saw “" (title) "”" }
            (console_nav())
            @for v in &versions {
                section {
                    h2 { "Version " (v.version) }
                    p { "Published " (views::when(v.at)) " · " a href={ "/governance/entries/" (v.seq) } { "ledger entry " (v.seq) } }
                    table class="table ledger" {
                        caption class="visually-hidden" { "Readers of version " (v.version) " and when each first opened it" }
                        thead { tr { th scope="col" { "Reader" } th scope="col" { "First opened" } } }
                        tbody {
                            @for reader in &v.audience {
                                tr {
                                    td { a href={ "/governance/people/" (reader) } { (names.person(reader).unwrap_or(reader)) } }
                                    td { (v.reads.iter().find(|(a, _)| a == reader).map(|(_, at)| views::when(*at)).unwrap_or_else(|| "Not opened".into())) }
                                }
                            }
                        }
                    }
                }
            }
            p { a href={ "/governance/publications/" (id) "/erase" } { "Erase this publication’s content" } }
            @for w in &withdrawn {
                p class="inset" { "Withdrawn " (views::when(w.at)) " · " a href={ "/governance/entries/" (w.seq) } { "ledger entry " (w.seq) } }
            }
        },
    ))
}

/// Everything disclosed to a family member (publications whose audience
/// holds them) and everything they did or sent, newest first, up to `limit`
/// entries of each.
pub async fn of_person(
    state: &AppState,
    portal_id: &str,
    limit: i64,
) -> Result<(Vec<Entry>, Vec<Entry>)> {
    links::catch_up(&state.db).await?;
    let disclosed = search_indexed(
        &state.db,
        &Filter {
            person: Some(portal_id.to_string()),
            kind: Some(kinds::PUBLICATION.into()),
            ..Filter::default()
        },
        limit,
    )
    .await?
    .entries;
    let sent = ledger::entries_for_actor(
        &state.db,
        portal_id,
        ledger::Page::first(ledger::Order::NewestFirst, limit),
    )
    .await?;
    Ok((disclosed, sent))
}

pub async fn person_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    console_use::record(
        &state.db,
        &user.staff.id,
        console_use::pages::PERSON,
        &console_use::asked([("person", id.as_str())]),
        content::db::now(),
    )
    .await?;
    let (_, name, case_id) = family_member(&state.db, &id).await?;
    let names = Names::load(&state.db).await?;
    let (disclosed, sent) = of_person(&state, &id, ledger::MAX_PAGE).await?;
    let mut titled = Vec::new();
    for e in &disclosed {
        let data: Value = e.data_json().unwrap_or_default();
        let publication = data
            .get("publication_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let version = data.get("version").and_then(Value::as_i64).unwrap_or(0);
        let title = title_of(&state, &publication, version)
            .await?
            .unwrap_or_else(|| "(title erased or unknown)".into());
        let read = first_reads(&state, &publication, version)
            .await?
            .into_iter()
            .find(|(a, _)| *a == id)
            .map(|(_, at)| at);
        titled.push((e, publication, version, title, read));
    }
    let erased = super::erasure::person::erased_at(&state.db, &id).await?;
    let frozen: Option<i64> =
        sqlx::query_scalar("SELECT frozen_at FROM case_people WHERE portal_id = $1")
            .bind(&id)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(views::page(
        &user,
        &format!("Disclosed to {name}"),
        html! {
            h1 { "Disclosed to " (name) }
            (console_nav())
            p {
                a href={ "/governance/people/" (id) "/export" } { "Download a subject access export for " (name) " (ZIP)" }
            }
            p {
                a href={ "/governance/people/" (id) "/freeze" } {
                    @if frozen.is_some() { "Restore " (name) "’s FamilyStory access" } @else { "Pause " (name) "’s FamilyStory access" }
                }
                @if let Some(at) = frozen { " · paused since " (views::when(at)) }
            }
            p { a href={ "/governance/cases/" (case_id) "/access" } { "Who has looked at this family’s record" } }
            @if let Some(at) = erased {
                p class="inset" { (name) "’s content was erased " (views::when(at)) "." }
            } @else {
                p { a href={ "/governance/people/" (id) "/erase" } { "Erase " (name) "’s content" } }
            }
            h2 { "Everything disclosed to " (name) }
            @if titled.is_empty() {
                p { "Nothing has been published to " (name) "." }
            } @else {
                table class="table ledger" {
                    caption class="visually-hidden" { "Publications to " (name) ", newest first" }
                    thead { tr { th scope="col" { "Item" } th scope="col" { "Version" } th scope="col" { "Published" } th scope="col" { "First opened" } } }
                    tbody {
                        @for (e, publication, version, title, read) in &titled {
                            tr {
                                td { a href={ "/governance/publications/" (publication) } { (title) } }
                                td { a href={ "/governance/entries/" (e.seq) } { (version) } }
                                td { (views::when(e.at)) }
                                td { (read.map(views::when).unwrap_or_else(|| "Not opened".into())) }
                            }
                        }
                    }
                }
            }
            h2 { "What " (name) " did and sent" }
            @if sent.is_empty() {
                p { "Nothing recorded." }
            } @else {
                (entry_table(&sent, &names))
            }
        },
    ))
}
