//! The assistant against a real OpenAI-compatible server (the stand-in in `model.rs`): replies
//! stream piece by piece, history goes as context, Stop and a closed tab stop the model, failures
//! keep what was said, one reply per session, and sessions are private.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::{contains, db_bytes, next_request, wait_until, TestServer};
use super::model::{FakeModel, GREETING};

pub(super) async fn with_model(adjust: impl FnOnce(&mut confab_server::Config)) -> (TestServer, FakeModel) {
    let model = FakeModel::start().await;
    let url = model.url.clone();
    let server = TestServer::start_with(move |c| {
        c.ai.url = Some(url);
        c.ai.model = "test-model".into();
        c.ai.key = Some("sk-test".into());
        c.ai.system_prompt = Some("You are Confab's assistant.".into());
        c.ai.idle_timeout = Duration::from_millis(500);
        adjust(c);
    })
    .await;
    (server, model)
}

/// Starts a chat; the raw response, for reading as a stream.
async fn chat(s: &TestServer, token: &str, session: &str, body: Value) -> reqwest::Response {
    s.http
        .post(format!("{}/api/chat/sessions/{session}/chat", s.base))
        .bearer_auth(token)
        .header("accept-encoding", "gzip, br")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Reads a reply to its end: the pieces and when each arrived, and whether it ended cleanly.
pub(super) async fn read_all(res: reqwest::Response) -> (Vec<(String, Instant)>, bool) {
    let mut pieces = Vec::new();
    let mut body = res.bytes_stream();
    while let Some(next) = tokio::time::timeout(Duration::from_secs(10), body.next()).await.expect("the reply ends") {
        match next {
            Ok(bytes) => pieces.push((String::from_utf8(bytes.to_vec()).unwrap(), Instant::now())),
            Err(_) => return (pieces, false),
        }
    }
    (pieces, true)
}

pub(super) async fn history(s: &TestServer, token: &str, session: &str) -> (StatusCode, Value) {
    s.get(&format!("/api/chat/sessions/{session}/messages"), token).await
}

#[tokio::test]
async fn with_no_model_every_endpoint_says_how_to_connect_one() {
    let s = TestServer::start().await;
    let (alice, _) = s.register("alice").await;
    for (method, path, body) in [
        (Method::GET, "/api/chat/sessions", None),
        (Method::GET, "/api/chat/sessions/s1/messages", None),
        (Method::DELETE, "/api/chat/sessions/s1", None),
        (Method::POST, "/api/chat/sessions/s1/chat", Some(json!({"message": "hi"}))),
    ] {
        let (status, body) = s.call(method, path, Some(&alice), body).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains("--ai-url"), "{body}");
    }
}

