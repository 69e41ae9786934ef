//! Staff sign-in, enrolment, sign-out and the account page.
//!
//! Staff sign in with a passkey: they type their email address, then their
//! browser signs a challenge with one of the passkeys registered to that
//! address. The answer is the same whether or not the address belongs to
//! anyone: an unknown address gets a decoy challenge naming a credential
//! that does not exist (stable for the address while the service runs), and
//! its failures count towards a lockout just as a real account's do.
//!
//! Sessions are `content::session` ones in the `__Host-familystory-staff`
//! cookie, with a new id at every sign-in. Every state-changing form carries
//! the session's CSRF token and is checked with its Origin; the forms used
//! before there is a session (sign-in, enrolment) are checked by Origin.
//! Every sign-in, failure (with the client's address and user agent),
//! lockout, sign-out and passkey change is recorded in the ledger.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::OnceLock;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::header::{SET_COOKIE, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use content::db::now;
use content::session::{self, Session};
use content::{guard, passkeys};
use maud::html;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use webauthn_rs::prelude::{
    PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential,
};

use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::staff::{self, kinds, Removed, StaffMember};
use crate::views::{self, FieldError, Input};
use crate::AppState;

const SIGN_IN: &str = "staff-sign-in";
const ENROL: &str = "staff-enrol";
const ADD_PASSKEY: &str = "staff-add-passkey";

/// The routes anyone may reach, all rate limited by client address.
pub fn public_routes(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/sign-in", get(sign_in_page).post(sign_in_submit))
        .route("/sign-in/passkey/start", post(sign_in_start))
        .route("/sign-in/passkey/finish", post(sign_in_finish))
        .route("/enrol/{token}", get(enrol_page))
        .route("/enrol/{token}/start", post(enrol_start))
        .route("/enrol/{token}/finish", post(enrol_finish))
        .route_layer(guard::rate_limit(
            state.proxies.clone(),
            state.rate_limit.1,
            state.rate_limit.0,
            &crate::pages::CHROME,
        ))
}

/// The routes for a signed-in member.
pub fn staff_routes() -> Router<AppState> {
    Router::new()
        .route("/sign-out", get(sign_out_page).post(sign_out))
        .route(
            "/sign-out-everywhere",
            get(sign_out_everywhere_page).post(sign_out_everywhere),
        )
        .route("/account", get(account))
        .route("/account/passkeys/start", post(add_passkey_start))
        .route("/account/passkeys/finish", post(add_passkey_finish))
        .route("/account/passkeys/{id}/name", post(rename_passkey))
        .route("/account/passkeys/{id}/remove", post(remove_passkey))
}

// --- who is asking ------------------------------------------------------------

/// A signed-in, enabled staff member and their session. Pages that take one
/// send everyone else to `/sign-in`.
#[derive(Clone, Debug)]
pub struct StaffUser {
    pub session: Session,
    pub staff: StaffMember,
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let now = now();
        let loaded = state
            .sessions
            .load(&state.db, &parts.headers, now)
            .await
            .map_err(|e| BridgeError::from(e).into_response())?;
        let Some(session) = loaded else {
            return Err(to_sign_in(state));
        };
        match staff::find_by_id(&state.db, &session.subject).await {
            Ok(Some(staff)) if staff.disabled_at.is_none() => Ok(StaffUser { session, staff }),
            Ok(_) => {
                let _ = session::end_by_id(&state.db, &session.id, now).await;
                Err(to_sign_in(state))
            }
            Err(e) => Err(BridgeError::from(e).into_response()),
        }
    }
}

fn to_sign_in(state: &AppState) -> Response {
    (
        [(SET_COOKIE, state.sessions.clear_cookie())],
        Redirect::to("/sign-in"),
    )
        .into_response()
}

/// Where a request came from, for the ledger: the client's address (through
/// trusted proxies only) and its user agent.
#[derive(Clone, Debug, Default)]
pub struct Client {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| state.proxies.client_ip(c.0.ip(), &parts.headers));
        let user_agent = parts
            .headers
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(300).collect());
        Ok(Client { ip, user_agent })
    }
}

