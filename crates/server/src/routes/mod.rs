//! Thin HTTP handlers: extract, call a service, wrap the envelope. `app(state)` is the whole server.

pub mod assistant;
pub mod auth;
pub mod compat;
pub mod conversations;
pub mod everyday;
pub mod files;
pub mod groups;
pub mod limits;
pub mod messages;
mod web;
pub mod ws;

use axum::http::{header, HeaderValue};
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use std::convert::Infallible;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

pub use auth::AuthUser;

use crate::error::AppError;
use crate::AppState;

pub fn app(state: AppState) -> Router {
    let limits = &state.address_limits;
    let api = Router::new()
        .route("/health", get(auth::health_route))
        .route("/openapi.json", get(crate::openapi::openapi_route))
        .route(
            "/auth/register",
            post(auth::register_route).layer::<_, Infallible>(limits::layer(&limits.register, "new accounts")),
        )
        .route(
            "/auth/login",
            post(auth::login_route).layer::<_, Infallible>(limits::layer(&limits.login, "sign-in attempts")),
        )
        .route("/auth/logout", post(auth::logout_route))
        .route("/auth/logout-all", post(auth::logout_all_route))
        .route("/auth/sessions", get(auth::sessions_route))
        .route("/auth/sessions/{session_id}", delete(auth::end_session_route))
        .route("/users/me", get(auth::me_route))
        .route("/conversations", get(conversations::list_route))
        .route("/conversations/search", get(conversations::search_route))
        .route("/conversations/private", post(conversations::open_private_route))
        .route("/conversations/{conversation_id}", get(conversations::get_route).patch(conversations::patch_route))
        .route("/conversations/{conversation_id}/messages", get(messages::history_route))
        .route("/conversations/{conversation_id}/read", put(conversations::read_route))
        .route("/conversations/{conversation_id}/unread", put(conversations::unread_route))
        .route("/messages", post(messages::send_route))
        .route("/messages/unread-count", get(conversations::unread_count_route))
        .route("/messages/{message_id}/recall", post(messages::recall_route))
        .route("/messages/{message_id}", delete(messages::delete_route).patch(everyday::edit_route))
        .route("/messages/{message_id}/versions", get(everyday::versions_route))
        .route("/messages/{message_id}/reactions/{emoji}", put(everyday::react_route).delete(everyday::unreact_route))
        .route("/messages/forward", post(everyday::forward_route))
        .route("/messages/search", get(everyday::search_route))
        .route("/emoji", get(everyday::emoji_route))
        .route("/users/{user_id}/presence", get(everyday::presence_route))
        .route("/messages/{message_id}/readers", get(groups::readers_route))
        .route("/groups", post(groups::create_route))
        .route("/groups/{conversation_id}", patch(groups::patch_route))
        .route("/groups/{conversation_id}/members", get(groups::members_route).post(groups::add_route))
        .route("/groups/{conversation_id}/members/{user_id}", delete(groups::remove_route))
        .route("/groups/{conversation_id}/leave", post(groups::leave_route))
        .route(
            "/groups/{conversation_id}/admins/{user_id}",
            put(groups::make_admin_route).delete(groups::unmake_admin_route),
        )
        .route(
            "/files",
            post(files::upload_route)
                .layer::<_, Infallible>(files::upload_body_limit(&state.config))
                .layer::<_, Infallible>(limits::layer(&limits.upload, "uploads")),
        )
        .route("/files/{file_id}", get(files::info_route))
        .route("/files/{file_id}/{file_name}", get(files::download_route))
        .route("/ws/chat", get(ws::chat_route))
        .route("/chat/sessions", get(assistant::list_route))
        .route("/chat/sessions/{session_id}", delete(assistant::delete_route))
        .route("/chat/sessions/{session_id}/messages", get(assistant::history_route))
        .route("/chat/sessions/{session_id}/chat", post(assistant::chat_route))
        .route("/ready", get(auth::ready_route))
        .merge(compat::api_routes())
        .fallback(|| async { AppError::not_found("no such API endpoint") })
        .method_not_allowed_fallback(|| async {
            AppError::new(axum::http::StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this endpoint")
        })
        // A request body must keep arriving; a stalled upload frees its connection.
        .layer(RequestBodyTimeoutLayer::new(state.config.body_idle_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::in_flight))
        .route_layer(axum::middleware::from_fn(crate::metrics::track));

    // Seed 004's paths at the root, with the API's own limits.
    let root_compat = compat::root_routes()
        .layer(RequestBodyTimeoutLayer::new(state.config.body_idle_timeout))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limits::in_flight));

    Router::new()
        .route("/metrics", get(crate::metrics::metrics_route))
        .nest("/api", api)
        .merge(root_compat)
        .fallback_service(web::service(state.config.static_dir.as_deref()))
        .layer(
            CompressionLayer::new().compress_when(
                // tower-http's default predicate, with a larger floor than its 32 bytes.
                SizeAbove::new(COMPRESS_ABOVE)
                    .and(NotForContentType::GRPC)
                    .and(NotForContentType::IMAGES)
                    .and(NotForContentType::SSE)
                    .and(not_streamed),
            ),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Signed file URLs must not leak to other sites through Referer.
        .layer(SetResponseHeaderLayer::if_not_present(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        // No page of Confab may be framed (clickjacking); the app's own page adds its CSP.
        .layer(SetResponseHeaderLayer::if_not_present(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(axum::middleware::from_fn(limits::request_head_limits))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Answers smaller than this go as they are. They fit in one packet either way, and most API
/// answers are this small: a send's is ~400 bytes, and compressing each for a client that asks
/// for brotli (every browser) cost ~15 % more server CPU per send.
const COMPRESS_ABOVE: u16 = 1024;

/// A response that asks not to be transformed (a streamed assistant reply) is not compressed:
/// a compressor would hold its pieces back until it had enough to compress.
fn not_streamed(
    _: axum::http::StatusCode,
    _: axum::http::Version,
    headers: &axum::http::HeaderMap,
    _: &axum::http::Extensions,
) -> bool {
    !headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-transform"))
}
