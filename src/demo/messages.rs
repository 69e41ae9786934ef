//! The demo family already has a short conversation with Priya, so the
//! message pages on both sides have something to show: Ellie asked a
//! question and Priya answered it (through the content check, as any worker
//! does), and Sarah's question waits unread in Priya's inbox. Each family
//! message is sent through the portal's own function and pulled to the
//! bridge by the same sync as any other.

use content::db::{now, Db};
use staff_bridge::messages::send::{self, Outgoing};

/// (case-system id, what they wrote, Priya's answer)
const CONVERSATIONS: &[(&str, &str, Option<&str>)] = &[
    (
        "P-101",
        "Can I bring my drawing of the dog I want to the meeting?",
        Some("Yes please, Ellie! Bring your drawing. I would love to see it, and you can show everyone at the meeting."),
    ),
    (
        "P-103",
        "Is the review meeting still at 10 o'clock? I need to ask for time off work.",
        None,
    ),
];

pub async fn seed(
    portal_state: &portal::AppState,
    bridge: &Db,
    client: &staff_bridge::sync::PortalClient,
) -> anyhow::Result<()> {
    let portal = &portal_state.db;
    let sealer = &portal_state.sealer;
    let people = staff_bridge::import::people_of(bridge, "DEMO-0001").await?;
    let Some(priya) =
        staff_bridge::staff::find_by_email(bridge, "priya.shah@council.example").await?
    else {
        return Ok(());
    };
    for (source_id, question, _) in CONVERSATIONS {
        let Some(person) = people.iter().find(|p| p.source_id == *source_id) else {
            continue;
        };
        let id = person.portal_id;
        if !portal::messages::conversation(portal, sealer, id)
            .await?
            .is_empty()
        {
            continue;
        }
        if let Err(refusal) =
            portal::messages::send(portal, sealer, id, question, &[], now()).await?
        {
            anyhow::bail!("the demo message was refused: {}", refusal.message());
        }
    }
    staff_bridge::sync::run_once(bridge, client).await?;
    for (source_id, _, answer) in CONVERSATIONS {
        let (Some(answer), Some(person)) =
            (answer, people.iter().find(|p| p.source_id == *source_id))
        else {
            continue;
        };
        let portal_id = person.portal_id.to_string();
        let answered = staff_bridge::messages::conversation(bridge, &portal_id)
            .await?
            .iter()
            .any(|m| !m.from_family);
        if answered {
            continue;
        }
        let Some(reader) = send::reader_by_portal_id(bridge, &portal_id).await? else {
            continue;
        };
        staff_bridge::messages::inbox::mark_read(bridge, &priya.id, &portal_id, now()).await?;
        let checked = send::check(bridge, &reader, answer, None).await?;
        let out = Outgoing {
            reader: &reader,
            author_id: &priya.id,
            author_name: &priya.name,
            checked: &checked,
            needs_approval: false,
            files: &[],
        };
        send::send(bridge, &out, now())
            .await
            .map_err(|e| anyhow::anyhow!("the demo reply was not sent: {e}"))?;
    }
    staff_bridge::sync::run_once(bridge, client).await?;
    Ok(())
}
