//! Signing out, here or everywhere.

use super::*;

pub(super) async fn sign_out_page(user: StaffUser) -> Response {
    views::page(
        &user,
        "Sign out",
        html! {
            h1 { "Sign out" }
            p { "You are signed in as " strong { (user.staff.name) } " (" (user.staff.email) ")." }
            (views::post_button(&user, "/sign-out", "Sign out", "Sign out", "button"))
            p { "Used FamilyStory on another computer and cannot get to it? "
                a href="/sign-out-everywhere" { "Sign out of all devices" } "." }
        },
    )
}

pub(super) fn signed_out_page(state: &AppState, title: &str, message: &str) -> Response {
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

pub(super) async fn sign_out(
    State(state): State<AppState>,
    user: StaffUser,
    client: Client,
    Posted(_): Posted,
) -> Result<Response> {
    let now = now();
    session::end_by_id(&state.db, &user.session.id, now).await?;
    let mut data = client.json();
    data["scope"] = json!("this device");
    record_sign_out(&state, &user, data).await?;
    Ok(signed_out_page(
        &state,
        "You have signed out",
        "You have signed out of FamilyStory for staff on this device.",
    ))
}

pub(super) async fn sign_out_everywhere_page(user: StaffUser) -> Response {
    views::page(
        &user,
        "Sign out of all devices",
        html! {
            h1 { "Sign out of all devices" }
            p { "This signs you out of FamilyStory for staff everywhere you are signed in, including this device. Your passkeys keep working." }
            p { "If you think someone else has used your account, also tell your manager and your IT service desk." }
            (views::post_button(&user, "/sign-out-everywhere", "Sign out of all devices", "Sign out of all devices", "button button-warning"))
        },
    )
}

pub(super) async fn sign_out_everywhere(
    State(state): State<AppState>,
    user: StaffUser,
    client: Client,
    Posted(_): Posted,
) -> Result<Response> {
    let now = now();
    let ended = session::end_all(&state.db, &user.staff.id, now).await?;
    let mut data = client.json();
    data["scope"] = json!("all devices");
    data["sessions_ended"] = json!(ended);
    record_sign_out(&state, &user, data).await?;
    Ok(signed_out_page(
        &state,
        "You have signed out of all devices",
        "Every session of your account has ended, on this device and any other.",
    ))
}

/// Records a sign-out in the ledger (its scope and the client in `data`).
async fn record_sign_out(state: &AppState, user: &StaffUser, data: Value) -> Result<()> {
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
    Ok(())
}
