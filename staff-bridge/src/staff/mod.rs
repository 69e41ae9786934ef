//! Staff accounts: who they are, their roles, their passkeys and their
//! one-time enrolment links. Owns the `staff`, `staff_passkeys`,
//! `enrolments` and `case_grants` tables.
//!
//! A staff member is made by `familystory bridge add-staff` (the first admin)
//! or by an admin at `/admin/staff`. Either way they get a one-time enrolment
//! link, valid for [`ENROLMENT_HOURS`], where they register a passkey. Only the
//! link token's SHA-256 is stored. Every account and role change is recorded
//! in the ledger with who made it.

mod grants;
mod passkeys;

pub use grants::*;
pub use passkeys::*;

use content::db::Db;
use content::mail::{MailError, Mailer};
use content::tokens::{hash_token, new_token};
use serde_json::json;
use sqlx::AnyConnection;
use uuid::Uuid;
use webauthn_rs::prelude::Passkey;

use crate::ledger::{self, NewEntry};

/// A staff member's id, where a function also takes other strings (a case
/// reference, a passkey's id or name, another member's id): they cannot be
/// swapped without the compiler seeing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StaffId<'a>(pub &'a str);

/// How long an enrolment link works.
pub const ENROLMENT_HOURS: i64 = 72;

/// Ledger kinds for identity events the ledger module has no constant for.
pub mod kinds {
    pub use crate::ledger::kinds::{
        ACCOUNT_CHANGE, ROLE_CHANGE, STAFF_SIGN_IN, STAFF_SIGN_IN_FAILED,
    };
    pub const STAFF_LOCKED_OUT: &str = "staff_locked_out";
    pub const STAFF_SIGN_OUT: &str = "staff_sign_out";
    pub const STAFF_PASSKEY_CHANGE: &str = "staff_passkey_change";
    pub const CASE_GRANT: &str = "case_grant";
    pub const INVITATION_ISSUED: &str = "invitation_issued";
    pub const INVITATION_REVOKED: &str = "invitation_revoked";
    pub const FAMILY_PASSKEYS_REVOKED: &str = "family_passkeys_revoked";
    pub const FAMILY_ACCESS_ENDED: &str = "family_access_ended";
    pub const FAMILY_EMAIL_SIGN_IN_RESTORED: &str = "family_email_sign_in_restored";
}

/// What a staff member may do. A person can hold several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Sees and acts on the cases they are allocated to or granted.
    Practitioner,
    /// Sees every case, read-only here; approves disclosures.
    Manager,
    /// Sees every case, read-only here; the disclosure log.
    IgOfficer,
    /// Adds staff, changes roles, disables accounts, grants cases.
    Admin,
    /// On the duty rota: sees every case, what families sent and not yet
    /// answered, and the urgent "I don't feel safe" messages at the top of
    /// every page.
    Duty,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Practitioner,
        Role::Manager,
        Role::IgOfficer,
        Role::Admin,
        Role::Duty,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Practitioner => "practitioner",
            Role::Manager => "manager",
            Role::IgOfficer => "ig_officer",
            Role::Admin => "admin",
            Role::Duty => "duty",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Practitioner => "Practitioner",
            Role::Manager => "Manager",
            Role::IgOfficer => "Information governance officer",
            Role::Admin => "Administrator",
            Role::Duty => "Duty worker",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == text.trim().to_ascii_lowercase())
    }
}

fn encode_roles(roles: &[Role]) -> String {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn decode_roles(text: &str) -> Vec<Role> {
    text.split(',').filter_map(Role::parse).collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
}

impl StaffMember {
    pub fn staff_id(&self) -> StaffId<'_> {
        StaffId(&self.id)
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn role_names(&self) -> Vec<&'static str> {
        self.roles.iter().map(|r| r.as_str()).collect()
    }
}

type StaffRow = (String, String, String, String, i64, Option<i64>);

fn member((id, email, name, roles, created_at, disabled_at): StaffRow) -> StaffMember {
    StaffMember {
        id,
        email,
        name,
        roles: decode_roles(&roles),
        created_at,
        disabled_at,
    }
}

const STAFF_COLUMNS: &str = "id, email, name, roles, created_at, disabled_at";

/// Trims and lower-cases an email address; None when it does not look like one.
pub fn normalise_email(text: &str) -> Option<String> {
    let email = text.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(email)
}

pub async fn find_by_id(db: &Db, id: &str) -> sqlx::Result<Option<StaffMember>> {
    let row: Option<StaffRow> =
        sqlx::query_as(&format!("SELECT {STAFF_COLUMNS} FROM staff WHERE id = $1"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(row.map(member))
}

pub async fn find_by_email(db: &Db, email: &str) -> sqlx::Result<Option<StaffMember>> {
    let row: Option<StaffRow> = sqlx::query_as(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff WHERE email = $1"
    ))
    .bind(email)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(member))
}

