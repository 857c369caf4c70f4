//! The only place that knows the database. SQLite in WAL mode; one writer connection
//! (writes are serialised in-process, so no transaction ever waits on a lock upgrade)
//! and a small pool of readers.

pub mod assistant;
pub mod burn;
pub mod conversations;
pub mod edits;
pub mod events;
pub mod files;
pub mod groups;
pub mod messages;
pub mod reactions;
pub mod search;
pub mod users;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool};

pub type Conn = sqlx::SqliteConnection;

/// Starts a write transaction that holds the database's write lock from its first statement
/// (`BEGIN IMMEDIATE`). Several processes may share the file (a cluster on one machine); a
/// transaction that began by reading could otherwise fail to take the lock if another process
/// wrote in between, instead of waiting its turn.
pub async fn begin(conn: &mut Conn) -> sqlx::Result<sqlx::Transaction<'_, sqlx::Sqlite>> {
    use sqlx::Connection;
    conn.begin_with("BEGIN IMMEDIATE").await
}

#[derive(Clone)]
pub struct Store {
    read: SqlitePool,
    write: SqlitePool,
}

impl Store {
    pub async fn open(path: &Path) -> anyhow::Result<Store> {
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // An acknowledged message survives a crash or power cut, not only a clean stop.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            // Recalled text is overwritten on disk, not just unlinked from the b-tree.
            .pragma("secure_delete", "ON")
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new().max_connections(1).connect_with(options.clone()).await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        // Messages from before search existed: indexed once, a batch per transaction.
        let mut conn = write.acquire().await?;
        loop {
            let mut tx = begin(&mut conn).await?;
            let done = search::backfill(&mut tx, 2000).await?;
            tx.commit().await?;
            if done {
                break;
            }
        }
        drop(conn);
        let read = SqlitePoolOptions::new().max_connections(4).connect_with(options.read_only(true)).await?;
        Ok(Store { read, write })
    }

    /// A reader connection.
    pub async fn reader(&self) -> Result<PoolConnection<Sqlite>, sqlx::Error> {
        self.read.acquire().await
    }

    /// The writer connection. Hold it until the events of the change are published, so
    /// that each user's events reach the hub in sequence order.
    pub async fn writer(&self) -> Result<PoolConnection<Sqlite>, sqlx::Error> {
        self.write.acquire().await
    }

    /// Whether the database answers (readiness).
    pub async fn check(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Folds the write-ahead log into the database file and empties it, so that erased
    /// content leaves no old copy behind in the log.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.write).await?;
        Ok(())
    }

    pub async fn close(&self) {
        let _ = self.checkpoint().await;
        self.read.close().await;
        self.write.close().await;
    }
}
