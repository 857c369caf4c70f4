//! One error type for the request path; every response, success or failure, is an envelope
//! `{code, message, data}` whose `code` equals the HTTP status.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use confab_api::Envelope;
use serde::Serialize;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds for a `Retry-After` header (429, 503).
    pub retry_after: Option<u64>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AppError { status, message: message.into(), retry_after: None }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    /// 429 with `Retry-After`.
    pub fn too_many(message: impl Into<String>, retry_after_secs: u64) -> Self {
        AppError { retry_after: Some(retry_after_secs.max(1)), ..Self::new(StatusCode::TOO_MANY_REQUESTS, message) }
    }
    /// 503 with `Retry-After`.
    pub fn unavailable(message: impl Into<String>, retry_after_secs: u64) -> Self {
        AppError { retry_after: Some(retry_after_secs.max(1)), ..Self::new(StatusCode::SERVICE_UNAVAILABLE, message) }
    }
    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal server error")
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = Envelope::<()> { code: self.status.as_u16(), message: self.message, data: None };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, secs.into());
        }
        response
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!("database error: {e}");
        AppError::internal()
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        tracing::error!("i/o error: {e}");
        AppError::internal()
    }
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        let (status, text) = match &r {
            JsonRejection::JsonDataError(e) => (StatusCode::UNPROCESSABLE_ENTITY, source_text(e)),
            JsonRejection::JsonSyntaxError(e) => {
                (StatusCode::BAD_REQUEST, format!("malformed JSON: {}", source_text(e)))
            }
            JsonRejection::MissingJsonContentType(_) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected a JSON body (Content-Type: application/json)".into())
            }
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                (StatusCode::PAYLOAD_TOO_LARGE, "the JSON body is too large".into())
            }
            _ => (StatusCode::BAD_REQUEST, r.body_text()),
        };
        AppError::new(status, text)
    }
}

impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        AppError::bad_request(format!("bad path parameter: {}", r.body_text()))
    }
}

impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        AppError::bad_request(format!("bad query parameter: {}", r.body_text()))
    }
}

/// serde's own words, which name the field ("content: invalid type: integer `5`, expected …").
fn source_text(e: &dyn std::error::Error) -> String {
    let mut deepest = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        deepest = s.to_string();
        cur = s.source();
    }
    deepest
}

/// `Json` whose rejections become envelopes. Every request body of this API is a JSON object;
/// serde would also read a struct from an array (`[true, 1]`), which no client means.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let is_json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|m| m.trim().to_ascii_lowercase())
            .is_some_and(|m| m == "application/json" || (m.starts_with("application/") && m.ends_with("+json")));
        if !is_json {
            return Err(AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected a JSON body (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "the JSON body is too large")
            } else {
                AppError::bad_request(r.body_text())
            }
        })?;
        match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'{') => {}
            // Not even JSON: a syntax error says where.
            Some(b) if !matches!(b, b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {}
            _ => return Err(AppError::unprocessable("the body must be a JSON object")),
        }
        if json_has_nul(&bytes) {
            // PostgreSQL's text cannot hold it, and no one means to send it.
            return Err(AppError::unprocessable("text may not contain the NUL character (\\u0000)"));
        }
        Ok(ApiJson(axum::Json::<T>::from_bytes(&bytes)?.0))
    }
}

/// Whether a JSON text has U+0000 in a string (JSON can only write it as `\u0000`).
fn json_has_nul(bytes: &[u8]) -> bool {
    const NUL: &[u8] = b"\\u0000";
    (0..bytes.len().saturating_sub(NUL.len() - 1)).any(|i| {
        // An escape only if the backslash is not itself escaped: an even run before it.
        bytes[i..].starts_with(NUL) && bytes[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 0
    })
}

#[cfg(test)]
mod tests {
    use super::json_has_nul;

    #[test]
    fn a_nul_is_found_only_where_json_writes_one() {
        assert!(json_has_nul(br#"{"content":"a\u0000b"}"#));
        assert!(json_has_nul(br#"{"content":"\\\u0000"}"#));
        assert!(!json_has_nul(br#"{"content":"\\u0000"}"#));
        assert!(!json_has_nul(br#"{"content":"u0000 \u0001"}"#));
        assert!(!json_has_nul(b""));
    }
}

/// `Path` whose rejections become envelopes.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct ApiPath<T>(pub T);

/// `Query` whose rejections become envelopes.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct ApiQuery<T>(pub T);

/// A 200 envelope.
pub fn ok<T: Serialize>(data: T) -> Response {
    respond(StatusCode::OK, data)
}

/// A 201 envelope.
pub fn created<T: Serialize>(data: T) -> Response {
    respond(StatusCode::CREATED, data)
}

pub fn respond<T: Serialize>(status: StatusCode, data: T) -> Response {
    let body = Envelope { code: status.as_u16(), message: "success".to_string(), data: Some(data) };
    (status, Json(body)).into_response()
}

/// The envelope of every error response, for the OpenAPI document: `data` is always null.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    /// Equals the HTTP status.
    pub code: u16,
    /// What went wrong, for people.
    pub message: String,
    #[schema(value_type = Option<Object>)]
    pub data: Option<()>,
}
