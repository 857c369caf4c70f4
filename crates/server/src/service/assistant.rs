//! The assistant's rules: a person's sessions are theirs alone; one reply at a time per session
//! and a few per person; a reply streams to the caller as it arrives from the model, stops the
//! model the moment the caller goes (or presses Stop), and is saved exactly once — complete,
//! stopped or failed — by the one task that relays it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use confab_api::{
    valid_session_id, AiChatRequest, AiDeleted, AiHistory, AiReplyStatus, AiRole, AiSession, AiSessionGone, Event, Id,
    MAX_AI_MESSAGE_CHARS,
};
use tokio::sync::{mpsc, Notify};

use crate::ai::{self, AiClient};
use crate::config::AiConfig;
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::{assistant as store, events};
use crate::time::now_ms;
use crate::AppState;

/// Pieces of a reply buffered for a slow reader before the relay waits for it.
const RELAY_BUFFER: usize = 32;

pub struct Assistant {
    client: Option<AiClient>,
    limits: AiConfig,
    streaming: Mutex<Streaming>,
}

#[derive(Default)]
struct Streaming {
    /// Session id → how to stop the reply being written in it.
    sessions: HashMap<String, Arc<Notify>>,
    per_person: HashMap<Id, usize>,
}

/// A reply in progress: while it lives, its session takes no other chat.
pub struct Slot {
    assistant: Arc<Assistant>,
    session_key: String,
    person: Id,
    stop: Arc<Notify>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut s = self.assistant.streaming.lock().unwrap_or_else(|e| e.into_inner());
        s.sessions.remove(&self.session_key);
        if let Some(n) = s.per_person.get_mut(&self.person) {
            *n -= 1;
            if *n == 0 {
                s.per_person.remove(&self.person);
            }
        }
    }
}

impl Assistant {
    pub fn new(config: &AiConfig) -> anyhow::Result<Assistant> {
        Ok(Assistant { client: AiClient::new(config)?, limits: config.clone(), streaming: Mutex::default() })
    }

    fn client(&self) -> AppResult<&AiClient> {
        self.client.as_ref().ok_or_else(|| {
            AppError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "No language model is connected. Start confab-server with --ai-url pointing at an \
                 OpenAI-compatible server (e.g. --ai-url http://127.0.0.1:11434/v1 --ai-model qwen2.5:7b \
                 for Ollama, or http://127.0.0.1:8080/v1 for llama.cpp's llama-server), or set CONFAB_AI_URL.",
            )
        })
    }

    fn claim(self: &Arc<Self>, session_key: &str, person: Id) -> AppResult<Slot> {
        let mut s = self.streaming.lock().unwrap_or_else(|e| e.into_inner());
        if s.sessions.contains_key(session_key) {
            return Err(AppError::conflict("a reply is still being written in this session; stop it or wait for it"));
        }
        if s.per_person.get(&person).copied().unwrap_or(0) >= self.limits.streams_per_person {
            return Err(AppError::too_many(
                format!("at most {} assistant replies at once; wait for one to finish", self.limits.streams_per_person),
                2,
            ));
        }
        if s.sessions.len() >= self.limits.streams_total {
            return Err(AppError::unavailable("the assistant is busy; try again in a moment", 2));
        }
        let stop = Arc::new(Notify::new());
        s.sessions.insert(session_key.to_string(), stop.clone());
        *s.per_person.entry(person).or_default() += 1;
        Ok(Slot { assistant: self.clone(), session_key: session_key.to_string(), person, stop })
    }

    /// Stops every reply being written (the server is stopping): each keeps what it has.
    pub fn stop_all(&self) {
        let s = self.streaming.lock().unwrap_or_else(|e| e.into_inner());
        for stop in s.sessions.values() {
            stop.notify_one();
        }
    }

    /// Stops the reply being written in the session, if any.
    fn stop(&self, session_key: &str) {
        let s = self.streaming.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(stop) = s.sessions.get(session_key) {
            stop.notify_one();
        }
    }
}

fn check_key(key: &str) -> AppResult<()> {
    if valid_session_id(key) {
        Ok(())
    } else {
        Err(AppError::unprocessable("session_id must be 1–64 letters, digits, '_' or '-'"))
    }
}

/// The caller's own session, 403 for another person's, 404 for none.
async fn owned(conn: &mut crate::store::Conn, me: Id, key: &str) -> AppResult<store::SessionRow> {
    check_key(key)?;
    match store::by_key(conn, key).await? {
        None => Err(AppError::not_found("no such session")),
        Some(s) if s.owner_id != me => Err(AppError::forbidden("this session belongs to someone else")),
        Some(s) => Ok(s),
    }
}

