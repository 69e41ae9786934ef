//! The portal's internal API, on its own listener, for the staff bridge alone.
//! Every request is signed (see `content::sync`); a request whose signature,
//! freshness or nonce does not hold is refused with 401 before anything else
//! happens, and what the headers alone can refuse is refused before the body
//! is read. Every answer to a genuine request is signed back (see
//! `content::sync`). Pushes are idempotent PUTs; the outbox is read by cursor.

use axum::body::{to_bytes, Body};
use axum::extract::{Path, Query, Request, State};
use axum::http::header::CONTENT_LENGTH;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use content::db::now;
use content::sync::{
    AccessEnded, AccessFreeze, EmailSignInRestored, InvitationPush, InvitationRevocation,
    OutboxAck, OutboxPage, PasskeyRevocation, PersonErasure, PersonPush, PublicationErasure,
    PublicationPush, SignatureError, SignedParts, SyncKey, WithdrawalPush, HEADER_NONCE,
    HEADER_RESPONSE_SIGNATURE, HEADER_SIGNATURE, HEADER_TIMESTAMP, MAX_SKEW_SECONDS,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{PortalError, Result};
use crate::publications::{self, StoreError, Stored};
use crate::{attachments, invitations, outbox, people, AppState};

/// The largest request body the bridge may send.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The largest body of `PUT /internal/v1/attachments/{id}`: a 10 MB file
/// in base64, with its description.
pub const MAX_ATTACHMENT_BODY: usize = 15 * 1024 * 1024;

/// The body limit of a request: a file's for an attachment push, the
/// ordinary one for everything else.
fn body_limit(method: &axum::http::Method, path: &str) -> usize {
    if method == axum::http::Method::PUT && path.starts_with("/internal/v1/attachments/") {
        MAX_ATTACHMENT_BODY
    } else {
        MAX_BODY
    }
}

/// The largest answer the portal signs (an outbox page is far smaller).
const MAX_ANSWER: usize = 64 * 1024 * 1024;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/internal/v1/people/{id}", put(put_person))
        .route("/internal/v1/publications/{id}", put(put_publication))
        .route(
            "/internal/v1/publications/{id}/withdrawal",
            put(put_withdrawal),
        )
        .route("/internal/v1/publications/{id}/erasure", put(put_erasure))
        .route("/internal/v1/people/{id}/erasure", put(put_person_erasure))
        .route(
            "/internal/v1/people/{id}/passkey-revocation",
            put(put_passkey_revocation),
        )
        .route(
            "/internal/v1/people/{id}/access-ended",
            put(put_access_ended),
        )
        .route(
            "/internal/v1/people/{id}/email-sign-in",
            put(put_email_sign_in),
        )
        .route("/internal/v1/people/{id}/freeze", put(put_freeze))
        .route("/internal/v1/invitations/{id}", put(put_invitation))
        .route(
            "/internal/v1/invitations/{id}/revocation",
            put(put_invitation_revocation),
        )
        .route(
            "/internal/v1/contributions/{id}/status",
            put(put_contribution_status),
        )
        .route(
            "/internal/v1/attachments/{id}",
            get(attachments::internal_get).put(attachments::internal_put),
        )
        .route("/internal/v1/messages/{id}", put(put_message))
        .route("/internal/v1/messages/{id}/read", put(put_message_read))
        .route("/internal/v1/outbox", get(get_outbox))
        .route("/internal/v1/outbox/ack", put(put_ack))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            verify_signature,
        ))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
}

async fn verify_signature(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let nonce = header_of(request.headers(), HEADER_NONCE).to_string();
    match checked(&state, request).await {
        Ok(request) => sign_answer(&state.sync_key, &nonce, next.run(request).await).await,
        Err(refusal) => refusal,
    }
}

fn header_of<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        Json(serde_json::json!({ "error": "body too large" })),
    )
        .into_response()
}

/// The request, its body read, once everything about it holds. Whatever the
/// headers alone can refuse (no signature, a stale timestamp, a declared
/// length over the limit) is refused before a byte of the body is read, so
/// a stranger cannot make the portal buffer megabytes; the limit holds
/// while streaming too, for a body that declares no length.
async fn checked(state: &AppState, request: Request) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let header = |name: &str| header_of(&parts.headers, name);
    let now = now();
    content::sync::plausible(
        header(HEADER_TIMESTAMP),
        header(HEADER_NONCE),
        header(HEADER_SIGNATURE),
        now,
    )
    .map_err(|e| PortalError::from(e).into_response())?;
    let limit = body_limit(&parts.method, parts.uri.path());
    let declared = header(CONTENT_LENGTH.as_str());
    if !declared.is_empty() && declared.parse::<usize>().map_or(true, |n| n > limit) {
        return Err(too_large());
    }
    let body = to_bytes(body, limit).await.map_err(|_| too_large())?;
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let signed = SignedParts {
        method: parts.method.as_str(),
        path,
        timestamp: header(HEADER_TIMESTAMP),
        nonce: header(HEADER_NONCE),
        signature: header(HEADER_SIGNATURE),
        body: &body,
    };
    let verified = match state.sync_key.verify(&signed, now) {
        Ok(()) => remember_nonce(state, signed.nonce, now).await,
        Err(e) => Err(e.into()),
    };
    verified.map_err(IntoResponse::into_response)?;
    Ok(Request::from_parts(parts, Body::from(body)))
}

