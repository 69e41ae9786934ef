//! The publishing rules as plain functions: what a draft's check asks, how a
//! finding is keyed and shown in its sentence, what a redaction leaves in the
//! published text, who may approve and withdraw, and the content hash.
//! Nothing here touches the database.

use std::collections::{HashMap, HashSet};

use content::check::{CasePerson, CheckRequest, Finding, FindingKind, Reader, Role as CheckRole};
use sha2::{Digest, Sha256};

use crate::staff::{Role, StaffMember};

/// What a document is, for the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Plan,
    MeetingRecord,
    AssessmentSummary,
    Letter,
    WorkerCard,
    MeetingInvitation,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Plan,
        Kind::MeetingRecord,
        Kind::AssessmentSummary,
        Kind::Letter,
        Kind::WorkerCard,
        Kind::MeetingInvitation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Plan => "plan",
            Kind::MeetingRecord => "meeting_record",
            Kind::AssessmentSummary => "assessment_summary",
            Kind::Letter => "letter",
            Kind::WorkerCard => "worker_card",
            Kind::MeetingInvitation => "meeting_invitation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::Plan => "Plan",
            Kind::MeetingRecord => "Meeting record",
            Kind::AssessmentSummary => "Assessment summary",
            Kind::Letter => "Letter",
            Kind::WorkerCard => "“My worker” card",
            Kind::MeetingInvitation => "Meeting invitation",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text.trim())
    }

    /// The kind a case system's document most likely becomes.
    pub fn of_document(kind: &str) -> Kind {
        Kind::parse(kind).unwrap_or(Kind::Letter)
    }
}

/// Where a draft is on its way to the reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Draft,
    Submitted,
    Returned,
    /// Approved and held until its publication time.
    Approved,
    Published,
    Withdrawn,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Published => "published",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        [
            Status::Draft,
            Status::Submitted,
            Status::Returned,
            Status::Approved,
            Status::Published,
            Status::Withdrawn,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Submitted => "Waiting for approval",
            Status::Returned => "Returned to the author",
            Status::Approved => "Approved, held until its publication time",
            Status::Published => "Published",
            Status::Withdrawn => "Withdrawn",
        }
    }

    /// Whether the author may still change the text and the audience.
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}

/// A family member of the case, as the check and the pages need them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyMember {
    /// `case_people.id`.
    pub id: i64,
    pub name: String,
    pub aliases: Vec<String>,
    /// The case system's role: child, parent, carer, sibling, ...
    pub role: String,
    /// No longer part of the case: still a person the check knows, never a
    /// reader.
    pub removed: bool,
}

fn check_role(role: &str) -> CheckRole {
    match role {
        "child" => CheckRole::Child,
        "parent" => CheckRole::Parent,
        "carer" => CheckRole::Carer,
        "sibling" => CheckRole::Sibling,
        "relative" => CheckRole::Relative,
        "partner" => CheckRole::Partner,
        _ => CheckRole::Other,
    }
}

/// The age the check assumes for an adult reader.
pub const ADULT_READER_AGE: u32 = 30;

/// The check's request for a draft: the audience are its recipients, every
/// other family member of the case is not, and the case's professionals are
/// professionals.
pub fn check_request(
    text: &str,
    reader_age: Option<u32>,
    family: &[FamilyMember],
    audience: &HashSet<i64>,
    professionals: &[String],
) -> CheckRequest {
    let mut people: Vec<CasePerson> = family
        .iter()
        .map(|p| CasePerson {
            name: p.name.clone(),
            aliases: p.aliases.clone(),
            role: check_role(&p.role),
            recipient: audience.contains(&p.id),
        })
        .collect();
    people.extend(professionals.iter().map(|name| CasePerson {
        name: name.clone(),
        aliases: Vec::new(),
        role: CheckRole::Professional,
        recipient: false,
    }));
    CheckRequest {
        text: text.to_string(),
        reader: Reader {
            age: reader_age.unwrap_or(ADULT_READER_AGE),
        },
        people,
    }
}

