//! `GET /api/ws/chat?token=…&sinceSeq=…`: live events, after catching up on missed ones.

use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use confab_api::{ControlFrame, Id};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use crate::error::{ApiQuery, AppError, AppResult};
use crate::service::auth;
use crate::store::events;
use crate::AppState;

/// Server pings this often; a connection silent for `DEAD_AFTER` is closed.
const PING_EVERY: Duration = Duration::from_secs(25);
const DEAD_AFTER: Duration = Duration::from_secs(70);
/// Events read from the log per query while catching up.
const BATCH: i64 = 500;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct WsQuery {
    token: Option<String>,
    since_seq: Option<i64>,
}

/// GET /api/ws/chat
#[utoipa::path(get, path = "/api/ws/chat", tag = "websocket", params(WsQuery),
    responses((status = 101, description = "WebSocket: server frames {type, seq, data}; client sends {\"type\":\"ping\"}"),
              (status = 401, description = "missing or invalid token")))]
pub async fn chat_route(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<WsQuery>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let token = q.token.filter(|t| !t.is_empty()).ok_or_else(|| AppError::unauthorized("missing ?token="))?;
    let user = auth::authenticate(&state, &token).await?;
    let upgrade =
        upgrade.map_err(|e| AppError::bad_request(format!("expected a WebSocket upgrade: {}", e.body_text())))?;
    if q.since_seq.is_some_and(|s| s < 0) {
        return Err(AppError::bad_request("sinceSeq must not be negative"));
    }
    let token_hash = auth::token_hash(&token);
    Ok(upgrade.on_upgrade(move |socket| session(socket, state, user.user_id, token_hash, q.since_seq)).into_response())
}

fn control(frame: &ControlFrame) -> WsMessage {
    WsMessage::Text(Utf8Bytes::from(serde_json::to_string(frame).expect("serializes")))
}

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;

/// Sends every logged event after `*last_sent`, in order, advancing it.
async fn send_from_log(state: &AppState, sink: &mut Sink, user: Id, last_sent: &mut i64) -> Result<(), ()> {
    loop {
        let batch = {
            let mut conn = state.store.reader().await.map_err(|_| ())?;
            events::since(&mut conn, user, *last_sent, BATCH).await.map_err(|_| ())?
        };
        let done = (batch.len() as i64) < BATCH;
        for (seq, json) in batch {
            sink.send(WsMessage::Text(Utf8Bytes::from(json))).await.map_err(|_| ())?;
            *last_sent = seq;
        }
        if done {
            return Ok(());
        }
    }
}

async fn session(socket: WebSocket, state: AppState, user: Id, token_hash: Vec<u8>, since: Option<i64>) {
    // Subscribe before reading the log, so nothing falls between the two.
    let mut live = state.hub.subscribe(user);
    let mut revocations = state.hub.revocations();
    let (mut sink, mut stream) = socket.split();
    let Ok((oldest, newest)) = async {
        let mut conn = state.store.reader().await?;
        events::bounds(&mut conn, user).await
    }
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
                if send_from_log(&state, &mut sink, user, &mut last).await.is_err() {
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
    let mut last_heard = tokio::time::Instant::now();
    loop {
        tokio::select! {
            frame = live.recv() => match frame {
                Ok(frame) if frame.seq <= last_sent => {}
                Ok(frame) if frame.seq == last_sent + 1 => {
                    if sink.send(WsMessage::Text(Utf8Bytes::from(&*frame.json))).await.is_err() { break }
                    last_sent = frame.seq;
                }
                // A gap (or a slow reader that lagged): the log has everything, in order.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    if send_from_log(&state, &mut sink, user, &mut last_sent).await.is_err() { break }
                }
                Err(RecvError::Closed) => break,
            },
            incoming = stream.next() => {
                last_heard = tokio::time::Instant::now();
                match incoming {
                    Some(Ok(WsMessage::Text(text))) => {
                        if matches!(serde_json::from_str::<ControlFrame>(&text), Ok(ControlFrame::Ping))
                            && sink.send(control(&ControlFrame::Pong)).await.is_err() {
                            break;
                        }
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            revoked = revocations.recv() => match revoked {
                Ok(hash) if *hash == *token_hash => break,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => break,
            },
            _ = ping.tick() => {
                if last_heard.elapsed() > DEAD_AFTER {
                    break;
                }
                if sink.send(WsMessage::Ping(Default::default())).await.is_err() { break }
            }
        }
    }
    let _ = sink.close().await;
}
