//! One address per service. A page opened at another host name (the demo's
//! `http://127.0.0.1:8080` for its `http://localhost:8080`) is sent to the
//! public URL, because passkeys, `__Host-` cookies and the Origin check all
//! work for that name only: a form sent from the other would be refused.
//! Only GET and HEAD are redirected; anything else is left to the Origin
//! check, which refuses it without changing anything.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect};
use axum::Router;

/// The `host[:port]` of a public URL, lower-case, as browsers send it.
pub fn host_of(public_url: &str) -> Option<String> {
    let url = url::Url::parse(public_url).ok()?;
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Where a request for `asked` should go instead, if anywhere.
pub fn redirect_for(
    method: &Method,
    asked: Option<&str>,
    public_host: &str,
    public_url: &str,
    path_and_query: &str,
) -> Option<String> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let asked = asked?.trim().to_ascii_lowercase();
    (asked != public_host).then(|| format!("{public_url}{path_and_query}"))
}

/// Redirects GET and HEAD requests for any other host to the public URL.
/// Behind a reverse proxy, the proxy must pass the Host header through, or
/// set `X-Forwarded-Host` to it.
pub fn only<S: Clone + Send + Sync + 'static>(router: Router<S>, public_url: &str) -> Router<S> {
    let Some(public_host) = host_of(public_url) else {
        return router;
    };
    let public_host: Arc<str> = public_host.into();
    let public_url: Arc<str> = public_url.trim_end_matches('/').into();
    router.layer(middleware::from_fn(move |request: Request, next: Next| {
        let public_host = public_host.clone();
        let public_url = public_url.clone();
        async move {
            let headers = request.headers();
            let asked = headers
                .get("x-forwarded-host")
                .or_else(|| headers.get(header::HOST))
                .and_then(|h| h.to_str().ok());
            let path = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            match redirect_for(request.method(), asked, &public_host, &public_url, path) {
                Some(to) => Redirect::temporary(&to).into_response(),
                None => next.run(request).await,
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_host_name_is_sent_to_the_public_url() {
        let public = "http://localhost:8080";
        let host = host_of(public).unwrap();
        assert_eq!(host, "localhost:8080");
        assert_eq!(
            redirect_for(
                &Method::GET,
                Some("127.0.0.1:8080"),
                &host,
                public,
                "/start?code=AB"
            ),
            Some("http://localhost:8080/start?code=AB".into())
        );
        assert_eq!(
            redirect_for(&Method::GET, Some("LOCALHOST:8080"), &host, public, "/"),
            None
        );
        assert_eq!(
            redirect_for(
                &Method::POST,
                Some("127.0.0.1:8080"),
                &host,
                public,
                "/start"
            ),
            None,
            "a form is left to the Origin check"
        );
        assert_eq!(redirect_for(&Method::GET, None, &host, public, "/"), None);
        assert_eq!(
            host_of("https://familystory.council.example/").as_deref(),
            Some("familystory.council.example")
        );
    }
}
