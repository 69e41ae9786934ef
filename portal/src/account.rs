//! A person's own account: how they sign in (passkeys, a verified email), and
//! signing out everywhere. Right after an invitation, the same page asks them
//! to set up a way back in.
//!
//! A session borrowed from an unlocked phone must not be able to take the
//! account over: adding a passkey, adding or changing the email and signing
//! out everywhere need a sign-in within the last [`FRESH_SECONDS`], and each
//! change is told to the address the person had before (without saying
//! anything about their case) and goes to the ledger through the outbox.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use content::db::now;
use content::forms::{self, FieldError, Input};
use maud::{html, Markup};
use serde::Deserialize;
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::email_codes::{self, Purpose};
use crate::error::Result;
use crate::family::{self, Client, Family};
use crate::pages::{forbidden, page};
use crate::people::Person;
use crate::sign_in::json_error;
use crate::{passkeys, people, AppState};

/// How recently the person must have signed in to change how they sign in.
pub const FRESH_SECONDS: i64 = 300;

/// Whether this session began with a sign-in recent enough for changes to
/// how the person signs in.
pub fn fresh(family: &Family, now: i64) -> bool {
    now - family.session.created_at <= FRESH_SECONDS
}

/// In place of the forms that change how the person signs in, when their
/// sign-in is not fresh.
fn sign_in_again(family: &Family) -> Markup {
    html! {
        div class="inset" {
            p { "To add a passkey, change your email or sign out everywhere, please sign in again first. This keeps your account safe if someone else picks up your phone." }
            form method="post" action="/sign-out" aria-label="Sign in again" {
                (forms::csrf(&family.session.csrf))
                button type="submit" class="secondary" { "Sign in again" }
            }
        }
    }
}

/// The answer to a change asked for on a session that is not fresh.
pub(crate) fn not_fresh_page(family: &Family) -> Response {
    page(
        "Sign in again first",
        html! {
            h1 { "Sign in again first" }
            (sign_in_again(family))
            p { a href="/account" { "Back to your account" } }
        },
    )
}

/// Tells the person, at the address they had before the change, that
/// something changed on their account: nothing about their case, no code.
pub(crate) fn tell_old_address(state: &AppState, person: &Person, what: &str) {
    let (Some(mailer), Some(to)) = (state.mailer.clone(), person.email.clone()) else {
        return;
    };
    let text = format!(
        "{what} on your FamilyStory account.\n\n\
         If this was you, you do not need to do anything.\n\n\
         If it was not you, tell your worker straight away: they can stop anyone else signing in as you.\n"
    );
    tokio::spawn(async move {
        if let Err(error) = mailer
            .send(&to, "A change to your FamilyStory account", text)
            .await
        {
            tracing::warn!(%error, "account change email not sent");
        }
    });
}

fn passkey_form(family: &Family, first: bool) -> Markup {
    html! {
        form method="post" data-passkey="register" aria-label="Add a passkey" data-start="/account/passkeys/start"
            data-finish="/account/passkeys/finish" hidden
            data-failed="That did not work. You can try again, or use your email to sign in." {
            (forms::csrf(&family.session.csrf))
            (Input { id: "name", label: "Name this passkey", hint: Some("So you know which phone it is, like My phone"),
                value: if first { "My phone" } else { "" }, kind: "text", autocomplete: "off", numeric: false }.render(&[]))
            p class="error-message" data-passkey-status hidden tabindex="-1" {}
            button type="submit" { "Add a passkey" }
        }
        noscript { p { "Passkeys need JavaScript. You can sign in with a code sent to your email instead." } }
    }
}

fn email_form(family: &Family, value: &str, errors: &[FieldError]) -> Markup {
    html! {
        form method="post" action="/account/email" novalidate aria-label="Email address for signing in" {
            (forms::csrf(&family.session.csrf))
            (Input { id: "email", label: "Email address", hint: Some("We will send a code to check it is yours"),
                value, kind: "email", autocomplete: "email", numeric: false }.render(errors))
            button type="submit" class="secondary" { "Send a code" }
        }
    }
}