impl Client {
    pub fn json(&self) -> Value {
        json!({
            "ip": self.ip.map(|ip| ip.to_string()),
            "user_agent": self.user_agent,
        })
    }
}

/// The CSRF check for a signed-in member's form.
pub fn check_csrf(
    state: &AppState,
    headers: &HeaderMap,
    user: &StaffUser,
    given: &str,
) -> Result<()> {
    session::check_csrf(headers, &state.origin, &user.session.csrf, given)
        .map_err(BridgeError::Csrf)
}

fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(json!({ "error": message }))).into_response()
}

fn origin_ok(state: &AppState, headers: &HeaderMap) -> bool {
    session::check_origin(headers, &state.origin).is_ok()
}

fn account_key(email: &str) -> String {
    format!("staff:{email}")
}

// --- sign-in ------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn sign_in_page() -> Response {
    sign_in_form("", &[])
}

fn sign_in_form(email: &str, errors: &[FieldError]) -> Response {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    views::public_page(
        status,
        &views::title("Sign in", errors),
        html! {
            (views::error_summary(errors))
            h1 { "Sign in" }
            p class="lede" { "Sign in to FamilyStory for staff with your work email address and your passkey." }
            form method="post" action="/sign-in" novalidate {
                (Input { id: "email", name: "email", label: "Work email address", hint: None,
                    value: email, kind: "email", autocomplete: "username" }.render(errors))
                button class="button" type="submit" { "Continue" }
            }
            p { "New to FamilyStory? Use the link in the email an administrator sent you to set up your account." }
        },
    )
}

async fn sign_in_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    session::check_origin(&headers, &state.origin).map_err(BridgeError::Csrf)?;
    let Some(email) = staff::normalise_email(&form.email) else {
        let message = if form.email.trim().is_empty() {
            "Enter your work email address"
        } else {
            "Enter an email address in the correct format, like name@council.example"
        };
        return Ok(sign_in_form(
            &form.email,
            &[FieldError::new("email", message)],
        ));
    };
    // The same page whether or not anyone has this address.
    let start = format!("/sign-in/passkey/start?{}", serde_urlencoded_email(&email));
    Ok(views::public_page(
        StatusCode::OK,
        "Sign in with your passkey",
        html! {
            h1 { "Sign in with your passkey" }
            p { "Signing in as " strong { (email) } ". " a href="/sign-in" { "Use a different email address" } }
            form data-passkey="sign-in" data-start=(start) data-finish="/sign-in/passkey/finish"
                data-failed="That did not work. Try again with the passkey you set up for FamilyStory, or ask an administrator for help."
                hidden {
                input type="hidden" name="csrf" value="";
                button class="button" type="submit" { "Sign in with a passkey" }
                p class="error-message" data-passkey-status hidden tabindex="-1" role="alert" {}
            }
            (views::passkey_help("Sign in with a passkey"))
            script src="/static/passkey.js" defer {}
        },
    ))
}

fn serde_urlencoded_email(email: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .finish()
}

#[derive(Serialize, Deserialize)]
struct SignInState {
    email: String,
    staff_id: Option<String>,
    auth: Option<PasskeyAuthentication>,
}

static DECOY_SEED: OnceLock<[u8; 32]> = OnceLock::new();

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The options an unknown address gets: shaped as a real account's, naming a
/// credential that does not exist, the same one each time for the address.
fn decoy_options(state: &AppState, email: &str) -> Value {
    let seed = DECOY_SEED.get_or_init(|| {
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        seed
    });
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(email.as_bytes());
    let credential = hasher.finalize();
    let mut challenge = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut challenge);
    let rp_id = url::Url::parse(&state.public_url)
        .ok()
        .and_then(|u| u.host_str().map(String::from))
        .unwrap_or_default();
    json!({
        "publicKey": {
            "challenge": b64url(&challenge),
            "timeout": webauthn_rs::DEFAULT_AUTHENTICATOR_TIMEOUT.as_millis() as u64,
            "rpId": rp_id,
            "allowCredentials": [{ "type": "public-key", "id": b64url(&credential) }],
            "userVerification": "required",
        }
    })
}

