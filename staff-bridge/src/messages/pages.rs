//! The staff pages of messaging: the inbox, a family member's conversation
//! (read, reply with the check decided, mark as done, hand over, approve),
//! and the case page's list of conversations.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use content::db::now;
use content::forms::typed_text;
use maud::{html, Markup};

use super::inbox::{self, Summary};
use super::send::{self, Checked, Outgoing, Reader, SendOrDb};
use super::Message;
use crate::access::{Access, Case};
use crate::auth::{Posted, PostedFiles, StaffUser};
use crate::error::{BridgeError, Result};
use crate::scope::CaseScope;
use crate::staff::Role;
use crate::views::{self, FieldError};
use crate::AppState;
use content::attachments::{self, Sender};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/messages", get(inbox_page))
        .route("/account/message-digest", post(super::digest::set))
        .route(
            "/cases/{reference}/people/{person}/messages",
            get(conversation)
                .post(reply)
                .layer(axum::extract::DefaultBodyLimit::max(
                    attachments::BODY_LIMIT,
                )),
        )
        .route(
            "/cases/{reference}/people/{person}/messages/done",
            post(done),
        )
        .route(
            "/cases/{reference}/people/{person}/messages/hand-over",
            post(hand_over),
        )
        .route(
            "/cases/{reference}/people/{person}/messages/{id}/approve",
            post(approve),
        )
}

fn href(reference: &str, person: i64) -> String {
    let reference: String = url::form_urlencoded::byte_serialize(reference.as_bytes()).collect();
    format!("/cases/{reference}/people/{person}/messages")
}

/// Whether the member may write in (and act on) this conversation: a worker
/// of the case, the worker it was handed to, or the duty team.
async fn may_write(
    state: &AppState,
    user: &StaffUser,
    access: Access,
    reader: &Reader,
) -> Result<bool> {
    Ok(access == Access::Act
        || user.staff.has(Role::Duty)
        || inbox::is_mine(&state.db, &user.staff, &reader.portal_id).await?)
}

/// The family member, from `{person}` in the path, of the scoped case; a
/// guessed id or one of another case is "not found".
async fn reader_of(state: &AppState, case: &Case, person: &str) -> Result<Reader> {
    let id: i64 = person.parse().map_err(|_| BridgeError::NotFound)?;
    send::reader(&state.db, case.id, id)
        .await?
        .ok_or(BridgeError::NotFound)
}

#[derive(serde::Deserialize)]
struct PersonPath {
    person: String,
}

#[derive(serde::Deserialize)]
struct MessagePath {
    person: String,
    id: String,
}

fn summary_table(caption: &str, rows: &[Summary], now: i64) -> Markup {
    html! {
        table class="table" {
            caption class="visually-hidden" { (caption) }
            thead { tr {
                th scope="col" { "Family member" } th scope="col" { "Case" }
                th scope="col" { "Unread" } th scope="col" { "Waiting" }
            } }
            tbody {
                @for s in rows {
                    tr {
                        td { a href=(href(&s.case_reference, s.case_people_id)) { (s.person_name) } }
                        td { (s.case_reference) }
                        td { @if s.unread > 0 { strong { (s.unread) " unread" } } @else { "None" } }
                        td {
                            @if let Some(since) = s.unanswered_since {
                                "Unanswered for " (views::waited(now - since))
                            } @else if s.done_at.is_some() { "Done" } @else { "Answered" }
                            @if let Some(to) = &s.assigned_to { br; "Handed to " (to) }
                        }
                    }
                }
            }
        }
    }
}

async fn inbox_page(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    let rows = inbox::inbox(&state.db, &user.staff).await?;
    let now = now();
    Ok(views::page(
        &user,
        "Messages",
        html! {
            h1 { "Messages" }
            p { "Conversations with family members on your cases, and any handed over to you. The oldest unanswered come first." }
            @if rows.is_empty() {
                p { "You have no conversations yet. You can start one from a family member's case page." }
            } @else {
                (summary_table("Your conversations, oldest unanswered first", &rows, now))
            }
        },
    ))
}

/// The case page's list of conversations.
pub async fn case_section(state: &AppState, case: &Case) -> Result<Markup> {
    let rows = inbox::of_case(&state.db, case.id).await?;
    let now = now();
    Ok(html! {
        h2 id="messages" { "Messages" }
        @if rows.is_empty() {
            p { "No messages yet. Open a family member who uses FamilyStory to write to them." }
        } @else {
            (summary_table(&format!("Conversations with family members of case {}", case.reference), &rows, now))
        }
    })
}

