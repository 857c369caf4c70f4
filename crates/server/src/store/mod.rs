//! The only place that knows the database: SQLite in WAL mode by default, PostgreSQL when
//! given a URL (several instances sharing it). Either way one writer connection per process
//! (writes are serialised in-process, and across processes by the database's write lock, so
//! no transaction waits on a lock upgrade or deadlocks) and a small pool of readers.

pub mod assistant;
pub mod burn;
pub mod conversations;
pub mod durable;
pub mod edits;
pub mod events;
pub mod files;
pub mod groups;
pub mod messages;
pub mod pinning;
pub mod reactions;
pub mod search;
pub mod users;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyTypeInfo, AnyValueRef};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor};

/// A connection to either database. Queries are written once, in the SQL both engines share
/// (numbered `$n` parameters, `ON CONFLICT`, `RETURNING`, `CASE`); where the two differ, the
/// store asks [`Backend::of`] and picks the statement.
pub type Conn = sqlx::AnyConnection;
/// A write transaction (see [`begin`]).
pub type Tx<'c> = sqlx::Transaction<'c, Any>;

/// Which engine is behind a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of(conn: &Conn) -> Backend {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// One lock for every writer of a PostgreSQL database (`pg_advisory_xact_lock`), held to the
/// end of the transaction: writes are serialised across instances as SQLite serialises them
/// across processes, so per-person sequence numbers are handed out in commit order and no
/// two transactions can deadlock over the rows they both number.
const PG_WRITE_LOCK: i64 = 0x636f_6e66_6162; // "confab"

/// Starts a write transaction that holds the database's write lock from its first statement.
/// SQLite: `BEGIN IMMEDIATE` (several processes may share the file; a transaction that began
/// by reading could otherwise fail to take the lock if another process wrote in between).
/// PostgreSQL: the advisory write lock above.
pub async fn begin(conn: &mut Conn) -> sqlx::Result<Tx<'_>> {
    match Backend::of(conn) {
        Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => {
            let mut tx = conn.begin().await?;
            lock_pg_writes(&mut tx).await?;
            Ok(tx)
        }
    }
}

/// [`begin`] for a batch whose commit leaves its flush to [`durable`] when `deferred`: SQLite
/// sets `synchronous = NORMAL` in the same call. Only on a connection from
/// [`Store::batch_writer`], which leaves the writer at NORMAL for the next batch; the next
/// [`Store::writer`] sets it back to FULL.
pub async fn begin_deferred(conn: &mut Conn, deferred: bool) -> sqlx::Result<Tx<'_>> {
    match (Backend::of(conn), deferred) {
        (Backend::Sqlite, true) => conn.begin_with("PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE").await,
        _ => begin(conn).await,
    }
}

/// [`begin`] on a pooled connection the transaction keeps (committing hands it back).
pub async fn begin_owned(conn: PoolConnection<Any>) -> sqlx::Result<Tx<'static>> {
    match Backend::of(&conn) {
        Backend::Sqlite => sqlx::Transaction::begin(conn, Some("BEGIN IMMEDIATE".into())).await,
        Backend::Postgres => {
            let mut tx = sqlx::Transaction::begin(conn, None).await?;
            lock_pg_writes(&mut tx).await?;
            Ok(tx)
        }
    }
}

/// Starts a read-only transaction whose statements all see one snapshot of the database.
/// SQLite: a deferred `BEGIN` (in WAL mode the first read fixes the snapshot). PostgreSQL:
/// `REPEATABLE READ` (its default gives each statement its own).
pub async fn begin_snapshot(conn: &mut Conn) -> sqlx::Result<Tx<'_>> {
    match Backend::of(conn) {
        Backend::Sqlite => conn.begin_with("BEGIN").await,
        Backend::Postgres => conn.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await,
    }
}

async fn lock_pg_writes(conn: &mut Conn) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(PG_WRITE_LOCK).execute(conn).await?;
    Ok(())
}

