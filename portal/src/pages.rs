//! The portal's public pages. Every page uses the shared chrome, with the
//! quick exit.

use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use content::web::{Chrome, NavLink};
use maud::{html, Markup, PreEscaped};

use crate::error::{PortalError, Result};
use crate::AppState;

/// Where "Exit this page" goes: an everyday site that says nothing about
/// social care if someone looks over a shoulder.
pub const QUICK_EXIT_URL: &str = "https://www.bbc.co.uk/weather";

pub static CHROME: Chrome = Chrome {
    service_name: "FamilyStory",
    home_href: "/",
    quick_exit: Some(QUICK_EXIT_URL),
};

const NAV: &[NavLink<'static>] = &[NavLink {
    href: "/help",
    label: "Help",
}];

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(start))
        .route("/help", get(help_index))
        .route("/help/{slug}", get(help_page))
        .route("/accessibility", get(accessibility))
        .route("/privacy", get(privacy))
}

fn page(title: &str, main: Markup) -> Response {
    CHROME.page(title, NAV, main).into_response()
}

/// Markdown from our own files, through the same safe renderer as everything else.
fn rendered(markdown: &str) -> Markup {
    PreEscaped(content::render::markdown_to_safe_html(markdown))
}

async fn start() -> Response {
    page(
        "Welcome",
        html! {
            h1 { "FamilyStory" }
            p class="lede" { "See your plan, who your worker is and when your meetings are. Tell your worker what you think." }
            h2 { "How to start" }
            p { "Your worker gives you a code to start. It comes on a letter, in an email or from your worker in person." }
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