/// Signs the answer to a genuine request over its status, the request's
/// nonce and the body, so the bridge can tell it came from us.
async fn sign_answer(key: &SyncKey, nonce: &str, response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, MAX_ANSWER).await else {
        tracing::error!("an internal API answer could not be read to sign it");
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let signature = key.sign_response(parts.status.as_u16(), nonce, &body);
    parts.headers.insert(
        HEADER_RESPONSE_SIGNATURE,
        // Hex digits only, always a valid header value.
        #[allow(clippy::expect_used)]
        HeaderValue::from_str(&signature).expect("hex is a valid header value"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// A nonce seen within the freshness window is a replay.
async fn remember_nonce(state: &AppState, nonce: &str, now: i64) -> Result<()> {
    let db = &state.db;
    sqlx::query("DELETE FROM sync_nonces WHERE seen_at < $1")
        .bind(now - 2 * MAX_SKEW_SECONDS)
        .execute(&db.pool)
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO sync_nonces (nonce, seen_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING",
    )
    .bind(nonce)
    .bind(now)
    .execute(&db.pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Err(SignatureError::Replayed.into());
    }
    Ok(())
}

fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| PortalError::BadRequest(format!("invalid body: {e}")))
}

fn parse_id(id: &str) -> Result<Uuid> {
    id.parse()
        .map_err(|_| PortalError::BadRequest("the id is not a UUID".into()))
}

async fn put_person(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let person: PersonPush = parse_json(&body)?;
    people::upsert(&state.db, id, &person, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_publication(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response> {
    let id = parse_id(&id)?;
    let push: PublicationPush = parse_json(&body)?;
    match publications::store_version(&state.db, &state.sealer, id, &push, now()).await {
        Ok(Stored::New) => Ok(StatusCode::CREATED.into_response()),
        Ok(Stored::AlreadyHere) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(StoreError::Conflict(version)) => Ok((
            StatusCode::CONFLICT,
            Json(serde_json::json!({ "error": format!("version {version} already stored with different content") })),
        )
            .into_response()),
        Err(StoreError::Database(e)) => Err(e.into()),
    }
}

async fn put_withdrawal(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: WithdrawalPush = parse_json(&body)?;
    publications::withdraw(&state.db, id, &push, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The content erased: overwritten, never shown again, storage scrubbed.
async fn put_erasure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: PublicationErasure = parse_json(&body)?;
    publications::erase(&state.db, &state.sealer, id, push.erased_at, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A family member's content erased: access ended, what they sent and
/// their messages deleted, their name overwritten, storage scrubbed.
async fn put_person_erasure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: PersonErasure = parse_json(&body)?;
    crate::erasure::erase_person(&state.db, id, push.erased_at).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_invitation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: InvitationPush = parse_json(&body)?;
    invitations::store(&state.db, &state.sealer, id, &push).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_invitation_revocation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: InvitationRevocation = parse_json(&body)?;
    invitations::revoke(&state.db, id, &push).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A lost phone: every passkey goes, every session ends, email sign-in stops.
async fn put_passkey_revocation(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: PasskeyRevocation = parse_json(&body)?;
    people::lost_phone(&state.db, id, push.revoked_at).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removed from the case: from now on the person sees nothing.
async fn put_access_ended(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: AccessEnded = parse_json(&body)?;
    people::end_access(&state.db, id, push.ended_at).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_email_sign_in(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let _: EmailSignInRestored = parse_json(&body)?;
    let mut conn = state.db.pool.acquire().await?;
    people::restore_email_sign_in(&mut conn, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What became of a contribution; 404 for one the portal never held.
async fn put_contribution_status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: content::sync::ContributionStatusPush = parse_json(&body)?;
    if crate::voice::Status::parse(&push.status).is_none() {
        return Err(PortalError::BadRequest(format!(
            "unknown contribution status {:?}",
            push.status
        )));
    }
    if crate::voice::set_status(&state.db, &state.sealer, id, &push).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(PortalError::NotFound)
    }
}

/// Access paused (sessions end at once) or restored by the council.
async fn put_freeze(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: AccessFreeze = parse_json(&body)?;
    people::set_frozen(&state.db, id, push.frozen, push.at).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A worker's message to a family member; the person gets a content-free
/// email if one is due. 404 for a person the portal does not hold.
async fn put_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: content::sync::MessagePush = parse_json(&body)?;
    if !people::exists(&state.db, push.person_id).await? {
        return Err(PortalError::NotFound);
    }
    // Its files are pushed first; until they are all here, the message waits
    // (an error the bridge retries), so it never names a missing file.
    let mut conn = state.db.pool.acquire().await?;
    if !crate::attachments::all_held(&mut conn, push.person_id, id, &push.attachments).await? {
        return Ok(StatusCode::SERVICE_UNAVAILABLE);
    }
    drop(conn);
    if crate::messages::receive(&state.db, &state.sealer, id, &push).await? {
        crate::messages::notify::new_message(
            &state.db,
            state.mailer.as_ref(),
            &state.origin,
            push.person_id,
            now(),
        )
        .await;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// A worker read the family member's message.
async fn put_message_read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<StatusCode> {
    let id = parse_id(&id)?;
    let push: content::sync::MessageReadPush = parse_json(&body)?;
    if crate::messages::read_by_worker(&state.db, id, push.read_at).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(PortalError::NotFound)
    }
}

#[derive(Deserialize)]
struct OutboxQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

async fn get_outbox(
    State(state): State<AppState>,
    Query(query): Query<OutboxQuery>,
) -> Result<Json<OutboxPage>> {
    let events = outbox::page(&state.db, &state.sealer, query.after, query.limit).await?;
    Ok(Json(OutboxPage { events }))
}

async fn put_ack(State(state): State<AppState>, body: axum::body::Bytes) -> Result<StatusCode> {
    let ack: OutboxAck = parse_json(&body)?;
    outbox::ack(&state.db, ack.up_to, now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
