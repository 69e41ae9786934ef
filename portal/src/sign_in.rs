//! Signing in: a passkey without typing anything, or a code or link sent to a
//! verified email address. The answer to "send me a code" is the same whether
//! or not the address belongs to anyone, and takes the same work on the
//! request path: one lookup, then everything else (the code's row and the
//! email) in the background. Also signing out.
//!
//! There is no account lock: wrong codes spend the code they were typed
//! against (`email_codes`), a passkey cannot be guessed, and a lock anyone
//! could set by typing at someone's address would be a way to keep a
//! parent or child out.

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use content::db::now;
use content::forms::{self, FieldError, Input};
use maud::html;
use serde::Deserialize;
use uuid::Uuid;
use webauthn_rs::prelude::{DiscoverableAuthentication, PublicKeyCredential};

use crate::email_codes::{self, Purpose};
use crate::error::Result;
use crate::family::{self, Client, Family};
use crate::pages::page;
use crate::{passkeys, people, AppState};

/// Signs the person in: a new session (a new id every time) and its cookie.
pub async fn start_session(
    state: &AppState,
    person: Uuid,
    client: &Client,
    how: &str,
    next: &str,
) -> Result<Response> {
    // Paused by the council: no session, and a page that says only that.
    if people::is_frozen(&state.db, person).await? {
        refused(state, Some(person), client, how, "paused").await?;
        return Ok(Redirect::to("/paused").into_response());
    }
    let (token, _) = state
        .sessions
        .create(&state.db, &person.to_string(), now())
        .await?;
    family::record(
        &state.db,
        "family_sign_in",
        Some(person),
        Some(client),
        serde_json::json!({ "method": how }),
    )
    .await?;
    Ok((
        [(header::SET_COOKIE, state.sessions.set_cookie(&token))],
        Redirect::to(next),
    )
        .into_response())
}

/// Records a refused sign-in for the ledger: how, why, and from where, but
/// never the code, link or credential that was tried. `person` is None when
/// the attempt names no account we know (an unknown address, a dead link, a
/// passkey that is nobody's). Whatever the reason, the person trying sees
/// the same refusal, so nothing says whether an account exists.
async fn refused(
    state: &AppState,
    person: Option<Uuid>,
    client: &Client,
    how: &str,
    reason: &str,
) -> Result<()> {
    family::record(
        &state.db,
        "family_sign_in_failed",
        person,
        Some(client),
        serde_json::json!({ "method": how, "reason": reason }),
    )
    .await?;
    Ok(())
}

pub async fn show() -> Response {
    sign_in_page("", &[])
}

fn sign_in_page(email: &str, errors: &[FieldError]) -> Response {
    page(
        &forms::title("Sign in", errors),
        html! {
            (forms::error_summary(errors))
            h1 { "Sign in" }
            form method="post" aria-label="Sign in with a passkey" data-passkey="sign-in" data-start="/sign-in/passkey/start"
                data-finish="/sign-in/passkey/finish" hidden
                data-failed="That did not work. Try again, or get a code by email below." {
                p { "Use the passkey on this phone: your fingerprint, face or screen lock." }
                p class="error-message" data-passkey-status hidden tabindex="-1" {}
                button type="submit" { "Sign in with a passkey" }
            }
            h2 { "Get a code by email" }
            form method="post" action="/sign-in/email" novalidate aria-label="Get a code by email" {
                (Input { id: "email", label: "Your email address", hint: Some("The one you gave FamilyStory"),
                    value: email, kind: "email", autocomplete: "email", numeric: false }.render(errors))
                button type="submit" class="secondary" { "Email me a code" }
            }
            h2 { "Can't sign in?" }
            p { "Ask your worker for a new code. You can also " a href="/start" { "start with a code" } "." }
            script src="/static/passkey.js" defer {}
        },
    )
}

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub async fn send_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(crate::pages::forbidden());
    }
    let email = form.email.trim().to_lowercase();
    if !email.contains('@') {
        return Ok(sign_in_page(
            &form.email,
            &[FieldError::new(
                "email",
                "Enter your email address, like name@example.com",
            )],
        ));
    }
    let person = people::find_for_email_sign_in(&state.db, &email).await?;
    let task_state = state.clone();
    let to = email.clone();
    // The same page, after the same work, whether or not the address is
    // known: the code's row and the email are written in the background.
    tokio::spawn(async move {
        if let Some(person) = person {
            if let Err(error) = send_sign_in_code(&task_state, person.id, to).await {
                tracing::warn!(%error, "sign-in code not sent");
            }
        }
    });
    Ok(code_page(&email, &[]))
}

