//! `GET /api/ws/chat?token=…&sinceSeq=…`: live events, after catching up on missed ones.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use confab_api::{ClientFrame, ControlFrame, Id};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::error::{ApiQuery, AppError, AppResult, ErrorEnvelope};
use crate::hub::{Refusal, SocketSlot};
use crate::service::auth;
use crate::store::events;
use crate::AppState;

/// Server pings this often; a connection silent for `DEAD_AFTER` is closed.
const PING_EVERY: Duration = Duration::from_secs(25);
const DEAD_AFTER: Duration = Duration::from_secs(70);
/// Events read from the log per query while catching up.
const BATCH: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct WsQuery {
    token: Option<String>,
    since_seq: Option<i64>,
}

use confab_api::close_code;

/// Clients only send small control frames (pings); anything bigger is refused.
const MAX_CLIENT_FRAME: usize = 4 * 1024;
/// Buffers sized for chat frames rather than the WebSocket library's 128 KB defaults, which
/// most of an idle socket's memory was: the client sends only pings and typing notices (tens of
/// bytes; a bigger frame grows the buffer to fit, up to `MAX_CLIENT_FRAME`), and a frame is
/// written out as soon as it is sent (a bigger one simply takes more than one write). Every
/// open socket holds its read buffer: 1 KB rather than 4 KB took ~3.5 KB off each idle one.
const READ_BUFFER: usize = 1024;
const WRITE_BUFFER: usize = 0;

fn sized_for_chat(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .max_message_size(MAX_CLIENT_FRAME)
        .max_frame_size(MAX_CLIENT_FRAME)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
}

/// How often an open socket re-checks its token (expiry, or revocation on another instance).
const RECHECK_EVERY: Duration = Duration::from_secs(25);

/// GET /api/ws/chat
#[utoipa::path(get, path = "/api/ws/chat", tag = "websocket", params(WsQuery),
    responses((status = 101, description = "WebSocket: server frames {type, seq, data}; client sends {\"type\":\"ping\"}. \
Close codes: 4001 sign in again, 4008 too many sockets for this person, 1013 server full (retry later), 1001 server stopping (reconnect)"),
              (status = 400, description = "not a WebSocket upgrade, or a bad sinceSeq", body = ErrorEnvelope),
              (status = 401, description = "missing or invalid token (plain HTTP only; an upgrade is closed with 4001)", body = ErrorEnvelope)))]
pub async fn chat_route(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WsQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    if q.since_seq.is_some_and(|s| s < 0) {
        return Err(AppError::bad_request("sinceSeq must not be negative"));
    }
    let token = q.token.filter(|t| !t.is_empty()).ok_or_else(|| AppError::unauthorized("missing ?token="))?;
    let user = auth::authenticate_socket(&state, &token).await;
    let (upgrade, user) = match (upgrade, user) {
        (Ok(upgrade), user) => (sized_for_chat(upgrade), user),
        (Err(_), Err(e)) => return Err(e),
        (Err(e), Ok(_)) => {
            return Err(AppError::bad_request(format!("expected a WebSocket upgrade: {}", e.body_text())))
        }
    };
    let user = match user {
        Ok(user) => user,
        // A browser cannot read an HTTP status from a failed upgrade: it gets a close code.
        Err(e) => return Ok(refuse(upgrade, close_code::UNAUTHORIZED, e.message)),
    };
    let token_hash = auth::token_hash(&token);
    Ok(upgrade.on_upgrade(move |socket| {
        // Split at once: the socket then lives in one place, not also inline in every future
        // that took it by value (an idle connection's memory is mostly its task's future).
        let (mut sink, stream) = socket.split();
        async move {
            let slot = match state.hub.open_socket(user.user_id, &token_hash) {
                Ok(slot) => slot,
                Err(refusal) => {
                    let (code, why) = match refusal {
                        Refusal::TooManyForUser => {
                            (close_code::TOO_MANY_FOR_USER, "too many open connections for this account")
                        }
                        Refusal::TooManyOverall => (close_code::TRY_AGAIN_LATER, "the server is full; try again later"),
                    };
                    return close_with(&mut sink, code, why).await;
                }
            };
            // Signed out between the check above and taking the slot: the slot missed the revocation.
            if Box::pin(auth::authenticate_socket(&state, &token)).await.is_err() {
                return close_with(&mut sink, close_code::UNAUTHORIZED, "signed out").await;
            }
            if slot.first {
                Box::pin(crate::service::presence::came_online(&state, user.user_id)).await;
            }
            let me = Me { id: user.user_id, name: user.display_name };
            session(sink, stream, &state, &me, &token, slot, q.since_seq).await;
            if !state.hub.is_online(me.id) {
                crate::service::presence::went_away(&state, me.id);
            }
        }
    }))
}

