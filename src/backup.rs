//! `familystory backup` and `familystory restore`: a consistent online copy
//! of one service's SQLite database into a folder, and putting it back into a
//! fresh place. The key file is handled explicitly (`--key-to`,
//! `--key-from`), never silently put beside the data it opens.

use std::path::Path;

use anyhow::{bail, Context};
use content::backup;
use content::db::Db;

/// Which service's database, and its settings.
pub struct Target {
    pub name: &'static str,
    pub database_url: String,
    pub key_file: std::path::PathBuf,
    pub bridge: bool,
}

async fn open(target: &Target, url: &str) -> anyhow::Result<Db> {
    Ok(if target.bridge {
        staff_bridge::open_db(url).await?
    } else {
        portal::open_db(url).await?
    })
}

/// Copies a key file to a new place, readable by its owner only.
fn copy_key(from: &Path, to: &Path) -> anyhow::Result<()> {
    let key =
        std::fs::read(from).with_context(|| format!("reading the key file {}", from.display()))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    // create_new: a key file is never overwritten.
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(to).with_context(|| {
        format!(
            "writing the key file {} (it must not exist yet)",
            to.display()
        )
    })?;
    std::io::Write::write_all(&mut file, &key)?;
    Ok(())
}

/// The ledger of a bridge database, checked; its entry count.
async fn ledger_whole(url: &str) -> anyhow::Result<u64> {
    let report = staff_bridge::ledger::verify_database(url, None).await?;
    if !report.is_whole() {
        bail!(
            "the ledger in {url} is not whole: {:?}",
            report.first_broken
        );
    }
    Ok(report.entries)
}

pub async fn backup(target: &Target, to: &Path, key_to: Option<&Path>) -> anyhow::Result<()> {
    let db = open(target, &target.database_url).await?;
    std::fs::create_dir_all(to).with_context(|| format!("making {}", to.display()))?;
    let file = to.join(format!("{}.db", target.name));
    backup::snapshot(&db, &file).await?;
    db.pool.close().await;
    println!(
        "Backed up the {} database to {}",
        target.name,
        file.display()
    );
    if target.bridge {
        let entries = ledger_whole(&content::db::sqlite_url(&file)).await?;
        println!("The copy's ledger is whole ({entries} entries).");
    }
    match key_to {
        Some(key_to) => {
            copy_key(&target.key_file, key_to)?;
            println!("Copied the key file to {} (owner only). Keep it apart from the backup.", key_to.display());
        }
        None => println!(
            "The key file {} is not in the backup. Keep a copy of it somewhere safe and apart: without it the sealed content cannot be read.",
            target.key_file.display()
        ),
    }
    Ok(())
}

pub async fn restore(target: &Target, from: &Path, key_from: Option<&Path>) -> anyhow::Result<()> {
    let file = from.join(format!("{}.db", target.name));
    if !file.is_file() {
        bail!("there is no {} in {}", file.display(), from.display());
    }
    if let Some(key_from) = key_from {
        copy_key(key_from, &target.key_file)?;
    } else if !target.key_file.exists() {
        bail!(
            "the key file {} does not exist: give the backed-up key with --key-from",
            target.key_file.display()
        );
    }
    let restored = backup::restore(&file, &target.database_url)?;
    // Opening brings the schema up to date, as at start-up.
    let db = open(target, &target.database_url).await?;
    db.pool.close().await;
    println!(
        "Restored the {} database to {}",
        target.name,
        restored.display()
    );
    if target.bridge {
        let entries = ledger_whole(&target.database_url).await?;
        println!("Its ledger is whole ({entries} entries).");
    }
    Ok(())
}
