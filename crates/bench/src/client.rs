//! A Confab client for load: accounts, sends, and sockets that time each delivery.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::stats::Latencies;

pub type Result<T> = std::result::Result<T, String>;

#[derive(Debug, Clone)]
pub struct Account {
    /// Confab's user id (0 on a Matrix server).
    pub id: i64,
    /// The Matrix user id (`@name:server`; empty on Confab).
    pub user: String,
    pub token: String,
}

/// What the scenarios need of a chat server: Confab, or a Matrix homeserver as the peer.
/// A `target` is where a pair's or a group's messages go (a Confab person or conversation,
/// a Matrix room).
pub trait Chat: Clone + Send + Sync + 'static {
    fn register(&self, name: &str) -> impl Future<Output = Result<Account>> + Send;
    /// Starts a one-to-one chat; the target `a` sends to.
    fn start_pair(&self, a: &Account, b: &Account) -> impl Future<Output = Result<String>> + Send;
    fn send(&self, from: &Account, target: &str, client_msg_id: &str) -> impl Future<Output = Result<()>> + Send;
    /// A group of `owner` and `members`; the target to send to.
    fn create_group(&self, owner: &Account, members: &[Account]) -> impl Future<Output = Result<String>> + Send;
    /// `account` online: every new message from someone else that was timed in `times` adds its
    /// delivery latency to `seen`. Resolves once the connection is live.
    fn listen(
        &self,
        account: &Account,
        times: SendTimes,
        seen: Deliveries,
    ) -> impl Future<Output = Result<Listener>> + Send;
    /// How many of the server's batches of sends took longer than [`SLOW`] so far, to write and
    /// to flush (Confab's `/metrics`; `None` for a server that does not say): a delivery
    /// scenario's tail then says whether the writer, the flush or neither stalled.
    fn slow_writes(&self) -> impl Future<Output = Option<SlowWrites>> + Send {
        async { None }
    }
}

/// What counts as a stalled batch for [`Chat::slow_writes`]: five times the 20 ms p99 target.
pub const SLOW: &str = "0.1";

/// Batches of sends that took longer than [`SLOW`] seconds (see [`Chat::slow_writes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlowWrites {
    pub written: u64,
    pub flushed: u64,
}

impl std::ops::Sub for SlowWrites {
    type Output = SlowWrites;
    fn sub(self, before: SlowWrites) -> SlowWrites {
        SlowWrites {
            written: self.written.saturating_sub(before.written),
            flushed: self.flushed.saturating_sub(before.flushed),
        }
    }
}

/// From Prometheus text: observations of histogram `name` above the bucket `le` (its count less
/// that bucket's); `None` when either line is missing.
pub fn above(metrics: &str, name: &str, le: &str) -> Option<u64> {
    let value =
        |prefix: &str| metrics.lines().find_map(|l| l.strip_prefix(prefix)).and_then(|v| v.trim().parse::<f64>().ok());
    let count = value(&format!("{name}_count "))?;
    let within = value(&format!("{name}_bucket{{le=\"{le}\"}} "))?;
    Some((count - within).max(0.0) as u64)
}

/// `count` accounts named `{prefix}{n}`, registered a few at a time.
pub async fn register_many<C: Chat>(c: &C, prefix: &str, count: usize) -> Result<Vec<Account>> {
    let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
    let mut out = Vec::with_capacity(count);
    for chunk in names.chunks(8) {
        let batch = futures_util::future::join_all(chunk.iter().map(|n| c.register(n))).await;
        for account in batch {
            out.push(account?);
        }
    }
    Ok(out)
}

/// When each message was sent, by its clientMsgId: deliveries are timed against it.
#[derive(Default, Clone)]
pub struct SendTimes(Arc<Mutex<HashMap<String, Instant>>>);

impl SendTimes {
    pub fn start(&self, client_msg_id: &str) {
        self.0.lock().unwrap().insert(client_msg_id.to_string(), Instant::now());
    }

    pub(crate) fn since(&self, client_msg_id: &str) -> Option<Duration> {
        self.0.lock().unwrap().get(client_msg_id).map(Instant::elapsed)
    }
}

/// Deliveries seen by every socket of a run.
#[derive(Default, Clone)]
pub struct Deliveries(pub(crate) Arc<Mutex<Latencies>>);

impl Deliveries {
    pub(crate) fn push(&self, d: Duration) {
        self.0.lock().unwrap().push(d);
    }

