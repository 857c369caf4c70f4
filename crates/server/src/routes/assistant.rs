//! The assistant's sessions: seed 004's four endpoints, under `/api/chat/sessions`.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use confab_api::{AiChatRequest, AiDeleted, AiHistory, AiSession};

use super::AuthUser;
use crate::error::{ok, ApiJson, ApiPath, AppResult};
use crate::service::assistant;
use crate::AppState;

/// GET /api/chat/sessions
#[utoipa::path(get, path = "/api/chat/sessions", tag = "assistant", security(("bearer" = [])),
    responses((status = 200, body = Vec<AiSession>, description = "the caller's sessions, most recently used first"),
        (status = 503, description = "no language model is configured")))]
pub async fn list_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    Ok(ok(assistant::list(&state, caller.user.user_id).await?))
}

/// GET /api/chat/sessions/{session_id}/messages
#[utoipa::path(get, path = "/api/chat/sessions/{session_id}/messages", tag = "assistant", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "1–64 of A–Z a–z 0–9 _ -")),
    responses((status = 200, body = AiHistory), (status = 403, description = "another person's session"),
        (status = 404, description = "no such session"), (status = 503, description = "no language model is configured")))]
pub async fn history_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(session_id): ApiPath<String>,
) -> AppResult<Response> {
    Ok(ok(assistant::history(&state, caller.user.user_id, &session_id).await?))
}

/// DELETE /api/chat/sessions/{session_id}
#[utoipa::path(delete, path = "/api/chat/sessions/{session_id}", tag = "assistant", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "1–64 of A–Z a–z 0–9 _ -")),
    responses((status = 200, body = AiDeleted), (status = 403, description = "another person's session"),
        (status = 404, description = "no such session"), (status = 503, description = "no language model is configured")))]
pub async fn delete_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(session_id): ApiPath<String>,
) -> AppResult<Response> {
    Ok(ok(assistant::delete(&state, caller.user.user_id, &session_id).await?))
}

/// POST /api/chat/sessions/{session_id}/chat — the reply streams as plain text, piece by piece;
/// a body that ends without its last chunk means the reply failed part-way (what arrived is
/// kept, marked failed). Errors before the reply starts are envelopes.
#[utoipa::path(post, path = "/api/chat/sessions/{session_id}/chat", tag = "assistant", security(("bearer" = [])),
    params(("session_id" = String, Path, description = "1–64 of A–Z a–z 0–9 _ -; made on its first chat")),
    request_body = AiChatRequest,
    responses((status = 200, content_type = "text/plain; charset=utf-8", body = String, description = "the reply, streamed"),
        (status = 400, description = "empty message"), (status = 403, description = "another person's session"),
        (status = 404, description = "retry in a session that does not exist"),
        (status = 409, description = "a reply is already being written in this session, or nothing to retry"),
        (status = 422, description = "message too long, bad session id, or too many sessions"),
        (status = 429, description = "too many replies streaming for this person"),
        (status = 502, description = "the model server could not be reached or refused"),
        (status = 503, description = "no language model is configured")))]
pub async fn chat_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(session_id): ApiPath<String>,
    ApiJson(req): ApiJson<AiChatRequest>,
) -> AppResult<Response> {
    let body = assistant::chat(&state, caller.user.user_id, &session_id, req).await?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
            // Not compressed, cached or buffered on the way: each piece must leave at once.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform")),
            (header::HeaderName::from_static("x-accel-buffering"), HeaderValue::from_static("no")),
        ],
        body,
    )
        .into_response())
}
