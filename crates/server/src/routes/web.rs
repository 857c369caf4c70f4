//! The built web app: files from `dist/`, `index.html` for every app route (`/`, `/login`, `/c/…`).

use std::convert::Infallible;
use std::path::Path;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::response::IntoResponse;
use axum::BoxError;
use tower::util::BoxCloneSyncService;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

type WebService = BoxCloneSyncService<Request<Body>, Response<Body>, Infallible>;

pub fn service(static_dir: Option<&Path>) -> WebService {
    match static_dir.filter(|d| d.join("index.html").is_file()) {
        Some(dir) => {
            let index = dir.join("index.html");
            let serve =
                ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(ServeFile::new(index.clone()));
            BoxCloneSyncService::new(ServiceExt::<Request<Body>>::map_response(serve, move |res| {
                with_headers(res, &index)
            }))
        }
        None => BoxCloneSyncService::new(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(
                (StatusCode::NOT_FOUND, "The web app is not built. Run `cargo xtask run`, which builds it.")
                    .into_response(),
            )
        })),
    }
}

/// The page may run its own scripts and wasm and nothing else: the one inline bootstrap script
/// trunk writes is allowed by its hash, and no site may frame the page.
fn content_security_policy(index_html: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    let mut hashes = String::new();
    let mut rest = index_html;
    while let Some(start) = rest.find("<script") {
        let tag_end = match rest[start..].find('>') {
            Some(i) => start + i,
            None => break,
        };
        let tag = &rest[start..tag_end];
        let body_end = match rest[tag_end..].find("</script>") {
            Some(i) => tag_end + i,
            None => break,
        };
        if !tag.contains(" src=") {
            let digest = sha2::Sha256::digest(&rest.as_bytes()[tag_end + 1..body_end]);
            hashes.push_str(&format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest)));
        }
        rest = &rest[body_end..];
    }
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' blob: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; \
         form-action 'self'; frame-ancestors 'none'"
    )
}

fn with_headers<B>(mut res: Response<B>, index: &Path) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let is_html = res.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if is_html {
        // Read with the page, not at start-up: a rebuilt app has a new bootstrap script.
        let csp = content_security_policy(&std::fs::read_to_string(index).unwrap_or_default());
        if let Ok(csp) = HeaderValue::from_str(&csp) {
            res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, csp);
        }
    }
    let cache = if is_html {
        // index.html names the hashed assets: always revalidate it.
        "no-cache"
    } else {
        // trunk puts a content hash in every asset name, so they never change.
        "public, max-age=31536000, immutable"
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res.map(Body::new)
}