async fn locked_answer(state: &AppState, email: &str, now: i64) -> Result<Option<Response>> {
    Ok(guard::locked_until(&state.db, &account_key(email), now)
        .await?
        .map(|until| {
            json_error(
                StatusCode::TOO_MANY_REQUESTS,
                &format!(
                    "There have been too many failed tries to sign in to this account. Try again after {}.",
                    views::when(until)
                ),
            )
        }))
}

async fn sign_in_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<EmailForm>,
) -> Result<Response> {
    if !origin_ok(&state, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The request did not come from this site.",
        ));
    }
    let Some(email) = staff::normalise_email(&query.email) else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "Enter your work email address.",
        ));
    };
    let now = now();
    if let Some(locked) = locked_answer(&state, &email, now).await? {
        return Ok(locked);
    }
    let member = staff::find_by_email(&state.db, &email)
        .await?
        .filter(|m| m.disabled_at.is_none());
    let keys = match &member {
        Some(m) => staff::passkeys_of(&state.db, &m.id).await?,
        None => Vec::new(),
    };
    let real = if keys.is_empty() {
        None
    } else {
        let passkeys: Vec<_> = keys.iter().map(|k| k.passkey.clone()).collect();
        state.webauthn.start_passkey_authentication(&passkeys).ok()
    };
    let (options, sign_in) = match real {
        Some((rcr, auth)) => (
            serde_json::to_value(rcr).expect("options serialise"),
            SignInState {
                email,
                staff_id: member.map(|m| m.id),
                auth: Some(auth),
            },
        ),
        None => (
            decoy_options(&state, &email),
            SignInState {
                email,
                staff_id: None,
                auth: None,
            },
        ),
    };
    let ceremony = passkeys::save_ceremony(&state.db, SIGN_IN, None, &sign_in, now).await?;
    Ok(Json(json!({ "ceremony": ceremony, "options": options })).into_response())
}

#[derive(Deserialize)]
struct Finish<C> {
    ceremony: String,
    credential: C,
    #[serde(default)]
    name: String,
}

fn parse_finish<C: serde::de::DeserializeOwned>(body: &[u8]) -> Option<Finish<C>> {
    serde_json::from_slice(body).ok()
}

async fn sign_in_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    body: Bytes,
) -> Result<Response> {
    if !origin_ok(&state, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The request did not come from this site.",
        ));
    }
    let Some(finish) = parse_finish::<PublicKeyCredential>(&body) else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The passkey's answer was not understood.",
        ));
    };
    let now = now();
    let Some((_, sign_in)) =
        passkeys::take_ceremony::<SignInState>(&state.db, SIGN_IN, &finish.ceremony, now).await?
    else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The sign-in took too long or was already finished. Start again.",
        ));
    };
    if let Some(locked) = locked_answer(&state, &sign_in.email, now).await? {
        return Ok(locked);
    }
    let verified = match (&sign_in.staff_id, &sign_in.auth) {
        (Some(staff_id), Some(auth)) => match state
            .webauthn
            .finish_passkey_authentication(&finish.credential, auth)
        {
            Ok(result) => Some((staff_id.clone(), result)),
            Err(_) => None,
        },
        _ => None,
    };
    let member = match &verified {
        Some((staff_id, _)) => staff::find_by_id(&state.db, staff_id)
            .await?
            .filter(|m| m.disabled_at.is_none()),
        None => None,
    };
    let (Some((_, result)), Some(member)) = (verified, member) else {
        return failed_sign_in(&state, &sign_in, &client, now).await;
    };
    // The counter and when it was last used.
    let mut used = None;
    for mut key in staff::passkeys_of(&state.db, &member.id).await? {
        if key.passkey.update_credential(&result).is_some() {
            staff::record_use(&state.db, &key.id, &key.passkey, now).await?;
            used = Some(key.id);
        }
    }
    guard::clear(&state.db, &account_key(&sign_in.email)).await?;
    let cookie = start_session(&state, &member, &client, "passkey", used.as_deref(), now).await?;
    Ok((
        [(SET_COOKIE, cookie)],
        Json(json!({ "redirect": "/cases" })),
    )
        .into_response())
}

