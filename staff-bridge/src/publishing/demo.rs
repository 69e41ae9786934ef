//! The demo's publications, made through the same flow staff use: Priya
//! Shah (practitioner) drafts each one, decides on every finding of the
//! check, and sends it; Tom Okafor (manager) approves it. Two more are left
//! part of the way, so the pages for them have something to show: a letter
//! waiting in Tom's approvals, and meeting notes Priya is still checking.
//! Running the demo again adds nothing: a draft already made is left alone.
//!
//! Every person here is fictional (the Carter family of `src/demo/family.json`).

use content::db::Db;

use super::rules::{Decision, Item, Kind};
use super::{Content, Settings};
use crate::staff::{self, NewStaff, Role, StaffMember};

pub const CASE: &str = "DEMO-0001";
pub const PRACTITIONER: (&str, &str) = ("Priya Shah", "priya.shah@council.example");
pub const MANAGER: (&str, &str) = ("Tom Okafor", "tom.okafor@council.example");

/// Moves the demo case's meetings to two and three weeks after `now`, at the
/// times of day the file gives, so the demo always has a next meeting to show.
pub fn with_upcoming_meetings(case: &mut serde_json::Value, now: i64) {
    let Some(meetings) = case["meetings"].as_array_mut() else {
        return;
    };
    for (i, meeting) in meetings.iter_mut().enumerate() {
        let Some(time) = meeting["date"]
            .as_str()
            .and_then(|d| d.split_once('T'))
            .map(|(_, t)| t.to_string())
        else {
            continue;
        };
        let day = content::when::input(now + (14 + 7 * i as i64) * 86_400);
        let Some((date, _)) = day.split_once('T') else {
            continue;
        };
        meeting["date"] = format!("{date}T{time}").into();
    }
}

/// The staff member with this address, made (as the command line makes
/// staff) when there is none.
pub async fn staff_member(
    db: &Db,
    (name, email): (&str, &str),
    role: Role,
    now: i64,
) -> anyhow::Result<StaffMember> {
    if let Some(member) = staff::find_by_email(db, email).await? {
        return Ok(member);
    }
    let new = NewStaff {
        email: email.into(),
        name: name.into(),
        roles: vec![role],
    };
    match staff::add(db, &new, None, now).await {
        Ok((member, _token)) => Ok(member),
        Err(staff::AddError::AlreadyExists) => staff::find_by_email(db, email)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{email} vanished")),
        Err(e) => Err(anyhow::anyhow!("could not add {email}: {e}")),
    }
}

struct Piece {
    kind: Kind,
    title: &'static str,
    /// Names of the readers, as in the case.
    readers: &'static [&'static str],
    reader_age: Option<u32>,
    body: &'static str,
    decide: fn(&Item) -> Decision,
    stage: Stage,
}

/// How far through the flow a demo document goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Published,
    /// Decided and sent: waiting for a manager.
    AwaitingApproval,
    /// Written and checked; the findings are still open.
    BeingChecked,
}

fn keep(reason: &str) -> Decision {
    Decision::Keep(reason.into())
}

const ELLIE_PLAN: &str = "\
Hi Ellie. This is your plan. It says what the grown-ups will do to help you feel safe at home.

## What we are worried about

There has been shouting at home, and it has been scary for you. It is not your fault.

## What will happen

- Mum and Liam will go to a course about getting on without shouting.
- Priya will visit you every two weeks. You can talk to her on your own.
- You will see Nan every Saturday.
- The grown-ups will meet every six weeks to check how things are going.

If you are worried about anything, you can send Priya a message here.
";

const PARENT_PLAN: &str = "\
Ellie Carter (born 12/04/2016) and Noah Carter live with their mother Sarah Carter at 14 Willow Crescent, Riverside RV4 2QT, with Sarah's partner Liam Walsh. Their father Daniel Brooks sees them every other weekend.

## What we are worried about

Arguments at home between Sarah and Liam have frightened Ellie. The conference agreed a child protection plan because of the emotional harm this is causing.

