//! The cases pages and what staff do there for a family's access: invite a
//! family member (a letter with the code and a QR code, or an email), revoke
//! an invitation, and revoke a person's passkeys when a phone is lost. Owns
//! the bridge's `invitations` table.
//!
//! The code is generated here, shown once (on the letter page or in the
//! email) and never stored: the bridge keeps the invitation's id, who it is
//! for, who issued it and when it expires; the portal gets only the code's
//! hash. The invitation row, the pushes to the portal and the ledger entry
//! are written in one transaction.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use content::db::now;
use content::sync::{
    FamilyRole, InvitationPush, InvitationRevocation, PasskeyRevocation, PersonPush,
};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::access::{self, case_href, Access, Case};
use crate::auth::{check_csrf, Client, StaffUser};
use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::staff::kinds;
use crate::views;
use crate::AppState;

pub fn routes(state: &AppState) -> Router<AppState> {
    let limited = Router::new()
        .route(
            "/cases/{reference}/people/{person}/invitations",
            post(invite),
        )
        .route(
            "/cases/{reference}/invitations/{id}/revoke",
            post(revoke_invitation),
        )
        .route(
            "/cases/{reference}/people/{person}/revoke-passkeys",
            post(revoke_passkeys),
        )
        .route_layer(content::guard::rate_limit(
            state.proxies.clone(),
            state.rate_limit.1,
            state.rate_limit.0,
            &crate::pages::CHROME,
        ));
    Router::new()
        .route("/cases", get(cases))
        .route("/cases/{reference}", get(case_page))
        .merge(limited)
}

#[derive(Clone, Debug)]
struct Person {
    id: i64,
    portal_id: Uuid,
    name: String,
    role: String,
    date_of_birth: Option<String>,
    email: Option<String>,
}

type PersonRow = (i64, String, String, String, Option<String>, Option<String>);

fn person((id, portal_id, name, role, date_of_birth, email): PersonRow) -> Option<Person> {
    Some(Person {
        id,
        portal_id: portal_id.parse().ok()?,
        name,
        role,
        date_of_birth,
        email,
    })
}

async fn people(state: &AppState, case: &Case) -> Result<Vec<Person>> {
    let rows: Vec<PersonRow> = sqlx::query_as(
        "SELECT id, portal_id, name, role, date_of_birth, email FROM case_people WHERE case_id = $1 ORDER BY id",
    )
    .bind(case.id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(person).collect())
}

async fn person_of(state: &AppState, case: &Case, id: i64) -> Result<Person> {
    let row: Option<PersonRow> = sqlx::query_as(
        "SELECT id, portal_id, name, role, date_of_birth, email FROM case_people WHERE case_id = $1 AND id = $2",
    )
    .bind(case.id)
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    row.and_then(person).ok_or(BridgeError::NotFound)
}

#[derive(Clone, Debug)]
struct Invitation {
    id: String,
    delivery: String,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
}

async fn invitations_of(state: &AppState, person: &Person) -> Result<Vec<Invitation>> {
    let rows: Vec<(String, String, String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT i.id, i.delivery, COALESCE(s.name, i.created_by), i.created_at, i.expires_at, i.revoked_at
         FROM invitations i LEFT JOIN staff s ON s.id = i.created_by
         WHERE i.case_person_id = $1 AND i.person_portal_id = $2 ORDER BY i.created_at DESC, i.id",
    )
    .bind(person.id)
    .bind(person.portal_id.to_string())
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, delivery, created_by, created_at, expires_at, revoked_at)| Invitation {
                id,
                delivery,
                created_by,
                created_at,
                expires_at,
                revoked_at,
            },
        )
        .collect())
}

/// When the person last did anything on the portal, as its outbox reported.
async fn last_activity(state: &AppState, person: &Person) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT MAX(occurred_at) FROM family_events WHERE person_id = $1")
            .bind(person.portal_id.to_string())
            .fetch_one(&state.db.pool)
            .await?,
    )
}

/// "Who in the family has portal access", in words.
async fn access_status(state: &AppState, person: &Person, now: i64) -> Result<String> {
    if let Some(at) = last_activity(state, person).await? {
        return Ok(format!("Uses FamilyStory (last seen {})", views::day(at)));
    }
    let invitations = invitations_of(state, person).await?;
    Ok(
        match invitations
            .iter()
            .find(|i| i.revoked_at.is_none() && i.expires_at > now)
        {
            Some(i) => format!(
                "Invited {}; the code works until {}",
                views::day(i.created_at),
                views::day(i.expires_at)
            ),
            None if invitations.is_empty() => "Not invited".into(),
            None => "No live invitation (expired or revoked)".into(),
        },
    )
}

