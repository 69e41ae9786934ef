//! The publishing pages: a case's drafts and publications, the draft editor
//! with the check, the approval queue and review, withdrawal, and "My cases".
//! Every page works without JavaScript; every form carries the CSRF token.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use content::check::FindingKind;
use content::db::now;
use maud::{html, Markup};
use serde::Deserialize;

use super::rules::{self, Decision, FamilyMember, Item, Kind, Status};
use super::{Checked, Content, Draft, FlowError, Sent, Settings};
use crate::access::{self, case_href, Access, Case};
use crate::auth::{check_csrf, StaffUser};
use crate::error::{BridgeError, Result};
use crate::import::StoredMeeting;
use crate::staff::Role;
use crate::views::{self, FieldError};
use crate::AppState;

const STYLESHEET: &str = "\
.phone-preview{max-width:360px;border:2px solid #0b0c0c;border-radius:1.25rem;padding:1rem;margin:0 0 1.5rem;overflow-wrap:break-word}\
.phone-preview .item-title{font-size:1.5rem;margin:.25rem 0 .75rem}\
.finding{border-left:5px solid #d4351c;padding:.5rem .75rem;margin-bottom:1rem}\
.finding.decided{border-left-color:#00703c}\
.finding mark{background:#ffdd00;color:#0b0c0c;padding:0 .1rem}\
.status-returned{border:5px solid #d4351c;padding:1rem;margin-bottom:1rem}\
";

/// The publishing routes, with their settings.
pub fn routes(settings: Settings) -> Router<AppState> {
    Router::new()
        .route("/my-cases", get(my_cases))
        .route("/approvals", get(approvals))
        .route("/approvals/{id}", get(approval_page))
        .route("/approvals/{id}/approve", post(approve))
        .route("/approvals/{id}/return", post(return_draft))
        .route("/cases/{reference}/publishing", get(case_publishing))
        .route("/cases/{reference}/drafts/new", get(new_draft_page))
        .route("/cases/{reference}/drafts", post(create_draft))
        .route("/cases/{reference}/drafts/{id}", get(editor).post(save))
        .route("/cases/{reference}/drafts/{id}/decide", post(decide))
        .route(
            "/cases/{reference}/drafts/{id}/decide-person",
            post(decide_person),
        )
        .route("/cases/{reference}/drafts/{id}/submit", post(submit))
        .route("/cases/{reference}/drafts/{id}/reopen", post(reopen))
        .route(
            "/cases/{reference}/drafts/{id}/new-version",
            post(new_version),
        )
        .route(
            "/cases/{reference}/drafts/{id}/withdraw",
            get(withdraw_page).post(withdraw),
        )
        .route("/static/publishing.css", get(stylesheet))
        .layer(Extension(settings))
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLESHEET,
    )
        .into_response()
}

fn styles() -> Markup {
    html! { link rel="stylesheet" href="/static/publishing.css"; }
}

// --- forms --------------------------------------------------------------------

/// A urlencoded form with repeated fields (checkboxes).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(body: &Bytes) -> Fields {
        Fields(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

fn csrf_ok(state: &AppState, headers: &HeaderMap, user: &StaffUser, fields: &Fields) -> Result<()> {
    check_csrf(state, headers, user, fields.get("csrf"))
}

fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

fn refused(status: StatusCode, title: &str, message: &str) -> Response {
    crate::pages::CHROME.status_page(status, title, message)
}

// --- scoping ------------------------------------------------------------------

async fn find_case(state: &AppState, user: &StaffUser, reference: &str) -> Result<(Case, Access)> {
    access::case_for(&state.db, &user.staff, reference)
        .await?
        .ok_or(BridgeError::NotFound)
}

/// A draft of a case this member may see; anything else is 404.
async fn find_draft(
    state: &AppState,
    user: &StaffUser,
    reference: &str,
    id: &str,
) -> Result<(Case, Access, Draft)> {
    let (case, access) = find_case(state, user, reference).await?;
    let draft = super::load_in_case(&state.db, case.id, id)
        .await?
        .ok_or(BridgeError::NotFound)?;
    Ok((case, access, draft))
}

/// As [`find_draft`], for someone who acts on the case.
async fn act_on_draft(
    state: &AppState,
    user: &StaffUser,
    reference: &str,
    id: &str,
) -> Result<(Case, Draft)> {
    let (case, access, draft) = find_draft(state, user, reference, id).await?;
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    Ok((case, draft))
}

fn draft_href(case: &Case, draft_id: &str) -> String {
    format!("{}/drafts/{draft_id}", case_href(&case.reference))
}

async fn case_by_id(state: &AppState, id: i64) -> Result<Case> {
    let (id, reference, team): (i64, String, String) =
        sqlx::query_as("SELECT id, reference, team FROM cases WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(Case {
        id,
        reference,
        team,
    })
}

async fn staff_name(state: &AppState, id: &str) -> Result<String> {
    Ok(
        sqlx::query_scalar::<_, String>("SELECT name FROM staff WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?
            .unwrap_or_else(|| "someone no longer here".into()),
    )
}

async fn family(state: &AppState, case_id: i64) -> Result<Vec<FamilyMember>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(super::family_of(&mut conn, case_id).await?)
}

async fn meetings(state: &AppState, case_id: i64) -> Result<Vec<StoredMeeting>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(crate::import::meetings_of(&mut conn, case_id).await?)
}

/// A meeting as staff pick it: "Review child protection conference,
/// Thursday 10 December 2026 at 10am".
fn meeting_words(m: &StoredMeeting) -> String {
    let mut chars = m.kind.chars();
    let mut words: String = chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if let Some(at) = m.starts() {
        words.push_str(", ");
        words.push_str(&content::when::meeting(at));
    }
    words
}

fn meeting_select(
    meetings: &[StoredMeeting],
    chosen: Option<i64>,
    errors: &[FieldError],
) -> Markup {
    let error = errors.iter().find(|e| e.field == "meeting");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for="meeting" { "Which meeting is it about?" }
            div class="hint" id="meeting-hint" { "Needed for a meeting invitation: the family’s home page then shows it as their next meeting." }
            @if let Some(e) = error { p class="error-message" id="meeting-error" { span class="visually-hidden" { "Error: " } (e.message) } }
            select class="select" id="meeting" name="meeting" aria-describedby={ "meeting-hint" @if error.is_some() { " meeting-error" } } aria-invalid=[error.map(|_| "true")] {
                option value="" selected[chosen.is_none()] { "No meeting" }
                @for m in meetings {
                    option value=(m.id) selected[chosen == Some(m.id)] { (meeting_words(m)) }
                }
            }
        }
    }
}

fn names(family: &[FamilyMember], ids: &[i64]) -> String {
    let names: Vec<&str> = ids
        .iter()
        .filter_map(|id| family.iter().find(|p| p.id == *id).map(|p| p.name.as_str()))
        .collect();
    if names.is_empty() {
        "nobody".into()
    } else {
        names.join(", ")
    }
}

