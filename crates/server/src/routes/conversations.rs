use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use confab_api::{
    Conversation, ConversationPage, CreatePrivateRequest, Id, PatchConversationRequest, SearchHit, UnreadCount,
};
use serde::Deserialize;

use super::AuthUser;
use crate::error::{ok, respond, ApiJson, ApiPath, ApiQuery, AppResult};
use crate::service::conversations;
use crate::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct PageQuery {
    pub page: Option<i64>,
    pub page_size: Option<i64>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of a user name or display name.
    #[param(required = true, min_length = 1, max_length = 64, pattern = "\\S")]
    pub keyword: Option<String>,
}

/// GET /api/conversations
#[utoipa::path(get, path = "/api/conversations", tag = "conversations", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ConversationPage)))]
pub async fn list_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> AppResult<Response> {
    Ok(ok(conversations::list(&state, caller.user.user_id, q.page, q.page_size).await?))
}

/// GET /api/conversations/{conversationId}
#[utoipa::path(get, path = "/api/conversations/{conversationId}", tag = "conversations", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), responses((status = 200, body = Conversation), (status = 404)))]
pub async fn get_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(conversations::get(&state, caller.user.user_id, id).await?))
}

/// POST /api/conversations/private
#[utoipa::path(post, path = "/api/conversations/private", tag = "conversations", security(("bearer" = [])),
    request_body = CreatePrivateRequest,
    responses((status = 201, body = Conversation, description = "created"), (status = 200, body = Conversation, description = "already existed")))]
pub async fn open_private_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreatePrivateRequest>,
) -> AppResult<Response> {
    let (conversation, created) = conversations::open_private(&state, caller.user.user_id, req.user_id).await?;
    Ok(respond(if created { StatusCode::CREATED } else { StatusCode::OK }, conversation))
}

/// PATCH /api/conversations/{conversationId}
#[utoipa::path(patch, path = "/api/conversations/{conversationId}", tag = "conversations", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), request_body = PatchConversationRequest, responses((status = 200, body = Conversation)))]
pub async fn patch_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
    ApiJson(req): ApiJson<PatchConversationRequest>,
) -> AppResult<Response> {
    Ok(ok(conversations::patch(&state, caller.user.user_id, id, req).await?))
}

/// PUT /api/conversations/{conversationId}/read
#[utoipa::path(put, path = "/api/conversations/{conversationId}/read", tag = "conversations", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), responses((status = 200, description = "marked read; the other side gets a `read` event")))]
pub async fn read_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    conversations::mark_read(&state, caller.user.user_id, id).await?;
    Ok(ok(()))
}

/// PUT /api/conversations/{conversationId}/unread
#[utoipa::path(put, path = "/api/conversations/{conversationId}/unread", tag = "conversations", security(("bearer" = [])),
    params(("conversationId" = i64, Path)),
    responses((status = 200, body = Conversation, description = "marked unread until read; the person's other tabs get `conversation_updated`"), (status = 404)))]
pub async fn unread_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(conversations::mark_unread(&state, caller.user.user_id, id).await?))
}

/// GET /api/conversations/search?keyword=
#[utoipa::path(get, path = "/api/conversations/search", tag = "conversations", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = [SearchHit])))]
pub async fn search_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Response> {
    Ok(ok(conversations::search(&state, caller.user.user_id, q.keyword.as_deref().unwrap_or("")).await?))
}

/// GET /api/messages/unread-count
#[utoipa::path(get, path = "/api/messages/unread-count", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = UnreadCount)))]
pub async fn unread_count_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    Ok(ok(UnreadCount { total_unread: conversations::total_unread(&state, caller.user.user_id).await? }))
}
