use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use confab_api::{Id, Message, MessagePage, SendMessageRequest};
use serde::Deserialize;

use super::AuthUser;
use crate::error::{ok, respond, ApiJson, ApiPath, ApiQuery, AppResult};
use crate::service::messages;
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct HistoryQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
    /// Only messages older than this one (the cursor for "load more").
    pub before_message_id: Option<Id>,
}

/// GET /api/conversations/{conversationId}/messages
#[utoipa::path(get, path = "/api/conversations/{conversationId}/messages", tag = "messages", security(("bearer" = [])),
    params(("conversationId" = i64, Path), HistoryQuery), responses((status = 200, body = MessagePage), (status = 404)))]
pub async fn history_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> AppResult<Response> {
    Ok(ok(messages::history(&state, caller.user.user_id, id, q.before_message_id, q.page, q.page_size).await?))
}

/// POST /api/messages
#[utoipa::path(post, path = "/api/messages", tag = "messages", security(("bearer" = [])), request_body = SendMessageRequest,
    responses((status = 201, body = Message), (status = 200, body = Message, description = "clientMsgId seen before: the first message"),
              (status = 409, description = "clientMsgId already used for a different message"),
              (status = 422, description = "empty or too long content, unknown file")))]
pub async fn send_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<SendMessageRequest>,
) -> AppResult<Response> {
    state.account_limits.sending(caller.user.user_id, 1)?;
    let (message, new) = messages::send(&state, caller.user.user_id, req).await?;
    Ok(respond(if new { StatusCode::CREATED } else { StatusCode::OK }, message))
}

/// POST /api/messages/{messageId}/recall
#[utoipa::path(post, path = "/api/messages/{messageId}/recall", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path)),
    responses((status = 200, body = Message), (status = 403, description = "not the sender"), (status = 409, description = "recall window passed")))]
pub async fn recall_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(messages::recall(&state, caller.user.user_id, id).await?))
}

/// DELETE /api/messages/{messageId}
#[utoipa::path(delete, path = "/api/messages/{messageId}", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path)), responses((status = 200, description = "hidden for the caller only")))]
pub async fn delete_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    messages::delete_for_me(&state, caller.user.user_id, id).await?;
    Ok(ok(()))
}