/// Whether a typing notice for this conversation may go out now (and notes that it did).
fn typing_due(sent: &mut Vec<(Id, tokio::time::Instant)>, conversation_id: Id) -> bool {
    let now = tokio::time::Instant::now();
    sent.retain(|(_, at)| now.duration_since(*at) < TYPING_AT_MOST_EVERY);
    if sent.iter().any(|(c, _)| *c == conversation_id) || sent.len() >= 8 {
        return false;
    }
    sent.push((conversation_id, now));
    true
}

fn refuse(upgrade: WebSocketUpgrade, code: u16, reason: String) -> Response {
    upgrade
        .on_upgrade(move |socket| async move {
            let (mut sink, _) = socket.split();
            close_with(&mut sink, code, &reason).await
        })
        .into_response()
}

async fn close_with(sink: &mut Sink, code: u16, reason: &str) {
    let frame = CloseFrame { code, reason: Utf8Bytes::from(reason.chars().take(100).collect::<String>()) };
    let _ = sink.send(WsMessage::Close(Some(frame))).await;
}

fn control(frame: &ControlFrame) -> WsMessage {
    WsMessage::Text(Utf8Bytes::from(serde_json::to_string(frame).expect("serializes")))
}

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;

/// Sends every logged event after `*last_sent`, in order, advancing it (each once it is on disk).
/// Stops early (as an error) once the token is revoked.
async fn send_from_log(
    state: &AppState,
    sink: &mut Sink,
    user: Id,
    last_sent: &mut i64,
    revoked: &tokio::sync::watch::Receiver<bool>,
) -> Result<(), ()> {
    loop {
        let batch = {
            let mut conn = state.store.reader().await.map_err(|_| ())?;
            let logged = events::since(&mut conn, user, *last_sent, BATCH).await.map_err(|_| ())?;
            crate::service::messages::catch_up(state, &mut conn, user, logged).await.map_err(|_| ())?
        };
        // What was read may hold a batch of sends committed but not yet on disk (and events
        // published after it): none of it goes out before that batch is released.
        state.store.durability.settled().await;
        let done = (batch.len() as i64) < BATCH;
        for (seq, json) in batch {
            if *revoked.borrow() {
                return Err(());
            }
            sink.send(WsMessage::Text(Utf8Bytes::from(json))).await.map_err(|_| ())?;
            *last_sent = seq;
        }
        if done {
            return Ok(());
        }
    }
}

/// Who the socket belongs to.
struct Me {
    id: Id,
    name: String,
}

/// Typing notices are passed on at most this often per conversation and socket.
const TYPING_AT_MOST_EVERY: Duration = Duration::from_millis(2000);

