//! Files sent with messages, on the bridge. Owns `message_attachments`.
//!
//! A family member's file is described in their `message_sent` event; the
//! bridge [`fetch`]es its bytes from the portal and checks them again (size,
//! SHA-256, a type decided from the bytes) before [`store`] seals them. A
//! worker's PDF is stored here and queued for the portal by [`push`]; the
//! queue holds only its description and the bytes are read when it is sent
//! ([`wire_body`]), so a queue of many files costs little memory. Staff
//! download a file only through a case they may see.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use content::attachments::{self, Attachment, Kind, Sender};
use content::db::Db;
use content::seal::Sealer;
use content::sync::{AttachmentMeta, AttachmentPush};
use serde::Deserialize;
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::error::{BridgeError, Result};
use crate::outgoing::{self, Push};
use crate::scope::CaseScope;
use crate::sync::{PortalClient, SyncError};
use crate::AppState;

/// Where the portal takes a worker's file.
const PUSH_PATH: &str = "/internal/v1/attachments/";

/// Most message ids asked about in one query.
const IDS_PER_QUERY: usize = 200;

/// The staff download route, for the lead to merge.
pub fn routes() -> Router<AppState> {
    Router::new().route("/cases/{reference}/attachments/{id}", get(download))
}

/// A family member's file from the portal, believed only when it is what
/// `meta` describes: the size, the SHA-256, and a photo or PDF by its bytes
/// (whole). A compromised portal cannot smuggle anything else in.
pub async fn fetch(client: &PortalClient, meta: &AttachmentMeta) -> Result<Vec<u8>, SyncError> {
    let answer = client
        .send("GET", &format!("{PUSH_PATH}{}", meta.id), Vec::new())
        .await?;
    if !answer.status.is_success() {
        return Err(SyncError::Status(answer.status));
    }
    attachments::verify_arrived(meta, &answer.body, Sender::Family)
        .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
    Ok(answer.body)
}

/// Whether a file is stored here already.
pub async fn is_stored(db: &Db, id: Uuid) -> sqlx::Result<bool> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM message_attachments WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&db.pool)
            .await?;
    Ok(found.is_some())
}

/// Stores a file of a message, sealed; stored once however often it comes.
pub async fn store(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    message_id: Uuid,
    meta: &AttachmentMeta,
    bytes: &[u8],
) -> sqlx::Result<()> {
    // The name is made safe again: it came from the other side.
    let kind = Kind::from_media_type(&meta.media_type).unwrap_or(Kind::Pdf);
    sqlx::query(
        "INSERT INTO message_attachments (id, message_id, file_name, media_type, size, sha256, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
    )
    .bind(meta.id.to_string())
    .bind(message_id.to_string())
    .bind(attachments::safe_file_name(&meta.file_name, kind))
    .bind(kind.media_type())
    .bind(meta.size)
    .bind(&meta.sha256)
    .bind(sealer.seal_bytes(bytes))
    .execute(conn)
    .await?;
    Ok(())
}

/// A worker's checked PDF (`content::attachments::check` with
/// `Sender::Staff`) for a message to `person_portal_id`: stored sealed and
/// queued for the portal in the caller's transaction, before the message
/// push that names it (enqueue the message after calling this).
pub async fn push(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    person_portal_id: Uuid,
    message_id: Uuid,
    file: &Attachment,
    now: i64,
) -> sqlx::Result<AttachmentMeta> {
    if !Sender::Staff.allows(file.kind) {
        // `check` with Sender::Staff never lets one through: a programming error.
        return Err(sqlx::Error::Protocol(
            "staff can attach PDFs only".to_string(),
        ));
    }
    let meta = file.meta(Uuid::new_v4());
    store(&mut *conn, sealer, message_id, &meta, &file.bytes).await?;
    queue(conn, sealer, person_portal_id, message_id, &meta, now).await?;
    Ok(meta)
}

