use std::time::Duration;

use reqwest::{Method, StatusCode};

use super::common::{contains, db_bytes, TestServer};

#[tokio::test]
async fn only_the_sender_recalls_and_the_text_is_erased_from_disk() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let secret = "my bank PIN is 8265-zebra";
    let m = s.send_text(&a, b_id, secret).await;
    let id = m["messageId"].as_i64().unwrap();
    let cid = m["conversationId"].as_i64().unwrap();
    let mut a_ws = s.socket(&a, None).await;
    let mut b_ws = s.socket(&b, None).await;
    a_ws.until_ready().await;
    b_ws.until_ready().await;

    let (status, body) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&b), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, recalled) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(recalled["data"]["status"], "recalled");
    assert_eq!(recalled["data"]["content"], "");
    for ws in [&mut a_ws, &mut b_ws] {
        let f = ws.next().await;
        assert_eq!(f["type"], "message_recalled");
        assert_eq!(f["data"]["messageId"], id);
        assert_eq!(f["data"]["conversationId"], cid);
    }
    // The message keeps its place; both sides see it recalled; the preview says so.
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(history["data"]["list"][0]["status"], "recalled");
    assert_eq!(history["data"]["list"][0]["content"], "");
    let (_, list) = s.get("/api/conversations", &b).await;
    assert_eq!(list["data"]["list"][0]["lastMessage"], "[Recalled]");
    assert_eq!(list["data"]["list"][0]["unreadCount"], 0);

    // Gone from the database file and its log, not just hidden.
    let bytes = db_bytes(&s);
    assert!(!contains(&bytes, secret), "recalled text still in the database ({} bytes)", bytes.len());
    // A control message proves the check can see text that is there.
    s.send_text(&b, a_id, "visible-marker-3141").await;
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    assert!(contains(&db_bytes(&s), "visible-marker-3141"));
}

/// The catch-up log keeps list updates whose preview quotes the newest message (pinning the
/// chat logs one): recalling that message scrubs those too, found among the conversation's events.
#[tokio::test]
async fn a_recalled_text_leaves_the_list_updates_in_the_log_too() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let secret = "the vault code is 4471-heron";
    let m = s.send_text(&a, b_id, secret).await;
    let (id, cid) = (m["messageId"].as_i64().unwrap(), m["conversationId"].as_i64().unwrap());
    let pin = serde_json::json!({"isPinned": true});
    let (status, body) = s.call(Method::PATCH, &format!("/api/conversations/{cid}"), Some(&b), Some(pin)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut replay = s.socket(&b, Some(0)).await;
    let (logged, _) = replay.until_ready().await;
    let updates: Vec<_> = logged.iter().filter(|f| f["type"] == "conversation_updated").collect();
    assert!(updates.iter().any(|f| f["data"]["lastMessage"] == secret), "pinning logged the preview: {logged:?}");

    let (status, _) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    let mut replay = s.socket(&b, Some(0)).await;
    let (logged, _) = replay.until_ready().await;
    assert!(!logged.iter().any(|f| f.to_string().contains(secret)), "a replayed event still quotes it: {logged:?}");
    assert!(logged.iter().any(|f| f["type"] == "conversation_updated" && f["data"]["lastMessage"] == "[Recalled]"));
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    assert!(!contains(&db_bytes(&s), secret));
}

/// The log is folded into the database file by a task of its own while writes go on; a recall's
/// own checkpoint (which empties the log) must not be skipped when it meets that task's.
#[tokio::test]
async fn each_recalled_text_is_gone_from_disk_while_the_log_is_being_folded_in() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    for n in 0..40 {
        let secret = format!("one-time code {n}-quartz-{}", n * 7919);
        let m = s.send_text(&a, b_id, &secret).await;
        // Writes in between keep the folding task busy.
        s.send_text(&a, b_id, &format!("filler {n}")).await;
        let id = m["messageId"].as_i64().unwrap();
        let (status, _) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&a), None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!contains(&db_bytes(&s), &secret), "recall {n}: the text is still on disk");
    }
}

#[tokio::test]
async fn recall_is_refused_after_the_window() {
    let s = TestServer::start_with(|c| c.recall_window = Duration::from_millis(300)).await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let id = s.send_text(&a, b_id, "too late to take back").await["messageId"].as_i64().unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&a), None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(body["message"].as_str().unwrap().contains("recalled within"), "{body}");
    let (_, m) = s.get(&format!("/api/conversations/{}/messages", 1), &a).await;
    assert_eq!(m["data"]["list"][0]["content"], "too late to take back");
}

#[tokio::test]
async fn delete_for_me_hides_for_the_caller_only_also_after_a_restart() {
    let mut s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, _) = s.register("bob").await;
    let keep = s.send_text(&b, a_id, "keep me").await;
    let gone = s.send_text(&b, a_id, "delete me").await;
    let cid = gone["conversationId"].as_i64().unwrap();
    let gone_id = gone["messageId"].as_i64().unwrap();

    let (status, _) = s.call(Method::DELETE, &format!("/api/messages/{gone_id}"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    let texts = |v: &serde_json::Value| -> Vec<String> {
        v["data"]["list"].as_array().unwrap().iter().map(|m| m["content"].as_str().unwrap().to_string()).collect()
    };
    let (_, mine) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(texts(&mine), vec!["keep me"]);
    let (_, list) = s.get("/api/conversations", &a).await;
    assert_eq!(list["data"]["list"][0]["lastMessage"], "keep me", "the preview skips what I deleted");
    let (_, unread) = s.get("/api/messages/unread-count", &a).await;
    assert_eq!(unread["data"]["totalUnread"], 1, "a deleted message is not unread");
    let (_, theirs) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(texts(&theirs), vec!["keep me", "delete me"]);
    assert_eq!((mine["data"]["total"].as_i64(), theirs["data"]["total"].as_i64()), (Some(1), Some(2)));
    // Deleting it again: it is gone for me.
    let (status, _) = s.call(Method::DELETE, &format!("/api/messages/{gone_id}"), Some(&a), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    s.restart().await;
    let (_, mine) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(texts(&mine), vec!["keep me"]);
    let (_, theirs) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(texts(&theirs), vec!["keep me", "delete me"], "every acknowledged message survives the restart");
    assert_eq!(theirs["data"]["list"][0]["messageId"], keep["messageId"]);
}