/// One socket's life after the upgrade: catch up from `since`, then pass on live events until
/// it closes. An idle socket's task holds this future for as long as it is open, so the awaits
/// taken rarely (catch-up, the token re-check, typing) are boxed: the future is then the size of
/// the waiting loop rather than of the largest of them (the whole task's future went from 3.3 KB
/// to 1.6 KB).
#[allow(clippy::too_many_arguments)]
async fn session(
    mut sink: Sink,
    mut stream: futures_util::stream::SplitStream<WebSocket>,
    state: &AppState,
    me: &Me,
    token: &str,
    mut slot: SocketSlot<'_>,
    since: Option<i64>,
) {
    let user = me.id;
    let mut typing_sent: Vec<(Id, tokio::time::Instant)> = Vec::new();
    let mut stopping = state.hub.stopping();
    // Subscribe before reading the log, so nothing falls between the two.
    let mut live = state.hub.subscribe(user);
    let Ok((oldest, newest)) = Box::pin(async {
        let mut conn = state.store.reader().await?;
        events::bounds(&mut conn, user).await
    })
    .await
    else {
        return;
    };
    let mut last_sent = match since {
        None => newest,
        Some(s) => {
            let too_old = match oldest {
                Some(o) => s < o - 1,
                None => s < newest,
            };
            if s > newest || too_old {
                if sink.send(control(&ControlFrame::Resync { seq: newest })).await.is_err() {
                    return;
                }
                newest
            } else {
                let mut last = s;
                if Box::pin(send_from_log(state, &mut sink, user, &mut last, &slot.revoked)).await.is_err() {
                    return;
                }
                last
            }
        }
    };
    if sink.send(control(&ControlFrame::Ready { seq: last_sent })).await.is_err() {
        return;
    }

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.reset();
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.reset();
    let mut last_heard = tokio::time::Instant::now();
    let mut close: Option<(u16, &str)> = None;
    loop {
        tokio::select! {
            // Revocation first: a socket signed out sends nothing more, however busy it is.
            biased;
            _ = async { slot.revoked.wait_for(|r| *r).await.map(|_| ()) } => {
                close = Some((close_code::UNAUTHORIZED, "signed out"));
                break;
            }
            _ = async { stopping.wait_for(|s| *s).await.map(|_| ()) } => {
                close = Some((close_code::GOING_AWAY, "the server is restarting"));
                break;
            }
            frame = live.recv() => match frame {
                Ok(frame) if frame.is_live() => {
                    if sink.send(WsMessage::Text(Utf8Bytes::from(&*frame.event))).await.is_err() { break }
                }
                Ok(frame) if frame.seq <= last_sent => {}
                Ok(frame) if frame.seq == last_sent + 1 => {
                    if sink.send(WsMessage::Text(Utf8Bytes::from(frame.text()))).await.is_err() { break }
                    metrics::histogram!(crate::metrics::FANOUT_SECONDS).record(frame.published.elapsed().as_secs_f64());
                    last_sent = frame.seq;
                }
                // A gap (or a slow reader that lagged): the log has everything, in order.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    if Box::pin(send_from_log(state, &mut sink, user, &mut last_sent, &slot.revoked)).await.is_err() { break }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = stream.next() => {
                last_heard = tokio::time::Instant::now();
                match incoming {
                    Some(Ok(WsMessage::Text(text))) => match serde_json::from_str::<ClientFrame>(&text) {
                        Ok(ClientFrame::Ping) => {
                            if sink.send(control(&ControlFrame::Pong)).await.is_err() { break }
                        }
                        Ok(ClientFrame::Typing { conversation_id }) => {
                            if typing_due(&mut typing_sent, conversation_id) {
                                Box::pin(crate::service::presence::typing(state, user, &me.name, conversation_id)).await;
                            }
                        }
                        Err(_) => {}
                    },
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            _ = recheck.tick() => {
                if matches!(Box::pin(auth::authenticate_socket(state, token)).await, Err(e) if e.status == StatusCode::UNAUTHORIZED) {
                    close = Some((close_code::UNAUTHORIZED, "the session expired or was signed out"));
                    break;
                }
            }
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    break;
                }
                if sink.send(WsMessage::Ping(Default::default())).await.is_err() { break }
            }
        }
    }
    if let Some((code, reason)) = close {
        let frame = CloseFrame { code, reason: Utf8Bytes::from(reason) };
        let _ = sink.send(WsMessage::Close(Some(frame))).await;
    }
    let _ = sink.close().await;
    drop(slot);
}
