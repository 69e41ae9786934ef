//! Starts the portal and the staff bridge together, in this process, on
//! ephemeral loopback ports, against a throwaway database of either backend.
#![allow(dead_code)]

pub mod family;
pub mod smtp;
pub mod staff;

use std::net::SocketAddr;
use std::time::Duration;

use content::db::{Backend, Db};
use content::sync::SyncKey;
use test_support::scratch::{self, ScratchDb};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub const SECRET: &str = "a test secret that is long enough for the sync";
pub const IMPORT_TOKEN: &str = "an import token that is long enough to be accepted";

pub use test_support::scratch::backends;

pub struct PortalRun {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

pub struct Services {
    pub backend: Backend,
    pub portal_url: String,
    pub internal_url: String,
    pub internal_addr: SocketAddr,
    pub bridge_url: String,
    pub portal_db: Db,
    pub bridge_db: Db,
    pub bridge_client: staff_bridge::sync::PortalClient,
    pub http: reqwest::Client,
    pub portal_config: portal::PortalConfig,
    pub bridge_config: staff_bridge::BridgeConfig,
    portal: Option<PortalRun>,
    bridge_stop: watch::Sender<bool>,
    scratch: Vec<ScratchDb>,
    _keys: tempfile::TempDir,
}

async fn listen() -> TcpListener {
    TcpListener::bind("127.0.0.1:0")
        .await
        .expect("an ephemeral port")
}

fn stopper() -> (
    watch::Sender<bool>,
    impl std::future::Future<Output = ()> + Send + 'static,
) {
    let (tx, mut rx) = watch::channel(false);
    (tx, async move {
        let _ = rx.wait_for(|stop| *stop).await;
    })
}

impl Services {
    /// Both services, with the bridge's background sync slowed right down so
    /// that a test decides when sync happens (through `bridge_client`).
    pub async fn start(backend: Backend) -> Services {
        Services::start_with(backend, |_, _| {}).await
    }

    /// As `start`, with the settings adjusted first (mail, limits, timeouts).
    pub async fn start_with(
        backend: Backend,
        adjust: impl FnOnce(&mut portal::PortalConfig, &mut staff_bridge::BridgeConfig),
    ) -> Services {
        let portal_scratch = scratch::create(backend).await;
        let bridge_scratch = scratch::create(backend).await;
        let public = listen().await;
        let internal = listen().await;
        let bridge_listener = listen().await;
        let internal_addr = internal.local_addr().unwrap();
        let keys = tempfile::tempdir().unwrap();
        let portal_url = format!("http://localhost:{}", public.local_addr().unwrap().port());
        let bridge_url = format!(
            "http://localhost:{}",
            bridge_listener.local_addr().unwrap().port()
        );
        let mut portal_config = portal::PortalConfig {
            public_addr: public.local_addr().unwrap(),
            internal_addr,
            database_url: portal_scratch.url.clone(),
            sync_secret: SECRET.into(),
            public_url: portal_url.clone(),
            trusted_proxies: Vec::new(),
            session_idle_minutes: 15,
            session_absolute_hours: 12,
            rate_limit_burst: 1000,
            rate_limit_seconds: 1,
            key_file: keys.path().join("portal.key"),
            mail: None,
            internal_tls_cert: None,
            internal_tls_key: None,
        };
        let mut bridge_config = staff_bridge::BridgeConfig {
            addr: bridge_listener.local_addr().unwrap(),
            database_url: bridge_scratch.url.clone(),
            key_file: keys.path().join("bridge.key"),
            portal_internal_url: format!("http://{internal_addr}"),
            portal_ca_file: None,
            sync_secret: SECRET.into(),
            import_token: Some(IMPORT_TOKEN.into()),
            sync_interval_ms: 3_600_000,
            public_url: bridge_url.clone(),
            portal_public_url: portal_url.clone(),
            trusted_proxies: Vec::new(),
            session_idle_minutes: 30,
            session_absolute_hours: 12,
            invitation_days: 14,
            rate_limit_burst: 1000,
            rate_limit_seconds: 1,
            mail: None,
            approval_kinds: staff_bridge::config::default_approval_kinds(),
            retention: staff_bridge::config::Retention::default(),
        };
        adjust(&mut portal_config, &mut bridge_config);

        let portal = portal::Portal::new(&portal_config)
            .await
            .expect("portal starts");
        let portal_db = portal.state.db.clone();
        let (portal_stop, portal_wait) = stopper();
        let portal_task = tokio::spawn(portal.serve(public, internal, portal_wait));

        let bridge = staff_bridge::Bridge::new(&bridge_config)
            .await
            .expect("bridge starts");
        let bridge_db = bridge.state.db.clone();
        let bridge_client = bridge.client.clone();
        let (bridge_stop, bridge_wait) = stopper();
        tokio::spawn(bridge.serve(bridge_listener, bridge_wait));

        Services {
            backend,
            portal_url,
            internal_url: format!("http://{internal_addr}"),
            internal_addr,
            bridge_url,
            portal_db,
            bridge_db,
            bridge_client,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            portal_config,
            bridge_config,
            portal: Some(PortalRun {
                stop: portal_stop,
                task: portal_task,
            }),
            bridge_stop,
            scratch: vec![portal_scratch, bridge_scratch],
            _keys: keys,
        }
    }

