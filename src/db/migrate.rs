//! Schema migrations, embedded in the binary and applied at start.
//!
//! A migration is one SQL file both databases run; where the dialects must
//! differ (full-text search, for instance) a migration names one file per
//! backend. Applied migrations are recorded with a checksum: editing one after
//! it has run is refused rather than silently ignored.

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use super::{Backend, Db, sql};
use crate::domain::Timestamp;

enum Source {
    Both(&'static str),
    #[allow(dead_code, reason = "used as soon as a migration needs per-backend SQL")]
    PerBackend {
        sqlite: &'static str,
        postgres: &'static str,
    },
}

struct Migration {
    version: i64,
    name: &'static str,
    source: Source,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "site",
        source: Source::Both(include_str!("../../migrations/0001_site.sql")),
    },
    Migration {
        version: 2,
        name: "newsroom",
        source: Source::Both(include_str!("../../migrations/0002_newsroom.sql")),
    },
    Migration {
        version: 3,
        name: "community",
        source: Source::Both(include_str!("../../migrations/0003_community.sql")),
    },
    Migration {
        version: 4,
        name: "alerts",
        source: Source::Both(include_str!("../../migrations/0004_alerts.sql")),
    },
    Migration {
        version: 5,
        name: "donations",
        source: Source::Both(include_str!("../../migrations/0005_donations.sql")),
    },
    Migration {
        version: 6,
        name: "search",
        source: Source::PerBackend {
            sqlite: include_str!("../../migrations/0006_search.sqlite.sql"),
            postgres: include_str!("../../migrations/0006_search.postgres.sql"),
        },
    },
    Migration {
        version: 7,
        name: "liveblogs",
        source: Source::Both(include_str!("../../migrations/0007_liveblogs.sql")),
    },
    Migration {
        version: 8,
        name: "liveblog_search",
        source: Source::PerBackend {
            sqlite: include_str!("../../migrations/0008_liveblog_search.sqlite.sql"),
            postgres: include_str!("../../migrations/0008_liveblog_search.postgres.sql"),
        },
    },
    Migration {
        version: 9,
        name: "imports",
        source: Source::Both(include_str!("../../migrations/0009_imports.sql")),
    },
    Migration {
        version: 10,
        name: "search_slots",
        source: Source::PerBackend {
            sqlite: include_str!("../../migrations/0010_search_slots.sqlite.sql"),
            postgres: include_str!("../../migrations/0010_search_slots.postgres.sql"),
        },
    },
    Migration {
        version: 11,
        name: "held_comments_index",
        source: Source::Both(include_str!("../../migrations/0011_held_comments_index.sql")),
    },
    Migration {
        version: 12,
        name: "search_recency",
        source: Source::PerBackend {
            sqlite: include_str!("../../migrations/0012_search_recency.sqlite.sql"),
            postgres: include_str!("../../migrations/0012_search_recency.postgres.sql"),
        },
    },
    Migration {
        version: 13,
        name: "stripe_event_outcomes",
        source: Source::Both(include_str!("../../migrations/0013_stripe_event_outcomes.sql")),
    },
    Migration {
        version: 14,
        name: "reserved_limits",
        source: Source::Both(include_str!("../../migrations/0014_reserved_limits.sql")),
    },
    Migration {
        version: 15,
        name: "faults",
        source: Source::Both(include_str!("../../migrations/0015_faults.sql")),
    },
    Migration {
        version: 16,
        name: "alert_services",
        source: Source::Both(include_str!("../../migrations/0016_alert_services.sql")),
    },
    Migration {
        version: 17,
        name: "staff_tokens",
        source: Source::Both(include_str!("../../migrations/0017_staff_tokens.sql")),
    },
    Migration {
        version: 18,
        name: "newsletters",
        source: Source::Both(include_str!("../../migrations/0018_newsletters.sql")),
    },
    Migration {
        version: 19,
        name: "newsletter_schedules",
        source: Source::Both(include_str!("../../migrations/0019_newsletter_schedules.sql")),
    },
    Migration {
        version: 20,
        name: "review_emails",
        source: Source::Both(include_str!("../../migrations/0020_review_emails.sql")),
    },
    Migration {
        version: 21,
        name: "site_shape",
        source: Source::Both(include_str!("../../migrations/0021_site_shape.sql")),
    },
];

/// A lock number private to Broadsheet, so instances starting together on one
/// PostgreSQL apply migrations one at a time.
const PG_MIGRATION_LOCK: i64 = 0x6272_6f61_6473;

pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    sql("CREATE TABLE IF NOT EXISTS schema_migrations (
            version BIGINT PRIMARY KEY,
            name TEXT NOT NULL,
            checksum TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL)")
    .execute(db)
    .await
    .context("creating the migrations table")?;

    let mut tx = db.begin().await?;
    if db.backend() == Backend::Postgres {
        sql("SELECT pg_advisory_xact_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut tx)
            .await?;
    }
    let applied: Vec<(i64, String)> = sql("SELECT version, checksum FROM schema_migrations ORDER BY version")
        .fetch_all(&mut tx)
        .await?;
    for migration in MIGRATIONS {
        let text = match (&migration.source, db.backend()) {
            (Source::Both(text), _) => *text,
            (Source::PerBackend { sqlite, .. }, Backend::Sqlite) => *sqlite,
            (Source::PerBackend { postgres, .. }, Backend::Postgres) => *postgres,
        };
        let checksum = hex(&Sha256::digest(text.as_bytes()));
        match applied.iter().find(|(v, _)| *v == migration.version) {
            Some((_, recorded)) if *recorded == checksum => continue,
            Some(_) => bail!(
                "migration {} ({}) was changed after it was applied; add a new migration instead",
                migration.version,
                migration.name
            ),
            None => {}
        }
        for statement in statements(text) {
            sql(statement)
                .execute(&mut tx)
                .await
                .with_context(|| format!("applying migration {} ({})", migration.version, migration.name))?;
        }
        sql("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)")
            .bind(migration.version)
            .bind(migration.name)
            .bind(checksum)
            .bind(Timestamp::now())
            .execute(&mut tx)
            .await?;
        tracing::info!(version = migration.version, name = migration.name, "applied migration");
    }
    tx.commit().await.context("committing migrations")?;
    Ok(())
}

/// Splits a migration into statements at lines ending in ";", keeping whole a
/// PostgreSQL function body (between `$$`) and a SQLite trigger (up to `END;`).
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_dollars = false;
    for line in text.lines() {
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_dollars = !in_dollars;
        }
        let trimmed = line.trim_end();
        let in_trigger =
            current.trim_start().to_uppercase().starts_with("CREATE TRIGGER") && !in_dollars_trigger(&current);
        let ends = trimmed.ends_with(';') && !in_dollars && (!in_trigger || trimmed.eq_ignore_ascii_case("END;"));
        if ends {
            let statement = current.trim().trim_end_matches(';').trim().to_owned();
            current.clear();
            let only_comments = statement
                .lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"));
            if !only_comments {
                out.push(statement);
            }
        }
    }
    if !current.trim().is_empty()
        && !current
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
    {
        out.push(current.trim().to_owned());
    }
    out
}

/// A PostgreSQL trigger (`EXECUTE FUNCTION`) is one line, not a block.
fn in_dollars_trigger(statement: &str) -> bool {
    statement.to_uppercase().contains("EXECUTE FUNCTION")
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
