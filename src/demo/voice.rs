//! The demo family has already told the service things, one of each kind,
//! so every staff page about contributions has something to show. They are
//! written and sent through the portal's own functions, then pulled to the
//! bridge by the same sync as any other.

use content::db::{now, Db};
use portal::voice::{self, questions, About, Answers, Audience, Kind};
use uuid::Uuid;

/// (case-system id, kind, title of the item it is about, answers)
type Sent = (
    &'static str,
    Kind,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const SENT: &[Sent] = &[
    (
        "P-101",
        Kind::Views,
        "Your review meeting, Ellie",
        &[
            ("worries", "When people shout at home I go to my room and put my hands on my ears."),
            ("worries-feeling", "2"),
            ("good", "Saturdays with Nan. We make pancakes."),
            ("good-feeling", "5"),
            ("dreams", "I want everyone to be calm and I want a dog."),
        ],
    ),
    (
        "P-103",
        Kind::PlanResponse,
        "Ellie and Noah’s child protection plan",
        &[
            ("section-0", "agree"),
            ("section-1", "not_sure"),
            ("section-1-words", "The course is on Tuesdays when I work. Can it be another day?"),
        ],
    ),
    (
        "P-104",
        Kind::Correction,
        "Ellie and Noah’s child protection plan (for Daniel)",
        &[
            ("wrong", "It says I see the children every other weekend. Since October it is every weekend."),
            ("should-say", "Daniel sees Ellie and Noah every weekend."),
        ],
    ),
    (
        "P-103",
        Kind::Feedback,
        "",
        &[
            ("about", "compliment"),
            ("words", "Priya always calls back when she says she will. Thank you."),
        ],
    ),
    (
        "P-101",
        Kind::Unsafe,
        "",
        &[("message", "I had a bad dream and I am scared to go home after school.")],
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
    for (source_id, kind, title, typed) in SENT {
        let Some(person) = people.iter().find(|p| p.source_id == *source_id) else {
            continue;
        };
        let id: Uuid = person.portal_id;
        let Some(who) = portal::people::find_active(portal, id).await? else {
            continue;
        };
        if voice::list_own(portal, sealer, id)
            .await?
            .iter()
            .any(|c| c.kind == *kind && c.sent)
        {
            continue;
        }
        let items = portal::publications::visible_to(portal, sealer, id).await?;
        let item = items.iter().find(|i| i.title == *title);
        if !title.is_empty() && item.is_none() {
            anyhow::bail!("the demo item {title:?} has not reached {}", who.first_name);
        }
        let asked = match kind {
            Kind::Views => questions::views(questions::is_young_child(
                who.role,
                who.date_of_birth.as_deref(),
                time::OffsetDateTime::now_utc().date(),
            )),
            Kind::PlanResponse => questions::plan_response(&questions::plan_sections(
                item.map(|i| i.body_markdown.as_str()).unwrap_or(""),
            )),
            Kind::Correction => questions::correction(),
            Kind::Feedback => questions::feedback(),
            Kind::Unsafe => questions::unsafe_message(),
        };
        let answers: Answers = typed
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let about = item.map(|i| About {
            publication_id: i.id,
            version: i.version,
        });
        let saved = voice::save(
            portal,
            sealer,
            id,
            &voice::Writing {
                kind: *kind,
                about,
                audience: Audience::Worker,
                answers: &answers,
            },
            now(),
        )
        .await?;
        let Some(draft) = voice::find_own(portal, sealer, id, saved).await? else {
            continue;
        };
        voice::send(
            portal,
            sealer,
            id,
            &draft,
            &questions::body(&asked, &answers),
            now(),
        )
        .await?;
    }
    staff_bridge::sync::run_once(bridge, client).await?;
    Ok(())
}