/// The text the check reads: the title, a blank line, then the body. The
/// title is shown to the reader too, so it is checked too.
pub fn checked_text(title: &str, body: &str) -> String {
    format!("{title}\n\n{body}")
}

/// The sentence around `start..end`: from just after the previous sentence
/// end or line break to the next sentence end or line break (inclusive of a
/// closing `.`, `!` or `?`), trimmed.
pub fn sentence_bounds(text: &str, start: usize, end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    let mut from = start;
    while from > 0 {
        let c = bytes[from - 1];
        if c == b'\n' {
            break;
        }
        if matches!(c, b'.' | b'!' | b'?')
            && bytes.get(from).is_some_and(|n| n.is_ascii_whitespace())
        {
            break;
        }
        from -= 1;
    }
    let mut to = end;
    while to < bytes.len() {
        let c = bytes[to];
        if c == b'\n' {
            break;
        }
        if matches!(c, b'.' | b'!' | b'?')
            && bytes.get(to + 1).is_none_or(|n| n.is_ascii_whitespace())
        {
            to += 1;
            break;
        }
        to += 1;
    }
    while from < start && bytes[from].is_ascii_whitespace() {
        from += 1;
    }
    (from, to.max(end))
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// The SHA-256 of a text, lowercase hex: the ledger's content hash.
pub fn content_hash(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// What a manager read on the approval page: its title and text as the
/// reader will see them. The approval form carries it back, so an approval
/// is only ever for the words that were on the manager's screen.
pub fn read_hash(title: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update((title.len() as u64).to_be_bytes());
    hasher.update(title.as_bytes());
    hasher.update(body.as_bytes());
    hex::encode(hasher.finalize())
}

/// A key for each finding that survives re-saving as long as the finding's
/// text and its sentence are unchanged: kind, text, sentence, and which
/// occurrence of that same triple it is.
pub fn finding_keys(text: &str, findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<(FindingKind, &str, &str), usize> = HashMap::new();
    findings
        .iter()
        .map(|f| {
            let (from, to) = sentence_bounds(text, f.start, f.end);
            let sentence = &text[from..to];
            let n = seen.entry((f.kind, &f.text, sentence)).or_default();
            let key = sha256_hex(&[
                f.kind.as_str().as_bytes(),
                f.text.as_bytes(),
                sentence.as_bytes(),
                &(*n as u64).to_be_bytes(),
            ]);
            *n += 1;
            key
        })
        .collect()
}

/// What was decided about one finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Redact,
    /// Kept, with the reason the staff member gave.
    Keep(String),
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Redact => "redact",
            Decision::Keep(_) => "keep",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Redact => None,
            Decision::Keep(reason) => Some(reason),
        }
    }
}

/// The longest reason for keeping something.
pub const MAX_REASON: usize = 500;

/// A reason to keep, trimmed; None when it is missing or too long.
pub fn keep_reason(text: &str) -> Option<String> {
    let reason = text.trim();
    (!reason.is_empty() && reason.chars().count() <= MAX_REASON).then(|| reason.to_string())
}

/// One finding of a draft's check with its key, its sentence, the family
/// member it names (when it is one of them) and the decision on it.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub finding: Finding,
    pub key: String,
    pub sentence: (usize, usize),
    pub person: Option<i64>,
    pub decision: Option<Decision>,
}

/// Every finding of the checked text, with the decisions made so far.
pub fn review(
    text: &str,
    findings: Vec<Finding>,
    family: &[FamilyMember],
    audience: &HashSet<i64>,
    decisions: &HashMap<String, Decision>,
) -> Vec<Item> {
    let keys = finding_keys(text, &findings);
    findings
        .into_iter()
        .zip(keys)
        .map(|(finding, key)| Item {
            sentence: sentence_bounds(text, finding.start, finding.end),
            person: person_of(&finding, family, audience),
            decision: decisions.get(&key).cloned(),
            key,
            finding,
        })
        .collect()
}