## What will happen

1. Sarah and Liam will go to the Safe Relationships course.
2. Priya Shah will visit every two weeks and see Ellie on her own.
3. Ellie will spend time with her grandmother Margaret Carter every Saturday.
4. The core group will meet every six weeks.
";

const WORKER_CARD: &str = "\
Priya Shah is your social worker. She works in the Riverside Family Support Team.

- Priya visits every two weeks.
- You can send Priya a message here on FamilyStory. She answers within two working days.
- If Priya is away, the team's duty worker will help you.
";

const INVITATION: &str = "\
You are invited to the review child protection conference about Ellie and Noah.

- Where: Riverside Family Centre, Room 2

At the meeting we will look at how the plan is going and what should happen next. You can bring someone to support you. If you cannot come, tell Priya Shah and she will share your views.
";

const ELLIE_INVITATION: &str = "\
Ellie, there is a meeting about you and your plan.

- Where: Riverside Family Centre, Room 2

We will talk about how things are going at home and at school. Your mum and dad will be there, and Priya.

You can tell us what you think before the meeting. Press the link below. You can say what worries you, what is going well and what you would like to happen.
";

const FAMILY_TIME_LETTER: &str = "\
Dear Sarah,

Thank you for talking with me on Tuesday about family time. Ellie and Noah will keep seeing their dad every other weekend, and I will ask them how it is going when I visit.

If anything changes, please send me a message here.

Priya Shah, social worker
";

const CORE_GROUP_NOTES: &str = "\
## Core group meeting

Sarah, Liam Walsh and Margaret Carter came. Margaret said Ellie was happier on Saturdays.

Liam has started the Safe Relationships course. His mobile is 07700 900461 if the course needs him.

The next core group meeting is in six weeks.
";

fn for_ellie(item: &Item) -> Decision {
    match item.finding.text.as_str() {
        "Mum" => keep("Ellie’s mum is part of her plan"),
        "Liam" => keep("Liam lives with Ellie and is part of her plan"),
        "Nan" => keep("Ellie’s time with Nan is part of her plan"),
        _ => Decision::Redact,
    }
}

fn for_sarah(item: &Item) -> Decision {
    use content::check::FindingKind::*;
    match item.finding.kind {
        Address | Postcode => keep("Sarah’s own address"),
        DateOfBirth => keep("Ellie’s date of birth: Sarah is her mother"),
        Person => keep("Named in the plan agreed with Sarah at the conference"),
        _ => Decision::Redact,
    }
}

fn for_daniel(item: &Item) -> Decision {
    use content::check::FindingKind::*;
    match item.finding.kind {
        // The mother's address is not shared with the father.
        Address | Postcode => Decision::Redact,
        DateOfBirth => keep("Ellie’s date of birth: Daniel is her father"),
        Person => keep("Named in the plan agreed at the conference, which Daniel attended"),
        _ => Decision::Redact,
    }
}

fn for_parents(item: &Item) -> Decision {
    use content::check::FindingKind::*;
    match item.finding.kind {
        Person => keep("The children of both parents"),
        Address | Postcode => keep("The meeting place: a council building"),
        _ => Decision::Redact,
    }
}

