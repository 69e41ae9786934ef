//! The staff bridge: case import, the push queue and the sync with the portal,
//! and the staff pages. It opens every connection to the portal.

pub mod access;
pub mod admin;
pub mod api;
pub mod attachments;
pub mod auth;
pub mod cases;
pub mod config;
pub mod error;
pub mod events;
pub mod governance;
pub mod import;
pub mod invitations;
pub mod ledger;
pub mod messages;
pub mod outgoing;
pub mod pages;
pub mod publishing;
pub mod scope;
pub mod staff;
pub mod sync;
pub mod views;
pub mod voice;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use content::db::{Db, Migrations};
use content::guard::TrustedProxies;
use content::mail::Mailer;
use content::session::Policy;
use tokio::sync::Notify;
use webauthn_rs::Webauthn;

pub use config::BridgeConfig;

pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &sqlx::migrate!("../migrations/bridge/sqlite"),
    postgres: &sqlx::migrate!("../migrations/bridge/postgres"),
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    /// The database's URL: the console's ledger check opens a read-only
    /// connection of its own with it, as `audit verify` does.
    pub database_url: String,
    pub import_token: Option<String>,
    /// Wakes the sync worker when something is queued for the portal.
    pub sync_wake: Arc<Notify>,
    pub webauthn: Arc<Webauthn>,
    /// None when no email is configured: links are shown instead.
    pub mailer: Option<Mailer>,
    pub sessions: Policy,
    /// Where every form must come from.
    pub origin: String,
    pub public_url: String,
    pub portal_public_url: String,
    pub invitation_days: i64,
    pub proxies: TrustedProxies,
    pub rate_limit: (u32, Duration),
    /// Which kinds need a manager's approval.
    pub publishing: publishing::Settings,
    /// How long content is kept after a case closes.
    pub retention: config::Retention,
}

/// A path as it may be logged: an enrolment link's token cut off.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/enrol/") {
        "/enrol/…"
    } else {
        path
    }
}

/// The database without its sealing key: enough to migrate it and to verify
/// the ledger, which holds hashes and never record text.
pub async fn open_db(url: &str) -> Result<Db, content::db::DbError> {
    content::db::connect(url, &MIGRATIONS).await
}

/// The database with the key that seals imported documents, drafts and the
/// push queue.
pub async fn open_sealed_db(url: &str, key_file: &std::path::Path) -> anyhow::Result<Db> {
    let sealer = content::seal::Sealer::load_or_create(key_file)?;
    Ok(open_db(url).await?.with_sealer(sealer))
}

pub struct Bridge {
    pub state: AppState,
    pub router: Router,
    pub client: sync::PortalClient,
    pub sync_interval: Duration,
}

impl Bridge {
    pub async fn new(config: &BridgeConfig) -> anyhow::Result<Bridge> {
        config.validate()?;
        let db = open_sealed_db(&config.database_url, &config.key_file).await?;
        let state = AppState {
            db,
            database_url: config.database_url.clone(),
            import_token: config.import_token.clone(),
            sync_wake: Arc::new(Notify::new()),
            webauthn: Arc::new(content::passkeys::relying_party(
                &config.public_url(),
                "FamilyStory staff",
            )?),
            mailer: config.mail.as_ref().map(Mailer::new).transpose()?,
            sessions: Policy {
                cookie: "__Host-familystory-staff",
                idle_seconds: config.session_idle_minutes * 60,
                absolute_seconds: config.session_absolute_hours * 3600,
            },
            origin: config.origin(),
            public_url: config.public_url.trim_end_matches('/').to_string(),
            portal_public_url: config.portal_public_url.trim_end_matches('/').to_string(),
            invitation_days: config.invitation_days,
            proxies: TrustedProxies::new(config.trusted_proxies.clone()),
            rate_limit: (
                config.rate_limit_burst,
                Duration::from_secs(config.rate_limit_seconds),
            ),
            publishing: publishing::Settings {
                approval_kinds: config.approval_kinds.clone(),
            },
            retention: config.retention.clone(),
        };
        let router = content::web::harden_for(
            &config.public_url,
            content::public_host::only(
                pages::router()
                    .merge(auth::public_routes(&state))
                    .merge(auth::staff_routes())
                    .merge(invitations::routes(&state))
                    .merge(admin::routes())
                    .merge(voice::pages::routes())
                    .merge(messages::pages::routes())
                    .merge(publishing::routes())
                    .merge(governance::routes())
                    .merge(attachments::routes())
                    .merge(api::router())
                    .merge(content::web::common_routes())
                    .fallback(pages::not_found)
                    .with_state(state.clone())
                    .layer(content::web::trace_layer(loggable_path)),
                &config.public_url,
            ),
        );
        let client = sync::PortalClient::connect(
            &config.portal_internal_url,
            config.sync_key()?,
            config.portal_ca_file.as_deref(),
        )?;
        Ok(Bridge {
            state,
            router,
            client,
            sync_interval: Duration::from_millis(config.sync_interval_ms),
        })
    }

    /// Serves staff pages and runs the sync worker until `shutdown` resolves.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let scheduler = tokio::spawn(publishing::run_scheduler(
            self.state.db.clone(),
            self.state.sync_wake.clone(),
            Duration::from_millis(500),
        ));
        // Checked hourly; each member gets at most one a day.
        let digests = self.state.mailer.clone().map(|mailer| {
            tokio::spawn(messages::digest::run_forever(
                self.state.db.clone(),
                mailer,
                self.state.public_url.clone(),
                Duration::from_secs(3600),
            ))
        });
        let worker = tokio::spawn(sync::run_forever(
            self.state.db.clone(),
            self.client,
            self.sync_interval,
            self.state.sync_wake.clone(),
        ));
        let retention = tokio::spawn(governance::erasure::retention::run_daily(
            self.state.db.clone(),
            self.state.retention.clone(),
        ));
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        worker.abort();
        scheduler.abort();
        retention.abort();
        if let Some(digests) = digests {
            digests.abort();
        }
        served
    }
}