/// Issues a code (unless this person has had too many this hour) and emails it.
async fn send_sign_in_code(state: &AppState, person: Uuid, email: String) -> anyhow::Result<()> {
    let Some(issued) = email_codes::issue(
        &state.db,
        &state.sealer,
        person,
        &email,
        Purpose::SignIn,
        now(),
    )
    .await?
    else {
        return Ok(());
    };
    let Some(mailer) = state.mailer.clone() else {
        return Ok(());
    };
    let link = format!("{}/sign-in/link?token={}", state.origin, issued.link_token);
    let text = format!(
        "Your FamilyStory sign-in code is {}\n\nIt works for 10 minutes. Or open this link to sign in:\n{}\n\nIf you did not ask for this, you can ignore this email.\n",
        issued.code, link
    );
    mailer
        .send(&email, "Your FamilyStory sign-in code", text)
        .await?;
    Ok(())
}

fn code_page(email: &str, errors: &[FieldError]) -> Response {
    page(
        &forms::title("Check your email", errors),
        html! {
            (forms::error_summary(errors))
            h1 { "Check your email" }
            p { "If this email address is linked to FamilyStory, we have sent a code to it. It can take a few minutes. The code works for 10 minutes." }
            form method="post" action="/sign-in/code" novalidate {
                input type="hidden" name="email" value=(email);
                (Input { id: "code", label: "Code", hint: Some("6 numbers"), value: "", kind: "text",
                    autocomplete: "one-time-code", numeric: true }.render(errors))
                button type="submit" { "Sign in" }
            }
            p { a href="/sign-in" { "Send another code" } }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    code: String,
}

pub async fn enter_code(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(crate::pages::forbidden());
    }
    let wrong = || {
        code_page(
            &form.email,
            &[FieldError::new(
                "code",
                "That code is not right or is too old. Check it, or ask for a new one.",
            )],
        )
    };
    let Some(person) = people::find_for_email_sign_in(&state.db, &form.email).await? else {
        refused(&state, None, &client, "email_code", "unknown_account").await?;
        return Ok(wrong());
    };
    let redeemed = email_codes::redeem_code(
        &state.db,
        &state.sealer,
        person.id,
        Purpose::SignIn,
        &form.code,
        now(),
    )
    .await?;
    let reason = match redeemed {
        email_codes::Redeemed::Right(_) => {
            return start_session(&state, person.id, &client, "email_code", "/home").await;
        }
        email_codes::Redeemed::Wrong => "wrong",
        // Nothing was sent (or it is spent): a stranger's guess costs the
        // person nothing.
        email_codes::Redeemed::NoLiveCode => "no_live_code",
    };
    refused(&state, Some(person.id), &client, "email_code", reason).await?;
    Ok(wrong())
}

#[derive(Deserialize, Default)]
pub struct LinkQuery {
    #[serde(default)]
    token: String,
}

/// The link from the email shows a button rather than signing in at once, so
/// an email scanner that follows links cannot use it up.
pub async fn show_link(Query(query): Query<LinkQuery>) -> Response {
    page(
        "Sign in",
        html! {
            h1 { "Sign in to FamilyStory" }
            form method="post" action="/sign-in/link" {
                input type="hidden" name="token" value=(query.token);
                button type="submit" { "Sign in" }
            }
        },
    )
}

pub async fn use_link(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    Form(form): Form<LinkQuery>,
) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(crate::pages::forbidden());
    }
    match email_codes::redeem_link(&state.db, &form.token, now()).await? {
        Some(person)
            if people::find_active(&state.db, person).await?.is_some()
                || people::is_frozen(&state.db, person).await? =>
        {
            return start_session(&state, person, &client, "email_link", "/home").await;
        }
        Some(person) => refused(&state, Some(person), &client, "email_link", "no_access").await?,
        // Unknown, used or too old: which, and whose, we cannot tell.
        None => refused(&state, None, &client, "email_link", "dead_link").await?,
    }
    Ok(page(
        "This link does not work",
        html! {
            h1 { "This link does not work" }
            p { "It may have been used already, or be more than 10 minutes old." }
            p { a href="/sign-in" { "Get a new code" } }
        },
    ))
}

/// The answer the passkey script shows when a ceremony step is refused.
pub(crate) fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}

/// Starts a usernameless passkey sign-in: the browser offers the passkeys it
/// holds for this site, and the one chosen says whose it is.
pub async fn passkey_start(State(state): State<AppState>, headers: HeaderMap) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(json_error(StatusCode::FORBIDDEN, "wrong origin"));
    }
    let Ok((mut options, ceremony)) = state.webauthn.start_discoverable_authentication() else {
        return Ok(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "passkeys are not available",
        ));
    };
    // A button press opens the browser's passkey chooser straight away.
    options.mediation = None;
    let token =
        content::passkeys::save_ceremony(&state.db, "family_sign_in", None, &ceremony, now())
            .await?;
    Ok(Json(serde_json::json!({ "ceremony": token, "options": options })).into_response())
}

#[derive(Deserialize)]
pub struct PasskeyFinish {
    ceremony: String,
    credential: PublicKeyCredential,
}