/// A true/false result (`EXISTS …`): SQLite gives an integer, PostgreSQL a boolean.
pub struct Flag(pub bool);

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <bool as sqlx::Type<Any>>::type_info()
    }
    fn compatible(ty: &AnyTypeInfo) -> bool {
        <bool as sqlx::Type<Any>>::compatible(ty) || <i64 as sqlx::Type<Any>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Flag, sqlx::error::BoxDynError> {
        match <i64 as sqlx::Decode<Any>>::decode(value.clone()) {
            Ok(n) => Ok(Flag(n != 0)),
            Err(_) => <bool as sqlx::Decode<Any>>::decode(value).map(Flag),
        }
    }
}

/// Most statements of one kind sent to SQLite in one call ([`messages::insert_new_many`],
/// [`events::append_messages`]). A list of each power of two up to it is prepared once and kept in
/// the connection's statement cache (7 per kind); [`list_chunks`] cuts a batch for them.
pub const LIST_MAX: usize = 64;

/// `items` in chunks of at most [`LIST_MAX`], each with the size of the list that takes it: the
/// power of two at or above its length (15 → a list of 16, 100 → 64 and 36 in a list of 64). The
/// list's statements past the chunk are bound to nothing (NULL) and change nothing: one call per
/// chunk, where a list for each power of two below it took one each (a call is two thread
/// switches, and costs more than a statement that finds nothing to do).
pub fn list_chunks<T>(items: &[T]) -> impl Iterator<Item = (&[T], usize)> {
    items.chunks(LIST_MAX).map(|chunk| (chunk, chunk.len().next_power_of_two()))
}

/// Which of [`statement_lists`]'s lists holds `k` statements (`k` a list size from [`list_chunks`]).
pub fn list_of(lists: &[String], k: usize) -> &str {
    &lists[k.ilog2() as usize]
}

/// A query whose parameters are bound one by one.
pub(crate) type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments<'q>>;

/// Binds the parameters of a list's statements past its chunk — `params` each for `list - chunk`
/// statements (see [`list_chunks`]) — to NULL, with which they change nothing.
pub(crate) fn bind_padding(mut query: AnyQuery<'_>, chunk: usize, list: usize, params: usize) -> AnyQuery<'_> {
    for _ in 0..(list - chunk) * params {
        query = query.bind(None::<i64>);
    }
    query
}

/// `sql` with every parameter `$n` renumbered `$(n + by)`: the same statement further along a
/// list of statements sent as one call (sqlx numbers the parameters across the whole list).
/// For the store's own statements, which have no `$` in a literal.
pub fn shift_params(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + by).to_string()),
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// The lists of [`list_chunks`]'s sizes, 1, 2, 4, … [`LIST_MAX`] statements: `one(0)`, `one(1)`,
/// … each with its parameters shifted past those before it (`params` each, see [`shift_params`]).
/// Pick one with [`list_of`].
pub fn statement_lists(params: usize, one: impl Fn(usize) -> String) -> Vec<String> {
    let mut lists = Vec::new();
    let mut list = String::new();
    for k in 0..LIST_MAX {
        if k > 0 {
            list.push_str(";\n");
        }
        list.push_str(&shift_params(&one(k), k * params));
        if (k + 1).is_power_of_two() {
            lists.push(list.clone());
        }
    }
    lists
}

/// A value as one JSON parameter (for SQLite's `json_each`: a list of any length in one
/// statement that stays the same, so it is prepared once).
pub fn json_param(value: &impl serde::Serialize) -> sqlx::Result<String> {
    serde_json::to_string(value).map_err(|e| sqlx::Error::Encode(e.into()))
}

#[derive(Clone)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    /// SQLite: the connection of [`checkpoints`].
    checkpointer: Option<AnyPool>,
    backend: Backend,
    /// Send batches whose flush comes after their commit (see [`durable`]).
    pub durability: std::sync::Arc<durable::Durability>,
    /// Whether the writer may be at `synchronous = NORMAL`, as a batch of sends leaves it
    /// ([`Store::batch_writer`]); [`Store::writer`] sets FULL again before it hands it out.
    deferred_left: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// SQLite: the thread of the writer connection, when it was told apart (0: not known; see
    /// [`pinning`]).
    write_thread: std::sync::Arc<std::sync::atomic::AtomicI32>,
}

/// Settings of every SQLite connection: waits for another process's write rather than failing.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON;
    PRAGMA synchronous = FULL; PRAGMA secure_delete = ON;";