/// The findings nobody has decided on yet.
pub fn open(items: &[Item]) -> usize {
    items.iter().filter(|i| i.decision.is_none()).count()
}

fn fold(text: &str) -> String {
    let text = text.trim();
    let text = text
        .strip_suffix("'s")
        .or_else(|| text.strip_suffix("’s"))
        .unwrap_or(text);
    text.to_lowercase()
}

/// The family member (not in the audience) a `person` finding names, when it
/// names exactly one.
pub fn person_of(
    finding: &Finding,
    family: &[FamilyMember],
    audience: &HashSet<i64>,
) -> Option<i64> {
    if finding.kind != FindingKind::Person {
        return None;
    }
    let said = fold(&finding.text);
    let mut found = family
        .iter()
        .filter(|p| !audience.contains(&p.id))
        .filter(|p| {
            fold(&p.name) == said
                || p.aliases.iter().any(|a| fold(a) == said)
                || p.name.split_whitespace().any(|w| fold(w) == said)
        });
    let first = found.next()?;
    found.next().is_none().then_some(first.id)
}

/// What replaces redacted text, in plain words, by kind.
pub fn marker_words(kind: FindingKind) -> &'static str {
    match kind {
        FindingKind::Person | FindingKind::UnknownPerson => "removed: this is about someone else",
        FindingKind::Address | FindingKind::Postcode => "removed: an address that is kept private",
        FindingKind::Phone => "removed: a phone number that is kept private",
        FindingKind::Email => "removed: an email address that is kept private",
        FindingKind::NhsNumber | FindingKind::NiNumber => {
            "removed: a personal number that is kept private"
        }
        FindingKind::DateOfBirth => "removed: a date of birth that is kept private",
    }
}

/// The marker in the published Markdown: bracketed plain text, with the
/// brackets escaped so Markdown never reads it as a link. It passes the
/// portal's sanitiser as text, is seen by everyone and read out by screen
/// readers.
pub fn marker_markdown(kind: FindingKind) -> String {
    format!("\\[{}\\]", marker_words(kind))
}

/// The marker in the title, which the portal shows as plain text.
pub fn marker_plain(kind: FindingKind) -> String {
    format!("[{}]", marker_words(kind))
}

/// The title and body exactly as the reader will get them: every redacted
/// finding replaced by its marker. `items` are findings of
/// [`checked_text`]`(title, body)`.
pub fn published(title: &str, body: &str, items: &[Item]) -> (String, String) {
    let body_start = title.len() + 2;
    let mut out_title = String::with_capacity(title.len());
    let mut out_body = String::with_capacity(body.len());
    let mut title_at = 0;
    let mut body_at = 0;
    for item in items {
        if item.decision != Some(Decision::Redact) {
            continue;
        }
        let f = &item.finding;
        if f.end <= title.len() {
            out_title.push_str(&title[title_at..f.start]);
            out_title.push_str(&marker_plain(f.kind));
            title_at = f.end;
        } else if f.start >= body_start {
            let (s, e) = (f.start - body_start, f.end - body_start);
            out_body.push_str(&body[body_at..s]);
            out_body.push_str(&marker_markdown(f.kind));
            body_at = e;
        }
    }
    out_title.push_str(&title[title_at..]);
    out_body.push_str(&body[body_at..]);
    (out_title, out_body)
}

/// Why a draft cannot be sent for approval.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("Decide on every finding of the check before sending: {0} still open")]
    OpenFindings(usize),
    #[error("Choose at least one person to send this to")]
    NoAudience,
    #[error("This draft has already been sent")]
    NotEditable,
}

pub fn can_submit(status: Status, items: &[Item], audience: usize) -> Result<(), SubmitError> {
    if !status.editable() {
        return Err(SubmitError::NotEditable);
    }
    if audience == 0 {
        return Err(SubmitError::NoAudience);
    }
    match open(items) {
        0 => Ok(()),
        n => Err(SubmitError::OpenFindings(n)),
    }
}

