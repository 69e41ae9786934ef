//! The contract between the staff bridge and the portal's internal API: how a
//! request is signed, and the types that cross on the wire.
//!
//! Every request carries a timestamp, a fresh nonce and an HMAC-SHA256 over
//! `METHOD \n PATH_AND_QUERY \n TIMESTAMP \n NONCE \n hex(SHA-256(body))` with a
//! secret both sides share. The portal refuses a stale timestamp, a nonce it
//! has seen, and any signature that does not match (compared in constant time).
//!
//! The portal signs its answers with the same secret, over
//! `response \n STATUS \n REQUEST_NONCE \n hex(SHA-256(body))`, so an answer
//! belongs to one request and a man in the middle cannot acknowledge a push
//! that never arrived. The lowercase tag keeps an answer's MAC from ever
//! standing for a request's (a request's method is upper case).

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const HEADER_TIMESTAMP: &str = "x-familystory-timestamp";
pub const HEADER_NONCE: &str = "x-familystory-nonce";
pub const HEADER_SIGNATURE: &str = "x-familystory-signature";
/// On the portal's answers: the MAC from `SyncKey::sign_response`.
pub const HEADER_RESPONSE_SIGNATURE: &str = "x-familystory-response-signature";

/// How far a request's timestamp may be from the portal's clock.
pub const MAX_SKEW_SECONDS: i64 = 300;

/// The shortest shared secret either service accepts.
pub const MIN_SECRET_LEN: usize = 32;

#[derive(Clone)]
pub struct SyncKey(Vec<u8>);

impl std::fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncKey(..)")
    }
}

impl SyncKey {
    /// None when the secret is too short to be safe.
    pub fn new(secret: &str) -> Option<SyncKey> {
        (secret.len() >= MIN_SECRET_LEN).then(|| SyncKey(secret.as_bytes().to_vec()))
    }

    fn mac(
        &self,
        method: &str,
        path: &str,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        let body_hash = hex::encode(Sha256::digest(body));
        mac.update(
            format!(
                "{}\n{}\n{}\n{}\n{}",
                method.to_ascii_uppercase(),
                path,
                timestamp,
                nonce,
                body_hash
            )
            .as_bytes(),
        );
        mac
    }

    pub fn sign(
        &self,
        method: &str,
        path: &str,
        timestamp: i64,
        nonce: &str,
        body: &[u8],
    ) -> String {
        hex::encode(
            self.mac(method, path, timestamp, nonce, body)
                .finalize()
                .into_bytes(),
        )
    }

    /// Checks freshness and signature; the caller still checks the nonce is new.
    pub fn verify(&self, req: &SignedParts<'_>, now: i64) -> Result<(), SignatureError> {
        let timestamp = plausible(req.timestamp, req.nonce, req.signature, now)?;
        let given = hex::decode(req.signature).map_err(|_| SignatureError::Mismatch)?;
        self.mac(req.method, req.path, timestamp, req.nonce, req.body)
            .verify_slice(&given)
            .map_err(|_| SignatureError::Mismatch)
    }

    fn response_mac(&self, status: u16, nonce: &str, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        #[allow(clippy::expect_used)]
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        let body_hash = hex::encode(Sha256::digest(body));
        mac.update(format!("response\n{status}\n{nonce}\n{body_hash}").as_bytes());
        mac
    }

    /// The portal's signature on its answer to the request that carried `nonce`.
    pub fn sign_response(&self, status: u16, nonce: &str, body: &[u8]) -> String {
        hex::encode(
            self.response_mac(status, nonce, body)
                .finalize()
                .into_bytes(),
        )
    }

    /// Checks an answer to the request that carried `nonce`; an empty
    /// signature is `Missing`.
    pub fn verify_response(
        &self,
        status: u16,
        nonce: &str,
        body: &[u8],
        signature: &str,
    ) -> Result<(), SignatureError> {
        if signature.is_empty() {
            return Err(SignatureError::Missing);
        }
        let given = hex::decode(signature).map_err(|_| SignatureError::Mismatch)?;
        self.response_mac(status, nonce, body)
            .verify_slice(&given)
            .map_err(|_| SignatureError::Mismatch)
    }

