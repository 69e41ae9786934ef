//! The page chrome and HTTP hardening both services share: the base layout,
//! the stylesheet, the quick-exit script, security headers, friendly error
//! pages and `/healthz`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use tower_http::set_header::SetResponseHeaderLayer;

pub const STYLESHEET: &str = include_str!("../static/site.css");
pub const QUICK_EXIT_JS: &str = include_str!("../static/exit.js");
pub const PASSKEY_JS: &str = include_str!("../static/passkey.js");
pub const AUTOSAVE_JS: &str = include_str!("../static/autosave.js");
pub const MESSAGES_JS: &str = include_str!("../static/messages.js");
pub const ACCESSIBILITY_STATEMENT: &str = include_str!("../../accessibility/statement.md");
pub const PRIVACY_NOTICE: &str = include_str!("../../docs/privacy-notice.md");

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// What differs between the portal's pages and the bridge's.
#[derive(Clone, Debug)]
pub struct Chrome {
    pub service_name: &'static str,
    pub home_href: &'static str,
    /// "Exit this page"; None on staff pages.
    pub quick_exit: Option<QuickExit>,
}

/// Where "Exit this page" goes: `through` a page of the service that signs
/// out and sends the browser `to` a neutral site. The script signs out in
/// the background and goes straight to `to`, which is quicker; without
/// JavaScript the link does both through `through`.
#[derive(Clone, Copy, Debug)]
pub struct QuickExit {
    pub through: &'static str,
    pub to: &'static str,
}

/// A link in the header.
pub struct NavLink<'a> {
    pub href: &'a str,
    pub label: &'a str,
}

impl Chrome {
    /// The whole page around `main`: one `h1` is the caller's job.
    pub fn page(&self, title: &str, nav: &[NavLink<'_>], main: Markup) -> Markup {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    meta name="referrer" content="same-origin";
                    title { (title) " – " (self.service_name) }
                    link rel="stylesheet" href="/static/site.css";
                    @if self.quick_exit.is_some() {
                        script src="/static/exit.js" defer {}
                    }
                }
                body {
                    // The skip link inside the banner landmark, so that no
                    // content stands outside a landmark (IBM Equal Access's
                    // aria_content_in_landmark); still the first tab stop.
                    header class="top" {
                        a class="skip" href="#main" { "Skip to main content" }
                        a class="name" href=(self.home_href) { (self.service_name) }
                        @if !nav.is_empty() {
                            nav aria-label="Main" {
                                ul { @for link in nav { li { a href=(link.href) { (link.label) } } } }
                            }
                        }
                        @if let Some(exit) = self.quick_exit {
                            a class="exit" href=(exit.through) rel="noreferrer" data-quick-exit data-to=(exit.to) {
                                "Exit this page"
                                span class="visually-hidden" { " (or press Shift three times)" }
                            }
                        }
                    }
                    main id="main" tabindex="-1" { (main) }
                    footer class="foot" {
                        ul {
                            li { a href="/accessibility" { "Accessibility statement" } }
                            li { a href="/privacy" { "Privacy notice" } }
                        }
                    }
                }
            }
        }
    }

    /// A page for a status that is not 200, which says nothing about why
    /// beyond what the person can do next.
    pub fn status_page(&self, status: StatusCode, title: &str, message: &str) -> Response {
        let body = self.page(
            title,
            &[],
            html! {
                h1 { (title) }
                p class="lede" { (message) }
                p { a href=(self.home_href) { "Go to the start page" } }
            },
        );
        (status, body).into_response()
    }

    pub fn not_found(&self) -> Response {
        self.status_page(
            StatusCode::NOT_FOUND,
            "Page not found",
            "We could not find that page. If you typed the address, check it is right.",
        )
    }

    pub fn server_error(&self) -> Response {
        self.status_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sorry, something went wrong",
            "Nothing you did caused this. Please try again in a few minutes.",
        )
    }
}

/// Routes every service serves the same way: the stylesheet, the quick-exit
/// script and `/healthz`.
pub fn common_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/static/site.css",
            get(|| async { static_asset("text/css; charset=utf-8", STYLESHEET) }),
        )
        .route(
            "/static/exit.js",
            get(|| async { static_asset("text/javascript; charset=utf-8", QUICK_EXIT_JS) }),
        )
        .route(
            "/static/passkey.js",
            get(|| async { static_asset("text/javascript; charset=utf-8", PASSKEY_JS) }),
        )
        .route(
            "/static/autosave.js",
            get(|| async { static_asset("text/javascript; charset=utf-8", AUTOSAVE_JS) }),
        )
        .route(
            "/static/messages.js",
            get(|| async { static_asset("text/javascript; charset=utf-8", MESSAGES_JS) }),
        )
        .route("/healthz", get(|| async { "ok" }))
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    // Not personal, and the same for everyone: worth caching on a poor connection.
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Security headers on every response. `Cache-Control: no-store` is the
/// default, so nothing personal lingers on a shared phone; the few static
/// assets opt out above.
pub fn harden<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        // A handler may set a stricter policy of its own: downloads are
        // sandboxed (`attachments::DOWNLOAD_CSP`).
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            // Not no-referrer: with it, browsers send `Origin: null` on
            // same-origin form posts and fetches, and the Origin check refuses
            // every form. same-origin still sends nothing to other sites.
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static(
                "camera=(), microphone=(), geolocation=(), interest-cohort=()",
            ),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

/// `harden`, and when the service's public address is HTTPS,
/// `Strict-Transport-Security` too, so a browser that has been here once
/// never again tries plain HTTP (where a network could strip the TLS). Over
/// plain HTTP (the demo, tests on loopback) browsers ignore it, so it is left off.
pub fn harden_for<S: Clone + Send + Sync + 'static>(
    public_url: &str,
    router: Router<S>,
) -> Router<S> {
    let router = harden(router);
    if public_url.starts_with("https://") {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(STRICT_TRANSPORT_SECURITY),
        ))
    } else {
        router
    }
}

/// Two years: long enough for browsers' preload rules, and a council's
/// services do not go back to plain HTTP.
pub const STRICT_TRANSPORT_SECURITY: &str = "max-age=63072000";

/// Request logging at `info`: one line a request with the method, the path
/// as `path` gives it (never the query, which may carry a code or token; a
/// service whose paths hold a token cuts them short), the status and the
/// time taken.
pub fn trace_layer(
    path: fn(&str) -> &str,
) -> tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    impl Fn(&axum::http::Request<axum::body::Body>) -> tracing::Span + Clone,
> {
    tower_http::trace::TraceLayer::new_for_http()
        .make_span_with(move |request: &axum::http::Request<axum::body::Body>| {
            tracing::debug_span!("request", method = %request.method(), path = %path(request.uri().path()))
        })
        // Request lines at debug, so a console at info shows start-up, what
        // the sync moved and errors (5xx are still logged as failures).
        .on_request(tower_http::trace::DefaultOnRequest::new().level(tracing::Level::DEBUG))
        .on_response(tower_http::trace::DefaultOnResponse::new().level(tracing::Level::DEBUG))
}

/// For `trace_layer`: a path with nothing secret in it, logged as it is.
pub fn whole_path(path: &str) -> &str {
    path
}