fn role_label(role: &str) -> String {
    let mut label = role.to_string();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

fn finding_label(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Person => "Someone who will not read this",
        FindingKind::UnknownPerson => "A name not known to the case",
        FindingKind::Address => "An address",
        FindingKind::Postcode => "A postcode",
        FindingKind::Phone => "A phone number",
        FindingKind::Email => "An email address",
        FindingKind::NhsNumber => "An NHS number",
        FindingKind::NiNumber => "A National Insurance number",
        FindingKind::DateOfBirth => "A date of birth",
    }
}

// --- the reader's view --------------------------------------------------------

/// The document exactly as the portal shows it (`content::item`, which the
/// portal's item page draws too), in a phone-sized frame. Its title is a
/// second-level heading here, so this page keeps one main heading.
async fn reader_view(
    state: &AppState,
    draft: &Draft,
    checked: &Checked,
    meetings: &[StoredMeeting],
) -> Result<Markup> {
    let version = super::reader_version(&state.db, draft).await?;
    let meeting_at = draft
        .meeting_id
        .and_then(|id| meetings.iter().find(|m| m.id == id))
        .and_then(StoredMeeting::starts);
    let item = content::item::ItemView {
        kind: draft.kind.as_str(),
        title: &checked.title,
        body_markdown: &checked.body,
        published_at: draft.published_at.or(draft.publish_at).unwrap_or_else(now),
        version,
        meeting_at,
    };
    Ok(html! {
        section class="phone-preview" aria-label="What the reader will see" {
            (content::item::article(&item, 2))
        }
    })
}

fn in_sentence(checked: &Checked, item: &Item) -> Markup {
    let (from, to) = item.sentence;
    let f = &item.finding;
    let text = &checked.text;
    html! {
        q { (text[from..f.start]) mark { (f.text) } (text[f.end..to]) }
    }
}

// --- a case's drafts and publications ------------------------------------------

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

/// Family events worth a practitioner's attention (not sign-ins).
const WORTH_READING: &str =
    "(kind = 'publication_viewed' OR kind LIKE 'message%' OR kind LIKE 'views%' OR kind LIKE 'plan_response%')";

async fn case_portal_ids(state: &AppState, case_id: i64) -> Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT portal_id, name FROM case_people WHERE case_id = $1")
            .bind(case_id)
            .fetch_all(&state.db.pool)
            .await?;
    Ok(rows.into_iter().collect())
}

struct Event {
    seq: i64,
    kind: String,
    person: String,
    data: serde_json::Value,
    at: i64,
}

async fn events_of_case(state: &AppState, case_id: i64) -> Result<Vec<Event>> {
    let people = case_portal_ids(state, case_id).await?;
    let rows: Vec<(i64, String, Option<String>, String, i64)> = sqlx::query_as(&format!(
        "SELECT e.portal_seq, e.kind, e.person_id, e.data, e.occurred_at FROM family_events e
         JOIN case_people p ON p.portal_id = e.person_id
         WHERE p.case_id = $1 AND {WORTH_READING} ORDER BY e.portal_seq"
    ))
    .bind(case_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, kind, person, data, at)| Event {
            seq,
            kind,
            person: person
                .and_then(|p| people.get(&p).cloned())
                .unwrap_or_default(),
            data: serde_json::from_str(&data).unwrap_or_default(),
            at,
        })
        .collect())
}

async fn seen_seq(state: &AppState, staff_id: &str, case_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>(
        "SELECT seen_seq FROM case_event_reads WHERE staff_id = $1 AND case_id = $2",
    )
    .bind(staff_id)
    .bind(case_id)
    .fetch_optional(&state.db.pool)
    .await?
    .unwrap_or(0))
}

async fn mark_seen(state: &AppState, staff_id: &str, case_id: i64, seq: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO case_event_reads (staff_id, case_id, seen_seq) VALUES ($1, $2, $3)
         ON CONFLICT (staff_id, case_id) DO UPDATE SET seen_seq = excluded.seen_seq",
    )
    .bind(staff_id)
    .bind(case_id)
    .bind(seq)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

fn event_words(e: &Event, drafts: &[Draft]) -> String {
    match e.kind.as_str() {
        "publication_viewed" => {
            let id = e.data["publication_id"].as_str().unwrap_or_default();
            let version = e.data["version"].as_i64().unwrap_or(0);
            let title = drafts
                .iter()
                .find(|d| d.publication_id.to_string() == id && d.version == Some(version))
                .map(|d| d.title.as_str())
                .unwrap_or("a publication");
            format!("{} read “{}” (version {})", e.person, title, version)
        }
        kind => format!("{}: {}", e.person, kind.replace('_', " ")),
    }
}

/// Who read which version, by publication id and version.
fn readers(events: &[Event]) -> HashMap<(String, i64), Vec<(String, i64)>> {
    let mut out: HashMap<(String, i64), Vec<(String, i64)>> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == "publication_viewed") {
        let id = e.data["publication_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let version = e.data["version"].as_i64().unwrap_or(0);
        out.entry((id, version))
            .or_default()
            .push((e.person.clone(), e.at));
    }
    out
}