async fn failed_sign_in(
    state: &AppState,
    sign_in: &SignInState,
    client: &Client,
    now: i64,
) -> Result<Response> {
    let account = account_key(&sign_in.email);
    let lock = guard::record_failure(&state.db, &account, now).await?;
    let mut data = client.json();
    data["account"] = json!(sign_in.email);
    data["reason"] = json!("the passkey was not accepted");
    let mut tx = state.db.pool.begin().await?;
    ledger::append(
        &mut tx,
        state.db.backend,
        &NewEntry {
            kind: kinds::STAFF_SIGN_IN_FAILED,
            actor: None,
            subject: sign_in.staff_id.as_deref(),
            data: data.clone(),
        },
        now,
    )
    .await?;
    if let Some(until) = lock {
        data["locked_until"] = json!(until);
        data.as_object_mut().map(|d| d.remove("reason"));
        ledger::append(
            &mut tx,
            state.db.backend,
            &NewEntry {
                kind: kinds::STAFF_LOCKED_OUT,
                actor: None,
                subject: sign_in.staff_id.as_deref(),
                data,
            },
            now,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(locked = lock.is_some(), "a staff sign-in failed");
    Ok(json_error(
        StatusCode::UNAUTHORIZED,
        "That passkey did not work. Try again with the passkey you set up for FamilyStory, or ask an administrator for help.",
    ))
}

/// A new session (a new id every time) and its ledger entry; returns the cookie.
async fn start_session(
    state: &AppState,
    member: &StaffMember,
    client: &Client,
    method: &str,
    passkey_id: Option<&str>,
    now: i64,
) -> Result<axum::http::HeaderValue> {
    let (token, _) = state.sessions.create(&state.db, &member.id, now).await?;
    let mut data = client.json();
    data["method"] = json!(method);
    data["passkey_id"] = json!(passkey_id);
    data["roles"] = json!(member.role_names());
    ledger::append_now(
        &state.db,
        &NewEntry {
            kind: kinds::STAFF_SIGN_IN,
            actor: Some(&member.id),
            subject: Some(&member.id),
            data,
        },
    )
    .await?;
    Ok(state.sessions.set_cookie(&token))
}

// --- enrolment ----------------------------------------------------------------

fn link_not_working() -> Response {
    views::public_page(
        StatusCode::NOT_FOUND,
        "This link does not work",
        html! {
            h1 { "This link does not work" }
            p class="lede" { "Enrolment links work once, for " (staff::ENROLMENT_HOURS) " hours. This one has been used or has expired." }
            p { "If you have already set up your passkey, " a href="/sign-in" { "sign in" } ". Otherwise ask an administrator to send you a new link." }
        },
    )
}

async fn enrol_page(State(state): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let Some(member) = staff::enrolment(&state.db, &token, now()).await? else {
        return Ok(link_not_working());
    };
    Ok(views::public_page(
        StatusCode::OK,
        "Set up your passkey",
        html! {
            h1 { "Set up your passkey" }
            p class="lede" { "Hello " (member.name) ". You sign in to FamilyStory for staff with a passkey instead of a password." }
            p { "Your computer or phone will ask you to confirm it is you, with its screen lock, fingerprint or face, or a security key. Nothing about you leaves the device." }
            form data-passkey="register" data-start={ "/enrol/" (token) "/start" } data-finish={ "/enrol/" (token) "/finish" }
                data-failed="The passkey was not set up. Try again, or ask an administrator for a new link."
                hidden {
                input type="hidden" name="csrf" value="";
                (Input { id: "name", name: "name", label: "Name this passkey",
                    hint: Some("So you can tell your passkeys apart later, for example ‘Work laptop’."),
                    value: "", kind: "text", autocomplete: "off" }.render(&[]))
                button class="button" type="submit" { "Set up a passkey" }
                p class="error-message" data-passkey-status hidden tabindex="-1" role="alert" {}
            }
            (views::passkey_help("Set up a passkey"))
            script src="/static/passkey.js" defer {}
        },
    ))
}

async fn enrol_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response> {
    if !origin_ok(&state, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The request did not come from this site.",
        ));
    }
    let now = now();
    let Some(member) = staff::enrolment(&state.db, &token, now).await? else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "This link has been used or has expired. Ask an administrator for a new one.",
        ));
    };
    registration_start(&state, &member, ENROL, now).await
}

