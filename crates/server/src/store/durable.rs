//! Commits whose flush to disk happens after the commit, beside the next one (SQLite).
//!
//! With `synchronous = FULL` SQLite flushes the write-ahead log inside each commit, and the
//! single writer waits for the disk (~2 ms here) before it can write the next batch. A batch of
//! sends instead commits with `synchronous = NORMAL` (no flush), and the send queue's flusher
//! (`service::send_queue`) flushes the log itself — one `fdatasync` for every batch committed
//! since the last — while the writer goes on with the next batch. Nothing changes for what is
//! acknowledged: a batch's senders are answered, and its events published, only after a flush
//! that began after its commit. This is PostgreSQL's and InnoDB's group commit, where the log
//! flush is not the writer's.
//!
//! In between, a committed batch is visible to readers. Each batch takes a ticket before it
//! commits, and is released (flushed, published, answered) in ticket order; [`Durability::settled`]
//! waits until every batch that could have been read is released. The writer's other users and
//! the event log's readers wait for it, so no event is published or sent out before the events
//! numbered before it, and none before it is on disk.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::{mpsc, watch};

pub struct Durability {
    /// The write-ahead log (SQLite); `None` when commits flush themselves (PostgreSQL).
    log: Option<PathBuf>,
    /// Tickets handed out: batches committed or about to commit.
    taken: AtomicU64,
    /// Every ticket up to this one is released.
    released: watch::Sender<u64>,
}

impl Durability {
    pub fn new(log: Option<PathBuf>) -> Durability {
        Durability { log, taken: AtomicU64::new(0), released: watch::Sender::new(0) }
    }

    /// Whether commits leave their flush to [`Durability::flush`] (`synchronous = NORMAL`).
    pub fn deferred(&self) -> bool {
        self.log.is_some()
    }