fn publications_table(
    case: &Case,
    drafts: &[Draft],
    family: &[FamilyMember],
    events: &[Event],
) -> Markup {
    let readers = readers(events);
    let published: Vec<&Draft> = drafts
        .iter()
        .filter(|d| {
            matches!(d.status, Status::Published | Status::Withdrawn) && d.version.is_some()
        })
        .collect();
    html! {
        @if published.is_empty() {
            p { "Nothing has been published from this case yet." }
        } @else {
            table class="table" {
                caption class="visually-hidden" { "Publications of case " (case.reference) }
                thead { tr {
                    th scope="col" { "Document" } th scope="col" { "Published to" }
                    th scope="col" { "When" } th scope="col" { "Status" } th scope="col" { "Read by" }
                } }
                tbody {
                    @for d in &published {
                        tr {
                            td { a href=(draft_href(case, &d.id)) { (d.title) } br; span class="hint" { (d.kind.label()) ", version " (d.version.unwrap_or(0)) } }
                            td { (names(family, &d.audience)) }
                            td { (d.published_at.map(views::when).unwrap_or_default()) }
                            td {
                                @if d.status == Status::Withdrawn { "Withdrawn " (d.withdrawn_at.map(views::day).unwrap_or_default()) }
                                @else if super::superseded(d, drafts) { "Replaced by a newer version" }
                                @else { "Showing" }
                            }
                            td {
                                @match readers.get(&(d.publication_id.to_string(), d.version.unwrap_or(0))) {
                                    Some(list) => { @for (i, (who, at)) in list.iter().enumerate() { @if i > 0 { "; " } (who) " on " (views::day(*at)) } }
                                    None => { "Not read yet" }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn drafts_in_progress(case: &Case, drafts: &[Draft], family: &[FamilyMember]) -> Markup {
    let open: Vec<&Draft> = drafts
        .iter()
        .filter(|d| {
            matches!(
                d.status,
                Status::Draft | Status::Submitted | Status::Returned | Status::Approved
            )
        })
        .collect();
    html! {
        @if open.is_empty() {
            p { "No drafts in progress." }
        } @else {
            ul {
                @for d in &open {
                    li {
                        a href=(draft_href(case, &d.id)) { (d.title) }
                        " for " (names(family, &d.audience)) " – "
                        strong { (d.status.label()) }
                        @if let (Status::Approved, Some(at)) = (d.status, d.publish_at) { " (" (views::when(at)) ")" }
                    }
                }
            }
        }
    }
}

async fn case_publishing(
    State(state): State<AppState>,
    user: StaffUser,
    Path(reference): Path<String>,
) -> Result<Response> {
    let (case, access) = find_case(&state, &user, &reference).await?;
    let drafts = super::of_case(&state.db, case.id).await?;
    let family = family(&state, case.id).await?;
    let events = events_of_case(&state, case.id).await?;
    let seen = seen_seq(&state, &user.staff.id, case.id).await?;
    if let Some(last) = events.last() {
        if last.seq > seen {
            mark_seen(&state, &user.staff.id, case.id, last.seq).await?;
        }
    }
    let href = case_href(&case.reference);
    Ok(views::page(
        &user,
        &format!("Publications, case {}", case.reference),
        html! {
            (styles())
            p { a href=(href) { "Back to case " (case.reference) } }
            h1 { "Drafts and publications, case " (case.reference) }
            @if access == Access::Act {
                p { a class="button" href={ (href) "/drafts/new" } { "New draft" } }
            }
            h2 { "Drafts in progress" }
            (drafts_in_progress(&case, &drafts, &family))
            h2 { "Published" }
            (publications_table(&case, &drafts, &family, &events))
            h2 { "What came back from the family" }
            @if events.is_empty() {
                p { "Nothing yet." }
            } @else {
                ul {
                    @for e in events.iter().rev().take(50) {
                        li { @if e.seq > seen { strong { "New: " } } (event_words(e, &drafts)) ", " (views::when(e.at)) }
                    }
                }
            }
        },
    ))
}

// --- My cases -------------------------------------------------------------------

async fn portal_access(
    state: &AppState,
    portal_id: &str,
    person_id: i64,
    now: i64,
) -> Result<String> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(occurred_at) FROM family_events WHERE person_id = $1")
            .bind(portal_id)
            .fetch_one(&state.db.pool)
            .await?;
    if let Some(at) = last {
        return Ok(format!("Uses FamilyStory (last seen {})", views::day(at)));
    }
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM invitations WHERE case_person_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(person_id)
    .bind(now)
    .fetch_one(&state.db.pool)
    .await?;
    Ok(if live > 0 {
        "Invited".into()
    } else {
        "No access".into()
    })
}

async fn my_cases(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    let now = now();
    let visible = access::visible_cases(&state.db, &user.staff).await?;
    let mine: Vec<Case> = visible
        .into_iter()
        .filter(|(_, a)| *a == Access::Act)
        .map(|(c, _)| c)
        .collect();
    let waiting = if user.staff.has(Role::Manager) {
        Some(
            super::with_status(&state.db, Status::Submitted)
                .await?
                .len(),
        )
    } else {
        None
    };
    let mut sections = Vec::new();
    for case in &mine {
        let drafts = super::of_case(&state.db, case.id).await?;
        let family = family(&state, case.id).await?;
        let events = events_of_case(&state, case.id).await?;
        let seen = seen_seq(&state, &user.staff.id, case.id).await?;
        let unread = events.iter().filter(|e| e.seq > seen).count();
        let people: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, portal_id FROM case_people WHERE case_id = $1 ORDER BY id")
                .bind(case.id)
                .fetch_all(&state.db.pool)
                .await?;
        let mut access = Vec::new();
        for (id, portal_id) in &people {
            let name = family
                .iter()
                .find(|p| p.id == *id)
                .map(|p| (p.name.clone(), p.role.clone()));
            if let Some((name, role)) = name {
                access.push((
                    name,
                    role,
                    portal_access(&state, portal_id, *id, now).await?,
                ));
            }
        }
        sections.push(html! {
            section class="case-summary" {
                h2 { a href=(case_href(&case.reference)) { "Case " (case.reference) } }
                p class="hint" { (case.team) }
                p {
                    @if unread > 0 { strong { (unread) " new from the family" } " – " }
                    a href={ (case_href(&case.reference)) "/publishing" } { "Drafts, publications and what came back" }
                }
                table class="table" {
                    caption { "Who has FamilyStory" }
                    thead { tr { th scope="col" { "Family member" } th scope="col" { "Role" } th scope="col" { "Access" } } }
                    tbody { @for (name, role, status) in &access { tr { td { (name) } td { (role_label(role)) } td { (status) } } } }
                }
                h3 { "Published" }
                (publications_table(case, &drafts, &family, &events))
                h3 { "Drafts in progress" }
                (drafts_in_progress(case, &drafts, &family))
            }
        });
    }
    Ok(views::page(
        &user,
        "My cases",
        html! {
            (styles())
            h1 { "My cases" }
            @if let Some(n) = waiting {
                p class="inset" { a href="/approvals" { (n) " waiting for approval" } }
            }
            @if sections.is_empty() {
                p { "You hold no cases. Cases allocated to you in the case system appear here once they are imported." }
            }
            @for s in sections { (s) }
        },
    ))
}

// --- a new draft ----------------------------------------------------------------

async fn documents(
    state: &AppState,
    case_id: i64,
) -> Result<Vec<(i64, String, String, String, String)>> {
    let rows: Vec<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT id, title, kind, document_date, body FROM case_documents WHERE case_id = $1 ORDER BY document_date DESC, id",
    )
    .bind(case_id)
    .fetch_all(&state.db.pool)
    .await?;
    let db = &state.db;
    Ok(rows
        .into_iter()
        .map(|(id, title, kind, date, body)| {
            Ok((id, db.unseal(&title)?, kind, date, db.unseal(&body)?))
        })
        .collect::<sqlx::Result<_>>()?)
}

fn kind_select(chosen: Option<Kind>, errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == "kind");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for="kind" { "Kind of document" }
            @if let Some(e) = error { p class="error-message" id="kind-error" { span class="visually-hidden" { "Error: " } (e.message) } }
            select class="select" id="kind" name="kind" aria-describedby=[error.map(|_| "kind-error")] aria-invalid=[error.map(|_| "true")] {
                @if chosen.is_none() { option value="" selected { "Choose a kind" } }
                @for k in Kind::ALL {
                    option value=(k.as_str()) selected[chosen == Some(k)] { (k.label()) }
                }
            }
        }
    }
}

fn audience_boxes(family: &[FamilyMember], chosen: &[i64], errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == "audience");
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            fieldset class="fieldset" aria-describedby={ "audience-hint" @if error.is_some() { " audience-error" } } {
                legend class="fieldset-legend" { "Who is this for?" }
                div class="hint" id="audience-hint" { "Each person you choose will see exactly this version. Write a separate draft for anyone who should see something different." }
                @if let Some(e) = error { p class="error-message" id="audience-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                @for (i, p) in family.iter().filter(|p| !p.removed).enumerate() {
                    @let id = if i == 0 { "audience".to_string() } else { format!("audience-{}", p.id) };
                    div class="checkbox" {
                        input type="checkbox" id=(id) name="audience" value=(p.id) checked[chosen.contains(&p.id)]
                            aria-invalid=[error.map(|_| "true")];
                        label for=(id) { (p.name) " (" (role_label(&p.role)) ")" }
                    }
                }
            }
        }
    }
}

fn text_input(
    id: &'static str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    errors: &[FieldError],
) -> Markup {
    views::Input {
        id,
        name: id,
        label,
        hint,
        value,
        kind: "text",
        autocomplete: "off",
    }
    .render(errors)
}

async fn new_draft_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(reference): Path<String>,
) -> Result<Response> {
    let (case, access) = find_case(&state, &user, &reference).await?;
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    new_draft_form(&state, &user, &case, &Fields(Vec::new()), &[]).await
}

