//! The cases pages: every case a staff member may see, with who in each
//! family has FamilyStory, and one case's page (family, invitations, lost
//! phones, removed people, professionals). Also the one answer to "does this
//! family member have portal access" ([`portal_access`]) that every staff
//! page shows.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use content::db::now;
use maud::html;
use serde::Deserialize;
use uuid::Uuid;

use crate::access::{self, case_href, Access, Case};
use crate::auth::StaffUser;
use crate::error::{BridgeError, Result};
use crate::invitations::invitations_of;
use crate::scope::CaseScope;
use crate::views;
use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases))
        .route("/cases/{reference}", get(case_page))
}

#[derive(Clone, Debug)]
pub(crate) struct Person {
    pub id: i64,
    pub portal_id: Uuid,
    pub name: String,
    pub role: String,
    pub date_of_birth: Option<String>,
    pub email: Option<String>,
    /// When the case system stopped listing them: their portal access ended.
    pub removed_at: Option<i64>,
    /// After a lost phone, until re-invited or turned back on by staff.
    pub email_sign_in_stopped_at: Option<i64>,
}

type PersonRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

const PERSON_COLUMNS: &str =
    "id, portal_id, name, role, date_of_birth, email, removed_at, email_sign_in_stopped_at";

fn person(
    (id, portal_id, name, role, date_of_birth, email, removed_at, email_sign_in_stopped_at): PersonRow,
) -> Option<Person> {
    Some(Person {
        id,
        portal_id: portal_id.parse().ok()?,
        name,
        role,
        date_of_birth,
        email,
        removed_at,
        email_sign_in_stopped_at,
    })
}

pub(crate) async fn people(state: &AppState, case: &Case) -> Result<Vec<Person>> {
    let rows: Vec<PersonRow> = sqlx::query_as(&format!(
        "SELECT {PERSON_COLUMNS} FROM case_people WHERE case_id = $1 ORDER BY id"
    ))
    .bind(case.id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().filter_map(person).collect())
}

pub(crate) async fn person_of(state: &AppState, case: &Case, id: i64) -> Result<Person> {
    let row: Option<PersonRow> = sqlx::query_as(&format!(
        "SELECT {PERSON_COLUMNS} FROM case_people WHERE case_id = $1 AND id = $2"
    ))
    .bind(case.id)
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?;
    row.and_then(person).ok_or(BridgeError::NotFound)
}

/// A family member's access to the portal, as staff see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortalAccess {
    /// No longer part of the case: access ended then.
    Removed(i64),
    /// Has used FamilyStory; last seen then.
    Uses(i64),
    /// A live invitation, working until then.
    Invited {
        issued: i64,
        until: i64,
    },
    /// Invited before, but no invitation works now.
    Lapsed,
    NotInvited,
}

impl PortalAccess {
    pub fn label(&self) -> String {
        match self {
            PortalAccess::Removed(at) => {
                format!("Removed from the case on {}: no access", views::day(*at))
            }
            PortalAccess::Uses(at) => format!("Uses FamilyStory (last seen {})", views::day(*at)),
            PortalAccess::Invited { issued, until } => format!(
                "Invited {}; the code works until {}",
                views::day(*issued),
                views::day(*until)
            ),
            PortalAccess::Lapsed => "No live invitation (expired or revoked)".into(),
            PortalAccess::NotInvited => "Not invited".into(),
        }
    }
}

/// When the person last did anything on the portal, as its outbox reported.
async fn last_activity(state: &AppState, portal_id: Uuid) -> Result<Option<i64>> {
    Ok(
        sqlx::query_scalar("SELECT MAX(occurred_at) FROM family_events WHERE person_id = $1")
            .bind(portal_id.to_string())
            .fetch_one(&state.db.pool)
            .await?,
    )
}

/// Whether a family member has portal access: the one place that decides.
pub(crate) async fn portal_access(
    state: &AppState,
    person: &Person,
    now: i64,
) -> Result<PortalAccess> {
    if let Some(at) = person.removed_at {
        return Ok(PortalAccess::Removed(at));
    }
    if let Some(at) = last_activity(state, person.portal_id).await? {
        return Ok(PortalAccess::Uses(at));
    }
    let invitations = invitations_of(state, person).await?;
    Ok(
        match invitations
            .iter()
            .find(|i| i.revoked_at.is_none() && i.expires_at > now)
        {
            Some(i) => PortalAccess::Invited {
                issued: i.created_at,
                until: i.expires_at,
            },
            None if invitations.is_empty() => PortalAccess::NotInvited,
            None => PortalAccess::Lapsed,
        },
    )
}

