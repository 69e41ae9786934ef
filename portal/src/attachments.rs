//! Files sent with messages, on the portal. Owns `message_attachments`.
//!
//! A family member's files are checked and made safe by
//! `content::attachments::check` before [`store`] seals them; the bridge
//! fetches them through the internal API (`GET /internal/v1/attachments/{id}`).
//! A worker's PDF arrives from the bridge (`PUT`, [`store_pushed`]) before
//! the message that names it, and is checked again here. A person downloads
//! only their own conversation's files; any other id is "not found".

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use content::attachments::{self, Attachment, Kind, Sender};
use content::seal::Sealer;
use content::sync::{AttachmentMeta, AttachmentPush};
use sqlx::AnyConnection;
use uuid::Uuid;

use crate::error::{PortalError, Result};
use crate::family::Family;
use crate::AppState;

/// Most message ids asked about in one query.
const IDS_PER_QUERY: usize = 200;

/// The family's download route, for the lead's message pages to merge.
pub fn routes() -> Router<AppState> {
    Router::new().route("/messages/attachments/{id}", get(download))
}

/// Stores a checked file of `person_id`'s message, sealed; its description
/// goes into the message's outbox event.
pub async fn store(
    conn: &mut AnyConnection,
    sealer: &Sealer,
    message_id: Uuid,
    person_id: Uuid,
    file: &Attachment,
) -> sqlx::Result<AttachmentMeta> {
    let meta = file.meta(Uuid::new_v4());
    insert(
        conn,
        &meta,
        message_id,
        person_id,
        &sealer.seal_bytes(&file.bytes),
    )
    .await?;
    Ok(meta)
}

async fn insert(
    conn: &mut AnyConnection,
    meta: &AttachmentMeta,
    message_id: Uuid,
    person_id: Uuid,
    sealed: &str,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "INSERT INTO message_attachments (id, message_id, person_id, file_name, media_type, size, sha256, data) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING",
    )
    .bind(meta.id.to_string())
    .bind(message_id.to_string())
    .bind(person_id.to_string())
    .bind(&meta.file_name)
    .bind(&meta.media_type)
    .bind(meta.size)
    .bind(&meta.sha256)
    .bind(sealed)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
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

