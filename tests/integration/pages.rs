//! Every page of both services: the shared layout, the security headers, the
//! quick exit on the portal, and friendly errors that leak nothing.

use crate::common;
use test_support::{backend_tests, Backend};

use common::{backends, Services};

struct Fetched {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn fetch(s: &Services, url: String) -> Fetched {
    let response = s.http.get(url).send().await.unwrap();
    Fetched {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await.unwrap(),
    }
}

fn header<'a>(page: &'a Fetched, name: &str) -> &'a str {
    page.headers
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or_else(|| panic!("no {name} header"))
}

fn assert_hardened(page: &Fetched, what: &str) {
    let csp = header(page, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert_eq!(header(page, "x-content-type-options"), "nosniff", "{what}");
    assert_eq!(header(page, "referrer-policy"), "same-origin", "{what}");
}

fn assert_page_shape(page: &Fetched, what: &str, portal: bool) {
    let body = &page.body;
    assert_hardened(page, what);
    assert_eq!(header(page, "cache-control"), "no-store", "{what}");
    assert!(
        body.starts_with("<!DOCTYPE html><html lang=\"en\">"),
        "{what}"
    );
    assert!(body.contains("name=\"viewport\""), "{what}");
    assert_eq!(body.matches("<h1").count(), 1, "{what}: one h1");
    assert!(body.contains("href=\"#main\""), "{what}: skip link");
    assert!(body.contains("<main id=\"main\""), "{what}: main landmark");
    assert!(
        body.contains("href=\"/accessibility\"") && body.contains("href=\"/privacy\""),
        "{what}: footer"
    );
    assert_eq!(
        body.contains("data-quick-exit"),
        portal,
        "{what}: quick exit on the portal only"
    );
}

#[tokio::test]
async fn every_page_has_the_layout_and_the_headers() {
    let backend = backends()[0];
    let s = Services::start(backend).await;
    for path in ["/", "/help", "/accessibility", "/privacy"] {
        let page = fetch(&s, format!("{}{path}", s.portal_url)).await;
        assert_eq!(page.status, 200, "portal {path}");
        assert_page_shape(&page, &format!("portal {path}"), true);
    }
    let help = fetch(&s, format!("{}/help", s.portal_url)).await;
    let explainer_links: Vec<&str> = help
        .body
        .split("href=\"/help/")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect();
    assert!(
        explainer_links.len() >= 8,
        "help lists the explainers: {explainer_links:?}"
    );
    for slug in explainer_links {
        let page = fetch(&s, format!("{}/help/{slug}", s.portal_url)).await;
        assert_eq!(page.status, 200, "explainer {slug}");
        assert_page_shape(&page, &format!("explainer {slug}"), true);
    }
    for path in ["/", "/accessibility", "/privacy"] {
        let page = fetch(&s, format!("{}{path}", s.bridge_url)).await;
        assert_eq!(page.status, 200, "bridge {path}");
        assert_page_shape(&page, &format!("bridge {path}"), false);
    }
    s.finish().await;
}

#[tokio::test]
async fn unknown_pages_are_friendly_and_echo_nothing() {
    let s = Services::start(backends()[0]).await;
    for base in [&s.portal_url, &s.bridge_url] {
        let page = fetch(&s, format!("{base}/case/secret-probe-12345")).await;
        assert_eq!(page.status, 404);
        assert!(page.body.contains("Page not found"));
        assert!(
            !page.body.contains("secret-probe-12345"),
            "the 404 does not echo the address"
        );
        assert_page_shape(&page, "404", base == &s.portal_url);
    }
    let missing = fetch(&s, format!("{}/help/no-such-explainer", s.portal_url)).await;
    assert_eq!(missing.status, 404);
    s.finish().await;
}

#[tokio::test]
async fn health_and_static_assets() {
    let s = Services::start(backends()[0]).await;
    for base in [&s.portal_url, &s.bridge_url, &s.internal_url] {
        let health = fetch(&s, format!("{base}/healthz")).await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok"), "{base}");
        assert_hardened(&health, "healthz");
    }
    let css = fetch(&s, format!("{}/static/site.css", s.portal_url)).await;
    assert_eq!(css.status, 200);
    assert!(header(&css, "content-type").starts_with("text/css"));
    assert!(
        header(&css, "cache-control").starts_with("public"),
        "static assets may be cached"
    );
    assert!(
        css.body.len() < 10_000,
        "the stylesheet stays small: {} bytes",
        css.body.len()
    );
    let js = fetch(&s, format!("{}/static/exit.js", s.portal_url)).await;
    assert!(js.body.contains("location.replace"));
    s.finish().await;
}

backend_tests!(a_page_opened_at_another_host_name_is_sent_to_the_public_address);
async fn a_page_opened_at_another_host_name_is_sent_to_the_public_address(backend: Backend) {
    let s = Services::start(backend).await;
    for public in [&s.portal_url, &s.bridge_url] {
        let other = public.replace("localhost", "127.0.0.1");
        let page = fetch(&s, format!("{other}/sign-in?next=x")).await;
        assert_eq!(page.status, 307, "{backend:?} {other}");
        assert_eq!(
            header(&page, "location"),
            format!("{public}/sign-in?next=x")
        );
        assert_hardened(&page, "the redirect");
        // A form sent there is not followed but refused, changing nothing.
        let posted = s
            .http
            .post(format!("{other}/sign-in/email"))
            .form(&[("email", "someone@example.com")])
            .send()
            .await
            .unwrap();
        assert_ne!(posted.status().as_u16(), 307);
        // At the public address itself, the page is served.
        assert_eq!(fetch(&s, format!("{public}/sign-in")).await.status, 200);
    }
    s.finish().await;
}
