//! Enrolment: the one-time link from an administrator registers the first
//! passkey and signs the person in.

use super::*;

pub(super) fn link_not_working() -> Response {
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

pub(super) async fn enrol_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
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
            form data-passkey="register" aria-label="Set up your passkey" data-start={ "/enrol/" (token) "/start" } data-finish={ "/enrol/" (token) "/finish" }
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

pub(super) async fn enrol_start(
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

pub(super) async fn registration_start(
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

pub(super) async fn enrol_finish(
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
