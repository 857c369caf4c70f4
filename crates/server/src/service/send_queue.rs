//! Group commit for sends. Every send waits in one queue; a single task takes whatever has
//! queued up (while the previous batch was being written, so nobody waits on purpose), writes
//! the batch in one transaction, commits once — one fsync for the batch — and only then
//! publishes the events and answers. Nothing is acknowledged before it is on disk: if the
//! commit fails, or the process dies before it, every send of the batch fails or is never
//! answered, and a retry with the same `clientMsgId` is recognised.
//!
//! Each send is checked before anything of it is written, by reads only (`messages::check_in`),
//! so a refused send changes nothing and needs no savepoint of its own; writing a checked send
//! can fail only with the database, and then the whole batch fails (nothing of it is
//! acknowledged; every sender is told to send again).

use confab_api::{Id, Message, SendMessageRequest};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::messages::{to_api, Checked, Known};
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::AppState;

/// Sends written per transaction at most (bounds a batch's time and memory).
pub const MAX_BATCH: usize = 256;
/// Sends waiting at most; beyond it a sender waits for room (back-pressure, bounded memory).
const QUEUE: usize = 4096;

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
}

impl Default for SendQueue {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        SendQueue { tx, rx: Mutex::new(Some(rx)) }
    }
}

impl SendQueue {
    pub async fn submit(&self, me: Id, req: SendMessageRequest) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.tx.send(Job { me, req, reply }).await.map_err(|_| stopping())?;
        answer.await.map_err(|_| stopping())?
    }
}

fn stopping() -> AppError {
    AppError::unavailable("the server is stopping; send again", 1)
}

/// Starts the task that writes sends (once per server).
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        let Some(mut rx) = state.sends.rx.lock().await.take() else { return };
        let mut batch = Vec::with_capacity(MAX_BATCH);
        while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
            write_batch(&state, &mut batch).await;
        }
    });
}

/// Writes the batch (emptying it) and answers each sender.
async fn write_batch(state: &AppState, batch: &mut Vec<Job>) {
    let mut answers: Vec<(oneshot::Sender<Answer>, Answer)> = Vec::with_capacity(batch.len());
    let mut outbox = Outbox::default();
    let started = std::time::Instant::now();
    metrics::histogram!(crate::metrics::SEND_BATCH).record(batch.len() as f64);
    let mut jobs = batch.drain(..);
    let result: AppResult<()> = async {
        let mut conn = state.store.writer().await?;
        let mut tx = crate::store::begin(&mut conn).await?;
        let mut known = Known::ask(&mut tx, jobs.as_slice().iter().map(|j| (j.me, &j.req))).await?;
        for Job { me, req, reply } in jobs.by_ref() {
            match super::messages::check_in(&mut tx, &known, me, &req).await {
                // Refused (or a read failed): nothing of it was written.
                Err(e) => answers.push((reply, Err(e))),
                Ok(Checked::Retry(row)) => answers.push((reply, Ok((to_api(state, &row), false)))),
                Ok(Checked::New(plan)) => match super::messages::write(state, &mut tx, me, plan).await {
                    Ok((message, events, written)) => {
                        known.wrote(written);
                        outbox.extend(events);
                        answers.push((reply, Ok((message, true))));
                    }
                    Err(e) => {
                        answers.push((reply, Err(AppError::internal())));
                        return Err(e.into());
                    }
                },
            }
        }
        tx.commit().await?;
        metrics::histogram!(crate::metrics::COMMIT_SECONDS).record(started.elapsed().as_secs_f64());
        let new = answers.iter().filter(|(_, a)| matches!(a, Ok((_, true)))).count();
        metrics::counter!(crate::metrics::SENDS).increment(new as u64);
        // Published while the writer is still held, so each person's events reach the hub in
        // sequence order.
        state.hub.publish(std::mem::take(&mut outbox));
        Ok(())
    }
    .await;
    if let Err(e) = result {
        // Nothing of the batch is on disk: none of it may be acknowledged.
        tracing::error!("a batch of sends failed to commit: {}", e.message);
        for (_, answer) in answers.iter_mut().filter(|(_, a)| a.is_ok()) {
            *answer = Err(AppError::internal());
        }
        // Sends not reached yet (the batch stopped early) are failed too.
        for job in jobs {
            answers.push((job.reply, Err(AppError::internal())));
        }
    }
    for (reply, answer) in answers {
        // The sender may have gone (closed connection); the message is sent all the same.
        let _ = reply.send(answer);
    }
}