    pub fn take(&self) -> Latencies {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

#[derive(Clone)]
pub struct Confab {
    pub base: String,
    http: reqwest::Client,
}

impl Confab {
    pub fn new(base: &str) -> Confab {
        // A request nobody answers (a proxy out of connections under overload) is an error after
        // 30 s, not a run that never ends.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Confab { base: base.trim_end_matches('/').to_string(), http }
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body: Value = res.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body["data"].clone())
        } else {
            Err(format!("{status}: {}", body["message"]))
        }
    }

    /// One page (50) of the history of the conversation `target` names (`c{conversationId}…`, as
    /// [`Chat::send`] takes it) as `reader` sees it, older than `before` when given: how long it
    /// took and the ids on it, oldest first.
    pub async fn history_page(
        &self,
        reader: &Account,
        target: &str,
        before: Option<i64>,
    ) -> Result<(Duration, Vec<i64>)> {
        let conversation = target
            .strip_prefix('c')
            .and_then(|rest| rest.split('/').next()?.parse::<i64>().ok())
            .ok_or_else(|| format!("{target} does not name a conversation"))?;
        let mut url = format!("{}/api/conversations/{conversation}/messages?pageSize=50", self.base);
        if let Some(b) = before {
            url.push_str(&format!("&beforeMessageId={b}"));
        }
        let started = std::time::Instant::now();
        let data = self.call(self.http.get(url).bearer_auth(&reader.token)).await?;
        let took = started.elapsed();
        let ids = data["list"].as_array().map(|l| l.iter().filter_map(|m| m["messageId"].as_i64()).collect());
        Ok((took, ids.unwrap_or_default()))
    }

    /// A GET of `path` (with `query`) as `reader`: how long it took and its `data`.
    async fn timed_get(&self, reader: &Account, path: &str, query: &[(&str, &str)]) -> Result<(Duration, Value)> {
        let started = std::time::Instant::now();
        let data =
            self.call(self.http.get(format!("{}{path}", self.base)).query(query).bearer_auth(&reader.token)).await?;
        Ok((started.elapsed(), data))
    }

    /// `reader`'s people search for `keyword`: how long it took and how many people it found.
    pub async fn people(&self, reader: &Account, keyword: &str) -> Result<(Duration, usize)> {
        let (took, data) = self.timed_get(reader, "/api/conversations/search", &[("keyword", keyword)]).await?;
        Ok((took, data.as_array().map_or(0, Vec::len)))
    }

    /// Page `page` (20 a page) of `reader`'s conversation list: how long it took and its length.
    pub async fn conversations(&self, reader: &Account, page: usize) -> Result<(Duration, usize)> {
        let page = page.to_string();
        let (took, data) =
            self.timed_get(reader, "/api/conversations", &[("page", page.as_str()), ("pageSize", "20")]).await?;
        Ok((took, data["list"].as_array().map_or(0, Vec::len)))
    }

    /// `reader`'s unread total: how long it took and the total.
    pub async fn unread_total(&self, reader: &Account) -> Result<(Duration, usize)> {
        let (took, data) = self.timed_get(reader, "/api/messages/unread-count", &[]).await?;
        Ok((took, data["totalUnread"].as_u64().unwrap_or_default() as usize))
    }

    /// The first page (20) of `reader`'s message search for `q`: how long it took and how many
    /// messages it found.
    pub async fn search(&self, reader: &Account, q: &str) -> Result<(Duration, usize)> {
        let url = format!("{}/api/messages/search?q={q}", self.base);
        let started = std::time::Instant::now();
        let data = self.call(self.http.get(url).bearer_auth(&reader.token)).await?;
        Ok((started.elapsed(), data["list"].as_array().map_or(0, Vec::len)))
    }
}

impl Chat for Confab {
    async fn slow_writes(&self) -> Option<SlowWrites> {
        let text = self.http.get(format!("{}/metrics", self.base)).send().await.ok()?.text().await.ok()?;
        Some(SlowWrites {
            written: above(&text, "confab_db_commit_seconds", SLOW)?,
            flushed: above(&text, "confab_db_flush_seconds", SLOW)?,
        })
    }

    async fn register(&self, name: &str) -> Result<Account> {
        let data = self
            .call(self.http.post(format!("{}/api/auth/register", self.base)).json(&json!({
                "userName": name, "password": "bench horse staple", "displayName": name
            })))
            .await?;
        Ok(Account {
            id: data["user"]["userId"].as_i64().unwrap_or_default(),
            user: String::new(),
            token: data["token"].as_str().unwrap_or_default().into(),
        })
    }

