//! `/admin/staff`: administrators add staff (who get a one-time enrolment
//! link), change roles, disable and re-enable accounts, send a new enrolment
//! link, and grant a practitioner a case they are not allocated to.
//!
//! A signed-in member without the admin role gets 403 here: that these pages
//! exist is no secret, and the answer tells them to ask an administrator.
//! (Cases answer 404 instead, because a case's existence is itself private.)
//! Everyone not signed in is sent to sign in first.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use content::db::now;
use maud::html;
use serde::Deserialize;

use crate::auth::{check_csrf, Posted, StaffUser};
use crate::error::{BridgeError, Result};
use crate::staff::{self, AddError, AddOrSendError, Delivery, NewStaff, Role, StaffMember};
use content::forms::Fields;

use crate::views::{self, FieldError, Input};
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/staff", get(staff_list).post(add_staff))
        .route("/admin/staff/{id}/roles", post(change_roles))
        .route("/admin/staff/{id}/disable", post(disable))
        .route("/admin/staff/{id}/enable", post(enable))
        .route("/admin/staff/{id}/enrolment", post(new_link))
        .route("/admin/staff/{id}/grants", post(grant))
}

fn admin_only(user: &StaffUser) -> Result<()> {
    if user.staff.has(Role::Admin) {
        Ok(())
    } else {
        Err(BridgeError::Forbidden)
    }
}

fn roles_of(form: &Fields) -> Vec<Role> {
    form.all("role")
        .into_iter()
        .filter_map(Role::parse)
        .collect()
}

#[derive(Default)]
struct AddValues {
    email: String,
    name: String,
    roles: Vec<Role>,
}

async fn staff_list(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    admin_only(&user)?;
    list_page(&state, &user, &AddValues::default(), &[], None).await
}

async fn list_page(
    state: &AppState,
    user: &StaffUser,
    values: &AddValues,
    errors: &[FieldError],
    notice: Option<maud::Markup>,
) -> Result<Response> {
    let members = staff::list(&state.db).await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(views::page_with_status(
        user,
        status,
        &views::title("Staff", errors),
        html! {
            (views::error_summary(errors))
            @if let Some(notice) = notice {
                div class="notification" role="status" { (notice) }
            }
            h1 { "Staff" }
            h2 { "Add a member of staff" }
            p { "They get a link, which works once for " (staff::ENROLMENT_HOURS) " hours, to set up a passkey." }
            form method="post" action="/admin/staff" novalidate aria-label="Add a member of staff" {
                (views::csrf(user))
                (Input { id: "name", name: "name", label: "Full name", hint: None, value: &values.name,
                    kind: "text", autocomplete: "off" }.render(errors))
                (Input { id: "email", name: "email", label: "Work email address",
                    hint: Some("They sign in with this address."), value: &values.email,
                    kind: "email", autocomplete: "off" }.render(errors))
                (views::role_checkboxes("roles", "Roles", &values.roles, errors))
                button class="button" type="submit" { "Add and send the link" }
            }
            h2 { "Everyone" }
            @for m in &members {
                (member_section(user, m, errors))
            }
        },
    ))
}

fn member_section(user: &StaffUser, m: &StaffMember, errors: &[FieldError]) -> maud::Markup {
    let base = format!("/admin/staff/{}", m.id);
    let grant_id = format!("grant-{}", m.id);
    html! {
        section class="staff-member" id={ "staff-" (m.id) } {
            h3 { (m.name) }
            p { (m.email)
                @if m.disabled_at.is_some() { " · " strong { "disabled" } } }
            form method="post" action={ (base) "/roles" } aria-label={ "Roles of " (m.name) } {
                (views::csrf(user))
                (views::role_checkboxes(&roles_id(m), &format!("Roles of {}", m.name), &m.roles, errors))
                button class="button button-secondary" type="submit" { "Save roles " span class="visually-hidden" { "of " (m.name) } }
            }
            form method="post" action={ (base) "/grants" } aria-label={ "Give " (m.name) " access to a case" } {
                (views::csrf(user))
                (Input { id: &grant_id, name: "reference", label: &format!("Give {} access to a case", m.name),
                    hint: Some("The case reference, for a case they are not allocated to in the case system."),
                    value: "", kind: "text", autocomplete: "off" }.render(errors))
                button class="button button-secondary" type="submit" { "Give access" }
            }
            @if m.id != user.staff.id {
                @if m.disabled_at.is_some() {
                    (views::post_button(user, &format!("{base}/enable"), &format!("Enable {}’s account", m.name), "Enable the account", "button button-secondary"))
                } @else {
                    (views::post_button(user, &format!("{base}/disable"), &format!("Disable {}’s account", m.name), "Disable the account", "button button-warning"))
                }
            }
            (views::post_button(user, &format!("{base}/enrolment"), &format!("Send {} a new enrolment link", m.name), "Send a new enrolment link", "button button-secondary"))
        }
    }
}

