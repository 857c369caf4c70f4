//! A stand-in language model for the assistant's tests: a real OpenAI-compatible HTTP server
//! on 127.0.0.1:0 that streams `data:` deltas with delays and records what it was asked. What it
//! does is chosen by the last user message: "stall…" (one piece, then nothing), "fail…" (two
//! pieces, then the connection breaks), "refuse…" (a 500 before streaming), "long…" (100
//! pieces, 30 ms apart), "context…" (says how many turns it got); anything else: a short
//! greeting in four pieces, 60 ms apart.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use futures_util::stream::{self, Stream, StreamExt};
use serde_json::{json, Value};

pub const GREETING: [&str; 4] = ["Hello", ", 你好", " world", "!"];

/// A request's JSON body and its Authorization header.
pub type Asked = (Value, Option<String>);

#[derive(Clone, Default)]
pub struct Record {
    /// Each request: its JSON body and its Authorization header.
    pub asked: Arc<Mutex<Vec<Asked>>>,
    /// When each reply stream was dropped (its connection closed or it ended).
    pub closed: Arc<Mutex<Vec<Instant>>>,
    /// When each reply stream sent its last piece.
    pub finished: Arc<Mutex<Vec<Instant>>>,
}

pub struct FakeModel {
    /// The base URL, as `--ai-url` takes it.
    pub url: String,
    pub record: Record,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeModel {
    pub async fn start() -> FakeModel {
        let record = Record::default();
        let app = Router::new().route("/v1/chat/completions", post(completions)).with_state(record.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/v1", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeModel { url, record, task }
    }

    pub fn asked(&self) -> Vec<Asked> {
        self.record.asked.lock().unwrap().clone()
    }

    pub fn closed_at(&self) -> Vec<Instant> {
        self.record.closed.lock().unwrap().clone()
    }

    pub fn finished_at(&self) -> Vec<Instant> {
        self.record.finished.lock().unwrap().clone()
    }
}

/// Notes when the stream it travels with is dropped.
struct OnDrop(Record);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.closed.lock().unwrap().push(Instant::now());
    }
}

fn piece(text: &str) -> Event {
    Event::default()
        .data(json!({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]}).to_string())
}

async fn completions(
    State(record): State<Record>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(String::from);
    record.asked.lock().unwrap().push((body.clone(), auth));
    let turns = body["messages"].as_array().cloned().unwrap_or_default();
    let last = turns.iter().rev().find(|t| t["role"] == "user").and_then(|t| t["content"].as_str()).unwrap_or("");
    let (pieces, gap, then): (Vec<String>, u64, &str) = if last.starts_with("refuse") {
        return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": {"message": "model exploded"}})))
            .into_response();
    } else if last.starts_with("stall") {
        (vec!["thinking".into()], 10, "stall")
    } else if last.starts_with("fail") {
        (vec!["par".into(), "tial".into()], 30, "fail")
    } else if last.starts_with("long") {
        ((0..100).map(|i| format!("w{i} ")).collect(), 30, "done")
    } else if last.starts_with("context") {
        (vec![format!("{} turns", turns.len())], 10, "done")
    } else {
        (GREETING.iter().map(|s| s.to_string()).collect(), 60, "done")
    };
    let guard = Arc::new(OnDrop(record.clone()));
    let events = stream::iter(pieces).then(move |p| async move {
        tokio::time::sleep(Duration::from_millis(gap)).await;
        Ok::<_, std::io::Error>(piece(&p))
    });
    let finished = record.finished.clone();
    let ending: std::pin::Pin<Box<dyn Stream<Item = Result<Event, std::io::Error>> + Send>> = match then {
        "stall" => Box::pin(stream::pending()),
        "fail" => Box::pin(stream::once(async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(std::io::Error::other("the model crashed"))
        })),
        _ => Box::pin(stream::once(async move {
            finished.lock().unwrap().push(Instant::now());
            Ok(Event::default().data("[DONE]"))
        })),
    };
    let all = events.chain(ending).map(move |e| {
        let _keep = &guard;
        e
    });
    Sse::new(all).into_response()
}
