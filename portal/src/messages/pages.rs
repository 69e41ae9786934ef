//! The conversation page: the messages, oldest first and newest at the
//! bottom, each saying who wrote it and when, then a box to write in. Works
//! without JavaScript; the page is never cached, so coming back to it
//! always shows the list as it is now.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
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
            @if m.from_family {
                p class="status" {
                    @if m.read_at.is_some() { "Read by your worker" } @else { "Sent" }
                }
            }
        }
    }
}

fn conversation_page(
    family: &Family,
    messages: &[Message],
    typed: &str,
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let error = forms::error_for(errors, "message");
    let body = html! {
        (forms::error_summary(errors))
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
        form method="post" action="/messages" aria-label="Write a message" novalidate {
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
            button class="button" type="submit" { "Send" }
        }
        p { a href="/home" { "Back to My story" } }
        script src="/static/messages.js" defer {}
    };
    (status, page(&forms::title(TITLE, errors), body)).into_response()
}

pub async fn show(State(state): State<AppState>, family: Family) -> Result<Response> {
    let messages = super::conversation(&state.db, &state.sealer, family.person.id).await?;
    super::seen(&state.db, family.person.id, &messages, now()).await?;
    Ok(conversation_page(
        &family,
        &messages,
        "",
        &[],
        StatusCode::OK,
    ))
}

pub async fn send(
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
    let text = form.get("message");
    let person = family.person.id;
    match super::send(&state.db, &state.sealer, person, text, &[], now()).await? {
        Ok(_) => Ok(Redirect::to("/messages#message").into_response()),
        Err(refusal) => {
            let status = match refusal {
                super::Refusal::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::BAD_REQUEST,
            };
            let messages = super::conversation(&state.db, &state.sealer, person).await?;
            Ok(conversation_page(
                &family,
                &messages,
                text,
                &[FieldError::new("message", refusal.message())],
                status,
            ))
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
    Ok(Redirect::to("/account#message-emails").into_response())
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