    /// The three headers for a request sent now.
    pub fn headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
        now: i64,
    ) -> [(&'static str, String); 3] {
        let nonce = Uuid::new_v4().simple().to_string();
        let signature = self.sign(method, path, now, &nonce, body);
        [
            (HEADER_TIMESTAMP, now.to_string()),
            (HEADER_NONCE, nonce),
            (HEADER_SIGNATURE, signature),
        ]
    }
}

/// What can be judged from a request's headers alone, before its body is
/// read: a signature is there, the timestamp is fresh and the nonce has a
/// sane length. Returns the timestamp.
pub fn plausible(
    timestamp: &str,
    nonce: &str,
    signature: &str,
    now: i64,
) -> Result<i64, SignatureError> {
    if signature.is_empty() {
        return Err(SignatureError::Missing);
    }
    let timestamp: i64 = timestamp.parse().map_err(|_| SignatureError::Missing)?;
    if (now - timestamp).abs() > MAX_SKEW_SECONDS {
        return Err(SignatureError::Stale);
    }
    if nonce.len() < 16 || nonce.len() > 64 {
        return Err(SignatureError::Missing);
    }
    Ok(timestamp)
}

/// What the portal read off a request to check its signature.
pub struct SignedParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub signature: &'a str,
    pub body: &'a [u8],
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the request is not signed")]
    Missing,
    #[error("the request's timestamp is too old or in the future")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the request was already received")]
    Replayed,
}

/// Family roles as the case system records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FamilyRole {
    Child,
    Parent,
    Carer,
    Sibling,
    Relative,
    Partner,
    Other,
}

impl FamilyRole {
    pub const ALL: [FamilyRole; 7] = [
        FamilyRole::Child,
        FamilyRole::Parent,
        FamilyRole::Carer,
        FamilyRole::Sibling,
        FamilyRole::Relative,
        FamilyRole::Partner,
        FamilyRole::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FamilyRole::Child => "child",
            FamilyRole::Parent => "parent",
            FamilyRole::Carer => "carer",
            FamilyRole::Sibling => "sibling",
            FamilyRole::Relative => "relative",
            FamilyRole::Partner => "partner",
            FamilyRole::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<FamilyRole> {
        FamilyRole::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// `PUT /internal/v1/people/{id}`: a person who may use the portal. The bridge
/// sends only people it has invited; the portal holds no one else.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonPush {
    pub display_name: String,
    pub first_name: String,
    pub role: FamilyRole,
    /// `YYYY-MM-DD`: with the first name, what a person confirms when they
    /// use their invitation.
    #[serde(default)]
    pub date_of_birth: Option<String>,
}

/// `PUT /internal/v1/invitations/{id}`: a one-time code for a person. Only the
/// code's hash crosses (`content::invitation::hash`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationPush {
    pub person_id: Uuid,
    pub code_hash: String,
    pub expires_at: i64,
}

/// `PUT /internal/v1/invitations/{id}/revocation`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InvitationRevocation {
    pub revoked_at: i64,
}

/// `PUT /internal/v1/people/{id}/access-ended`: the person is no longer part
/// of the case (or their access is stopped). Their sessions end, their
/// passkeys, email sign-in and invitations stop working and they see nothing,
/// until the bridge sends them as a person again with a new invitation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessEnded {
    pub ended_at: i64,
    /// Why, in a word: `no_longer_listed`, `left_case`.
    pub reason: String,
}

/// `PUT /internal/v1/people/{id}/freeze`: an IG officer or a manager paused
/// the person's portal access (`frozen: true`: their sessions end at once and
/// sign-in shows a neutral "paused" page) or restored it (`frozen: false`).
/// Passkeys and email stay, so restoring needs nothing from the person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessFreeze {
    pub frozen: bool,
    pub at: i64,
}