/// The duty page's part: messages unanswered for two working days.
pub async fn overdue_section(state: &AppState, now: i64) -> Result<Markup> {
    let rows = inbox::overdue(&state.db, now).await?;
    Ok(html! {
        h2 id="messages-waiting" { "Messages unanswered for " (inbox::WORKING_DAYS) " working days" }
        @if rows.is_empty() { p { "None." } } @else {
            (summary_table("Messages from family members unanswered for two working days, oldest first", &rows, now))
        }
    })
}

/// A link to a family member's conversation, for the case page's list of
/// people.
pub fn link(reference: &str, person: i64, name: &str) -> Markup {
    html! { a href=(href(reference, person)) { "Messages" span class="visually-hidden" { " with " (name) } } }
}

fn message_item(m: &Message, reader_name: &str, reference: &str) -> Markup {
    html! {
        li class={ "card message" @if m.from_family { " from-family" } } {
            p class="meta" {
                strong { @if m.from_family { (reader_name) } @else { (m.staff_name.as_deref().unwrap_or("A worker")) } }
                " – " (views::when(m.sent_at))
            }
            div { (typed_text(&m.text)) }
            @if !m.attachments.is_empty() {
                ul class="list" aria-label="Files sent with this message" {
                    @for f in &m.attachments {
                        li { a href={ "/cases/" (reference) "/attachments/" (f.id) } download { (f.file_name) } " (" (f.media_type) ", " (f.size / 1024) " KB)" }
                    }
                }
            }
            p class="meta" {
                @if m.state == "awaiting_approval" { strong { "Waiting for a manager's approval: not sent yet" } }
                @else if m.from_family {
                    @if let Some(at) = m.read_at { "Read " (views::when(at)) @if let Some(by) = &m.read_by { " by " (by) } }
                    @else { "Not read yet" }
                } @else {
                    @if let Some(at) = m.read_at { "Seen by " (reader_name) " " (views::when(at)) } @else { "Sent, not seen yet" }
                }
            }
        }
    }
}

/// What a conversation page shows besides the conversation: what was being
/// written, its check, what was wrong, and what just happened.
#[derive(Default)]
struct Extra<'a> {
    typed: &'a str,
    checked: Option<&'a Checked>,
    errors: &'a [FieldError],
    notice: Option<&'a str>,
}

struct View<'a> {
    case: &'a Case,
    reader: &'a Reader,
    messages: &'a [Message],
    writable: bool,
    workers: &'a [(String, String)],
    extra: Extra<'a>,
}

fn findings_form(checked: &Checked) -> Markup {
    html! {
        fieldset class="fieldset" {
            legend { h2 { "Check before sending" } }
            p { "The check found things in your message that could identify someone else or a private detail. For each one, remove it or keep it with a reason." }
            @for (n, item) in checked.items.iter().enumerate() {
                @let key = &item.key;
                @let (from, to) = item.sentence;
                div class="card finding" {
                    p {
                        strong { (n + 1) ". " (crate::publishing::rules::marker_words(item.finding.kind)) }
                    }
                    p class="meta" {
                        "“" (&checked.text[from..item.finding.start]) mark { (item.finding.text) } (&checked.text[item.finding.end..to]) "”"
                    }
                    div class="radios" {
                        @let redact = format!("decision-{key}-redact");
                        @let keep = format!("decision-{key}-keep");
                        @let chosen = item.decision.as_ref().map(|d| d.as_str());
                        div class="radio" {
                            input type="radio" id=(redact) name={ "decision-" (key) } value="redact" checked[chosen == Some("redact")];
                            label for=(redact) { "Remove “" (item.finding.text) "”" }
                        }
                        div class="radio" {
                            input type="radio" id=(keep) name={ "decision-" (key) } value="keep" checked[chosen == Some("keep")];
                            label for=(keep) { "Keep it" }
                        }
                    }
                    div class="field" {
                        @let reason = format!("reason-{key}");
                        label for=(reason) { "Reason for keeping it" }
                        input type="text" id=(reason) name=(reason) value=(item.decision.as_ref().and_then(|d| d.reason()).unwrap_or(""));
                    }
                }
            }
        }
    }
}

