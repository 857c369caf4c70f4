//! Seed 004's paths as the document writes them (`/chat/sessions…` at the root): the same
//! handlers as `/api/chat/sessions…`, listed in the OpenAPI document under the document's tag.

use axum::extract::State;
use axum::response::Response;
use confab_api::{AiChatRequest, AiDeleted, AiHistory, AiSession};

use crate::error::{ApiJson, ApiPath, AppResult};
use crate::routes::{assistant, AuthUser};
use crate::AppState;

/// GET /chat/sessions
#[utoipa::path(get, path = "/chat/sessions", tag = "seed 004", security(("bearer" = [])),
    responses((status = 200, body = Vec<AiSession>, description = "as GET /api/chat/sessions"),
        (status = 503, description = "no language model is configured")))]
pub async fn list_route(state: State<AppState>, caller: AuthUser) -> AppResult<Response> {
    assistant::list_route(state, caller).await
}

/// GET /chat/sessions/{session_id}/messages
#[utoipa::path(get, path = "/chat/sessions/{session_id}/messages", tag = "seed 004", security(("bearer" = [])),
    params(("session_id" = String, Path)),
    responses((status = 200, body = AiHistory), (status = 403, description = "another person's session"),
        (status = 404, description = "no such session"), (status = 503, description = "no language model is configured")))]
pub async fn history_route(state: State<AppState>, caller: AuthUser, id: ApiPath<String>) -> AppResult<Response> {
    assistant::history_route(state, caller, id).await
}

/// DELETE /chat/sessions/{session_id}
#[utoipa::path(delete, path = "/chat/sessions/{session_id}", tag = "seed 004", security(("bearer" = [])),
    params(("session_id" = String, Path)),
    responses((status = 200, body = AiDeleted), (status = 403, description = "another person's session"),
        (status = 404, description = "no such session"), (status = 503, description = "no language model is configured")))]
pub async fn delete_route(state: State<AppState>, caller: AuthUser, id: ApiPath<String>) -> AppResult<Response> {
    assistant::delete_route(state, caller, id).await
}

/// POST /chat/sessions/{session_id}/chat
#[utoipa::path(post, path = "/chat/sessions/{session_id}/chat", tag = "seed 004", security(("bearer" = [])),
    params(("session_id" = String, Path)), request_body = AiChatRequest,
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String, description = "the reply, streamed"),
        (status = 400, description = "empty message"), (status = 403, description = "another person's session"),
        (status = 404, description = "retry in a session that does not exist"),
        (status = 409, description = "a reply is already being written in this session, or nothing to retry"),
        (status = 422, description = "message too long, bad session id, or too many sessions"),
        (status = 429, description = "too many replies streaming for this person"),
        (status = 502, description = "the model server could not be reached or refused"),
        (status = 503, description = "no language model is configured")))]
pub async fn chat_route(
    state: State<AppState>,
    caller: AuthUser,
    id: ApiPath<String>,
    body: ApiJson<AiChatRequest>,
) -> AppResult<Response> {
    assistant::chat_route(state, caller, id, body).await
}
