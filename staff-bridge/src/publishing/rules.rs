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
mod tests;