/// Why someone cannot approve a draft.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApproveError {
    #[error("Only managers approve what is published")]
    NotManager,
    #[error("You worked on this draft, so someone else must approve it")]
    OwnDraft,
    #[error("This draft is not waiting for approval")]
    NotSubmitted,
}

/// Four eyes: a manager approves only what they took no part in writing.
/// `contributors` is everyone who wrote, edited, decided a finding on,
/// submitted or reopened the draft (`publishing::contributors`), not just its
/// author.
pub fn can_approve(
    approver: &StaffMember,
    contributors: &[String],
    status: Status,
) -> Result<(), ApproveError> {
    if !approver.has(Role::Manager) {
        return Err(ApproveError::NotManager);
    }
    if contributors.contains(&approver.id) {
        return Err(ApproveError::OwnDraft);
    }
    if status != Status::Submitted {
        return Err(ApproveError::NotSubmitted);
    }
    Ok(())
}

/// The author, a manager or an IG officer may withdraw a publication.
pub fn can_withdraw(staff: &StaffMember, author_id: &str) -> bool {
    staff.id == author_id || staff.has(Role::Manager) || staff.has(Role::IgOfficer)
}

/// Whether a kind needs a second person's approval under the setting.
pub fn needs_approval(kind: Kind, approval_kinds: &[String]) -> bool {
    approval_kinds.iter().any(|k| k == kind.as_str())
}

