//! The disclosures page: the ledger searched and filtered, a page at a time,
//! and each entry in full (what was disclosed, to whom, by whom, who
//! approved it, the redaction decisions with their reasons, when each reader
//! first opened it, and its hash and place in the chain).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use super::search::{self, kind_label, Filter, KINDS};
use super::{console_nav, console_use, ig_only, Names};
use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::ledger::{self, Entry};
use crate::views::{self, FieldError};
use crate::AppState;

/// The search form as it arrives: every field text, checked here.
#[derive(Deserialize, Default, Clone)]
pub struct SearchForm {
    #[serde(default)]
    pub case: String,
    #[serde(default)]
    pub person: String,
    #[serde(default)]
    pub staff: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub before: String,
}

/// A date typed as `YYYY-MM-DD` (what a date field sends): the start of that
/// day in UK time.
pub fn day_start(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.len() != 10 {
        return None;
    }
    content::when::parse_local(&format!("{text}T00:00"))
}

/// The filter a form asks for, or what is wrong with it. A case reference
/// that does not exist is an error, not an empty result, so a typo is seen.
pub async fn filter_of(
    state: &AppState,
    form: &SearchForm,
) -> Result<std::result::Result<Filter, Vec<FieldError>>> {
    let mut errors = Vec::new();
    let mut filter = Filter::default();
    let case = form.case.trim();
    if !case.is_empty() {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
            .bind(case)
            .fetch_optional(&state.db.pool)
            .await?;
        match id {
            Some(id) => filter.case_id = Some(id),
            None => errors.push(FieldError::new(
                "case",
                "There is no case with that reference",
            )),
        }
    }
    let nonempty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    filter.person = nonempty(&form.person);
    filter.staff = nonempty(&form.staff);
    match nonempty(&form.kind) {
        Some(kind) if KINDS.iter().any(|(k, _)| *k == kind) => filter.kind = Some(kind),
        Some(_) => errors.push(FieldError::new("kind", "Choose a kind from the list")),
        None => {}
    }
    for (field, text, slot, extra) in [
        ("from", &form.from, &mut filter.from, 0),
        ("to", &form.to, &mut filter.until, 86_400),
    ] {
        if text.trim().is_empty() {
            continue;
        }
        match day_start(text) {
            // "To" includes the whole of that day.
            Some(at) => *slot = Some(at + extra),
            None => errors.push(FieldError::new(
                field,
                "Enter a date like 2026-12-01 (year, month, day)",
            )),
        }
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until) {
        if until <= from {
            errors.push(FieldError::new(
                "to",
                "The end date must be on or after the start date",
            ));
        }
    }
    filter.before = form.before.trim().parse().ok().filter(|n: &i64| *n > 0);
    Ok(if errors.is_empty() {
        Ok(filter)
    } else {
        Err(errors)
    })
}

pub async fn search_page(
    State(state): State<AppState>,
    user: StaffUser,
    Query(form): Query<SearchForm>,
) -> Result<Response> {
    ig_only(&user)?;
    console_use::record(
        &state.db,
        &user.staff.id,
        console_use::pages::SEARCH,
        &console_use::asked([
            ("case", form.case.as_str()),
            ("person", form.person.as_str()),
            ("staff", form.staff.as_str()),
            ("kind", form.kind.as_str()),
            ("from", form.from.as_str()),
            ("to", form.to.as_str()),
            ("before", form.before.as_str()),
        ]),
        content::db::now(),
    )
    .await?;
    let names = Names::load(&state.db).await?;
    let cases: Vec<String> = sqlx::query_scalar("SELECT reference FROM cases ORDER BY reference")
        .fetch_all(&state.db.pool)
        .await?;
    let (found, errors) = match filter_of(&state, &form).await? {
        Ok(filter) => (Some(search::search(&state.db, &filter).await?), Vec::new()),
        Err(errors) => (None, errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let next_href = found.as_ref().and_then(|f| f.next).map(|before| {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("case", form.case.as_str()),
            ("person", form.person.as_str()),
            ("staff", form.staff.as_str()),
            ("kind", form.kind.as_str()),
            ("from", form.from.as_str()),
            ("to", form.to.as_str()),
        ] {
            if !v.is_empty() {
                query.append_pair(k, v);
            }
        }
        query.append_pair("before", &before.to_string());
        format!("/governance?{}", query.finish())
    });
    Ok(views::page_with_status(
        &user,
        status,
        &views::title("Disclosures", &errors),
        html! {
            (views::error_summary(&errors))
            h1 { "Disclosures" }
            (console_nav())
            p { "Every disclosure, sign-in and change recorded in the ledger, newest first. Narrow it down with any of these." }
            form method="get" action="/governance" novalidate {
                (select("case", "Case", &form.case, cases.iter().map(|c| (c.as_str(), c.as_str())), &errors))
                (select("person", "Family member", &form.person, names.people(), &errors))
                (select("staff", "Staff member", &form.staff, names.staff(), &errors))
                (select("kind", "Kind", &form.kind, KINDS.iter().copied(), &errors))
                (views::Input { id: "from", name: "from", label: "From", hint: Some("Year-month-day, like 2026-12-01"),
                    value: &form.from, kind: "text", autocomplete: "off" }.render(&errors))
                (views::Input { id: "to", name: "to", label: "To", hint: Some("Year-month-day. Includes the whole of this day"),
                    value: &form.to, kind: "text", autocomplete: "off" }.render(&errors))
                button class="button" type="submit" { "Search" }
            }
            @if let Some(found) = &found {
                h2 { "Entries" }
                @if found.entries.is_empty() {
                    p { "Nothing in the ledger matches." }
                } @else {
                    (entry_table(&found.entries, &names))
                }
                @if let Some(href) = &next_href {
                    p { a href=(href) { "Older entries" } }
                }
            }
        },
    ))
}

/// A drop-down with "Any" first; `value` stays chosen.
fn select<'a>(
    id: &str,
    label: &str,
    value: &str,
    options: impl IntoIterator<Item = (&'a str, &'a str)>,
    errors: &[FieldError],
) -> Markup {
    let error = views::error_for(errors, id);
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for=(id) { (label) }
            @if let Some(error) = error {
                p class="error-message" id={ (id) "-error" } { span class="visually-hidden" { "Error: " } (error) }
            }
            select class="select" id=(id) name=(id) aria-describedby=[error.map(|_| format!("{id}-error"))] {
                option value="" { "Any" }
                @for (v, text) in options {
                    option value=(v) selected[v == value] { (text) }
                }
            }
        }
    }
}

