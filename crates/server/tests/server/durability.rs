//! Group commit: many concurrent sends share transactions, yet each is answered once, a refused
//! one changes nothing of the others, and nothing acknowledged is lost when the process is
//! killed (`kill -9`) in the middle of a stream of sends.

use std::collections::{BTreeMap, HashSet};

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::{Api, Process, SharedStorage, Socket, TestServer};

/// Every message of a conversation, oldest first, paging back with the cursor.
async fn all_messages(s: &Api, token: &str, cid: i64) -> Vec<Value> {
    let mut out = Vec::new();
    let mut before = None::<i64>;
    loop {
        let cursor = before.map(|b| format!("&beforeMessageId={b}")).unwrap_or_default();
        let (status, body) = s.get(&format!("/api/conversations/{cid}/messages?pageSize=100{cursor}"), token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let list = body["data"]["list"].as_array().unwrap().clone();
        let oldest = list.iter().map(|m| m["messageId"].as_i64().unwrap()).min();
        out.extend(list);
        match (body["data"]["hasMore"].as_bool(), oldest) {
            (Some(true), Some(o)) => before = Some(o),
            _ => break,
        }
    }
    out.sort_by_key(|m| m["messageId"].as_i64().unwrap());
    out
}

/// Reads `count` new messages from the socket (ready at `ready`): each once, every frame numbered
/// one after the previous, and nothing after them.
async fn each_new_message_once_without_gaps(socket: &mut Socket, ready: i64, count: usize) {
    let mut seq = ready;
    let mut got = HashSet::new();
    while got.len() < count {
        let frame = socket.next().await;
        assert_eq!(frame["seq"].as_i64(), Some(seq + 1), "{frame}");
        seq += 1;
        if frame["type"] == "new_message" {
            assert!(got.insert(frame["data"]["messageId"].as_i64().unwrap()), "delivered twice: {frame}");
        }
    }
    // What may still come is no message, and in order: a read receipt committed after the last
    // batch of sends is told after its messages.
    while let Ok(frame) = tokio::time::timeout(std::time::Duration::from_millis(300), socket.next()).await {
        assert_eq!(frame["seq"].as_i64(), Some(seq + 1), "{frame}");
        assert_ne!(frame["type"], "new_message", "a message more than was sent: {frame}");
        seq += 1;
    }
}

#[tokio::test]
async fn concurrent_sends_are_each_answered_once_and_a_refused_one_spoils_nothing() {
    let s = TestServer::start().await;
    let (alice, _) = s.register("gc_alice").await;
    let (bob, bob_id) = s.register("gc_bob").await;
    let first = s.send_text(&alice, bob_id, "hello").await;
    let cid = first["conversationId"].as_i64().unwrap();
    let mut bob_socket = s.socket(&bob, Some(0)).await;
    let (_, ready) = bob_socket.until_ready().await;

    // 64 sends at once: 16 good ones, each good one's retry (same clientMsgId), and bad ones
    // (a stranger as receiver, a file that does not exist) that land in the same batches.
    let mut calls = Vec::new();
    for i in 0..64 {
        let (s, alice) = (&s, alice.clone());
        calls.push(async move {
            let body = match i % 4 {
                0 | 1 => json!({"receiverId": bob_id, "content": format!("m{}", i / 4), "clientMsgId": format!("c{}", i / 4)}),
                2 => json!({"receiverId": 999_999, "content": "to nobody", "clientMsgId": format!("bad{i}")}),
                _ => json!({"conversationId": cid, "messageType": "file", "content": {"fileId": 987_654}, "clientMsgId": format!("bad{i}")}),
            };
            (i, s.post("/api/messages", &alice, body).await)
        });
    }
    let answers = futures_util::future::join_all(calls).await;
    let mut ids_by_client: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for (i, (status, body)) in answers {
        match i % 4 {
            0 | 1 => {
                assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{i}: {status} {body}");
                let m = &body["data"];
                ids_by_client
                    .entry(m["clientMsgId"].as_str().unwrap().to_string())
                    .or_default()
                    .insert(m["messageId"].as_i64().unwrap());
            }
            2 => assert_eq!(status, StatusCode::NOT_FOUND, "{body}"),
            _ => assert_eq!(status, StatusCode::NOT_FOUND, "{body}"),
        }
    }
    // A send and its retry name the same message.
    assert_eq!(ids_by_client.len(), 16);
    assert!(ids_by_client.values().all(|ids| ids.len() == 1), "{ids_by_client:?}");

    // Exactly the good ones are stored, once each; nothing of the bad ones.
    let stored = all_messages(&s, &alice, cid).await;
    let texts: Vec<&str> = stored.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert_eq!(stored.len(), 17, "{texts:?}");
    assert!(!texts.contains(&"to nobody"));
    let unique: HashSet<&str> = texts.iter().copied().collect();
    assert_eq!(unique.len(), 17);

    // Bob's socket gets each new message once, with gap-free sequence numbers.
    each_new_message_once_without_gaps(&mut bob_socket, ready, 16).await;
}

/// Send batches commit without waiting for the disk and are flushed after (see
/// `store::durable`); every other write must still flush in its own commit, and its events come
/// after the batches' on the socket.
#[tokio::test]
async fn after_batches_of_sends_other_writes_flush_their_own_commits_and_come_in_order() {
    let s = TestServer::start().await;
    let (alice, _) = s.register("sync_alice").await;
    let (bob, bob_id) = s.register("sync_bob").await;
    let cid = s.send_text(&alice, bob_id, "hello").await["conversationId"].as_i64().unwrap();
    let mut bob_socket = s.socket(&bob, Some(0)).await;
    let (_, ready) = bob_socket.until_ready().await;
    let state = s.server.as_ref().unwrap().state.clone();
    for round in 0..5 {
        // Sends in batches, and a write of another kind among them (Bob reads, which Alice's
        // socket hears; Bob's own socket hears the messages).
        let texts: Vec<String> = (0..20).map(|i| format!("r{round}-{i}")).collect();
        let sends = texts.iter().map(|text| s.send_text(&alice, bob_id, text));
        let read = format!("/api/conversations/{cid}/read");
        let (sent, (status, body)) =
            tokio::join!(futures_util::future::join_all(sends), s.call(reqwest::Method::PUT, &read, Some(&bob), None));
        assert_eq!(sent.len(), 20);
        assert!(status.is_success(), "{status} {body}");
        if state.store.backend() == confab_server::store::Backend::Sqlite {
            let mut conn = state.store.writer().await.unwrap();
            let level: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.unwrap();
            assert_eq!(level, 2, "the writer is back at synchronous = FULL after the batches");
        }
    }
    each_new_message_once_without_gaps(&mut bob_socket, ready, 100).await;
}

#[tokio::test]
async fn every_acknowledged_send_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    // The restarted server must find the same database (PostgreSQL: not a fresh one).
    let storage = SharedStorage::fresh();
    let args = storage.args();
    let server = Process::start(dir.path(), &args);
    let mut s = Api::new(server.base.clone());
    let (alice, _) = s.register("k9_alice").await;
    let (bob, bob_id) = s.register("k9_bob").await;
    let cid = s.send_text(&alice, bob_id, "start").await["conversationId"].as_i64().unwrap();

    // 16 senders send as fast as they can; the process is killed while they do.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let mut senders = Vec::new();
    for n in 0..16 {
        let (http, base, token, acked) = (s.http.clone(), s.base.clone(), alice.clone(), acked.clone());
        senders.push(tokio::spawn(async move {
            for i in 0.. {
                let client = format!("k{n}-{i}");
                let res = http
                    .post(format!("{base}/api/messages"))
                    .bearer_auth(&token)
                    .json(&json!({"receiverId": bob_id, "content": client, "clientMsgId": client}))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == StatusCode::CREATED => acked.lock().unwrap().push(client),
                    _ => break,
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.kill();
    for sender in senders {
        sender.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() > 50, "the senders got going before the kill ({} acknowledged)", acked.len());

    let server = Process::start(dir.path(), &args);
    s.base = server.base.clone();
    let stored = all_messages(&s, &bob, cid).await;
    let texts: Vec<String> = stored.iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
    let unique: HashSet<&String> = texts.iter().collect();
    assert_eq!(unique.len(), texts.len(), "no message is stored twice");
    let missing: Vec<&String> = acked.iter().filter(|c| !unique.contains(c)).collect();
    assert!(missing.is_empty(), "{} acknowledged sends lost: {:?}", missing.len(), &missing[..missing.len().min(5)]);
    // What was written but not acknowledged may be there; a retry with its clientMsgId finds it.
    let extra = texts.len() - 1 - acked.len();
    assert!(extra <= 16, "at most one unanswered send per sender ({extra})");
    server.kill();
}

/// Runs `sql` on the test server's database (SQLite file or PostgreSQL), as an operator would.
async fn on_database(s: &TestServer, sql: &str) {
    use sqlx::{Connection, Executor};
    match &s.config.database_url {
        Some(url) => {
            let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
            conn.execute(sql).await.unwrap();
        }
        None => {
            let url = format!("sqlite://{}", s.dir.path().join("confab.db").display());
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            conn.execute(sql).await.unwrap();
        }
    }
}

#[tokio::test]
async fn a_send_the_database_fails_fails_its_batch_and_nothing_of_the_batch_is_acknowledged() {
    let s = TestServer::start().await;
    let (alice, _) = s.register("dbf_alice").await;
    let (bob, bob_id) = s.register("dbf_bob").await;
    let first = s.send_text(&alice, bob_id, "hello").await;
    let cid = first["conversationId"].as_i64().unwrap();
    let mut bob_socket = s.socket(&bob, Some(0)).await;
    let (_, ready) = bob_socket.until_ready().await;

    // The database fails any message whose text is "boom" (a full disk, say, for that one).
    let sqlite = "CREATE TRIGGER boom BEFORE INSERT ON messages WHEN NEW.content = 'boom'
                  BEGIN SELECT RAISE(ABORT, 'boom'); END";
    let postgres = "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN IF NEW.content = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$;
                    CREATE TRIGGER boom BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION boom()";
    let pg = s.config.database_url.is_some();
    on_database(&s, if pg { postgres } else { sqlite }).await;

    // Sends at once, three of them "boom": they share batches with good ones.
    let send = |text: String, id: String| {
        let (s, alice) = (&s, alice.clone());
        async move {
            let (status, body) = s
                .post("/api/messages", &alice, json!({"receiverId": bob_id, "content": text, "clientMsgId": id}))
                .await;
            (id, text, status, body)
        }
    };
    let texts: Vec<String> = (0..40).map(|i| if i % 13 == 5 { "boom".to_string() } else { format!("m{i}") }).collect();
    let answers =
        futures_util::future::join_all(texts.iter().enumerate().map(|(i, t)| send(t.clone(), format!("c{i}")))).await;
    let mut acknowledged = HashSet::new();
    let mut failed = Vec::new();
    for (id, text, status, body) in answers {
        match status {
            StatusCode::CREATED => assert!(acknowledged.insert(text), "{body}"),
            StatusCode::INTERNAL_SERVER_ERROR => failed.push((id, text)),
            other => panic!("{other} {body}"),
        }
    }
    assert!(failed.iter().filter(|(_, t)| t == "boom").count() == 3, "{failed:?}");
    assert!(!acknowledged.contains("boom"));

    // Exactly what was acknowledged is stored: nothing of a failed batch, all of the others.
    let stored: HashSet<String> =
        all_messages(&s.api, &alice, cid).await.iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
    let mut expected = acknowledged.clone();
    expected.insert("hello".into());
    assert_eq!(stored, expected);

    // The database works again; every failed send, sent again with its clientMsgId, is written once.
    on_database(&s, if pg { "DROP TRIGGER boom ON messages" } else { "DROP TRIGGER boom" }).await;
    for (id, text) in &failed {
        let (_, _, status, body) = send(text.clone(), id.clone()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let stored = all_messages(&s.api, &alice, cid).await;
    assert_eq!(stored.len(), 41);

    // Bob's socket saw each message once, numbered without a gap (no number went to a failed batch).
    each_new_message_once_without_gaps(&mut bob_socket, ready, 40).await;
}

/// First messages sent at once by both people of a new chat (they share batches, each batch
/// asking once which chats exist) all land in one chat, each once.
#[tokio::test]
async fn first_messages_sent_at_once_from_both_sides_make_one_chat() {
    let s = TestServer::start().await;
    let (alice, alice_id) = s.register("fm_alice").await;
    let (carol, carol_id) = s.register("fm_carol").await;
    let mut calls = Vec::new();
    for i in 0..24 {
        // Twelve messages, every one sent twice (a retry with its clientMsgId) in the same burst.
        let n = i / 2;
        let (from, to) = if n % 2 == 0 { (alice.clone(), carol_id) } else { (carol.clone(), alice_id) };
        let s = &s;
        calls.push(async move {
            let body = json!({"receiverId": to, "content": format!("hi {n}"), "clientMsgId": format!("f{n}")});
            s.post("/api/messages", &from, body).await
        });
    }
    let answers = futures_util::future::join_all(calls).await;
    let mut chats = HashSet::new();
    for (status, body) in &answers {
        assert!(*status == StatusCode::CREATED || *status == StatusCode::OK, "{status} {body}");
        chats.insert(body["data"]["conversationId"].as_i64().unwrap());
    }
    assert_eq!(chats.len(), 1, "{chats:?}");
    let cid = *chats.iter().next().unwrap();
    let stored = all_messages(&s.api, &alice, cid).await;
    let texts: HashSet<(i64, String)> =
        stored.iter().map(|m| (m["senderId"].as_i64().unwrap(), m["content"].as_str().unwrap().to_string())).collect();
    assert_eq!(stored.len(), texts.len(), "each once");
    assert_eq!(stored.len(), 12);
    let (_, list) = s.get("/api/conversations", &carol).await;
    assert_eq!(list["data"]["list"].as_array().unwrap().len(), 1, "{list}");
}

/// Sends of one batch are written together (a few calls to the database for the whole batch):
/// each one still gets its own search entry, its @mention and its events, numbered in order.
#[tokio::test]
async fn sends_written_together_are_each_searchable_mentioned_and_numbered_in_order() {
    let s = TestServer::start().await;
    let (alice, alice_id) = s.register("wt_alice").await;
    let (bob, bob_id) = s.register("wt_bob").await;
    let (carol, carol_id) = s.register("wt_carol").await;
    let (status, group) =
        s.post("/api/groups", &alice, json!({"name": "kiwis", "memberIds": [bob_id, carol_id]})).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    s.send_text(&bob, alice_id, "hello").await;
    let mut bob_socket = s.socket(&bob, Some(0)).await;
    let (_, ready) = bob_socket.until_ready().await;

    // 30 sends at once, all of which reach Bob: Alice and Carol in the group (every third one
    // of Alice's mentions Bob), Bob to Alice. A word of each, English or Chinese, is its own.
    let mut calls = Vec::new();
    for i in 0..30 {
        let (s, alice, bob, carol) = (&s, alice.clone(), bob.clone(), carol.clone());
        calls.push(async move {
            let text = format!("kiwi{i}x 猕猴桃{}", char::from_u32(0x4E00 + i).unwrap());
            let (token, body) = match i % 3 {
                0 => (alice, json!({"conversationId": gid, "content": text, "atUserIds": [bob_id]})),
                1 => (carol, json!({"conversationId": gid, "content": text})),
                _ => (bob, json!({"receiverId": alice_id, "content": text, "clientMsgId": format!("wt{i}")})),
            };
            s.post("/api/messages", &token, body).await
        });
    }
    for (status, body) in futures_util::future::join_all(calls).await {
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    each_new_message_once_without_gaps(&mut bob_socket, ready, 30).await;

    for i in 0..30u32 {
        let (status, page) = s.get(&format!("/api/messages/search?q=kiwi{i}x"), &bob).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let hits = page["data"]["list"].as_array().unwrap();
        assert_eq!(hits.len(), 1, "kiwi{i}x: {page}");
        let han = char::from_u32(0x4E00 + i).unwrap().to_string();
        let q: String = format!("猴桃{han}").bytes().map(|b| format!("%{b:02X}")).collect();
        let (_, page) = s.get(&format!("/api/messages/search?q={q}"), &bob).await;
        assert_eq!(page["data"]["list"].as_array().unwrap().len(), 1, "猴桃{han}: {page}");
    }
    let (_, list) = s.get("/api/conversations", &bob).await;
    let group = list["data"]["list"].as_array().unwrap().iter().find(|c| c["conversationId"] == gid).unwrap().clone();
    assert_eq!(group["atData"]["mentionerId"], alice_id, "{group}");
    let stored: Vec<Value> = all_messages(&s.api, &bob, gid)
        .await
        .into_iter()
        .filter(|m| m["content"].as_str().is_some_and(|t| t.starts_with("kiwi")))
        .collect();
    assert_eq!(stored.len(), 20);
    let mentions = stored.iter().filter(|m| m["atUserIds"] == json!([bob_id])).count();
    assert_eq!(mentions, 10);
}

#[tokio::test]
async fn sends_naming_conversations_at_once_are_each_checked_against_their_sender() {
    let s = TestServer::start().await;
    let (alice, alice_id) = s.register("nc_alice").await;
    let (bob, bob_id) = s.register("nc_bob").await;
    let (carol, carol_id) = s.register("nc_carol").await;
    let (dave, _) = s.register("nc_dave").await;
    let chat = s.send_text(&alice, bob_id, "hello").await["conversationId"].as_i64().unwrap();
    let (status, group) =
        s.post("/api/groups", &alice, json!({"name": "limes", "memberIds": [bob_id, carol_id]})).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    let path = format!("/api/groups/{gid}/members/{carol_id}");
    assert_eq!(s.call(reqwest::Method::DELETE, &path, Some(&alice), None).await.0, StatusCode::OK);

    // 40 sends at once, as the app sends them (by conversation), landing in shared batches:
    // each is answered as if it were alone.
    let mut calls = Vec::new();
    for i in 0..40 {
        let s = &s;
        let (token, body) = match i % 8 {
            0 => (&alice, json!({"conversationId": chat, "content": format!("a{i}")})),
            1 => (&bob, json!({"conversationId": chat, "receiverId": alice_id, "content": format!("b{i}")})),
            2 => (&bob, json!({"conversationId": gid, "content": format!("g{i}")})),
            3 => (&alice, json!({"conversationId": chat, "receiverId": carol_id, "content": "wrong receiver"})),
            4 => (&dave, json!({"conversationId": chat, "content": "not a member"})),
            5 => (&carol, json!({"conversationId": gid, "content": "removed"})),
            6 => (&alice, json!({"conversationId": gid, "receiverId": bob_id, "content": "receiver in a group"})),
            _ => (&alice, json!({"conversationId": 987_654, "content": "no such chat"})),
        };
        calls.push(async move { (i, s.post("/api/messages", token, body).await) });
    }
    for (i, (status, body)) in futures_util::future::join_all(calls).await {
        let expected = match i % 8 {
            0..=2 => StatusCode::CREATED,
            3 | 6 => StatusCode::UNPROCESSABLE_ENTITY,
            5 => StatusCode::FORBIDDEN,
            _ => StatusCode::NOT_FOUND,
        };
        assert_eq!(status, expected, "send {i}: {body}");
        let m = &body["data"];
        match i % 8 {
            0 => assert_eq!(m["receiverId"], bob_id, "{m}"),
            1 => assert_eq!(m["receiverId"], alice_id, "{m}"),
            _ => {}
        }
    }
    // Exactly the accepted ones are stored.
    let texts = |list: Vec<Value>| {
        list.iter().map(|m| m["content"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>()
    };
    let in_chat = texts(all_messages(&s, &alice, chat).await);
    assert_eq!(in_chat.len(), 1 + 10, "{in_chat:?}");
    assert!(in_chat.iter().all(|t| t == "hello" || t.starts_with('a') || t.starts_with('b')), "{in_chat:?}");
    let in_group: Vec<String> = texts(all_messages(&s, &alice, gid).await);
    assert_eq!(in_group.iter().filter(|t| t.starts_with('g')).count(), 5, "{in_group:?}");
    assert!(!in_group.iter().any(|t| t == "removed" || t == "receiver in a group"), "{in_group:?}");
}

#[tokio::test]
async fn sends_that_would_wait_too_long_are_turned_away_at_once_and_written_nothing() {
    use confab_server::service::send_queue::ALWAYS_TAKEN;
    use std::time::{Duration, Instant};
    // Any wait is too long, once the writer's pace is known: only the floor of the queue is taken.
    let s = TestServer::start_with(|c| c.max_send_wait = Duration::ZERO).await;
    let (alice, _) = s.register("queue_alice").await;
    let (_, bob_id) = s.register("queue_bob").await;
    let first = s.send_text(&alice, bob_id, "first").await;
    let cid = first["conversationId"].as_i64().unwrap();
    let state = s.server.as_ref().unwrap().state.clone();

    // The writer is held (as by a long transaction): one send is taken and waits for it, and
    // every later one queues behind.
    let held = state.store.writer().await.unwrap();
    let api = s.api.clone();
    let send = |i: usize| {
        let (api, alice) = (api.clone(), alice.clone());
        async move {
            let res = api
                .http
                .post(format!("{}/api/messages", api.base))
                .bearer_auth(&alice)
                .json(&json!({"conversationId": cid, "receiverId": bob_id, "content": format!("m{i}"), "clientMsgId": format!("q{i}")}))
                .send()
                .await
                .unwrap();
            let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            (i, res.status(), retry, res.json::<Value>().await.unwrap())
        }
    };
    let taken = tokio::spawn(send(0));
    let deadline = Instant::now() + Duration::from_secs(30);
    while state.sends.writing() == 0 {
        assert!(Instant::now() < deadline && !taken.is_finished(), "the first send was not taken by the writer");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!((state.sends.writing(), state.sends.waiting()), (1, 0));
    let (tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    for i in 1..=150 {
        let (tx, send) = (tx.clone(), send(i));
        tokio::spawn(async move { tx.send(send.await).unwrap() });
    }
    // While the writer is held, the sends beyond the floor are answered at once.
    let mut turned_away = Vec::new();
    while turned_away.len() + state.sends.waiting() < 150 {
        let (i, status, retry, body) =
            tokio::time::timeout_at(deadline.into(), answers.recv()).await.expect("answered at once").unwrap();
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{i}: {body}");
        assert_eq!(retry.as_deref(), Some("1"), "{i}");
        assert_eq!(body["code"], 503);
        assert!(body["message"].as_str().unwrap().contains("busy"), "{body}");
        turned_away.push(i);
    }
    assert!(state.sends.waiting() >= ALWAYS_TAKEN, "a burst up to the floor is always taken");
    assert!(!turned_away.is_empty());

    // Once the writer is free, every send taken is written and answered.
    drop(held);
    let (_, status, _, body) = taken.await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut written = 1;
    while written + turned_away.len() < 151 {
        let (i, status, _, body) = answers.recv().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
        written += 1;
    }
    let stored = all_messages(&s, &alice, cid).await;
    assert_eq!(stored.len(), 1 + written, "exactly the sends taken are stored");
    let texts: HashSet<String> = stored.iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
    assert!(turned_away.iter().all(|i| !texts.contains(&format!("m{i}"))), "nothing of a turned-away send");

    // Sent again with the same clientMsgId, each turned-away send goes through, once.
    for i in &turned_away {
        let (_, status, _, body) = send(*i).await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {body}");
    }
    let stored = all_messages(&s, &alice, cid).await;
    assert_eq!(stored.len(), 152, "first, m0 and m1..m150 once each");
    let texts: HashSet<String> = stored.iter().map(|m| m["content"].as_str().unwrap().to_string()).collect();
    assert_eq!(texts.len(), 152);

    // Retries naming the conversation, sent together, are recognised: the same messages, 200.
    let ids: BTreeMap<String, i64> = stored
        .iter()
        .filter_map(|m| Some((m["clientMsgId"].as_str()?.to_string(), m["messageId"].as_i64().unwrap())))
        .collect();
    let again = futures_util::future::join_all((0..8).map(send)).await;
    for (i, status, _, body) in again {
        assert_eq!(status, StatusCode::OK, "{i}: {body}");
        assert_eq!(body["data"]["messageId"].as_i64(), ids.get(&format!("q{i}")).copied(), "{i}: {body}");
    }
    assert_eq!(all_messages(&s, &alice, cid).await.len(), 152);
}