/// The files of some of ONE person's messages, by message id, in the order
/// stored. Ids of other people's messages find nothing.
pub async fn for_messages(
    conn: &mut AnyConnection,
    person_id: Uuid,
    message_ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, Vec<AttachmentMeta>>> {
    let mut found: HashMap<Uuid, Vec<AttachmentMeta>> = HashMap::new();
    for ids in message_ids.chunks(IDS_PER_QUERY) {
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT id, message_id, file_name, media_type, size, sha256 FROM message_attachments \
             WHERE person_id = $1 AND message_id IN ({}) ORDER BY message_id, file_name, id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, MetaRow>(&sql).bind(person_id.to_string());
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

/// Whether every file a worker's message names is here, pushed for this
/// very message and person: the message pages call it before storing a
/// `MessagePush`, so a message never names a file that is missing.
pub async fn all_held(
    conn: &mut AnyConnection,
    person_id: Uuid,
    message_id: Uuid,
    files: &[AttachmentMeta],
) -> sqlx::Result<bool> {
    for file in files {
        let held: Option<String> = sqlx::query_scalar(
            "SELECT sha256 FROM message_attachments WHERE id = $1 AND message_id = $2 AND person_id = $3",
        )
        .bind(file.id.to_string())
        .bind(message_id.to_string())
        .bind(person_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
        if held.as_deref() != Some(file.sha256.as_str()) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Removes every file of a person (erasure, access ended for good).
pub async fn delete_for_person(conn: &mut AnyConnection, person_id: Uuid) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM message_attachments WHERE person_id = $1")
        .bind(person_id.to_string())
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

/// A stored file opened: its description and bytes. `person_id` None is the
/// bridge asking (the internal API); otherwise only that person's file.
async fn open(
    state: &AppState,
    id: Uuid,
    person_id: Option<Uuid>,
) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
    let row: Option<(String, String, String, String, i64, String, String)> = sqlx::query_as(
        "SELECT id, person_id, file_name, media_type, size, sha256, data FROM message_attachments WHERE id = $1",
    )
    .bind(id.to_string())
    .fetch_optional(state.db.reader())
    .await?;
    let Some((id, owner, file_name, media_type, size, sha256, data)) = row else {
        return Ok(None);
    };
    if person_id.is_some_and(|p| p.to_string() != owner) {
        return Ok(None);
    }
    let bytes = state
        .sealer
        .open_bytes(&data)
        .map_err(|e| PortalError::Database(sqlx::Error::Decode(Box::new(e))))?;
    let meta = meta_of(&(id, owner, file_name, media_type, size, sha256));
    Ok(meta.map(|meta| (meta, bytes)))
}

/// `GET /messages/attachments/{id}`: the signed-in person's own file, as a
/// download. Anyone else's id, or a guessed one, is the not-found page.
async fn download(
    family: Family,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: Uuid = id.parse().map_err(|_| PortalError::NotFound)?;
    let (meta, bytes) = open(&state, id, Some(family.person.id))
        .await?
        .ok_or(PortalError::NotFound)?;
    let kind = Kind::from_media_type(&meta.media_type).ok_or(PortalError::NotFound)?;
    Ok(attachments::download(&meta.file_name, kind, bytes))
}

/// `GET /internal/v1/attachments/{id}`: a file's bytes, for the bridge.
pub(crate) async fn internal_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response> {
    let id: Uuid = id
        .parse()
        .map_err(|_| PortalError::BadRequest("the id is not a UUID".into()))?;
    let (_, bytes) = open(&state, id, None).await?.ok_or(PortalError::NotFound)?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
        bytes,
    )
        .into_response())
}

/// `PUT /internal/v1/attachments/{id}`: a worker's PDF, before its message.
/// Checked again as if it came from outside: a PDF, whole, of the size and
/// SHA-256 described. Sent again, the same file is accepted once; a
/// different one under the same id is a conflict.
pub(crate) async fn internal_put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    request: axum::extract::Request,
) -> Result<Response> {
    let id: Uuid = id
        .parse()
        .map_err(|_| PortalError::BadRequest("the id is not a UUID".into()))?;
    // Read and limited already by the signature check (not `Bytes`, whose
    // default limit of 2 MB is below a file's).
    let body = axum::body::to_bytes(
        request.into_body(),
        crate::internal_api::MAX_ATTACHMENT_BODY,
    )
    .await
    .map_err(|_| PortalError::BadRequest("the body could not be read".into()))?;
    let push: AttachmentPush = serde_json::from_slice(&body)
        .map_err(|e| PortalError::BadRequest(format!("invalid body: {e}")))?;
    drop(body);
    let bytes = STANDARD
        .decode(push.data.as_bytes())
        .map_err(|_| PortalError::BadRequest("the data is not base64".into()))?;
    let meta = AttachmentMeta {
        id,
        file_name: attachments::safe_file_name(&push.file_name, Kind::Pdf),
        media_type: push.media_type.clone(),
        size: push.size,
        sha256: push.sha256.to_ascii_lowercase(),
    };
    attachments::verify_arrived(&meta, &bytes, Sender::Staff)
        .map_err(|e| PortalError::BadRequest(e.to_string()))?;
    let mut conn = state.db.pool.acquire().await?;
    let sealed = state.sealer.seal_bytes(&bytes);
    if insert(&mut conn, &meta, push.message_id, push.person_id, &sealed).await? == 1 {
        return Ok(StatusCode::CREATED.into_response());
    }
    let same = all_held(&mut conn, push.person_id, push.message_id, &[meta]).await?;
    Ok(if same {
        StatusCode::NO_CONTENT.into_response()
    } else {
        (
            StatusCode::CONFLICT,
            axum::Json(serde_json::json!({ "error": "another file is stored under this id" })),
        )
            .into_response()
    })
}
