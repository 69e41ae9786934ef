//! The family portal: public pages on one listener, the internal API for the
//! staff bridge on another. It holds only what was published to its users.

pub mod account;
pub mod activation;
pub mod attachments;
pub mod config;
pub mod email_codes;
pub mod erasure;
pub mod error;
pub mod family;
pub mod internal_api;
pub mod internal_tls;
pub mod invitations;
pub mod messages;
pub mod outbox;
pub mod pages;
pub mod passkeys;
pub mod people;
pub mod publications;
pub mod sign_in;
pub mod story;
pub mod voice;

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use content::db::{Db, Migrations};
use content::guard::TrustedProxies;
use content::mail::Mailer;
use content::session::Policy;
use content::sync::SyncKey;
use webauthn_rs::Webauthn;

pub use config::PortalConfig;

pub static MIGRATIONS: Migrations = Migrations {
    sqlite: &sqlx::migrate!("../migrations/portal/sqlite"),
    postgres: &sqlx::migrate!("../migrations/portal/postgres"),
};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub sync_key: SyncKey,
    pub webauthn: Arc<Webauthn>,
    /// None when email sign-in is off.
    pub mailer: Option<Mailer>,
    pub sessions: Policy,
    /// Where every form must come from.
    pub origin: String,
    pub proxies: TrustedProxies,
    pub rate_limit: (u32, Duration),
    pub sealer: Arc<content::seal::Sealer>,
}

/// The portal's two routers, ready to serve.
pub struct Portal {
    pub state: AppState,
    pub public: Router,
    pub internal: Router,
    /// When set, the internal listener speaks only HTTPS.
    pub internal_tls: Option<Arc<rustls::ServerConfig>>,
}

pub async fn open_db(url: &str) -> Result<Db, content::db::DbError> {
    content::db::connect(url, &MIGRATIONS).await
}

impl Portal {
    pub async fn new(config: &PortalConfig) -> anyhow::Result<Portal> {
        let db = open_db(&config.database_url).await?;
        Portal::with_db(db, config)
    }

    /// The portal over a database already open.
    pub fn with_db(db: Db, config: &PortalConfig) -> anyhow::Result<Portal> {
        config.validate()?;
        let state = AppState {
            db,
            sync_key: config.sync_key()?,
            webauthn: Arc::new(content::passkeys::relying_party(
                &config.public_url()?,
                "FamilyStory",
            )?),
            mailer: config.mail.as_ref().map(Mailer::new).transpose()?,
            sessions: Policy {
                cookie: "__Host-familystory",
                idle_seconds: config.session_idle_minutes * 60,
                absolute_seconds: config.session_absolute_hours * 3600,
            },
            origin: config.origin()?,
            proxies: TrustedProxies::new(config.trusted_proxies.clone()),
            rate_limit: (
                config.rate_limit_burst,
                Duration::from_secs(config.rate_limit_seconds),
            ),
            sealer: Arc::new(content::seal::Sealer::load_or_create(&config.key_file)?),
        };
        let internal_tls = match (&config.internal_tls_cert, &config.internal_tls_key) {
            (Some(cert), Some(key)) => Some(internal_tls::server_config(cert, key)?),
            _ => None,
        };
        let public = content::web::harden_for(
            &config.public_url,
            content::public_host::only(
                pages::router(&state)
                    .merge(attachments::routes())
                    .merge(content::web::common_routes())
                    .fallback(pages::not_found)
                    .with_state(state.clone())
                    .layer(content::web::trace_layer(content::web::whole_path)),
                &state.origin,
            ),
        );
        let internal = content::web::harden(
            internal_api::router(state.clone())
                .layer(content::web::trace_layer(content::web::whole_path)),
        );
        Ok(Portal {
            state,
            public,
            internal,
            internal_tls,
        })
    }

    /// Serves both listeners until `shutdown` resolves.
    pub async fn serve(
        self,
        public: tokio::net::TcpListener,
        internal: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop_tx.send(true);
        });
        let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let public_server = axum::serve(
            public,
            self.public
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(wait(stop_rx.clone()));
        let internal_server = match self.internal_tls {
            Some(tls) => Box::pin(
                axum::serve(
                    internal_tls::TlsListener::new(internal, tls)?,
                    self.internal,
                )
                .with_graceful_shutdown(wait(stop_rx))
                .into_future(),
            )
                as std::pin::Pin<Box<dyn Future<Output = std::io::Result<()>> + Send>>,
            None => Box::pin(
                axum::serve(internal, self.internal)
                    .with_graceful_shutdown(wait(stop_rx))
                    .into_future(),
            ),
        };
        tokio::try_join!(public_server.into_future(), internal_server)?;
        Ok(())
    }
}
