//! The staff side of what families sent: the list on the case page, one
//! contribution with what was done about it, a correction request's decision,
//! a "you said, we did" reply (a draft in the normal publishing flow) and the
//! duty page with the urgent messages first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use content::db::now;
use content::forms::typed_text;
use maud::{html, Markup};

use super::{Received, MAX_WORDS};
use crate::access::{Access, Case};
use crate::auth::{Posted, StaffUser};
use crate::error::{BridgeError, Result};
use crate::staff::Role;
use crate::views::{self, FieldError};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/duty", get(duty))
        .route("/cases/{reference}/contributions/{id}", get(show))
        .route(
            "/cases/{reference}/contributions/{id}/outcome",
            post(record_outcome),
        )
        .route(
            "/cases/{reference}/contributions/{id}/decision",
            post(decide),
        )
        .route("/cases/{reference}/contributions/{id}/reply", post(reply))
}

fn href(reference: &str, id: &uuid::Uuid) -> String {
    format!("/cases/{}/contributions/{id}", urlencoding(reference))
}

fn urlencoding(reference: &str) -> String {
    url::form_urlencoded::byte_serialize(reference.as_bytes()).collect()
}

fn state_of(r: &Received, now: i64) -> Markup {
    html! {
        @if let Some((status, _)) = &r.decision {
            (decision_label(status))
        } @else if r.handled_at.is_some() {
            "Action recorded"
        } @else if r.kind == "correction" {
            "Decision due by " (views::day(r.received_at + ONE_MONTH))
        } @else if r.urgent {
            strong { "Urgent – waiting " (views::waited(now - r.received_at)) }
        } @else {
            "New"
        }
    }
}

/// A correction request must be answered within one month (UK GDPR art. 12).
pub const ONE_MONTH: i64 = 30 * 24 * 3600;

fn decision_label(status: &str) -> &'static str {
    match status {
        "being_looked_at" => "Being looked at",
        "corrected" => "Corrected",
        "not_changed" => "Not changed",
        _ => "Decided",
    }
}

/// "What the family told us" on the case page.
pub async fn case_section(state: &AppState, case: &Case) -> Result<Markup> {
    let received = super::of_case(&state.db, case.id).await?;
    let now = now();
    Ok(html! {
        h2 id="contributions" { "What the family told us" }
        @if received.is_empty() {
            p { "Nothing yet. Views before meetings, responses to plans, correction requests and feedback that family members send on FamilyStory appear here." }
        } @else {
            table class="table" {
                caption class="visually-hidden" { "What family members of case " (case.reference) " sent, newest first" }
                thead { tr { th scope="col" { "What" } th scope="col" { "From" } th scope="col" { "Received" } th scope="col" { "Status" } } }
                tbody {
                    @for r in &received {
                        tr {
                            td { a href=(href(&case.reference, &r.id)) { (r.kind_label()) } }
                            td { (r.person_name) }
                            td { (views::when(r.received_at)) }
                            td { (state_of(r, now)) }
                        }
                    }
                }
            }
        }
    })
}

async fn load(
    state: &AppState,
    user: &StaffUser,
    reference: &str,
    id: &str,
) -> Result<(Case, Access, Received)> {
    let (case, access) = crate::access::case_for(&state.db, &user.staff, reference)
        .await?
        .ok_or(BridgeError::NotFound)?;
    let received = super::find_in_case(&state.db, case.id, id)
        .await?
        .ok_or(BridgeError::NotFound)?;
    Ok((case, access, received))
}

fn may_record(user: &StaffUser, access: Access) -> bool {
    access == Access::Act || user.staff.has(Role::Duty)
}

fn may_decide(user: &StaffUser, access: Access) -> bool {
    access == Access::Act || user.staff.has(Role::IgOfficer)
}

