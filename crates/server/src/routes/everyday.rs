//! Edit, reactions, forward, message search and presence.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use confab_api::{
    EditMessageRequest, EmojiEntry, ForwardRequest, ForwardResult, Id, Message, MessageSearchPage, MessageVersion,
    Presence, ReactionsNotice,
};
use serde::Deserialize;

use super::AuthUser;
use crate::error::{ok, ApiJson, ApiPath, ApiQuery, AppResult};
use crate::service::{edits, forward, presence, reactions, search};
use crate::AppState;

/// PATCH /api/messages/{messageId}
#[utoipa::path(patch, path = "/api/messages/{messageId}", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path)), request_body = EditMessageRequest,
    responses((status = 200, body = Message, description = "the message with its new text and `editedAt`"),
              (status = 403, description = "not the sender"), (status = 404),
              (status = 409, description = "edit window passed, or recalled"),
              (status = 422, description = "empty or too long, or not a text message")))]
pub async fn edit_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
    ApiJson(req): ApiJson<EditMessageRequest>,
) -> AppResult<Response> {
    Ok(ok(edits::edit(&state, caller.user.user_id, id, &req.content).await?))
}

/// GET /api/messages/{messageId}/versions
#[utoipa::path(get, path = "/api/messages/{messageId}/versions", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path)),
    responses((status = 200, body = Vec<MessageVersion>, description = "what an edited message said before, oldest first"),
              (status = 404)))]
pub async fn versions_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(id): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(edits::versions(&state, caller.user.user_id, id).await?))
}

/// PUT /api/messages/{messageId}/reactions/{emoji}
#[utoipa::path(put, path = "/api/messages/{messageId}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path), ("emoji" = String, Path, description = "one emoji, URL-encoded")),
    responses((status = 200, body = ReactionsNotice, description = "the message's reactions now (adding twice changes nothing)"),
              (status = 403, description = "left the group"), (status = 404),
              (status = 409, description = "recalled, or too many emoji"),
              (status = 422, description = "not one emoji")))]
pub async fn react_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, emoji)): ApiPath<(Id, String)>,
) -> AppResult<Response> {
    Ok(ok(reactions::react(&state, caller.user.user_id, id, &emoji, true).await?))
}

/// DELETE /api/messages/{messageId}/reactions/{emoji}
#[utoipa::path(delete, path = "/api/messages/{messageId}/reactions/{emoji}", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path), ("emoji" = String, Path, description = "one emoji, URL-encoded")),
    responses((status = 200, body = ReactionsNotice, description = "the message's reactions now"),
              (status = 403, description = "left the group"), (status = 404),
              (status = 422, description = "not one emoji")))]
pub async fn unreact_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((id, emoji)): ApiPath<(Id, String)>,
) -> AppResult<Response> {
    Ok(ok(reactions::react(&state, caller.user.user_id, id, &emoji, false).await?))
}

/// GET /api/emoji
#[utoipa::path(get, path = "/api/emoji", tag = "messages",
    responses((status = 200, body = Vec<EmojiEntry>, description = "the Unicode emoji list, for the reaction picker")))]
pub async fn emoji_route() -> Response {
    let mut response = ok(reactions::catalogue());
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("public, max-age=86400"));
    response.into_response()
}

/// POST /api/messages/forward
#[utoipa::path(post, path = "/api/messages/forward", tag = "messages", security(("bearer" = [])),
    request_body = ForwardRequest,
    responses((status = 200, body = ForwardResult), (status = 403, description = "not a member of a target group"),
              (status = 404, description = "a message or conversation the caller cannot see"),
              (status = 422, description = "recalled, burn-after-reading or system messages; bad counts")))]
pub async fn forward_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<ForwardRequest>,
) -> AppResult<Response> {
    Ok(ok(forward::forward(&state, caller.user.user_id, req).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct SearchQuery {
    /// Words to find (any language; Chinese without spaces works), at most 100 characters.
    pub q: String,
    /// Only matches older than this message (the cursor for the next page).
    pub before_message_id: Option<Id>,
    /// 1 to 50, default 20.
    pub page_size: Option<i64>,
}

/// GET /api/messages/search
#[utoipa::path(get, path = "/api/messages/search", tag = "messages", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = MessageSearchPage), (status = 422, description = "empty or too long")))]
pub async fn search_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> AppResult<Response> {
    Ok(ok(search::messages(&state, caller.user.user_id, &q.q, q.before_message_id, q.page_size).await?))
}

/// GET /api/users/{userId}/presence
#[utoipa::path(get, path = "/api/users/{userId}/presence", tag = "auth", security(("bearer" = [])),
    params(("userId" = i64, Path)),
    responses((status = 200, body = Presence), (status = 404, description = "nobody the caller has a chat with")))]
pub async fn presence_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(user): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(presence::of(&state, caller.user.user_id, user).await?))
}
