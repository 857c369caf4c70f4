//! Group commit for sends. Every send waits in one queue; a single task takes whatever has
//! queued up (while the previous batch was being written, so nobody waits on purpose), writes
//! the batch in one transaction and commits once. That task has a thread and runtime of its own:
//! on the server's runtime each of its calls to SQLite's thread woke it behind the HTTP tasks
//! queued there, and under load the writer — the one serial part — waited for them (BENCHMARKS.md,
//! sixteenth round). A second task flushes the log to disk — one
//! fsync for every batch committed since its last, while the writer goes on with the next
//! (`store::durable`) — and only then publishes the events and answers, batch by batch in commit
//! order. Nothing is acknowledged before it is on disk: if the commit fails, or the process dies
//! before the flush, every send of the batch fails or is never answered, and a retry with the
//! same `clientMsgId` is recognised.
//!
//! Each send is checked before anything of it is written, by reads only (`messages::check_in`),
//! so a refused send changes nothing and needs no savepoint of its own; writing a checked send
//! can fail only with the database, and then the whole batch fails (nothing of it is
//! acknowledged; every sender is told to send again).
//!
//! Under overload the queue does not grow into a standing one: a send that would wait longer
//! than `max_send_wait` for the writer (the sends ahead of it at the writer's recent pace) is
//! answered 503 with `Retry-After` at once, and written nothing. Without this, every send taken
//! waited behind ~1,000 others (~300 ms at 5,000 sends/s offered on two cores); with it, those
//! taken are delivered within tens of milliseconds and the rest are told to send again (the app's
//! outbox does). A burst of up to [`ALWAYS_TAKEN`] waiting sends is never turned away.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use confab_api::{Id, Message, SendMessageRequest};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::messages::{to_api, Checked, Known, Plan};
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::durable::{self, Committed};
use crate::store::{pinning, Backend, Conn};
use crate::AppState;

/// Sends written per transaction at most (bounds a batch's time and memory).
pub const MAX_BATCH: usize = 256;
/// Sends waiting at most; beyond it a sender waits for room (back-pressure, bounded memory).
const QUEUE: usize = 4096;
/// Sends waiting below this many are taken whatever the expected wait: a burst is not an overload
/// (and a server's first batch has no pace measured yet).
pub const ALWAYS_TAKEN: usize = 64;

type Answer = AppResult<(Message, bool)>;

struct Job {
    me: Id,
    req: SendMessageRequest,
    reply: oneshot::Sender<Answer>,
}

pub struct SendQueue {
    tx: mpsc::Sender<Job>,
    /// Taken by the writing task when the server starts.
    rx: Mutex<Option<mpsc::Receiver<Job>>>,
    /// The writer's recent time per send, in nanoseconds (a moving average over batches).
    pace_ns: AtomicU64,
    /// Sends of the batch being written.
    writing: AtomicUsize,
    max_wait: Duration,
}

impl SendQueue {
    pub fn new(max_wait: Duration) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        SendQueue { tx, rx: Mutex::new(Some(rx)), pace_ns: AtomicU64::new(0), writing: AtomicUsize::new(0), max_wait }
    }

    /// Sends queued and not yet taken by the writer.
    pub fn waiting(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Sends of the batch the writer is writing (0 between batches).
    pub fn writing(&self) -> usize {
        self.writing.load(Ordering::Relaxed)
    }

    pub async fn submit(&self, me: Id, req: SendMessageRequest) -> Answer {
        let waiting = self.waiting();
        if too_long_a_wait(waiting, self.pace_ns.load(Ordering::Relaxed), self.max_wait) {
            metrics::counter!(crate::metrics::SENDS_TURNED_AWAY).increment(1);
            return Err(AppError::unavailable("the server is busy; send again in a moment", 1));
        }
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { me, req, reply }).await.map_err(|_| stopping())?;
        answer.await.map_err(|_| stopping())?
    }
}

/// Whether a send joining `waiting` others would wait longer than `max_wait` for the writer,
/// at `pace_ns` per send.
fn too_long_a_wait(waiting: usize, pace_ns: u64, max_wait: Duration) -> bool {
    waiting >= ALWAYS_TAKEN && Duration::from_nanos(pace_ns.saturating_mul(waiting as u64)) > max_wait
}

