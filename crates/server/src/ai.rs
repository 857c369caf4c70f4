//! The assistant's model client: any OpenAI-compatible `POST {base}/chat/completions` with
//! `stream: true` (llama.cpp's server, Ollama, vLLM, hosted services). No model logic of our own:
//! this builds the request, waits for the answer's headers, and reads the text deltas.

use std::pin::Pin;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::{Stream, StreamExt};
use serde::{Deserialize, Serialize};

use crate::config::AiConfig;

/// A turn of the conversation as the model is told it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Turn {
    pub role: &'static str,
    pub content: String,
}

#[derive(Serialize)]
struct CompletionRequest<'a> {
    model: &'a str,
    stream: bool,
    messages: &'a [Turn],
}

/// Why a reply could not start.
#[derive(Debug)]
pub enum StartError {
    /// No answer (refused connection, DNS, TLS, timeout).
    Unreachable(String),
    /// The model server answered with an error status.
    Refused { status: u16, message: String },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Unreachable(why) => write!(f, "the assistant's model server could not be reached ({why})"),
            StartError::Refused { status, message } if message.is_empty() => {
                write!(f, "the assistant's model server answered {status}")
            }
            StartError::Refused { status, message } => {
                write!(f, "the assistant's model server answered {status}: {message}")
            }
        }
    }
}

pub struct AiClient {
    http: reqwest::Client,
    endpoint: String,
    model: String,
    key: Option<String>,
    pub system_prompt: Option<String>,
    first_byte_timeout: Duration,
}

type Events = Pin<Box<dyn Stream<Item = Result<eventsource_stream::Event, String>> + Send>>;

/// A reply being streamed: text deltas until the model says it is done.
pub struct Reply {
    events: Events,
}

impl AiClient {
    /// None when no endpoint is configured.
    pub fn new(config: &AiConfig) -> anyhow::Result<Option<AiClient>> {
        let Some(base) = config.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) else { return Ok(None) };
        // Model servers close idle keep-alive connections after a few seconds (Node and uvicorn
        // after 5 s); a pooled connection is not reused after it has been idle for longer than
        // the shortest of them, so a request is rarely written onto one being closed.
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(4))
            .build()?;
        Ok(Some(AiClient {
            http,
            endpoint: format!("{}/chat/completions", base.trim_end_matches('/')),
            model: config.model.clone(),
            key: config.key.clone().filter(|k| !k.is_empty()),
            system_prompt: config.system_prompt.clone().filter(|p| !p.trim().is_empty()),
            first_byte_timeout: config.idle_timeout,
        }))
    }

    /// Sends the conversation and waits for the answer's headers (not its first token).
    ///
    /// A request that fails once it was on its way, before any answer (the server closed the
    /// connection as the request went out, as one closing an idle keep-alive connection does), is
    /// sent once more on a new connection. A refused connection or a timeout is not.
    pub async fn start(&self, turns: &[Turn]) -> Result<Reply, StartError> {
        let body = CompletionRequest { model: &self.model, stream: true, messages: turns };
        let send = || {
            let mut request = self.http.post(&self.endpoint).json(&body).header("accept", "text/event-stream");
            if let Some(key) = &self.key {
                request = request.bearer_auth(key);
            }
            request.send()
        };
        let attempts = async {
            match send().await {
                Err(e) if !e.is_connect() && !e.is_timeout() => {
                    tracing::debug!(error = %e, "the model's connection closed before an answer; sending again");
                    send().await
                }
                result => result,
            }
        };
        let response = match tokio::time::timeout(self.first_byte_timeout, attempts).await {
            Err(_) => return Err(StartError::Unreachable("no answer in time".into())),
            Ok(Err(e)) => return Err(StartError::Unreachable(short_reason(&e))),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        if !status.is_success() {
            let body = read_some(response, 4096).await;
            return Err(StartError::Refused { status: status.as_u16(), message: error_message(&body) });
        }
        let events = response.bytes_stream().eventsource().map(|e| e.map_err(|e| e.to_string()));
        Ok(Reply { events: Box::pin(events) })
    }
}

impl Reply {
    /// The next piece of text (possibly empty), `None` when the reply is complete, or why it broke.
    pub async fn next(&mut self) -> Option<Result<String, String>> {
        loop {
            let event = match self.events.next().await? {
                Ok(e) => e,
                Err(e) => return Some(Err(format!("the model's stream broke: {e}"))),
            };
            if event.data.trim() == "[DONE]" {
                return None;
            }
            if event.data.trim().is_empty() {
                continue;
            }
            return Some(delta(&event.data));
        }
    }
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Delta>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    content: Option<String>,
}

