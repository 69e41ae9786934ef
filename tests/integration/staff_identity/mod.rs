//! Staff identity on the bridge, against the running services on both
//! backends: add-staff and enrolment, passkey sign-in with real soft-passkey
//! ceremonies, timeouts, CSRF, rate limits and lockout, case scoping and
//! roles, sign-out, and inviting family members.
//!
//! Cookies are handled here from Set-Cookie, since `__Host-` cookies are
//! Secure and the services run on plain http://localhost.

use crate::common;
use test_support::backend_tests;

use common::smtp::Smtp;
use common::staff::{
    code_on, csrf_in, enrol, member, origin, sign_in, sign_in_options, Desk, Member, COOKIE,
};
use common::{backends, count, import, last_ledger, Services};
use content::db::{now, Backend, Db};
use serde_json::{json, Value};
use staff_bridge::staff::{self, Delivery, NewStaff, Role};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs_proto::{AllowCredentials, CreationChallengeResponse, RequestChallengeResponse};

/// Answers `email`'s sign-in with someone else's real passkey, as an attacker
/// holding another key would.
async fn sign_in_with_other_key(
    s: &Services,
    desk: &mut Desk,
    other: &mut Member,
    email: &str,
) -> (u16, Value) {
    let (status, start) = sign_in_options(s, desk, email).await;
    if status != 200 {
        return (status, start);
    }
    let mut options: RequestChallengeResponse =
        serde_json::from_value(start["options"].clone()).unwrap();
    options.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".into(),
        id: other.credential.clone(),
        transports: None,
    }];
    let credential = other.key.do_authentication(origin(s), options).unwrap();
    desk.json(
        s,
        "/sign-in/passkey/finish",
        "",
        json!({ "ceremony": start["ceremony"], "credential": credential }),
    )
    .await
}

async fn ledger_count(db: &Db, kind: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE kind = $1")
        .bind(kind)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// A second family on another team, with another worker.
fn other_family() -> Value {
    json!({
        "case_reference": "NORTH-0002",
        "team": "Northgate Children's Team",
        "people": [
            { "id": "P-1", "name": "Mia Jones", "date_of_birth": "2015-03-02", "role": "child" },
            { "id": "P-2", "name": "Kerry Jones", "date_of_birth": "1985-07-09", "role": "parent", "email": "kerry.jones@example.net" }
        ],
        "professionals": [
            { "id": "W-1", "name": "Sam Patel", "role": "Social worker", "email": "sam.patel@council.example" }
        ]
    })
}

// --- enrolment and sign-in ------------------------------------------------------

// The tests, by what they follow: enrolment, sign-in and sessions; refused
// forms, limits, who sees which case, signing out; inviting families and
// staff passkeys.
mod access;
mod enrolment;
mod invitations_and_passkeys;

/// The queued pushes, their bodies opened with the bridge's key.
async fn outgoing_paths(db: &Db) -> Vec<(String, String)> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT path, body FROM outgoing ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    rows.into_iter()
        .map(|(path, body)| (path, db.unseal(&body).unwrap()))
        .collect()
}

/// Every table and column of the bridge's database holding `needle`.
async fn tables_containing(db: &Db, needle: &str) -> Vec<String> {
    let tables: Vec<String> = match db.backend {
        Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .fetch_all(&db.pool)
            .await
            .unwrap(),
        Backend::Postgres => sqlx::query_scalar("SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_all(&db.pool)
            .await
            .unwrap(),
    };
    assert!(tables.len() > 10, "{tables:?}");
    let mut found = Vec::new();
    for table in tables {
        let columns: Vec<String> = match db.backend {
            Backend::Sqlite => sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(&db.pool)
                .await
                .unwrap(),
            Backend::Postgres => sqlx::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
            )
            .bind(&table)
            .fetch_all(&db.pool)
            .await
            .unwrap(),
        };
        for column in columns {
            let hits: i64 = sqlx::query_scalar(&format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE UPPER(CAST(\"{column}\" AS TEXT)) LIKE $1"
            ))
            .bind(format!("%{needle}%"))
            .fetch_one(&db.pool)
            .await
            .unwrap();
            if hits > 0 {
                found.push(format!("{table}.{column}"));
            }
        }
    }
    found
}

/// Undoes quoted-printable's `=XX` escapes (soft line breaks are already gone).
fn quoted_printable(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Some(Ok(b)) = text
                .get(i + 1..i + 3)
                .map(|hex| u8::from_str_radix(hex, 16))
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