/// Write-ahead log frames (pages) after which the writer folds the log into the database file
/// itself (~41 MB of log): by then the [`checkpoints`] task has copied nearly all of them, and
/// what the writer's checkpoint buys is that the log starts again from its beginning.
const WRITER_CHECKPOINT_FRAMES: i64 = 10_000;
/// How often [`checkpoints`] looks while the log grows, and at most while it does not.
const CHECKPOINT_EVERY: (Duration, Duration) = (Duration::from_millis(50), Duration::from_secs(2));

/// Folds the write-ahead log into the database file, on a connection of its own, while the
/// writer goes on (a PASSIVE checkpoint takes no lock the writer or a reader waits for). With
/// SQLite's default the writer did it itself every 1,000 pages, in the middle of a commit that
/// senders were waiting for. The log starts again from its beginning at a commit that finds it
/// wholly folded in: when writes pause, or under steady writes (where a commit nearly always comes
/// first) after the writer's own checkpoint at [`WRITER_CHECKPOINT_FRAMES`]. Ends when the store
/// closes.
async fn checkpoints(pool: AnyPool) {
    let (busy, idle) = CHECKPOINT_EVERY;
    let mut pause = busy;
    // What the last checkpoint left: frames in the log, frames folded in.
    let mut last = (0, 0);
    loop {
        tokio::time::sleep(pause).await;
        if pool.is_closed() {
            return;
        }
        // (whether it was blocked, frames in the log, frames folded in).
        let done = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)").fetch_one(&pool).await;
        pause = match done {
            // The log changed since the last look (it grew, or started again): writes are
            // going on, so look again soon.
            Ok((_, log, folded)) if (log, folded) != last => {
                last = (log, folded);
                busy
            }
            Ok(_) => (pause * 2).min(idle),
            Err(e) => {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!("checkpoint failed: {e}");
                idle
            }
        };
    }
}

