//! The bridge's side of the sync: it opens every connection. It sends the
//! outgoing queue in order, then pulls the portal's outbox by cursor, stores
//! each page with the cursor in one transaction, and only then acknowledges.
//! Stop either side at any moment: the queue is resent from the first entry
//! not accepted, and the outbox is re-read from the stored cursor.
//!
//! Over the network the client speaks HTTPS only, trusting the CA in
//! `portal_ca_file` alone; and it believes an answer only when the portal
//! signed it for this very request (`content::sync`), so an answer forged or
//! replayed by a man in the middle counts as no answer: the entry stays queued.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use content::db::{now, Db};
use content::sync::{
    OutboxAck, OutboxPage, SignatureError, SyncKey, HEADER_NONCE, HEADER_RESPONSE_SIGNATURE,
};
use tokio::sync::Notify;

use crate::{events, outgoing};

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("the portal could not be reached: {0}")]
    Unreachable(#[from] reqwest::Error),
    #[error("the portal answered {0}")]
    Status(reqwest::StatusCode),
    #[error("the portal's answer was not understood: {0}")]
    BadAnswer(String),
    /// Not from the portal, or not to this request: treated as no answer.
    #[error(
        "an answer ({0}) came with {1}: not from the portal, or not to this request \
         (check both services have the same sync_secret)"
    )]
    Unsigned(reqwest::StatusCode, &'static str),
    #[error("portal_ca_file {0}: {1}")]
    CaFile(String, String),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

/// The largest answer read from the portal (an outbox page is far smaller).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// A client for the portal's internal API that signs every request and
/// believes only answers the portal signed for that request.
#[derive(Clone, Debug)]
pub struct PortalClient {
    http: reqwest::Client,
    base: String,
    key: SyncKey,
}

/// The portal's answer, its signature checked.
#[derive(Clone, Debug)]
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn status(&self) -> reqwest::StatusCode {
        self.status
    }
}

impl PortalClient {
    /// With `ca_file`, HTTPS only, trusting that CA (PEM, one or more
    /// certificates) and nothing else: no built-in roots.
    pub fn connect(
        base: &str,
        key: SyncKey,
        ca_file: Option<&Path>,
    ) -> Result<PortalClient, SyncError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            // Long enough for a 10 MB file over a slow council link.
            .timeout(Duration::from_secs(180));
        if let Some(ca_file) = ca_file {
            let shown = ca_file.display().to_string();
            let fail = |e: &dyn std::fmt::Display| SyncError::CaFile(shown.clone(), e.to_string());
            let pem = std::fs::read(ca_file).map_err(|e| fail(&e))?;
            let roots = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| fail(&e))?;
            if roots.is_empty() {
                return Err(fail(&"holds no PEM certificate"));
            }
            for root in roots {
                builder = builder.add_root_certificate(root);
            }
            builder = builder.https_only(true);
        }
        Ok(PortalClient {
            http: builder.build()?,
            base: base.trim_end_matches('/').to_string(),
            key,
        })
    }

    pub async fn send(&self, method: &str, path: &str, body: Vec<u8>) -> Result<Answer, SyncError> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        let mut request = self
            .http
            .request(method.clone(), format!("{}{}", self.base, path));
        let headers = self.key.headers(method.as_str(), path, &body, now());
        let nonce = headers
            .iter()
            .find(|(name, _)| *name == HEADER_NONCE)
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if !body.is_empty() {
            request = request.header("content-type", "application/json");
        }
        let mut response = request.body(body).send().await?;
        let status = response.status();
        let signature = response
            .headers()
            .get(HEADER_RESPONSE_SIGNATURE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() + chunk.len() > MAX_ANSWER {
                return Err(SyncError::BadAnswer("the answer is too large".into()));
            }
            body.extend_from_slice(&chunk);
        }
        self.key
            .verify_response(status.as_u16(), &nonce, &body, &signature)
            .map_err(|e| {
                let reason = match e {
                    SignatureError::Missing => "no signature",
                    _ => "a signature that does not match",
                };
                SyncError::Unsigned(status, reason)
            })?;
        Ok(Answer { status, body })
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SyncReport {
    pub pushed: usize,
    /// Events received from the outbox (a re-read after a crash counts again,
    /// though each is stored once).
    pub pulled: usize,
}

