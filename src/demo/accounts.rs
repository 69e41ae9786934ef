//! The demo's accounts: staff with an enrolment link in the email outbox, and
//! family members who can sign in with a code emailed to the outbox.

use content::db::{now, Db};
use content::sync::{FamilyRole, InvitationPush, PersonPush};
use staff_bridge::outgoing::{self, Push};
use staff_bridge::staff::{self, NewStaff, Role};
use uuid::Uuid;

const STAFF: &[(&str, &str, &[Role])] = &[
    (
        "Priya Shah",
        "priya.shah@council.example",
        &[Role::Practitioner],
    ),
    (
        "Tom Okafor",
        "tom.okafor@council.example",
        &[Role::Manager, Role::Duty],
    ),
    (
        "Grace Lee",
        "grace.lee@council.example",
        &[Role::IgOfficer, Role::Admin],
    ),
];

/// (case-system id, first name, date of birth, email)
const FAMILY: &[(&str, &str, &str, &str)] = &[
    ("P-101", "Ellie", "2016-04-12", "ellie.carter@example.com"),
    ("P-103", "Sarah", "1989-11-21", "sarah.carter@example.com"),
    ("P-104", "Daniel", "1987-02-08", "daniel.brooks@example.org"),
];

pub async fn seed(
    bridge: &Db,
    client: &staff_bridge::sync::PortalClient,
    mailer: Option<&content::mail::Mailer>,
    bridge_url: &str,
    portal_state: &portal::AppState,
) -> anyhow::Result<()> {
    let portal = &portal_state.db;
    for (name, email, roles) in STAFF {
        let member = match staff::find_by_email(bridge, email).await? {
            Some(member) => member,
            None => {
                let new = NewStaff {
                    email: email.to_string(),
                    name: name.to_string(),
                    roles: roles.to_vec(),
                };
                staff::add_and_enrol(bridge, mailer, bridge_url, &new, None, now())
                    .await
                    .map_err(|e| anyhow::anyhow!("demo staff {name}: {e}"))?;
                continue;
            }
        };
        // Someone not yet enrolled gets a fresh link each time the demo starts.
        if staff::passkeys_of(bridge, &member.id).await?.is_empty() {
            let token = staff::new_enrolment(bridge, &member.id, &member.id, now()).await?;
            staff::deliver_enrolment(mailer, &member, staff::enrolment_link(bridge_url, &token))
                .await
                .map_err(|e| anyhow::anyhow!("demo staff {name}: {e}"))?;
        }
    }

    let people = staff_bridge::import::people_of(bridge, "DEMO-0001").await?;
    for (source_id, first, dob, email) in FAMILY {
        let Some(person) = people.iter().find(|p| p.source_id == *source_id) else {
            continue;
        };
        if portal::people::find_active(portal, person.portal_id)
            .await?
            .is_some_and(|p| p.email.is_some())
        {
            continue;
        }
        // As if the worker had invited them and they had used the code and
        // confirmed their email: the invitation crosses the internal API as
        // any other does.
        let code = content::invitation::new_code();
        let role = FamilyRole::parse(&person.role).unwrap_or(FamilyRole::Other);
        let mut tx = bridge.pool.begin().await?;
        let pushes = [
            Push::Person(
                person.portal_id,
                PersonPush {
                    display_name: person.name.clone(),
                    first_name: first.to_string(),
                    role,
                    date_of_birth: Some(dob.to_string()),
                },
            ),
            Push::Invitation(
                Uuid::new_v4(),
                InvitationPush {
                    person_id: person.portal_id,
                    code_hash: content::invitation::hash(&code),
                    expires_at: now() + 3600,
                },
            ),
        ];
        for push in &pushes {
            outgoing::enqueue(&mut tx, bridge.sealer(), push, now()).await?;
        }
        tx.commit().await?;
        staff_bridge::sync::push_pending(bridge, client).await?;
        let redeemed = portal::invitations::redeem(
            portal,
            &portal_state.sealer,
            &content::invitation::hash(&code),
            first,
            dob,
            now(),
        )
        .await?;
        if redeemed.is_err() {
            anyhow::bail!("the demo invitation for {first} did not work");
        }
        portal::people::set_email(portal, person.portal_id, email).await?;
    }
    Ok(())
}