    /// A ticket for a batch about to commit (taken in commit order, by the writer's holder,
    /// before the commit can be seen).
    pub fn take(&self) -> u64 {
        self.taken.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// The last ticket taken. Only the send queue's writer takes tickets, a batch at a time: after
    /// a batch it is that batch's, or the one before's if it failed before its commit (releasing
    /// that again changes nothing).
    pub fn last_taken(&self) -> u64 {
        self.taken.load(Ordering::SeqCst)
    }

    /// The batch of `ticket` (and, in order, every one before it) is released.
    pub fn release(&self, ticket: u64) {
        self.released.send_if_modified(|released| {
            let moved = ticket > *released;
            *released = (*released).max(ticket);
            moved
        });
    }

    /// Waits until every batch that committed (or began to) before this call is released.
    pub async fn settled(&self) {
        let taken = self.last_taken();
        if *self.released.borrow() >= taken {
            return;
        }
        let mut released = self.released.subscribe();
        // The sender lives as long as `self`.
        let _ = released.wait_for(|r| *r >= taken).await;
    }

    /// Flushes the write-ahead log to disk: everything committed before the call is then on disk.
    /// Blocking (call it off the async workers). The log is opened each time: SQLite removes it
    /// when its last connection closes, and a file kept open would then be the wrong one (and a
    /// log that is not there was folded into the database file, and flushed, first).
    pub fn flush(&self) -> std::io::Result<()> {
        let Some(log) = &self.log else { return Ok(()) };
        match std::fs::File::open(log) {
            Ok(file) => file.sync_data(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        }
    }
}

/// A batch that committed (or failed to), waiting to be released with its `payload`.
pub struct Committed<T> {
    pub ticket: u64,
    /// Whether it wrote anything (a batch of retries or refusals has nothing to flush).
    pub wrote: bool,
    pub payload: T,
}

/// Committed batches waiting for their flush at most; beyond it the writer waits.
pub const UNFLUSHED: usize = 64;

/// Releases committed batches in the order they arrive (ticket order): takes all that are
/// waiting, flushes once if any of them wrote (`flush`: blocking, run off the async workers; the
/// flush began after their commits, so it covers them), then hands each payload to `release` and
/// marks its ticket released. Runs until `committed` closes; stops at a failed flush, releasing
/// nothing more (after a failed fsync the kernel may have dropped the pages and a later one
/// succeeds, so nothing more may be acknowledged: PostgreSQL stops too).
pub async fn flush_and_release<T>(
    durability: &Durability,
    mut committed: mpsc::Receiver<Committed<T>>,
    flush: impl Fn() -> std::io::Result<()> + Clone + Send + 'static,
    mut release: impl FnMut(T),
) -> std::io::Result<()> {
    let mut done = Vec::with_capacity(UNFLUSHED);
    while committed.recv_many(&mut done, UNFLUSHED).await > 0 {
        if durability.deferred() && done.iter().any(|c| c.wrote) {
            let started = Instant::now();
            let flush = flush.clone();
            tokio::task::spawn_blocking(flush).await.map_err(std::io::Error::other)??;
            metrics::histogram!(crate::metrics::FLUSH_SECONDS).record(started.elapsed().as_secs_f64());
        }
        for Committed { ticket, payload, .. } in done.drain(..) {
            release(payload);
            durability.release(ticket);
        }
    }
    Ok(())
}

/// Starts [`flush_and_release`] with the store's flush: a channel for the writer's batches.
pub fn start<T: Send + 'static>(
    durability: Arc<Durability>,
    release: impl FnMut(T) + Send + 'static,
) -> mpsc::Sender<Committed<T>> {
    let (tx, rx) = mpsc::channel(UNFLUSHED);
    tokio::spawn(async move {
        let d = durability.clone();
        if let Err(e) = flush_and_release(&durability, rx, move || d.flush(), release).await {
            tracing::error!(
                "flushing the write-ahead log failed ({e}); stopping so that nothing unflushed is acknowledged"
            );
            std::process::abort();
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::{flush_and_release, Committed, Durability};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;
    use tokio::sync::mpsc;

    struct Flusher {
        d: Arc<Durability>,
        tx: mpsc::Sender<Committed<u64>>,
        /// Lets one flush finish.
        go: std::sync::mpsc::SyncSender<()>,
        task: tokio::task::JoinHandle<std::io::Result<()>>,
    }

    /// The flusher with a flush that waits for the test's go-ahead and logs what happened.
    fn flusher(log: &Arc<Mutex<Vec<String>>>) -> Flusher {
        let d = Arc::new(Durability::new(Some("unused".into())));
        let (tx, rx) = mpsc::channel(super::UNFLUSHED);
        let (go, gate) = std::sync::mpsc::sync_channel::<()>(16);
        let gate = Arc::new(Mutex::new(gate));
        let (flush_log, release_log) = (log.clone(), log.clone());
        let flush = move || {
            flush_log.lock().unwrap().push("flush started".to_string());
            gate.lock().unwrap().recv().map_err(std::io::Error::other)?;
            flush_log.lock().unwrap().push("flushed".to_string());
            Ok(())
        };
        let task = tokio::spawn({
            let d = d.clone();
            async move {
                flush_and_release(&d, rx, flush, |n| release_log.lock().unwrap().push(format!("released {n}"))).await
            }
        });
        Flusher { d, tx, go, task }
    }

    async fn until(log: &Arc<Mutex<Vec<String>>>, entries: usize) {
        for _ in 0..200 {
            if log.lock().unwrap().len() >= entries {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("only {:?}", log.lock().unwrap());
    }

    #[tokio::test]
    async fn nothing_is_released_before_a_flush_that_began_after_its_commit() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let Flusher { d, tx, go, task } = flusher(&log);
        let first = d.take();
        tx.send(Committed { ticket: first, wrote: true, payload: 1 }).await.unwrap();
        until(&log, 1).await;
        // Committed while the first flush runs: that flush may not cover it.
        let second = d.take();
        tx.send(Committed { ticket: second, wrote: true, payload: 2 }).await.unwrap();
        let third = d.take();
        tx.send(Committed { ticket: third, wrote: false, payload: 3 }).await.unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(*log.lock().unwrap(), ["flush started"], "nothing released while the disk is busy");
        go.send(()).unwrap();
        until(&log, 4).await;
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert_eq!(
            *log.lock().unwrap(),
            ["flush started", "flushed", "released 1", "flush started"],
            "the second waits for a flush of its own; the third (nothing written) waits behind it"
        );
        go.send(()).unwrap();
        until(&log, 7).await;
        assert_eq!(log.lock().unwrap()[4..], ["flushed", "released 2", "released 3"]);
        tokio::time::timeout(Duration::from_secs(1), d.settled()).await.expect("all released");
        drop(tx);
        task.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_failed_flush_releases_nothing_more() {
        let d = Arc::new(Durability::new(Some("unused".into())));
        let (tx, rx) = mpsc::channel(4);
        let released = Arc::new(Mutex::new(Vec::new()));
        let r = released.clone();
        let task = tokio::spawn({
            let d = d.clone();
            async move {
                flush_and_release(
                    &d,
                    rx,
                    || Err(std::io::Error::other("disk gone")),
                    |n: u64| r.lock().unwrap().push(n),
                )
                .await
            }
        });
        tx.send(Committed { ticket: d.take(), wrote: true, payload: 1 }).await.unwrap();
        assert!(task.await.unwrap().is_err(), "the failure is reported");
        assert!(released.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn settled_waits_for_every_ticket_taken_before_it_and_no_later_one() {
        let d = Arc::new(Durability::new(None));
        d.settled().await; // nothing taken: at once
        let first = d.take();
        let second = d.take();
        let waiting = tokio::spawn({
            let d = d.clone();
            async move { d.settled().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "nothing released yet");
        d.release(first);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished(), "the second batch is not released");
        // A batch taken after the wait began is not waited for.
        let _third = d.take();
        d.release(second);
        tokio::time::timeout(Duration::from_secs(1), waiting).await.expect("settled").unwrap();
    }

    #[tokio::test]
    async fn release_never_moves_back() {
        let d = Durability::new(None);
        let (a, b) = (d.take(), d.take());
        d.release(b);
        d.release(a);
        tokio::time::timeout(Duration::from_secs(1), d.settled()).await.expect("both released");
    }

    #[test]
    fn flush_finds_the_log_or_knows_there_is_none() {
        let dir = std::env::temp_dir().join(format!("confab-durable-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("x.db-wal");
        let d = Durability::new(Some(log.clone()));
        assert!(d.deferred());
        d.flush().expect("no log yet: nothing to flush");
        std::fs::write(&log, b"frames").unwrap();
        d.flush().expect("flushed");
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(!Durability::new(None).deferred());
    }
}
