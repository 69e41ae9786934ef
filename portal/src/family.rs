//! Who is signed in, and the family-side events identity sends to the bridge.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use content::db::{now, Db};
use content::session::Session;
use uuid::Uuid;

use crate::people::{self, Person};
use crate::{outbox, AppState};

/// A signed-in family member. Pages that take one are for them alone; anyone
/// else is sent to sign in.
pub struct Family {
    pub person: Person,
    pub session: Session,
}

impl FromRequestParts<AppState> for Family {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Family, Response> {
        let failed = |e: sqlx::Error| crate::error::PortalError::from(e).into_response();
        let session = state
            .sessions
            .load(&state.db, &parts.headers, now())
            .await
            .map_err(failed)?;
        let Some(session) = session else {
            return Err(Redirect::to("/sign-in").into_response());
        };
        let person = match session.subject.parse::<Uuid>() {
            Ok(id) => people::find_active(&state.db, id).await.map_err(failed)?,
            Err(_) => None,
        };
        match person {
            Some(person) => Ok(Family { person, session }),
            None => Err(Redirect::to("/sign-in").into_response()),
        }
    }
}

/// Where a request came from, for the record of sign-ins and failures.
pub struct Client {
    pub ip: String,
    pub user_agent: String,
}

impl FromRequestParts<AppState> for Client {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Client, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| {
                state
                    .proxies
                    .client_ip(c.0.ip(), &parts.headers)
                    .to_string()
            })
            .unwrap_or_default();
        Ok(Client {
            ip,
            user_agent: user_agent(&parts.headers),
        })
    }
}

fn user_agent(headers: &HeaderMap) -> String {
    let agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    agent.chars().take(300).collect()
}

/// Records an identity event for the bridge's ledger. Events carry who, when,
/// from where, and how: never a code, token or anything the person wrote.
pub async fn record(
    db: &Db,
    kind: &str,
    person: Option<Uuid>,
    client: Option<&Client>,
    mut data: serde_json::Value,
) -> sqlx::Result<()> {
    if let (Some(client), Some(map)) = (client, data.as_object_mut()) {
        map.insert("ip".into(), client.ip.clone().into());
        map.insert("user_agent".into(), client.user_agent.clone().into());
    }
    outbox::record_now(db, kind, person, &data, now()).await
}
