//! `broadsheet backup DIR` and `broadsheet restore DIR`, for SQLite: a
//! consistent copy of the database taken while the site serves (SQLite's
//! `VACUUM INTO` reads one snapshot), with the media folder beside it. On
//! PostgreSQL, pg_dump and pg_restore do this job (see the README).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::config::{DatabaseSettings, Settings};
use crate::db::{self, sql};

/// The database file inside a backup folder.
pub const DATABASE_FILE: &str = "broadsheet.db";
/// The media folder inside a backup folder.
pub const MEDIA_DIR: &str = "media";

/// What a backup or restore copied.
#[derive(Debug)]
pub struct Copied {
    pub database_bytes: u64,
    pub media_files: u64,
}

fn sqlite_path(database: &DatabaseSettings) -> anyhow::Result<PathBuf> {
    match db::sqlite_file(database) {
        Some(path) => Ok(path.to_path_buf()),
        None => bail!(
            "backup and restore work on SQLite; for PostgreSQL use pg_dump and pg_restore (see the README's \"Backups\")"
        ),
    }
}

/// Writes a consistent copy of the database and the media into `dir`, which
/// must not exist yet or be empty. Safe while the site serves.
pub async fn backup(settings: &Settings, dir: &Path) -> anyhow::Result<Copied> {
    sqlite_path(&settings.database)?;
    if dir.exists() && dir.read_dir().map(|mut d| d.next().is_some()).unwrap_or(true) {
        bail!("{} is not empty: back up into a new folder", dir.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let target = dir.join(DATABASE_FILE);
    let db = db::connect(&settings.database).await?;
    sql("VACUUM INTO $1")
        .bind(target.display().to_string())
        .execute(&db)
        .await
        .context("copying the database")?;
    db.close().await;
    let media_files = copy_tree(&settings.media.dir, &dir.join(MEDIA_DIR))?;
    Ok(Copied {
        database_bytes: std::fs::metadata(&target)?.len(),
        media_files,
    })
}

/// A lock on `<database file>.lock` that a serving process holds for as
/// long as it serves (shared, so nothing else is stopped) and a restore
/// takes alone: a restore cannot swap the file under a running site.
fn lock_file(database: &Path) -> anyhow::Result<std::fs::File> {
    let path = PathBuf::from(format!("{}.lock", database.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// Held by a serving site on SQLite (see [`lock_file`]); `None` on PostgreSQL.
pub fn serving_lock(database: &DatabaseSettings) -> anyhow::Result<Option<std::fs::File>> {
    let Some(file) = db::sqlite_file(database) else {
        return Ok(None);
    };
    let lock = lock_file(file)?;
    match lock.try_lock_shared() {
        Ok(()) => Ok(Some(lock)),
        Err(std::fs::TryLockError::WouldBlock) => {
            bail!(
                "{} is being restored from a backup; start the site when that is done",
                file.display()
            )
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e).context("cannot lock the database file"),
    }
}

/// Puts a backup in place of the configured database and adds its media.
/// The site must be stopped. An existing database is refused unless
/// `replace`, and is then kept beside it as `<file>.before-restore-<time>`.
pub async fn restore(settings: &Settings, dir: &Path, replace: bool) -> anyhow::Result<Copied> {
    let target = sqlite_path(&settings.database)?;
    let lock = lock_file(&target)?;
    if let Err(std::fs::TryLockError::WouldBlock) = lock.try_lock() {
        bail!(
            "the site is running on {}: stop it before restoring (a restore under a running site would lose what it writes next)",
            target.display()
        );
    }
    let source = dir.join(DATABASE_FILE);
    if !source.is_file() {
        bail!("{} holds no {DATABASE_FILE}: is it a Broadsheet backup?", dir.display());
    }
    check(&source).await?;
    if target.exists() {
        if !replace {
            bail!(
                "{} already exists; stop the site and pass --replace to put the backup in its place (the current file is kept)",
                target.display()
            );
        }
        let kept = PathBuf::from(format!(
            "{}.before-restore-{}",
            target.display(),
            jiff::Timestamp::now().strftime("%Y%m%dT%H%M%S")
        ));
        std::fs::rename(&target, &kept).with_context(|| format!("cannot move {} aside", target.display()))?;
        for suffix in ["-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", target.display()));
            if side.exists() {
                std::fs::rename(&side, format!("{}{suffix}", kept.display()))?;
            }
        }
    }
    if let Some(parent) = target.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let database_bytes =
        std::fs::copy(&source, &target).with_context(|| format!("cannot write {}", target.display()))?;
    let media_files = copy_tree(&dir.join(MEDIA_DIR), &settings.media.dir)?;
    Ok(Copied {
        database_bytes,
        media_files,
    })
}

/// Refuses a damaged or foreign file before anything is replaced.
async fn check(source: &Path) -> anyhow::Result<()> {
    use sqlx::ConnectOptions;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(source)
        .read_only(true);
    let mut connection = options.connect().await.context("the backup cannot be opened")?;
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut connection)
        .await
        .context("the backup cannot be read")?;
    if verdict != "ok" {
        bail!("the backup is damaged: {verdict}");
    }
    let (articles,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sqlite_master WHERE name = 'articles'")
        .fetch_one(&mut connection)
        .await?;
    if articles == 0 {
        bail!("{} is not a Broadsheet database", source.display());
    }
    Ok(())
}

/// Copies a folder's files (recursively) into another; returns how many.
pub fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<u64> {
    if !from.exists() {
        return Ok(0);
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let mut copied = 0;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copied += copy_tree(&entry.path(), &destination)?;
        } else {
            std::fs::copy(entry.path(), &destination)
                .with_context(|| format!("cannot copy {}", entry.path().display()))?;
            copied += 1;
        }
    }
    Ok(copied)
}
