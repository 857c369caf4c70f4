//! The measured loads. Each returns numbers, the caller prints them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::client::{register_many, Account, Chat, Deliveries, Listener, Result, SendTimes};
use crate::stats::Latencies;

/// Pairs of people who have a conversation: (sender, receiver, where the sender sends).
pub type Pairs = Vec<(Account, Account, String)>;

/// Registers `2 * pairs` people and starts each pair's conversation.
pub async fn pairs<C: Chat>(c: &C, prefix: &str, pairs: usize) -> Result<Pairs> {
    let people = register_many(c, prefix, pairs * 2).await?;
    let mut out = Vec::with_capacity(pairs);
    let mut it = people.into_iter();
    let mut both = Vec::new();
    while let (Some(a), Some(b)) = (it.next(), it.next()) {
        both.push((a, b));
    }
    for chunk in both.chunks(16) {
        let started = futures_util::future::join_all(chunk.iter().map(|(a, b)| c.start_pair(a, b)));
        for ((a, b), target) in chunk.iter().zip(started.await) {
            out.push((a.clone(), b.clone(), target?));
        }
    }
    Ok(out)
}

pub struct Throughput {
    pub accepted: usize,
    pub per_sec: f64,
    pub send: Latencies,
    pub errors: usize,
}

/// A `clientMsgId` as the app makes them: the time in milliseconds (hex) first, then what makes it
/// unique (here `rest`; the app's is random). The server's idempotency index is keyed by it first,
/// so the ids a batch writes sit together at its end.
pub fn client_msg_id(rest: &str) -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{ms:x}-{rest}")
}

/// Closed loop: `senders` people each send, wait for the answer and send again, for `time`.
pub async fn throughput<C: Chat>(c: &C, pairs: &Pairs, senders: usize, time: Duration) -> Throughput {
    // Every run's clientMsgIds are new: one repeated from an earlier run is a retry, which the
    // server answers without writing anything.
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let start = Instant::now();
    let errors = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..senders)
        .map(|n| {
            let (c, (from, _, to), errors) = (c.clone(), pairs[n % pairs.len()].clone(), errors.clone());
            tokio::spawn(async move {
                let mut lat = Latencies::default();
                let mut i = 0u64;
                while start.elapsed() < time {
                    let t = Instant::now();
                    match c.send(&from, &to, &client_msg_id(&format!("t{run}-{n}-{i}"))).await {
                        Ok(_) => lat.push(t.elapsed()),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    i += 1;
                }
                lat
            })
        })
        .collect();
    let mut send = Latencies::default();
    for t in tasks {
        send.extend(t.await.unwrap_or_default());
    }
    let secs = start.elapsed().as_secs_f64();
    Throughput { accepted: send.len(), per_sec: send.len() as f64 / secs, send, errors: errors.load(Ordering::Relaxed) }
}

/// Every person of the pairs online (two sockets per pair), timing deliveries.
pub struct Online {
    pub times: SendTimes,
    pub seen: Deliveries,
    _sockets: Vec<Listener>,
}

pub async fn online<C: Chat>(c: &C, people: impl Iterator<Item = &Account>) -> Result<Online> {
    let (times, seen) = (SendTimes::default(), Deliveries::default());
    let people: Vec<&Account> = people.collect();
    let mut sockets = Vec::with_capacity(people.len());
    for chunk in people.chunks(50) {
        let opened = futures_util::future::join_all(chunk.iter().map(|a| c.listen(a, times.clone(), seen.clone())));
        for s in opened.await {
            sockets.push(s?);
        }
    }
    Ok(Online { times, seen, _sockets: sockets })
}

pub struct Delivery {
    pub accepted_per_sec: f64,
    /// Sends offered, and those the server accepted (answered 2xx).
    pub sent: usize,
    pub accepted: usize,
    pub delivered: usize,
    pub latency: Latencies,
}

/// Open loop: `rate` sends a second spread over the pairs for `time` (each send its own task,
/// so a slow answer does not slow the offered load); latency is send start → the receiver's
/// socket has the frame.
pub async fn delivery<C: Chat>(c: &C, pairs: &Pairs, on: &Online, rate: f64, time: Duration, tag: &str) -> Delivery {
    on.seen.take();
    let tick = Duration::from_millis(10);
    let per_tick = rate * tick.as_secs_f64();
    let mut interval = tokio::time::interval(tick);
    let start = Instant::now();
    let (mut owed, mut n) = (0.0, 0usize);
    let accepted = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    while start.elapsed() < time {
        interval.tick().await;
        owed += per_tick;
        while owed >= 1.0 {
            owed -= 1.0;
            let (from, _, to) = pairs[n % pairs.len()].clone();
            let id = client_msg_id(&format!("{tag}-{n}"));
            on.times.start(&id);
            let (c, accepted) = (c.clone(), accepted.clone());
            tasks.push(tokio::spawn(async move {
                if c.send(&from, &to, &id).await.is_ok() {
                    accepted.fetch_add(1, Ordering::Relaxed);
                }
            }));
            n += 1;
        }
    }
    for t in tasks {
        let _ = t.await;
    }
    let accepted_secs = start.elapsed().as_secs_f64();
    // Stragglers: wait until every accepted send was delivered, or a few seconds.
    let wait = Instant::now();
    while on.seen.0.lock().unwrap().len() < accepted.load(Ordering::Relaxed) && wait.elapsed() < Duration::from_secs(5)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let latency = on.seen.take();
    Delivery {
        accepted_per_sec: accepted.load(Ordering::Relaxed) as f64 / accepted_secs,
        sent: n,
        accepted: accepted.load(Ordering::Relaxed),
        delivered: latency.len(),
        latency,
    }
}

pub struct FanOut {
    pub members: usize,
    pub messages: usize,
    /// Send start → each member's socket.
    pub each: Latencies,
    /// Send start → the last member's socket, per message.
    pub last: Latencies,
}

/// One group of everyone in `people` (the first one owns it), all online; `messages` sends
/// `gap` apart by the owner.
pub async fn fan_out<C: Chat>(c: &C, people: &[Account], messages: usize, gap: Duration) -> Result<FanOut> {
    let owner = &people[0];
    let members = people.len() - 1;
    let group = c.create_group(owner, &people[1..]).await?;
    let on = online(c, people[1..].iter()).await?;
    let mut last = Latencies::default();
    let mut each = Latencies::default();
    for m in 0..messages {
        let id = client_msg_id(&format!("g{}-{m}", std::process::id()));
        on.times.start(&id);
        c.send(owner, &group, &id).await?;
        let wait = Instant::now();
        while on.seen.0.lock().unwrap().len() < members && wait.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let got = on.seen.take();
        if got.len() == members {
            last.push(got.percentile(100.0));
        }
        each.extend(got);
        tokio::time::sleep(gap).await;
    }
    Ok(FanOut { members: people.len(), messages, each, last })
}
