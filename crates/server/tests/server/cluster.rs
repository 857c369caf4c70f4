//! Two server processes on one database and one NATS bus: a socket on either instance gets what
//! is committed through the other; an instance killed with SIGKILL loses nobody anything — its
//! people reconnect to the other with `sinceSeq` and get every message once, in order.
//!
//! The shared database is one PostgreSQL database and the files one S3 bucket when the suite runs
//! on those (`CONFAB_TEST_POSTGRES`, `CONFAB_TEST_S3`, as `cargo xtask test` does), else one
//! SQLite file and one files directory both processes open.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::{upload_to, Api, NatsServer, Process, SharedStorage};

/// `data` of an answer that must succeed.
fn ok((status, body): (StatusCode, Value)) -> Value {
    assert!(status.is_success(), "{status} {body}");
    body["data"].clone()
}

/// One instance; both share `dir` (and in it the SQLite file and the files), or the PostgreSQL
/// database and the bucket when the suite runs on those.
fn start(dir: &std::path::Path, nats: &NatsServer, storage: &SharedStorage) -> (Process, Api) {
    let mut args = vec!["--nats-url", &nats.url, "--file-url-key", "shared-cluster-secret"];
    args.extend(storage.args());
    let p = Process::start(dir, &args);
    let i = Api::new(p.base.clone());
    (p, i)
}

#[tokio::test]
async fn two_instances_share_live_events_and_survive_one_being_killed() {
    let nats = NatsServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = SharedStorage::fresh();
    let (one_process, one) = start(dir.path(), &nats, &storage);
    let (_two_process, two) = start(dir.path(), &nats, &storage);
    let (status, ready) = one.call(reqwest::Method::GET, "/api/ready", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["data"]["bus"], "nats: connected");

    let (alice, alice_id) = one.register("alice").await;
    let (bob, bob_id) = two.register("bob").await;
    let (carol, carol_id) = two.register("carol").await;
    let mut alice_ws = one.socket(&alice, None).await;
    let (_, mut alice_seq) = alice_ws.until_ready().await;
    let mut carol_ws = two.socket(&carol, None).await;
    carol_ws.until_ready().await;

    // A single chat: Bob sends through instance two, Alice's socket is on instance one.
    let sent =
        ok(two.post("/api/messages", &bob, json!({"receiverId": alice_id, "content": "across instances"})).await);
    let f = alice_ws.next_of("new_message").await;
    assert_eq!(f["data"]["content"], "across instances");
    let cid = sent["conversationId"].as_i64().unwrap();

    // A group: Alice writes through one, Carol reads on two.
    let group = ok(one.post("/api/groups", &alice, json!({"name": "Crossing", "memberIds": [bob_id, carol_id]})).await);
    let gid = group["conversationId"].as_i64().unwrap();
    ok(one.post("/api/messages", &alice, json!({"conversationId": gid, "content": "hello group"})).await);
    loop {
        let f = carol_ws.next_of("new_message").await;
        if f["data"]["content"] == "hello group" {
            break;
        }
    }

    // Signing out everywhere through one closes Carol's socket on two at once.
    let (status, _) = one.call(reqwest::Method::POST, "/api/auth/logout-all", Some(&carol), None).await;
    assert_eq!(status, StatusCode::OK);
    let closed =
        tokio::time::timeout(std::time::Duration::from_secs(3), super::common::close_code(&mut carol_ws.ws)).await;
    assert_eq!(closed.expect("closed within 3 s"), Some(4001));

    // A read receipt and a recall cross too.
    let mut bob_ws = two.socket(&bob, None).await;
    bob_ws.until_ready().await;
    // Bob is online on two: Alice asking one hears so.
    let (_, presence) =
        one.call(reqwest::Method::GET, &format!("/api/users/{bob_id}/presence"), Some(&alice), None).await;
    assert_eq!(presence["data"]["online"], true, "{presence}");
    let (status, _) =
        one.call(reqwest::Method::PUT, &format!("/api/conversations/{cid}/read"), Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK);
    let receipt = bob_ws.next_of("read").await;
    assert_eq!(receipt["data"]["readerId"], alice_id);
    let mine = ok(one.post("/api/messages", &alice, json!({"receiverId": bob_id, "content": "oops"})).await);
    assert_eq!(bob_ws.next_of("new_message").await["data"]["content"], "oops");
    ok(one.post(&format!("/api/messages/{}/recall", mine["messageId"]), &alice, json!({})).await);
    assert_eq!(bob_ws.next_of("message_recalled").await["data"]["messageId"], mine["messageId"]);
    let reply = ok(two.post("/api/messages", &bob, json!({"receiverId": alice_id, "content": "read this"})).await);
    // Alice, on one, sees everything up to here; remember where she is.
    loop {
        let f = alice_ws.next().await;
        alice_seq = f["seq"].as_i64().unwrap_or(alice_seq);
        if f["type"] == "new_message" && f["data"]["messageId"] == reply["messageId"] {
            break;
        }
    }

    // A file uploaded through one downloads through two with the link one signed.
    let (_, up) = upload_to(&one.base, &alice, "c.txt", "text/plain", b"cluster bytes".to_vec()).await;
    let link = up["data"]["fileUrl"].as_str().unwrap().to_string();
    let got = reqwest::get(format!("{}{link}", two.base)).await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), b"cluster bytes");

    // Wrong passwords for one account, spread over both instances, count as one series.
    let mut statuses = Vec::new();
    for i in 0..7 {
        let instance = if i % 2 == 0 { &one } else { &two };
        let body = json!({"userName": "dave-guessed", "password": "wrong password"});
        if i == 0 {
            instance.register("dave-guessed").await;
        }
        statuses.push(instance.call(reqwest::Method::POST, "/api/auth/login", None, Some(body)).await.0);
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    // Instance one dies (SIGKILL) while Bob keeps sending through two.
    one_process.kill();
    drop(alice_ws);
    let mut expected = Vec::new();
    for i in 0..30 {
        let m = ok(two
            .post("/api/messages", &bob, json!({"receiverId": alice_id, "content": format!("while away {i}")}))
            .await);
        expected.push(m["messageId"].as_i64().unwrap());
    }
    // Alice comes back through two, from where she was: each message once, in order.
    let mut alice_ws = two.socket(&alice, Some(alice_seq)).await;
    let (frames, _) = alice_ws.until_ready().await;
    let got: Vec<i64> = frames
        .iter()
        .filter(|f| f["type"] == "new_message")
        .map(|f| f["data"]["messageId"].as_i64().unwrap())
        .collect();
    assert_eq!(got, expected, "every message once, in order");
    let seqs: Vec<i64> = frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "gap-free: {seqs:?}");
    // And live from now on, from either instance's writes.
    ok(two.post("/api/messages", &bob, json!({"receiverId": alice_id, "content": "live again"})).await);
    assert_eq!(alice_ws.next_of("new_message").await["data"]["content"], "live again");
}

