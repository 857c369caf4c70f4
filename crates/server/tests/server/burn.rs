//! Burn after reading and the list's mark read / mark unread, over real HTTP and WebSocket.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::{contains, db_bytes, stored_files, upload, wait_until, TestServer};

async fn patch(s: &TestServer, token: &str, cid: i64, body: Value) -> (StatusCode, Value) {
    s.call(Method::PATCH, &format!("/api/conversations/{cid}"), Some(token), Some(body)).await
}

async fn put(s: &TestServer, token: &str, path: &str) -> (StatusCode, Value) {
    s.call(Method::PUT, path, Some(token), None).await
}

async fn history_ids(s: &TestServer, token: &str, cid: i64) -> Vec<i64> {
    let (_, body) = s.get(&format!("/api/conversations/{cid}/messages?pageSize=100"), token).await;
    let list = body["data"]["list"].as_array().unwrap();
    // One page holds each test's chat: the total counts what is left after burning, no more.
    assert_eq!(body["data"]["total"].as_u64(), Some(list.len() as u64), "{body}");
    list.iter().map(|m| m["messageId"].as_i64().unwrap()).collect()
}

/// Alice and Bob with a one-to-one chat and burn after reading on at `secs`.
async fn pair_with_burn(s: &TestServer, secs: i64) -> (String, String, i64, i64) {
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let cid = s.send_text(&a, b_id, "hello first").await["conversationId"].as_i64().unwrap();
    let (status, body) = patch(s, &a, cid, json!({"isPrivateChat": true, "burnDuration": secs})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    (a, b, b_id, cid)
}

#[tokio::test]
async fn a_read_message_burns_on_both_screens_and_leaves_no_bytes() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let cid = s.send_text(&a, b_id, "before burning").await["conversationId"].as_i64().unwrap();
    let mut a_ws = s.socket(&a, None).await;
    let mut b_ws = s.socket(&b, None).await;
    a_ws.until_ready().await;
    b_ws.until_ready().await;

    // Bob turns it on: both see the setting and a notice saying who did it.
    let (status, body) = patch(&s, &b, cid, json!({"isPrivateChat": true, "burnDuration": 1})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["isPrivateChat"], true);
    assert_eq!(body["data"]["burnDuration"], 1);
    for ws in [&mut a_ws, &mut b_ws] {
        let notice = ws.next_of("new_message").await;
        assert_eq!(notice["data"]["messageType"], "system");
        assert_eq!(notice["data"]["system"]["kind"], "burn_after_reading");
        assert_eq!(notice["data"]["system"]["text"], "1");
        assert_eq!(notice["data"]["system"]["actorName"], "BOB");
        let updated = ws.next_of("conversation_updated").await;
        assert_eq!(updated["data"]["burnDuration"], 1);
    }

    let secret = "burn-me-7781-orchid";
    let (_, file) = upload(&s, &a, "secret-plan.txt", "text/plain", b"file-secret-5512".to_vec()).await;
    let file_id = file["data"]["fileId"].as_i64().unwrap();
    let text = s.send_text(&a, b_id, secret).await;
    assert_eq!(text["burnDuration"], 1);
    assert!(text.get("burnAt").is_none(), "the timer waits for the reader: {text}");
    let (status, sent) = s
        .post("/api/messages", &a, json!({"receiverId": b_id, "content": {"fileId": file_id}, "messageType": "file"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let ids = [text["messageId"].as_i64().unwrap(), sent["data"]["messageId"].as_i64().unwrap()];

    // Unread, it stays however long it waits.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let in_history = history_ids(&s, &b, cid).await;
    assert!(ids.iter().all(|id| in_history.contains(id)), "unread messages do not burn");

    assert_eq!(put(&s, &b, &format!("/api/conversations/{cid}/read")).await.0, StatusCode::OK);
    for ws in [&mut a_ws, &mut b_ws] {
        let mut burned = Vec::new();
        while burned.len() < 2 {
            let f = ws.next_of("message_burned").await;
            assert_eq!(f["data"]["conversationId"], cid);
            burned.push(f["data"]["messageId"].as_i64().unwrap());
        }
        burned.sort();
        assert_eq!(burned, ids);
    }
    for token in [&a, &b] {
        let left = history_ids(&s, token, cid).await;
        assert!(ids.iter().all(|id| !left.contains(id)), "burned messages are gone from history");
        let (status, _) = s.get(&format!("/api/files/{file_id}"), token).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the file link is gone too");
    }
    // The notice goes out as the burn commits (screens drop the message at once); the file and
    // the write-ahead log's old pages are erased right after. Under load that can be a moment
    // later than the notice, so the disk is given a few seconds.
    let erased = || stored_files(&s).is_empty() && !contains(&db_bytes(&s), secret);
    wait_until(Duration::from_secs(5), Duration::from_millis(50), erased).await;
    assert!(stored_files(&s).is_empty(), "the file's bytes are erased: {:?}", stored_files(&s));
    assert!(!contains(&db_bytes(&s), secret), "burned text is still in the database file");
    // A control message proves the check sees text that is there.
    s.send_text(&b, 1, "visible-marker-2718").await;
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    assert!(contains(&db_bytes(&s), "visible-marker-2718"));

    // Catch-up from the start replays the burn, not the text.
    let mut replay = s.socket(&b, Some(0)).await;
    let (frames, _) = replay.until_ready().await;
    let all = serde_json::to_string(&frames).unwrap();
    assert!(!all.contains(secret), "catch-up must not bring burned text back");
    assert!(frames.iter().any(|f| f["type"] == "message_burned" && f["data"]["messageId"] == ids[0]));
}

#[tokio::test]
async fn a_timer_running_when_the_server_stops_still_fires_after_a_restart() {
    let mut s = TestServer::start().await;
    let (a, b, b_id, cid) = pair_with_burn(&s, 2).await;
    let id = s.send_text(&a, b_id, "short-lived-4410").await["messageId"].as_i64().unwrap();
    assert_eq!(put(&s, &b, &format!("/api/conversations/{cid}/read")).await.0, StatusCode::OK);
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    let mine = page["data"]["list"].as_array().unwrap().iter().find(|m| m["messageId"] == id).unwrap().clone();
    assert!(mine["burnAt"].is_string(), "once read, the message says when it burns: {mine}");

    s.restart().await;
    assert!(history_ids(&s, &a, cid).await.contains(&id), "not before its time");
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(!history_ids(&s, &a, cid).await.contains(&id), "the restarted server burned it");
    assert!(!history_ids(&s, &b, cid).await.contains(&id));
}

#[tokio::test]
async fn burn_settings_are_checked_and_bad_ones_change_nothing() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let cid = s.send_text(&a, b_id, "hi").await["conversationId"].as_i64().unwrap();
    for bad in [
        json!({"isPrivateChat": true, "burnDuration": -5}),
        json!({"isPrivateChat": true, "burnDuration": 0}),
        json!({"isPrivateChat": true, "burnDuration": 604801}),
        json!({"isPrivateChat": true, "burnDuration": 9_000_000_000_000i64}),
        json!({"burnDuration": 10}),
    ] {
        let (status, body) = patch(&s, &a, cid, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad} → {body}");
        assert!(body["message"].as_str().unwrap().contains("urn"), "{body}");
    }
    let (status, _) = patch(&s, &a, cid, json!({"isPrivateChat": true, "burnDuration": "soon"})).await;
    assert!(status.is_client_error());
    let (status, _) = patch(&s, &c, cid, json!({"isPrivateChat": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not a member");
    let (_, view) = s.get(&format!("/api/conversations/{cid}"), &b).await;
    assert!(view["data"].get("isPrivateChat").is_none(), "still off: {view}");
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(page["data"]["list"].as_array().unwrap().len(), 1, "no notice was posted");

    let (_, group) = s.post("/api/groups", &a, json!({"name": "g", "memberIds": [b_id, c_id]})).await;
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    let (status, body) = patch(&s, &a, gid, json!({"isPrivateChat": true, "burnDuration": 30})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // On without a duration: 30 s, as OpenIM does; off again is a notice too.
    let (_, on) = patch(&s, &a, cid, json!({"isPrivateChat": true})).await;
    assert_eq!(on["data"]["burnDuration"], 30);
    let (_, off) = patch(&s, &b, cid, json!({"isPrivateChat": false})).await;
    assert!(off["data"].get("isPrivateChat").is_none(), "{off}");
    let plain = s.send_text(&a, b_id, "kept").await["burnDuration"].clone();
    assert!(plain.is_null(), "sent while off, it is kept");
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    let kinds: Vec<Value> =
        page["data"]["list"].as_array().unwrap().iter().map(|m| m["system"]["text"].clone()).collect();
    assert_eq!(kinds, vec![Value::Null, json!("30"), Value::Null, Value::Null]);
}

#[tokio::test]
async fn mark_unread_and_read_from_the_list_reach_the_other_tabs() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, _) = s.register("carol").await;
    let cid = s.send_text(&a, b_id, "one").await["conversationId"].as_i64().unwrap();
    s.send_text(&a, b_id, "two").await;
    let mut other_tab = s.socket(&b, None).await;
    other_tab.until_ready().await;

    // Read without opening (seed 003's dismiss-notification).
    assert_eq!(put(&s, &b, &format!("/api/conversations/{cid}/read")).await.0, StatusCode::OK);
    let read = other_tab.next_of("read").await;
    assert_eq!(read["data"]["readerId"], b_id);
    let (_, unread) = s.get("/api/messages/unread-count", &b).await;
    assert_eq!(unread["data"]["totalUnread"], 0);

    let (status, body) = put(&s, &b, &format!("/api/conversations/{cid}/unread")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["unreadCount"], 1);
    assert_eq!(body["data"]["isMarkedUnread"], true);
    let updated = other_tab.next_of("conversation_updated").await;
    assert_eq!(updated["data"]["unreadCount"], 1);
    let (_, unread) = s.get("/api/messages/unread-count", &b).await;
    assert_eq!(unread["data"]["totalUnread"], 1, "counted in the total like any unread chat");
    // Alice's read marks are Bob's to give, not to take back.
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert!(page["data"]["list"].as_array().unwrap().iter().all(|m| m["isRead"] == true));

    // A new message on top counts as itself, not twice.
    s.send_text(&a, b_id, "three").await;
    let (_, view) = s.get(&format!("/api/conversations/{cid}"), &b).await;
    assert_eq!(view["data"]["unreadCount"], 1);

    assert_eq!(put(&s, &b, &format!("/api/conversations/{cid}/read")).await.0, StatusCode::OK);
    let (_, view) = s.get(&format!("/api/conversations/{cid}"), &b).await;
    assert_eq!(view["data"]["unreadCount"], 0);
    assert!(view["data"].get("isMarkedUnread").is_none());

    // Marked unread with nothing new, then read: the mark goes and the other tab hears.
    put(&s, &b, &format!("/api/conversations/{cid}/unread")).await;
    other_tab.next_of("conversation_updated").await;
    put(&s, &b, &format!("/api/conversations/{cid}/read")).await;
    let cleared = other_tab.next_of("read").await;
    assert_eq!(cleared["data"]["readerId"], b_id);
    let (_, view) = s.get(&format!("/api/conversations/{cid}"), &b).await;
    assert_eq!(view["data"]["unreadCount"], 0);

    assert_eq!(put(&s, &c, &format!("/api/conversations/{cid}/unread")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(put(&s, &b, "/api/conversations/999999/unread").await.0, StatusCode::NOT_FOUND);
}