/// Entries as a table: number, when, kind, who, about, and a link to each.
pub fn entry_table(entries: &[Entry], names: &Names) -> Markup {
    html! {
        table class="table ledger" {
            caption class="visually-hidden" { "Ledger entries, newest first" }
            thead { tr {
                th scope="col" { "Entry" } th scope="col" { "When" } th scope="col" { "What" }
                th scope="col" { "Who" } th scope="col" { "About" }
            } }
            tbody {
                @for e in entries {
                    tr {
                        td { a href={ "/governance/entries/" (e.seq) } { "Entry " (e.seq) } }
                        td { (views::when(e.at)) }
                        td { (kind_label(&e.kind)) }
                        td { (e.actor.as_deref().map(|a| names.of(a)).unwrap_or_else(|| "The system".into())) }
                        td { (e.subject.as_deref().map(|s| names.of(s)).unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// One entry by number.
pub async fn entry(state: &AppState, seq: i64) -> Result<Entry> {
    let rows: Vec<Entry> = ledger::entries(
        &state.db,
        ledger::Page {
            order: ledger::Order::OldestFirst,
            after: Some(seq - 1),
            limit: 1,
        },
    )
    .await?;
    rows.into_iter()
        .find(|e| e.seq == seq)
        .ok_or(BridgeError::NotFound)
}

/// When each reader first opened a version: (portal id, time), from the
/// `family_view` entries about the publication.
pub async fn first_reads(
    state: &AppState,
    publication: &str,
    version: i64,
) -> Result<Vec<(String, i64)>> {
    let rows: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT actor, data FROM ledger WHERE subject = $1 AND kind = 'family_view' ORDER BY seq",
    )
    .bind(publication)
    .fetch_all(&state.db.pool)
    .await?;
    let mut reads: Vec<(String, i64)> = Vec::new();
    for (actor, data) in rows {
        let data: Value = serde_json::from_str(&data).unwrap_or_default();
        let Some(actor) = actor else { continue };
        if data.get("version").and_then(Value::as_i64) != Some(version) {
            continue;
        }
        let at = data.get("occurred_at").and_then(Value::as_i64).unwrap_or(0);
        if !reads.iter().any(|(a, _)| *a == actor) {
            reads.push((actor, at));
        }
    }
    Ok(reads)
}

/// The title of a published version, opened with the bridge's key.
pub async fn title_of(state: &AppState, publication: &str, version: i64) -> Result<Option<String>> {
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT title FROM drafts WHERE publication_id = $1 AND version = $2")
            .bind(publication)
            .bind(version)
            .fetch_optional(&state.db.pool)
            .await?;
    // An erased title is sealed empty text: no title.
    Ok(sealed
        .and_then(|t| state.db.sealer().open(&t).ok())
        .filter(|t| !t.is_empty()))
}

pub async fn entry_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(seq): Path<String>,
) -> Result<Response> {
    ig_only(&user)?;
    let seq: i64 = seq.parse().map_err(|_| BridgeError::NotFound)?;
    console_use::record(
        &state.db,
        &user.staff.id,
        console_use::pages::ENTRY,
        &console_use::asked([("seq", seq.to_string().as_str())]),
        content::db::now(),
    )
    .await?;
    let entry = entry(&state, seq).await?;
    let (newest, _) = ledger::head(&state.db).await?;
    let names = Names::load(&state.db).await?;
    let data: Value = entry.data_json().unwrap_or_default();
    let publication = (entry.kind == ledger::kinds::PUBLICATION)
        .then(|| {
            let id = data.get("publication_id")?.as_str()?.to_string();
            let version = data.get("version")?.as_i64()?;
            Some((id, version))
        })
        .flatten();
    let (title, reads) = match &publication {
        Some((id, version)) => (
            title_of(&state, id, *version).await?,
            first_reads(&state, id, *version).await?,
        ),
        None => (None, Vec::new()),
    };
    let text = |key: &str| data.get(key).and_then(Value::as_str).map(str::to_string);
    let person = |v: &Value| -> String {
        let id = v
            .get("portal_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        names.person(id).unwrap_or(id).to_string()
    };
    let empty = Vec::new();
    let audience = data
        .get("audience")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    let redactions = data
        .get("redactions")
        .and_then(Value::as_array)
        .unwrap_or(&empty);
    Ok(views::page(
        &user,
        &format!("Ledger entry {seq}"),
        html! {
            h1 { "Ledger entry " (seq) }
            (console_nav())
            dl class="summary-list" {
                div { dt { "What" } dd { (kind_label(&entry.kind)) } }
                div { dt { "When" } dd { (views::when(entry.at)) } }
                div { dt { "Who" } dd { (entry.actor.as_deref().map(|a| names.of(a)).unwrap_or_else(|| "The system".into())) } }
                @if let Some(subject) = &entry.subject { div { dt { "About" } dd { (names.of(subject)) } } }
                @if let Some(title) = &title { div { dt { "Title" } dd { (title) } } }
                @if let Some((id, version)) = &publication {
                    div { dt { "Version" } dd { (version) " · " a href={ "/governance/publications/" (id) } { "every version and who saw it" } } }
                }
                @if let Some(case) = text("case") { div { dt { "Case" } dd { (case) } } }
                @if let Some(author) = text("author") { div { dt { "Written by" } dd { (names.of(&author)) } } }
                @if publication.is_some() {
                    div { dt { "Approved by" } dd { (text("approver").map(|a| names.of(&a)).unwrap_or_else(|| "Not needed for this kind".into())) } }
                }
                @if let Some(reason) = text("reason") { div { dt { "Reason given" } dd { (reason) } } }
                div { dt { "Place in the chain" } dd { "Entry " (seq) " of " (newest) } }
                div { dt { "Hash" } dd { code { (entry.hash) } } }
                div { dt { "Previous hash" } dd { code { (entry.prev_hash) } } }
            }
            @if !audience.is_empty() {
                h2 { "Audience and first opened" }
                table class="table ledger" {
                    caption class="visually-hidden" { "Who it was sent to and when each first opened it" }
                    thead { tr { th scope="col" { "Reader" } th scope="col" { "First opened" } } }
                    tbody {
                        @for reader in audience {
                            @let id = reader.get("portal_id").and_then(Value::as_str).unwrap_or_default();
                            tr {
                                td { a href={ "/governance/people/" (id) } { (person(reader)) } }
                                td { (reads.iter().find(|(a, _)| a == id).map(|(_, at)| views::when(*at)).unwrap_or_else(|| "Not opened".into())) }
                            }
                        }
                    }
                }
            }
            @if !redactions.is_empty() {
                h2 { "Redaction decisions" }
                table class="table ledger" {
                    caption class="visually-hidden" { "Each finding of the check, what was decided and why" }
                    thead { tr { th scope="col" { "Finding" } th scope="col" { "Decision" } th scope="col" { "Reason" } th scope="col" { "Decided by" } } }
                    tbody {
                        @for r in redactions {
                            tr {
                                td { (r.get("kind").and_then(Value::as_str).unwrap_or_default()) }
                                td { (if r.get("decision").and_then(Value::as_str) == Some("keep") { "Kept" } else { "Removed" }) }
                                td { (r.get("reason").and_then(Value::as_str).unwrap_or("—")) }
                                td { (r.get("decided_by").and_then(Value::as_str).map(|s| names.of(s)).unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
            h2 { "Recorded data" }
            p class="hint" { "Exactly as hashed: ids, hashes and short reasons, never record text." }
            pre class="data" { code { (entry.data) } }
        },
    ))
}