async fn new_draft_form(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    form: &Fields,
    errors: &[FieldError],
) -> Result<Response> {
    let docs = documents(state, case.id).await?;
    let family = family(state, case.id).await?;
    let meetings = meetings(state, case.id).await?;
    let chosen: Vec<i64> = form
        .all("audience")
        .iter()
        .filter_map(|a| a.parse().ok())
        .collect();
    let source = form.get("source");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(views::page_with_status(
        user,
        status,
        &views::title("New draft", errors),
        html! {
            (views::error_summary(errors))
            h1 { "New draft for case " (case.reference) }
            form method="post" action={ (case_href(&case.reference)) "/drafts" } {
                (views::csrf(user))
                div class="form-group" {
                    fieldset class="fieldset" {
                        legend class="fieldset-legend" { "Start from" }
                        div class="radio" {
                            input type="radio" id="source" name="source" value="" checked[source.is_empty()];
                            label for="source" { "A blank page" }
                        }
                        @for (id, title, _, date, _) in &docs {
                            div class="radio" {
                                input type="radio" id={ "source-" (id) } name="source" value=(id) checked[source == id.to_string()];
                                label for={ "source-" (id) } { (title) " (" (date) ", from the case system)" }
                            }
                        }
                    }
                }
                (kind_select(Kind::parse(form.get("kind")), errors))
                (text_input("title", "Title the reader will see", Some("Leave empty to use the document’s title."), form.get("title"), errors))
                (audience_boxes(&family, &chosen, errors))
                (text_input("reader_age", "For a child: their age", Some("The check then shows reading age and words to explain. Leave empty for an adult."), form.get("reader_age"), errors))
                (meeting_select(&meetings, form.get("meeting").parse().ok(), errors))
                button class="button" type="submit" { "Start the draft" }
            }
        },
    ))
}

fn field_errors(list: Vec<(&'static str, &'static str)>) -> Vec<FieldError> {
    list.into_iter()
        .map(|(f, m)| FieldError::new(f, m))
        .collect()
}

/// A level-one heading in the body would be a second main heading on the
/// reader's page, whose main heading is the title.
fn has_main_heading(body: &str) -> bool {
    body.lines()
        .any(|l| l.trim_start().starts_with("# ") || l.trim() == "#")
}

fn content_of(form: &Fields, errors: &mut Vec<FieldError>) -> Content {
    let reader_age = match rules::reader_age(form.get("reader_age")) {
        Ok(age) => age,
        Err(message) => {
            errors.push(FieldError::new("reader_age", message));
            None
        }
    };
    let publish_at = match form.get("publish_at").trim() {
        "" => None,
        text => match content::when::parse_local(text) {
            Some(at) => Some(at),
            None => {
                errors.push(FieldError::new(
                    "publish_at",
                    "Enter the time like 2026-12-01T09:30, or leave it empty",
                ));
                None
            }
        },
    };
    Content {
        kind: Kind::parse(form.get("kind")),
        title: form.get("title").trim().to_string(),
        body: form.get("body").to_string(),
        reader_age,
        audience: form
            .all("audience")
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect(),
        publish_at,
        meeting_id: form.get("meeting").parse().ok(),
    }
}

async fn create_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(reference): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, access) = find_case(&state, &user, &reference).await?;
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    let mut errors = Vec::new();
    let mut content = content_of(&form, &mut errors);
    let source: Option<i64> = form.get("source").parse().ok();
    let docs = documents(&state, case.id).await?;
    let doc = match source {
        Some(id) => match docs.iter().find(|d| d.0 == id) {
            Some(d) => Some(d),
            None => return Err(BridgeError::NotFound),
        },
        None => None,
    };
    if let Some((_, title, kind, _, text)) = doc {
        if content.title.is_empty() {
            content.title = title.clone();
        }
        if content.kind.is_none() {
            content.kind = Some(Kind::of_document(kind));
        }
        content.body = text.clone();
    } else {
        content.body = "Write here what the reader will see.".into();
    }
    let family = family(&state, case.id).await?;
    let meetings = meetings(&state, case.id).await?;
    errors.extend(field_errors(super::validate(&content, &family, &meetings)));
    if !errors.is_empty() {
        return new_draft_form(&state, &user, &case, &form, &errors).await;
    }
    let id = super::create(
        &state.db,
        case.id,
        source,
        &user.staff.id,
        &content,
        None,
        now(),
    )
    .await?;
    Ok(see_other(&draft_href(&case, &id)))
}

// --- the editor -------------------------------------------------------------------

async fn editor(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let (case, access, draft) = find_draft(&state, &user, &reference, &id).await?;
    editor_view(&state, &user, &case, access, &draft, None, &[], &done.done).await
}