const PIECES: &[Piece] = &[
    Piece {
        kind: Kind::Plan,
        title: "Your plan, Ellie",
        readers: &["Ellie Carter"],
        reader_age: Some(10),
        body: ELLIE_PLAN,
        decide: for_ellie,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::Plan,
        title: "Ellie and Noah’s child protection plan",
        readers: &["Sarah Carter"],
        reader_age: None,
        body: PARENT_PLAN,
        decide: for_sarah,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::Plan,
        title: "Ellie and Noah’s child protection plan (for Daniel)",
        readers: &["Daniel Brooks"],
        reader_age: None,
        body: PARENT_PLAN,
        decide: for_daniel,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::WorkerCard,
        title: "My worker: Priya Shah",
        readers: &["Ellie Carter", "Sarah Carter", "Daniel Brooks"],
        reader_age: None,
        body: WORKER_CARD,
        decide: for_parents,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::MeetingInvitation,
        title: "Invitation to the review conference",
        readers: &["Sarah Carter", "Daniel Brooks"],
        reader_age: None,
        body: INVITATION,
        decide: for_parents,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::MeetingInvitation,
        title: "Your review meeting, Ellie",
        readers: &["Ellie Carter"],
        reader_age: Some(10),
        body: ELLIE_INVITATION,
        decide: for_parents,
        stage: Stage::Published,
    },
    Piece {
        kind: Kind::Letter,
        title: "Family time with your children’s dad",
        readers: &["Sarah Carter"],
        reader_age: None,
        body: FAMILY_TIME_LETTER,
        decide: for_sarah,
        stage: Stage::AwaitingApproval,
    },
    Piece {
        kind: Kind::MeetingRecord,
        title: "Notes from the core group meeting",
        readers: &["Sarah Carter"],
        reader_age: None,
        body: CORE_GROUP_NOTES,
        decide: for_sarah,
        stage: Stage::BeingChecked,
    },
];

/// Publishes the demo's documents to the Carter family. Returns how many
/// were published now (0 when they already were).
pub async fn seed(db: &Db, now: i64) -> anyhow::Result<usize> {
    let priya = staff_member(db, PRACTITIONER, Role::Practitioner, now).await?;
    let tom = staff_member(db, MANAGER, Role::Manager, now).await?;
    let case_id: i64 = sqlx::query_scalar("SELECT id FROM cases WHERE reference = $1")
        .bind(CASE)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the demo case {CASE} is not imported"))?;
    let mut conn = db.pool.acquire().await?;
    let family = super::family_of(&mut conn, case_id).await?;
    let meetings = crate::import::meetings_of(&mut conn, case_id).await?;
    drop(conn);
    let settings = Settings::default();
    let mut published = 0;
    // Titles are sealed, so what exists is compared after opening them.
    let existing = super::of_case(db, case_id).await?;
    for piece in PIECES {
        if existing
            .iter()
            .any(|d| d.title == piece.title && d.author_id == priya.id)
        {
            continue;
        }
        let audience: Vec<i64> = piece
            .readers
            .iter()
            .filter_map(|name| family.iter().find(|p| p.name == *name).map(|p| p.id))
            .collect();
        let content = Content {
            kind: Some(piece.kind),
            title: piece.title.into(),
            body: piece.body.into(),
            reader_age: piece.reader_age,
            audience,
            publish_at: None,
            // The invitation is to the review conference the case system lists.
            meeting_id: (piece.kind == Kind::MeetingInvitation)
                .then(|| {
                    meetings
                        .iter()
                        .find(|m| m.source_id == "M-401")
                        .map(|m| m.id)
                })
                .flatten(),
        };
        let errors = super::validate(&content, &family, &meetings);
        anyhow::ensure!(errors.is_empty(), "demo draft {}: {errors:?}", piece.title);
        let id = super::create(db, case_id, None, &priya.id, &content, None, now).await?;
        let draft = super::load(db, &id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("draft vanished"))?;
        if piece.stage == Stage::BeingChecked {
            continue;
        }
        let checked = super::check(db, &draft).await?;
        for item in &checked.items {
            super::decide(db, &draft, &[item], &(piece.decide)(item), &priya.id, now).await?;
        }
        let draft = super::load(db, &id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("draft vanished"))?;
        super::submit(db, &draft, &priya.id, &settings, now).await?;
        if piece.stage == Stage::AwaitingApproval {
            continue;
        }
        let draft = super::load(db, &id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("draft vanished"))?;
        // Tom reads it as the approval page shows it, then approves.
        let read = super::check(db, &draft).await?;
        let read = super::rules::read_hash(&read.title, &read.body);
        super::approve(db, &draft, &tom, &read, None, now).await?;
        published += 1;
    }
    Ok(published)
}
