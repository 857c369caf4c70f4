use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::TestServer;

#[tokio::test]
async fn a_sends_b_reads_with_live_events_and_receipts() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut a_ws = s.socket(&a, None).await;
    let mut b_ws = s.socket(&b, None).await;
    a_ws.until_ready().await;
    b_ws.until_ready().await;

    // First send by receiverId creates the conversation.
    let sent = s.send_text(&a, b_id, "Hello Bob").await;
    let cid = sent["conversationId"].as_i64().unwrap();
    assert!(cid > 0);
    assert_eq!(sent["senderId"], a_id);
    assert_eq!(sent["receiverId"], b_id);
    assert_eq!(sent["isRead"], false);

    // B's socket gets new_message with seed 000's fields.
    let frame = b_ws.next().await;
    assert_eq!(frame["type"], "new_message");
    let m = &frame["data"];
    for field in
        ["messageId", "conversationId", "senderId", "senderName", "senderAvatar", "content", "messageType", "createdAt"]
    {
        assert!(m.get(field).is_some(), "new_message lacks {field}: {m}");
    }
    assert_eq!(m["messageId"], sent["messageId"]);
    assert_eq!(m["content"], "Hello Bob");
    assert_eq!(m["senderName"], "ALICE");
    // A's own socket hears it too (for A's other tabs).
    assert_eq!(a_ws.next().await["data"]["messageId"], sent["messageId"]);

    // B's list shows the preview and one unread; the total is 1.
    let (_, list) = s.get("/api/conversations", &b).await;
    let conv = &list["data"]["list"][0];
    assert_eq!(list["data"]["total"], 1);
    assert_eq!(conv["conversationId"], cid);
    assert_eq!(conv["targetUserId"], a_id);
    assert_eq!(conv["targetUserName"], "ALICE");
    assert_eq!(conv["lastMessage"], "Hello Bob");
    assert_eq!(conv["unreadCount"], 1);
    let (_, total) = s.get("/api/messages/unread-count", &b).await;
    assert_eq!(total["data"]["totalUnread"], 1);
    // A's own message is not unread for A.
    let (_, total) = s.get("/api/messages/unread-count", &a).await;
    assert_eq!(total["data"]["totalUnread"], 0);

    // B marks read: A hears `read`, and A's message now reads isRead: true.
    let (status, _) = s.call(Method::PUT, &format!("/api/conversations/{cid}/read"), Some(&b), None).await;
    assert_eq!(status, StatusCode::OK);
    let receipt = a_ws.next().await;
    assert_eq!(receipt["type"], "read");
    assert_eq!(
        receipt["data"],
        json!({"conversationId": cid, "readerId": b_id, "lastReadMessageId": sent["messageId"]})
    );
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(history["data"]["list"][0]["isRead"], true);
    let (_, total) = s.get("/api/messages/unread-count", &b).await;
    assert_eq!(total["data"]["totalUnread"], 0);
    // Marking read again changes nothing and sends no new receipt.
    s.call(Method::PUT, &format!("/api/conversations/{cid}/read"), Some(&b), None).await;
    b_ws.next().await; // B's own tab heard its first read
    a_ws.expect_quiet().await;

    // A second send to the same person lands in the same conversation.
    let again = s.send_text(&b, a_id, "Hi Alice").await;
    assert_eq!(again["conversationId"], cid);
}

#[tokio::test]
async fn client_msg_id_makes_sending_idempotent() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let body = json!({"receiverId": b_id, "content": "only once", "clientMsgId": "c-1"});
    let (first_status, first) = s.post("/api/messages", &a, body.clone()).await;
    let (again_status, again) = s.post("/api/messages", &a, body).await;
    assert_eq!(first_status, StatusCode::CREATED);
    assert_eq!(again_status, StatusCode::OK);
    assert_eq!(first["data"]["messageId"], again["data"]["messageId"]);
    assert_eq!(again["data"]["clientMsgId"], "c-1");
    let cid = first["data"]["conversationId"].as_i64().unwrap();
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(history["data"]["total"], 1);
}

