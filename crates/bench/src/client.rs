//! A Confab client for load: accounts, sends, and sockets that time each delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::stats::Latencies;

pub type Result<T> = std::result::Result<T, String>;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: i64,
    pub token: String,
}

/// When each message was sent, by its clientMsgId: deliveries are timed against it.
#[derive(Default, Clone)]
pub struct SendTimes(Arc<Mutex<HashMap<String, Instant>>>);

impl SendTimes {
    pub fn start(&self, client_msg_id: &str) {
        self.0.lock().unwrap().insert(client_msg_id.to_string(), Instant::now());
    }

    fn since(&self, client_msg_id: &str) -> Option<Duration> {
        self.0.lock().unwrap().get(client_msg_id).map(Instant::elapsed)
    }
}

/// Deliveries seen by every socket of a run.
#[derive(Default, Clone)]
pub struct Deliveries(pub(crate) Arc<Mutex<Latencies>>);

impl Deliveries {
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
        let http = reqwest::Client::builder().pool_max_idle_per_host(1024).build().expect("HTTP client");
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

    pub async fn register(&self, name: &str) -> Result<Account> {
        let data = self
            .call(self.http.post(format!("{}/api/auth/register", self.base)).json(&json!({
                "userName": name, "password": "bench horse staple", "displayName": name
            })))
            .await?;
        Ok(Account {
            id: data["user"]["userId"].as_i64().unwrap_or_default(),
            token: data["token"].as_str().unwrap_or_default().into(),
        })
    }

    /// `count` accounts named `{prefix}{n}`, registered a few at a time.
    pub async fn register_many(&self, prefix: &str, count: usize) -> Result<Vec<Account>> {
        let names: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
        let mut out = Vec::with_capacity(count);
        for chunk in names.chunks(8) {
            let batch = futures_util::future::join_all(chunk.iter().map(|n| self.register(n))).await;
            for account in batch {
                out.push(account?);
            }
        }
        Ok(out)
    }

    /// Sends a text message to a person (`to` > 0) or into a conversation (`to` < 0 is `-conversationId`).
    pub async fn send(&self, from: &Account, to: i64, client_msg_id: &str) -> Result<Value> {
        let body = if to > 0 {
            json!({"receiverId": to, "content": client_msg_id, "clientMsgId": client_msg_id})
        } else {
            json!({"conversationId": -to, "content": client_msg_id, "clientMsgId": client_msg_id})
        };
        self.call(self.http.post(format!("{}/api/messages", self.base)).bearer_auth(&from.token).json(&body)).await
    }

    pub async fn create_group(&self, owner: &Account, members: &[i64]) -> Result<i64> {
        let data = self
            .call(
                self.http
                    .post(format!("{}/api/groups", self.base))
                    .bearer_auth(&owner.token)
                    .json(&json!({"name": "bench", "memberIds": members})),
            )
            .await?;
        Ok(data["conversationId"].as_i64().unwrap_or_default())
    }

    /// Opens `account`'s socket and waits for `ready`; from then on every new message from
    /// someone else that was timed in `times` adds its delivery latency to `seen`.
    pub async fn listen(&self, account: &Account, times: SendTimes, seen: Deliveries) -> Result<Listener> {
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
                    seen.0.lock().unwrap().push(d);
                }
            }
        });
        Ok(Listener(task))
    }
}

/// An open socket; closed when dropped.
pub struct Listener(tokio::task::JoinHandle<()>);

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.abort();
    }
}