async fn cases(State(state): State<AppState>, user: StaffUser) -> Result<Response> {
    let now = now();
    let visible = access::visible_cases(&state.db, &user.staff).await?;
    let mut rows = Vec::new();
    for (case, access) in visible {
        let mut family = Vec::new();
        for p in people(&state, &case).await? {
            let status = portal_access(&state, &p, now).await?.label();
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

pub(crate) fn role_label(role: &str) -> String {
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
    CaseScope { user, case, access }: CaseScope,
    Query(done): Query<Done>,
) -> Result<Response> {
    crate::governance::staff_access::record(
        &state.db,
        &user.staff.id,
        case.id,
        crate::governance::staff_access::Viewed::Case,
    )
    .await;
    case_view(&state, &user, &case, access, &done.done, &[]).await
}

pub(crate) async fn case_view(
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
        let access = portal_access(state, &p, now).await?;
        let invitations = invitations_of(state, &p).await?;
        // The portal knows them: a conversation with them can be started.
        let reachable = matches!(access, PortalAccess::Uses(_)) || !invitations.is_empty();
        family.push((p, access.label(), invitations, reachable));
    }
    let professionals: Vec<(String, String)> =
        sqlx::query_as("SELECT name, role FROM case_professionals WHERE case_id = $1 ORDER BY id")
            .bind(case.id)
            .fetch_all(&state.db.pool)
            .await?;
    let contributions = crate::voice::pages::case_section(state, case).await?;
    let messages = crate::messages::pages::case_section(state, case).await?;
    let notice = match done {
        "revoked" => Some("The invitation has been revoked. Its code no longer works."),
        "passkeys" => Some("Their passkeys are being revoked on FamilyStory and email sign-in is stopped. They can be invited again to set up a new one."),
        "email" => Some("Email sign-in is turned back on for them."),
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
            (contributions)
            (messages)
            h2 { "Family" }
            @for (p, status, invitations, reachable) in &family {
                section class="person" id={ "person-" (p.id) } {
                    h3 { (p.name) }
                    dl class="summary-list" {
                        div { dt { "Role" } dd { (role_label(&p.role)) } }
                        div { dt { "FamilyStory access" } dd { (status) } }
                        div { dt { "Email from the case system" } dd { (p.email.as_deref().unwrap_or("None")) } }
                    }
                    @if *reachable && p.removed_at.is_none() {
                        p { (crate::messages::pages::link(&case.reference, p.id, &p.name)) }
                    }
                    @if let Some(at) = p.removed_at {
                        p class="inset" { (p.name) " was removed from the case on " (views::day(at)) ". Their FamilyStory access ended then: they cannot sign in or see anything. What was sent to them is under "
                            a href={ (href) "/publishing" } { "Drafts and publications" } "." }
                    }
                    @if access == Access::Act && p.removed_at.is_none() {
                        form method="post" action={ (href) "/people/" (p.id) "/invitations" } aria-label={ "Invite " (p.name) } {
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
                                                (views::post_button(user, &format!("{href}/invitations/{}/revoke", i.id), &format!("Revoke {}’s invitation of {}", p.name, views::when(i.created_at)), "Revoke", "button button-secondary"))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    @if access == Access::Act && p.removed_at.is_none() {
                        @if let Some(at) = p.email_sign_in_stopped_at {
                            div class="inset" {
                                p { "Email sign-in has been stopped for " (p.name) " since " (views::day(at)) ", when their passkeys were revoked. A new invitation turns it back on. Or, once you have checked with " (p.name) " that nobody else can read their email, turn it back on now." }
                                (views::post_button(user, &format!("{href}/people/{}/restore-email-sign-in", p.id), &format!("Turn email sign-in back on for {}", p.name), "Turn email sign-in back on", "button button-secondary"))
                            }
                        }
                        details class="details" {
                            summary { "Lost phone? Revoke " (p.name) "’s passkeys" }
                            p { "This removes every passkey " (p.name) " has set up, signs them out everywhere and stops sign-in by email too (whoever has the phone can usually read their email). They can then be sent a new invitation." }
                            (views::post_button(user, &format!("{href}/people/{}/revoke-passkeys", p.id), &format!("Revoke {}’s passkeys", p.name), "Revoke their passkeys", "button button-warning"))
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