    /// The first message makes the chat; every later one names it by conversationId and
    /// receiverId, as the app sends once a chat exists (that path checks the sender's place in
    /// the conversation, which a send by receiverId alone does not need).
    async fn start_pair(&self, a: &Account, b: &Account) -> Result<String> {
        let data = self
            .call(
                self.http
                    .post(format!("{}/api/messages", self.base))
                    .bearer_auth(&a.token)
                    .json(&json!({"receiverId": b.id, "content": "hi", "clientMsgId": format!("hi-{}", a.id)})),
            )
            .await?;
        Ok(format!("c{}/{}", data["conversationId"].as_i64().unwrap_or_default(), b.id))
    }

    /// `target`: `u{userId}` (one-to-one, by receiver), `c{conversationId}` (a group) or
    /// `c{conversationId}/{userId}` (one-to-one, as the app sends).
    async fn send(&self, from: &Account, target: &str, client_msg_id: &str) -> Result<()> {
        let id = |s: &str| s.parse::<i64>().unwrap_or_default();
        let body = match (target.split_at(1), client_msg_id) {
            (("u", to), c) => json!({"receiverId": id(to), "content": c, "clientMsgId": c}),
            ((_, rest), c) => match rest.split_once('/') {
                Some((cid, to)) => {
                    json!({"conversationId": id(cid), "receiverId": id(to), "content": c, "clientMsgId": c})
                }
                None => json!({"conversationId": id(rest), "content": c, "clientMsgId": c}),
            },
        };
        let res = self
            .http
            .post(format!("{}/api/messages", self.base))
            .bearer_auth(&from.token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        // 201: a new message. 200 would be the answer to a retry (an earlier send with the same
        // clientMsgId): nothing written, so not a send the generator may count.
        match res.status() {
            reqwest::StatusCode::CREATED => Ok(()),
            status => Err(format!("{status}: {}", res.text().await.unwrap_or_default())),
        }
    }

    async fn create_group(&self, owner: &Account, members: &[Account]) -> Result<String> {
        let ids: Vec<i64> = members.iter().map(|m| m.id).collect();
        let data = self
            .call(
                self.http
                    .post(format!("{}/api/groups", self.base))
                    .bearer_auth(&owner.token)
                    .json(&json!({"name": "bench", "memberIds": ids})),
            )
            .await?;
        Ok(format!("c{}", data["conversationId"].as_i64().unwrap_or_default()))
    }

    async fn listen(&self, account: &Account, times: SendTimes, seen: Deliveries) -> Result<Listener> {
        let ws_base = self.base.replacen("http", "ws", 1);
        let url = format!("{ws_base}/api/ws/chat?token={}", account.token);
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await.map_err(|e| e.to_string())?;
        loop {
            match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
                Ok(Some(Ok(WsMessage::Text(t)))) if t.contains("\"ready\"") => break,
                Ok(Some(Ok(_))) => {}
                _ => return Err("socket closed before ready".into()),
            }
        }
        let me = account.id;
        let task = tokio::spawn(async move {
            while let Some(Ok(frame)) = ws.next().await {
                let WsMessage::Text(text) = frame else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                if v["type"] != "new_message" || v["data"]["senderId"].as_i64() == Some(me) {
                    continue;
                }
                if let Some(d) = v["data"]["clientMsgId"].as_str().and_then(|c| times.since(c)) {
                    seen.push(d);
                }
            }
        });
        Ok(Listener(task))
    }
}

/// An open connection; closed when dropped.
pub struct Listener(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::{above, SlowWrites};

    #[test]
    fn a_histograms_tail_is_its_count_less_the_bucket() {
        let text = "# TYPE confab_db_commit_seconds histogram
confab_db_commit_seconds_bucket{le=\"0.05\"} 990
confab_db_commit_seconds_bucket{le=\"0.1\"} 997
confab_db_commit_seconds_bucket{le=\"+Inf\"} 1000
confab_db_commit_seconds_sum 2.5
confab_db_commit_seconds_count 1000
confab_db_flush_seconds_count 12
";
        assert_eq!(above(text, "confab_db_commit_seconds", "0.1"), Some(3));
        assert_eq!(above(text, "confab_db_commit_seconds", "0.05"), Some(10));
        // No such bucket, or no such histogram: nothing to say.
        assert_eq!(above(text, "confab_db_commit_seconds", "0.2"), None);
        assert_eq!(above(text, "confab_db_flush_seconds", "0.1"), None);
        assert_eq!(above("", "confab_db_commit_seconds", "0.1"), None);
    }

    #[test]
    fn stalls_during_a_scenario_are_the_difference_and_never_negative() {
        let before = SlowWrites { written: 2, flushed: 5 };
        assert_eq!(SlowWrites { written: 3, flushed: 5 } - before, SlowWrites { written: 1, flushed: 0 });
        // A restarted server's counts start again: not a negative number of stalls.
        assert_eq!(SlowWrites::default() - before, SlowWrites::default());
    }
}