async fn registration_start(
    state: &AppState,
    member: &StaffMember,
    kind: &str,
    now: i64,
) -> Result<Response> {
    let existing: Vec<_> = staff::passkeys_of(&state.db, &member.id)
        .await?
        .into_iter()
        .map(|k| k.passkey.cred_id().clone())
        .collect();
    let user_id = Uuid::parse_str(&member.id).unwrap_or_else(|_| Uuid::new_v4());
    let Ok((ccr, registration)) = state.webauthn.start_passkey_registration(
        user_id,
        &member.email,
        &member.name,
        Some(existing),
    ) else {
        return Ok(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The passkey could not be set up. Try again in a few minutes.",
        ));
    };
    let ceremony =
        passkeys::save_ceremony(&state.db, kind, Some(&member.id), &registration, now).await?;
    Ok(Json(json!({ "ceremony": ceremony, "options": ccr })).into_response())
}

async fn enrol_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    client: Client,
    body: Bytes,
) -> Result<Response> {
    if !origin_ok(&state, &headers) {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "The request did not come from this site.",
        ));
    }
    let Some(finish) = parse_finish::<RegisterPublicKeyCredential>(&body) else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The passkey's answer was not understood.",
        ));
    };
    let now = now();
    let taken =
        passkeys::take_ceremony::<PasskeyRegistration>(&state.db, ENROL, &finish.ceremony, now)
            .await?;
    let member = staff::enrolment(&state.db, &token, now).await?;
    let (Some((Some(subject), registration)), Some(member)) = (taken, member) else {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "This link has been used or has expired, or the setup took too long. Ask an administrator for a new link.",
        ));
    };
    if subject != member.id {
        return Ok(json_error(StatusCode::BAD_REQUEST, "Start again."));
    }
    let Ok(passkey) = state
        .webauthn
        .finish_passkey_registration(&finish.credential, &registration)
    else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The passkey was not set up. Try again.",
        ));
    };
    let mut tx = state.db.pool.begin().await?;
    if !staff::consume_enrolment(&mut tx, &token, &member.id, now).await? {
        return Ok(json_error(
            StatusCode::NOT_FOUND,
            "This link has been used or has expired. Ask an administrator for a new one.",
        ));
    }
    let name = staff::passkey_name(&finish.name);
    let passkey_id =
        staff::insert_passkey(&mut tx, state.db.backend, &member.id, &name, &passkey, now).await?;
    tx.commit().await?;
    let cookie = start_session(
        &state,
        &member,
        &client,
        "enrolment",
        Some(&passkey_id),
        now,
    )
    .await?;
    Ok((
        [(SET_COOKIE, cookie)],
        Json(json!({ "redirect": "/cases" })),
    )
        .into_response())
}

// --- sign-out -----------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

async fn sign_out_page(user: StaffUser) -> Response {
    views::page(
        &user,
        "Sign out",
        html! {
            h1 { "Sign out" }
            p { "You are signed in as " strong { (user.staff.name) } " (" (user.staff.email) ")." }
            (views::post_button(&user, "/sign-out", "Sign out", "button"))
            p { "Used FamilyStory on another computer and cannot get to it? "
                a href="/sign-out-everywhere" { "Sign out of all devices" } "." }
        },
    )
}