/// The writer's pace after a batch of `sends` took `took`: a moving average, an eighth of the way
/// towards the batch's own pace (one slow batch does not close the door).
fn next_pace(pace_ns: u64, took: Duration, sends: usize) -> u64 {
    let this = u64::try_from(took.as_nanos() / sends.max(1) as u128).unwrap_or(u64::MAX);
    if pace_ns == 0 {
        return this;
    }
    pace_ns - pace_ns / 8 + this / 8
}

fn stopping() -> AppError {
    AppError::unavailable("the server is stopping; send again", 1)
}

/// What a committed batch releases once it is on disk: its events and its senders' answers.
struct Release {
    outbox: Outbox,
    answers: Vec<(oneshot::Sender<Answer>, Answer)>,
}

/// Starts the task that writes sends, and the one that flushes them and then publishes and
/// answers, batch by batch in commit order (once per server).
pub fn spawn(state: AppState) {
    let hub = state.hub.clone();
    let committed = durable::start(state.store.durability.clone(), move |Release { outbox, answers }| {
        hub.publish(outbox);
        for (reply, answer) in answers {
            // The sender may have gone (closed connection); the message is sent all the same.
            let _ = reply.send(answer);
        }
    });
    let pin = state.config.pin_writer && state.store.backend() == Backend::Sqlite;
    let writer = move |mut cpu: OnCpu| async move {
        let Some(mut rx) = state.sends.rx.lock().await.take() else { return };
        cpu.follow(state.store.write_thread());
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            cpu.follow(state.store.write_thread());
            let (started, sends) = (Instant::now(), batch.len());
            state.sends.writing.store(sends, Ordering::Relaxed);
            let done = write_batch(&state, &mut batch).await;
            state.sends.writing.store(0, Ordering::Relaxed);
            let pace = next_pace(state.sends.pace_ns.load(Ordering::Relaxed), started.elapsed(), sends);
            state.sends.pace_ns.store(pace, Ordering::Relaxed);
            if committed.send(done).await.is_err() {
                return;
            }
        }
    };
    // The writer stops with the server's runtime: a task there holds `stop` until it is dropped.
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _stop = stop;
        std::future::pending::<()>().await
    });
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("the writer's runtime");
    std::thread::Builder::new()
        .name("confab-writer".into())
        .spawn(move || {
            let cpu = OnCpu::new(pin);
            runtime.block_on(async {
                tokio::select! {
                    () = writer(cpu) => {}
                    _ = stopped => {}
                }
            })
        })
        .expect("the writer's thread");
}

/// The writer's thread and the writer connection's SQLite thread on one CPU (see
/// `store::pinning`), when asked for and there is more than one CPU. The writer goes there, and
/// stops preempting, only once its SQLite thread is known and there too: alone it would only
/// have fewer CPUs to run on.
struct OnCpu {
    cpu: Option<usize>,
    /// The SQLite thread put on it last.
    thread: Option<i32>,
    /// Whether the writer's own thread is there.
    writer: bool,
}

impl OnCpu {
    fn new(pin: bool) -> OnCpu {
        OnCpu { cpu: pin.then(pinning::shared_cpu).flatten(), thread: None, writer: false }
    }

    /// Puts the writer connection's SQLite thread on the shared CPU, once per thread (a
    /// connection opened again has a new one), and the calling thread, the writer's, with it.
    fn follow(&mut self, thread: Option<i32>) {
        let Some(cpu) = self.cpu else { return };
        if thread == self.thread {
            return;
        }
        self.thread = thread;
        if let Some(tid) = thread.filter(|&tid| pinning::pin(tid, cpu)) {
            if !self.writer && pinning::pin(0, cpu) {
                self.writer = true;
                let batch = pinning::not_preempting();
                // Debug: at the default level the first line the server prints is its address.
                tracing::debug!(
                    "the database writer and its SQLite thread ({tid}) run on CPU {cpu} (not preempting: {batch})"
                );
            }
        }
    }
}

