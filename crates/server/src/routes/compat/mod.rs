//! The other documents' APIs, served as written beside Confab's own: thin translations of paths,
//! field names and id formats onto the same services (no rule is written twice).

pub mod ai;
pub mod openim;
pub mod seed001;
pub mod yunhu;

use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use axum::Router;
use confab_api::{Conversation, Id, User};

use crate::error::AppError;
use crate::service::auth;
use crate::AppState;

/// Conversations a document's "all of them" answer holds at most (newest used first); beyond,
/// Confab's own paged list has the rest.
const MAX_LISTED: i64 = 1000;

/// The person's conversations, pinned first, then newest, up to [`MAX_LISTED`].
async fn all_conversations(state: &AppState, me: Id) -> Result<Vec<Conversation>, AppError> {
    let mut all = Vec::new();
    for page in 1..=MAX_LISTED / 100 {
        let list = crate::service::conversations::list(state, me, Some(page), Some(100)).await?.list;
        let last = list.len() < 100;
        all.extend(list);
        if last {
            break;
        }
    }
    Ok(all)
}

/// The caller, from the `token` header (the token Confab's sign-in gives), as OpenIM's and
/// YunHu's clients send it; each document's extractor words the refusal its own way.
async fn token_user(parts: &Parts, state: &AppState) -> Result<User, AppError> {
    let token = parts
        .headers
        .get("token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::unauthorized("missing token header"))?;
    let user = auth::authenticate(state, token).await?;
    // These APIs ask for everything with POST: each call counts as a change.
    state.account_limits.writing(user.user_id)?;
    Ok(user)
}

/// Routes outside `/api`: seed 004's `/chat/sessions…`, seed 003's `/v1/conversation/…` and
/// seed 002's `/conversation/…`.
pub fn root_routes() -> Router<AppState> {
    Router::new()
        .route("/chat/sessions", get(ai::list_route))
        .route("/chat/sessions/{session_id}", delete(ai::delete_route))
        .route("/chat/sessions/{session_id}/messages", get(ai::history_route))
        .route("/chat/sessions/{session_id}/chat", post(ai::chat_route))
        .route("/conversation/get_conversations", post(openim::get_conversations_route))
        .route("/conversation/get_conversation", post(openim::get_conversation_route))
        .route("/conversation/set_conversation", post(openim::set_conversation_route))
        .route("/conversation/batch_set_conversation", post(openim::batch_set_route))
        .route("/conversation/set_receive_message_opt", post(openim::set_recv_opt_route))
        .route("/conversation/get_all_conversation_message_opt", post(openim::get_all_opts_route))
        .route("/conversation/get_receive_message_opt", post(openim::get_opts_route))
        .route("/conversation/set_conversation_is_private_chat", post(openim::set_private_route))
        .route("/conversation/set_conversation_burn_duration", post(openim::set_burn_route))
        .route("/conversation/get_total_unread_msg_count", post(openim::total_unread_route))
        .route("/v1/conversation/dismiss-notification", post(yunhu::dismiss_route))
        .route("/v1/conversation/list", post(yunhu::list_route))
        .route("/v1/conversation/sort-change", post(yunhu::sort_change_route))
}

/// Routes under `/api` (seed 001's `/api/auth/…`).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/auth/conversations", get(seed001::conversations_route))
        .route("/auth/conversations/private", post(seed001::open_private_route))
        .route("/auth/conversations/{conversation_id}", get(seed001::history_route))
        .route("/auth/messages", post(seed001::send_route))
        .route("/auth/messages/recall", delete(seed001::recall_route))
        .route("/auth/messages/delete", delete(seed001::delete_route))
}
