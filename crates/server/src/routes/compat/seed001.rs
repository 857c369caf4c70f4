//! Seed 001's API: `/api/auth/conversations…` and `/api/auth/messages…`, snake_case, ids as
//! strings, Bearer auth, the same `{code, message, data}` envelope as Confab's own.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use confab_api::seed001::{
    ConversationItem, FileContent, HistoryContent, HistoryItem, IdRequest, SendRequest, STATUS_FILE, STATUS_SYSTEM,
    STATUS_TEXT,
};
use confab_api::{Id, Message, MessageContent, MessageStatus, MessageType, OutgoingContent, SendMessageRequest};
use serde::Deserialize;

use crate::error::{ok, respond, ApiJson, ApiPath, ApiQuery, AppResult};
use crate::routes::AuthUser;
use crate::service::{conversations, messages};
use crate::AppState;

/// Messages in one history answer: the newest, or those before `before`.
const HISTORY_PAGE: i64 = 100;

/// GET /api/auth/conversations
#[utoipa::path(get, path = "/api/auth/conversations", tag = "seed 001", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConversationItem>, description = "the caller's conversations, pinned first, then newest")))]
pub async fn conversations_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    let items: Vec<ConversationItem> = super::all_conversations(&state, caller.user.user_id)
        .await?
        .into_iter()
        .map(|c| ConversationItem {
            remark: c.target_user_name,
            conversation_id: c.conversation_id.to_string(),
            unread_count: c.unread_count,
            content: c.last_message,
        })
        .collect();
    Ok(ok(items))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryQuery {
    /// Only messages older than this one (a Confab addition, for paging back).
    pub before: Option<Id>,
}

fn history_item(m: Message) -> HistoryItem {
    let status = match m.message_type {
        MessageType::System => STATUS_SYSTEM,
        MessageType::Image | MessageType::File => STATUS_FILE,
        _ => STATUS_TEXT,
    };
    let content = match m.content {
        MessageContent::Text(t) => HistoryContent::Text(t),
        MessageContent::File(f) => HistoryContent::File(FileContent {
            file_name: f.file_name,
            file_url: f.file_url,
            file_size: f.file_size,
            file_type: f.file_type,
        }),
    };
    HistoryItem {
        message_id: m.message_id.to_string(),
        sender_id: m.sender_id.to_string(),
        sender_name: m.sender_name,
        status,
        updated_at: m.created_at,
        content,
    }
}

/// GET /api/auth/conversations/{conversation_id}
#[utoipa::path(get, path = "/api/auth/conversations/{conversation_id}", tag = "seed 001", security(("bearer" = [])),
    params(("conversation_id" = i64, Path), HistoryQuery),
    responses((status = 200, body = Vec<HistoryItem>, description = "the newest 100 messages (or those before `before`), oldest first; recalled ones left out"),
        (status = 404, description = "no such conversation, or not the caller's")))]
pub async fn history_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> AppResult<Response> {
    let page = messages::history(&state, caller.user.user_id, id, q.before, None, Some(HISTORY_PAGE)).await?;
    // Oldest first already, as every history page.
    let list: Vec<HistoryItem> =
        page.list.into_iter().filter(|m| m.status != MessageStatus::Recalled).map(history_item).collect();
    Ok(ok(list))
}

/// POST /api/auth/conversations/private
#[utoipa::path(post, path = "/api/auth/conversations/private", tag = "seed 001", security(("bearer" = [])),
    request_body = IdRequest,
    responses((status = 201, description = "the chat with that person exists (made now or before); data is null"),
        (status = 404, description = "no such person"), (status = 422, description = "oneself")))]
pub async fn open_private_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<IdRequest>,
) -> AppResult<Response> {
    conversations::open_private(&state, caller.user.user_id, req.id).await?;
    Ok(respond(StatusCode::CREATED, ()))
}

/// POST /api/auth/messages
#[utoipa::path(post, path = "/api/auth/messages", tag = "seed 001", security(("bearer" = [])),
    request_body = SendRequest,
    responses((status = 201, body = i64, content_type = "application/json", description = "the new message's id"),
        (status = 404, description = "no such conversation, or not the caller's")))]
pub async fn send_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<SendRequest>,
) -> AppResult<Response> {
    let send = SendMessageRequest::new(
        None,
        OutgoingContent::Text(req.content),
        Some(MessageType::Text),
        Some(req.conversation_id),
        None,
    );
    state.account_limits.sending(caller.user.user_id, 1)?;
    let (message, _) = messages::send(&state, caller.user.user_id, send).await?;
    Ok(respond(StatusCode::CREATED, message.message_id))
}

/// DELETE /api/auth/messages/recall
#[utoipa::path(delete, path = "/api/auth/messages/recall", tag = "seed 001", security(("bearer" = [])),
    request_body = IdRequest,
    responses((status = 201, body = i64, content_type = "application/json", description = "the recalled message's id"),
        (status = 403, description = "not the sender"), (status = 409, description = "the recall window has passed")))]
pub async fn recall_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<IdRequest>,
) -> AppResult<Response> {
    let message = messages::recall(&state, caller.user.user_id, req.id).await?;
    Ok(respond(StatusCode::CREATED, message.message_id))
}

/// DELETE /api/auth/messages/delete
#[utoipa::path(delete, path = "/api/auth/messages/delete", tag = "seed 001", security(("bearer" = [])),
    request_body = IdRequest,
    responses((status = 200, description = "hidden for the caller only; data is null")))]
pub async fn delete_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<IdRequest>,
) -> AppResult<Response> {
    messages::delete_for_me(&state, caller.user.user_id, req.id).await?;
    Ok(ok(()))
}
