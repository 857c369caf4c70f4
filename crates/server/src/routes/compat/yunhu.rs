//! Seed 003's (YunHu's) conversation API at `/v1/conversation/…`: the `token` header, the
//! `{code: 1, msg}` envelope, and the list in protobuf (`application/x-protobuf`, the document's
//! field numbers) or JSON when asked. Chats are people (their user id), groups (the group's
//! conversation id) and bots (the assistant's sessions).

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use confab_api::yunhu::{
    AtData, Data, DismissRequest, List, Reply, SortChangeRequest, Status, CHAT_BOT, CHAT_GROUP, CHAT_USER,
};
use confab_api::{valid_session_id, Conversation, ConversationType, Id, PatchConversationRequest, User};
use prost::Message as _;

use crate::error::{ApiJson, AppError};
use crate::service::{assistant, conversations};
use crate::AppState;

/// Any failure, in the document's shape: `{code, msg}` with `code` the HTTP status.
pub struct YunhuError(AppError);

impl From<AppError> for YunhuError {
    fn from(e: AppError) -> Self {
        YunhuError(e)
    }
}

impl IntoResponse for YunhuError {
    fn into_response(self) -> Response {
        let e = self.0;
        let mut response = (e.status, Json(Reply { code: e.status.as_u16().into(), msg: e.message })).into_response();
        if let Some(secs) = e.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, secs.into());
        }
        response
    }
}

type YunhuResult = Result<Response, YunhuError>;

fn success() -> Response {
    Json(Reply { code: 1, msg: "success".into() }).into_response()
}

/// The caller, from the `token` header.
pub struct TokenUser(pub User);

impl FromRequestParts<AppState> for TokenUser {
    type Rejection = YunhuError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, YunhuError> {
        Ok(TokenUser(super::token_user(parts, state).await?))
    }
}

/// What a chat id names.
enum Chat {
    Conversation(Id),
    Bot,
}

/// A person's, group's or bot's id as the list gives it; `chat_type` narrows it (without it a
/// person is tried first, then a group, then a bot).
async fn resolve(state: &AppState, me: Id, chat_id: &str, chat_type: Option<u64>) -> Result<Chat, AppError> {
    let number = chat_id.trim().parse::<Id>().ok().filter(|n| *n > 0);
    let wants = |t: u64| chat_type.is_none_or(|c| c == t);
    if let Some(n) = number {
        if wants(CHAT_USER) {
            if let Some(cid) = conversations::direct_with(state, me, n).await? {
                return Ok(Chat::Conversation(cid));
            }
        }
        if wants(CHAT_GROUP) {
            if let Ok(c) = conversations::get(state, me, n).await {
                if c.conversation_type == ConversationType::Group {
                    return Ok(Chat::Conversation(n));
                }
            }
        }
    }
    if wants(CHAT_BOT) && valid_session_id(chat_id) && assistant::owns(state, me, chat_id).await? {
        return Ok(Chat::Bot);
    }
    if chat_type.is_some_and(|t| !(CHAT_USER..=CHAT_BOT).contains(&t)) {
        return Err(AppError::unprocessable("chatType must be 1 (person), 2 (group) or 3 (bot)"));
    }
    Err(AppError::not_found(format!("no chat {chat_id} in your list")))
}

/// POST /v1/conversation/dismiss-notification — marks the chat read.
#[utoipa::path(post, path = "/v1/conversation/dismiss-notification", tag = "seed 003", security(("token" = [])),
    request_body = DismissRequest,
    responses((status = 200, body = Reply, description = "`{code: 1, msg: \"success\"}`"),
        (status = 400, body = Reply, description = "malformed JSON"), (status = 401, body = Reply, description = "no or bad token"),
        (status = 404, body = Reply, description = "no such chat in the caller's list"),
        (status = 415, body = Reply, description = "not JSON"), (status = 422, body = Reply, description = "a bad value")))]
pub async fn dismiss_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<DismissRequest>, AppError>,
) -> YunhuResult {
    let ApiJson(req) = body?;
    match resolve(&state, me.user_id, &req.chat_id, req.chat_type).await? {
        Chat::Conversation(cid) => conversations::mark_read(&state, me.user_id, cid).await?,
        // An assistant session has nothing unread.
        Chat::Bot => {}
    }
    Ok(success())
}