/// Whether the caller has a session with this id.
pub async fn owns(state: &AppState, me: Id, key: &str) -> AppResult<bool> {
    let mut conn = state.store.reader().await?;
    Ok(store::by_key(&mut conn, key).await?.is_some_and(|s| s.owner_id == me))
}

pub async fn list(state: &AppState, me: Id) -> AppResult<Vec<AiSession>> {
    state.assistant.client()?;
    let mut conn = state.store.reader().await?;
    Ok(store::list(&mut conn, me).await?)
}

pub async fn history(state: &AppState, me: Id, key: &str) -> AppResult<AiHistory> {
    state.assistant.client()?;
    let mut conn = state.store.reader().await?;
    let session = owned(&mut conn, me, key).await?;
    let messages: Vec<_> = store::messages(&mut conn, session.id).await?.into_iter().map(|m| m.wire()).collect();
    Ok(AiHistory {
        session_id: session.session_key,
        title: session.title,
        created_at: crate::time::rfc3339(session.created_at),
        total_messages: messages.len() as i64,
        messages,
    })
}

pub async fn delete(state: &AppState, me: Id, key: &str) -> AppResult<AiDeleted> {
    state.assistant.client()?;
    let mut conn = state.store.writer().await?;
    let session = owned(&mut conn, me, key).await?;
    // A reply being written stops first; its relay then finds the session gone and saves nothing.
    state.assistant.stop(key);
    let mut tx = crate::store::begin(&mut conn).await?;
    let count = store::delete(&mut tx, me, key, session.id).await?;
    let gone = Event::AiSessionDeleted(AiSessionGone { session_id: session.session_key.clone() });
    let mut outbox = Outbox::default();
    outbox.push(me, events::append(&mut tx, me, gone, now_ms()).await?);
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(AiDeleted { success: true, deleted_session_id: session.session_key, deleted_messages_count: count })
}

/// The title seed 004 gives a session made by its first chat: "会话" and the time (UTC).
fn default_title(now_ms: i64) -> String {
    let at = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now_ms).unwrap_or_default();
    format!("会话 {}", at.format("%Y-%m-%d %H:%M"))
}

/// Saves the person's message (making the session on its first chat), asks the model, and
/// returns the reply's body, which streams as plain text. Errors before the model answers are
/// envelopes; the person's message is kept either way, so Retry can ask again.
pub async fn chat(state: &AppState, me: Id, key: &str, req: AiChatRequest) -> AppResult<Body> {
    let assistant = &state.assistant;
    let client = assistant.client()?;
    check_key(key)?;
    let text = req.message;
    if text.trim().is_empty() {
        return Err(AppError::bad_request("message must not be empty"));
    }
    if text.chars().count() > MAX_AI_MESSAGE_CHARS {
        return Err(AppError::unprocessable(format!("message must be at most {MAX_AI_MESSAGE_CHARS} characters")));
    }
    let mut conn = state.store.writer().await?;
    let existing = store::by_key(&mut conn, key).await?;
    match &existing {
        Some(s) if s.owner_id != me => return Err(AppError::forbidden("this session belongs to someone else")),
        None if req.retry => return Err(AppError::not_found("no such session")),
        _ => {}
    }
    let slot = assistant.claim(key, me)?;
    let now = now_ms();
    // The transaction owns the writer connection: committing hands it back at once.
    let mut tx = crate::store::begin_owned(conn).await?;
    let session = match existing {
        Some(s) => s,
        None => {
            if store::count_for(&mut tx, me).await? >= assistant.limits.sessions_per_person {
                return Err(AppError::unprocessable(format!(
                    "you have {} assistant sessions, the most one person may keep; delete some first",
                    assistant.limits.sessions_per_person
                )));
            }
            store::create(&mut tx, key, me, &default_title(now), now).await?
        }
    };
    if req.retry {
        let recent = store::newest(&mut tx, session.id, 2).await?;
        // The unanswered message is the newest, or just before a stopped or failed reply.
        let (unfinished, asked) = match recent.as_slice() {
            [reply, asked, ..] if !reply.is_human() && reply.status.is_some() => (Some(reply.id), asked),
            [asked, ..] => (None, asked),
            [] => return Err(AppError::conflict("there is nothing to retry in this session")),
        };
        if !asked.is_human() || asked.content != text {
            return Err(AppError::conflict("retry repeats the session's last unanswered message"));
        }
        if let Some(id) = unfinished {
            store::delete_message(&mut tx, id).await?;
        }
    } else {
        if store::message_count(&mut tx, session.id).await? >= assistant.limits.messages_per_session {
            return Err(AppError::unprocessable("this session is full; start a new chat"));
        }
        store::add_message(&mut tx, session.id, AiRole::Human, &text, None, now).await?;
    }
    let outbox = session_updated(&mut tx, me, session.id, now).await?;
    // Enough of the newest turns to fill the context budget whatever their lengths.
    let rows = store::newest(&mut tx, session.id, 400).await?;
    let newest_first: Vec<(bool, &str)> =
        rows.iter().filter(|m| !m.is_failed()).map(|m| (m.is_human(), m.content.as_str())).collect();
    let turns = ai::context(client.system_prompt.as_deref(), &newest_first, assistant.limits.context_chars);
    // The model is asked while the message is being made durable (the commit's fsync is hidden
    // behind the model's answer); nothing of the reply goes out before both are done.
    let commit = async move {
        tx.commit().await?;
        state.hub.publish(outbox);
        Ok::<_, sqlx::Error>(())
    };
    let (committed, started) = tokio::join!(commit, client.start(&turns));
    committed?;
    let reply = started.map_err(|e| AppError::new(axum::http::StatusCode::BAD_GATEWAY, e.to_string()))?;
    let (pieces, body) = mpsc::channel::<Result<Bytes, std::io::Error>>(RELAY_BUFFER);
    tokio::spawn(relay(state.clone(), session.id, slot, reply, pieces));
    let stream = futures_util::stream::unfold(body, |mut rx| async move { rx.recv().await.map(|piece| (piece, rx)) });
    Ok(Body::from_stream(stream))
}