fn signed_out_page(state: &AppState, title: &str, message: &str) -> Response {
    let page = views::public_page(
        StatusCode::OK,
        title,
        html! {
            h1 { (title) }
            p class="lede" { (message) }
            p { a href="/sign-in" { "Sign in again" } }
        },
    );
    ([(SET_COOKIE, state.sessions.clear_cookie())], page).into_response()
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    client: Client,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let now = now();
    session::end_by_id(&state.db, &user.session.id, now).await?;
    let mut data = client.json();
    data["scope"] = json!("this device");
    ledger::append_now(
        &state.db,
        &NewEntry {
            kind: kinds::STAFF_SIGN_OUT,
            actor: Some(&user.staff.id),
            subject: Some(&user.staff.id),
            data,
        },
    )
    .await?;
    Ok(signed_out_page(
        &state,
        "You have signed out",
        "You have signed out of FamilyStory for staff on this device.",
    ))
}

async fn sign_out_everywhere_page(user: StaffUser) -> Response {
    views::page(
        &user,
        "Sign out of all devices",
        html! {
            h1 { "Sign out of all devices" }
            p { "This signs you out of FamilyStory for staff everywhere you are signed in, including this device. Your passkeys keep working." }
            p { "If you think someone else has used your account, also tell your manager and your IT service desk." }
            (views::post_button(&user, "/sign-out-everywhere", "Sign out of all devices", "button button-warning"))
        },
    )
}

async fn sign_out_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    client: Client,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let now = now();
    let ended = session::end_all(&state.db, &user.staff.id, now).await?;
    let mut data = client.json();
    data["scope"] = json!("all devices");
    data["sessions_ended"] = json!(ended);
    ledger::append_now(
        &state.db,
        &NewEntry {
            kind: kinds::STAFF_SIGN_OUT,
            actor: Some(&user.staff.id),
            subject: Some(&user.staff.id),
            data,
        },
    )
    .await?;
    Ok(signed_out_page(
        &state,
        "You have signed out of all devices",
        "Every session of your account has ended, on this device and any other.",
    ))
}

// --- the account page -----------------------------------------------------------

async fn account(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    account_page(&state, &user, &[]).await
}