async fn show(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
) -> Result<Response> {
    let (case, access, r) = load(&state, &user, &reference, &id).await?;
    page(&state, &user, &case, access, &r, &[], "", StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn page(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    access: Access,
    r: &Received,
    errors: &[FieldError],
    typed: &str,
    status: StatusCode,
) -> Result<Response> {
    let outcomes = super::outcomes(&state.db, &r.id.to_string()).await?;
    let replies = super::replies(&state.db, &r.id.to_string()).await?;
    let base = href(&case.reference, &r.id);
    let case_href = format!("/cases/{}", urlencoding(&case.reference));
    let title = format!("{} from {}", r.kind_label(), r.person_name);
    Ok(views::page_with_status(
        user,
        status,
        &views::title(&title, errors),
        html! {
            (views::error_summary(errors))
            p { a href={ (case_href) "#contributions" } { "Back to case " (case.reference) } }
            h1 { (title) }
            dl class="summary-list" {
                div { dt { "Sent" } dd { (views::when(r.sent_at)) @if r.revision > 1 { " (changed and sent again: version " (r.revision) ")" } } }
                div { dt { "Who may read it" } dd { @if r.audience == "meeting" { "Everyone at the meeting, family included" } @else { "The worker only" } } }
                @if r.kind == "correction" {
                    div { dt { "Decision due" } dd { strong { (views::day(r.received_at + ONE_MONTH)) } " (one month from receipt)" } }
                }
                div { dt { "Status" } dd { (state_of(r, now())) } }
            }
            h2 { "What they said" }
            dl class="summary-list answers" {
                @for a in &r.body.answers {
                    div { dt { (a.question) } dd { (typed_text(&a.answer)) } }
                }
            }
            h2 { "What was done" }
            @if outcomes.is_empty() { p { "Nothing recorded yet." } }
            @else {
                ul { @for (who, what, at) in &outcomes { li { (typed_text(what)) " – " (who) ", " (views::when(*at)) } } }
            }
            @if may_record(user, access) {
                form method="post" action={ (base) "/outcome" } aria-label="Record what was done" {
                    (views::csrf(user))
                    (textarea("outcome", "Record what was done", Some("For example: discussed at the meeting, plan changed, called the child back."), typed, errors))
                    button class="button" type="submit" { "Record what was done" }
                }
            }
            @if r.kind == "correction" && may_decide(user, access) {
                h2 { "Decision on the correction request" }
                form method="post" action={ (base) "/decision" } aria-label="Decision on the correction request" {
                    (views::csrf(user))
                    @let error = views::error_for(errors, "status");
                    div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                        fieldset class="fieldset" {
                            legend class="fieldset-legend" { "What did you decide?" }
                            @if let Some(e) = error { p class="error-message" id="status-error" { span class="visually-hidden" { "Error: " } (e) } }
                            @for (i, (value, label)) in [("being_looked_at", "Being looked at"), ("corrected", "Corrected"), ("not_changed", "Not changed")].iter().enumerate() {
                                @let id = if i == 0 { "status".to_string() } else { format!("status-{value}") };
                                div class="radio" {
                                    input type="radio" id=(id) name="status" value=(value);
                                    label for=(id) { (label) }
                                }
                            }
                        }
                    }
                    (textarea("reason", "Why (shown to them)", Some("Needed when it is not changed. Write it for them to read."), "", errors))
                    button class="button" type="submit" { "Send the decision" }
                }
            }
            @if matches!(r.kind.as_str(), "views" | "plan_response") {
                h2 { "You said, we did" }
                @for (draft, status) in &replies {
                    p { a href={ (case_href) "/drafts/" (draft) } { "Reply draft" } " – " (status) }
                }
                @if access == Access::Act {
                    p { "Write " (r.person_name) " a reply saying what happened because of what they said. It goes through the usual check and approval, and they see it beside what they wrote." }
                    (views::post_button(user, &format!("{base}/reply"), &format!("Reply to {}", r.person_name), "Write a “you said, we did” reply", "button button-secondary"))
                }
            }
        },
    ))
}

fn textarea(
    id: &str,
    label: &str,
    hint: Option<&str>,
    value: &str,
    errors: &[FieldError],
) -> Markup {
    let error = views::error_for(errors, id);
    html! {
        div class={ "form-group" @if error.is_some() { " form-group-error" } } {
            label class="label" for=(id) { (label) }
            @if let Some(hint) = hint { div class="hint" id={ (id) "-hint" } { (hint) } }
            @if let Some(e) = error { p class="error-message" id={ (id) "-error" } { span class="visually-hidden" { "Error: " } (e) } }
            textarea id=(id) name=(id) rows="4" aria-describedby=[hint.map(|_| format!("{id}-hint"))] aria-invalid=[error.map(|_| "true")] { (value) }
        }
    }
}

/// Checks staff-written words: something, and not too long.
pub fn words_problem(text: &str, what: &str) -> Option<String> {
    let chars = text.chars().count();
    if text.trim().is_empty() {
        Some(format!("Write {what}"))
    } else if chars > MAX_WORDS {
        Some(format!(
            "Write {what} in {MAX_WORDS} characters or fewer (you have {chars})"
        ))
    } else {
        None
    }
}

async fn record_outcome(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    Posted(form): Posted,
) -> Result<Response> {
    let outcome = form.get("outcome");
    let (case, access, r) = load(&state, &user, &reference, &id).await?;
    if !may_record(&user, access) {
        return Err(BridgeError::Forbidden);
    }
    if let Some(problem) = words_problem(outcome, "what was done") {
        return page(
            &state,
            &user,
            &case,
            access,
            &r,
            &[FieldError::new("outcome", problem)],
            outcome,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    super::record_outcome(&state.db, &r, &user.staff.id, outcome.trim(), now()).await?;
    Ok(Redirect::to(&href(&case.reference, &r.id)).into_response())
}

/// What is wrong with a correction decision, if anything.
pub fn decision_problems(status: &str, reason: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if !matches!(status, "being_looked_at" | "corrected" | "not_changed") {
        errors.push(FieldError::new("status", "Choose what you decided"));
    }
    if status == "not_changed" {
        if let Some(p) = words_problem(reason, "why it was not changed") {
            errors.push(FieldError::new("reason", p));
        }
    } else if reason.chars().count() > MAX_WORDS {
        errors.push(FieldError::new(
            "reason",
            format!("Write the reason in {MAX_WORDS} characters or fewer"),
        ));
    }
    errors
}

async fn decide(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    Posted(form): Posted,
) -> Result<Response> {
    let (status, reason) = (form.get("status"), form.get("reason"));
    let (case, access, r) = load(&state, &user, &reference, &id).await?;
    if r.kind != "correction" {
        return Err(BridgeError::NotFound);
    }
    if !may_decide(&user, access) {
        return Err(BridgeError::Forbidden);
    }
    let errors = decision_problems(status, reason);
    if !errors.is_empty() {
        return page(
            &state,
            &user,
            &case,
            access,
            &r,
            &errors,
            "",
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    super::decide(&state.db, &r, status, reason, &user.staff.id, now()).await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&href(&case.reference, &r.id)).into_response())
}

/// Starts a "you said, we did" letter to the person, linked to what they
/// said; the practitioner writes it in the usual editor.
async fn reply(
    State(state): State<AppState>,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    _: Posted,
) -> Result<Response> {
    let (case, access, r) = load(&state, &user, &reference, &id).await?;
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    if !matches!(r.kind.as_str(), "views" | "plan_response") {
        return Err(BridgeError::NotFound);
    }
    let reader: Option<(i64, Option<String>, String)> = sqlx::query_as(
        "SELECT id, date_of_birth, role FROM case_people WHERE portal_id = $1 AND case_id = $2",
    )
    .bind(&r.person_portal_id)
    .bind(case.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((person, date_of_birth, role)) = reader else {
        return Err(BridgeError::NotFound);
    };
    let reader_age = (role == "child")
        .then(|| {
            let today = time::OffsetDateTime::now_utc().date();
            date_of_birth
                .as_deref()
                .and_then(|d| content::when::age_on(d, today))
                .and_then(|age| u32::try_from(age).ok())
        })
        .flatten();
    let content = crate::publishing::Content {
        kind: Some(crate::publishing::rules::Kind::Letter),
        title: "You said, we did".into(),
        body: "## You said\n\n(Say in a few words what they told us.)\n\n## We did\n\n(Say what happened because of it.)\n".into(),
        reader_age,
        audience: vec![person],
        publish_at: None,
        meeting_id: None,
    };
    let draft = crate::publishing::create(
        &state.db,
        case.id,
        None,
        &user.staff.id,
        &content,
        None,
        now(),
    )
    .await?;
    super::link_reply(&state.db, &draft, r.id).await?;
    Ok(Redirect::to(&format!(
        "/cases/{}/drafts/{draft}",
        urlencoding(&case.reference)
    ))
    .into_response())
}

/// The duty page: urgent messages first, then what families sent that
/// nobody has yet recorded action on, across every case.
async fn duty(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    if ![Role::Duty, Role::Manager, Role::IgOfficer]
        .iter()
        .any(|r| user.staff.has(*r))
    {
        return Err(BridgeError::Forbidden);
    }
    let urgent = super::urgent_open(&state.db).await?;
    let waiting = super::waiting(&state.db).await?;
    let corrections: Vec<_> = waiting.iter().filter(|r| r.kind == "correction").collect();
    let others: Vec<_> = waiting.iter().filter(|r| r.kind != "correction").collect();
    let now = now();
    let unanswered = crate::messages::pages::overdue_section(&state, now).await?;
    Ok(views::page(
        &user,
        "Duty",
        html! {
            h1 { "Duty" }
            h2 { "Urgent: does not feel safe" }
            @if urgent.is_empty() {
                p { "No urgent messages are waiting." }
            } @else {
                ul class="items" {
                    @for r in &urgent {
                        li class="card urgent" {
                            a href=(href(&r.case_reference, &r.id)) { (r.person_name) ", case " (r.case_reference) }
                            p class="meta" { "Arrived " (views::when(r.received_at)) " – waiting " (views::waited(now - r.received_at)) }
                            @for a in &r.body.answers { p { (typed_text(&a.answer)) } }
                        }
                    }
                }
            }
            p { "A message stays here, and at the top of every duty worker's pages, until someone records what was done." }
            h2 { "Correction requests waiting for a decision" }
            @if corrections.is_empty() { p { "None." } } @else {
                (waiting_table("Correction requests waiting for a decision, oldest first", &corrections, now))
            }
            h2 { "Not yet acted on" }
            @if others.is_empty() { p { "Nothing is waiting." } } @else {
                (waiting_table("What families sent that nobody has acted on yet, oldest first", &others, now))
            }
            (unanswered)
        },
    ))
}

fn waiting_table(caption: &str, rows: &[&Received], now: i64) -> Markup {
    html! {
        table class="table" {
            caption class="visually-hidden" { (caption) }
            thead { tr { th scope="col" { "What" } th scope="col" { "From" } th scope="col" { "Case" } th scope="col" { "Status" } } }
            tbody {
                @for r in rows {
                    tr {
                        td { a href=(href(&r.case_reference, &r.id)) { (r.kind_label()) } }
                        td { (r.person_name) }
                        td { (r.case_reference) }
                        td { (state_of(r, now)) }
                    }
                }
            }
        }
    }
}
