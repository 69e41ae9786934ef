//! Family identity against the running services: invitation, activation,
//! passkeys (soft passkeys, real ceremonies), email codes through a real SMTP
//! server, sessions, CSRF, rate limits and lockout.

use crate::common;
use test_support::{backend_tests, Backend};

use common::family::{
    self, activate, add_email, in_two_weeks, invite, invite_again, Browser, PhonePasskey,
};
use common::smtp::{code_in, Smtp};
use common::{backends, count, Services};
use content::db::now;
use content::sync::{InvitationRevocation, PasskeyRevocation};

const SARAH_DOB: (&str, &str, &str) = ("21", "11", "1989");

async fn activated(s: &Services) -> (uuid::Uuid, Browser) {
    let (person, _, code) = invite(s, "Sarah", "Carter", "1989-11-21", in_two_weeks()).await;
    let mut browser = Browser::default();
    let (status, _, location) = activate(s, &mut browser, &code, "Sarah", SARAH_DOB).await;
    assert_eq!((status, location.as_deref()), (303, Some("/account/setup")));
    (person, browser)
}

/// A new soft passkey, registered for the person signed in on `browser`.
async fn new_passkey(s: &Services, browser: &mut Browser, name: &str) -> PhonePasskey {
    let mut passkey = PhonePasskey::new();
    assert_eq!(
        family::register_passkey(s, browser, &mut passkey, name).await,
        200,
        "{name} registered"
    );
    passkey
}

// The tests, by what they follow: invitations, codes and sessions; refused
// forms and sign-ins, lost phones, leaving, passkeys.
mod invitations_and_codes;
mod refusals_and_passkeys;
