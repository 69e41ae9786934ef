//! The staff bridge: case import, the push queue and the sync with the portal,
//! and the staff pages. It opens every connection to the portal.

pub mod api;
pub mod config;
pub mod error;
pub mod events;
pub mod import;
pub mod outgoing;
pub mod pages;
pub mod sync;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use content::db::{Db, Migrations};
use tokio::sync::Notify;

pub use config::BridgeConfig;

pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &sqlx::migrate!("../migrations/bridge/sqlite"),
    postgres: &sqlx::migrate!("../migrations/bridge/postgres"),
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub import_token: Option<String>,
    /// Wakes the sync worker when something is queued for the portal.
    pub sync_wake: Arc<Notify>,
}

pub async fn open_db(url: &str) -> Result<Db, content::db::DbError> {
    content::db::connect(url, &MIGRATIONS).await
}

pub struct Bridge {
    pub state: AppState,
    pub router: Router,
    pub client: sync::PortalClient,
    pub sync_interval: Duration,
}

impl Bridge {
    pub async fn new(config: &BridgeConfig) -> anyhow::Result<Bridge> {
        let db = open_db(&config.database_url).await?;
        let state = AppState { db, import_token: config.import_token.clone(), sync_wake: Arc::new(Notify::new()) };
        let router = content::web::harden(
            pages::router()
                .merge(api::router())
                .merge(content::web::common_routes())
                .fallback(pages::not_found)
                .with_state(state.clone())
                .layer(content::web::trace_layer()),
        );
        let client = sync::PortalClient::new(&config.portal_internal_url, config.sync_key()?);
        Ok(Bridge { state, router, client, sync_interval: Duration::from_millis(config.sync_interval_ms) })
    }

    /// Serves staff pages and runs the sync worker until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let worker = tokio::spawn(sync::run_forever(
            self.state.db.clone(),
            self.client,
            self.sync_interval,
            self.state.sync_wake.clone(),
        ));
        let served = axum::serve(listener, self.router).with_graceful_shutdown(shutdown).await;
        worker.abort();
        served
    }
}