/// Writes the batch (emptying it), ready to be flushed and answered.
async fn write_batch(state: &AppState, batch: &mut Vec<Job>) -> Committed<Release> {
    metrics::histogram!(crate::metrics::SEND_BATCH).record(batch.len() as f64);
    let (sends, replies): (Vec<(Id, SendMessageRequest)>, Vec<oneshot::Sender<Answer>>) =
        batch.drain(..).map(|Job { me, req, reply }| ((me, req), reply)).unzip();
    let mut answers: Vec<Option<Answer>> = sends.iter().map(|_| None).collect();
    let outbox = match write_sends(state, &sends, &mut answers).await {
        Ok(outbox) => outbox,
        Err(e) => {
            // Nothing of the batch is on disk: none of it may be acknowledged, and the sends not
            // reached yet (the batch stopped early) fail too.
            tracing::error!("a batch of sends failed to commit: {}", e.message);
            for answer in answers.iter_mut().filter(|a| !matches!(a, Some(Err(_)))) {
                *answer = Some(Err(AppError::internal()));
            }
            Outbox::default()
        }
    };
    let ticket = state.store.durability.last_taken();
    let wrote = answers.iter().any(|a| matches!(a, Some(Ok((_, true)))));
    let answers = replies
        .into_iter()
        .zip(answers)
        .map(|(reply, a)| (reply, a.unwrap_or_else(|| Err(AppError::internal()))))
        .collect();
    Committed { ticket, wrote, payload: Release { outbox, answers } }
}

/// Checks and writes `sends` in one transaction, filling in `answers` (same order) as it goes;
/// on an error nothing of it is committed (the caller fails every send). The commit does not
/// wait for the disk where the store can flush later ([`Durability`]); it takes a ticket just
/// before it, for the batch's release.
///
/// [`Durability`]: crate::store::durable::Durability
async fn write_sends(
    state: &AppState,
    sends: &[(Id, SendMessageRequest)],
    answers: &mut [Option<Answer>],
) -> AppResult<Outbox> {
    let mut conn = state.store.batch_writer().await?;
    let deferred = state.store.durability.deferred();
    write_and_commit(state, &mut conn, deferred, sends, answers).await
}