/// `PUT /internal/v1/people/{id}/email-sign-in`: a staff member confirmed the
/// person's email is still theirs after a lost phone, so email sign-in works
/// again.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmailSignInRestored {
    pub restored_at: i64,
}

/// `PUT /internal/v1/people/{id}/passkey-revocation`: a lost phone. Removes
/// every passkey the person has and ends all their sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PasskeyRevocation {
    pub revoked_at: i64,
}

/// `PUT /internal/v1/publications/{id}`: one version of a published item and
/// exactly who may read it. The body is Markdown; the portal renders it
/// through the safe renderer itself and never trusts HTML from outside.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicationPush {
    pub version: i64,
    pub kind: String,
    pub title: String,
    pub body_markdown: String,
    pub audience: Vec<Uuid>,
    pub published_at: i64,
    /// For a meeting invitation, when the meeting starts (seconds since the
    /// epoch), so the reader's home page can show it as their next meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_at: Option<i64>,
    /// A "you said, we did" reply: the contribution it answers, so the
    /// portal shows it beside what the person wrote.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<Uuid>,
}

/// `PUT /internal/v1/publications/{id}/erasure`: the council erased the
/// publication's content (retention ended, or an IG officer decided). The
/// portal overwrites every version's title and body, never shows it again,
/// and scrubs its storage so no copy remains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PublicationErasure {
    pub erased_at: i64,
}

/// `PUT /internal/v1/people/{id}/erasure`: an IG officer erased the family
/// member's content in one step. The portal ends their access, deletes
/// everything they sent and every message of their conversation (both
/// directions, with attachments), takes what they wrote out of its outbox,
/// overwrites their name, email and date of birth, and scrubs its storage.
/// What was published to them alone is erased by its own
/// [`PublicationErasure`] pushes, queued before this one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PersonErasure {
    pub erased_at: i64,
}

/// `PUT /internal/v1/publications/{id}/withdrawal`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WithdrawalPush {
    pub withdrawn_at: i64,
}

/// One family-side event from the portal's outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxEvent {
    /// The portal's cursor position: strictly increasing.
    pub seq: i64,
    /// Stable across retries, so the bridge stores each event once.
    pub event_id: Uuid,
    pub kind: String,
    pub person_id: Option<Uuid>,
    pub data: serde_json::Value,
    pub occurred_at: i64,
}

/// What a family member wrote, as it crosses in a `contribution_sent` event's
/// `body`: each question as they were asked it, and their answer. It never
/// rests in either outbox or the bridge's event log in the clear.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionBody {
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    pub question: String,
    pub answer: String,
}

/// `PUT /internal/v1/contributions/{id}/status`: what became of a
/// contribution, for the person who sent it (a correction request's
/// decision, or that it is being looked at).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContributionStatusPush {
    /// `being_looked_at`, `corrected` or `not_changed`.
    pub status: String,
    /// Why it was not changed, in words for the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub at: i64,
}

/// What a family member wrote in a message, as it crosses in a
/// `message_sent` event's `body` (sealed in the portal's outbox, opened only
/// for the signed sync, and taken out of the event before the bridge stores
/// it, as a contribution's answers are).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody {
    pub text: String,
    /// The files sent with it (their names can say who or where, so they
    /// travel sealed with the text; the bridge fetches the bytes by id).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentMeta>,
}

/// A file sent with a message, without its bytes: in a `message_sent`
/// event (the bridge then fetches the bytes with
/// `GET /internal/v1/attachments/{id}`) and in a [`MessagePush`] (the bridge
/// has already put the bytes with `PUT /internal/v1/attachments/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentMeta {
    pub id: Uuid,
    pub file_name: String,
    /// Decided from the bytes: `image/jpeg`, `image/png` or `application/pdf`.
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes, checked on arrival.
    pub sha256: String,
}