pub async fn setup(State(state): State<AppState>, family: Family) -> Result<Response> {
    let has_passkey = !passkeys::of_person(&state.db, family.person.id)
        .await?
        .is_empty();
    if !fresh(&family, now()) {
        return account_page(&state, &family, &[]).await;
    }
    Ok(page(
        "Set up signing in",
        html! {
            h1 { "Welcome, " (family.person.first_name) }
            p class="lede" { "Your code has now been used. Choose how you will sign in next time." }
            h2 { "Use this phone's lock (a passkey)" }
            p { "This is the easiest way. You sign in with your fingerprint, face or screen lock." }
            @if has_passkey { p class="notice" { "You have a passkey. You can add another for a different phone." } }
            (passkey_form(&family, !has_passkey))
            h2 { "Use your email" }
            @match &family.person.email {
                Some(email) => p { "You can sign in with a code sent to " strong { (email) } "." },
                None => (email_form(&family, "", &[])),
            }
            p { a class="button secondary" href="/home" { "Go to my page" } }
            script src="/static/passkey.js" defer {}
        },
    ))
}

pub async fn show(State(state): State<AppState>, family: Family) -> Result<Response> {
    account_page(&state, &family, &[]).await
}

async fn account_page(
    state: &AppState,
    family: &Family,
    errors: &[FieldError],
) -> Result<Response> {
    let keys = passkeys::of_person(&state.db, family.person.id).await?;
    let fresh = fresh(family, now());
    let emails_on = crate::messages::notify::emails_on(&state.db, family.person.id).await?;
    Ok(page(
        &forms::title("Your account", errors),
        html! {
            (forms::error_summary(errors))
            h1 { "Your account" }
            h2 { "Passkeys" }
            @if keys.is_empty() { p { "You have no passkeys." } }
            @for (i, key) in keys.iter().enumerate() {
                div class="card" {
                    p { strong { (key.name) } }
                    form method="post" action={ "/account/passkeys/" (key.credential_id) "/rename" } aria-label={ "Rename " (key.name) } {
                        (forms::csrf(&family.session.csrf))
                        // An id of its own: the add-a-passkey form's field is
                        // "name", and one id may have one label only.
                        @let id = format!("rename-{}", i + 1);
                        div class="field" {
                            label for=(id) { "New name" }
                            input id=(id) name="name" type="text" value=(key.name) autocomplete="off" spellcheck="false";
                        }
                        button type="submit" class="secondary" { "Rename" span class="visually-hidden" { " " (key.name) } }
                    }
                    form method="post" action={ "/account/passkeys/" (key.credential_id) "/remove" } aria-label={ "Remove " (key.name) } {
                        (forms::csrf(&family.session.csrf))
                        button type="submit" class="secondary" { "Remove" span class="visually-hidden" { " " (key.name) } }
                    }
                }
            }
            @if fresh { (passkey_form(family, keys.is_empty())) } @else { (sign_in_again(family)) }
            h2 { "Email" }
            @if let Some(email) = &family.person.email {
                p { "You can sign in with a code sent to " strong { (email) } "." }
            }
            @if family.person.email_sign_in_stopped {
                p class="inset" { "Signing in by email is stopped for now, because your worker was told a phone was lost. Ask your worker to turn it back on, or for a new invitation." }
            }
            @if fresh {
                @if family.person.email.is_some() { h3 { "Use a different email address" } }
                (email_form(family, "", errors))
            }
            (crate::messages::pages::email_setting(family, emails_on))
            h2 { "Sign out" }
            form method="post" action="/sign-out" class="inline" aria-label="Sign out" {
                (forms::csrf(&family.session.csrf))
                button type="submit" class="secondary" { "Sign out" }
            }
            @if fresh {
                form method="post" action="/sign-out-everywhere" aria-label="Sign out everywhere" {
                    (forms::csrf(&family.session.csrf))
                    p { "Lost a phone, or used someone else's? Sign out on every phone and computer." }
                    button type="submit" class="secondary" { "Sign out everywhere" }
                }
            } @else {
                p { "Lost a phone, or used someone else's? Sign in again above, then you can sign out on every phone and computer." }
            }
            script src="/static/passkey.js" defer {}
        },
    ))
}

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

