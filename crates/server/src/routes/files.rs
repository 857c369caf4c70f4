use axum::extract::{DefaultBodyLimit, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use confab_api::{FileInfo, Id};
use serde::Deserialize;

use super::AuthUser;
use crate::error::{created, ok, ApiPath, ApiQuery, AppError, AppResult};
use crate::service::files;
use crate::store;
use crate::{AppState, Config};

/// Room for the multipart framing around a file of the largest allowed size.
const MULTIPART_OVERHEAD: u64 = 64 * 1024;

pub fn upload_body_limit(config: &Config) -> DefaultBodyLimit {
    DefaultBodyLimit::max((config.max_upload_bytes + MULTIPART_OVERHEAD) as usize)
}

/// POST /api/files (multipart, field `file`)
#[utoipa::path(post, path = "/api/files", tag = "files", security(("bearer" = [])),
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = FileInfo), (status = 413, description = "over the size limit; nothing stored")))]
pub async fn upload_route(
    State(state): State<AppState>,
    caller: AuthUser,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    let limit = state.config.max_upload_bytes;
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit + MULTIPART_OVERHEAD) {
        return Err(files::too_large(limit));
    }
    let mut multipart = multipart
        .map_err(|e| AppError::bad_request(format!("expected a multipart/form-data upload: {}", e.body_text())))?;
    loop {
        let field = multipart.next_field().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                files::too_large(limit)
            } else {
                AppError::bad_request(e.body_text())
            }
        })?;
        match field {
            Some(field) if field.name() == Some("file") => {
                return Ok(created(files::save_upload(&state, caller.user.user_id, field).await?));
            }
            Some(_) => continue,
            None => return Err(AppError::unprocessable("the upload has no `file` field")),
        }
    }
}

/// GET /api/files/{fileId}: the file's info with a fresh link, for its uploader and members of a
/// conversation it was sent in.
#[utoipa::path(get, path = "/api/files/{fileId}", tag = "files", security(("bearer" = [])),
    params(("fileId" = i64, Path)), responses((status = 200, body = FileInfo), (status = 404)))]
pub async fn info_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(file_id): ApiPath<Id>,
) -> AppResult<Response> {
    let mut conn = state.store.reader().await?;
    match store::files::get(&mut conn, file_id).await? {
        Some(row) if store::files::visible_to(&mut conn, caller.user.user_id, &row).await? => {
            Ok(ok(state.files.info(&row)))
        }
        _ => Err(AppError::not_found(format!("no file {file_id}"))),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedQuery {
    exp: Option<u64>,
    sig: Option<String>,
}

/// GET /api/files/{fileId}/{fileName}?exp=&sig= — the signed link handed out in FileInfo.fileUrl.
#[utoipa::path(get, path = "/api/files/{fileId}/{fileName}", tag = "files",
    params(("fileId" = i64, Path), ("fileName" = String, Path), SignedQuery),
    responses((status = 200, description = "the bytes, with Content-Type, Content-Disposition and nosniff",
               body = Vec<u8>, content_type = "application/octet-stream"),
              (status = 403, description = "unsigned, tampered or expired link")))]
pub async fn download_route(
    State(state): State<AppState>,
    ApiPath((file_id, _name)): ApiPath<(Id, String)>,
    ApiQuery(q): ApiQuery<SignedQuery>,
    request: Request,
) -> AppResult<Response> {
    let (Some(exp), Some(sig)) = (q.exp, q.sig) else {
        return Err(AppError::forbidden("this file link is not signed"));
    };
    state.files.verify(file_id, exp, &sig)?;
    let row = files::for_download(&state, file_id).await?;
    let size = row.size as u64;
    let range = byte_range(request.headers().get(header::RANGE).and_then(|v| v.to_str().ok()), size)
        .map_err(|()| AppError::new(StatusCode::RANGE_NOT_SATISFIABLE, format!("the file has {size} bytes")))?;
    let contents =
        state.files.get(&row.sha256, range.clone().map(|r| object_store::GetRange::Bounded(r.start..r.end))).await?;
    let body = axum::body::Body::from_stream(contents.into_stream());
    let mut response = body.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&row.mime).unwrap_or(HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    match &range {
        Some(r) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_LENGTH, HeaderValue::from(r.end - r.start));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {}-{}/{size}", r.start, r.end - 1)) {
                headers.insert(header::CONTENT_RANGE, v);
            }
        }
        None => {
            response.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        }
    }
    let disposition = if files::is_inline_image(&row.mime) { "inline" } else { "attachment" };
    let encoded = percent_encoding::utf8_percent_encode(&row.file_name, files::URL_ENCODE);
    let ascii: String =
        row.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_ ".contains(c) { c } else { '_' }).collect();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{disposition}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // Even if a browser were talked into rendering it, the file runs no script and reaches nothing.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=86400, immutable"));
    Ok(response)
}

/// The single byte range a `Range` header asks for, within a file of `size` bytes: `None` for the
/// whole file (no header, several ranges, or one this does not understand — all answered with
/// every byte, as HTTP allows), `Err` when it starts past the end.
fn byte_range(header: Option<&str>, size: u64) -> Result<Option<std::ops::Range<u64>>, ()> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return Ok(None);
    };
    let (start, end) = (start.trim(), end.trim());
    let range = match (start.parse::<u64>(), end.parse::<u64>()) {
        // The last n bytes.
        (Err(_), Ok(n)) if start.is_empty() => {
            if n == 0 || size == 0 {
                return Err(());
            }
            size.saturating_sub(n)..size
        }
        (Ok(a), Err(_)) if end.is_empty() => a..size,
        (Ok(a), Ok(b)) if a <= b => a..(b + 1).min(size),
        _ => return Ok(None),
    };
    if range.start >= size {
        return Err(());
    }
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::byte_range;

    #[test]
    fn byte_ranges_are_read_as_http_says() {
        assert_eq!(byte_range(None, 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=0-9"), 100), Ok(Some(0..10)));
        assert_eq!(byte_range(Some("bytes=90-"), 100), Ok(Some(90..100)));
        assert_eq!(byte_range(Some("bytes=-10"), 100), Ok(Some(90..100)));
        assert_eq!(byte_range(Some("bytes=-500"), 100), Ok(Some(0..100)));
        assert_eq!(byte_range(Some("bytes=50-500"), 100), Ok(Some(50..100)));
        assert_eq!(byte_range(Some("bytes=100-"), 100), Err(()));
        assert_eq!(byte_range(Some("bytes=-0"), 100), Err(()));
        assert_eq!(byte_range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=9-3"), 100), Ok(None));
        assert_eq!(byte_range(Some("items=0-1"), 100), Ok(None));
        assert_eq!(byte_range(Some("bytes=x-y"), 100), Ok(None));
    }
}
