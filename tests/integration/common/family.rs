//! Acting as a family member: cookies, forms, a soft passkey that behaves like
//! a phone's (discoverable) passkey, and invitations sent the way the bridge
//! sends them.
#![allow(dead_code)]

use std::collections::HashMap;

use content::db::now;
use content::sync::{FamilyRole, InvitationPush, PersonPush};
use url::Url;
use uuid::Uuid;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs_proto::{
    AllowCredentials, PublicKeyCredential, PublicKeyCredentialCreationOptions,
    PublicKeyCredentialRequestOptions, RegisterPublicKeyCredential,
};

use super::Services;

pub const COOKIE: &str = "__Host-familystory";

/// A browser's worth of state for one person: the session cookie.
#[derive(Default, Clone)]
pub struct Browser {
    pub session: Option<String>,
}

impl Browser {
    pub fn cookie_header(&self) -> Option<String> {
        self.session.as_ref().map(|t| format!("{COOKIE}={t}"))
    }

    /// Keeps the session cookie from a response, as a browser would.
    pub fn take_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let value = value.to_str().unwrap();
            let Some(rest) = value.strip_prefix(&format!("{COOKIE}=")) else {
                continue;
            };
            let token = rest.split(';').next().unwrap();
            self.session = if token.is_empty() || value.contains("Max-Age=0") {
                None
            } else {
                Some(token.to_string())
            };
        }
    }

    pub async fn get(&mut self, s: &Services, path: &str) -> (u16, String, Option<String>) {
        let mut request = s.http.get(format!("{}{}", s.portal_url, path));
        if let Some(cookie) = self.cookie_header() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.take_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, response.text().await.unwrap(), location)
    }

    /// Posts a form from our own pages (Origin set as a browser sets it).
    pub async fn post(
        &mut self,
        s: &Services,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, Option<String>) {
        self.post_from(s, path, form, Some(&s.portal_url.clone()))
            .await
    }

    pub async fn post_from(
        &mut self,
        s: &Services,
        path: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
    ) -> (u16, String, Option<String>) {
        let mut request = s.http.post(format!("{}{}", s.portal_url, path)).form(form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(cookie) = self.cookie_header() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.take_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, response.text().await.unwrap(), location)
    }

    /// Posts a `multipart/form-data` form from our own pages, with files
    /// as (field, file name, bytes).
    pub async fn post_multipart(
        &mut self,
        s: &Services,
        path: &str,
        form: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> (u16, String, Option<String>) {
        let multipart = super::multipart(form, files);
        let mut request = s
            .http
            .post(format!("{}{}", s.portal_url, path))
            .multipart(multipart)
            .header("origin", s.portal_url.clone());
        if let Some(cookie) = self.cookie_header() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.take_cookies(&response);
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        (status, response.text().await.unwrap(), location)
    }

    pub async fn post_json(
        &mut self,
        s: &Services,
        path: &str,
        csrf: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut request = s
            .http
            .post(format!("{}{}", s.portal_url, path))
            .header("origin", &s.portal_url)
            .header("x-csrf-token", csrf)
            .json(&body);
        if let Some(cookie) = self.cookie_header() {
            request = request.header("cookie", cookie);
        }
        let response = request.send().await.unwrap();
        self.take_cookies(&response);
        let status = response.status().as_u16();
        (
            status,
            response.json().await.unwrap_or(serde_json::Value::Null),
        )
    }

    /// The CSRF token on a page the person is looking at.
    pub async fn csrf(&mut self, s: &Services, path: &str) -> String {
        let (_, body, _) = self.get(s, path).await;
        csrf_in(&body).unwrap_or_else(|| panic!("no CSRF token on {path}"))
    }
}

pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")?;
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    Some(rest[..rest.find('"')?].to_string())
}

/// A soft passkey that, like a phone's, is discoverable: it offers its own
/// credentials when the site names none and returns the user handle. The
/// signatures are SoftPasskey's own.
pub struct PhonePasskey {
    inner: SoftPasskey,
    users: HashMap<Vec<u8>, Vec<u8>>,
}

impl PhonePasskey {
    pub fn new() -> PhonePasskey {
        PhonePasskey {
            inner: SoftPasskey::new(true),
            users: HashMap::new(),
        }
    }
}

impl AuthenticatorBackend for PhonePasskey {
    fn perform_register(
        &mut self,
        origin: Url,
        options: PublicKeyCredentialCreationOptions,
        timeout_ms: u32,
    ) -> Result<RegisterPublicKeyCredential, webauthn_authenticator_rs::error::WebauthnCError> {
        let user = options.user.id.clone();
        let credential = self.inner.perform_register(origin, options, timeout_ms)?;
        self.users.insert(credential.raw_id.clone(), user);
        Ok(credential)
    }

    fn perform_auth(
        &mut self,
        origin: Url,
        mut options: PublicKeyCredentialRequestOptions,
        timeout_ms: u32,
    ) -> Result<PublicKeyCredential, webauthn_authenticator_rs::error::WebauthnCError> {
        if options.allow_credentials.is_empty() {
            options.allow_credentials = self
                .users
                .keys()
                .map(|id| AllowCredentials {
                    type_: "public-key".into(),
                    id: id.clone(),
                    transports: None,
                })
                .collect();
        }
        let mut credential = self.inner.perform_auth(origin, options, timeout_ms)?;
        credential.response.user_handle = self.users.get(&credential.raw_id).cloned();
        Ok(credential)
    }
}