    /// The portal's sealing key, to read what it stored as it does.
    pub fn portal_sealer(&self) -> content::seal::Sealer {
        content::seal::Sealer::load_or_create(&self.portal_config.key_file).unwrap()
    }

    pub fn key(&self) -> SyncKey {
        SyncKey::new(SECRET).unwrap()
    }

    /// Stops the portal's listeners (its database stays).
    pub async fn stop_portal(&mut self) {
        if let Some(run) = self.portal.take() {
            let _ = run.stop.send(true);
            run.task.abort();
            let _ = run.task.await;
        }
    }

    /// Starts the portal again on the same internal address and database.
    pub async fn restart_portal(&mut self) {
        assert!(self.portal.is_none(), "the portal is still running");
        let internal = bind_again(self.internal_addr).await;
        let public = listen().await;
        let db = portal::open_db(&self.portal_config.database_url)
            .await
            .expect("portal database reopens");
        self.portal_db = db.clone();
        let portal = portal::Portal::with_db(db, &self.portal_config).expect("portal restarts");
        let (stop, wait) = stopper();
        let task = tokio::spawn(portal.serve(public, internal, wait));
        self.portal = Some(PortalRun { stop, task });
    }

    pub async fn finish(mut self) {
        self.stop_portal().await;
        let _ = self.bridge_stop.send(true);
        self.portal_db.pool.close().await;
        self.bridge_db.pool.close().await;
        // Dropping a scratch database removes it.
        self.scratch.clear();
    }
}

/// A port just released can take a moment to be free again.
pub async fn bind_again(addr: SocketAddr) -> TcpListener {
    for _ in 0..100 {
        if let Ok(listener) = TcpListener::bind(addr).await {
            return listener;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("could not bind {addr} again");
}

/// The demo family's import, as the case system would send it.
/// The demo's fictional family, its meetings two and three weeks ahead as
/// the demo has them.
pub fn demo_family() -> serde_json::Value {
    let mut family = serde_json::from_str(include_str!("../../../src/demo/family.json")).unwrap();
    staff_bridge::publishing::demo::with_upcoming_meetings(&mut family, content::db::now());
    family
}

/// Imports a case as the case system would send it.
pub async fn import(s: &Services, case: &serde_json::Value) -> staff_bridge::import::Outcome {
    staff_bridge::import::import(&s.bridge_db, &case.to_string(), content::db::now())
        .await
        .unwrap()
}

/// The newest ledger entry of a kind: actor, subject and data.
pub async fn last_ledger(
    db: &Db,
    kind: &str,
) -> (Option<String>, Option<String>, serde_json::Value) {
    let (actor, subject, data): (Option<String>, Option<String>, String) = sqlx::query_as(
        "SELECT actor, subject, data FROM ledger WHERE kind = $1 ORDER BY seq DESC LIMIT 1",
    )
    .bind(kind)
    .fetch_one(&db.pool)
    .await
    .unwrap_or_else(|_| panic!("no {kind} entry in the ledger"));
    (actor, subject, serde_json::from_str(&data).unwrap())
}

/// Pushes and pulls now. The bridge's own worker, woken by a staff action,
/// may be sending the same entries at this moment, so this waits until the
/// queue is empty as well as running a sync itself.
pub async fn sync(s: &Services) {
    let mut last = None;
    for _ in 0..20 {
        match staff_bridge::sync::run_once(&s.bridge_db, &s.bridge_client).await {
            Ok(_)
                if staff_bridge::outgoing::pending_count(&s.bridge_db)
                    .await
                    .unwrap()
                    == 0 =>
            {
                return
            }
            Ok(_) => {}
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("sync did not finish: {last:?}");
}

pub async fn count(db: &Db, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

/// A port free on loopback now (a service started next binds it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A family member of an imported case, by their case-system id: their
/// `case_people` id and portal id.
pub async fn case_person(s: &Services, source_id: &str) -> (i64, String) {
    sqlx::query_as("SELECT id, portal_id FROM case_people WHERE source_id = $1")
        .bind(source_id)
        .fetch_one(&s.bridge_db.pool)
        .await
        .unwrap()
}

/// The text of a SQLite database file and its WAL, as a copy of them would
/// show it to whoever took it. Both must exist.
pub fn files_of(database_url: &str) -> Vec<(String, String)> {
    let path = content::db::sqlite_file(database_url)
        .expect("a SQLite database")
        .to_string_lossy()
        .to_string();
    [path.clone(), format!("{path}-wal")]
        .into_iter()
        .map(|file| {
            let bytes = std::fs::read(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
            (file, String::from_utf8_lossy(&bytes).into_owned())
        })
        .collect()
}

/// A `multipart/form-data` body as a browser sends one: the text fields,
/// then the files as (field, file name, bytes).
pub fn multipart(
    form: &[(&str, &str)],
    files: &[(&str, &str, Vec<u8>)],
) -> reqwest::multipart::Form {
    let mut multipart = reqwest::multipart::Form::new();
    for (name, value) in form {
        multipart = multipart.text(name.to_string(), value.to_string());
    }
    for (name, file_name, bytes) in files {
        let part = reqwest::multipart::Part::bytes(bytes.clone()).file_name(file_name.to_string());
        multipart = multipart.part(name.to_string(), part);
    }
    multipart
}
