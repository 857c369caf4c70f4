//! Seed 002's API (OpenIM's conversations): eleven `POST /conversation/…` endpoints with JSON
//! bodies, the `token` header and `{errCode, errMsg, data}`. User ids are Confab's user names;
//! conversation ids are `single_{a}_{b}` (the two user names, sorted) and `group_{groupID}`
//! (the group's conversation id). Everything goes through the same services as the web app's
//! API, so a change made here reaches the web app live.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use confab_api::openim::*;
use confab_api::{
    Conversation, ConversationType, Id, Message, MessageContent, MessageType, PatchConversationRequest, User,
};
use serde::Serialize;

use crate::error::{ApiJson, AppError};
use crate::service::{conversations, messages};
use crate::store;
use crate::AppState;

/// Conversation ids in one request at most.
const MAX_IDS: usize = 100;

/// Any failure as OpenIM words it: its error code, the message, `data: null`; the HTTP status is
/// Confab's (4xx for the caller's mistakes).
pub struct OpenImError(AppError);

impl From<AppError> for OpenImError {
    fn from(e: AppError) -> Self {
        OpenImError(e)
    }
}

fn code_of(status: StatusCode) -> i32 {
    match status {
        StatusCode::UNAUTHORIZED => err::TOKEN_INVALID,
        StatusCode::FORBIDDEN => err::NO_PERMISSION,
        StatusCode::NOT_FOUND => err::NOT_FOUND,
        StatusCode::CONFLICT => err::DUPLICATE,
        s if s.is_server_error() => err::SERVER,
        _ => err::ARGS,
    }
}

impl IntoResponse for OpenImError {
    fn into_response(self) -> Response {
        let e = self.0;
        let body = Reply { err_code: code_of(e.status), err_msg: e.message, data: () };
        let mut response = (e.status, Json(body)).into_response();
        if let Some(secs) = e.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

type OpenImResult = Result<Response, OpenImError>;

fn success<T: Serialize>(data: T) -> OpenImResult {
    Ok(Json(Reply { err_code: err::OK, err_msg: "success".into(), data }).into_response())
}

/// `{}` for answers without data, as the document shows.
#[derive(Serialize)]
struct Empty {}

/// The caller, from the `token` header.
pub struct TokenUser(pub User);

impl FromRequestParts<AppState> for TokenUser {
    type Rejection = OpenImError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, OpenImError> {
        Ok(TokenUser(super::token_user(parts, state).await?))
    }
}

/// Only one's own conversations: `userID`/`ownerUserID`/`sendUserID` must be the caller.
fn must_be_me(me: &User, user_id: &str) -> Result<(), AppError> {
    if user_id.eq_ignore_ascii_case(&me.user_name) {
        Ok(())
    } else {
        Err(AppError::forbidden("only your own conversations: the user id must be yours"))
    }
}

/// The conversation an OpenIM id names, if it is the caller's.
async fn resolve(state: &AppState, me: &User, id: &str) -> Result<Id, AppError> {
    let missing = || AppError::not_found(format!("no conversation {id} of yours"));
    if let Some(group) = id.strip_prefix("group_") {
        let cid: Id = group.parse().ok().filter(|n| *n > 0).ok_or_else(missing)?;
        let c = conversations::get(state, me.user_id, cid).await.map_err(|_| missing())?;
        return if c.conversation_type == ConversationType::Group { Ok(cid) } else { Err(missing()) };
    }
    let other = other_in_single(id, &me.user_name).ok_or_else(missing)?;
    let other = user_named(state, other).await?.ok_or_else(missing)?;
    conversations::direct_with(state, me.user_id, other.user_id).await?.ok_or_else(missing)
}

async fn user_named(state: &AppState, name: &str) -> Result<Option<User>, AppError> {
    let mut conn = state.store.reader().await?;
    Ok(store::users::by_name(&mut conn, name).await?)
}

/// User names by id, looked up once per request.
struct Names<'a> {
    state: &'a AppState,
    known: HashMap<Id, String>,
}

impl Names<'_> {
    async fn of(&mut self, id: Id) -> Result<String, AppError> {
        if let Some(n) = self.known.get(&id) {
            return Ok(n.clone());
        }
        let mut conn = self.state.store.reader().await?;
        let name = store::users::by_id(&mut conn, id).await?.map(|u| u.user_name).unwrap_or_default();
        self.known.insert(id, name.clone());
        Ok(name)
    }
}

fn millis(iso: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso).map_or(0, |t| t.timestamp_millis())
}

fn conversation_id_of(c: &Conversation, me: &User) -> String {
    match c.conversation_type {
        ConversationType::Group => format!("group_{}", c.conversation_id),
        _ => single_id(&me.user_name, &c.target_user_handle),
    }
}

