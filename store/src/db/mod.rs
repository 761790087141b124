//! Storage: one schema on SQLite (embedded, one file, WAL) or PostgreSQL (by URL), through sqlx's `Any`
//! driver so that every query is written once. Migrations run when the database is opened.
//!
//! Durability: SQLite runs with `synchronous = FULL` in WAL mode, so a committed transaction is on disk
//! before the call returns; PostgreSQL commits synchronously by default. Every write the HTTP API
//! acknowledges has been committed.

mod consent;
mod erasures;
mod event_ids;
mod identity;
mod imports;
mod profiles;
mod rulesets;
mod snapshots;

pub use erasures::Tombstone;
pub use identity::{IdentifierRow, LinkRow, ReviewRow};
pub use imports::ImportProgress;
pub use profiles::ProfileRow;
pub use rulesets::RulesetRow;
pub use snapshots::SnapshotRow;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyPool, Executor, Transaction};
use std::borrow::Cow;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The database refused or failed a query, or could not be reached.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Concurrent writers kept changing what this write depends on (identity links); nothing was
    /// written, retry.
    #[error("the identity links of these customers kept changing; retry")]
    Contended,
    /// The URL names no supported database.
    #[error("unsupported database URL (use sqlite://PATH or postgres://...): {0}")]
    Url(String),
    /// Stored content is unreadable (a bug or a damaged database, never user input).
    #[error("stored {what} is unreadable: {message}")]
    Corrupt {
        /// What (e.g. `profile c_123`).
        what: String,
        /// The parser's message.
        message: String,
    },
}

impl DbError {
    /// Maps a (de)serialization failure of stored content about `what`.
    pub fn corrupt(what: impl Into<String>) -> impl FnOnce(serde_json::Error) -> DbError {
        let what = what.into();
        move |e| DbError::Corrupt {
            what,
            message: e.to_string(),
        }
    }
}

/// Which database engine is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded.
    Sqlite,
    /// PostgreSQL (or a compatible engine).
    Postgres,
}

/// The store's database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    /// SQLite: one writer at a time in this process (SQLite has a single writer anyway; waiting here is
    /// cheaper than its busy loop, and a read-modify-write never meets a stale read).
    writer: Option<Arc<tokio::sync::Mutex<()>>>,
}

/// A write transaction holding the customers it will change: on SQLite the process's writer slot, on
/// PostgreSQL an advisory lock per customer (taken in one global order, so writers never deadlock; it
/// also covers customers that do not exist yet, which row locks cannot). Read-modify-writes of one
/// customer never interleave, in this process or in another one on the same PostgreSQL database.
pub struct WriteTx {
    /// The transaction; commit it to apply.
    pub tx: Tx,
    _writer: Option<tokio::sync::OwnedMutexGuard<()>>,
}

/// A write transaction.
pub type Tx = Transaction<'static, Any>;

const SQLITE_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    ),
    (
        2,
        "erasures",
        include_str!("../../migrations/sqlite/0002_erasures.sql"),
    ),
    (
        3,
        "consent_changes",
        include_str!("../../migrations/sqlite/0003_consent_changes.sql"),
    ),
    (
        4,
        "event_ids",
        include_str!("../../migrations/sqlite/0004_event_ids.sql"),
    ),
    (
        5,
        "identity",
        include_str!("../../migrations/sqlite/0005_identity.sql"),
    ),
    (
        6,
        "identity_blocks",
        include_str!("../../migrations/sqlite/0006_identity_blocks.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "init",
        include_str!("../../migrations/postgres/0001_init.sql"),
    ),
    (
        2,
        "erasures",
        include_str!("../../migrations/postgres/0002_erasures.sql"),
    ),
    (
        3,
        "consent_changes",
        include_str!("../../migrations/postgres/0003_consent_changes.sql"),
    ),
    (
        4,
        "event_ids",
        include_str!("../../migrations/postgres/0004_event_ids.sql"),
    ),
    (
        5,
        "identity",
        include_str!("../../migrations/postgres/0005_identity.sql"),
    ),
    (
        6,
        "identity_blocks",
        include_str!("../../migrations/postgres/0006_identity_blocks.sql"),
    ),
];

impl Db {
    /// Opens (creating an SQLite file if needed) and migrates the database at `url`:
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            return Err(DbError::Url(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                                 PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
                                 PRAGMA secure_delete = ON;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        let writer = (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(())));
        let db = Db {
            pool,
            backend,
            writer,
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        let list = match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS,
            Backend::Postgres => POSTGRES_MIGRATIONS,
        };
        let migrations = list
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    Cow::Borrowed(*name),
                    MigrationType::Simple,
                    sqlx::SqlStr::from_static(sql),
                    false,
                )
            })
            .collect();
        Migrator::with_migrations(migrations)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// The engine behind this database.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a write transaction that will change `subjects` (see [`WriteTx`]).
    pub async fn begin_write(&self, subjects: &[&str]) -> Result<WriteTx, DbError> {
        let writer = match &self.writer {
            Some(writer) => Some(writer.clone().lock_owned().await),
            None => None,
        };
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            for chunk in subjects.chunks(1000) {
                let values = (1..=chunk.len())
                    .map(|i| format!("(${i})"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let sql = format!(
                    "SELECT pg_advisory_xact_lock(hashtext(v.s)) FROM (VALUES {values}) AS v(s) \
                     ORDER BY hashtext(v.s)"
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
                for s in chunk {
                    query = query.bind(*s);
                }
                query.fetch_all(&mut *tx).await?;
            }
        }
        Ok(WriteTx {
            tx,
            _writer: writer,
        })
    }

    /// Closes the pool (waits for connections to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Placeholders for `count` values numbered from `first`: `$first, ...` on PostgreSQL, `?, ...` on
    /// SQLite (positional; sqlx's SQLite driver looks numbered ones up one by one, quadratic in long lists).
    fn placeholders(&self, first: usize, count: usize) -> String {
        (first..first + count)
            .map(|i| match self.backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${i}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Placeholders for `rows` tuples of `width` values each, numbered from 1: `(?, ?), (?, ?)` on SQLite,
    /// `($1, $2), ($3, $4)` on PostgreSQL (for multi-row `VALUES`).
    fn row_placeholders(&self, rows: usize, width: usize) -> String {
        (0..rows)
            .map(|i| format!("({})", self.placeholders(i * width + 1, width)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}