/// The text of one `data:` event of a chat-completion stream, or the error it reports.
pub fn delta(data: &str) -> Result<String, String> {
    let chunk: Chunk = serde_json::from_str(data).map_err(|_| "the model sent something unreadable".to_string())?;
    if let Some(error) = chunk.error {
        return Err(format!("the model reported an error: {}", error_text(&error)));
    }
    Ok(chunk.choices.into_iter().filter_map(|c| c.delta?.content).collect())
}

fn error_text(error: &serde_json::Value) -> String {
    let text = error.get("message").and_then(|m| m.as_str()).or(error.as_str()).unwrap_or("unknown");
    text.chars().take(300).collect()
}

/// The `error.message` of an OpenAI-style error body, else its first line.
fn error_message(body: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(body) {
        Ok(v) if v.get("error").is_some() => error_text(&v["error"]),
        _ => body.lines().next().unwrap_or("").chars().take(300).collect(),
    }
}

async fn read_some(mut response: reqwest::Response, limit: usize) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < limit {
        match tokio::time::timeout(Duration::from_secs(2), response.chunk()).await {
            Ok(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    bytes.truncate(limit);
    String::from_utf8_lossy(&bytes).into_owned()
}

fn short_reason(e: &reqwest::Error) -> String {
    if e.is_connect() {
        "connection refused or failed".into()
    } else if e.is_timeout() {
        "timed out".into()
    } else {
        "request failed".into()
    }
}

/// What the model is told: the system prompt, then the newest turns that fit in `budget`
/// characters (oldest dropped first; the newest turn always goes), oldest first.
/// `newest_first` is (is_human, text) from the newest back.
pub fn context(system_prompt: Option<&str>, newest_first: &[(bool, &str)], budget: usize) -> Vec<Turn> {
    let mut used = system_prompt.map_or(0, |p| p.chars().count());
    let mut kept = Vec::new();
    for (i, (human, text)) in newest_first.iter().enumerate() {
        let cost = text.chars().count();
        if i > 0 && used + cost > budget {
            break;
        }
        used += cost;
        kept.push(Turn { role: if *human { "user" } else { "assistant" }, content: (*text).to_string() });
    }
    // A context that starts with the model's own words reads oddly to most chat templates.
    while kept.len() > 1 && kept.last().is_some_and(|t| t.role == "assistant") {
        kept.pop();
    }
    kept.reverse();
    let mut turns: Vec<Turn> =
        system_prompt.map(|p| Turn { role: "system", content: p.to_string() }).into_iter().collect();
    turns.extend(kept);
    turns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_are_read_from_chat_completion_chunks() {
        assert_eq!(
            delta(r#"{"choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}"#),
            Ok("Hel".into())
        );
        assert_eq!(delta(r#"{"choices":[{"delta":{"role":"assistant"}}]}"#), Ok(String::new()));
        assert_eq!(delta(r#"{"choices":[{"delta":{},"finish_reason":"stop"}]}"#), Ok(String::new()));
        assert_eq!(delta(r#"{"choices":[]}"#), Ok(String::new()));
        assert!(delta(r#"{"error":{"message":"out of memory"}}"#).unwrap_err().contains("out of memory"));
        assert!(delta(r#"{"error":"overloaded"}"#).unwrap_err().contains("overloaded"));
        assert!(delta("not json").is_err());
    }

    #[test]
    fn error_bodies_give_their_message() {
        assert_eq!(error_message(r#"{"error":{"message":"model 'x' not found"}}"#), "model 'x' not found");
        assert_eq!(error_message("Bad Gateway\nmore"), "Bad Gateway");
    }

    #[test]
    fn context_keeps_the_newest_turns_that_fit() {
        let history = [(true, "third?"), (false, "second answer"), (true, "first?")];
        let all = context(Some("be brief"), &history, 1000);
        let roles: Vec<_> = all.iter().map(|t| (t.role, t.content.as_str())).collect();
        assert_eq!(
            roles,
            [("system", "be brief"), ("user", "first?"), ("assistant", "second answer"), ("user", "third?")]
        );
        // Budget for the prompt and the newest turn only: older ones go, oldest first.
        let cut = context(Some("be brief"), &history, 8 + 6 + 5);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[1].content, "third?");
        // The newest turn goes even when it alone is over budget.
        assert_eq!(context(None, &[(true, "a long question")], 3).len(), 1);
        // Never starts with the assistant's words.
        let cut = context(None, &history, 6 + 13);
        assert_eq!(cut.iter().map(|t| t.role).collect::<Vec<_>>(), ["user"]);
    }
}