/// [`write_sends`]'s transaction.
async fn write_and_commit(
    state: &AppState,
    conn: &mut Conn,
    deferred: bool,
    sends: &[(Id, SendMessageRequest)],
    answers: &mut [Option<Answer>],
) -> AppResult<Outbox> {
    let started = std::time::Instant::now();
    let mut tx = crate::store::begin_deferred(conn, deferred).await?;
    let mut known = Known::ask(&mut tx, sends.iter().map(|(me, req)| (*me, req))).await?;
    let mut search = crate::store::search::Pending::default();
    let mut outbox = Outbox::default();
    // Checked sends not written yet (with their place in `sends`): written together.
    let mut checked: Vec<(usize, (Id, Plan))> = Vec::new();
    for (i, (me, req)) in sends.iter().enumerate() {
        // A send naming the `clientMsgId` of one checked but not written yet needs that one's
        // row to tell a retry from a conflict.
        if checked.iter().any(|(_, (sender, plan))| sender == me && plan.shares_client_msg_id(req)) {
            write_checked(state, &mut tx, &mut checked, &mut known, &mut search, &mut outbox, answers).await?;
        }
        answers[i] = match super::messages::check_in(&mut tx, &known, *me, req).await {
            // Refused (or a read failed): nothing of it was written.
            Err(e) => Some(Err(e)),
            Ok(Checked::Retry(row)) => Some(Ok((to_api(state, &row), false))),
            Ok(Checked::New(plan)) => {
                checked.push((i, (*me, plan)));
                None
            }
        };
    }
    write_checked(state, &mut tx, &mut checked, &mut known, &mut search, &mut outbox, answers).await?;
    // The batch's search entries in one statement (see `search::Pending`).
    search.write(&mut tx).await?;
    // Readers may see the batch from the commit on: the ticket comes first.
    state.store.durability.take();
    tx.commit().await?;
    metrics::histogram!(crate::metrics::COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
    let new = answers.iter().filter(|a| matches!(a, Some(Ok((_, true))))).count();
    metrics::counter!(crate::metrics::SENDS).increment(new as u64);
    Ok(outbox)
}

/// Writes the checked sends (emptying `checked`) and records their answers.
async fn write_checked(
    state: &AppState,
    tx: &mut Conn,
    checked: &mut Vec<(usize, (Id, Plan<'_>))>,
    known: &mut Known,
    search: &mut crate::store::search::Pending,
    outbox: &mut Outbox,
    answers: &mut [Option<Answer>],
) -> AppResult<()> {
    let (places, plans): (Vec<usize>, Vec<(Id, Plan)>) = checked.drain(..).unzip();
    if plans.is_empty() {
        return Ok(());
    }
    let written = super::messages::write_many(state, tx, &plans, search).await?;
    for (i, (message, events, written)) in places.into_iter().zip(written) {
        known.wrote(written);
        outbox.extend(events);
        answers[i] = Some(Ok((message, true)));
    }
    Ok(())
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod on_cpu {
    use super::{pinning, OnCpu};

    /// The writer moves to the shared CPU, and stops preempting, only with its SQLite thread.
    #[test]
    fn the_writer_goes_to_the_shared_cpu_only_with_its_sqlite_thread() {
        // A thread standing for the SQLite one, and one for the writer (the test's own is left as
        // it is).
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let sqlite = std::thread::spawn(move || {
            // SAFETY: a plain call.
            tid_tx.send(unsafe { libc::gettid() }).unwrap();
            let _ = stop_rx.recv();
        });
        let tid = tid_rx.recv().unwrap();
        std::thread::spawn(move || {
            let all = pinning::cpus_of(0).unwrap();
            // SAFETY (each): a plain call on the calling thread.
            let policy = || unsafe { libc::sched_getscheduler(0) };
            let mut on = OnCpu::new(true);
            let Some(cpu) = on.cpu else {
                assert_eq!(all.len(), 1, "a CPU is shared when there are two or more");
                return;
            };
            on.follow(None);
            assert_eq!((on.writer, pinning::cpus_of(0).unwrap(), policy()), (false, all.clone(), libc::SCHED_OTHER));
            on.follow(Some(tid));
            assert!(on.writer);
            assert_eq!(pinning::cpus_of(0).unwrap(), vec![cpu]);
            assert_eq!(pinning::cpus_of(tid).unwrap(), vec![cpu]);
            assert_eq!(policy(), libc::SCHED_BATCH);
            let off = OnCpu::new(false);
            assert_eq!(off.cpu, None, "not asked for: nothing moves");
        })
        .join()
        .unwrap();
        stop_tx.send(()).unwrap();
        sqlite.join().unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::{next_pace, too_long_a_wait, ALWAYS_TAKEN};
    use std::time::Duration;

    #[test]
    fn a_burst_is_taken_and_a_standing_queue_is_not() {
        let max = Duration::from_millis(20);
        // 0.2 ms a send: 100 waiting is 20 ms, the limit itself.
        assert!(!too_long_a_wait(100, 200_000, max));
        assert!(too_long_a_wait(101, 200_000, max));
        // Below the floor every send is taken, however slow the writer.
        assert!(!too_long_a_wait(ALWAYS_TAKEN - 1, 50_000_000, max));
        assert!(too_long_a_wait(ALWAYS_TAKEN, 50_000_000, max));
        // No pace measured yet: nothing is turned away.
        assert!(!too_long_a_wait(4000, 0, max));
        // A limit of zero turns away every send beyond the floor once a pace is known.
        assert!(too_long_a_wait(ALWAYS_TAKEN, 1, Duration::ZERO));
        assert!(!too_long_a_wait(usize::MAX, u64::MAX, Duration::MAX), "no overflow");
    }

    #[test]
    fn the_pace_follows_batches_by_an_eighth() {
        let ms = Duration::from_millis;
        assert_eq!(next_pace(0, ms(2), 10), 200_000, "the first batch sets it");
        assert_eq!(next_pace(200_000, ms(2), 10), 200_000);
        // One batch eight times slower moves it by less than double.
        assert_eq!(next_pace(200_000, ms(16), 10), 375_000);
        assert_eq!(next_pace(200_000, ms(0), 0), 175_000, "an empty batch counts as one");
    }
}
