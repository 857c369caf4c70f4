use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Response;
use confab_api::{AuthResponse, AuthSession, Health, LoginRequest, Readiness, RegisterRequest, User};

use crate::error::{created, ok, respond, ApiJson, ApiPath, AppError, AppResult};
use crate::service::auth;
use crate::AppState;

/// The signed-in caller, from `Authorization: Bearer <token>`.
pub struct AuthUser {
    pub user: User,
    pub token: String,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| AppError::unauthorized("missing Authorization: Bearer <token> header"))?;
        // The scheme is case-insensitive (RFC 9110 §11.1).
        let token = header
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| AppError::unauthorized("the Authorization header must be 'Bearer <token>'"))?;
        let user = auth::authenticate(state, token).await?;
        if !parts.method.is_safe() {
            state.account_limits.writing(user.user_id)?;
        }
        Ok(AuthUser { user, token: token.to_string() })
    }
}

/// GET /api/health
#[utoipa::path(get, path = "/api/health", tag = "auth", responses((status = 200, body = Health)))]
pub async fn health_route() -> Response {
    ok(Health { status: "ok".into() })
}

/// GET /api/ready
#[utoipa::path(get, path = "/api/ready", tag = "auth",
    responses((status = 200, body = Readiness, description = "ready to serve"),
              (status = 503, body = Readiness, description = "the database or the bus cannot be reached (an unreachable file store is reported, not refused)")))]
pub async fn ready_route(State(state): State<AppState>) -> Response {
    let database = async {
        match tokio::time::timeout(std::time::Duration::from_secs(2), state.store.check()).await {
            Ok(Ok(())) => "ok".to_string(),
            Ok(Err(e)) => format!("error: {e}"),
            Err(_) => "error: no answer within 2 s".to_string(),
        }
    };
    let (database, files) = tokio::join!(database, state.files.check());
    let files = files.err().unwrap_or_else(|| "ok".into());
    let (bus_ok, bus) = state.hub.bus_state();
    let ready = database == "ok" && bus_ok;
    let body = Readiness { database, bus, files };
    respond(if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

/// POST /api/auth/register
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = AuthResponse), (status = 409, description = "user name taken"),
              (status = 422, description = "invalid user name, password or display name")))]
pub async fn register_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<RegisterRequest>,
) -> AppResult<Response> {
    Ok(created(auth::register(&state, req, user_agent(&headers)).await?))
}

fn user_agent(headers: &HeaderMap) -> &str {
    headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// POST /api/auth/login
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = AuthResponse), (status = 401, description = "wrong user name or password")))]
pub async fn login_route(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<LoginRequest>,
) -> AppResult<Response> {
    Ok(ok(auth::login(&state, req, user_agent(&headers)).await?))
}

/// POST /api/auth/logout
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "the token stops working at once")))]
pub async fn logout_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    auth::logout(&state, &caller.token).await?;
    Ok(ok(()))
}

/// POST /api/auth/logout-all
#[utoipa::path(post, path = "/api/auth/logout-all", tag = "auth", security(("bearer" = [])),
    responses((status = 200, description = "every session of the caller, this one included, is signed out; their sockets close with 4001")))]
pub async fn logout_all_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    auth::logout_everywhere(&state, caller.user.user_id).await?;
    Ok(ok(()))
}

/// GET /api/auth/sessions
#[utoipa::path(get, path = "/api/auth/sessions", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Vec<AuthSession>)))]
pub async fn sessions_route(State(state): State<AppState>, caller: AuthUser) -> AppResult<Response> {
    Ok(ok(auth::sessions(&state, caller.user.user_id, &caller.token).await?))
}

/// DELETE /api/auth/sessions/{sessionId}
#[utoipa::path(delete, path = "/api/auth/sessions/{sessionId}", tag = "auth", security(("bearer" = [])),
    params(("sessionId" = String, Path)),
    responses((status = 200, description = "that session is signed out"), (status = 404, description = "no such session of yours")))]
pub async fn end_session_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(session_id): ApiPath<String>,
) -> AppResult<Response> {
    auth::end_session(&state, caller.user.user_id, &session_id).await?;
    Ok(ok(()))
}

/// GET /api/users/me
#[utoipa::path(get, path = "/api/users/me", tag = "auth", security(("bearer" = [])), responses((status = 200, body = User)))]
pub async fn me_route(caller: AuthUser) -> Response {
    ok(caller.user)
}
