//! Signing in with a passkey: the address first, then the passkey it has (a
//! decoy challenge for an address nobody has), lockout after repeated failures.

use super::*;

#[derive(Deserialize, Default)]
pub struct EmailForm {
    #[serde(default)]
    email: String,
}

pub(super) async fn sign_in_page() -> Response {
    sign_in_form("", &[])
}

pub(super) fn sign_in_form(email: &str, errors: &[FieldError]) -> Response {
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
            form method="post" action="/sign-in" novalidate aria-label="Sign in with your email address" {
                (Input { id: "email", name: "email", label: "Work email address", hint: None,
                    value: email, kind: "email", autocomplete: "email" }.render(errors))
                button class="button" type="submit" { "Continue" }
            }
            p { "New to FamilyStory? Use the link in the email an administrator sent you to set up your account." }
        },
    )
}

pub(super) async fn sign_in_submit(
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
            form data-passkey="sign-in" aria-label="Sign in with your passkey" data-start=(start) data-finish="/sign-in/passkey/finish"
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

pub(super) fn serde_urlencoded_email(email: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("email", email)
        .finish()
}

#[derive(Serialize, Deserialize)]
pub(super) struct SignInState {
    email: String,
    staff_id: Option<String>,
    auth: Option<PasskeyAuthentication>,
}

static DECOY_SEED: OnceLock<[u8; 32]> = OnceLock::new();

pub(super) fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The options an unknown address gets: shaped as a real account's, naming a
/// credential that does not exist, the same one each time for the address.
pub(super) fn decoy_options(state: &AppState, email: &str) -> Value {
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

pub(super) async fn locked_answer(
    state: &AppState,
    email: &str,
    now: i64,
) -> Result<Option<Response>> {
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

pub(super) async fn sign_in_start(
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
    // webauthn-rs's options are made to be sent as JSON; serde_json fails only
    // on maps with non-string keys, which they have none of.
    #[allow(clippy::expect_used)]
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
pub(super) struct Finish<C> {
    pub ceremony: String,
    pub credential: C,
    #[serde(default)]
    pub name: String,
}

pub(super) fn parse_finish<C: serde::de::DeserializeOwned>(body: &[u8]) -> Option<Finish<C>> {
    serde_json::from_slice(body).ok()
}

pub(super) async fn sign_in_finish(
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

pub(super) async fn failed_sign_in(
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
pub(super) async fn start_session(
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