/// Registers a passkey from the account page, as the page's script does.
pub async fn register_passkey(
    s: &Services,
    browser: &mut Browser,
    phone: &mut PhonePasskey,
    name: &str,
) -> u16 {
    let csrf = browser.csrf(s, "/account").await;
    let (status, start) = browser
        .post_json(s, "/account/passkeys/start", &csrf, serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{start}");
    let options = serde_json::from_value(start["options"].clone()).unwrap();
    let credential = phone
        .do_registration(Url::parse(&s.portal_url).unwrap(), options)
        .unwrap();
    let (status, _) = browser
        .post_json(
            s,
            "/account/passkeys/finish",
            &csrf,
            serde_json::json!({ "ceremony": start["ceremony"], "name": name, "credential": credential }),
        )
        .await;
    status
}

/// Signs in with the phone's passkey, typing nothing, as the page's script does.
pub async fn passkey_sign_in(
    s: &Services,
    browser: &mut Browser,
    phone: &mut PhonePasskey,
) -> (u16, serde_json::Value) {
    let (status, start) = browser
        .post_json(s, "/sign-in/passkey/start", "", serde_json::json!({}))
        .await;
    assert_eq!(status, 200, "{start}");
    let options = serde_json::from_value(start["options"].clone()).unwrap();
    let credential = phone
        .do_authentication(Url::parse(&s.portal_url).unwrap(), options)
        .unwrap();
    browser
        .post_json(
            s,
            "/sign-in/passkey/finish",
            "",
            serde_json::json!({ "ceremony": start["ceremony"], "credential": credential }),
        )
        .await
}

/// Sends a person and an invitation to the portal the way the bridge does.
pub async fn invite(
    s: &Services,
    first: &str,
    surname: &str,
    dob: &str,
    expires_at: i64,
) -> (Uuid, Uuid, String) {
    let person = Uuid::new_v4();
    let push = PersonPush {
        display_name: format!("{first} {surname}"),
        first_name: first.into(),
        role: FamilyRole::Parent,
        date_of_birth: Some(dob.into()),
    };
    send(s, &format!("/internal/v1/people/{person}"), &push).await;
    let (invitation, code) = invite_again(s, person, expires_at).await;
    (person, invitation, code)
}

pub async fn invite_again(s: &Services, person: Uuid, expires_at: i64) -> (Uuid, String) {
    let invitation = Uuid::new_v4();
    let code = content::invitation::new_code();
    let push = InvitationPush {
        person_id: person,
        code_hash: content::invitation::hash(&code),
        expires_at,
    };
    send(s, &format!("/internal/v1/invitations/{invitation}"), &push).await;
    (invitation, content::invitation::display(&code))
}

pub async fn send<T: serde::Serialize>(s: &Services, path: &str, body: &T) {
    let response = s
        .bridge_client
        .send("PUT", path, serde_json::to_vec(body).unwrap())
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
}

pub fn in_two_weeks() -> i64 {
    now() + 14 * 24 * 3600
}

/// Uses an invitation with the person's details; returns the final status and location.
pub async fn activate(
    s: &Services,
    browser: &mut Browser,
    code: &str,
    first: &str,
    (d, m, y): (&str, &str, &str),
) -> (u16, String, Option<String>) {
    browser
        .post(
            s,
            "/start",
            &[
                ("code", code),
                ("first-name", first),
                ("dob-day", d),
                ("dob-month", m),
                ("dob-year", y),
            ],
        )
        .await
}

/// Adds a verified email from the account page, as a person does: the code
/// from the email that arrives at the test's SMTP server, typed in.
pub async fn add_email(s: &Services, smtp: &super::smtp::Smtp, browser: &mut Browser, email: &str) {
    let csrf = browser.csrf(s, "/account").await;
    let before = smtp.count();
    let (status, _, _) = browser
        .post(s, "/account/email", &[("csrf", &csrf), ("email", email)])
        .await;
    assert_eq!(status, 200);
    let code = super::smtp::code_in(&smtp.wait_for(before + 1).await.text, 6).unwrap();
    let (status, _, location) = browser
        .post(
            s,
            "/account/email/confirm",
            &[("csrf", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/account")));
}

/// A family member of the imported case, by their case-system id: their
/// portal id.
pub async fn portal_id(s: &Services, source_id: &str) -> Uuid {
    super::case_person(s, source_id).await.1.parse().unwrap()
}

/// A family member of the imported case sent to the portal, invited and
/// signed in, as the bridge's push and the invitation page do it.
pub async fn signed_in(
    s: &Services,
    source_id: &str,
    first: &str,
    role: FamilyRole,
    dob: (&str, &str, &str),
) -> Browser {
    let person = portal_id(s, source_id).await;
    let push = PersonPush {
        display_name: first.into(),
        first_name: first.into(),
        role,
        date_of_birth: Some(format!("{}-{}-{}", dob.2, dob.1, dob.0)),
    };
    send(s, &format!("/internal/v1/people/{person}"), &push).await;
    let (_, code) = invite_again(s, person, in_two_weeks()).await;
    let mut browser = Browser::default();
    let (status, _, _) = activate(s, &mut browser, &code, first, dob).await;
    assert_eq!(status, 303, "{first} signs in");
    browser
}
