//! Seed 004's API as its document writes it, at its own paths (`/chat/sessions…`): each
//! endpoint replayed against a real server with the stand-in model.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::assistant::{history, read_all, with_model};
use super::model::GREETING;

#[tokio::test]
async fn seed_004s_own_paths_at_the_root_are_the_same_sessions() {
    let (s, _model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    // 聊天接口（流式）: POST /chat/sessions/{session_id}/chat {"message"} → plain text, streamed.
    let res = s
        .http
        .post(format!("{}/chat/sessions/seed-4/chat", s.base))
        .bearer_auth(&alice)
        .json(&json!({"message": "Hi there"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(read_all(res).await.0.iter().map(|(p, _)| p.as_str()).collect::<String>(), GREETING.concat());
    // 查询所有会话列表, 查询聊天记录: the same sessions as under /api.
    let (status, list) = s.get("/chat/sessions", &alice).await;
    assert_eq!((status, list["message"].as_str()), (StatusCode::OK, Some("success")));
    assert_eq!(list["data"][0]["session_id"], "seed-4");
    let (_, h) = s.get("/chat/sessions/seed-4/messages", &alice).await;
    assert_eq!(h["data"]["total_messages"], 2);
    let (_, same) = history(&s, &alice, "seed-4").await;
    assert_eq!(h, same);
    // 错误响应（非流式）: an empty message is 400 in the envelope.
    let (status, body) = s.post("/chat/sessions/seed-4/chat", &alice, json!({"message": ""})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["data"], Value::Null);
    // 删除会话.
    let (status, body) = s.call(Method::DELETE, "/chat/sessions/seed-4", Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["deleted_messages_count"], 2);
    let (status, _) = s.get("/chat/sessions/seed-4/messages", &alice).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
