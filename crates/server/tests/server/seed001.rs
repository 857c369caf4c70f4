//! Seed 001's API as its document writes it: each request example replayed against a real
//! server, the answers checked field by field, and what it changes seen through Confab's own API.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::TestServer;

/// Alice and Bob, signed up: (alice's token, bob's token, bob's id).
async fn two_people(s: &TestServer) -> (String, String, i64) {
    let (alice, _) = s.register("alice").await;
    let (bob, bob_id) = s.register("bob").await;
    (alice, bob, bob_id)
}

#[tokio::test]
async fn private_chat_send_list_and_history_as_written() {
    let s = TestServer::start().await;
    let (alice, bob, bob_id) = two_people(&s).await;

    // 创建私聊: {"id": "67890"} → 201, data null.
    let (status, body) = s.post("/api/auth/conversations/private", &alice, json!({"id": bob_id.to_string()})).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body, json!({"code": 201, "message": "success", "data": null}));

    // 加载会话列表: remark, conversation_id (a string), unread_count, content.
    let (status, body) = s.get("/api/auth/conversations", &alice).await;
    assert_eq!(status, StatusCode::OK);
    let list = body["data"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    let conversation_id = list[0]["conversation_id"].as_str().expect("conversation_id is a string").to_string();
    assert_eq!(list[0]["remark"], "BOB");
    let cid: i64 = conversation_id.parse().unwrap();

    // 发送文本消息: {"conversation_id": "123456", "content": "大家下午见！"} → 201, data: the new id.
    let (status, body) = s
        .post("/api/auth/messages", &alice, json!({"conversation_id": conversation_id, "content": "大家下午见！"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sent = body["data"].as_i64().expect("data is the new message's id");
    // Bob sees it through Confab's own API, and answers.
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &bob).await;
    assert_eq!(page["data"]["list"][0]["messageId"], sent);
    assert_eq!(page["data"]["list"][0]["content"], "大家下午见！");
    s.send_text(&bob, s.get("/api/users/me", &alice).await.1["data"]["userId"].as_i64().unwrap(), "下午一起吃饭？")
        .await;

    let (_, body) = s.get("/api/auth/conversations", &alice).await;
    assert_eq!(body["data"][0]["unread_count"], 1);
    assert_eq!(body["data"][0]["content"], "下午一起吃饭？");

    // 加载聊天记录: oldest first, ids as strings, status 0 for text, updated_at, content.
    let (status, body) = s.get(&format!("/api/auth/conversations/{conversation_id}"), &alice).await;
    assert_eq!(status, StatusCode::OK);
    let history = body["data"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["message_id"], sent.to_string());
    assert_eq!(history[0]["sender_name"], "ALICE");
    assert_eq!(history[0]["status"], 0);
    assert_eq!(history[0]["content"], "大家下午见！");
    assert_eq!(history[1]["content"], "下午一起吃饭？");
    assert_eq!(history[1]["sender_id"], bob_id.to_string());
    for m in history {
        for key in ["message_id", "sender_id", "sender_name", "status", "updated_at", "content"] {
            assert!(m.get(key).is_some(), "{key} in {m}");
        }
        assert!(m["updated_at"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn files_show_as_status_3_and_recalled_ones_are_left_out() {
    let s = TestServer::start().await;
    let (alice, _bob, bob_id) = two_people(&s).await;
    let (_, up) = super::common::upload(&s, &alice, "doc.pdf", "application/pdf", b"%PDF-1.4 a".to_vec()).await;
    let file_id = up["data"]["fileId"].as_i64().unwrap();
    let (status, sent) = s
        .post(
            "/api/messages",
            &alice,
            json!({"receiverId": bob_id, "content": {"fileId": file_id}, "messageType": "file"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let cid = sent["data"]["conversationId"].as_i64().unwrap();
    let oops = s.send_text(&alice, bob_id, "oops, wrong chat").await;

    // 撤回消息: DELETE with {"id": "3001"} → 201.
    let (status, body) = s
        .call(
            Method::DELETE,
            "/api/auth/messages/recall",
            Some(&alice),
            Some(json!({"id": oops["messageId"].to_string()})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["data"], oops["messageId"]);

    let (_, body) = s.get(&format!("/api/auth/conversations/{cid}"), &alice).await;
    let history = body["data"].as_array().unwrap();
    assert_eq!(history.len(), 1, "the recalled message is filtered out: {body}");
    assert_eq!(history[0]["status"], 3);
    let file = &history[0]["content"];
    assert_eq!(file["file_name"], "doc.pdf");
    assert_eq!(file["file_type"], "application/pdf");
    assert_eq!(file["file_size"], 10);
    let url = file["file_url"].as_str().unwrap();
    let bytes = s.http.get(format!("{}{url}", s.base)).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(&bytes[..], b"%PDF-1.4 a", "the file_url downloads the file");

    // 删除消息（仅对当前用户隐藏）: {"id"} → 200, data null; gone for Alice only.
    let (status, body) = s
        .call(Method::DELETE, "/api/auth/messages/delete", Some(&alice), Some(json!({"id": history[0]["message_id"]})))
        .await;
    assert_eq!((status, body["data"].clone()), (StatusCode::OK, Value::Null));
    let (_, body) = s.get(&format!("/api/auth/conversations/{cid}"), &alice).await;
    assert_eq!(body["data"], json!([]));
}

#[tokio::test]
async fn bad_input_and_other_peoples_things_are_refused_in_the_same_envelope() {
    let s = TestServer::start().await;
    let (alice, bob, bob_id) = two_people(&s).await;
    let (carol, _) = s.register("carol").await;
    s.post("/api/auth/conversations/private", &alice, json!({"id": bob_id})).await;
    let (_, list) = s.get("/api/auth/conversations", &alice).await;
    let cid = list["data"][0]["conversation_id"].as_str().unwrap().to_string();
    let sent =
        s.post("/api/auth/messages", &alice, json!({"conversation_id": cid, "content": "hi"})).await.1["data"].clone();

    let cases: Vec<(Method, String, &str, Option<Value>, StatusCode)> = vec![
        (
            Method::POST,
            "/api/auth/conversations/private".into(),
            &alice,
            Some(json!({"id": "abc"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/auth/conversations/private".into(),
            &alice,
            Some(json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/auth/conversations/private".into(),
            &alice,
            Some(json!({"id": "999999"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/auth/messages".into(),
            &alice,
            Some(json!({"conversation_id": cid, "content": ""})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/auth/messages".into(),
            &carol,
            Some(json!({"conversation_id": cid, "content": "let me in"})),
            StatusCode::NOT_FOUND,
        ),
        (Method::GET, format!("/api/auth/conversations/{cid}"), &carol, None, StatusCode::NOT_FOUND),
        (Method::GET, "/api/auth/conversations/abc".into(), &alice, None, StatusCode::BAD_REQUEST),
        (
            Method::DELETE,
            "/api/auth/messages/recall".into(),
            &bob,
            Some(json!({"id": sent.to_string()})),
            StatusCode::FORBIDDEN,
        ),
        (
            Method::DELETE,
            "/api/auth/messages/delete".into(),
            &carol,
            Some(json!({"id": sent.to_string()})),
            StatusCode::NOT_FOUND,
        ),
    ];
    for (method, path, who, body, expected) in cases {
        let (status, answer) = s.call(method.clone(), &path, Some(who), body.clone()).await;
        assert_eq!(status, expected, "{method} {path} {body:?}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(answer["data"], Value::Null);
    }
    let res = s.http.get(format!("{}/api/auth/conversations", s.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    // Nothing of the refused calls changed anything.
    let (_, history) = s.get(&format!("/api/auth/conversations/{cid}"), &alice).await;
    assert_eq!(history["data"].as_array().unwrap().len(), 1);
}
