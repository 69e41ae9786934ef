//! Command-line arguments and what each command does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use content::db::now;

#[derive(Parser)]
#[command(
    name = "familystory",
    version,
    about = "FamilyStory: families see what has been published to them"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run both services on loopback with a fictional family.
    Demo(crate::demo::DemoArgs),
    /// Run the family portal (public pages and the internal API).
    Portal {
        /// Settings file (TOML); FAMILYSTORY_PORTAL_* variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run the staff bridge, or manage its staff (`bridge add-staff`).
    #[command(args_conflicts_with_subcommands = true)]
    Bridge {
        /// Settings file (TOML); FAMILYSTORY_BRIDGE_* variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
        #[command(subcommand)]
        command: Option<BridgeCommand>,
    },
    /// Bring a service's database schema up to date, then exit.
    Migrate {
        service: Service,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Import a case (JSON, see docs/import-format.md) into the staff bridge.
    Import {
        file: PathBuf,
        /// The bridge's settings file.
        #[arg(long, conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// A demo data folder: imports into DIR/bridge.db.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
    /// Content tools.
    Content {
        #[command(subcommand)]
        command: ContentCommand,
    },
    /// Copy a service's SQLite database, consistently, while it runs (see
    /// docs/operations.md). PostgreSQL: use pg_dump.
    Backup {
        service: Service,
        #[arg(long)]
        config: Option<PathBuf>,
        /// A folder for the copy (SERVICE.db is written there, never over a file).
        #[arg(long)]
        to: PathBuf,
        /// Also copy the key file here (owner-only); keep it apart from the backup.
        #[arg(long)]
        key_to: Option<PathBuf>,
    },
    /// Put a backup back as the database the settings name, which must not exist yet.
    Restore {
        service: Service,
        #[arg(long)]
        config: Option<PathBuf>,
        /// The backup folder (holding SERVICE.db).
        #[arg(long)]
        from: PathBuf,
        /// The backed-up key file, copied to the settings' key_file.
        #[arg(long)]
        key_from: Option<PathBuf>,
    },
    /// Data for the case system (see docs/contributions-export.md).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// The disclosure ledger (see docs/ledger.md).
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Retention of closed cases' content (see docs/governance.md).
    Retention {
        #[command(subcommand)]
        command: RetentionCommand,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// List what the retention periods make due for erasure, one item a line
    /// (tab-separated: due since, case, what, item). Erases nothing: an IG
    /// officer confirms each erasure in the console.
    Due {
        /// The bridge's settings file (its database and `[retention]`).
        #[arg(long, conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// A demo data folder: DIR/bridge.db, with the default periods.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// What the family sent on the portal for one case, as JSON on stdout.
    Contributions {
        /// The case's reference in the case system.
        #[arg(long = "case")]
        reference: String,
        #[arg(long)]
        config: Option<PathBuf>,
        /// A demo data folder instead of a settings file.
        #[arg(long, conflicts_with = "config")]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the ledger's hash chain, read-only. Exits 0 when it is whole,
    /// 1 when it is broken (naming the first broken entry), 2 when it could not
    /// be checked.
    Verify {
        /// A demo data folder: checks DIR/bridge.db.
        #[arg(long, conflicts_with_all = ["database_url", "config"])]
        data_dir: Option<PathBuf>,
        /// The bridge's database: sqlite://... or postgres://...
        #[arg(long, conflicts_with = "config")]
        database_url: Option<String>,
        /// The bridge's settings file (its database_url).
        #[arg(long)]
        config: Option<PathBuf>,
        /// SEQ:HASH, as an earlier verify printed it: also fails if that entry
        /// is gone or has another hash (the chain was rewritten or cut short).
        #[arg(long)]
        anchor: Option<staff_bridge::ledger::Anchor>,
    },
}

#[derive(Subcommand)]
enum ContentCommand {
    /// Run the redaction, reading-age and jargon check on JSON requests from stdin.
    Check {
        /// One request a line in, one response a line out.
        #[arg(long)]
        jsonl: bool,
    },
}

#[derive(Subcommand)]
enum BridgeCommand {
    /// Add a member of staff and email (or, without mail settings, print)
    /// their one-time enrolment link. Makes the first admin.
    AddStaff {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// practitioner, manager, ig_officer or admin; repeat for several.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The bridge's settings file (database, public URL, mail).
        #[arg(long, conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// A demo data folder: DIR/bridge.db, the demo's address, link printed.
        #[arg(long)]
        data_dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Service {
    Portal,
    Bridge,
}

/// A service's database and key file, from its settings.
fn target(service: Service, config: Option<&Path>) -> anyhow::Result<crate::backup::Target> {
    Ok(match service {
        Service::Portal => {
            let config = portal::PortalConfig::load(config)?;
            crate::backup::Target {
                name: "portal",
                database_url: config.database_url,
                key_file: config.key_file,
                bridge: false,
            }
        }
        Service::Bridge => {
            let config = staff_bridge::BridgeConfig::load(config)?;
            crate::backup::Target {
                name: "bridge",
                database_url: config.database_url,
                key_file: config.key_file,
                bridge: true,
            }
        }
    })
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Demo(args) => crate::demo::run(args).await.map(|_| ExitCode::SUCCESS),
        Command::Portal { config } => {
            let config = portal::PortalConfig::load(config.as_deref())?;
            let public = bind(config.public_addr).await?;
            let internal = bind(config.internal_addr).await?;
            let portal = portal::Portal::new(&config).await?;
            tracing::info!(public = %config.public_addr, internal = %config.internal_addr, "portal listening");
            portal.serve(public, internal, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bridge {
            command:
                Some(BridgeCommand::AddStaff {
                    email,
                    name,
                    roles,
                    config,
                    data_dir,
                }),
            ..
        } => add_staff(email, name, &roles, config.as_deref(), data_dir.as_deref()).await,
        Command::Bridge {
            config,
            command: None,
        } => {
            let config = staff_bridge::BridgeConfig::load(config.as_deref())?;
            let listener = bind(config.addr).await?;
            let bridge = staff_bridge::Bridge::new(&config).await?;
            tracing::info!(addr = %config.addr, "staff bridge listening");
            bridge.serve(listener, shutdown_signal()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup {
            service,
            config,
            to,
            key_to,
        } => {
            let target = target(service, config.as_deref())?;
            crate::backup::backup(&target, &to, key_to.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore {
            service,
            config,
            from,
            key_from,
        } => {
            let target = target(service, config.as_deref())?;
            crate::backup::restore(&target, &from, key_from.as_deref()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate { service, config } => {
            match service {
                Service::Portal => {
                    let config = portal::PortalConfig::load(config.as_deref())?;
                    portal::open_db(&config.database_url).await?;
                }
                Service::Bridge => {
                    let config = staff_bridge::BridgeConfig::load(config.as_deref())?;
                    staff_bridge::open_db(&config.database_url).await?;
                }
            }
            println!("The database is up to date.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            file,
            config,
            data_dir,
        } => import(&file, config.as_deref(), data_dir.as_deref()).await,
        Command::Content {
            command: ContentCommand::Check { jsonl },
        } => {
            let code = tokio::task::block_in_place(|| {
                content::check_cli::run(std::io::stdin().lock(), std::io::stdout().lock(), jsonl)
            })?;
            Ok(ExitCode::from(code.clamp(0, 255) as u8))
        }
        Command::Audit { command } => Ok(audit(command).await),
        Command::Retention {
            command: RetentionCommand::Due { config, data_dir },
        } => retention_due(config.as_deref(), data_dir.as_deref()).await,
        Command::Export {
            command:
                ExportCommand::Contributions {
                    reference,
                    config,
                    data_dir,
                },
        } => export_contributions(&reference, config.as_deref(), data_dir.as_deref()).await,
    }
}

async fn retention_due(config: Option<&Path>, data_dir: Option<&Path>) -> anyhow::Result<ExitCode> {
    let (url, retention) = match data_dir {
        Some(dir) => (
            content::db::sqlite_url(&dir.join("bridge.db")),
            staff_bridge::config::Retention::default(),
        ),
        None => {
            let config = staff_bridge::BridgeConfig::load(config)?;
            (config.database_url, config.retention)
        }
    };
    let db = staff_bridge::open_db(&url).await?;
    let due = staff_bridge::governance::erasure::retention::due(&db, &retention, now()).await?;
    for d in &due {
        let since = content::when::input(d.due_at);
        println!(
            "{}\t{}\t{}\t{}",
            since.get(..10).unwrap_or_default(),
            d.case_reference,
            d.what,
            d.item.token()
        );
    }
    eprintln!("{} due for erasure.", due.len());
    Ok(ExitCode::SUCCESS)
}

async fn export_contributions(
    reference: &str,
    config: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (url, key_file) = match data_dir {
        Some(dir) => (
            content::db::sqlite_url(&dir.join("bridge.db")),
            dir.join("bridge.key"),
        ),
        None => {
            let config = staff_bridge::BridgeConfig::load(config)?;
            (config.database_url, config.key_file)
        }
    };
    let db = staff_bridge::open_sealed_db(&url, &key_file).await?;
    match staff_bridge::voice::export::case(&db, reference).await? {
        Some(export) => {
            println!("{}", serde_json::to_string_pretty(&export)?);
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("There is no case {reference} on this bridge.");
            Ok(ExitCode::from(1))
        }
    }
}

/// `audit verify`: the exit code is the answer, so a failure to check is 2,
/// never mistaken for a broken ledger (1) or a whole one (0).
async fn audit(command: AuditCommand) -> ExitCode {
    let AuditCommand::Verify {
        data_dir,
        database_url,
        config,
        anchor,
    } = command;
    let checked = async {
        let url = match (data_dir, database_url) {
            (Some(dir), _) => {
                let file = dir.join("bridge.db");
                anyhow::ensure!(file.is_file(), "there is no bridge.db in {}", dir.display());
                content::db::sqlite_url(&file)
            }
            (None, Some(url)) => url,
            (None, None) => staff_bridge::BridgeConfig::load(config.as_deref())?.database_url,
        };
        staff_bridge::ledger::verify_database(&url, anchor.as_ref()).await
    };
    match checked.await {
        Ok(report) => match report.first_broken {
            None => {
                println!("The ledger is whole: {}.", entry_count(report.entries));
                if let Some(last) = report.last {
                    // Kept outside the database, this catches even a rewrite
                    // of the whole chain (docs/ledger.md).
                    println!(
                        "To check later that nothing up to entry {} has changed, keep:",
                        last.seq
                    );
                    println!("  --anchor {last}");
                }
                ExitCode::SUCCESS
            }
            Some(broken) => {
                println!(
                    "The ledger is broken at entry {}: {}",
                    broken.seq, broken.reason
                );
                println!(
                    "It holds {}. This check changed nothing.",
                    entry_count(report.entries)
                );
                ExitCode::from(1)
            }
        },
        Err(error) => {
            eprintln!("familystory: the ledger could not be checked: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn entry_count(n: u64) -> String {
    format!("{n} {}", if n == 1 { "entry" } else { "entries" })
}

async fn import(
    file: &Path,
    config: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let (url, key_file) = match data_dir {
        Some(dir) => (
            content::db::sqlite_url(&dir.join("bridge.db")),
            dir.join("bridge.key"),
        ),
        None => {
            let config = staff_bridge::BridgeConfig::load(config)?;
            (config.database_url, config.key_file)
        }
    };
    let json = std::fs::read_to_string(file)
        .with_context(|| format!("could not read {}", file.display()))?;
    let db = staff_bridge::open_sealed_db(&url, &key_file).await?;
    match staff_bridge::import::import(&db, &json, now()).await {
        Ok(outcome) => {
            let verb = if outcome.created {
                "Imported"
            } else {
                "Updated"
            };
            println!(
                "{verb} case {}: {} people, {} professionals, {} documents, {} meetings.",
                outcome.case_reference,
                outcome.people,
                outcome.professionals,
                outcome.documents,
                outcome.meetings
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(staff_bridge::import::ImportError::Invalid(problems)) => {
            eprintln!("The case was not imported. Nothing was changed. Problems:");
            for problem in problems {
                eprintln!("  {}: {}", problem.path, problem.message);
            }
            Ok(ExitCode::from(2))
        }
        Err(error) => Err(error.into()),
    }
}

/// `bridge add-staff`: the account, then the link by email or on stdout.
async fn add_staff(
    email: String,
    name: String,
    roles: &[String],
    config: Option<&Path>,
    data_dir: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    use staff_bridge::staff::{self, AddError, AddOrSendError, Delivery, Role};
    let mut parsed = Vec::new();
    for role in roles {
        let Some(role) = Role::parse(role) else {
            eprintln!("Unknown role {role:?}: use practitioner, manager, ig_officer or admin.");
            return Ok(ExitCode::from(2));
        };
        parsed.push(role);
    }
    let (url, public_url, mailer) = match data_dir {
        Some(dir) => (
            content::db::sqlite_url(&dir.join("bridge.db")),
            "http://localhost:8081".to_string(),
            None,
        ),
        None => {
            let config = staff_bridge::BridgeConfig::load(config)?;
            let mailer = config
                .mail
                .as_ref()
                .map(content::mail::Mailer::new)
                .transpose()?;
            (config.database_url, config.public_url, mailer)
        }
    };
    let db = staff_bridge::open_db(&url).await?;
    let new = staff::NewStaff {
        email,
        name,
        roles: parsed,
    };
    match staff::add_and_enrol(&db, mailer.as_ref(), &public_url, &new, None, now()).await {
        Ok((member, Delivery::Emailed)) => {
            println!("Added {} <{}>. Their enrolment link has been emailed; it works once, for {} hours.", member.name, member.email, staff::ENROLMENT_HOURS);
            Ok(ExitCode::SUCCESS)
        }
        Ok((member, Delivery::ShowLink(link))) => {
            println!("Added {} <{}>. Email is not configured, so give them this enrolment link; it works once, for {} hours:", member.name, member.email, staff::ENROLMENT_HOURS);
            println!();
            println!("  {link}");
            Ok(ExitCode::SUCCESS)
        }
        Err(AddOrSendError::Add(AddError::Database(e))) => Err(e.into()),
        Err(AddOrSendError::Add(problem)) => {
            eprintln!("Nobody was added: {problem}.");
            Ok(ExitCode::from(2))
        }
        Err(AddOrSendError::Mail(member, error)) => {
            eprintln!(
                "Added {} <{}>, but {error}. An admin can send a new link from /admin/staff.",
                member.name, member.email
            );
            Ok(ExitCode::from(1))
        }
    }
}

pub async fn bind(addr: std::net::SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("could not listen on {addr}"))
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}