async fn latest_msg(
    names: &mut Names<'_>,
    m: &Message,
    group: bool,
    c: &Conversation,
    me: &User,
) -> Result<LatestMsg, AppError> {
    let (content_type, content) = match (&m.message_type, &m.content) {
        (MessageType::System, MessageContent::Text(t)) => (1400, serde_json::json!({ "content": t })),
        (MessageType::Image, MessageContent::File(f)) => (
            102,
            serde_json::json!({"sourcePicture": {"url": f.file_url, "type": f.file_type, "size": f.file_size,
                "width": f.width, "height": f.height}}),
        ),
        (_, MessageContent::File(f)) => (
            105,
            serde_json::json!({"fileName": f.file_name, "fileSize": f.file_size, "sourceUrl": f.file_url, "fileType": f.file_type}),
        ),
        (_, MessageContent::Text(t)) if !m.at_user_ids.is_empty() || m.at_all => {
            let mut at = Vec::new();
            for id in &m.at_user_ids {
                at.push(names.of(*id).await?);
            }
            if m.at_all {
                at.push("AtAllTag".to_string());
            }
            (106, serde_json::json!({"text": t, "atUserList": at}))
        }
        (_, MessageContent::Text(t)) => (101, serde_json::json!({ "content": t })),
    };
    let send_id = names.of(m.sender_id).await?;
    let time = millis(&m.created_at);
    Ok(LatestMsg {
        server_msg_id: m.message_id.to_string(),
        client_msg_id: m.client_msg_id.clone().unwrap_or_default(),
        recv_id: if group {
            String::new()
        } else if m.sender_id == me.user_id {
            c.target_user_handle.clone()
        } else {
            me.user_name.clone()
        },
        send_id,
        group_id: if group { c.conversation_id.to_string() } else { String::new() },
        sender_nickname: m.sender_name.clone(),
        sender_face_url: m.sender_avatar.clone(),
        session_type: if group { 2 } else { 1 },
        msg_from: if m.message_type == MessageType::System { 200 } else { 100 },
        content_type,
        content: content.to_string(),
        seq: m.message_id,
        send_time: time,
        create_time: time,
        status: 2,
        ex: String::new(),
    })
}

/// A Confab conversation with OpenIM's fields (the ones only OpenIM has are kept per member).
async fn info(
    state: &AppState,
    names: &mut Names<'_>,
    me: &User,
    c: Conversation,
) -> Result<ConversationInfo, AppError> {
    let group = c.conversation_type == ConversationType::Group;
    let newest = messages::newest(state, me.user_id, c.conversation_id).await?;
    let latest = match newest.as_ref() {
        Some(m) => Some(latest_msg(names, m, group, &c, me).await?),
        None => None,
    };
    let extras = {
        let mut conn = state.store.reader().await?;
        store::conversations::extras(&mut conn, me.user_id, c.conversation_id).await?
    };
    let sent = c.last_message_time.as_deref().map_or(0, millis);
    Ok(ConversationInfo {
        owner_user_id: me.user_name.clone(),
        conversation_id: conversation_id_of(&c, me),
        conversation_type: if group { 2 } else { 1 },
        user_id: if group { String::new() } else { c.target_user_handle.clone() },
        group_id: if group { c.conversation_id.to_string() } else { String::new() },
        show_name: c.target_user_name,
        face_url: c.target_user_avatar,
        recv_msg_opt: c.recv_msg_opt,
        unread_count: c.unread_count,
        group_at_type: c.group_at_type,
        latest_msg: latest,
        latest_msg_send_time: sent,
        draft_text_time: extras.draft_text_time,
        draft_text: c.draft_text,
        is_pinned: c.is_pinned,
        is_private_chat: c.is_private_chat,
        burn_duration: c.burn_duration,
        is_not_in_group: c.is_not_in_group,
        update_unread_count_time: sent,
        attached_info: extras.attached_info,
        ex: extras.ex,
    })
}