impl Store {
    /// SQLite in `data_dir` unless `database_url` names a PostgreSQL database.
    pub async fn open(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Store> {
        sqlx::any::install_default_drivers();
        let store = match database_url {
            Some(url) => Store::open_postgres(url).await?,
            None => Store::open_sqlite(&data_dir.join("confab.db")).await?,
        };
        // Messages and people from before their searches existed: indexed once, a batch per
        // transaction.
        let mut conn = store.write.acquire().await?;
        loop {
            let mut tx = begin(&mut conn).await?;
            let done = search::backfill(&mut tx, search::Index::Messages, 2000).await?
                & search::backfill(&mut tx, search::Index::Names, 2000).await?;
            tx.commit().await?;
            if done {
                break;
            }
        }
        Ok(store)
    }

    async fn open_sqlite(path: &Path) -> anyhow::Result<Store> {
        use std::sync::atomic::{AtomicI32, Ordering};
        let url = format!("sqlite://{}", path.display());
        let write_thread = std::sync::Arc::new(AtomicI32::new(0));
        let thread_of_writer = write_thread.clone();
        let write = AnyPoolOptions::new()
            .max_connections(1)
            // One connection for good, not closed when idle or old (sqlx's defaults, for database
            // servers): its statements stay prepared, and its thread stays the one told apart
            // (see `pinning`); only an error closes it.
            .idle_timeout(None)
            .max_lifetime(None)
            .after_connect(move |conn, _| {
                thread_of_writer.store(pinning::note_connection().unwrap_or(0), Ordering::Relaxed);
                Box::pin(async move {
                    // An acknowledged message survives a crash or power cut (synchronous FULL);
                    // recalled text is overwritten on disk, not just unlinked (secure_delete).
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute(SQLITE_PRAGMAS).await?;
                    // Checkpoints are the `checkpoints` task's (see there).
                    conn.execute(format!("PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_FRAMES}").as_str()).await?;
                    Ok(())
                })
            })
            .connect(&format!("{url}?mode=rwc"))
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        // Readers and the checkpoint task's connection: the settings alone.
        let with_pragmas = |max| {
            AnyPoolOptions::new().max_connections(max).after_connect(|conn, _| {
                // Noted, so that the writer connection's thread is told apart from theirs.
                pinning::note_connection();
                Box::pin(async move { conn.execute(SQLITE_PRAGMAS).await.map(|_| ()) })
            })
        };
        let read = with_pragmas(4).connect(&format!("{url}?mode=ro")).await?;
        let checkpointer = with_pragmas(1).connect(&url).await?;
        tokio::spawn(checkpoints(checkpointer.clone()));
        let log = path.with_file_name(format!("{}-wal", path.file_name().unwrap_or_default().to_string_lossy()));
        let durability = std::sync::Arc::new(durable::Durability::new(Some(log)));
        Ok(Store {
            read,
            write,
            checkpointer: Some(checkpointer),
            backend: Backend::Sqlite,
            durability,
            deferred_left: Default::default(),
            write_thread,
        })
    }

    async fn open_postgres(url: &str) -> anyhow::Result<Store> {
        use anyhow::Context;
        let connect =
            |max| AnyPoolOptions::new().max_connections(max).acquire_timeout(Duration::from_secs(10)).connect(url);
        let write = connect(1).await.context("cannot connect to the PostgreSQL database")?;
        // Two instances starting at once: the second waits for the first one's migrations.
        sqlx::migrate!("./migrations_pg").run(&write).await?;
        let read = connect(8).await?;
        let durability = std::sync::Arc::new(durable::Durability::new(None));
        Ok(Store {
            read,
            write,
            checkpointer: None,
            backend: Backend::Postgres,
            durability,
            deferred_left: Default::default(),
            write_thread: Default::default(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A reader connection.
    pub async fn reader(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        self.read.acquire().await
    }

    /// The writer connection. Hold it until the events of the change are published, so
    /// that each user's events reach the hub in sequence order. Given once every send batch
    /// committed before is flushed and published (see [`durable`]), so this change's events come
    /// after theirs.
    pub async fn writer(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        use std::sync::atomic::Ordering;
        let mut conn = self.write.acquire().await?;
        // Every write but a batch of sends flushes its own commit. Between batches the writer
        // stays at NORMAL, which saves the batch a call to the writer.
        if self.deferred_left.swap(false, Ordering::AcqRel) {
            if let Err(e) = conn.execute("PRAGMA synchronous = FULL").await {
                tracing::error!("the writer could not go back to synchronous = FULL; it is closed");
                self.deferred_left.store(true, Ordering::Release);
                conn.close_on_drop();
                return Err(e);
            }
        }
        self.durability.settled().await;
        Ok(conn)
    }

    /// The writer connection for a batch of sends, without waiting for the batches before it to
    /// be flushed: the send queue releases batches in order itself. A batch may leave it at
    /// `synchronous = NORMAL` ([`begin_deferred`]); the next [`Store::writer`] sets FULL again.
    pub async fn batch_writer(&self) -> Result<PoolConnection<Any>, sqlx::Error> {
        let conn = self.write.acquire().await?;
        if self.durability.deferred() {
            self.deferred_left.store(true, std::sync::atomic::Ordering::Release);
        }
        Ok(conn)
    }

    /// SQLite: the thread that runs the writer connection's statements, when it is known (see
    /// [`pinning`]).
    pub fn write_thread(&self) -> Option<i32> {
        Some(self.write_thread.load(std::sync::atomic::Ordering::Relaxed)).filter(|&t| t != 0)
    }

    /// Whether the database answers (readiness).
    pub async fn check(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Folds the write-ahead log into the database file and empties it, so that erased
    /// content leaves no old copy behind in the log. Waits (up to ~5 s) for a checkpoint already
    /// running — the [`checkpoints`] task's, or another process's on the same file: SQLite then
    /// answers "busy" at once, without waiting itself.
    pub async fn checkpoint(&self) -> Result<(), sqlx::Error> {
        if self.backend == Backend::Postgres {
            return Ok(());
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            // (whether it was blocked, frames in the log, frames folded in).
            let (busy, _, _): (i64, i64, i64) =
                sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&self.write).await?;
            if busy == 0 {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(sqlx::Error::Protocol("the write-ahead log stayed busy: not emptied".into()));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn close(&self) {
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.close().await;
        }
        let _ = self.checkpoint().await;
        self.read.close().await;
        self.write.close().await;
    }
}

/// What the store's own unit tests start from.
#[cfg(test)]
pub(crate) mod testing {
    use confab_api::Id;

    /// A store in a directory of its own (kept while the directory lives). Drop the connections
    /// taken from it before [`super::Store::close`], which waits for them.
    pub async fn store() -> (tempfile::TempDir, super::Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = super::Store::open(dir.path(), None).await.unwrap();
        (dir, store)
    }

    /// A SQLite database in a directory of its own, migrated up to (not including) migration
    /// `version`, as a server of an earlier release left it: fill it through the pool, close the
    /// pool, then open a [`super::Store`] on the directory to run the rest.
    pub async fn database_before(version: i64) -> (tempfile::TempDir, sqlx::AnyPool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("confab.db").display());
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(&url).await.unwrap();
        let mut before = sqlx::migrate!("./migrations");
        before.migrations = before.migrations.iter().filter(|m| m.version < version).cloned().collect();
        before.run(&pool).await.unwrap();
        (dir, pool)
    }

    /// How SQLite would run `sql`: the plan's steps, e.g. "SEARCH events USING INDEX …".
    pub async fn plan(conn: &mut super::Conn, sql: &str) -> Vec<String> {
        use sqlx::Row;
        let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(conn).await.unwrap();
        rows.iter().map(|r| r.get::<String, _>("detail")).collect()
    }

    /// A message by `sender` in `chat`: the text "hi", or carrying `file` when given.
    pub async fn message(conn: &mut super::Conn, chat: Id, sender: Id, file: Option<Id>) -> Id {
        sqlx::query_scalar(
            "INSERT INTO messages (conversation_id, sender_id, message_type, content, file_id, created_at)
             VALUES ($1, $2, CASE WHEN $3 IS NULL THEN 'text' ELSE 'file' END,
                     CASE WHEN $3 IS NULL THEN 'hi' ELSE '' END, $3, 0)
             RETURNING id",
        )
        .bind(chat)
        .bind(sender)
        .bind(file)
        .fetch_one(conn)
        .await
        .unwrap()
    }

    /// A person named `name` (no password: nobody signs in as them).
    pub async fn person(conn: &mut super::Conn, name: &str) -> Id {
        sqlx::query_scalar(
            "INSERT INTO users (user_name, display_name, password_hash, created_at) VALUES ($1, $1, '', 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(conn)
        .await
        .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::shift_params;

    #[test]
    fn shifting_renumbers_every_parameter_and_nothing_else() {
        assert_eq!(shift_params("SELECT $1, $12 WHERE a = $2", 13), "SELECT $14, $25 WHERE a = $15");
        assert_eq!(shift_params("SELECT $1 || '$'", 0), "SELECT $1 || '$'");
        assert_eq!(shift_params("no parameters", 5), "no parameters");
        assert_eq!(shift_params("$1$2", 1), "$2$3");
    }

    #[test]
    fn each_list_holds_a_power_of_two_of_statements_numbered_along_it() {
        let lists = super::statement_lists(2, |k| format!("S{k} $1 $2"));
        assert_eq!(lists.len(), 7, "1, 2, 4, … 64");
        assert_eq!(super::list_of(&lists, 1), "S0 $1 $2");
        assert_eq!(super::list_of(&lists, 4), "S0 $1 $2;\nS1 $3 $4;\nS2 $5 $6;\nS3 $7 $8");
        assert!(super::list_of(&lists, 64).ends_with(";\nS63 $127 $128"));
    }

    #[test]
    fn a_batch_is_cut_into_lists_of_a_power_of_two_in_order() {
        let sizes = |n: usize| {
            let items: Vec<usize> = (0..n).collect();
            let chunks: Vec<(&[usize], usize)> = super::list_chunks(&items).collect();
            assert_eq!(chunks.iter().map(|(c, _)| *c).collect::<Vec<_>>().concat(), items, "every item once, in order");
            for (chunk, list) in &chunks {
                assert!(list.is_power_of_two() && *list >= chunk.len() && *list < 2 * chunk.len().max(1));
            }
            chunks.iter().map(|(c, list)| (c.len(), *list)).collect::<Vec<_>>()
        };
        assert_eq!(sizes(0), []);
        assert_eq!(sizes(1), [(1, 1)]);
        assert_eq!(sizes(15), [(15, 16)]);
        assert_eq!(sizes(16), [(16, 16)]);
        assert_eq!(sizes(100), [(64, 64), (36, 64)]);
        assert_eq!(sizes(256), [(64, 64); 4]);
    }
}
