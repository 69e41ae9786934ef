//! The conversation page: the messages, oldest first and newest at the
//! bottom, each saying who wrote it and when, then a box to write in. Works
//! without JavaScript; the page is never cached, so coming back to it
//! always shows the list as it is now.

use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use content::attachments::{self, Sender};
use content::db::now;
use content::forms::{self, FieldError, Fields};
use maud::{html, Markup};

use super::{Message, MAX_CHARS};
use crate::error::Result;
use crate::family::Family;
use crate::pages::{forbidden, page};
use crate::AppState;

const TITLE: &str = "Messages";

fn message_item(m: &Message) -> Markup {
    html! {
        li class={ "message " @if m.from_family { "mine" } @else { "theirs" } } {
            p class="who" {
                strong { @if m.from_family { "You" } @else { (m.author.as_deref().unwrap_or("Your worker")) } }
                " "
                span class="when" { (content::when::sent(m.sent_at)) }
            }
            div class="text" { (forms::typed_text(&m.text)) }
            @if !m.attachments.is_empty() {
                ul class="files" aria-label="Files sent with this message" {
                    @for f in &m.attachments {
                        li { a href={ "/messages/attachments/" (f.id) } download { (f.file_name) } " (" (size(f.size)) ")" }
                    }
                }
            }
            @if m.from_family {
                p class="status" {
                    @if m.read_at.is_some() { "Read by your worker" } @else { "Sent" }
                }
            }
        }
    }
}

/// What the conversation page shows besides the messages.
struct Shown<'a> {
    typed: &'a str,
    errors: &'a [FieldError],
    sent: bool,
}

/// A file's size as people read it.
fn size(bytes: i64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", (bytes / 1024).max(1))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

fn conversation_page(
    family: &Family,
    messages: &[Message],
    shown: Shown<'_>,
    status: StatusCode,
) -> Response {
    let Shown {
        typed,
        errors,
        sent,
    } = shown;
    let error = forms::error_for(errors, "message");
    let files_error = forms::error_for(errors, "files");
    let body = html! {
        (forms::error_summary(errors))
        @if sent {
            div class="notification" role="status" { p { "Your message was sent. Your worker will see it soon." } }
        }
        h1 { (TITLE) }
        p class="lede" { "Messages between you and your worker. Only you and the workers on your case can read them." }
        div data-conversation {
            @if messages.is_empty() {
                p { "There are no messages yet. You can write to your worker below." }
            } @else {
                ol class="messages" aria-label="Your messages, oldest first" {
                    @for m in messages { (message_item(m)) }
                }
            }
        }
        form method="post" action="/messages" enctype="multipart/form-data" aria-label="Write a message" novalidate {
            (forms::csrf(&family.session.csrf))
            div class={ "field" @if error.is_some() { " error" } } {
                label for="message" { "Write a message" }
                p class="hint" id="message-hint" {
                    "Up to " (MAX_CHARS) " characters. Your worker will usually reply within 2 working days. If you are in danger now, call 999."
                }
                @if let Some(error) = error {
                    p class="error-message" id="message-error" { span class="visually-hidden" { "Error: " } (error) }
                }
                textarea class="textarea" id="message" name="message" rows="5"
                    aria-describedby={ "message-hint" @if error.is_some() { " message-error" } }
                    aria-invalid=[error.map(|_| "true")] { (typed) }
            }
            div class={ "field" @if files_error.is_some() { " error" } } {
                label for="files" { "Add photos or documents (if you want to)" }
                p class="hint" id="files-hint" { "Photos (JPEG or PNG) or PDF documents. Up to 5 files, 10 MB each. We remove where a photo was taken before anyone sees it." }
                @if let Some(error) = files_error {
                    p class="error-message" id="files-error" { span class="visually-hidden" { "Error: " } (error) }
                }
                input type="file" id="files" name="files" multiple accept="image/jpeg,image/png,application/pdf"
                    aria-describedby={ "files-hint" @if files_error.is_some() { " files-error" } }
                    aria-invalid=[files_error.map(|_| "true")];
            }
            button class="button" type="submit" { "Send" }
        }
        p { a href="/home" { "Back to My story" } }
        script src="/static/messages.js" defer {}
    };
    (status, page(&forms::title(TITLE, errors), body)).into_response()
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    #[serde(default)]
    sent: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    family: Family,
    Query(query): Query<ShowQuery>,
) -> Result<Response> {
    let messages = super::conversation(&state.db, &state.sealer, family.person.id).await?;
    super::seen(&state.db, family.person.id, &messages, now()).await?;
    let shown = Shown {
        typed: "",
        errors: &[],
        sent: query.sent.is_some(),
    };
    Ok(conversation_page(&family, &messages, shown, StatusCode::OK))
}

/// Sends a message, with any files (a multipart form: read as it streams
/// in, each file refused as soon as it passes the limit).
pub async fn send(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    request: Request,
) -> Result<Response> {
    let person = family.person.id;
    let (fields, uploads, refused) = match attachments::read_form(request).await {
        Ok(form) => (form.fields, form.uploads, None),
        Err(refused) => (refused.fields, Vec::new(), Some(refused.error)),
    };
    if content::session::check_csrf(
        &headers,
        &state.origin,
        &family.session.csrf,
        fields.get("csrf"),
    )
    .is_err()
    {
        return Ok(forbidden());
    }
    let text = fields.get("message");
    let files = match refused {
        Some(error) => Err(error),
        None => attachments::check_all_off_thread(uploads, Sender::Family).await,
    };
    let outcome = match files {
        Ok(files) => super::send(&state.db, &state.sealer, person, text, &files, now())
            .await?
            .map_err(|refusal| {
                let status = match refusal {
                    super::Refusal::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, FieldError::new("message", refusal.message()))
            }),
        Err(error) => Err((
            StatusCode::BAD_REQUEST,
            FieldError::new("files", error.to_string()),
        )),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to("/messages?sent=1").into_response()),
        Err((status, error)) => {
            let messages = super::conversation(&state.db, &state.sealer, person).await?;
            let errors = [error];
            let shown = Shown {
                typed: text,
                errors: &errors,
                sent: false,
            };
            Ok(conversation_page(&family, &messages, shown, status))
        }
    }
}

/// Turns "You have a new message" emails on or off.
pub async fn set_emails(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    form: Fields,
) -> Result<Response> {
    if content::session::check_csrf(
        &headers,
        &state.origin,
        &family.session.csrf,
        form.get("csrf"),
    )
    .is_err()
    {
        return Ok(forbidden());
    }
    let on = form.get("emails") == "on";
    super::notify::set_emails(&state.db, family.person.id, on).await?;
    Ok(Redirect::to("/account").into_response())
}

/// The account page's part about message emails.
pub fn email_setting(family: &Family, on: bool) -> Markup {
    html! {
        h2 id="message-emails" { "Emails about new messages" }
        @if family.person.email.is_none() {
            p { "Add an email address above if you want an email when your worker sends you a message." }
        } @else {
            p {
                @if on { "We send you an email when your worker sends you a message. It only says you have a new message: it never says who it is from or what it says." }
                @else { "We do not send you emails about new messages." }
            }
            form method="post" action="/account/message-emails" aria-label="Emails about new messages" {
                (forms::csrf(&family.session.csrf))
                input type="hidden" name="emails" value=(if on { "off" } else { "on" });
                button type="submit" class="secondary" {
                    @if on { "Turn off emails about new messages" } @else { "Turn on emails about new messages" }
                }
            }
        }
    }
}