/// `PUT /internal/v1/attachments/{id}`: a staff member's PDF, sent before
/// the [`MessagePush`] that names it. The portal checks the bytes again
/// (a PDF, whole, of this size and SHA-256) before storing them sealed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentPush {
    pub message_id: Uuid,
    pub person_id: Uuid,
    pub file_name: String,
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the bytes.
    pub sha256: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub data: String,
}

impl std::fmt::Debug for AttachmentPush {
    // Never the bytes: they are record content.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "AttachmentPush({}, {} bytes)",
            self.media_type, self.size
        )
    }
}

/// `PUT /internal/v1/messages/{id}`: a worker's message to one family member
/// (the conversation is the person's own; no one else can read it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePush {
    pub person_id: Uuid,
    /// The worker's name as the family member sees it.
    pub author: String,
    /// The text after the content check's redactions.
    pub text: String,
    pub sent_at: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentMeta>,
}

/// `PUT /internal/v1/messages/{id}/read`: a worker has read the family
/// member's message, so the portal can say "read by your worker".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageReadPush {
    pub read_at: i64,
}

/// `GET /internal/v1/outbox?after=SEQ&limit=N`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxPage {
    pub events: Vec<OutboxEvent>,
}

/// `PUT /internal/v1/outbox/ack`: the bridge has stored every event up to `up_to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxAck {
    pub up_to: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SyncKey {
        SyncKey::new("an example shared secret of enough length").unwrap()
    }

    fn parts<'a>(sig: &'a str, ts: &'a str, nonce: &'a str, body: &'a [u8]) -> SignedParts<'a> {
        SignedParts {
            method: "PUT",
            path: "/internal/v1/people/x",
            timestamp: ts,
            nonce,
            signature: sig,
            body,
        }
    }

    #[test]
    fn a_signature_verifies_and_any_change_breaks_it() {
        let k = key();
        let nonce = "0123456789abcdef0123";
        let sig = k.sign("PUT", "/internal/v1/people/x", 1000, nonce, b"{}");
        assert_eq!(k.verify(&parts(&sig, "1000", nonce, b"{}"), 1010), Ok(()));
        assert_eq!(
            k.verify(&parts(&sig, "1000", nonce, b"{ }"), 1010),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            k.verify(&parts(&sig, "1001", nonce, b"{}"), 1010),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            k.verify(&parts(&sig, "1000", "0123456789abcdef0124", b"{}"), 1010),
            Err(SignatureError::Mismatch)
        );
        let other = SyncKey::new("another shared secret of enough length!!").unwrap();
        assert_eq!(
            other.verify(&parts(&sig, "1000", nonce, b"{}"), 1010),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn stale_and_future_requests_are_refused() {
        let k = key();
        let nonce = "0123456789abcdef0123";
        let sig = k.sign("PUT", "/internal/v1/people/x", 1000, nonce, b"");
        assert_eq!(
            k.verify(&parts(&sig, "1000", nonce, b""), 1000 + 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            k.verify(&parts(&sig, "1000", nonce, b""), 1000 - 301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            k.verify(&parts(&sig, "soon", nonce, b""), 1000),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn an_answer_verifies_only_for_its_status_nonce_body_and_key() {
        let k = key();
        let nonce = "0123456789abcdef0123";
        let sig = k.sign_response(204, nonce, b"");
        assert_eq!(k.verify_response(204, nonce, b"", &sig), Ok(()));
        assert_eq!(
            k.verify_response(200, nonce, b"", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            k.verify_response(204, "0123456789abcdef0124", b"", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            k.verify_response(204, nonce, b"{}", &sig),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            k.verify_response(204, nonce, b"", ""),
            Err(SignatureError::Missing)
        );
        let other = SyncKey::new("another shared secret of enough length!!").unwrap();
        assert_eq!(
            other.verify_response(204, nonce, b"", &sig),
            Err(SignatureError::Mismatch)
        );
        // A request's signature never passes for an answer.
        let request = k.sign("PUT", "204", 0, nonce, b"");
        assert!(k.verify_response(204, nonce, b"", &request).is_err());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(SyncKey::new("short").is_none());
    }
}