pub async fn list(db: &Db) -> sqlx::Result<Vec<StaffMember>> {
    let rows: Vec<StaffRow> = sqlx::query_as(&format!(
        "SELECT {STAFF_COLUMNS} FROM staff ORDER BY name, email"
    ))
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(member).collect())
}

/// A staff member to add.
#[derive(Clone, Debug)]
pub struct NewStaff {
    pub email: String,
    pub name: String,
    pub roles: Vec<Role>,
}

#[derive(Debug, thiserror::Error)]
pub enum AddError {
    #[error("Enter an email address in the correct format, like name@council.example")]
    InvalidEmail,
    #[error("Enter the person's full name")]
    NoName,
    #[error("Choose at least one role")]
    NoRoles,
    #[error("There is already a staff account with that email address")]
    AlreadyExists,
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// Adds a staff member and makes their first enrolment link, recording who
/// did it (`actor`, None for the command line) in the ledger. Returns the
/// account and the link's token, which is stored only hashed.
pub async fn add(
    db: &Db,
    new: &NewStaff,
    actor: Option<&str>,
    now: i64,
) -> Result<(StaffMember, String), AddError> {
    let email = normalise_email(&new.email).ok_or(AddError::InvalidEmail)?;
    let name = new.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(AddError::NoName);
    }
    if new.roles.is_empty() {
        return Err(AddError::NoRoles);
    }
    if find_by_email(db, &email).await?.is_some() {
        return Err(AddError::AlreadyExists);
    }
    let id = Uuid::new_v4().to_string();
    let roles = encode_roles(&new.roles);
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO staff (id, email, name, roles, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(&email)
    .bind(name)
    .bind(&roles)
    .bind(now)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(AddError::AlreadyExists);
    }
    let token = insert_enrolment(&mut tx, &id, actor, now).await?;
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::ACCOUNT_CHANGE,
            actor,
            subject: Some(&id),
            data: json!({
                "change": "staff_added",
                "email": email,
                "roles": roles.split(',').collect::<Vec<_>>(),
                "by": if actor.is_some() { "admin" } else { "command line" },
            }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    let staff = find_by_id(db, &id).await?.ok_or(sqlx::Error::RowNotFound)?;
    Ok((staff, token))
}

async fn insert_enrolment(
    conn: &mut AnyConnection,
    staff_id: &str,
    actor: Option<&str>,
    now: i64,
) -> sqlx::Result<String> {
    let token = new_token();
    sqlx::query(
        "INSERT INTO enrolments (token_hash, staff_id, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(&token))
    .bind(staff_id)
    .bind(actor)
    .bind(now)
    .bind(now + ENROLMENT_HOURS * 3600)
    .execute(&mut *conn)
    .await?;
    Ok(token)
}

/// A new enrolment link for an existing member (a lost laptop, a link that
/// expired). Earlier unused links stop working.
pub async fn new_enrolment(db: &Db, staff_id: &str, actor: &str, now: i64) -> sqlx::Result<String> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE enrolments SET used_at = $1 WHERE staff_id = $2 AND used_at IS NULL")
        .bind(now)
        .bind(staff_id)
        .execute(&mut *tx)
        .await?;
    let token = insert_enrolment(&mut tx, staff_id, Some(actor), now).await?;
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::ACCOUNT_CHANGE,
            actor: Some(actor),
            subject: Some(staff_id),
            data: json!({ "change": "enrolment_link_issued" }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub fn enrolment_link(public_url: &str, token: &str) -> String {
    format!("{}/enrol/{token}", public_url.trim_end_matches('/'))
}

/// The staff member a live enrolment link belongs to: unused, unexpired, and
/// an account that is not disabled.
pub async fn enrolment(db: &Db, token: &str, now: i64) -> sqlx::Result<Option<StaffMember>> {
    let staff_id: Option<String> = sqlx::query_scalar(
        "SELECT e.staff_id FROM enrolments e JOIN staff s ON s.id = e.staff_id
         WHERE e.token_hash = $1 AND e.used_at IS NULL AND e.expires_at > $2 AND s.disabled_at IS NULL",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    match staff_id {
        Some(id) => find_by_id(db, &id).await,
        None => Ok(None),
    }
}

/// Spends a link, once: false when it was spent, expired or is not this
/// member's.
pub async fn consume_enrolment(
    conn: &mut AnyConnection,
    token: &str,
    staff_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE enrolments SET used_at = $1
         WHERE token_hash = $2 AND staff_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(hash_token(token))
    .bind(staff_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How an enrolment link reached the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Emailed,
    /// No email is configured: whoever added the person hands the link over.
    ShowLink(String),
}

/// Emails the link (which is all the email holds), or hands it back to show
/// when no mail is configured.
pub async fn deliver_enrolment(
    mailer: Option<&Mailer>,
    staff: &StaffMember,
    link: String,
) -> Result<Delivery, MailError> {
    let Some(mailer) = mailer else {
        return Ok(Delivery::ShowLink(link));
    };
    let text = format!(
        "Hello {name},\n\n\
         An account has been made for you on FamilyStory for staff.\n\n\
         Set up your sign-in with this link. It works once, for {hours} hours:\n\n\
         {link}\n\n\
         You will be asked to make a passkey on this computer or your phone.\n\
         If you did not expect this email, tell your IT service desk and do not use the link.\n",
        name = staff.name,
        hours = ENROLMENT_HOURS,
    );
    mailer
        .send(&staff.email, "Set up your FamilyStory staff account", text)
        .await?;
    Ok(Delivery::Emailed)
}

/// What `add-staff` and the admin page do: add, then email or show the link.
pub async fn add_and_enrol(
    db: &Db,
    mailer: Option<&Mailer>,
    public_url: &str,
    new: &NewStaff,
    actor: Option<&str>,
    now: i64,
) -> Result<(StaffMember, Delivery), AddOrSendError> {
    let (staff, token) = add(db, new, actor, now).await?;
    let delivery = deliver_enrolment(mailer, &staff, enrolment_link(public_url, &token))
        .await
        .map_err(|e| AddOrSendError::Mail(staff.clone(), e))?;
    Ok((staff, delivery))
}

#[derive(Debug, thiserror::Error)]
pub enum AddOrSendError {
    #[error(transparent)]
    Add(#[from] AddError),
    /// The account exists, but the email did not go: issue a new link later.
    #[error("the account was made, but the enrolment email could not be sent: {1}")]
    Mail(StaffMember, MailError),
}

/// Changes a member's roles, recorded with who did it and what changed.
pub async fn set_roles(
    db: &Db,
    staff: &StaffMember,
    roles: &[Role],
    actor: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let before = encode_roles(&staff.roles);
    let after = encode_roles(roles);
    if before == after {
        return Ok(false);
    }
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE staff SET roles = $1 WHERE id = $2")
        .bind(&after)
        .bind(&staff.id)
        .execute(&mut *tx)
        .await?;
    let split = |s: &str| -> Vec<String> {
        s.split(',')
            .filter(|r| !r.is_empty())
            .map(String::from)
            .collect()
    };
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::ROLE_CHANGE,
            actor: Some(actor),
            subject: Some(&staff.id),
            data: json!({ "before": split(&before), "after": split(&after) }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Disables (or re-enables) an account. Disabling ends every session.
pub async fn set_disabled(
    db: &Db,
    staff: &StaffMember,
    disabled: bool,
    actor: &str,
    now: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("UPDATE staff SET disabled_at = $1 WHERE id = $2")
        .bind(disabled.then_some(now))
        .bind(&staff.id)
        .execute(&mut *tx)
        .await?;
    if disabled {
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE subject = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(&staff.id)
            .execute(&mut *tx)
            .await?;
    }
    ledger::append(
        &mut tx,
        db.backend,
        &NewEntry {
            kind: kinds::ACCOUNT_CHANGE,
            actor: Some(actor),
            subject: Some(&staff.id),
            data: json!({ "change": if disabled { "disabled" } else { "enabled" } }),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_sorted_and_unique() {
        let text = encode_roles(&[Role::Admin, Role::Practitioner, Role::Admin]);
        assert_eq!(text, "practitioner,admin");
        assert_eq!(decode_roles(&text), vec![Role::Practitioner, Role::Admin]);
        assert_eq!(Role::parse(" IG_OFFICER"), Some(Role::IgOfficer));
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn emails_are_normalised() {
        assert_eq!(
            normalise_email("  Priya.Shah@Council.Example "),
            Some("priya.shah@council.example".into())
        );
        for bad in ["", "priya", "a@b", "a@@b.c", "a b@c.d", "@c.d"] {
            assert_eq!(normalise_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn passkey_names_are_tidied() {
        assert_eq!(passkey_name("  Work laptop "), "Work laptop");
        assert_eq!(passkey_name(""), "Passkey");
        assert_eq!(passkey_name(&"x".repeat(100)).len(), 60);
    }
}