/// POST /conversation/get_conversations — a page of the list (`userID` + `pagination`), or the
/// named conversations (`ownerUserID` + `conversationIDs`).
#[utoipa::path(post, path = "/conversation/get_conversations", tag = "seed 002", security(("token" = [])), request_body = GetConversationsRequest,
    responses((status = 200, body = ConversationPage, description = "a page of the list (`userID` + `pagination`), or the named conversations (`ownerUserID` + `conversationIDs`; `total` is how many)"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn get_conversations_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<GetConversationsRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    let mut names = Names { state: &state, known: HashMap::new() };
    if let Some(ids) = req.conversation_ids {
        must_be_me(&me, req.owner_user_id.as_deref().or(req.user_id.as_deref()).unwrap_or(""))?;
        if ids.len() > MAX_IDS {
            return Err(AppError::unprocessable(format!("at most {MAX_IDS} conversationIDs")).into());
        }
        let mut list = Vec::new();
        for id in ids {
            // Unknown ids are left out, as OpenIM does.
            if let Ok(cid) = resolve(&state, &me, &id).await {
                let c = conversations::get(&state, me.user_id, cid).await?;
                list.push(info(&state, &mut names, &me, c).await?);
            }
        }
        return success(ConversationPage { total: list.len() as i64, conversations: list });
    }
    must_be_me(&me, req.user_id.as_deref().unwrap_or(""))?;
    let page = req.pagination.ok_or_else(|| AppError::unprocessable("pagination is required with userID"))?;
    if page.page_number < 1 || !(1..=100).contains(&page.show_number) {
        return Err(AppError::unprocessable("pagination: pageNumber from 1, showNumber 1–100").into());
    }
    let found =
        conversations::list(&state, me.user_id, Some(page.page_number.into()), Some(page.show_number.into())).await?;
    let mut list = Vec::new();
    for c in found.list {
        list.push(info(&state, &mut names, &me, c).await?);
    }
    success(ConversationPage { total: found.total, conversations: list })
}

/// POST /conversation/get_conversation
#[utoipa::path(post, path = "/conversation/get_conversation", tag = "seed 002", security(("token" = [])), request_body = GetConversationRequest,
    responses((status = 200, body = OneConversation, description = "the conversation"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn get_conversation_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<GetConversationRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    must_be_me(&me, &req.owner_user_id)?;
    let cid = resolve(&state, &me, &req.conversation_id).await?;
    let c = conversations::get(&state, me.user_id, cid).await?;
    let mut names = Names { state: &state, known: HashMap::new() };
    success(OneConversation { conversation: info(&state, &mut names, &me, c).await? })
}

/// One conversation's settings, through the same patch as the web app's.
async fn apply(state: &AppState, me: &User, s: ConversationSetting) -> Result<(), AppError> {
    must_be_me(me, &s.owner_user_id)?;
    let cid = resolve(state, me, &s.conversation_id).await?;
    for (name, value) in [("attachedInfo", &s.attached_info), ("ex", &s.ex)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 4096) {
            return Err(AppError::unprocessable(format!("{name} must be at most 4096 characters")));
        }
    }
    // OpenIM turns burn after reading off with burnDuration 0.
    let (is_private_chat, burn_duration) = match (s.is_private_chat, s.burn_duration) {
        (None, Some(0)) => (Some(false), None),
        (Some(true), Some(0)) => (Some(true), None),
        other => other,
    };
    let patch = PatchConversationRequest {
        is_pinned: s.is_pinned,
        recv_msg_opt: s.recv_msg_opt,
        draft_text: s.draft_text,
        is_private_chat,
        burn_duration,
    };
    conversations::patch(state, me.user_id, cid, patch).await?;
    if s.attached_info.is_some() || s.ex.is_some() {
        let mut conn = state.store.writer().await?;
        store::conversations::set_extras(&mut conn, me.user_id, cid, s.attached_info.as_deref(), s.ex.as_deref())
            .await?;
    }
    Ok(())
}

/// POST /conversation/set_conversation
#[utoipa::path(post, path = "/conversation/set_conversation", tag = "seed 002", security(("token" = [])), request_body = SetConversationRequest,
    responses((status = 200, body = Object, description = "`{}`"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn set_conversation_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<SetConversationRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    apply(&state, &me, req.conversation).await?;
    success(Empty {})
}

/// POST /conversation/batch_set_conversation — each one on its own: those refused are listed
/// under `failed`, the rest applied.
#[utoipa::path(post, path = "/conversation/batch_set_conversation", tag = "seed 002", security(("token" = [])), request_body = BatchSetRequest,
    responses((status = 200, body = BatchSetResult, description = "which were set and which refused"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn batch_set_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<BatchSetRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    if req.conversations.len() > MAX_IDS {
        return Err(AppError::unprocessable(format!("at most {MAX_IDS} conversations")).into());
    }
    let mut result = BatchSetResult { success: Vec::new(), failed: Vec::new() };
    for s in req.conversations {
        let id = s.conversation_id.clone();
        match apply(&state, &me, s).await {
            Ok(()) => result.success.push(id),
            Err(_) => result.failed.push(id),
        }
    }
    success(result)
}

/// POST /conversation/set_receive_message_opt — all of them or none.
#[utoipa::path(post, path = "/conversation/set_receive_message_opt", tag = "seed 002", security(("token" = [])), request_body = SetRecvOptRequest,
    responses((status = 200, body = Object, description = "`{}`"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn set_recv_opt_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<SetRecvOptRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    must_be_me(&me, &req.owner_user_id)?;
    if req.conversation_ids.len() > MAX_IDS || !(0..=2).contains(&req.opt) {
        return Err(AppError::unprocessable(format!("at most {MAX_IDS} conversationIDs; opt 0, 1 or 2")).into());
    }
    let mut cids = Vec::new();
    for id in &req.conversation_ids {
        cids.push(resolve(&state, &me, id).await?);
    }
    for cid in cids {
        let patch = PatchConversationRequest { recv_msg_opt: Some(req.opt), ..Default::default() };
        conversations::patch(&state, me.user_id, cid, patch).await?;
    }
    success(Empty {})
}

/// POST /conversation/get_all_conversation_message_opt
#[utoipa::path(post, path = "/conversation/get_all_conversation_message_opt", tag = "seed 002", security(("token" = [])), request_body = UserRequest,
    responses((status = 200, body = MsgOpts, description = "every conversation's option"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn get_all_opts_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<UserRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    must_be_me(&me, &req.user_id)?;
    let opts = super::all_conversations(&state, me.user_id)
        .await?
        .iter()
        .map(|c| MsgOpt {
            owner_user_id: Some(me.user_name.clone()),
            conversation_id: conversation_id_of(c, &me),
            opt: c.recv_msg_opt,
        })
        .collect();
    success(MsgOpts { conversation_msg_opts: opts })
}

/// POST /conversation/get_receive_message_opt — unknown ids are left out.
#[utoipa::path(post, path = "/conversation/get_receive_message_opt", tag = "seed 002", security(("token" = [])), request_body = GetRecvOptRequest,
    responses((status = 200, body = MsgOpts, description = "the named conversations' options"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn get_opts_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<GetRecvOptRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    if req.conversation_ids.len() > MAX_IDS {
        return Err(AppError::unprocessable(format!("at most {MAX_IDS} conversationIDs")).into());
    }
    let mut opts = Vec::new();
    for id in req.conversation_ids {
        if let Ok(cid) = resolve(&state, &me, &id).await {
            let c = conversations::get(&state, me.user_id, cid).await?;
            opts.push(MsgOpt { owner_user_id: None, conversation_id: id, opt: c.recv_msg_opt });
        }
    }
    success(MsgOpts { conversation_msg_opts: opts })
}

/// The one-to-one conversation with `recv` (made if there is none yet).
async fn direct(state: &AppState, me: &User, send: &str, recv: &str) -> Result<Id, AppError> {
    must_be_me(me, send)?;
    let other = user_named(state, recv).await?.ok_or_else(|| AppError::not_found(format!("no user {recv}")))?;
    Ok(conversations::open_private(state, me.user_id, other.user_id).await?.0.conversation_id)
}

/// POST /conversation/set_conversation_is_private_chat — burn after reading on (30 s unless a
/// duration is set) or off, for both sides.
#[utoipa::path(post, path = "/conversation/set_conversation_is_private_chat", tag = "seed 002", security(("token" = [])), request_body = PrivateChatRequest,
    responses((status = 200, body = Object, description = "`{}`"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn set_private_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<PrivateChatRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    let cid = direct(&state, &me, &req.send_user_id, &req.recv_user_id).await?;
    let patch = PatchConversationRequest { is_private_chat: Some(req.is_private), ..Default::default() };
    conversations::patch(&state, me.user_id, cid, patch).await?;
    success(Empty {})
}

/// POST /conversation/set_conversation_burn_duration — 0 turns it off.
#[utoipa::path(post, path = "/conversation/set_conversation_burn_duration", tag = "seed 002", security(("token" = [])), request_body = BurnDurationRequest,
    responses((status = 200, body = Object, description = "`{}`"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn set_burn_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<BurnDurationRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    let cid = direct(&state, &me, &req.send_user_id, &req.recv_user_id).await?;
    let patch = if req.burn_duration == 0 {
        PatchConversationRequest { is_private_chat: Some(false), ..Default::default() }
    } else {
        PatchConversationRequest {
            is_private_chat: Some(true),
            burn_duration: Some(req.burn_duration),
            ..Default::default()
        }
    };
    conversations::patch(&state, me.user_id, cid, patch).await?;
    success(Empty {})
}

/// POST /conversation/get_total_unread_msg_count — muted conversations are not counted.
#[utoipa::path(post, path = "/conversation/get_total_unread_msg_count", tag = "seed 002", security(("token" = [])), request_body = UserRequest,
    responses((status = 200, body = TotalUnread, description = "the total"), (status = 403, description = "not the caller's own user id (errCode 1002)"),
        (status = 404, description = "no such conversation of the caller's (errCode 1004)")))]
pub async fn total_unread_route(
    State(state): State<AppState>,
    TokenUser(me): TokenUser,
    body: Result<ApiJson<UserRequest>, AppError>,
) -> OpenImResult {
    let ApiJson(req) = body?;
    must_be_me(&me, &req.user_id)?;
    success(TotalUnread { total_unread_count: conversations::total_unread(&state, me.user_id).await? })
}
