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

mod account;
mod enrolment;
mod posted;
mod sign_in;
mod sign_out;

pub use posted::{Posted, PostedFiles};

use account::*;
use enrolment::*;
use sign_in::*;
use sign_out::*;

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
    /// For a duty worker: how many "I don't feel safe" messages wait for
    /// someone to act, and when the oldest arrived. Every page shows them.
    pub urgent: Option<(i64, i64)>,
    /// Family messages unread in the member's own conversations.
    pub unread_messages: i64,
}

impl FromRequestParts<AppState> for StaffUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Self::Rejection> {
        // Loaded once a request: `Posted` and the scope extractors ask too.
        if let Some(user) = parts.extensions.get::<StaffUser>() {
            return Ok(user.clone());
        }
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
            Ok(Some(staff)) if staff.disabled_at.is_none() => {
                let urgent = if staff.has(crate::staff::Role::Duty) {
                    crate::voice::urgent_summary(&state.db)
                        .await
                        .map_err(|e| BridgeError::from(e).into_response())?
                } else {
                    None
                };
                let unread_messages = crate::messages::inbox::unread_count(&state.db, &staff)
                    .await
                    .map_err(|e| BridgeError::from(e).into_response())?;
                let user = StaffUser {
                    session,
                    staff,
                    urgent,
                    unread_messages,
                };
                parts.extensions.insert(user.clone());
                Ok(user)
            }
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