pub async fn add_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(forbidden());
    }
    if !fresh(&family, now()) {
        return Ok(not_fresh_page(&family));
    }
    let email = form.email.trim().to_lowercase();
    let plausible = email
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
    if !plausible {
        return account_page(
            &state,
            &family,
            &[FieldError::new(
                "email",
                "Enter an email address, like name@example.com",
            )],
        )
        .await;
    }
    let issued = email_codes::issue(
        &state.db,
        &state.sealer,
        family.person.id,
        &email,
        Purpose::VerifyEmail,
        now(),
    )
    .await?;
    let Some(issued) = issued else {
        return account_page(
            &state,
            &family,
            &[FieldError::new(
                "email",
                "We have sent you a lot of codes in the last hour. Wait an hour, then try again.",
            )],
        )
        .await;
    };
    if let Some(mailer) = state.mailer.clone() {
        let text = format!(
            "Your FamilyStory code is {}\n\nEnter it on FamilyStory to check this is your email address. It works for 10 minutes.\n\nIf you did not ask for this, you can ignore this email.\n",
            issued.code
        );
        let to = email.clone();
        tokio::spawn(async move {
            if let Err(error) = mailer
                .send(&to, "Check your email address for FamilyStory", text)
                .await
            {
                tracing::warn!(%error, "verification email not sent");
            }
        });
    }
    Ok(confirm_page(&family, &email, &[]))
}

fn confirm_page(family: &Family, email: &str, errors: &[FieldError]) -> Response {
    page(
        &forms::title("Check your email", errors),
        html! {
            (forms::error_summary(errors))
            h1 { "Check your email" }
            p { "We sent a code to " strong { (email) } ". It works for 10 minutes." }
            form method="post" action="/account/email/confirm" novalidate {
                (forms::csrf(&family.session.csrf))
                (Input { id: "code", label: "Code", hint: Some("6 numbers"), value: "", kind: "text",
                    autocomplete: "one-time-code", numeric: true }.render(errors))
                button type="submit" { "Confirm" }
            }
            p { a href="/account" { "Use a different email address" } }
        },
    )
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn confirm_email(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(forbidden());
    }
    if !fresh(&family, now()) {
        return Ok(not_fresh_page(&family));
    }
    let redeemed = email_codes::redeem_code(
        &state.db,
        &state.sealer,
        family.person.id,
        Purpose::VerifyEmail,
        &form.code,
        now(),
    )
    .await?;
    let email_codes::Redeemed::Right(email) = redeemed else {
        let errors = [FieldError::new(
            "code",
            "That code is not right or is too old. Check it, or send a new one.",
        )];
        return Ok(page(
            "Error: Check your email",
            html! {
                (forms::error_summary(&errors))
                h1 { "Check your email" }
                form method="post" action="/account/email/confirm" novalidate {
                    (forms::csrf(&family.session.csrf))
                    (Input { id: "code", label: "Code", hint: Some("6 numbers"), value: "", kind: "text",
                        autocomplete: "one-time-code", numeric: true }.render(&errors))
                    button type="submit" { "Confirm" }
                }
                p { a href="/account" { "Send a new code" } }
            },
        ));
    };
    if !people::set_email(&state.db, family.person.id, &email).await? {
        return account_page(
            &state,
            &family,
            &[FieldError::new(
                "email",
                "This email address cannot be used for FamilyStory. Try another, or use a passkey.",
            )],
        )
        .await;
    }
    let changed = family.person.email.is_some();
    family::record(
        &state.db,
        "email_verified",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({ "changed": changed }),
    )
    .await?;
    if changed {
        tell_old_address(
            &state,
            &family.person,
            "The email address for signing in was changed",
        );
    }
    Ok(Redirect::to("/account").into_response())
}