async fn account_page(
    state: &AppState,
    user: &StaffUser,
    errors: &[FieldError],
) -> Result<Response> {
    let keys = staff::passkeys_of(&state.db, &user.staff.id).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let roles: Vec<&str> = user.staff.roles.iter().map(|r| r.label()).collect();
    Ok(views::page_with_status(
        user,
        status,
        &views::title("Your account", errors),
        html! {
            (views::error_summary(errors))
            h1 { "Your account" }
            dl class="summary-list" {
                div { dt { "Name" } dd { (user.staff.name) } }
                div { dt { "Email" } dd { (user.staff.email) } }
                div { dt { "Roles" } dd { (roles.join(", ")) } }
            }
            h2 { "Your passkeys" }
            table class="table" {
                caption class="visually-hidden" { "Your passkeys" }
                thead { tr { th scope="col" { "Name" } th scope="col" { "Added" } th scope="col" { "Last used" } th scope="col" { "Change" } } }
                tbody {
                    @for key in &keys {
                        tr {
                            td { (key.name) }
                            td { (views::when(key.created_at)) }
                            td { (key.last_used_at.map(views::when).unwrap_or_else(|| "Not yet".into())) }
                            td {
                                form method="post" action={ "/account/passkeys/" (key.id) "/name" } class="inline-form" {
                                    (views::csrf(user))
                                    (Input { id: &format!("name-{}", key.id), name: "name",
                                        label: &format!("New name for {}", key.name), hint: None,
                                        value: &key.name, kind: "text", autocomplete: "off" }.render(errors))
                                    button class="button button-secondary" type="submit" { "Rename" }
                                }
                                @if keys.len() > 1 {
                                    form method="post" action={ "/account/passkeys/" (key.id) "/remove" } class="inline-form" id={ "remove-" (key.id) } {
                                        (views::csrf(user))
                                        button class="button button-warning" type="submit" { "Remove " span class="visually-hidden" { (key.name) } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if keys.len() <= 1 {
                p class="hint" id="remove" { "You cannot remove your only passkey. Add another one first, for example on your phone." }
            }
            h2 { "Add another passkey" }
            form data-passkey="register" data-start="/account/passkeys/start" data-finish="/account/passkeys/finish"
                data-failed="The passkey was not added. Try again."
                hidden {
                (views::csrf(user))
                (Input { id: "new-name", name: "name", label: "Name the new passkey",
                    hint: Some("For example ‘Work phone’."), value: "", kind: "text", autocomplete: "off" }.render(&[]))
                button class="button" type="submit" { "Add a passkey" }
                p class="error-message" data-passkey-status hidden tabindex="-1" role="alert" {}
            }
            (views::passkey_help("Add a passkey"))
            h2 { "Signing out" }
            p { a href="/sign-out-everywhere" { "Sign out of all devices" } }
            script src="/static/passkey.js" defer {}
        },
    ))
}

fn csrf_header(headers: &HeaderMap) -> &str {
    headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

async fn add_passkey_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
) -> Result<Response> {
    if check_csrf(&state, &headers, &user, csrf_header(&headers)).is_err() {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "Refresh the page and try again.",
        ));
    }
    registration_start(&state, &user.staff, ADD_PASSKEY, now()).await
}

async fn add_passkey_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    body: Bytes,
) -> Result<Response> {
    if check_csrf(&state, &headers, &user, csrf_header(&headers)).is_err() {
        return Ok(json_error(
            StatusCode::FORBIDDEN,
            "Refresh the page and try again.",
        ));
    }
    let Some(finish) = parse_finish::<RegisterPublicKeyCredential>(&body) else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The passkey's answer was not understood.",
        ));
    };
    let now = now();
    let taken = passkeys::take_ceremony::<PasskeyRegistration>(
        &state.db,
        ADD_PASSKEY,
        &finish.ceremony,
        now,
    )
    .await?;
    let Some((Some(subject), registration)) =
        taken.filter(|(s, _)| s.as_deref() == Some(user.staff.id.as_str()))
    else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "That took too long. Start again.",
        ));
    };
    debug_assert_eq!(subject, user.staff.id);
    let Ok(passkey) = state
        .webauthn
        .finish_passkey_registration(&finish.credential, &registration)
    else {
        return Ok(json_error(
            StatusCode::BAD_REQUEST,
            "The passkey was not added. Try again.",
        ));
    };
    let mut tx = state.db.pool.begin().await?;
    staff::insert_passkey(
        &mut tx,
        state.db.backend,
        &user.staff.id,
        &staff::passkey_name(&finish.name),
        &passkey,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Json(json!({ "redirect": "/account" })).into_response())
}

#[derive(Deserialize)]
struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

async fn rename_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    if form.name.trim().is_empty() {
        return account_page(
            &state,
            &user,
            &[FieldError::new(
                format!("name-{id}"),
                "Enter a name for the passkey",
            )],
        )
        .await;
    }
    let name = staff::passkey_name(&form.name);
    if !staff::rename_passkey(&state.db, &user.staff.id, &id, &name, now()).await? {
        return Err(BridgeError::NotFound);
    }
    Ok(Redirect::to("/account").into_response())
}

async fn remove_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    match staff::remove_passkey(&state.db, &user.staff.id, &id, now()).await? {
        Removed::Done => Ok(Redirect::to("/account").into_response()),
        Removed::NotFound => Err(BridgeError::NotFound),
        Removed::LastOne => {
            account_page(
                &state,
                &user,
                &[FieldError::new(
                    "remove",
                    "You cannot remove your only passkey. Add another one first.",
                )],
            )
            .await
        }
    }
}