#[allow(clippy::too_many_arguments)]
async fn editor_view(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    access: Access,
    draft: &Draft,
    typed: Option<&Content>,
    errors: &[FieldError],
    done: &str,
) -> Result<Response> {
    let checked = super::check(&state.db, draft).await?;
    let meetings = meetings(state, case.id).await?;
    let preview = reader_view(state, draft, &checked, &meetings).await?;
    let all = super::of_case(&state.db, case.id).await?;
    let href = draft_href(case, &draft.id);
    let editable = access == Access::Act && draft.status.editable();
    let shown = typed.cloned().unwrap_or_else(|| Content {
        kind: Some(draft.kind),
        title: draft.title.clone(),
        body: draft.body.clone(),
        reader_age: draft.reader_age,
        audience: draft.audience.clone(),
        publish_at: draft.publish_at,
        meeting_id: draft.meeting_id,
    });
    let author = staff_name(state, &draft.author_id).await?;
    let notice = match done {
        "saved" => Some("Saved and checked."),
        "decided" => Some("Decision recorded."),
        "submitted" => {
            Some("Sent for approval. A manager will read it and approve it or return it to you.")
        }
        "published" => Some("Published. The family can read it now."),
        "held" => Some("Approved and held: it will be published at the time chosen."),
        "withdrawn" => Some("Withdrawn. The family can no longer see it."),
        "reopened" => Some("Taken back from approval: you can edit it again."),
        _ => None,
    };
    let open = checked.open();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let readers = names(&checked.family, &draft.audience);
    let can_withdraw = matches!(draft.status, Status::Published | Status::Approved)
        && rules::can_withdraw(&user.staff, &draft.author_id)
        && !super::superseded(draft, &all);
    let people_to_redact: Vec<(i64, String, usize)> = {
        let mut by_person: HashMap<i64, usize> = HashMap::new();
        for item in checked.items.iter().filter(|i| i.decision.is_none()) {
            if let Some(p) = item.person {
                *by_person.entry(p).or_default() += 1;
            }
        }
        let mut list: Vec<(i64, String, usize)> = by_person
            .into_iter()
            .filter_map(|(id, n)| {
                checked
                    .family
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| (id, p.name.clone(), n))
            })
            .collect();
        list.sort();
        list
    };
    Ok(views::page_with_status(
        user,
        status,
        &views::title(&format!("Draft: {}", draft.title), errors),
        html! {
            (styles())
            (views::error_summary(errors))
            @if let Some(n) = notice { div class="notification" role="status" { p { (n) } } }
            p { a href={ (case_href(&case.reference)) "/publishing" } { "Back to drafts and publications" } }
            h1 { (draft.title) }
            dl class="summary-list" {
                div { dt { "Status" } dd { strong class="tag" { (draft.status.label()) } } }
                div { dt { "For" } dd { (readers) } }
                div { dt { "Kind" } dd { (draft.kind.label()) } }
                @if let Some(m) = draft.meeting_id.and_then(|id| meetings.iter().find(|m| m.id == id)) {
                    div { dt { "Meeting" } dd { (meeting_words(m)) } }
                }
                div { dt { "Written by" } dd { (author) } }
                @if let Some(v) = draft.version { div { dt { "Version" } dd { (v) } } }
                @if let Some(at) = draft.published_at { div { dt { "Published" } dd { (views::when(at)) } } }
                @if let Some(at) = draft.publish_at { div { dt { "Held until" } dd { (views::when(at)) } } }
                @if let Some(reason) = &draft.withdrawal_reason { div { dt { "Withdrawn because" } dd { (reason) } } }
            }
            @if let (Status::Returned, Some(reason)) = (draft.status, &draft.return_reason) {
                div class="status-returned" {
                    h2 { "Returned to you" }
                    p { "The reason given: " strong { (reason) } }
                    p { "Change what is needed, then send it for approval again." }
                }
            }
            @if editable {
                h2 { "Edit" }
                form method="post" action=(href) {
                    (views::csrf(user))
                    (kind_select(shown.kind, errors))
                    (text_input("title", "Title the reader will see", None, &shown.title, errors))
                    (audience_boxes(&checked.family, &shown.audience, errors))
                    (text_input("reader_age", "For a child: their age", Some("Leave empty for an adult."), &shown.reader_age.map(|a| a.to_string()).unwrap_or_default(), errors))
                    (meeting_select(&meetings, shown.meeting_id, errors))
                    @let body_error = errors.iter().find(|e| e.field == "body");
                    div class={ "form-group" @if body_error.is_some() { " form-group-error" } } {
                        label class="label" for="body" { "What the reader will see" }
                        div class="hint" id="body-hint" { "Markdown: ## for a heading, a blank line between paragraphs, - for a list. The title is the reader’s main heading, so start headings at ##." }
                        @if let Some(e) = body_error { p class="error-message" id="body-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                        textarea class="textarea" id="body" name="body" rows="20" aria-describedby={ "body-hint" @if body_error.is_some() { " body-error" } } aria-invalid=[body_error.map(|_| "true")] spellcheck="true" { (shown.body) }
                    }
                    (views::Input {
                        id: "publish_at",
                        name: "publish_at",
                        label: "Hold until (optional)",
                        hint: Some("To talk it through with the family first: the earliest time it may be published, in UK time, like 2026-12-01T09:30. Leave empty to publish as soon as it is approved."),
                        value: &shown.publish_at.map(content::when::input).unwrap_or_default(),
                        kind: "text",
                        autocomplete: "off",
                    }.render(errors))
                    button class="button" type="submit" { "Save and check" }
                }
            }
            h2 id="findings" { "Check" }
            @if checked.items.is_empty() {
                p { "The check found nothing to decide on." }
            } @else {
                p { @if open == 0 { "Every finding has a decision." } @else { strong { (open) " of " (checked.items.len()) " findings still need a decision." } } }
                @if editable && !people_to_redact.is_empty() {
                    ul class="list" {
                        @for (pid, name, n) in &people_to_redact {
                            li {
                                form method="post" action={ (href) "/decide-person" } class="inline-form" {
                                    (views::csrf(user))
                                    input type="hidden" name="person" value=(pid);
                                    input type="hidden" name="decision" value="redact";
                                    button class="button button-secondary" type="submit" { "Redact every mention of " (name) " (" (n) ")" }
                                }
                                @let field = format!("person-reason-{pid}");
                                @let e = errors.iter().find(|e| e.field == field);
                                form method="post" action={ (href) "/decide-person" } {
                                    (views::csrf(user))
                                    input type="hidden" name="person" value=(pid);
                                    input type="hidden" name="decision" value="keep";
                                    div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                                        label class="label" for=(field) { "Or keep every mention of " (name) ", because" }
                                        @if let Some(e) = e { p class="error-message" id={ (field) "-error" } { span class="visually-hidden" { "Error: " } (e.message) } }
                                        input class="input" type="text" id=(field) name="reason" autocomplete="off"
                                            aria-describedby=[e.map(|_| format!("{field}-error"))] aria-invalid=[e.map(|_| "true")];
                                    }
                                    button class="button button-secondary" type="submit" { "Keep every mention with this reason" }
                                }
                            }
                        }
                    }
                }
                @for (i, item) in checked.items.iter().enumerate() {
                    div class={ "finding" @if item.decision.is_some() { " decided" } } id={ "finding-" (i + 1) } {
                        p { strong { (i + 1) ". " (finding_label(item.finding.kind)) } ": " (in_sentence(&checked, item)) }
                        p {
                            @match &item.decision {
                                None => { strong { "Open" } }
                                Some(Decision::Redact) => { "Redacted. The reader sees: " em { "[" (rules::marker_words(item.finding.kind)) "]" } }
                                Some(Decision::Keep(reason)) => { "Kept, because: " (reason) }
                            }
                        }
                        @if editable {
                            div class="actions" {
                                form method="post" action={ (href) "/decide" } class="inline-form" {
                                    (views::csrf(user))
                                    input type="hidden" name="key" value=(item.key);
                                    input type="hidden" name="decision" value="redact";
                                    button class="button" type="submit" { "Redact" span class="visually-hidden" { " finding " (i + 1) } }
                                }
                                form method="post" action={ (href) "/decide" } {
                                    (views::csrf(user))
                                    input type="hidden" name="key" value=(item.key);
                                    input type="hidden" name="decision" value="keep";
                                    label class="label" for={ "reason-" (i + 1) } { "Or keep it, because" }
                                    input class="input" type="text" id={ "reason-" (i + 1) } name="reason" value=(item.decision.as_ref().and_then(|d| d.reason()).unwrap_or_default());
                                    button class="button button-secondary" type="submit" { "Keep with this reason" span class="visually-hidden" { " (finding " (i + 1) ")" } }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(age) = draft.reader_age {
                h2 { "Reading for a " (age) "-year-old" }
                p {
                    "Reading age about " (format!("{:.0}", checked.reading_age)) ". "
                    @if checked.reading_age > f64::from(age) { strong { "That is above " (age) ": use shorter sentences and everyday words." } }
                    @else { "That suits the reader." }
                }
                @if checked.jargon.is_empty() {
                    p { "No words from the glossary of jargon." }
                } @else {
                    table class="table" {
                        caption { "Words to explain or replace" }
                        thead { tr { th scope="col" { "Written" } th scope="col" { "Plain words" } } }
                        tbody { @for j in &checked.jargon { tr { td { (draft.body.get(j.start..j.end).unwrap_or(&j.term)) } td { (j.plain) } } } }
                    }
                }
            }
            h2 { "Preview" }
            p class="hint" { "Exactly what " (readers) " will see on a phone" @if open > 0 { ", once every finding has a decision (open findings are shown as written)" } "." }
            (preview)
            @if access == Access::Act {
                @if editable {
                    h2 { "Send" }
                    @if open > 0 {
                        p { "Decide on every finding before sending this for approval." }
                    } @else {
                        form method="post" action={ (href) "/submit" } {
                            (views::csrf(user))
                            button class="button" type="submit" { "Send for approval" }
                        }
                    }
                }
                @if draft.status == Status::Submitted {
                    form method="post" action={ (href) "/reopen" } {
                        (views::csrf(user))
                        button class="button button-secondary" type="submit" { "Take it back to edit" }
                    }
                }
                @if draft.status == Status::Published && !super::superseded(draft, &all) {
                    form method="post" action={ (href) "/new-version" } {
                        (views::csrf(user))
                        button class="button button-secondary" type="submit" { "Write a new version" }
                    }
                }
            }
            @if can_withdraw {
                p { a class="button button-warning" href={ (href) "/withdraw" } { "Withdraw" } }
            }
        },
    ))
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    let mut errors = Vec::new();
    let content = content_of(&form, &mut errors);
    let family = family(&state, case.id).await?;
    let meetings = meetings(&state, case.id).await?;
    errors.extend(field_errors(super::validate(&content, &family, &meetings)));
    if has_main_heading(&content.body) {
        errors.push(FieldError::new(
            "body",
            "Start headings at ##: the title is the reader’s main heading",
        ));
    }
    if !errors.is_empty() {
        return editor_view(
            &state,
            &user,
            &case,
            Access::Act,
            &draft,
            Some(&content),
            &errors,
            "",
        )
        .await;
    }
    if !super::save(&state.db, &draft.id, &user.staff.id, &content, now()).await? {
        return Ok(refused(StatusCode::CONFLICT, "This draft can no longer be changed", "It has been sent for approval or published. Take it back from approval, or write a new version."));
    }
    Ok(see_other(&format!(
        "{}?done=saved",
        draft_href(&case, &draft.id)
    )))
}

async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    let checked = super::check(&state.db, &draft).await?;
    let Some(index) = checked.items.iter().position(|i| i.key == form.get("key")) else {
        return Ok(refused(
            StatusCode::CONFLICT,
            "The text has changed",
            "That finding is no longer in the draft. Go back and refresh the page.",
        ));
    };
    let Some(decision) = decision_asked(&form)? else {
        let errors = vec![FieldError::new(
            "findings",
            format!(
                "Give the reason for keeping finding {} (500 characters at most)",
                index + 1
            ),
        )];
        return editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await;
    };
    if !super::decide(
        &state.db,
        &draft,
        &[&checked.items[index]],
        &decision,
        &user.staff.id,
        now(),
    )
    .await?
    {
        return Ok(no_longer_changeable());
    }
    Ok(see_other(&format!(
        "{}?done=decided#finding-{}",
        draft_href(&case, &draft.id),
        index + 1
    )))
}

/// What a findings form asks: redact, or keep with a reason (`None` when
/// the reason is missing). Any other answer is not one of our forms.
fn decision_asked(form: &Fields) -> Result<Option<Decision>> {
    match form.get("decision") {
        "redact" => Ok(Some(Decision::Redact)),
        "keep" => Ok(rules::keep_reason(form.get("reason")).map(Decision::Keep)),
        _ => Err(BridgeError::NotFound),
    }
}

/// A decision on a draft that has been sent for approval or published.
fn no_longer_changeable() -> Response {
    refused(
        StatusCode::CONFLICT,
        "This draft can no longer be changed",
        "It has been sent for approval or published.",
    )
}

/// One decision for every open finding about one person of the family.
async fn decide_person(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    let person: i64 = form
        .get("person")
        .parse()
        .map_err(|_| BridgeError::NotFound)?;
    let checked = super::check(&state.db, &draft).await?;
    let items: Vec<&Item> = checked
        .items
        .iter()
        .filter(|i| i.person == Some(person) && i.decision.is_none())
        .collect();
    let Some(decision) = decision_asked(&form)? else {
        let errors = vec![FieldError::new(
            format!("person-reason-{person}"),
            "Give the reason for keeping every mention (500 characters at most)",
        )];
        return editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await;
    };
    if !items.is_empty()
        && !super::decide(&state.db, &draft, &items, &decision, &user.staff.id, now()).await?
    {
        return Ok(no_longer_changeable());
    }
    Ok(see_other(&format!(
        "{}?done=decided",
        draft_href(&case, &draft.id)
    )))
}

fn flow_refusal(error: FlowError) -> Result<Response> {
    match error {
        FlowError::Database(e) => Err(e.into()),
        FlowError::Approve(rules::ApproveError::NotManager) => Err(BridgeError::Forbidden),
        FlowError::Approve(e @ rules::ApproveError::OwnDraft) => Ok(refused(
            StatusCode::FORBIDDEN,
            "You cannot approve this",
            &e.to_string(),
        )),
        other => Ok(refused(
            StatusCode::CONFLICT,
            "That could not be done",
            &other.to_string(),
        )),
    }
}

async fn submit(
    State(state): State<AppState>,
    Extension(settings): Extension<Settings>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    match super::submit(&state.db, &draft, &user.staff.id, &settings, now()).await {
        Ok(sent) => {
            let done = match sent {
                Sent::ForApproval => "submitted",
                Sent::Published(_) => {
                    state.sync_wake.notify_one();
                    "published"
                }
                Sent::Held(_) => "held",
            };
            Ok(see_other(&format!(
                "{}?done={done}",
                draft_href(&case, &draft.id)
            )))
        }
        Err(FlowError::Submit(e @ rules::SubmitError::OpenFindings(_))) => {
            let errors = vec![FieldError::new("findings", e.to_string())];
            editor_view(&state, &user, &case, Access::Act, &draft, None, &errors, "").await
        }
        Err(e) => flow_refusal(e),
    }
}

async fn reopen(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    match super::reopen(&state.db, &draft, &user.staff.id, now()).await {
        Ok(()) => Ok(see_other(&format!(
            "{}?done=reopened",
            draft_href(&case, &draft.id)
        ))),
        Err(e) => flow_refusal(e),
    }
}

async fn new_version(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = act_on_draft(&state, &user, &reference, &id).await?;
    match super::new_version(&state.db, &draft, &user.staff.id, now()).await {
        Ok(new) => Ok(see_other(&draft_href(&case, &new))),
        Err(e) => flow_refusal(e),
    }
}

// --- withdrawal ---------------------------------------------------------------------

async fn withdraw_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
) -> Result<Response> {
    let (case, _, draft) = find_draft(&state, &user, &reference, &id).await?;
    if !rules::can_withdraw(&user.staff, &draft.author_id) {
        return Err(BridgeError::Forbidden);
    }
    Ok(withdraw_form(&user, &case, &draft, &[]))
}

fn withdraw_form(user: &StaffUser, case: &Case, draft: &Draft, errors: &[FieldError]) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let error = errors.first();
    views::page_with_status(
        user,
        status,
        &views::title(&format!("Withdraw {}", draft.title), errors),
        html! {
            (views::error_summary(errors))
            h1 { "Withdraw “" (draft.title) "”" }
            p { @if draft.status == Status::Approved { "It has not been published yet: withdrawing it means it never will be." }
                @else { "The family will stop seeing it at once. The disclosure log keeps a record of what was shown, who withdrew it and why." } }
            form method="post" action={ (draft_href(case, &draft.id)) "/withdraw" } {
                (views::csrf(user))
                div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                    label class="label" for="reason" { "Why are you withdrawing it?" }
                    div class="hint" id="reason-hint" { "This is recorded in the disclosure log. Do not write personal details." }
                    @if let Some(e) = error { p class="error-message" id="reason-error" { span class="visually-hidden" { "Error: " } (e.message) } }
                    textarea class="textarea" id="reason" name="reason" rows="3" aria-describedby={ "reason-hint" @if error.is_some() { " reason-error" } } aria-invalid=[error.map(|_| "true")] {}
                }
                button class="button button-warning" type="submit" { "Withdraw it" }
            }
            p { a href=(draft_href(case, &draft.id)) { "Cancel" } }
        },
    )
}

async fn withdraw(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, _, draft) = find_draft(&state, &user, &reference, &id).await?;
    if !rules::can_withdraw(&user.staff, &draft.author_id) {
        return Err(BridgeError::Forbidden);
    }
    match super::withdraw(&state.db, &draft, &user.staff, form.get("reason"), now()).await {
        Ok(()) => {
            state.sync_wake.notify_one();
            Ok(see_other(&format!(
                "{}?done=withdrawn",
                draft_href(&case, &draft.id)
            )))
        }
        Err(FlowError::NoReason) => Ok(withdraw_form(
            &user,
            &case,
            &draft,
            &[FieldError::new(
                "reason",
                "Give the reason for withdrawing it (500 characters at most)",
            )],
        )),
        Err(e) => flow_refusal(e),
    }
}