/// Why the passkey script's request is refused, as JSON it can show: not
/// from this session's page, or a sign-in too old to add a passkey on.
fn passkey_refused(state: &AppState, headers: &HeaderMap, family: &Family) -> Option<Response> {
    let csrf = content::forms::csrf_header(headers);
    if content::session::check_csrf(headers, &state.origin, &family.session.csrf, csrf).is_err() {
        return Some(json_error(StatusCode::FORBIDDEN, "refused"));
    }
    (!fresh(family, now())).then(|| {
        json_error(
            StatusCode::FORBIDDEN,
            "Please sign in again first, then add the passkey.",
        )
    })
}

pub async fn passkey_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    family: Family,
) -> Result<Response> {
    if let Some(refused) = passkey_refused(&state, &headers, &family) {
        return Ok(refused);
    }
    let existing = passkeys::of_person(&state.db, family.person.id).await?;
    let exclude = existing
        .iter()
        .map(|k| k.passkey.cred_id().clone())
        .collect::<Vec<_>>();
    let person = &family.person;
    let Ok((mut options, registration)) = state.webauthn.start_passkey_registration(
        person.id,
        &person.first_name,
        &person.display_name,
        Some(exclude),
    ) else {
        return Ok(json_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "passkeys are not available",
        ));
    };
    // Ask for a discoverable credential where the device can, so sign-in
    // needs no typing at all.
    if let Some(selection) = options.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    let subject = person.id.to_string();
    let token = content::passkeys::save_ceremony(
        &state.db,
        "family_register",
        Some(&subject),
        &registration,
        now(),
    )
    .await?;
    Ok(Json(serde_json::json!({ "ceremony": token, "options": options })).into_response())
}

#[derive(Deserialize)]
pub struct PasskeyFinish {
    ceremony: String,
    #[serde(default)]
    name: String,
    credential: RegisterPublicKeyCredential,
}

pub async fn passkey_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Json(finish): Json<PasskeyFinish>,
) -> Result<Response> {
    if let Some(refused) = passkey_refused(&state, &headers, &family) {
        return Ok(refused);
    }
    let refused = || json_error(StatusCode::BAD_REQUEST, "That did not work.");
    let taken = content::passkeys::take_ceremony::<PasskeyRegistration>(
        &state.db,
        "family_register",
        &finish.ceremony,
        now(),
    )
    .await?;
    let Some((Some(subject), registration)) = taken else {
        return Ok(refused());
    };
    if subject != family.person.id.to_string() {
        return Ok(refused());
    }
    let Ok(passkey) = state
        .webauthn
        .finish_passkey_registration(&finish.credential, &registration)
    else {
        return Ok(refused());
    };
    let name = clean_name(&finish.name);
    passkeys::add(&state.db, family.person.id, &name, &passkey, now()).await?;
    family::record(
        &state.db,
        "passkey_added",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({}),
    )
    .await?;
    tell_old_address(&state, &family.person, "A passkey was added");
    Ok(Json(serde_json::json!({ "redirect": "/account" })).into_response())
}

fn clean_name(name: &str) -> String {
    let name: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(60)
        .collect();
    if name.is_empty() {
        "My passkey".to_string()
    } else {
        name
    }
}

#[derive(Deserialize, Default)]
pub struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn rename_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Path(credential): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(forbidden());
    }
    if !passkeys::rename(
        &state.db,
        family.person.id,
        &credential,
        &clean_name(&form.name),
    )
    .await?
    {
        return Err(crate::error::PortalError::NotFound);
    }
    // The new name is the person's own words, so it stays on the portal.
    family::record(
        &state.db,
        "passkey_renamed",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({}),
    )
    .await?;
    Ok(Redirect::to("/account").into_response())
}

pub async fn remove_passkey(
    State(state): State<AppState>,
    headers: HeaderMap,
    client: Client,
    family: Family,
    Path(credential): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response> {
    if content::session::check_csrf(&headers, &state.origin, &family.session.csrf, &form.csrf)
        .is_err()
    {
        return Ok(forbidden());
    }
    if !passkeys::remove(&state.db, family.person.id, &credential).await? {
        return Err(crate::error::PortalError::NotFound);
    }
    family::record(
        &state.db,
        "passkey_removed",
        Some(family.person.id),
        Some(&client),
        serde_json::json!({}),
    )
    .await?;
    Ok(Redirect::to("/account").into_response())
}
