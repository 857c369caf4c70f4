//! The other documents' APIs, served as written beside Confab's own: thin translations of paths,
//! field names and id formats onto the same services (no rule is written twice).

pub mod seed001;
pub mod yunhu;

use axum::routing::{delete, get, post};
use axum::Router;

use crate::AppState;

/// Routes outside `/api`: seed 004's `/chat/sessions…` and seed 003's `/v1/conversation/…`.
pub fn root_routes() -> Router<AppState> {
    use super::assistant as ai;
    Router::new()
        .route("/chat/sessions", get(ai::list_route))
        .route("/chat/sessions/{session_id}", delete(ai::delete_route))
        .route("/chat/sessions/{session_id}/messages", get(ai::history_route))
        .route("/chat/sessions/{session_id}/chat", post(ai::chat_route))
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
