//! The peer: a Matrix homeserver (Synapse) driven through its client-server API the way its
//! clients use it — registration, rooms, `PUT …/send/m.room.message/{txn}`, and a long-polling
//! `/sync` per person for delivery.

use std::time::Duration;

use serde_json::{json, Value};

use crate::client::{Account, Chat, Deliveries, Listener, Result, SendTimes};

#[derive(Clone)]
pub struct Matrix {
    base: String,
    http: reqwest::Client,
}

/// Only what delivery needs from `/sync`: timelines, no presence or account data.
const FILTER: &str = r#"{"presence":{"not_types":["*"]},"account_data":{"not_types":["*"]},"room":{"state":{"lazy_load_members":true},"ephemeral":{"not_types":["*"]},"timeline":{"limit":100}}}"#;

impl Matrix {
    pub fn new(base: &str) -> Matrix {
        let http = reqwest::Client::builder().pool_max_idle_per_host(2048).build().expect("HTTP client");
        Matrix { base: base.trim_end_matches('/').to_string(), http }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/_matrix/client/v3{path}", self.base)
    }

    async fn call(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let res = req.send().await.map_err(|e| e.to_string())?;
        let status = res.status();
        let body: Value = res.json().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(body)
        } else {
            Err(format!("{status}: {body}"))
        }
    }

    async fn join(&self, who: &Account, room: &str) -> Result<()> {
        self.call(self.http.post(self.url(&format!("/join/{}", enc(room)))).bearer_auth(&who.token).json(&json!({})))
            .await?;
        Ok(())
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Chat for Matrix {
    async fn register(&self, name: &str) -> Result<Account> {
        let body = json!({"username": name, "password": "bench horse staple", "auth": {"type": "m.login.dummy"}});
        let data = self.call(self.http.post(self.url("/register")).json(&body)).await?;
        Ok(Account {
            id: 0,
            user: data["user_id"].as_str().unwrap_or_default().into(),
            token: data["access_token"].as_str().unwrap_or_default().into(),
        })
    }

    async fn start_pair(&self, a: &Account, b: &Account) -> Result<String> {
        let body = json!({"preset": "trusted_private_chat", "is_direct": true, "invite": [b.user]});
        let room = self.call(self.http.post(self.url("/createRoom")).bearer_auth(&a.token).json(&body)).await?;
        let room = room["room_id"].as_str().unwrap_or_default().to_string();
        self.join(b, &room).await?;
        Ok(room)
    }

    async fn send(&self, from: &Account, target: &str, client_msg_id: &str) -> Result<()> {
        let url = self.url(&format!("/rooms/{}/send/m.room.message/{}", enc(target), enc(client_msg_id)));
        self.call(
            self.http.put(url).bearer_auth(&from.token).json(&json!({"msgtype": "m.text", "body": client_msg_id})),
        )
        .await?;
        Ok(())
    }

    async fn create_group(&self, owner: &Account, members: &[Account]) -> Result<String> {
        let invite: Vec<&str> = members.iter().map(|m| m.user.as_str()).collect();
        let body = json!({"preset": "trusted_private_chat", "invite": invite, "name": "bench"});
        let room = self.call(self.http.post(self.url("/createRoom")).bearer_auth(&owner.token).json(&body)).await?;
        let room = room["room_id"].as_str().unwrap_or_default().to_string();
        for chunk in members.chunks(16) {
            for r in futures_util::future::join_all(chunk.iter().map(|m| self.join(m, &room))).await {
                r?;
            }
        }
        Ok(room)
    }

    async fn listen(&self, account: &Account, times: SendTimes, seen: Deliveries) -> Result<Listener> {
        // The first sync gives the position; from then on each long poll returns what is new.
        let first = self
            .call(
                self.http
                    .get(self.url("/sync"))
                    .bearer_auth(&account.token)
                    .query(&[("filter", FILTER), ("timeout", "0")]),
            )
            .await?;
        let mut since = first["next_batch"].as_str().unwrap_or_default().to_string();
        let (me, this) = (account.user.clone(), self.clone());
        let token = account.token.clone();
        let task = tokio::spawn(async move {
            loop {
                let req = this
                    .http
                    .get(this.url("/sync"))
                    .bearer_auth(&token)
                    .timeout(Duration::from_secs(60))
                    .query(&[("filter", FILTER), ("timeout", "30000"), ("since", since.as_str())]);
                let Ok(body) = this.call(req).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                if let Some(rooms) = body["rooms"]["join"].as_object() {
                    for room in rooms.values() {
                        for e in room["timeline"]["events"].as_array().into_iter().flatten() {
                            if e["type"] != "m.room.message" || e["sender"].as_str() == Some(me.as_str()) {
                                continue;
                            }
                            if let Some(d) = e["content"]["body"].as_str().and_then(|c| times.since(c)) {
                                seen.push(d);
                            }
                        }
                    }
                }
                since = body["next_batch"].as_str().unwrap_or_default().to_string();
            }
        });
        Ok(Listener(task))
    }
}