/// The id of a member's first role checkbox, which errors link to.
fn roles_id(m: &StaffMember) -> String {
    format!("roles-{}", m.id)
}

fn delivered_notice(member: &StaffMember, delivery: &Delivery) -> maud::Markup {
    match delivery {
        Delivery::Emailed => html! {
            p { "We have emailed " (member.name) " a link to set up their passkey at " (member.email) "." }
        },
        Delivery::ShowLink(link) => html! {
            p { "Email is not set up here, so give " (member.name) " this link yourself. It works once, for " (staff::ENROLMENT_HOURS) " hours, and is shown only now:" }
            p { code class="link" { (link) } }
        },
    }
}

async fn add_staff(
    State(state): State<AppState>,
    user: StaffUser,
    Posted(form): Posted,
) -> Result<Response> {
    admin_only(&user)?;
    let values = AddValues {
        email: form.get("email").to_string(),
        name: form.get("name").to_string(),
        roles: roles_of(&form),
    };
    let mut errors = Vec::new();
    if values.name.trim().is_empty() {
        errors.push(FieldError::new("name", AddError::NoName.to_string()));
    }
    if staff::normalise_email(&values.email).is_none() {
        errors.push(FieldError::new("email", AddError::InvalidEmail.to_string()));
    }
    if values.roles.is_empty() {
        errors.push(FieldError::new("roles", AddError::NoRoles.to_string()));
    }
    if !errors.is_empty() {
        return list_page(&state, &user, &values, &errors, None).await;
    }
    let new = NewStaff {
        email: values.email.clone(),
        name: values.name.clone(),
        roles: values.roles.clone(),
    };
    match staff::add_and_enrol(
        &state.db,
        state.mailer.as_ref(),
        &state.public_url,
        &new,
        Some(&user.staff.id),
        now(),
    )
    .await
    {
        Ok((member, delivery)) => {
            list_page(
                &state,
                &user,
                &AddValues::default(),
                &[],
                Some(delivered_notice(&member, &delivery)),
            )
            .await
        }
        Err(AddOrSendError::Add(AddError::AlreadyExists)) => {
            let errors = [FieldError::new(
                "email",
                AddError::AlreadyExists.to_string(),
            )];
            list_page(&state, &user, &values, &errors, None).await
        }
        Err(AddOrSendError::Add(AddError::Database(e))) => Err(e.into()),
        Err(AddOrSendError::Add(other)) => {
            let errors = [FieldError::new("email", other.to_string())];
            list_page(&state, &user, &values, &errors, None).await
        }
        Err(AddOrSendError::Mail(member, error)) => {
            tracing::warn!(%error, "an enrolment email could not be sent");
            let notice = html! {
                p { (member.name) " has been added, but the email with their link could not be sent. Use ‘Send a new enrolment link’ to try again." }
            };
            list_page(&state, &user, &AddValues::default(), &[], Some(notice)).await
        }
    }
}

/// The member of staff an administrator manages, from the `{id}` in the
/// path. Anyone but an administrator is refused; an unknown id is 404.
struct Managed {
    user: StaffUser,
    member: StaffMember,
}

