use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::TestServer;

async fn raw(
    s: &TestServer,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &str,
    content_type: &str,
) -> (StatusCode, Value) {
    let mut req =
        s.http.request(method, format!("{}{path}", s.base)).header("content-type", content_type).body(body.to_string());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.expect("an envelope, even for bad input"))
}

#[tokio::test]
async fn bad_input_gets_a_named_4xx_and_stores_nothing() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let cases: Vec<(&str, StatusCode, &str)> = vec![
        (r#"{"receiverId": 2, "content": ""}"#, StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (r#"{"receiverId": 2, "content": "   \n "}"#, StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (r#"{"receiverId": 2, "content": 5}"#, StatusCode::UNPROCESSABLE_ENTITY, "content"),
        (r#"{"receiverId": "bob", "content": "hi"}"#, StatusCode::UNPROCESSABLE_ENTITY, "receiverId"),
        (r#"{"receiverId": 2}"#, StatusCode::UNPROCESSABLE_ENTITY, "content"),
        (
            r#"{"receiverId": 2, "content": "hi", "messageType": "video"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "messageType",
        ),
        (r#"{"receiverId": 2, "content": "hi""#, StatusCode::BAD_REQUEST, "malformed"),
        (r#"[1, 2]"#, StatusCode::UNPROCESSABLE_ENTITY, "JSON object"),
        (r#"[2, "hi"]"#, StatusCode::UNPROCESSABLE_ENTITY, "JSON object"),
        (r#"{"receiverId": 9999, "content": "hi"}"#, StatusCode::NOT_FOUND, "9999"),
        (r#"{"conversationId": 9999, "content": "hi"}"#, StatusCode::NOT_FOUND, "9999"),
        (r#"{"content": "hi"}"#, StatusCode::UNPROCESSABLE_ENTITY, "receiverId"),
        (r#"{"receiverId": 1, "content": "hi"}"#, StatusCode::UNPROCESSABLE_ENTITY, "yourself"),
        (r#"{"receiverId": 2, "content": {"fileId": 77}, "messageType": "file"}"#, StatusCode::NOT_FOUND, "77"),
        (r#"{"receiverId": 2, "content": "hi", "messageType": "system"}"#, StatusCode::UNPROCESSABLE_ENTITY, "system"),
        // PostgreSQL's text cannot hold U+0000: refused on either database, never a 500.
        (r#"{"receiverId": 2, "content": "a\u0000b"}"#, StatusCode::UNPROCESSABLE_ENTITY, "NUL"),
    ];
    assert_eq!(b_id, 2);
    for (body, want, mentions) in cases {
        let (status, env) = raw(&s, Method::POST, "/api/messages", Some(&a), body, "application/json").await;
        assert_eq!(status, want, "{body} -> {env}");
        let message = env["message"].as_str().unwrap();
        assert!(message.contains(mentions), "{body}: message {message:?} should mention {mentions:?}");
        assert!(env["data"].is_null());
    }
    let too_long = "字".repeat(5001);
    let (status, env) = s.post("/api/messages", &a, json!({"receiverId": b_id, "content": too_long})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(env["message"].as_str().unwrap().contains("5000"));
    // Exactly 5,000 characters is allowed.
    s.send_text(&a, b_id, &"字".repeat(5000)).await;
    let (status, env) = s.get("/api/conversations/search?keyword=a%00b", &a).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{env}");

    let (status, _) =
        raw(&s, Method::POST, "/api/messages", Some(&a), r#"{"receiverId":2,"content":"x"}"#, "text/plain").await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _) =
        raw(&s, Method::POST, "/api/messages", None, r#"{"receiverId":2,"content":"x"}"#, "application/json").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = raw(
        &s,
        Method::POST,
        "/api/messages",
        Some("not-a-token"),
        r#"{"receiverId":2,"content":"x"}"#,
        "application/json",
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // Bad paths and queries, and patches.
    let (status, _) = s.get("/api/conversations/abc/messages", &a).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s.get("/api/conversations/1/messages?beforeMessageId=x", &a).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = s.get("/api/conversations/search", &a).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.call(Method::PATCH, "/api/conversations/1", Some(&a), Some(json!({"recvMsgOpt": 7}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.call(Method::PATCH, "/api/conversations/1", Some(&a), Some(json!({"isPinned": "yes"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.get("/api/no/such/thing", &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Only the one good message was stored.
    let (_, history) = s.get("/api/conversations/1/messages", &a).await;
    assert_eq!(history["data"]["total"], 1);
    // An escaped backslash before "u0000" is text, not a NUL.
    assert_eq!(s.send_text(&a, b_id, "C:\\u0000").await["content"], "C:\\u0000");
    let (_, settings) = s.get("/api/conversations/1", &a).await;
    assert_eq!(settings["data"]["recvMsgOpt"], 0);
    assert_eq!(settings["data"]["isPinned"], false);
}

#[tokio::test]
async fn a_stranger_cannot_reach_someone_elses_conversation() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (eve, _) = s.register("eve").await;
    let m = s.send_text(&a, b_id, "private").await;
    let (cid, mid) = (m["conversationId"].as_i64().unwrap(), m["messageId"].as_i64().unwrap());
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(b"secret".to_vec()).file_name("s.txt"));
    let up: Value = s
        .http
        .post(format!("{}/api/files", s.base))
        .bearer_auth(&a)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file_id = up["data"]["fileId"].as_i64().unwrap();
    s.post("/api/messages", &a, json!({"conversationId": cid, "messageType": "file", "content": {"fileId": file_id}}))
        .await;

    let attempts: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/api/conversations/{cid}"), None),
        (Method::GET, format!("/api/conversations/{cid}/messages"), None),
        (Method::PUT, format!("/api/conversations/{cid}/read"), None),
        (Method::PATCH, format!("/api/conversations/{cid}"), Some(json!({"isPinned": true}))),
        (Method::POST, format!("/api/messages/{mid}/recall"), None),
        (Method::DELETE, format!("/api/messages/{mid}"), None),
        (Method::GET, format!("/api/files/{file_id}"), None),
        (Method::POST, "/api/messages".into(), Some(json!({"conversationId": cid, "content": "let me in"}))),
        (
            Method::POST,
            "/api/messages".into(),
            Some(json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": file_id}})),
        ),
    ];
    for (method, path, body) in attempts {
        let (status, env) = s.call(method.clone(), &path, Some(&eve), body).await;
        assert!(matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND), "{method} {path}: {status} {env}");
    }
    // Members can.
    let (status, info) = s.get(&format!("/api/files/{file_id}"), &b).await;
    assert_eq!(status, StatusCode::OK);
    assert!(info["data"]["fileUrl"].as_str().unwrap().contains("sig="));
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(history["data"]["total"], 2, "nothing the stranger sent landed");
    let (_, eve_list) = s.get("/api/conversations", &eve).await;
    assert_eq!(eve_list["data"]["total"], 0);
}