#[tokio::test]
async fn pinned_first_and_muted_keeps_count_but_leaves_total() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, _) = s.register("bob").await;
    let (c, _) = s.register("carol").await;
    let with_b = s.send_text(&b, a_id, "from bob").await["conversationId"].as_i64().unwrap();
    let with_c = s.send_text(&c, a_id, "from carol").await["conversationId"].as_i64().unwrap();
    s.send_text(&c, a_id, "carol again").await;

    let order = |list: &serde_json::Value| -> Vec<i64> {
        list["data"]["list"].as_array().unwrap().iter().map(|c| c["conversationId"].as_i64().unwrap()).collect()
    };
    let (_, list) = s.get("/api/conversations", &a).await;
    assert_eq!(order(&list), vec![with_c, with_b], "newest first");

    let (status, patched) =
        s.call(Method::PATCH, &format!("/api/conversations/{with_b}"), Some(&a), Some(json!({"isPinned": true}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["data"]["isPinned"], true);
    let (_, list) = s.get("/api/conversations", &a).await;
    assert_eq!(order(&list), vec![with_b, with_c], "pinned first");
    // Pinning is A's own: B's view is untouched.
    let (_, b_view) = s.get(&format!("/api/conversations/{with_b}"), &b).await;
    assert_eq!(b_view["data"]["isPinned"], false);

    let (_, total) = s.get("/api/messages/unread-count", &a).await;
    assert_eq!(total["data"]["totalUnread"], 3);
    s.call(Method::PATCH, &format!("/api/conversations/{with_c}"), Some(&a), Some(json!({"recvMsgOpt": 1}))).await;
    let (_, c_view) = s.get(&format!("/api/conversations/{with_c}"), &a).await;
    assert_eq!(c_view["data"]["recvMsgOpt"], 1);
    assert_eq!(c_view["data"]["unreadCount"], 2, "a muted conversation keeps its own count");
    let (_, total) = s.get("/api/messages/unread-count", &a).await;
    assert_eq!(total["data"]["totalUnread"], 1, "but leaves the total");

    // Drafts are kept per member and come back.
    s.call(
        Method::PATCH,
        &format!("/api/conversations/{with_c}"),
        Some(&a),
        Some(json!({"draftText": "half a thought"})),
    )
    .await;
    let (_, c_view) = s.get(&format!("/api/conversations/{with_c}"), &a).await;
    assert_eq!(c_view["data"]["draftText"], "half a thought");

    // Paging the list.
    let (_, page) = s.get("/api/conversations?page=2&pageSize=1", &a).await;
    assert_eq!(order(&page), vec![with_c]);
    assert_eq!(page["data"]["total"], 2);
}

#[tokio::test]
async fn search_finds_people_and_their_conversation() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (_, b_id) = s.register("bobby").await;
    let (c, _) = s.register("bobcat").await;
    let cid = s.send_text(&c, a_id, "hi").await["conversationId"].as_i64().unwrap();
    let (status, hits) = s.get("/api/conversations/search?keyword=bob", &a).await;
    assert_eq!(status, StatusCode::OK);
    let hits = hits["data"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 2);
    let bobcat = hits.iter().find(|h| h["userName"] == "bobcat").unwrap();
    assert_eq!(bobcat["conversationId"], cid);
    let bobby = hits.iter().find(|h| h["userName"] == "bobby").unwrap();
    assert_eq!(bobby["userId"], b_id);
    assert!(bobby.get("conversationId").is_none());
    // Nobody finds themselves; wildcards are literal.
    let (_, none) = s.get("/api/conversations/search?keyword=alice", &a).await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);
    let (_, none) = s.get("/api/conversations/search?keyword=%25", &a).await;
    assert_eq!(none["data"].as_array().unwrap().len(), 0);

    // Opening a private chat: 201 the first time, 200 after; seed 001's {"id": "…"} works.
    let (status, opened) = s.post("/api/conversations/private", &a, json!({"userId": b_id})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = s.post("/api/conversations/private", &a, json!({"id": b_id.to_string()})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(opened["data"]["conversationId"], again["data"]["conversationId"]);
}
