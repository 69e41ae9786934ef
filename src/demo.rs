//! `familystory demo`: both services in one process on loopback, with a
//! fictional family seeded through the same code paths staff use.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use content::db::{now, sqlite_url};
use serde::Serialize;

const FAMILY: &str = include_str!("demo/family.json");

mod accounts;
mod messages;
mod voice;

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Where the databases, key files and outgoing email go.
    #[arg(long, default_value = "./data")]
    data_dir: PathBuf,
    #[arg(long, default_value = "127.0.0.1:8080")]
    portal_addr: SocketAddr,
    #[arg(long, default_value = "127.0.0.1:8081")]
    bridge_addr: SocketAddr,
    /// The portal's internal API, which only the bridge calls.
    #[arg(long, default_value = "127.0.0.1:8090")]
    internal_addr: SocketAddr,
}

/// One line of `demo-users.json`.
#[derive(Serialize)]
struct DemoUser {
    name: &'static str,
    role: &'static str,
    email: &'static str,
    service: &'static str,
}

const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        name: "Ellie Carter",
        role: "child",
        email: "ellie.carter@example.com",
        service: "portal",
    },
    DemoUser {
        name: "Sarah Carter",
        role: "parent",
        email: "sarah.carter@example.com",
        service: "portal",
    },
    DemoUser {
        name: "Daniel Brooks",
        role: "parent",
        email: "daniel.brooks@example.org",
        service: "portal",
    },
    DemoUser {
        name: "Priya Shah",
        role: "practitioner",
        email: "priya.shah@council.example",
        service: "bridge",
    },
    DemoUser {
        name: "Tom Okafor",
        role: "manager",
        email: "tom.okafor@council.example",
        service: "bridge",
    },
    DemoUser {
        name: "Grace Lee",
        role: "ig_officer",
        email: "grace.lee@council.example",
        service: "bridge",
    },
];

pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let dir = &args.data_dir;
    std::fs::create_dir_all(dir.join("outbox"))
        .with_context(|| format!("could not create {}", dir.display()))?;
    let dir = dir.canonicalize()?;
    let secret = demo_secret(&dir)?;

    let portal_config = portal::PortalConfig {
        public_addr: args.portal_addr,
        internal_addr: args.internal_addr,
        database_url: sqlite_url(&dir.join("portal.db")),
        sync_secret: secret.clone(),
        public_url: local_url(args.portal_addr),
        trusted_proxies: Vec::new(),
        session_idle_minutes: 15,
        session_absolute_hours: 12,
        rate_limit_burst: 10,
        rate_limit_seconds: 6,
        key_file: dir.join("portal.key"),
        mail: Some(file_mail(&dir)),
        internal_tls_cert: None,
        internal_tls_key: None,
    };
    portal_config.validate()?;
    let bridge_config = staff_bridge::BridgeConfig {
        addr: args.bridge_addr,
        database_url: sqlite_url(&dir.join("bridge.db")),
        key_file: dir.join("bridge.key"),
        portal_internal_url: format!("http://{}", args.internal_addr),
        portal_ca_file: None,
        sync_secret: secret,
        import_token: None,
        sync_interval_ms: 1000,
        public_url: local_url(args.bridge_addr),
        portal_public_url: local_url(args.portal_addr),
        trusted_proxies: Vec::new(),
        session_idle_minutes: 30,
        session_absolute_hours: 12,
        invitation_days: 14,
        rate_limit_burst: 10,
        rate_limit_seconds: 6,
        mail: Some(file_mail(&dir)),
        approval_kinds: staff_bridge::config::default_approval_kinds(),
    };
    bridge_config.validate()?;

    // Bind first, so a port in use is reported before anything is written.
    let public = crate::cli::bind(portal_config.public_addr).await?;
    let internal = crate::cli::bind(portal_config.internal_addr).await?;
    let staff = crate::cli::bind(bridge_config.addr).await?;

    let portal = portal::Portal::new(&portal_config).await?;
    let bridge = staff_bridge::Bridge::new(&bridge_config).await?;
    seed(&bridge.state.db).await?;
    staff_bridge::publishing::demo::seed(&bridge.state.db, now()).await?;
    println!();
    println!("FamilyStory demo is running. Press Ctrl-C to stop.");
    println!();
    println!("  Family portal:  {}", local_url(args.portal_addr));
    println!("  Staff bridge:   {}", local_url(args.bridge_addr));
    println!();
    println!("  Data:           {}", dir.display());
    println!(
        "  Demo people:    {}",
        dir.join("demo-users.json").display()
    );
    println!("  Email outbox:   {}", dir.join("outbox").display());
    println!();
    println!("  The fictional Carter family (case DEMO-0001) is imported into the staff bridge.");
    println!();

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let wait = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let portal_state = portal.state.clone();
    let bridge_db = bridge.state.db.clone();
    let bridge_client = bridge.client.clone();
    let bridge_mailer = bridge.state.mailer.clone();
    let portal_task = tokio::spawn(portal.serve(public, internal, wait(stop_rx.clone())));
    let bridge_task = tokio::spawn(bridge.serve(staff, wait(stop_rx)));
    accounts::seed(
        &bridge_db,
        &bridge_client,
        bridge_mailer.as_ref(),
        &bridge_config.public_url,
        &portal_state,
    )
    .await?;
    voice::seed(&portal_state, &bridge_db, &bridge_client).await?;
    messages::seed(&portal_state, &bridge_db, &bridge_client).await?;
    // Written last: tools wait for this file as the sign that every demo
    // person can sign in (accounts made, enrolment links in the outbox).
    let users = serde_json::to_string_pretty(DEMO_USERS)?;
    std::fs::write(dir.join("demo-users.json"), users + "\n")?;
    println!(
        "  Sign in as a family member at {}/sign-in with their email address:",
        local_url(args.portal_addr)
    );
    println!("  the code arrives as a file in the email outbox.");
    println!("  Staff set up a passkey from the enrolment link emailed to them (in the outbox),");
    println!("  then sign in at {}/sign-in.", local_url(args.bridge_addr));
    println!();
    crate::cli::shutdown_signal().await;
    let _ = stop_tx.send(true);
    portal_task.await??;
    bridge_task.await??;
    Ok(())
}

/// Passkeys need a host name, not an address: loopback is `localhost`.
fn local_url(addr: SocketAddr) -> String {
    if addr.ip().is_loopback() {
        format!("http://localhost:{}", addr.port())
    } else {
        format!("http://{addr}")
    }
}

/// Demo email lands as files in DIR/outbox/.
fn file_mail(dir: &Path) -> content::mail::MailSettings {
    content::mail::MailSettings {
        from: "FamilyStory demo <no-reply@familystory.example>".into(),
        transport: "file".into(),
        smtp_host: None,
        smtp_port: None,
        smtp_security: content::mail::SmtpSecurity::None,
        smtp_username: None,
        smtp_password: None,
        file_dir: Some(dir.join("outbox")),
    }
}

/// The demo family goes in through the import, as a case system's would.
async fn seed(db: &content::db::Db) -> anyhow::Result<()> {
    let mut family: serde_json::Value = serde_json::from_str(FAMILY)?;
    staff_bridge::publishing::demo::with_upcoming_meetings(&mut family, now());
    staff_bridge::import::import(db, &family.to_string(), now())
        .await
        .map_err(|e| anyhow::anyhow!("the demo family did not import: {e:?}"))?;
    Ok(())
}

/// The shared secret for the demo's two services, made once per data folder.
fn demo_secret(dir: &Path) -> anyhow::Result<String> {
    let path = dir.join("sync-secret");
    if let Ok(secret) = std::fs::read_to_string(&path) {
        return Ok(secret.trim().to_string());
    }
    let secret = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    write_private(&path, &secret)?;
    Ok(secret)
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("could not create {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}
