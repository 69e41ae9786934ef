//! A member of staff at the bridge, as their browser and passkey would be:
//! enrolment through the emailed link and passkey sign-in, both as real
//! soft-passkey ceremonies, with cookies taken from Set-Cookie (`__Host-`
//! cookies are Secure and the services run on plain http://localhost).

use content::db::now;
use serde_json::{json, Value};
use staff_bridge::staff::{self, NewStaff, Role};
use url::Url;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{CreationChallengeResponse, RequestChallengeResponse};

use super::Services;

pub const COOKIE: &str = "__Host-familystory-staff";

// --- a staff member's browser ---------------------------------------------------

#[derive(Default, Clone)]
pub struct Desk {
    pub session: Option<String>,
}

pub struct Page {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
    pub set_cookie: Vec<String>,
}

impl Desk {
    pub fn take_cookies(&mut self, response: &reqwest::Response) -> Vec<String> {
        let mut all = Vec::new();
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap().to_string();
            if let Some(rest) = value.strip_prefix(&format!("{COOKIE}=")) {
                let token = rest.split(';').next().unwrap();
                self.session = if token.is_empty() || value.contains("Max-Age=0") {
                    None
                } else {
                    Some(token.to_string())
                };
            }
            all.push(value);
        }
        all
    }

    pub fn with_cookie(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.session {
            Some(token) => request.header("cookie", format!("{COOKIE}={token}")),
            None => request,
        }
    }

    pub async fn page(&mut self, response: reqwest::Response) -> Page {
        let set_cookie = self.take_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        Page {
            status,
            body: response.text().await.unwrap(),
            location,
            set_cookie,
        }
    }

    pub async fn get(&mut self, s: &Services, path: &str) -> Page {
        let request = self.with_cookie(s.http.get(format!("{}{path}", s.bridge_url)));
        self.page(request.send().await.unwrap()).await
    }

    /// Posts a form as our own pages do (Origin set as a browser sets it).
    pub async fn post(&mut self, s: &Services, path: &str, form: &[(&str, &str)]) -> Page {
        let origin = s.bridge_url.clone();
        self.post_from(s, path, form, Some(&origin)).await
    }

    pub async fn post_from(
        &mut self,
        s: &Services,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> Page {
        let mut request = s.http.post(format!("{}{path}", s.bridge_url)).form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let request = self.with_cookie(request);
        self.page(request.send().await.unwrap()).await
    }

    /// Posts a `multipart/form-data` form from our own pages, with files
    /// as (field, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        s: &Services,
        path: &str,
        form: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Page {
        let multipart = super::multipart(form, files);
        let request = s
            .http
            .post(format!("{}{path}", s.bridge_url))
            .multipart(multipart)
            .header("origin", &s.bridge_url);
        let request = self.with_cookie(request);
        self.page(request.send().await.unwrap()).await
    }

    /// A JSON call as `passkey.js` makes it.
    pub async fn json(
        &mut self,
        s: &Services,
        path: &str,
        csrf: &str,
        body: Value,
    ) -> (u16, Value) {
        let request = s
            .http
            .post(format!("{}{path}", s.bridge_url))
            .header("origin", &s.bridge_url)
            .header("x-csrf-token", csrf)
            .json(&body);
        let response = self.with_cookie(request).send().await.unwrap();
        self.take_cookies(&response);
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn csrf(&mut self, s: &Services, path: &str) -> String {
        let page = self.get(s, path).await;
        assert_eq!(page.status, 200, "{path}");
        csrf_in(&page.body).unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    attribute_after(html, "name=\"csrf\" value=\"")
}

pub fn attribute_after(html: &str, marker: &str) -> Option<String> {
    let at = html.find(marker)?;
    let rest = &html[at + marker.len()..];
    Some(rest[..rest.find('"')?].replace("&amp;", "&"))
}

pub fn origin(s: &Services) -> Url {
    Url::parse(&s.bridge_url).unwrap()
}

// --- acting as staff ------------------------------------------------------------

pub struct Member {
    pub id: String,
    pub email: String,
    pub key: SoftPasskey,
    /// The passkey's credential id, to offer it where it does not belong.
    pub credential: Vec<u8>,
    pub desk: Desk,
}

/// Registers a passkey through an enrolment link, as the page's script does.
pub async fn enrol(
    s: &Services,
    desk: &mut Desk,
    key: &mut SoftPasskey,
    token: &str,
    name: &str,
) -> (u16, Value, Option<Vec<u8>>) {
    let (status, start) = desk
        .json(s, &format!("/enrol/{token}/start"), "", json!({}))
        .await;
    if status != 200 {
        return (status, start, None);
    }
    let options: CreationChallengeResponse =
        serde_json::from_value(start["options"].clone()).unwrap();
    let credential = key.do_registration(origin(s), options).unwrap();
    let raw_id = credential.raw_id.to_vec();
    let (status, body) = desk
        .json(
            s,
            &format!("/enrol/{token}/finish"),
            "",
            json!({ "ceremony": start["ceremony"], "credential": credential, "name": name }),
        )
        .await;
    (status, body, Some(raw_id))
}

/// Adds a member with the library function `add-staff` uses, then enrols them,
/// which signs them in.
pub async fn member(s: &Services, email: &str, name: &str, roles: &[Role]) -> Member {
    let (staff, token) = staff::add(
        &s.bridge_db,
        &NewStaff {
            email: email.into(),
            name: name.into(),
            roles: roles.to_vec(),
        },
        None,
        now(),
    )
    .await
    .unwrap();
    let mut desk = Desk::default();
    let mut key = SoftPasskey::new(true);
    let (status, body, credential) = enrol(s, &mut desk, &mut key, &token, "Work laptop").await;
    assert_eq!((status, &body), (200, &json!({ "redirect": "/cases" })));
    assert!(desk.session.is_some(), "enrolment signs the member in");
    Member {
        id: staff.id,
        email: staff.email,
        key,
        credential: credential.unwrap(),
        desk,
    }
}

/// The sign-in options for an address, through the two pages a person sees.
pub async fn sign_in_options(s: &Services, desk: &mut Desk, email: &str) -> (u16, Value) {
    let page = desk.post(s, "/sign-in", &[("email", email)]).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let start = attribute_after(&page.body, "data-start=\"").expect("a passkey form");
    desk.json(s, &start, "", json!({})).await
}

pub async fn sign_in(
    s: &Services,
    desk: &mut Desk,
    key: &mut SoftPasskey,
    email: &str,
) -> (u16, Value) {
    let (status, start) = sign_in_options(s, desk, email).await;
    assert_eq!(status, 200, "{start}");
    let options: RequestChallengeResponse =
        serde_json::from_value(start["options"].clone()).unwrap();
    // A passkey the site does not ask for cannot answer at all.
    let Ok(credential) = key.do_authentication(origin(s), options) else {
        return (0, json!("the passkey was not asked for"));
    };
    desk.json(
        s,
        "/sign-in/passkey/finish",
        "",
        json!({ "ceremony": start["ceremony"], "credential": credential }),
    )
    .await
}

/// The invitation code printed on a letter page.
pub fn code_on(page: &str) -> String {
    let at = page
        .find("class=\"invitation-code\"")
        .expect("the code is on the letter");
    let rest = &page[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap();
    rest[start..start + end].to_string()
}