/// Sends the queue in order until it is empty or the portal stops accepting.
pub async fn push_pending(db: &Db, client: &PortalClient) -> Result<usize, SyncError> {
    let mut pushed = 0;
    loop {
        let batch = outgoing::next_pending(db, 50).await?;
        if batch.is_empty() {
            return Ok(pushed);
        }
        for entry in batch {
            let answer = client
                .send(&entry.method, &entry.path, entry.body.into_bytes())
                .await;
            let status = match answer {
                Ok(answer) => answer.status,
                Err(error) => {
                    outgoing::mark_attempt(db, entry.id).await?;
                    return Err(error);
                }
            };
            if status.is_success() {
                outgoing::mark_done(db, entry.id, "accepted", now()).await?;
                pushed += 1;
            } else if status.is_client_error()
                && ![401, 403, 404, 408, 429].contains(&status.as_u16())
            {
                // The portal understood and refused it: resending cannot
                // help, and holding the queue would stop everything behind it.
                tracing::error!(entry = entry.id, %status, "the portal refused a push");
                outgoing::mark_done(
                    db,
                    entry.id,
                    &format!("rejected: {}", status.as_u16()),
                    now(),
                )
                .await?;
            } else {
                outgoing::mark_attempt(db, entry.id).await?;
                return Err(SyncError::Status(status));
            }
        }
    }
}

/// Pulls every new family event, storing each page before acknowledging it.
pub async fn pull(db: &Db, client: &PortalClient) -> Result<usize, SyncError> {
    let mut pulled = 0;
    loop {
        let after = events::cursor(db).await?;
        let response = client
            .send(
                "GET",
                &format!("/internal/v1/outbox?after={after}&limit=200"),
                Vec::new(),
            )
            .await?;
        if !response.status.is_success() {
            return Err(SyncError::Status(response.status));
        }
        let page: OutboxPage = serde_json::from_slice(&response.body)
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        let Some(last) = page.events.iter().map(|e| e.seq).max() else {
            return Ok(pulled);
        };
        if last <= after {
            return Err(SyncError::BadAnswer("the outbox went backwards".into()));
        }
        crate::messages::fetch_files(db, client, &page.events).await?;
        events::store_page(db, &page.events, now()).await?;
        pulled += page.events.len();
        let ack = serde_json::to_vec(&OutboxAck { up_to: last })
            .map_err(|e| SyncError::BadAnswer(e.to_string()))?;
        let response = client.send("PUT", "/internal/v1/outbox/ack", ack).await?;
        if !response.status.is_success() {
            // Stored already; the portal will hear on the next acknowledgement.
            tracing::warn!(status = %response.status, "outbox acknowledgement refused");
        }
    }
}

pub async fn run_once(db: &Db, client: &PortalClient) -> Result<SyncReport, SyncError> {
    let pushed = push_pending(db, client).await?;
    let pulled = pull(db, client).await?;
    Ok(SyncReport { pushed, pulled })
}

/// Syncs every `interval`, or at once when `wake` is notified, forever.
pub async fn run_forever(db: Db, client: PortalClient, interval: Duration, wake: Arc<Notify>) {
    loop {
        match run_once(&db, &client).await {
            Ok(report) if report != SyncReport::default() => {
                tracing::info!(
                    pushed = report.pushed,
                    pulled = report.pulled,
                    "synced with the portal"
                )
            }
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "sync with the portal did not finish; will retry"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = wake.notified() => {}
        }
    }
}