/// A reader's age for a child's version: 5 to 17, or none for an adult.
pub fn reader_age(text: &str) -> Result<Option<u32>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<u32>() {
        Ok(age) if (5..=17).contains(&age) => Ok(Some(age)),
        _ => Err("Enter the child’s age as a number from 5 to 17, or leave it empty for an adult"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family() -> Vec<FamilyMember> {
        vec![
            FamilyMember {
                id: 1,
                name: "Ellie Carter".into(),
                aliases: vec!["Els".into()],
                role: "child".into(),
                removed: false,
            },
            FamilyMember {
                id: 2,
                name: "Sarah Carter".into(),
                aliases: vec!["Mum".into()],
                role: "parent".into(),
                removed: false,
            },
            FamilyMember {
                id: 3,
                name: "Daniel Brooks".into(),
                aliases: vec!["Dan".into()],
                role: "parent".into(),
                removed: false,
            },
            FamilyMember {
                id: 4,
                name: "Liam Walsh".into(),
                aliases: vec![],
                role: "partner".into(),
                removed: false,
            },
        ]
    }

    fn member(id: &str, roles: &[Role]) -> StaffMember {
        StaffMember {
            id: id.into(),
            email: format!("{id}@council.example"),
            name: id.into(),
            roles: roles.to_vec(),
            created_at: 0,
            disabled_at: None,
        }
    }

    fn checked(title: &str, body: &str, audience: &[i64]) -> (String, Vec<Item>) {
        let audience: HashSet<i64> = audience.iter().copied().collect();
        let text = checked_text(title, body);
        let request = check_request(&text, None, &family(), &audience, &["Priya Shah".into()]);
        let findings = content::check::check(&request).findings;
        let items = review(&text, findings, &family(), &audience, &HashMap::new());
        (text, items)
    }

    #[test]
    fn the_check_flags_people_outside_the_audience_only() {
        let (_, items) = checked("Plan", "Sarah and Liam Walsh met Priya Shah.", &[2]);
        let texts: Vec<&str> = items.iter().map(|i| i.finding.text.as_str()).collect();
        assert_eq!(texts, ["Liam Walsh"]);
        assert_eq!(items[0].person, Some(4));
        let (_, items) = checked("Plan", "Sarah and Liam Walsh met Priya Shah.", &[3]);
        let texts: Vec<&str> = items.iter().map(|i| i.finding.text.as_str()).collect();
        assert_eq!(texts, ["Sarah", "Liam Walsh"]);
        assert_eq!(items[0].person, Some(2));
    }

    #[test]
    fn a_sentence_is_bounded_by_full_stops_and_lines() {
        let text = "First one. Liam came round on 12.3 at noon. Next\nline two";
        let at = text.find("Liam").unwrap();
        let (s, e) = sentence_bounds(text, at, at + 4);
        assert_eq!(&text[s..e], "Liam came round on 12.3 at noon.");
        let at = text.find("two").unwrap();
        let (s, e) = sentence_bounds(text, at, at + 3);
        assert_eq!(&text[s..e], "line two");
    }

    #[test]
    fn keys_survive_edits_elsewhere_but_not_in_the_sentence() {
        let (text, items) = checked("Plan", "Liam Walsh was there.\n\nAll fine.", &[2]);
        let (text2, items2) = checked(
            "Plan",
            "A new opening line.\n\nLiam Walsh was there.\n\nAll fine.",
            &[2],
        );
        assert_ne!(text, text2);
        assert_eq!(items[0].key, items2[0].key);
        let (_, items3) = checked("Plan", "Liam Walsh was not there.", &[2]);
        assert_ne!(items[0].key, items3[0].key);
        // The same name twice in one sentence: two keys.
        let (_, twice) = checked("Plan", "Liam and Liam again.", &[2]);
        assert_eq!(twice.len(), 2);
        assert_ne!(twice[0].key, twice[1].key);
    }

    #[test]
    fn nothing_open_may_be_submitted() {
        let (_, mut items) = checked("Plan", "Liam Walsh phoned on 07700 900123.", &[2]);
        assert_eq!(items.len(), 2);
        assert_eq!(
            can_submit(Status::Draft, &items, 1),
            Err(SubmitError::OpenFindings(2))
        );
        items[0].decision = Some(Decision::Redact);
        assert_eq!(
            can_submit(Status::Draft, &items, 1),
            Err(SubmitError::OpenFindings(1))
        );
        items[1].decision = Some(Decision::Keep("the office number".into()));
        assert_eq!(can_submit(Status::Draft, &items, 1), Ok(()));
        assert_eq!(
            can_submit(Status::Draft, &items, 0),
            Err(SubmitError::NoAudience)
        );
        assert_eq!(
            can_submit(Status::Submitted, &items, 1),
            Err(SubmitError::NotEditable)
        );
        assert_eq!(can_submit(Status::Returned, &items, 1), Ok(()));
    }

    #[test]
    fn redacting_leaves_a_marker_that_says_why() {
        let (_, mut items) = checked(
            "Plan for Liam",
            "Sarah lives at 14 Willow Crescent, Riverside RV4 2QT with Liam Walsh.",
            &[3],
        );
        for item in &mut items {
            item.decision = Some(match item.finding.text.as_str() {
                "Sarah" => Decision::Keep("Daniel knows Sarah".into()),
                _ => Decision::Redact,
            });
        }
        let (title, body) = published(
            "Plan for Liam",
            "Sarah lives at 14 Willow Crescent, Riverside RV4 2QT with Liam Walsh.",
            &items,
        );
        assert_eq!(title, "Plan for [removed: this is about someone else]");
        assert_eq!(
            body,
            "Sarah lives at \\[removed: an address that is kept private\\] with \\[removed: this is about someone else\\]."
        );
        let html = content::render::markdown_to_safe_html(&body);
        assert!(
            html.contains("[removed: an address that is kept private]"),
            "{html}"
        );
        assert!(!html.contains("Willow") && !html.contains("Liam"));
        assert!(!html.contains("<a"));
    }

    #[test]
    fn a_marker_is_never_a_link() {
        let body = "Liam(see notes) and [x]: https://example.org";
        let (_, mut items) = checked("T", body, &[2]);
        for item in &mut items {
            item.decision = Some(Decision::Redact);
        }
        let (_, out) = published("T", body, &items);
        let html = content::render::markdown_to_safe_html(&out);
        assert!(
            html.contains("[removed: this is about someone else](see notes)"),
            "{html}"
        );
    }

    #[test]
    fn a_person_is_recognised_by_name_alias_or_part() {
        let audience: HashSet<i64> = [1].into();
        let f = |text: &str| Finding {
            kind: FindingKind::Person,
            start: 0,
            end: text.len(),
            text: text.into(),
        };
        assert_eq!(person_of(&f("Liam"), &family(), &audience), Some(4));
        assert_eq!(person_of(&f("Liam Walsh's"), &family(), &audience), Some(4));
        assert_eq!(person_of(&f("Dan"), &family(), &audience), Some(3));
        assert_eq!(person_of(&f("Mum"), &family(), &audience), Some(2));
        // "Carter" is Sarah's surname and Ellie's, but Ellie is a reader.
        assert_eq!(person_of(&f("Carter"), &family(), &audience), Some(2));
        assert_eq!(person_of(&f("Carter"), &family(), &HashSet::new()), None);
        assert_eq!(person_of(&f("Ellie"), &family(), &audience), None);
    }

    #[test]
    fn only_another_manager_approves() {
        let manager = member("tom", &[Role::Manager]);
        let practitioner = member("priya", &[Role::Practitioner]);
        let both = member("kim", &[Role::Practitioner, Role::Manager]);
        let by = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            can_approve(&manager, &by(&["priya"]), Status::Submitted),
            Ok(())
        );
        assert_eq!(
            can_approve(&manager, &by(&["priya", "tom"]), Status::Submitted),
            Err(ApproveError::OwnDraft),
            "a manager who edited someone else's draft"
        );
        assert_eq!(
            can_approve(&practitioner, &by(&["kim"]), Status::Submitted),
            Err(ApproveError::NotManager)
        );
        assert_eq!(
            can_approve(&both, &by(&["kim"]), Status::Submitted),
            Err(ApproveError::OwnDraft)
        );
        assert_eq!(
            can_approve(&manager, &by(&["priya"]), Status::Draft),
            Err(ApproveError::NotSubmitted)
        );
        assert_eq!(
            can_approve(&manager, &by(&["priya"]), Status::Published),
            Err(ApproveError::NotSubmitted)
        );
    }

    #[test]
    fn who_may_withdraw() {
        let ig = member("grace", &[Role::IgOfficer]);
        let other = member("sam", &[Role::Practitioner]);
        assert!(can_withdraw(
            &member("priya", &[Role::Practitioner]),
            "priya"
        ));
        assert!(can_withdraw(&member("tom", &[Role::Manager]), "priya"));
        assert!(can_withdraw(&ig, "priya"));
        assert!(!can_withdraw(&other, "priya"));
        assert!(!can_withdraw(&member("admin", &[Role::Admin]), "priya"));
    }

    #[test]
    fn approval_kinds_setting() {
        let all: Vec<String> = Kind::ALL.iter().map(|k| k.as_str().to_string()).collect();
        assert!(Kind::ALL.iter().all(|k| needs_approval(*k, &all)));
        let some = vec!["plan".to_string()];
        assert!(needs_approval(Kind::Plan, &some));
        assert!(!needs_approval(Kind::WorkerCard, &some));
    }

    #[test]
    fn reasons_and_ages() {
        assert_eq!(
            keep_reason("  it is his own number "),
            Some("it is his own number".into())
        );
        assert_eq!(keep_reason("   "), None);
        assert_eq!(keep_reason(&"x".repeat(MAX_REASON + 1)), None);
        assert_eq!(reader_age(""), Ok(None));
        assert_eq!(reader_age("10"), Ok(Some(10)));
        assert!(reader_age("40").is_err());
        assert!(reader_age("ten").is_err());
    }

    #[test]
    fn the_content_hash_is_sha256_of_the_text() {
        assert_eq!(
            content_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