fn conversation_view(user: &StaffUser, v: &View<'_>, status: StatusCode) -> Response {
    let reader = v.reader;
    let path = href(&v.case.reference, reader.id);
    let Extra {
        typed,
        checked,
        errors,
        notice,
    } = &v.extra;
    let error = views::error_for(errors, "message");
    let body = html! {
        (views::error_summary(errors))
        p { a href={ "/cases/" (v.case.reference) } { "Back to case " (v.case.reference) } }
        h1 { "Messages with " (reader.name) }
        @if let Some(notice) = notice { div class="notification" role="status" { p { (notice) } } }
        @if reader.no_access {
            p class="warning-text" { "This family member cannot use FamilyStory at the moment (their access has ended or is paused), so they cannot see this conversation and nothing can be sent." }
        }
        p { "Only " (reader.name) " and the workers on this case can read this conversation. What you send is checked first, and recorded in the disclosure log." }
        @if v.messages.is_empty() { p { "No messages yet." } } @else {
            ol class="items" aria-label="Messages, oldest first" {
                @for m in v.messages {
                    (message_item(m, &reader.name, &v.case.reference))
                    @if m.state == "awaiting_approval" && user.staff.has(Role::Manager) && m.staff_id.as_deref() != Some(user.staff.id.as_str()) {
                        li { (views::post_button(user, &format!("{path}/{}/approve", m.id), "approve", "Approve and send", "button")) }
                    }
                }
            }
        }
        @if v.writable && !reader.no_access {
            form method="post" action=(path) enctype="multipart/form-data" novalidate {
                (views::csrf(user))
                div class={ "field" @if error.is_some() { " error" } } {
                    label for="message" { h2 { "Write to " (reader.name) } }
                    p class="hint" id="message-hint" { "Plain words. Up to 5,000 characters. Names of other people and private details are checked before it goes." }
                    @if let Some(error) = error { p class="error-message" id="message-error" { span class="visually-hidden" { "Error: " } (error) } }
                    textarea class="textarea" id="message" name="message" rows="6"
                        aria-describedby={ "message-hint" @if error.is_some() { " message-error" } } { (typed) }
                }
                @let files_error = views::error_for(errors, "files");
                div class={ "field" @if files_error.is_some() { " error" } } {
                    label for="files" { "Attach PDF documents (optional)" }
                    p class="hint" id="files-hint" { "PDF only, up to 5 files of 10 MB each. If the check stops the message, choose the files again." }
                    @if let Some(error) = files_error { p class="error-message" id="files-error" { span class="visually-hidden" { "Error: " } (error) } }
                    input type="file" id="files" name="files" multiple accept="application/pdf"
                        aria-describedby={ "files-hint" @if files_error.is_some() { " files-error" } };
                }
                @if let Some(checked) = checked { @if !checked.items.is_empty() { (findings_form(checked)) } }
                button class="button" type="submit" { "Check and send" }
            }
            h2 { "When nothing more is needed" }
            (views::post_button(user, &format!("{path}/done"), "done", "Mark as done", "secondary"))
            @if !v.workers.is_empty() {
                form method="post" action={ (path) "/hand-over" } {
                    (views::csrf(user))
                    div class="field" {
                        label for="to" { "Hand over to another worker on this case" }
                        select id="to" name="to" {
                            @for (id, name) in v.workers { option value=(id) { (name) } }
                        }
                    }
                    button class="secondary" type="submit" { "Hand over" }
                }
            }
        }
    };
    views::page_with_status(
        user,
        status,
        &format!("Messages with {}", reader.name),
        body,
    )
}

async fn show(
    state: &AppState,
    user: &StaffUser,
    (case, reader): (&Case, &Reader),
    writable: bool,
    extra: Extra<'_>,
) -> Result<Response> {
    let messages = super::conversation(&state.db, &reader.portal_id).await?;
    let workers: Vec<(String, String)> = inbox::workers_of_case(&state.db, case.id)
        .await?
        .into_iter()
        .filter(|(id, _)| *id != user.staff.id)
        .collect();
    let status = if extra.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(conversation_view(
        user,
        &View {
            case,
            reader,
            messages: &messages,
            writable,
            workers: &workers,
            extra,
        },
        status,
    ))
}

async fn conversation(
    State(state): State<AppState>,
    scope: CaseScope,
    Path(path): Path<PersonPath>,
) -> Result<Response> {
    let reader = reader_of(&state, &scope.case, &path.person).await?;
    let writable = may_write(&state, &scope.user, scope.access, &reader).await?;
    crate::governance::staff_access::record(
        &state.db,
        &scope.user.staff.id,
        scope.case.id,
        crate::governance::staff_access::Viewed::Messages,
    )
    .await;
    if writable {
        inbox::mark_read(&state.db, &scope.user.staff.id, &reader.portal_id, now()).await?;
        state.sync_wake.notify_one();
    }
    show(
        &state,
        &scope.user,
        (&scope.case, &reader),
        writable,
        Extra::default(),
    )
    .await
}