#[tokio::test]
async fn a_reply_streams_piece_by_piece_and_is_kept_with_the_question() {
    let (s, model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    let mut other_tab = s.socket(&alice, None).await;
    other_tab.until_ready().await;

    let res = chat(&s, &alice, "first-chat", json!({"message": "Hi there"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert!(res.headers().get("content-encoding").is_none(), "a streamed reply is not compressed");
    let (pieces, clean) = read_all(res).await;
    assert!(clean);
    let text: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(text, GREETING.concat());
    // The first piece was here before the model had finished (it takes 4 × 60 ms).
    let finished = model.finished_at()[0];
    assert!(pieces.len() >= 3, "arrived in pieces: {pieces:?}");
    assert!(pieces[0].1 + Duration::from_millis(100) < finished, "first piece came before the model finished");

    let (status, h) = history(&s, &alice, "first-chat").await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["data"]["session_id"], "first-chat");
    assert!(h["data"]["title"].as_str().unwrap().starts_with("会话 "), "{h}");
    assert_eq!(h["data"]["total_messages"], 2);
    let messages = h["data"]["messages"].as_array().unwrap();
    assert_eq!((messages[0]["role"].as_str(), messages[0]["content"].as_str()), (Some("human"), Some("Hi there")));
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"], GREETING.concat());
    assert!(messages[1].get("status").is_none(), "a complete reply has no status");
    assert!(messages[1]["time"].as_str().unwrap().ends_with('Z'));

    let (_, list) = s.get("/api/chat/sessions", &alice).await;
    let sessions = list["data"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["message_count"], 2);
    assert_eq!(sessions[0]["last_message"], GREETING.concat());

    // The person's other tabs heard of the question and of the reply.
    for count in [1, 2] {
        let f = other_tab.next().await;
        assert_eq!(f["type"], "ai_session_updated", "{f}");
        assert_eq!(f["data"]["session_id"], "first-chat");
        assert_eq!(f["data"]["message_count"], count);
    }
}

#[tokio::test]
async fn earlier_turns_go_to_the_model_as_context_trimmed_to_the_budget() {
    let (s, model) = with_model(|c| c.ai.context_chars = 70).await;
    let (alice, _) = s.register("alice").await;
    read_all(chat(&s, &alice, "ctx", json!({"message": "Hi there"})).await).await;
    let (pieces, _) = read_all(chat(&s, &alice, "ctx", json!({"message": "context please"})).await).await;
    let asked = model.asked();
    let (request, auth) = &asked[1];
    assert_eq!(auth.as_deref(), Some("Bearer sk-test"));
    assert_eq!(request["model"], "test-model");
    assert_eq!(request["stream"], true);
    let turns: Vec<(&str, &str)> = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["role"].as_str().unwrap(), t["content"].as_str().unwrap()))
        .collect();
    let greeting = GREETING.concat();
    assert_eq!(
        turns,
        [
            ("system", "You are Confab's assistant."),
            ("user", "Hi there"),
            ("assistant", greeting.as_str()),
            ("user", "context please"),
        ]
    );
    assert_eq!(pieces[0].0, "4 turns");
    // Past the budget (70 characters), the oldest turns are left out first.
    read_all(chat(&s, &alice, "ctx", json!({"message": "context again"})).await).await;
    let (request, _) = &model.asked()[2];
    let sent: Vec<&str> =
        request["messages"].as_array().unwrap().iter().map(|t| t["content"].as_str().unwrap()).collect();
    assert_eq!(sent, ["You are Confab's assistant.", "context please", "4 turns", "context again"]);
}

#[tokio::test]
async fn closing_the_connection_stops_the_model_at_once_and_keeps_the_partial_reply() {
    let (s, model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    let res = chat(&s, &alice, "stop-me", json!({"message": "long story please"})).await;
    let mut body = res.bytes_stream();
    let mut got = String::new();
    while got.len() < 10 {
        got.push_str(std::str::from_utf8(&body.next().await.unwrap().unwrap()).unwrap());
    }
    let stopped = Instant::now();
    drop(body);
    // The model's stream is dropped (its connection closed) within 100 ms.
    wait_until(Duration::from_secs(2), Duration::from_millis(5), || !model.closed_at().is_empty()).await;
    let closed = *model.closed_at().first().expect("the model's stream was closed");
    let took = closed.saturating_duration_since(stopped);
    assert!(took < Duration::from_millis(100), "the model was stopped {took:?} after the caller left");
    assert!(model.finished_at().is_empty(), "the model did not write on to the end");

    // Saved once, marked stopped, holding what had been sent (and maybe a piece in flight).
    let mut reply = Value::Null;
    for _ in 0..50 {
        let (_, h) = history(&s, &alice, "stop-me").await;
        if h["data"]["total_messages"] == 2 {
            reply = h["data"]["messages"][1].clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(reply["status"], "stopped", "{reply}");
    let saved = reply["content"].as_str().unwrap();
    assert!(saved.starts_with(&got) && saved.len() < 100 * 3, "{saved:?} vs {got:?}");
    // The session is free again.
    let res = chat(&s, &alice, "stop-me", json!({"message": "Hi again"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(read_all(res).await.1);
    let (_, h) = history(&s, &alice, "stop-me").await;
    assert_eq!(h["data"]["total_messages"], 4, "each reply saved exactly once: {h}");

    // The same while the model is thinking and sends nothing (no write would notice).
    let closed_before = model.closed_at().len();
    let res = chat(&s, &alice, "stop-thinking", json!({"message": "stall please"})).await;
    let mut body = res.bytes_stream();
    assert_eq!(body.next().await.unwrap().unwrap(), "thinking");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopped = Instant::now();
    drop(body);
    while model.closed_at().len() == closed_before && stopped.elapsed() < Duration::from_secs(2) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let took = model.closed_at().last().unwrap().saturating_duration_since(stopped);
    assert!(took < Duration::from_millis(100), "a thinking model was stopped {took:?} after the caller left");
}

#[tokio::test]
async fn a_model_failing_mid_stream_ends_the_stream_with_an_error_and_retry_answers_again() {
    let (s, _model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    let (pieces, clean) = read_all(chat(&s, &alice, "flaky", json!({"message": "fail please"})).await).await;
    assert!(!clean, "the caller sees the reply break, not finish");
    assert_eq!(pieces.iter().map(|(p, _)| p.as_str()).collect::<String>(), "partial");
    let (_, h) = history(&s, &alice, "flaky").await;
    let messages = h["data"]["messages"].as_array().unwrap().clone();
    assert_eq!(messages[0]["content"], "fail please", "the person's message is kept");
    assert_eq!((messages[1]["content"].as_str(), messages[1]["status"].as_str()), (Some("partial"), Some("failed")));

    // Retry must repeat the unanswered message; it replaces the failed reply.
    let res = chat(&s, &alice, "flaky", json!({"message": "something else", "retry": true})).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // (The stand-in fails again on the same words; a stalled model is the same story.)
    let (_, clean) = read_all(chat(&s, &alice, "flaky", json!({"message": "fail please", "retry": true})).await).await;
    assert!(!clean);
    let (_, h) = history(&s, &alice, "flaky").await;
    assert_eq!(h["data"]["total_messages"], 2, "retry replaced the failed reply: {h}");

    // A model that stops sending is cut off after the idle timeout (500 ms here).
    let started = Instant::now();
    let (pieces, clean) = read_all(chat(&s, &alice, "stuck", json!({"message": "stall please"})).await).await;
    assert!(!clean);
    assert_eq!(pieces[0].0, "thinking");
    assert!(started.elapsed() < Duration::from_secs(3));
    let (_, h) = history(&s, &alice, "stuck").await;
    assert_eq!(h["data"]["messages"][1]["status"], "failed");

    // A model that refuses before streaming: an envelope, and the message is kept for Retry.
    let (status, body) = s.post("/api/chat/sessions/refused/chat", &alice, json!({"message": "refuse please"})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(body["message"].as_str().unwrap().contains("model exploded"), "{body}");
    let (_, h) = history(&s, &alice, "refused").await;
    assert_eq!(h["data"]["total_messages"], 1);

    // A model server that is not there at all.
    let (s2, _) = with_model(|c| c.ai.url = Some("http://127.0.0.1:9/v1".into())).await;
    let (bob, _) = s2.register("bob").await;
    let (status, body) = s2.post("/api/chat/sessions/x/chat", &bob, json!({"message": "hello"})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY, "{body}");
}

#[tokio::test]
async fn one_reply_at_a_time_per_session_and_a_few_per_person() {
    let (s, _model) = with_model(|c| c.ai.streams_per_person = 2).await;
    let (alice, _) = s.register("alice").await;
    let first = chat(&s, &alice, "busy", json!({"message": "long one"})).await;
    assert_eq!(first.status(), StatusCode::OK);
    let (status, body) = s.post("/api/chat/sessions/busy/chat", &alice, json!({"message": "and another"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let second = chat(&s, &alice, "busy-2", json!({"message": "long two"})).await;
    assert_eq!(second.status(), StatusCode::OK);
    let (status, body) = s.post("/api/chat/sessions/busy-3/chat", &alice, json!({"message": "long three"})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // The refused chat changed nothing: no session was made for it.
    let (status, _) = history(&s, &alice, "busy-3").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, h) = history(&s, &alice, "busy").await;
    assert_eq!(h["data"]["total_messages"], 1, "the refused message was not added: {h}");
    drop((first, second));
}

#[tokio::test]
async fn sessions_are_private_and_bad_input_is_refused() {
    let (s, _model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    let (bob, _) = s.register("bob").await;
    read_all(chat(&s, &alice, "alices", json!({"message": "Hi there"})).await).await;
    let (status, _) = history(&s, &bob, "alices").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.call(Method::DELETE, "/api/chat/sessions/alices", Some(&bob), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = s.post("/api/chat/sessions/alices/chat", &bob, json!({"message": "mine now"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, list) = s.get("/api/chat/sessions", &bob).await;
    assert_eq!(list["data"], json!([]));
    let (_, h) = history(&s, &alice, "alices").await;
    assert_eq!(h["data"]["total_messages"], 2, "bob's attempts changed nothing");

    let (status, _) = history(&s, &alice, "nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s.call(Method::DELETE, "/api/chat/sessions/nope", Some(&alice), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = s.post("/api/chat/sessions/new-one/chat", &alice, json!({"message": "  "})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let long = "x".repeat(confab_api::MAX_AI_MESSAGE_CHARS + 1);
    let (status, _) = s.post("/api/chat/sessions/new-one/chat", &alice, json!({"message": long})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.post("/api/chat/sessions/new-one/chat", &alice, json!({"message": 5})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.post("/api/chat/sessions/bad%20id/chat", &alice, json!({"message": "hi"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = s.post("/api/chat/sessions/new-one/chat", &alice, json!({"message": "hi", "retry": true})).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing to retry in a session that does not exist");
    let (status, _) = history(&s, &alice, "new-one").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no refused chat made a session");
    let res = s.http.post(format!("{}/api/chat/sessions/x/chat", s.base)).json(&json!({"message": "hi"})).send().await;
    assert_eq!(res.unwrap().status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn deleting_a_session_erases_every_message_of_it() {
    let (s, _model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    read_all(chat(&s, &alice, "doomed", json!({"message": "remember zebra-4417"})).await).await;
    read_all(chat(&s, &alice, "doomed", json!({"message": "and okapi-9931"})).await).await;
    read_all(chat(&s, &alice, "kept", json!({"message": "keep this"})).await).await;
    let mut other_tab = s.socket(&alice, None).await;
    other_tab.until_ready().await;

    let (status, body) = s.call(Method::DELETE, "/api/chat/sessions/doomed", Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"], json!({"success": true, "deleted_session_id": "doomed", "deleted_messages_count": 4}));
    let f = other_tab.next().await;
    assert_eq!((f["type"].as_str(), f["data"]["session_id"].as_str()), (Some("ai_session_deleted"), Some("doomed")));
    let (status, _) = history(&s, &alice, "doomed").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = s.get("/api/chat/sessions", &alice).await;
    let ids: Vec<&str> = list["data"].as_array().unwrap().iter().map(|x| x["session_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["kept"]);
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    let bytes = db_bytes(&s);
    assert!(!contains(&bytes, "zebra-4417") && !contains(&bytes, "okapi-9931"), "erased text left on disk");
    assert!(contains(&bytes, "keep this"));
}

#[tokio::test]
async fn a_server_stopping_mid_reply_keeps_what_was_written_and_stops_promptly() {
    let (mut s, _model) = with_model(|_| {}).await;
    let (alice, _) = s.register("alice").await;
    let res = chat(&s, &alice, "restarting", json!({"message": "long story please"})).await;
    let mut body = res.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    let started = Instant::now();
    s.restart().await;
    assert!(started.elapsed() < Duration::from_secs(3), "a reply does not hold up a stop: {:?}", started.elapsed());
    let (_, h) = history(&s, &alice, "restarting").await;
    let reply = &h["data"]["messages"][1];
    assert_eq!(reply["status"], "stopped", "{h}");
    assert!(reply["content"].as_str().unwrap().starts_with(std::str::from_utf8(&first).unwrap()));
}

#[tokio::test]
async fn a_model_closing_its_kept_alive_connection_as_a_question_goes_out_still_answers() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use tokio::io::AsyncWriteExt;
    // A model server that answers the first request on a connection, keeps it open, and closes
    // it when the next request arrives on it, as a server closing an idle keep-alive connection
    // does when a request crosses its close. A new connection is answered again.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1", listener.local_addr().unwrap());
    let (connections, requests) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (c, r) = (connections.clone(), requests.clone());
    let model = tokio::spawn(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            c.fetch_add(1, Ordering::SeqCst);
            let r = r.clone();
            tokio::spawn(async move {
                let mut pending = Vec::new();
                if next_request(&mut conn, &mut pending).await.is_none() {
                    return;
                }
                r.fetch_add(1, Ordering::SeqCst);
                let body = "data: {\"choices\":[{\"delta\":{\"content\":\"Still here\"}}]}\n\ndata: [DONE]\n\n";
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                conn.write_all(answer.as_bytes()).await.unwrap();
                if next_request(&mut conn, &mut pending).await.is_some() {
                    r.fetch_add(1, Ordering::SeqCst);
                }
                // Dropped: closed with the request unanswered.
            });
        }
    });
    let (s, _unused) = with_model(move |c| c.ai.url = Some(url)).await;
    let (alice, _) = s.register("alice").await;
    for (i, session) in ["kept-1", "kept-2", "kept-3"].into_iter().enumerate() {
        let res = chat(&s, &alice, session, json!({"message": "hello"})).await;
        assert_eq!(res.status(), StatusCode::OK, "question {i}: {:?}", res.text().await);
        let (pieces, clean) = read_all(res).await;
        assert!(clean);
        assert_eq!(pieces.iter().map(|(p, _)| p.as_str()).collect::<String>(), "Still here");
    }
    // Each question after the first crossed a close and went again on a new connection.
    assert_eq!(connections.load(Ordering::SeqCst), 3);
    assert_eq!(requests.load(Ordering::SeqCst), 5);
    model.abort();
}
