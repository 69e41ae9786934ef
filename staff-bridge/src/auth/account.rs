//! A staff member's own account: their passkeys, added, renamed and removed.

use super::*;

pub(super) async fn account(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    account_page(&state, &user, &[]).await
}

pub(super) async fn account_page(
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
    let digest = crate::messages::digest::wanted(&state.db, &user.staff.id).await?;
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
                                form method="post" action={ "/account/passkeys/" (key.id) "/name" } class="inline-form" aria-label={ "Rename " (key.name) } {
                                    (views::csrf(user))
                                    (Input { id: &format!("name-{}", key.id), name: "name",
                                        label: &format!("New name for {}", key.name), hint: None,
                                        value: &key.name, kind: "text", autocomplete: "off" }.render(errors))
                                    button class="button button-secondary" type="submit" { "Rename" }
                                }
                                @if keys.len() > 1 {
                                    form method="post" action={ "/account/passkeys/" (key.id) "/remove" } class="inline-form" id={ "remove-" (key.id) } aria-label={ "Remove " (key.name) } {
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
            form data-passkey="register" aria-label="Add another passkey" data-start="/account/passkeys/start" data-finish="/account/passkeys/finish"
                data-failed="The passkey was not added. Try again."
                hidden {
                (views::csrf(user))
                (Input { id: "new-name", name: "name", label: "Name the new passkey",
                    hint: Some("For example ‘Work phone’."), value: "", kind: "text", autocomplete: "off" }.render(&[]))
                button class="button" type="submit" { "Add a passkey" }
                p class="error-message" data-passkey-status hidden tabindex="-1" role="alert" {}
            }
            (views::passkey_help("Add a passkey"))
            (crate::messages::digest::setting(user, digest))
            h2 { "Signing out" }
            p { a href="/sign-out-everywhere" { "Sign out of all devices" } }
            script src="/static/passkey.js" defer {}
        },
    ))
}

/// The passkey script sends the CSRF token in a header and reads a JSON
/// answer: a refusal it can show, or None when the token is right.
fn script_csrf_refused(
    state: &AppState,
    headers: &HeaderMap,
    user: &StaffUser,
) -> Option<Response> {
    check_csrf(state, headers, user, content::forms::csrf_header(headers))
        .is_err()
        .then(|| json_error(StatusCode::FORBIDDEN, "Refresh the page and try again."))
}

pub(super) async fn add_passkey_start(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
) -> Result<Response> {
    if let Some(refused) = script_csrf_refused(&state, &headers, &user) {
        return Ok(refused);
    }
    registration_start(&state, &user.staff, ADD_PASSKEY, now()).await
}

pub(super) async fn add_passkey_finish(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    body: Bytes,
) -> Result<Response> {
    if let Some(refused) = script_csrf_refused(&state, &headers, &user) {
        return Ok(refused);
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
pub(super) struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub(super) async fn rename_passkey(
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
    if !staff::rename_passkey(&state.db, user.staff.staff_id(), &id, &name, now()).await? {
        return Err(BridgeError::NotFound);
    }
    Ok(Redirect::to("/account").into_response())
}

pub(super) async fn remove_passkey(
    State(state): State<AppState>,
    user: StaffUser,
    Path(id): Path<String>,
    Posted(_): Posted,
) -> Result<Response> {
    match staff::remove_passkey(&state.db, user.staff.staff_id(), &id, now()).await? {
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