async fn reply(
    State(state): State<AppState>,
    scope: CaseScope,
    Path(path): Path<PersonPath>,
    PostedFiles {
        fields: form,
        uploads,
    }: PostedFiles,
) -> Result<Response> {
    let reader = reader_of(&state, &scope.case, &path.person).await?;
    if !may_write(&state, &scope.user, scope.access, &reader).await? {
        return Err(BridgeError::Forbidden);
    }
    let text = form.get("message");
    let checked = send::check(&state.db, &reader, text, Some(&form)).await?;
    let files = match uploads {
        Ok(uploads) => attachments::check_all_off_thread(uploads, Sender::Staff).await,
        Err(error) => Err(error),
    };
    let files = match files {
        Ok(files) => files,
        Err(error) => {
            let errors = [FieldError::new("files", error.to_string())];
            let extra = Extra {
                typed: text,
                checked: Some(&checked),
                errors: &errors,
                notice: None,
            };
            return show(&state, &scope.user, (&scope.case, &reader), true, extra).await;
        }
    };
    let needs_approval = state
        .publishing
        .approval_kinds
        .iter()
        .any(|k| k == "message");
    let out = Outgoing {
        reader: &reader,
        author_id: &scope.user.staff.id,
        author_name: &scope.user.staff.name,
        checked: &checked,
        needs_approval,
        files: &files,
    };
    match send::send(&state.db, &out, now()).await {
        Ok(_) => {
            // Answering is reading: what the answer is to no longer counts as unread.
            inbox::mark_read(&state.db, &scope.user.staff.id, &reader.portal_id, now()).await?;
            state.sync_wake.notify_one();
            let notice = if needs_approval {
                "Your message is waiting for a manager's approval. It has not been sent yet."
            } else {
                "Your message was sent."
            };
            let extra = Extra {
                notice: Some(notice),
                ..Extra::default()
            };
            show(&state, &scope.user, (&scope.case, &reader), true, extra).await
        }
        Err(SendOrDb::Refused(refusal)) => {
            let errors = [FieldError::new("message", refusal.to_string())];
            let extra = Extra {
                typed: text,
                checked: Some(&checked),
                errors: &errors,
                notice: None,
            };
            show(&state, &scope.user, (&scope.case, &reader), true, extra).await
        }
        Err(SendOrDb::Db(e)) => Err(e.into()),
    }
}

async fn done(
    State(state): State<AppState>,
    scope: CaseScope,
    Path(path): Path<PersonPath>,
    Posted(_): Posted,
) -> Result<Response> {
    let reader = reader_of(&state, &scope.case, &path.person).await?;
    if !may_write(&state, &scope.user, scope.access, &reader).await? {
        return Err(BridgeError::Forbidden);
    }
    inbox::mark_done(&state.db, &scope.user.staff.id, &reader.portal_id, now()).await?;
    Ok(Redirect::to("/messages").into_response())
}

async fn hand_over(
    State(state): State<AppState>,
    scope: CaseScope,
    Path(path): Path<PersonPath>,
    Posted(form): Posted,
) -> Result<Response> {
    let reader = reader_of(&state, &scope.case, &path.person).await?;
    if !may_write(&state, &scope.user, scope.access, &reader).await? {
        return Err(BridgeError::Forbidden);
    }
    if !inbox::hand_over(
        &state.db,
        scope.case.id,
        &reader.portal_id,
        form.get("to"),
        now(),
    )
    .await?
    {
        let errors = [FieldError::new(
            "to",
            "Choose a worker on this case to hand over to",
        )];
        let extra = Extra {
            errors: &errors,
            ..Extra::default()
        };
        return show(&state, &scope.user, (&scope.case, &reader), true, extra).await;
    }
    Ok(Redirect::to("/messages").into_response())
}

async fn approve(
    State(state): State<AppState>,
    scope: CaseScope,
    Path(path): Path<MessagePath>,
    Posted(_): Posted,
) -> Result<Response> {
    if !scope.user.staff.has(Role::Manager) {
        return Err(BridgeError::Forbidden);
    }
    let reader = reader_of(&state, &scope.case, &path.person).await?;
    let id: uuid::Uuid = path.id.parse().map_err(|_| BridgeError::NotFound)?;
    let in_conversation = super::conversation(&state.db, &reader.portal_id)
        .await?
        .iter()
        .any(|m| m.id == id);
    if !in_conversation || !send::approve(&state.db, id, &scope.user.staff.id, now()).await? {
        return Err(BridgeError::NotFound);
    }
    state.sync_wake.notify_one();
    Ok(Redirect::to(&href(&scope.case.reference, reader.id)).into_response())
}
