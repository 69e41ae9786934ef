//! "I don't feel safe": where to get help now, first; then, for someone
//! signed in, a short message that goes to the duty team marked urgent.
//! Signed out, the page still gives the numbers, and sends nothing.
//!
//! It is sent straight away, without a check-your-answers page: a child who
//! has found the courage to press the button should not meet a second one.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use content::db::now;
use content::forms::{self, FieldError, Fields};
use maud::{html, Markup};

use super::{questions, Answers, Audience, Kind};
use crate::error::Result;
use crate::family::Family;
use crate::pages::{forbidden, page};
use crate::AppState;

/// What the page says first, to everyone. Short words and sentences: it is
/// checked against the reading age of an 8-year-old.
pub const HELP_NOW: &[&str] = &[
    "If you are in danger now, call 999.",
    "You can call Childline on 0800 1111. It is free. You can call at any time, day or night.",
];

pub const TELL_DUTY: &str = "You can also tell the duty team now. They will see your message first. Someone will look at it as soon as they can.";

fn help_now() -> Markup {
    html! {
        div class="panel" {
            @for line in HELP_NOW { p { strong { (line) } } }
        }
    }
}

fn safe_page(family: Option<&Family>, typed: &str, errors: &[FieldError]) -> Response {
    let body = html! {
        (forms::error_summary(errors))
        h1 { "I don't feel safe" }
        (help_now())
        @if let Some(family) = family {
            h2 { "Tell the duty team now" }
            p { (TELL_DUTY) }
            form method="post" action="/safe" aria-label="Tell the duty team now" {
                (forms::csrf(&family.session.csrf))
                @for q in questions::unsafe_message() {
                    @let mut answers = Answers::new();
                    @let _ = answers.insert(q.key.clone(), typed.to_string());
                    (super::fields::field(&q, &answers, errors))
                }
                button class="button" type="submit" { "Tell the duty team now" }
            }
        } @else {
            p { "If you use FamilyStory, you can sign in to send a message to the duty team." }
            p { a href="/sign-in" { "Sign in" } }
        }
    };
    let status = if errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::BAD_REQUEST
    };
    (
        status,
        page(&forms::title("I don't feel safe", errors), body),
    )
        .into_response()
}

pub async fn show(family: std::result::Result<Family, Response>) -> Response {
    safe_page(family.as_ref().ok(), "", &[])
}

pub async fn submit(
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
    let asked = questions::unsafe_message();
    let (answers, errors) = questions::read(&asked, &form);
    if !errors.is_empty() {
        let typed = answers.get("message").cloned().unwrap_or_default();
        return Ok(safe_page(Some(&family), &typed, &errors));
    }
    let now = now();
    let id = super::save(
        &state.db,
        &state.sealer,
        family.person.id,
        &super::Writing {
            kind: Kind::Unsafe,
            about: None,
            audience: Audience::Worker,
            answers: &answers,
        },
        now,
    )
    .await?;
    let Some(c) = super::find_own(&state.db, &state.sealer, family.person.id, id).await? else {
        return Err(crate::error::PortalError::NotFound);
    };
    super::send(
        &state.db,
        &state.sealer,
        family.person.id,
        &c,
        &questions::body(&asked, &answers),
        now,
    )
    .await?;
    Ok(page(
        "Your message has gone to the duty team",
        html! {
            div class="notification" role="status" {
                h1 { "Your message has gone to the duty team" }
                p { "Someone will look at it as soon as they can." }
            }
            (help_now())
            p { a href="/home" { "Back to my story" } }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eight_year_old_can_read_the_safe_page() {
        let text = format!(
            "{} {} I don't feel safe. Tell the duty team now.",
            HELP_NOW.join(" "),
            TELL_DUTY
        );
        let age = content::reading::reading_age(&text);
        assert!(age <= 8.0, "reading age {age}");
    }
}