async fn find_case(state: &AppState, user: &StaffUser, reference: &str) -> Result<(Case, Access)> {
    access::case_for(&state.db, &user.staff, reference)
        .await?
        .ok_or(BridgeError::NotFound)
}

async fn cases(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    let now = now();
    let visible = access::visible_cases(&state.db, &user.staff).await?;
    let mut rows = Vec::new();
    for (case, access) in visible {
        let mut family = Vec::new();
        for p in people(&state, &case).await? {
            let status = access_status(&state, &p, now).await?;
            family.push((p, status));
        }
        rows.push((case, access, family));
    }
    Ok(views::page(
        &user,
        "Cases",
        html! {
            h1 { "Cases" }
            @if rows.is_empty() {
                p { "You have no cases yet. Cases you are allocated to in the case system appear here once they are imported. If you need a case that is not here, ask an administrator." }
            } @else {
                @for (case, access, family) in &rows {
                    section class="case-summary" {
                        h2 { a href=(case_href(&case.reference)) { (case.reference) } }
                        p class="hint" { (case.team)
                            @if *access == Access::Read { " · read-only for you" } }
                        table class="table" {
                            caption class="visually-hidden" { "Family members of case " (case.reference) " and their access to FamilyStory" }
                            thead { tr { th scope="col" { "Family member" } th scope="col" { "Role" } th scope="col" { "FamilyStory access" } } }
                            tbody {
                                @for (p, status) in family {
                                    tr { td { (p.name) } td { (role_label(&p.role)) } td { (status) } }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn role_label(role: &str) -> String {
    let mut label = role.to_string();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    label
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

async fn case_page(
    State(state): State<AppState>,
    user: StaffUser,
    Path(reference): Path<String>,
    Query(done): Query<Done>,
) -> Result<Response> {
    let (case, access) = find_case(&state, &user, &reference).await?;
    case_view(&state, &user, &case, access, &done.done, &[]).await
}

async fn case_view(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    access: Access,
    done: &str,
    errors: &[views::FieldError],
) -> Result<Response> {
    let now = now();
    let mut family = Vec::new();
    for p in people(state, case).await? {
        let status = access_status(state, &p, now).await?;
        let invitations = invitations_of(state, &p).await?;
        family.push((p, status, invitations));
    }
    let professionals: Vec<(String, String)> =
        sqlx::query_as("SELECT name, role FROM case_professionals WHERE case_id = $1 ORDER BY id")
            .bind(case.id)
            .fetch_all(&state.db.pool)
            .await?;
    let notice = match done {
        "revoked" => Some("The invitation has been revoked. Its code no longer works."),
        "passkeys" => Some("Their passkeys are being revoked on FamilyStory. They can be invited again to set up a new one."),
        _ => None,
    };
    let href = case_href(&case.reference);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let title = views::title(&format!("Case {}", case.reference), errors);
    Ok(views::page_with_status(
        user,
        status,
        &title,
        html! {
            (views::error_summary(errors))
            @if let Some(notice) = notice {
                div class="notification" role="status" { p { (notice) } }
            }
            h1 { "Case " (case.reference) }
            p class="lede" { (case.team) }
            p { a href={ (href) "/publishing" } { "Drafts and publications" } @if access == Access::Act { " · " a href={ (href) "/drafts/new" } { "New draft" } } }
            @if access == Access::Read {
                p class="inset" { "You can read this case but not act on it: it is not allocated to you." }
            }
            h2 { "Family" }
            @for (p, status, invitations) in &family {
                section class="person" id={ "person-" (p.id) } {
                    h3 { (p.name) }
                    dl class="summary-list" {
                        div { dt { "Role" } dd { (role_label(&p.role)) } }
                        div { dt { "FamilyStory access" } dd { (status) } }
                        div { dt { "Email from the case system" } dd { (p.email.as_deref().unwrap_or("None")) } }
                    }
                    @if access == Access::Act {
                        form method="post" action={ (href) "/people/" (p.id) "/invitations" } {
                            (views::csrf(user))
                            @let field = format!("delivery-{}", p.id);
                            @let error = views::error_for(errors, &field);
                            div class={ "form-group" @if error.is_some() { " form-group-error" } } {
                                fieldset class="fieldset" aria-describedby=[error.map(|_| format!("{field}-error"))] {
                                    legend class="fieldset-legend" { "Invite " (p.name) " to FamilyStory" }
                                    @if let Some(error) = error {
                                        p class="error-message" id={ (field) "-error" } { span class="visually-hidden" { "Error: " } (error) }
                                    }
                                    div class="radio" {
                                        input type="radio" id=(field) name="delivery" value="letter" checked aria-invalid=[error.map(|_| "true")];
                                        label for={ "delivery-" (p.id) } { "Print a letter with the code (or read the code out)" }
                                    }
                                    @if p.email.is_some() {
                                        div class="radio" {
                                            input type="radio" id={ "delivery-email-" (p.id) } name="delivery" value="email" aria-invalid=[error.map(|_| "true")];
                                            label for={ "delivery-email-" (p.id) } { "Email the code to " (p.email.as_deref().unwrap_or_default()) }
                                        }
                                    }
                                }
                            }
                            button class="button" type="submit" { "Invite " span class="visually-hidden" { (p.name) } }
                        }
                    }
                    @if !invitations.is_empty() {
                        table class="table" {
                            caption { "Invitations for " (p.name) }
                            thead { tr { th scope="col" { "Issued" } th scope="col" { "By" } th scope="col" { "How" } th scope="col" { "Status" } th scope="col" { span class="visually-hidden" { "Action" } } } }
                            tbody {
                                @for i in invitations {
                                    tr {
                                        td { (views::when(i.created_at)) }
                                        td { (i.created_by) }
                                        td { (if i.delivery == "email" { "Email" } else { "Letter" }) }
                                        td {
                                            @if let Some(at) = i.revoked_at { "Revoked " (views::day(at)) }
                                            @else if i.expires_at <= now { "Expired" }
                                            @else { "Works until " (views::day(i.expires_at)) }
                                        }
                                        td {
                                            @if access == Access::Act && i.revoked_at.is_none() && i.expires_at > now {
                                                (views::post_button(user, &format!("{href}/invitations/{}/revoke", i.id), "Revoke", "button button-secondary"))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if access == Access::Act {
                        details class="details" {
                            summary { "Lost phone? Revoke " (p.name) "’s passkeys" }
                            p { "This removes every passkey " (p.name) " has set up and signs them out everywhere. They can then be sent a new invitation." }
                            (views::post_button(user, &format!("{href}/people/{}/revoke-passkeys", p.id), "Revoke their passkeys", "button button-warning"))
                        }
                    }
                }
            }
            h2 { "Professionals" }
            ul {
                @for (name, role) in &professionals { li { (name) ", " (role) } }
            }
        },
    ))
}

async fn act_on(state: &AppState, user: &StaffUser, reference: &str) -> Result<Case> {
    let (case, access) = find_case(state, user, reference).await?;
    if access != Access::Act {
        return Err(BridgeError::Forbidden);
    }
    Ok(case)
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    delivery: String,
}

fn first_name(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_string()
}

fn family_role(role: &str) -> FamilyRole {
    FamilyRole::parse(role).unwrap_or(FamilyRole::Other)
}

async fn invite(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    client: Client,
    Path((reference, person_id)): Path<(String, i64)>,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let case = act_on(&state, &user, &reference).await?;
    let person = person_of(&state, &case, person_id).await?;
    let by_email = match form.delivery.as_str() {
        "email" if person.email.is_some() => true,
        "letter" | "" => false,
        _ => {
            return case_view(
                &state,
                &user,
                &case,
                Access::Act,
                "",
                &[views::FieldError::new(
                    format!("delivery-{}", person.id),
                    format!("Choose how to give {} their invitation", person.name),
                )],
            )
            .await
        }
    };
    let now = now();
    let code = content::invitation::new_code();
    let invitation_id = Uuid::new_v4();
    let expires_at = now + state.invitation_days * 86_400;
    let delivery = if by_email { "email" } else { "letter" };

    let mut tx = state.db.pool.begin().await?;
    // A new invitation replaces any that still works.
    let live: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM invitations WHERE case_person_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(person.id)
    .bind(now)
    .fetch_all(&mut *tx)
    .await?;
    for old in &live {
        revoke_in(
            &mut tx,
            &state,
            &user,
            &person,
            old,
            "replaced by a new invitation",
            now,
        )
        .await?;
    }
    sqlx::query(
        "INSERT INTO invitations (id, case_person_id, person_portal_id, delivery, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(invitation_id.to_string())
    .bind(person.id)
    .bind(person.portal_id.to_string())
    .bind(delivery)
    .bind(&user.staff.id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    outgoing::enqueue(
        &mut tx,
        state.db.sealer(),
        &Push::Person(
            person.portal_id,
            PersonPush {
                display_name: person.name.clone(),
                first_name: first_name(&person.name),
                role: family_role(&person.role),
                date_of_birth: person.date_of_birth.clone(),
            },
        ),
        now,
    )
    .await?;
    outgoing::enqueue(
        &mut tx,
        state.db.sealer(),
        &Push::Invitation(
            invitation_id,
            InvitationPush {
                person_id: person.portal_id,
                code_hash: content::invitation::hash(&code),
                expires_at,
            },
        ),
        now,
    )
    .await?;
    let mut data = client.json();
    data["invitation_id"] = json!(invitation_id.to_string());
    data["case"] = json!(case.reference);
    data["delivery"] = json!(delivery);
    data["expires_at"] = json!(expires_at);
    ledger::append(
        &mut tx,
        state.db.backend,
        &NewEntry {
            kind: kinds::INVITATION_ISSUED,
            actor: Some(&user.staff.id),
            subject: Some(&person.portal_id.to_string()),
            data,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.sync_wake.notify_one();

    let start_url = format!(
        "{}/start?code={}",
        state.portal_public_url,
        content::invitation::display(&code)
    );
    let mut warning = None;
    if by_email {
        match (&state.mailer, &person.email) {
            (Some(mailer), Some(email)) => {
                let text = invitation_email(&state, &person, &code, &start_url, expires_at);
                match mailer
                    .send(email, "You are invited to FamilyStory", text)
                    .await
                {
                    Ok(()) => {
                        return Ok(views::page(
                            &user,
                            "Invitation sent",
                            html! {
                                h1 { "Invitation sent" }
                                p class="lede" { "We have emailed " (person.name) " their invitation code at " (email) "." }
                                p { "The code works once, until " (views::day(expires_at)) ". If it does not arrive, you can invite them again: the new code replaces this one." }
                                p { a href=(case_href(&case.reference)) { "Back to case " (case.reference) } }
                            },
                        ))
                    }
                    Err(error) => {
                        tracing::warn!(%error, "an invitation email could not be sent");
                        warning =
                            Some("The email could not be sent. Give or post this letter instead.");
                    }
                }
            }
            _ => {
                warning = Some(
                    "Email is not set up for FamilyStory here. Give or post this letter instead.",
                )
            }
        }
    }
    Ok(letter(
        &state, &user, &case, &person, &code, &start_url, expires_at, warning,
    ))
}

fn invitation_email(
    state: &AppState,
    person: &Person,
    code: &str,
    start_url: &str,
    expires_at: i64,
) -> String {
    format!(
        "Hello {first},\n\n\
         You are invited to FamilyStory, where you can see what your social worker shares with you.\n\n\
         To start, open this link:\n\n{start_url}\n\n\
         Or go to {portal}/start and type this code:\n\n    {code}\n\n\
         The code works once, until {until}. You will be asked for your first name and date of birth.\n\n\
         If you did not expect this email, you can ignore it.\n",
        first = first_name(&person.name),
        portal = state.portal_public_url,
        code = content::invitation::display(code),
        until = views::day(expires_at),
    )
}

fn qr_svg(text: &str) -> Markup {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(180, 180)
                .build();
            // Inline markup: no XML declaration.
            let svg = match svg.find("<svg") {
                Some(at) => svg[at..].to_string(),
                None => svg,
            };
            let svg = svg.replacen(
                "<svg ",
                "<svg role=\"img\" aria-label=\"QR code that opens FamilyStory with this code\" ",
                1,
            );
            PreEscaped(svg)
        }
        Err(_) => html! {},
    }
}

#[allow(clippy::too_many_arguments)]
fn letter(
    state: &AppState,
    user: &StaffUser,
    case: &Case,
    person: &Person,
    code: &str,
    start_url: &str,
    expires_at: i64,
    warning: Option<&str>,
) -> Response {
    let shown = content::invitation::display(code);
    views::page(
        user,
        &format!("Invitation letter for {}", person.name),
        html! {
            @if let Some(warning) = warning {
                div class="warning-text" role="alert" { p { strong { (warning) } } }
            }
            div class="no-print" {
                p class="inset" { strong { "This code is shown only this once." } " Print this letter now (your browser's Print command, Ctrl+P), or read the code out or write it down. If it is lost, invite " (person.name) " again: the new code replaces this one." }
                p { a href=(case_href(&case.reference)) { "Back to case " (case.reference) } }
            }
            article class="letter" {
                h1 { "Invitation letter for " (person.name) }
                p { "Dear " (first_name(&person.name)) "," }
                p { "You are invited to FamilyStory, where you can see what your social worker shares with you, and tell them what you think." }
                h2 { "How to start" }
                ol {
                    li { "On your phone, scan the QR code, or go to " strong { (state.portal_public_url) "/start" } "." }
                    li { "Type your code:" }
                }
                p class="invitation-code" lang="en" aria-label={ "Your code: " (shown.chars().map(|c| c.to_string()).collect::<Vec<_>>().join(" ")) } { (shown) }
                div class="qr" { (qr_svg(start_url)) }
                p { "The code works once, until " strong { (views::day(expires_at)) } ". You will be asked for your first name and date of birth, then to set up a passkey: your phone's screen lock, fingerprint or face." }
                p { "If you need help, ask your social worker." }
            }
        },
    )
}

/// Revokes one invitation in the caller's transaction: the row, the push,
/// and the ledger entry.
async fn revoke_in(
    tx: &mut sqlx::AnyConnection,
    state: &AppState,
    user: &StaffUser,
    person: &Person,
    id: &str,
    reason: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE invitations SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND case_person_id = $4 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(&user.staff.id)
    .bind(id)
    .bind(person.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    let uuid: Uuid = id.parse().map_err(|_| BridgeError::NotFound)?;
    outgoing::enqueue(
        tx,
        state.db.sealer(),
        &Push::InvitationRevocation(uuid, InvitationRevocation { revoked_at: now }),
        now,
    )
    .await?;
    ledger::append(
        tx,
        state.db.backend,
        &NewEntry {
            kind: kinds::INVITATION_REVOKED,
            actor: Some(&user.staff.id),
            subject: Some(&person.portal_id.to_string()),
            data: json!({ "invitation_id": id, "reason": reason }),
        },
        now,
    )
    .await?;
    Ok(true)
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn revoke_invitation(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    Path((reference, id)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let case = act_on(&state, &user, &reference).await?;
    let person_id: Option<i64> = sqlx::query_scalar(
        "SELECT i.case_person_id FROM invitations i JOIN case_people p ON p.id = i.case_person_id
         WHERE i.id = $1 AND p.case_id = $2",
    )
    .bind(&id)
    .bind(case.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let person = person_of(&state, &case, person_id.ok_or(BridgeError::NotFound)?).await?;
    let now = now();
    let mut tx = state.db.pool.begin().await?;
    let revoked = revoke_in(
        &mut tx,
        &state,
        &user,
        &person,
        &id,
        "revoked by staff",
        now,
    )
    .await?;
    tx.commit().await?;
    if revoked {
        state.sync_wake.notify_one();
    }
    Ok(Redirect::to(&format!("{}?done=revoked", case_href(&case.reference))).into_response())
}

async fn revoke_passkeys(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: StaffUser,
    client: Client,
    Path((reference, person_id)): Path<(String, i64)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let case = act_on(&state, &user, &reference).await?;
    let person = person_of(&state, &case, person_id).await?;
    let now = now();
    let mut tx = state.db.pool.begin().await?;
    outgoing::enqueue(
        &mut tx,
        state.db.sealer(),
        &Push::PasskeyRevocation(person.portal_id, PasskeyRevocation { revoked_at: now }),
        now,
    )
    .await?;
    let mut data = client.json();
    data["case"] = json!(case.reference);
    ledger::append(
        &mut tx,
        state.db.backend,
        &NewEntry {
            kind: kinds::FAMILY_PASSKEYS_REVOKED,
            actor: Some(&user.staff.id),
            subject: Some(&person.portal_id.to_string()),
            data,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("{}?done=passkeys", case_href(&case.reference))).into_response())
}