#[tokio::test]
async fn two_instances_writing_at_once_number_each_persons_events_without_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let storage = SharedStorage::fresh();
    let args = storage.args();
    // No bus: this is about the shared database alone.
    let (p1, p2) = (Process::start(dir.path(), &args), Process::start(dir.path(), &args));
    let (one, two) = (Api::new(p1.base.clone()), Api::new(p2.base.clone()));
    let (carol, carol_id) = one.register("carol").await;
    let mut senders = Vec::new();
    for (n, instance) in [&one, &two, &one, &two].into_iter().enumerate() {
        let (token, _) = instance.register(&format!("sender{n}")).await;
        senders.push((instance.clone(), token, n));
    }
    // Four people send to Carol at once, two through each instance.
    let tasks: Vec<_> = senders
        .into_iter()
        .map(|(api, token, n)| {
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..25 {
                    let m = api.send_text(&token, carol_id, &format!("s{n}-{i}")).await;
                    ids.push(m["messageId"].as_i64().unwrap());
                }
                ids
            })
        })
        .collect();
    let mut sent = Vec::new();
    for t in tasks {
        sent.extend(t.await.unwrap());
    }
    // Carol replays her whole log through either instance: 100 messages, each once, numbered
    // 1, 2, 3, … in the order their transactions committed, which is the order of the ids.
    for api in [&one, &two] {
        let mut ws = api.socket(&carol, Some(0)).await;
        let (frames, newest) = ws.until_ready().await;
        let seqs: Vec<i64> = frames.iter().map(|f| f["seq"].as_i64().unwrap()).collect();
        assert_eq!(seqs, (1..=newest).collect::<Vec<i64>>(), "gap-free and ordered");
        let got: Vec<i64> = frames
            .iter()
            .filter(|f| f["type"] == "new_message")
            .map(|f| f["data"]["messageId"].as_i64().unwrap())
            .collect();
        let mut expected = sent.clone();
        expected.sort();
        assert_eq!(got, expected, "every message once, in commit order");
    }
}

/// Each instance trusts a session it checked a moment ago without reading the database again
/// (`hub::sessions`). Signing out through one instance still ends the session on the other at
/// once: the bus tells it, long before what it trusted would go stale on its own (10 s).
#[tokio::test]
async fn signing_out_through_one_instance_ends_the_session_on_the_other_at_once() {
    let nats = NatsServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let storage = SharedStorage::fresh();
    let (_one_process, one) = start(dir.path(), &nats, &storage);
    let (_two_process, two) = start(dir.path(), &nats, &storage);
    let refused_on_two_soon = |token: String| {
        let two = two.clone();
        async move {
            let started = std::time::Instant::now();
            loop {
                let (status, _) = two.get("/api/users/me", &token).await;
                if status == StatusCode::UNAUTHORIZED {
                    return started.elapsed();
                }
                assert_eq!(status, StatusCode::OK);
                assert!(started.elapsed() < std::time::Duration::from_secs(3), "instance two still takes the token");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };

    // One session signed out.
    let (alice, _) = one.register("alice").await;
    assert_eq!(two.get("/api/users/me", &alice).await.0, StatusCode::OK, "instance two now trusts it");
    ok(one.post("/api/auth/logout", &alice, json!({})).await);
    assert_eq!(one.get("/api/users/me", &alice).await.0, StatusCode::UNAUTHORIZED, "at once where signed out");
    refused_on_two_soon(alice).await;

    // Every session of a person.
    let (bob, _) = one.register("bob").await;
    let (status, login) = two
        .call(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"userName": "bob", "password": "correct horse"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{login}");
    let bob_on_two = login["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(two.get("/api/users/me", &bob_on_two).await.0, StatusCode::OK);
    assert_eq!(two.get("/api/users/me", &bob).await.0, StatusCode::OK);
    ok(one.post("/api/auth/logout-all", &bob, json!({})).await);
    refused_on_two_soon(bob).await;
    refused_on_two_soon(bob_on_two).await;
}
