//! What staff do for a family member's access, from the case page
//! (`cases`): invite them (a letter with the code and a QR code, or an
//! email), revoke an invitation, revoke their passkeys when a phone is lost
//! (which also stops email sign-in), and turn email sign-in back on. Owns the
//! bridge's `invitations` table.
//!
//! The code is generated here, shown once (on the letter page or in the
//! email) and never stored: the bridge keeps the invitation's id, who it is
//! for, who issued it and when it expires; the portal gets only the code's
//! hash. The invitation row, the pushes to the portal and the ledger entry
//! are written in one transaction.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum::{Form, Router};
use content::db::now;
use content::sync::{
    EmailSignInRestored, FamilyRole, InvitationPush, InvitationRevocation, PasskeyRevocation,
    PersonPush,
};
use maud::{html, Markup, PreEscaped};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::access::{case_href, Access, Case};
use crate::auth::{check_csrf, Client, Posted, StaffUser};
use crate::cases::{case_view, person_of, Person};
use crate::error::{BridgeError, Result};
use crate::ledger::{self, NewEntry};
use crate::outgoing::{self, Push};
use crate::scope::ActOnCase;
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
        .route(
            "/cases/{reference}/people/{person}/restore-email-sign-in",
            post(restore_email_sign_in),
        )
        .route_layer(content::guard::rate_limit(
            state.proxies.clone(),
            state.rate_limit.1,
            state.rate_limit.0,
            &crate::pages::CHROME,
        ));
    crate::cases::routes().merge(limited)
}

#[derive(Clone, Debug)]
pub(crate) struct Invitation {
    pub id: String,
    pub delivery: String,
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
}

pub(crate) async fn invitations_of(state: &AppState, person: &Person) -> Result<Vec<Invitation>> {
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
    ActOnCase { user, case }: ActOnCase,
    client: Client,
    Path((_, person_id)): Path<(String, i64)>,
    Form(form): Form<InviteForm>,
) -> Result<Response> {
    check_csrf(&state, &headers, &user, &form.csrf)?;
    let person = person_of(&state, &case, person_id).await?;
    if person.removed_at.is_some() {
        return Err(BridgeError::Forbidden);
    }
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
    // Using the new code turns email sign-in back on at the portal.
    sqlx::query("UPDATE case_people SET email_sign_in_stopped_at = NULL WHERE id = $1")
        .bind(person.id)
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

async fn revoke_invitation(
    State(state): State<AppState>,
    ActOnCase { user, case }: ActOnCase,
    Path((_, id)): Path<(String, String)>,
    Posted(_): Posted,
) -> Result<Response> {
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

/// What a staff action on a person's sign-in does besides its own change,
/// in the same transaction: the push to the portal and the ledger entry
/// (who, from where, which case).
async fn push_and_record(
    tx: &mut sqlx::AnyConnection,
    state: &AppState,
    action: (&Actor<'_>, &Case, &Person),
    push: Push,
    kind: &str,
    now: i64,
) -> Result<()> {
    let (who, case, person) = action;
    outgoing::enqueue(tx, state.db.sealer(), &push, now).await?;
    let mut data = who.client.json();
    data["case"] = json!(case.reference);
    ledger::append(
        tx,
        state.db.backend,
        &NewEntry {
            kind,
            actor: Some(&who.user.staff.id),
            subject: Some(&person.portal_id.to_string()),
            data,
        },
        now,
    )
    .await?;
    Ok(())
}

/// The staff member acting, and from where.
struct Actor<'a> {
    user: &'a StaffUser,
    client: &'a Client,
}

async fn revoke_passkeys(
    State(state): State<AppState>,
    ActOnCase { user, case }: ActOnCase,
    client: Client,
    Path((_, person_id)): Path<(String, i64)>,
    Posted(_): Posted,
) -> Result<Response> {
    let person = person_of(&state, &case, person_id).await?;
    let now = now();
    let mut tx = state.db.pool.begin().await?;
    sqlx::query(
        "UPDATE case_people SET email_sign_in_stopped_at = $1 WHERE id = $2 AND email_sign_in_stopped_at IS NULL",
    )
    .bind(now)
    .bind(person.id)
    .execute(&mut *tx)
    .await?;
    let who = Actor {
        user: &user,
        client: &client,
    };
    push_and_record(
        &mut tx,
        &state,
        (&who, &case, &person),
        Push::PasskeyRevocation(person.portal_id, PasskeyRevocation { revoked_at: now }),
        kinds::FAMILY_PASSKEYS_REVOKED,
        now,
    )
    .await?;
    tx.commit().await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("{}?done=passkeys", case_href(&case.reference))).into_response())
}

/// A staff member has confirmed with the person that their email is still
/// theirs alone: email sign-in works again.
async fn restore_email_sign_in(
    State(state): State<AppState>,
    ActOnCase { user, case }: ActOnCase,
    client: Client,
    Path((_, person_id)): Path<(String, i64)>,
    Posted(_): Posted,
) -> Result<Response> {
    let person = person_of(&state, &case, person_id).await?;
    if person.removed_at.is_some() {
        return Err(BridgeError::Forbidden);
    }
    let now = now();
    let mut tx = state.db.pool.begin().await?;
    let done = sqlx::query(
        "UPDATE case_people SET email_sign_in_stopped_at = NULL WHERE id = $1 AND email_sign_in_stopped_at IS NOT NULL",
    )
    .bind(person.id)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 1 {
        let who = Actor {
            user: &user,
            client: &client,
        };
        push_and_record(
            &mut tx,
            &state,
            (&who, &case, &person),
            Push::EmailSignInRestored(person.portal_id, EmailSignInRestored { restored_at: now }),
            kinds::FAMILY_EMAIL_SIGN_IN_RESTORED,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    state.sync_wake.notify_one();
    Ok(Redirect::to(&format!("{}?done=email", case_href(&case.reference))).into_response())
}
