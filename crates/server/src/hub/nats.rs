//! The hub's bus between instances: NATS (`async-nats`). Every instance publishes the frames it
//! produces on `confab.u.{userId}` and subscribes to `confab.u.*`, delivering to the sockets it
//! holds — its own frames included, so there is one path whatever instance a person is on.
//! Order per person: events are numbered in the database and published by one task per
//! instance in commit order; a socket that sees a gap (two instances' frames crossing) re-reads
//! the log, which has everything.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use confab_api::Id;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::{Frame, Hub};

const SUBJECT_PREFIX: &str = "confab.u.";
/// Sign-outs: every instance closes the sockets of a revoked token or person.
const REVOKE_TOKEN: &str = "confab.revoke.token";
const REVOKE_USER: &str = "confab.revoke.user";
/// Sign-in attempts, `{instance} {account}`: each instance counts the others' against the
/// account's limit.
const LOGIN: &str = "confab.login";
/// "Does anyone hold a socket of this person?": only instances that do answer.
const WHO_HOLDS: &str = "confab.presence.ask";
/// How long to wait for such an answer.
const ASK_FOR: std::time::Duration = std::time::Duration::from_millis(250);

/// A sign-out every instance must carry out.
pub enum Revocation {
    Token(Vec<u8>),
    User(Id),
}
/// Frames waiting to go out at most; beyond it they are dropped (the log still has them, and a
/// socket that sees the gap reads it from there).
const OUTGOING: usize = 65_536;

pub struct Nats {
    client: async_nats::Client,
    outgoing: mpsc::Sender<(Id, Frame)>,
    /// This instance on the bus (its own sign-in attempts are counted where they happen).
    instance: String,
}

/// Answers "does anyone hold a socket of this person?" when this instance does.
async fn answer_presence(client: &async_nats::Client, hub: std::sync::Weak<Hub>) -> anyhow::Result<()> {
    let mut subscription = client.subscribe(WHO_HOLDS).await?;
    let client = client.clone();
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let Some(hub) = hub.upgrade() else { break };
            let user = std::str::from_utf8(&message.payload).ok().and_then(|u| u.parse::<Id>().ok());
            if let (Some(user), Some(reply)) = (user, message.reply) {
                if hub.is_online(user) {
                    let _ = client.publish(reply, "1".into()).await;
                }
            }
        }
    });
    Ok(())
}

async fn count_login_attempts(
    client: &async_nats::Client,
    instance: String,
    limits: Arc<crate::service::rate_limits::AccountLimits>,
) -> anyhow::Result<()> {
    let mut subscription = client.subscribe(LOGIN).await?;
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let text = std::str::from_utf8(&message.payload).unwrap_or_default();
            if let Some((from, account)) = text.split_once(' ') {
                if from != instance {
                    if let Ok(account) = account.parse() {
                        limits.count_elsewhere(account);
                    }
                }
            }
        }
    });
    Ok(())
}

/// Applies sign-outs that arrive from any instance (this one included).
async fn carry_out_revocations(client: async_nats::Client, hub: std::sync::Weak<Hub>) -> anyhow::Result<()> {
    let mut subscription = client.subscribe("confab.revoke.*").await?;
    tokio::spawn(async move {
        while let Some(message) = subscription.next().await {
            let Some(hub) = hub.upgrade() else { break };
            match message.subject.as_str() {
                REVOKE_TOKEN => hub.revoke_here(&message.payload),
                REVOKE_USER => {
                    if let Some(user) = std::str::from_utf8(&message.payload).ok().and_then(|u| u.parse().ok()) {
                        hub.revoke_user_here(user);
                    }
                }
                _ => {}
            }
        }
    });
    Ok(())
}

fn micros_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(0)
}

/// `{seq} {published, µs since the epoch}\n{event}`.
fn encode(frame: &Frame) -> bytes::Bytes {
    bytes::Bytes::from(format!("{} {}\n{}", frame.seq, micros_now(), frame.event))
}