// --- approval -------------------------------------------------------------------------

fn require_manager(user: &StaffUser) -> Result<()> {
    if user.staff.has(Role::Manager) {
        Ok(())
    } else {
        Err(BridgeError::Forbidden)
    }
}

async fn approvals(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    require_manager(&user)?;
    let waiting = super::with_status(&state.db, Status::Submitted).await?;
    let mut rows = Vec::new();
    for d in &waiting {
        let case = case_by_id(&state, d.case_id).await?;
        let family = family(&state, d.case_id).await?;
        rows.push((
            d,
            case,
            names(&family, &d.audience),
            staff_name(&state, &d.author_id).await?,
        ));
    }
    Ok(views::page(
        &user,
        "Waiting for approval",
        html! {
            h1 { "Waiting for approval" }
            @if rows.is_empty() {
                p { "Nothing is waiting for approval." }
            } @else {
                table class="table" {
                    caption class="visually-hidden" { "Drafts waiting for approval, oldest first" }
                    thead { tr { th scope="col" { "Document" } th scope="col" { "Case" } th scope="col" { "For" } th scope="col" { "Written by" } th scope="col" { "Sent" } } }
                    tbody {
                        @for (d, case, readers, author) in &rows {
                            tr {
                                td { a href={ "/approvals/" (d.id) } { (d.title) } @if d.author_id == user.staff.id { " (yours: someone else must approve it)" } }
                                td { (case.reference) }
                                td { (readers) }
                                td { (author) }
                                td { (views::when(d.updated_at)) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

async fn approvable(state: &AppState, user: &StaffUser, id: &str) -> Result<(Case, Draft)> {
    require_manager(user)?;
    let draft = super::load(&state.db, id)
        .await?
        .ok_or(BridgeError::NotFound)?;
    let case = case_by_id(state, draft.case_id).await?;
    // Managers see every case; the scoping is still the one rule.
    access::case_for(&state.db, &user.staff, &case.reference)
        .await?
        .ok_or(BridgeError::NotFound)?;
    Ok((case, draft))
}

async fn approval_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let (case, draft) = approvable(&state, &user, &id).await?;
    approval_view(&state, &user, &case, &draft, &[]).await
}

async fn approval_view(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    draft: &Draft,
    errors: &[FieldError],
) -> Result<Response> {
    let checked = super::check(&state.db, draft).await?;
    // Only an invitation shows a meeting, so only then are they looked up.
    let meetings = match draft.meeting_id {
        Some(_) => meetings(state, draft.case_id).await?,
        None => Vec::new(),
    };
    let preview = reader_view(state, draft, &checked, &meetings).await?;
    let author = staff_name(state, &draft.author_id).await?;
    let readers = names(&checked.family, &draft.audience);
    let decided_by: HashMap<String, (String, i64)> = {
        let rows: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT finding_key, decided_by, decided_at FROM redactions WHERE draft_id = $1",
        )
        .bind(&draft.id)
        .fetch_all(&state.db.pool)
        .await?;
        let mut out = HashMap::new();
        let mut names_cache: HashMap<String, String> = HashMap::new();
        for (key, by, at) in rows {
            if !names_cache.contains_key(&by) {
                names_cache.insert(by.clone(), staff_name(state, &by).await?);
            }
            out.insert(key, (names_cache[&by].clone(), at));
        }
        out
    };
    let contributors = super::contributors(&state.db, draft).await?;
    let blocked = rules::can_approve(&user.staff, &contributors, draft.status).err();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let field_error = |f: &str| {
        errors
            .iter()
            .find(|e| e.field == f)
            .map(|e| e.message.clone())
    };
    let audience_ids: HashSet<i64> = draft.audience.iter().copied().collect();
    Ok(views::page_with_status(
        user,
        status,
        &views::title(&format!("Approve: {}", draft.title), errors),
        html! {
            (styles())
            (views::error_summary(errors))
            h1 { "Approve: " (draft.title) }
            dl class="summary-list" {
                div { dt { "Case" } dd { (case.reference) } }
                div { dt { "For" } dd { (readers) } }
                div { dt { "Kind" } dd { (draft.kind.label()) } }
                @if let Some(age) = draft.reader_age { div { dt { "Reader’s age" } dd { (age) } } }
                div { dt { "Written by" } dd { (author) } }
                @if let Some(at) = draft.publish_at { div { dt { "The author asks to hold it until" } dd { (views::when(at)) } } }
            }
            h2 { "The document, as the reader will see it" }
            (preview)
            h2 { "Redaction decisions" }
            @if checked.items.is_empty() {
                p { "The check found nothing to decide on." }
            } @else {
                // Wider than a phone: it scrolls sideways, so the keyboard can reach it.
                table class="table" tabindex="0" {
                    caption class="visually-hidden" { "Every finding of the check and what was decided" }
                    thead { tr { th scope="col" { "Found" } th scope="col" { "In" } th scope="col" { "Decision" } th scope="col" { "By" } } }
                    tbody {
                        @for item in &checked.items {
                            tr {
                                td { (finding_label(item.finding.kind)) @if let Some(p) = item.person.and_then(|p| checked.family.iter().find(|f| f.id == p)) { " (" (p.name) @if !audience_ids.contains(&p.id) { ", not a reader" } ")" } }
                                td { (in_sentence(&checked, item)) }
                                td { @match &item.decision {
                                    None => { strong { "Open" } }
                                    Some(Decision::Redact) => { "Redacted" }
                                    Some(Decision::Keep(reason)) => { "Kept: " (reason) }
                                } }
                                td { @if let Some((who, at)) = decided_by.get(&item.key) { (who) ", " (views::when(*at)) } }
                            }
                        }
                    }
                }
            }
            @match blocked {
                Some(reason) => { p class="inset" { strong { (reason.to_string()) } } }
                None => {
                    h2 { "Your decision" }
                    form method="post" action={ "/approvals/" (draft.id) "/approve" } {
                        (views::csrf(user))
                        input type="hidden" name="read" value=(rules::read_hash(&checked.title, &checked.body));
                        div class="form-group" {
                            fieldset class="fieldset" {
                                legend class="fieldset-legend" { "When should it be published?" }
                                div class="radio" {
                                    input type="radio" id="when" name="when" value="now" checked[draft.publish_at.is_none()];
                                    label for="when" { "As soon as I approve it" }
                                }
                                div class="radio" {
                                    input type="radio" id="when-later" name="when" value="later" checked[draft.publish_at.is_some()];
                                    label for="when-later" { "At a chosen time" }
                                }
                                @let e = field_error("publish_at");
                                div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                                    label class="label" for="publish_at" { "Time, in UK time" }
                                    div class="hint" id="publish_at-hint" { "Like 2026-12-01T09:30" }
                                    @if let Some(e) = &e { p class="error-message" id="publish_at-error" { span class="visually-hidden" { "Error: " } (e) } }
                                    input class="input" type="text" id="publish_at" name="publish_at" autocomplete="off"
                                        aria-describedby={ "publish_at-hint" @if e.is_some() { " publish_at-error" } } aria-invalid=[e.as_ref().map(|_| "true")]
                                        value=(draft.publish_at.map(content::when::input).unwrap_or_default());
                                }
                            }
                        }
                        button class="button" type="submit" { "Approve" }
                    }
                    form method="post" action={ "/approvals/" (draft.id) "/return" } {
                        (views::csrf(user))
                        @let e = field_error("reason");
                        div class={ "form-group" @if e.is_some() { " form-group-error" } } {
                            label class="label" for="reason" { "Or return it to " (author) ", because" }
                            div class="hint" id="reason-hint" { "The author sees this reason." }
                            @if let Some(e) = &e { p class="error-message" id="reason-error" { span class="visually-hidden" { "Error: " } (e) } }
                            textarea class="textarea" id="reason" name="reason" rows="3" aria-describedby={ "reason-hint" @if e.is_some() { " reason-error" } } aria-invalid=[e.as_ref().map(|_| "true")] {}
                        }
                        button class="button button-secondary" type="submit" { "Return it" }
                    }
                }
            }
        },
    ))
}

async fn approve(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = approvable(&state, &user, &id).await?;
    let now = now();
    let publish_at = if form.get("when") == "later" {
        match content::when::parse_local(form.get("publish_at")) {
            Some(at) if at > now => Some(at),
            _ => {
                let errors = vec![FieldError::new(
                    "publish_at",
                    "Enter a time in the future, like 2026-12-01T09:30",
                )];
                return approval_view(&state, &user, &case, &draft, &errors).await;
            }
        }
    } else {
        None
    };
    match super::approve(
        &state.db,
        &draft,
        &user.staff,
        form.get("read"),
        publish_at,
        now,
    )
    .await
    {
        Ok(sent) => {
            if matches!(sent, Sent::Published(_)) {
                state.sync_wake.notify_one();
            }
            let done = if matches!(sent, Sent::Held(_)) {
                "held"
            } else {
                "published"
            };
            Ok(see_other(&format!(
                "{}?done={done}",
                draft_href(&case, &draft.id)
            )))
        }
        Err(e) => flow_refusal(e),
    }
}

async fn return_draft(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response> {
    let form = Fields::parse(&body);
    csrf_ok(&state, &headers, &user, &form)?;
    let (case, draft) = approvable(&state, &user, &id).await?;
    match super::return_draft(&state.db, &draft, &user.staff, form.get("reason"), now()).await {
        Ok(()) => Ok(see_other("/approvals")),
        Err(FlowError::NoReason) => {
            let errors = vec![FieldError::new(
                "reason",
                "Give the reason for returning it (500 characters at most)",
            )];
            approval_view(&state, &user, &case, &draft, &errors).await
        }
        Err(e) => flow_refusal(e),
    }
}