/// POST /v1/conversation/sort-change — moves the chat to the top of the list by pinning it.
#[utoipa::path(post, path = "/v1/conversation/sort-change", tag = "seed 003", security(("token" = [])),
    request_body = SortChangeRequest,
    responses((status = 200, body = Reply, description = "`{code: 1, msg: \"success\"}`"),
        (status = 400, body = Reply, description = "malformed JSON"), (status = 401, body = Reply, description = "no or bad token"),
        (status = 404, body = Reply, description = "no such chat in the caller's list"),
        (status = 415, body = Reply, description = "not JSON"), (status = 422, body = Reply, description = "a bad value")))]
pub async fn sort_change_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<SortChangeRequest>, AppError>,
) -> YunhuResult {
    let ApiJson(req) = body?;
    match resolve(&state, me.user_id, &req.user_id, req.chat_type).await? {
        Chat::Conversation(cid) => {
            let pin = PatchConversationRequest { is_pinned: Some(true), ..Default::default() };
            conversations::patch(&state, me.user_id, cid, pin).await?;
        }
        // Assistant sessions are ordered by use.
        Chat::Bot => {}
    }
    Ok(success())
}

fn millis(iso: Option<&str>) -> u64 {
    iso.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map_or(0, |t| t.timestamp_millis().max(0) as u64)
}

fn chat_of(c: Conversation, me: &User) -> (bool, Data) {
    let group = c.conversation_type == ConversationType::Group;
    let ms = millis(c.last_message_time.as_deref());
    let at_data = c.at_data.as_ref().map(|a| AtData {
        unknown: 0,
        mentioned_id: me.user_id.to_string(),
        mentioned_name: me.display_name.clone(),
        mentioned_in: c.conversation_id.to_string(),
        mentioner_id: a.mentioner_id.to_string(),
        mentioner_name: a.mentioner_name.clone(),
        msg_seq: a.message_id.max(0) as u64,
    });
    let data = Data {
        chat_id: if group { c.conversation_id } else { c.target_user_id }.to_string(),
        chat_type: if group { CHAT_GROUP } else { CHAT_USER },
        name: c.target_user_name,
        chat_content: c.last_message,
        timestamp_ms: ms,
        unread_message: u64::from(c.unread_count > 0),
        at: u64::from(matches!(c.group_at_type, 1 | 3)),
        avatar_id: 0,
        avatar_url: c.target_user_avatar,
        do_not_disturb: u64::from(c.recv_msg_opt == 1),
        timestamp: ms / 1000,
        at_data,
        certification_level: 0,
    };
    (c.is_pinned, data)
}

/// POST /v1/conversation/list — pinned chats first, then the newest; protobuf unless the
/// request accepts JSON (and not protobuf).
#[utoipa::path(post, path = "/v1/conversation/list", tag = "seed 003", security(("token" = [])),
    responses((status = 200, description = "the list (`message list` of the document)",
            content((Vec<u8> = "application/x-protobuf"), (List = "application/json"))),
        (status = 401, body = Reply, description = "no or bad token")))]
pub async fn list_route(State(state): State<AppState>, TokenUser(me): TokenUser, headers: HeaderMap) -> YunhuResult {
    let mut chats: Vec<(bool, Data)> =
        super::all_conversations(&state, me.user_id).await?.into_iter().map(|c| chat_of(c, &me)).collect();
    // The assistant's sessions are the bots, when a model is connected.
    if let Ok(sessions) = assistant::list(&state, me.user_id).await {
        chats.extend(sessions.into_iter().map(|s| {
            let ms = millis(Some(&s.updated_at));
            let data = Data {
                chat_id: s.session_id,
                chat_type: CHAT_BOT,
                name: s.title,
                chat_content: s.last_message.unwrap_or_default(),
                timestamp_ms: ms,
                timestamp: ms / 1000,
                ..Default::default()
            };
            (false, data)
        }));
    }
    chats.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.timestamp_ms.cmp(&a.1.timestamp_ms)));
    let data: Vec<Data> = chats.into_iter().map(|(_, d)| d).collect();
    let list = List {
        status: Some(Status { number: 0, code: 1, msg: "success".into() }),
        total: data.len() as u64,
        data,
        request_id: format!("{:016x}", rand::random::<u64>()),
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.contains("json") && !accept.contains("protobuf") {
        return Ok(Json(list).into_response());
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static("application/x-protobuf"))],
        list.encode_to_vec(),
    )
        .into_response())
}