/// Queues the push of a file already stored here (a message held for
/// approval sends its files when it is approved).
pub async fn queue(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    person_portal_id: Uuid,
    message_id: Uuid,
    meta: &AttachmentMeta,
    now: i64,
) -> sqlx::Result<()> {
    let queued = AttachmentPush {
        message_id,
        person_id: person_portal_id,
        file_name: meta.file_name.clone(),
        media_type: meta.media_type.clone(),
        size: meta.size,
        sha256: meta.sha256.clone(),
        // Filled in when sent: see `wire_body`.
        data: String::new(),
    };
    outgoing::enqueue(conn, sealer, &Push::Attachment(meta.id, queued), now).await?;
    Ok(())
}

/// Whether a queued request is a file push (its body is filled when sent).
pub fn is_push(method: &str, path: &str) -> bool {
    method == "PUT" && path.starts_with(PUSH_PATH)
}

/// A queued file push's body as it is sent: its description with the
/// bytes read now from this table. A file no longer here (erased) goes
/// without bytes, and the portal refuses it.
pub async fn wire_body(db: &Db, path: &str, queued: &str) -> sqlx::Result<String> {
    let decode = |e: serde_json::Error| sqlx::Error::Decode(Box::new(e));
    let mut push: AttachmentPush = serde_json::from_str(queued).map_err(decode)?;
    let id = path.strip_prefix(PUSH_PATH).unwrap_or("");
    let sealed: Option<String> =
        sqlx::query_scalar("SELECT data FROM message_attachments WHERE id = $1")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(sealed) = sealed {
        let bytes = db
            .sealer()
            .open_bytes(&sealed)
            .map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        push.data = STANDARD.encode(bytes);
    }
    serde_json::to_string(&push).map_err(decode)
}

type MetaRow = (String, String, String, String, i64, String);

fn meta_of((id, _, file_name, media_type, size, sha256): &MetaRow) -> Option<AttachmentMeta> {
    Some(AttachmentMeta {
        id: id.parse().ok()?,
        file_name: file_name.clone(),
        media_type: media_type.clone(),
        size: *size,
        sha256: sha256.clone(),
    })
}

/// The files of some messages, by message id. The caller has already
/// scoped the messages to a case the member may see.
pub async fn for_messages(
    conn: &mut AnyConnection,
    message_ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, Vec<AttachmentMeta>>> {
    let mut found: HashMap<Uuid, Vec<AttachmentMeta>> = HashMap::new();
    for ids in message_ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, message_id, file_name, media_type, size, sha256 FROM message_attachments \
             WHERE message_id IN ({}) ORDER BY message_id, file_name, id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, MetaRow>(&sql);
        for id in ids {
            query = query.bind(id.to_string());
        }
        for row in query.fetch_all(&mut *conn).await? {
            if let (Some(meta), Ok(message)) = (meta_of(&row), row.1.parse::<Uuid>()) {
                found.entry(message).or_default().push(meta);
            }
        }
    }
    Ok(found)
}

/// The files of one message.
pub async fn for_message(
    conn: &mut AnyConnection,
    message_id: Uuid,
) -> sqlx::Result<Vec<AttachmentMeta>> {
    Ok(for_messages(conn, &[message_id])
        .await?
        .remove(&message_id)
        .unwrap_or_default())
}

#[derive(Deserialize)]
struct FilePath {
    id: String,
}

/// `GET /cases/{reference}/attachments/{id}`: a file of a message of this
/// case, as a download. A file of another case, or a guessed id, is "not
/// found", as is a case the member may not see.
async fn download(
    scope: CaseScope,
    State(state): State<AppState>,
    Path(path): Path<FilePath>,
) -> Result<Response> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT a.file_name, a.media_type, a.data FROM message_attachments a \
         JOIN messages m ON m.id = a.message_id \
         LEFT JOIN conversations c ON c.person_portal_id = m.person_portal_id \
         WHERE a.id = $1 AND COALESCE(m.case_id, c.case_id) = $2",
    )
    .bind(&path.id)
    .bind(scope.case.id)
    .fetch_optional(state.db.reader())
    .await?;
    let (file_name, media_type, sealed) = row.ok_or(BridgeError::NotFound)?;
    let kind = Kind::from_media_type(&media_type).ok_or(BridgeError::NotFound)?;
    let bytes = state
        .db
        .sealer()
        .open_bytes(&sealed)
        .map_err(|e| BridgeError::Database(sqlx::Error::Decode(Box::new(e))))?;
    Ok(attachments::download(&file_name, kind, bytes))
}