/// The frame and how long ago (µs) it was published, from a payload.
fn decode(payload: &[u8]) -> Option<(Frame, u64)> {
    let text = std::str::from_utf8(payload).ok()?;
    let (head, event) = text.split_once('\n')?;
    let (seq, at) = head.split_once(' ')?;
    let frame = Frame { seq: seq.parse().ok()?, event: Arc::from(event), published: std::time::Instant::now() };
    Some((frame, micros_now().saturating_sub(at.parse().ok()?)))
}

impl Nats {
    /// Connects, and starts the publishing task and the task that delivers what arrives.
    pub async fn start(
        url: &str,
        hub: std::sync::Weak<Hub>,
        limits: Arc<crate::service::rate_limits::AccountLimits>,
    ) -> anyhow::Result<Nats> {
        let client = async_nats::ConnectOptions::new().name("confab-server").connect(url).await?;
        let mut subscription = client.subscribe(format!("{SUBJECT_PREFIX}*")).await?;
        carry_out_revocations(client.clone(), hub.clone()).await?;
        let instance = format!("{:016x}", rand::random::<u64>());
        count_login_attempts(&client, instance.clone(), limits).await?;
        answer_presence(&client, hub.clone()).await?;
        client.flush().await?;
        let (outgoing, mut rx) = mpsc::channel::<(Id, Frame)>(OUTGOING);
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((user, frame)) = rx.recv().await {
                if let Err(e) = publisher.publish(format!("{SUBJECT_PREFIX}{user}"), encode(&frame)).await {
                    tracing::warn!("could not publish to NATS: {e}");
                }
            }
        });
        tokio::spawn(async move {
            while let Some(message) = subscription.next().await {
                let Some(hub) = hub.upgrade() else { break };
                let user = message.subject.as_str().strip_prefix(SUBJECT_PREFIX).and_then(|u| u.parse::<Id>().ok());
                if let (Some(user), Some((frame, age_us))) = (user, decode(&message.payload)) {
                    metrics::histogram!(crate::metrics::BUS_SECONDS).record(age_us as f64 / 1e6);
                    hub.deliver_here(user, frame);
                }
            }
        });
        Ok(Nats { client, outgoing, instance })
    }

    /// Queues the frame for every instance (never blocks: called with the writer held).
    pub fn send(&self, user: Id, frame: Frame) {
        if self.outgoing.try_send((user, frame)).is_err() {
            tracing::warn!("NATS publishing is behind; a frame was left to the event log");
        }
    }

    /// Tells every instance to close the sockets of a token or a person. A sign-out must not
    /// wait behind a queue of frames, nor be dropped with them: it goes out on its own.
    pub fn revoke(&self, what: Revocation) {
        let client = self.client.clone();
        tokio::spawn(async move {
            let (subject, payload) = match what {
                Revocation::Token(hash) => (REVOKE_TOKEN, bytes::Bytes::from(hash)),
                Revocation::User(user) => (REVOKE_USER, bytes::Bytes::from(user.to_string())),
            };
            if let Err(e) = client.publish(subject, payload).await {
                tracing::warn!("could not tell the other instances of a sign-out: {e}");
            }
        });
    }

    /// Whether another instance holds a socket of `user` (the first answer within a moment).
    pub async fn online_elsewhere(&self, user: Id) -> bool {
        let ask = self.client.request(WHO_HOLDS, user.to_string().into());
        matches!(tokio::time::timeout(ASK_FOR, ask).await, Ok(Ok(_)))
    }

    pub fn share_login_attempt(&self, account: Id) {
        let (client, payload) = (self.client.clone(), format!("{} {account}", self.instance));
        tokio::spawn(async move {
            let _ = client.publish(LOGIN, payload.into()).await;
        });
    }

    pub fn state(&self) -> (bool, String) {
        match self.client.connection_state() {
            async_nats::connection::State::Connected => (true, "nats: connected".into()),
            other => (false, format!("nats: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_cross_the_bus_unchanged() {
        let frame = Frame {
            seq: 42,
            event: Arc::from("{\"type\":\"x\",\"data\":\"a\\nb\"}"),
            published: std::time::Instant::now(),
        };
        let (back, age) = decode(&encode(&frame)).unwrap();
        assert_eq!(back.seq, 42);
        assert_eq!(&*back.event, &*frame.event);
        assert!(age < 5_000_000);
        assert!(decode(b"garbage").is_none());
    }
}