/// Copies the model's pieces to the caller until the reply ends, the caller goes, or Stop;
/// then drops the model's stream (closing its connection, which stops the generation) and
/// saves what was written, once.
async fn relay(
    state: AppState,
    session: i64,
    slot: Slot,
    mut reply: ai::Reply,
    pieces: mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let limits = &state.assistant.limits;
    let deadline = tokio::time::Instant::now() + limits.max_reply_time;
    let mut text = String::new();
    let ended: Result<Option<AiReplyStatus>, String> = loop {
        let next = tokio::select! {
            _ = pieces.closed() => break Ok(Some(AiReplyStatus::Stopped)),
            _ = slot.stop.notified() => break Ok(Some(AiReplyStatus::Stopped)),
            _ = tokio::time::sleep_until(deadline) => break Err("the reply took too long and was cut off".into()),
            next = tokio::time::timeout(limits.idle_timeout, reply.next()) => next,
        };
        let piece = match next {
            Err(_) => break Err("the model stopped answering".into()),
            Ok(None) => break Ok(None),
            Ok(Some(Err(why))) => break Err(why),
            Ok(Some(Ok(piece))) if piece.is_empty() => continue,
            Ok(Some(Ok(piece))) => piece,
        };
        if text.len() + piece.len() > limits.max_reply_bytes {
            break Ok(Some(AiReplyStatus::Stopped));
        }
        text.push_str(&piece);
        let sent = tokio::select! {
            sent = pieces.send(Ok(Bytes::from(piece))) => sent.is_ok(),
            _ = slot.stop.notified() => false,
        };
        if !sent {
            break Ok(Some(AiReplyStatus::Stopped));
        }
    };
    drop(reply);
    let status = match &ended {
        Ok(status) => *status,
        Err(why) => {
            tracing::warn!("assistant reply failed: {why}");
            Some(AiReplyStatus::Failed)
        }
    };
    if !text.is_empty() {
        if let Err(e) = save(&state, session, slot.person, &text, status).await {
            tracing::error!("cannot save an assistant reply: {e:?}");
        }
    }
    if let Err(why) = ended {
        // Ends the body without its last chunk: the caller sees the stream fail, not finish.
        let _ = pieces.send(Err(std::io::Error::other(why))).await;
    }
    drop(slot);
}

/// The owner's other tabs hear of the session as it now is (logged for catch-up).
async fn session_updated(conn: &mut crate::store::Conn, me: Id, session: i64, now: i64) -> AppResult<Outbox> {
    let summary = store::summary(conn, session).await?;
    let mut outbox = Outbox::default();
    outbox.push(me, events::append(conn, me, Event::AiSessionUpdated(summary), now).await?);
    Ok(outbox)
}

async fn save(state: &AppState, session: i64, me: Id, text: &str, status: Option<AiReplyStatus>) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    if !store::exists(&mut tx, session).await? {
        return Ok(());
    }
    store::add_message(&mut tx, session, AiRole::Assistant, text, status, now).await?;
    let outbox = session_updated(&mut tx, me, session, now).await?;
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_titles_say_session_and_time() {
        assert_eq!(super::default_title(1_764_118_800_000), "会话 2025-11-26 01:00");
    }
}
