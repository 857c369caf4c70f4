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
            let serve = ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(ServeFile::new(index));
            BoxCloneSyncService::new(ServiceExt::<Request<Body>>::map_response(serve, with_cache_headers))
        }
        None => BoxCloneSyncService::new(tower::service_fn(|_req: Request<Body>| async {
            Ok::<_, Infallible>(
                (StatusCode::NOT_FOUND, "The web app is not built. Run `cargo xtask run`, which builds it.")
                    .into_response(),
            )
        })),
    }
}

fn with_cache_headers<B>(mut res: Response<B>) -> Response<Body>
where
    B: HttpBody<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let cache = if res.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html")) {
        // index.html names the hashed assets: always revalidate it.
        "no-cache"
    } else {
        // trunk puts a content hash in every asset name, so they never change.
        "public, max-age=31536000, immutable"
    };
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res.map(Body::new)
}