pub async fn passkey_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    Json(finish): Json<PasskeyFinish>,
) -> Result<Response> {
    if content::session::check_origin(&headers, &state.origin).is_err() {
        return Ok(json_error(StatusCode::FORBIDDEN, "wrong origin"));
    }
    let refusal = || json_error(StatusCode::BAD_REQUEST, "That passkey did not work.");
    let Some((_, ceremony)) = content::passkeys::take_ceremony::<DiscoverableAuthentication>(
        &state.db,
        "family_sign_in",
        &finish.ceremony,
        now(),
    )
    .await?
    else {
        refused(&state, None, &client, "passkey", "no_ceremony").await?;
        return Ok(refusal());
    };
    let Ok((person, credential_id)) = state
        .webauthn
        .identify_discoverable_authentication(&finish.credential)
    else {
        refused(&state, None, &client, "passkey", "unknown_passkey").await?;
        return Ok(refusal());
    };
    let credential_id = passkeys::credential_key(credential_id);
    // The user handle comes from the client: until a stored passkey matches
    // it, it names nobody, so the event carries no person.
    let Some(stored) = passkeys::find(&state.db, person, &credential_id).await? else {
        refused(&state, None, &client, "passkey", "unknown_passkey").await?;
        return Ok(refusal());
    };
    match state.webauthn.finish_discoverable_authentication_v2(
        &finish.credential,
        ceremony,
        &stored.passkey,
    ) {
        Ok(result) => {
            let mut passkey = stored.passkey;
            passkey.update_credential(&result);
            passkeys::used(&state.db, person, &passkey, now()).await?;
            let response = start_session(&state, person, &client, "passkey", "/home").await?;
            // The script follows the redirect itself; hand it over as JSON
            // (to /home, or to /paused when the council paused access).
            let cookie = response.headers().get(header::SET_COOKIE).cloned();
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .unwrap_or("/home")
                .to_string();
            let mut json = Json(serde_json::json!({ "redirect": next })).into_response();
            if let Some(cookie) = cookie {
                json.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            Ok(json)
        }
        Err(_) => {
            refused(&state, Some(person), &client, "passkey", "wrong").await?;
            Ok(refusal())
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(crate::pages::forbidden());
    }
    content::session::end_by_id(&state.db, &family.session.id, now()).await?;
    family::record(
        &state.db,
        "family_sign_out",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({}),
    )
    .await?;
    Ok((
        [(header::SET_COOKIE, state.sessions.clear_cookie())],
        Redirect::to("/signed-out"),
    )
        .into_response())
}

/// "Exit this page": ends the session there is one, tells the browser to
/// forget everything this site stored, and leaves for the neutral site. Every
/// portal page is `no-store`, so Back asks the server again and, signed out,
/// gets the sign-in page instead of what was on screen. A GET, so that it
/// works as a plain link without JavaScript, and a POST, which `exit.js`
/// sends as a beacon while it leaves. No CSRF token: a forged request can do
/// no more than sign someone out, the safe side to err on on a shared phone.
pub async fn quick_exit(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
) -> Result<Response> {
    if let Some(session) = state.sessions.load(&state.db, &headers, now()).await? {
        content::session::end_by_id(&state.db, &session.id, now()).await?;
        if let Ok(person) = session.subject.parse() {
            family::record(
                &state.db,
                "family_sign_out",
                Some(person),
                Some(&client),
                serde_json::json!({ "quick_exit": true }),
            )
            .await?;
        }
    }
    Ok((
        [
            (header::SET_COOKIE, state.sessions.clear_cookie()),
            (
                header::HeaderName::from_static("clear-site-data"),
                header::HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
            ),
        ],
        Redirect::to(crate::pages::QUICK_EXIT_URL),
    )
        .into_response())
}

pub async fn sign_out_everywhere(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(crate::pages::forbidden());
    }
    if !crate::account::fresh(&family, now()) {
        return Ok(crate::account::not_fresh_page(&family));
    }
    let ended = content::session::end_all(&state.db, &family.person.id.to_string(), now()).await?;
    family::record(
        &state.db,
        "family_sign_out_everywhere",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({ "sessions": ended }),
    )
    .await?;
    crate::account::tell_old_address(
        &state,
        &family.person,
        "Every phone and computer was signed out",
    );
    Ok((
        [(header::SET_COOKIE, state.sessions.clear_cookie())],
        Redirect::to("/signed-out"),
    )
        .into_response())
}

/// Where sign-in leads while the council has paused a person's access. It
/// says nothing about why, in case someone else is reading the screen.
pub async fn paused() -> Response {
    page(
        "Your account is paused",
        html! {
            h1 { "Your account is paused" }
            p { "You cannot use FamilyStory at the moment." }
            p { "Please contact your worker. They can tell you more." }
        },
    )
}

pub async fn signed_out() -> Response {
    page(
        "You have signed out",
        html! {
            h1 { "You have signed out" }
            p { "Nobody using this phone can see your things now." }
            p { a href="/sign-in" { "Sign in again" } }
        },
    )
}
