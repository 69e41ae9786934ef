//! The portal's public pages. Every page uses the shared chrome, with the
//! quick exit.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use content::web::{Chrome, NavLink, QuickExit};
use maud::{html, Markup, PreEscaped};

use crate::error::{PortalError, Result};
use crate::AppState;

/// Where "Exit this page" ends up: an everyday site that says nothing about
/// social care if someone looks over a shoulder.
pub const QUICK_EXIT_URL: &str = "https://www.bbc.co.uk/weather";

/// "Exit this page" goes through the portal first (`sign_in::quick_exit`), so
/// that leaving also signs out and Back cannot bring the pages back.
pub static CHROME: Chrome = Chrome {
    service_name: "FamilyStory",
    home_href: "/",
    quick_exit: Some(QuickExit {
        through: "/exit",
        to: QUICK_EXIT_URL,
    }),
};

/// "I don't feel safe" is in every page's header, signed in or not: calm,
/// always in the same place.
const NAV: &[NavLink<'static>] = &[
    NavLink {
        href: "/messages",
        label: "Messages",
    },
    NavLink {
        href: "/help",
        label: "Help",
    },
    NavLink {
        href: "/safe",
        label: "I don't feel safe",
    },
];

pub fn router(state: &AppState) -> Router<AppState> {
    use crate::messages::pages as messages;
    use crate::voice::{pages as voice, safe};
    use crate::{account, activation, sign_in, story};
    let (burst, replenish) = state.rate_limit;
    // Every endpoint that checks a code, an invitation or a passkey, or sends an email.
    let limited = Router::new()
        .route("/start", post(activation::submit))
        .route("/sign-in/email", post(sign_in::send_code))
        .route("/sign-in/code", post(sign_in::enter_code))
        .route("/sign-in/link", post(sign_in::use_link))
        .route("/sign-in/passkey/start", post(sign_in::passkey_start))
        .route("/sign-in/passkey/finish", post(sign_in::passkey_finish))
        .route("/account/email", post(account::add_email))
        .route("/account/email/confirm", post(account::confirm_email))
        .route_layer(content::guard::rate_limit(
            state.proxies.clone(),
            replenish,
            burst,
            &CHROME,
        ));
    Router::new()
        .route("/", get(start))
        .route("/start", get(activation::show))
        .route("/sign-in", get(sign_in::show))
        .route("/sign-in/link", get(sign_in::show_link))
        .route("/sign-out", post(sign_in::sign_out))
        .route("/sign-out-everywhere", post(sign_in::sign_out_everywhere))
        .route("/signed-out", get(sign_in::signed_out))
        .route("/paused", get(sign_in::paused))
        .route("/exit", get(sign_in::quick_exit).post(sign_in::quick_exit))
        .route("/home", get(story::home))
        .route("/items/{id}", get(story::item))
        .route(
            "/items/{id}/views",
            get(voice::views_form).post(voice::views_submit),
        )
        .route(
            "/items/{id}/respond",
            get(voice::respond_form).post(voice::respond_submit),
        )
        .route(
            "/items/{id}/correction",
            get(voice::correction_form).post(voice::correction_submit),
        )
        .route(
            "/feedback",
            get(voice::feedback_form).post(voice::feedback_submit),
        )
        .route("/contributions", get(voice::list))
        .route("/contributions/{id}", get(voice::show_one))
        .route("/contributions/{id}/send", post(voice::send))
        .route("/safe", get(safe::show).post(safe::submit))
        .route(
            "/messages",
            get(messages::show)
                .post(messages::send)
                .layer(axum::extract::DefaultBodyLimit::max(
                    content::attachments::BODY_LIMIT,
                )),
        )
        .route("/account/message-emails", post(messages::set_emails))
        .route("/account", get(account::show))
        .route("/account/setup", get(account::setup))
        .route("/account/passkeys/start", post(account::passkey_start))
        .route("/account/passkeys/finish", post(account::passkey_finish))
        .route(
            "/account/passkeys/{id}/rename",
            post(account::rename_passkey),
        )
        .route(
            "/account/passkeys/{id}/remove",
            post(account::remove_passkey),
        )
        .route("/help", get(help_index))
        .route("/help/{slug}", get(help_page))
        .route("/accessibility", get(accessibility))
        .route("/privacy", get(privacy))
        .merge(limited)
}

pub fn page(title: &str, main: Markup) -> Response {
    CHROME.page(title, NAV, main).into_response()
}

/// A form that failed its CSRF or origin check: nothing was changed.
pub fn forbidden() -> Response {
    CHROME.status_page(
        StatusCode::FORBIDDEN,
        "That did not work",
        "Nothing was changed. For your safety we only accept a form from a page you opened on FamilyStory just now, and this one may have been open a long time, or come from somewhere else. Go back, reload the page and try again. If it keeps happening, sign out, sign in again and try once more.",
    )
}

/// Markdown from our own files, through the same safe renderer as everything else.
fn rendered(markdown: &str) -> Markup {
    PreEscaped(content::render::markdown_to_safe_html(markdown))
}

async fn start(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    // Someone already signed in goes straight to their things.
    if let Ok(Some(_)) = state
        .sessions
        .load(&state.db, &headers, content::db::now())
        .await
    {
        return Redirect::to("/home").into_response();
    }
    page(
        "Welcome",
        html! {
            h1 { "FamilyStory" }
            p class="lede" { "See your plan, who your worker is and when your meetings are. Tell your worker what you think." }
            p { a class="button" href="/sign-in" { "Sign in" } }
            h2 { "New to FamilyStory?" }
            p { "Your worker gives you a code to start. It comes on a letter, in an email or from your worker in person." }
            p { a href="/start" { "Start with your code" } }
            h2 { "Need help now?" }
            p { "If you are in danger now, call " strong { "999" } "." }
            p { "You can talk to Childline about anything. Call " strong { "0800 1111" } ". It is free." }
            p { a href="/help" { "Find out more about what happens and your rights" } }
        },
    )
}

async fn help_index() -> Response {
    let explainers = content::explainers::all();
    page(
        "Help",
        html! {
            h1 { "Help" }
            h2 { "For children and young people" }
            ul {
                @for e in explainers.iter().filter(|e| e.audience == content::explainers::Audience::Children) {
                    li { a href={ "/help/" (e.slug) } { (e.title) } }
                }
            }
            h2 { "For parents and carers" }
            ul {
                @for e in explainers.iter().filter(|e| e.audience == content::explainers::Audience::Parents) {
                    li { a href={ "/help/" (e.slug) } { (e.title) } }
                }
            }
        },
    )
}

async fn help_page(Path(slug): Path<String>) -> Result<Response> {
    let explainer = content::explainers::by_slug(&slug).ok_or(PortalError::NotFound)?;
    Ok(page(
        &explainer.title,
        html! {
            (rendered(explainer.markdown))
            p { a href="/help" { "Back to help" } }
        },
    ))
}

async fn accessibility() -> Response {
    page(
        "Accessibility statement",
        rendered(content::web::ACCESSIBILITY_STATEMENT),
    )
}

async fn privacy() -> Response {
    page("Privacy notice", rendered(content::web::PRIVACY_NOTICE))
}

pub async fn not_found() -> Response {
    CHROME.not_found()
}
