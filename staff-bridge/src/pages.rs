//! The staff bridge's pages.

use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use content::web::Chrome;
use maud::{html, Markup, PreEscaped};

use crate::AppState;

pub static CHROME: Chrome = Chrome {
    service_name: "FamilyStory staff",
    home_href: "/",
    quick_exit: None,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(start))
        .route("/accessibility", get(accessibility))
        .route("/privacy", get(privacy))
}

fn page(title: &str, main: Markup) -> Response {
    CHROME.page(title, &[], main).into_response()
}

fn rendered(markdown: &str) -> Markup {
    PreEscaped(content::render::markdown_to_safe_html(markdown))
}

async fn start() -> Response {
    page(
        "Staff start page",
        html! {
            h1 { "FamilyStory for staff" }
            p class="lede" { "Decide what your families see: write child-friendly versions, check them, approve them and keep a record of every disclosure." }
            p { "This service is for council staff only. Every sign-in and every disclosure is recorded." }
        },
    )
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