impl FromRequestParts<AppState> for Managed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> std::result::Result<Self, Response> {
        let user = StaffUser::from_request_parts(parts, state).await?;
        admin_only(&user).map_err(IntoResponse::into_response)?;
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| BridgeError::NotFound.into_response())?;
        let member = staff::find_by_id(&state.db, &id)
            .await
            .map_err(|e| BridgeError::from(e).into_response())?
            .ok_or_else(|| BridgeError::NotFound.into_response())?;
        Ok(Managed { user, member })
    }
}

async fn change_roles(
    State(state): State<AppState>,
    Managed { user, member }: Managed,
    Posted(form): Posted,
) -> Result<Response> {
    let roles = roles_of(&form);
    if roles.is_empty() {
        let errors = [FieldError::new(
            roles_id(&member),
            format!(
                "Choose at least one role for {}, or disable their account",
                member.name
            ),
        )];
        return list_page(&state, &user, &AddValues::default(), &errors, None).await;
    }
    // Nobody grants themselves powers: another administrator must.
    let same = |roles: &[Role]| {
        let mut r = roles.to_vec();
        r.sort();
        r.dedup();
        r
    };
    if member.id == user.staff.id && same(&roles) != same(&member.roles) {
        let errors = [FieldError::new(
            roles_id(&member),
            "You cannot change your own roles. Ask another administrator.",
        )];
        return list_page(&state, &user, &AddValues::default(), &errors, None).await;
    }
    staff::set_roles(&state.db, &member, &roles, &user.staff.id, now()).await?;
    Ok(Redirect::to("/admin/staff").into_response())
}

async fn disable(
    State(state): State<AppState>,
    Managed { user, member }: Managed,
    Posted(_): Posted,
) -> Result<Response> {
    if member.id == user.staff.id {
        return Err(BridgeError::Forbidden);
    }
    staff::set_disabled(&state.db, &member, true, &user.staff.id, now()).await?;
    Ok(Redirect::to("/admin/staff").into_response())
}

async fn enable(
    State(state): State<AppState>,
    Managed { user, member }: Managed,
    Posted(_): Posted,
) -> Result<Response> {
    staff::set_disabled(&state.db, &member, false, &user.staff.id, now()).await?;
    Ok(Redirect::to("/admin/staff").into_response())
}

async fn new_link(
    State(state): State<AppState>,
    Managed { user, member }: Managed,
    Posted(_): Posted,
) -> Result<Response> {
    let token = staff::new_enrolment(&state.db, &member.id, &user.staff.id, now()).await?;
    let link = staff::enrolment_link(&state.public_url, &token);
    let notice = match staff::deliver_enrolment(state.mailer.as_ref(), &member, link).await {
        Ok(delivery) => delivered_notice(&member, &delivery),
        Err(error) => {
            tracing::warn!(%error, "an enrolment email could not be sent");
            html! { p { "The email to " (member.name) " could not be sent. Try again later." } }
        }
    };
    list_page(&state, &user, &AddValues::default(), &[], Some(notice)).await
}

#[derive(Deserialize)]
struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reference: String,
}

async fn grant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Managed { user, member }: Managed,
    axum::Form(form): axum::Form<GrantForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let reference = form.reference.trim();
    if member.id == user.staff.id {
        let errors = [FieldError::new(
            format!("grant-{}", member.id),
            "You cannot give yourself a case. Ask another administrator.",
        )];
        return list_page(&state, &user, &AddValues::default(), &errors, None).await;
    }
    if !staff::grant_case(
        &state.db,
        member.staff_id(),
        reference,
        user.staff.staff_id(),
        now(),
    )
    .await?
    {
        let errors = [FieldError::new(
            format!("grant-{}", member.id),
            format!("There is no case with the reference {reference:?}"),
        )];
        return list_page(&state, &user, &AddValues::default(), &errors, None).await;
    }
    let notice = html! { p { (member.name) " can now see case " (reference) "." } };
    list_page(&state, &user, &AddValues::default(), &[], Some(notice)).await
}
