//! Prometheus metrics at `GET /metrics`, through the `metrics` facade and its Prometheus
//! exporter: requests, sends, sockets, fan-out latency and database latency. Served to this
//! machine (loopback) or to a scraper that presents `--metrics-token`; nobody else.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::AppState;

pub const REQUESTS: &str = "confab_http_requests_total";
pub const REQUEST_SECONDS: &str = "confab_http_request_duration_seconds";
pub const SENDS: &str = "confab_messages_sent_total";
pub const SENDS_TURNED_AWAY: &str = "confab_sends_turned_away_total";
pub const SEND_BATCH: &str = "confab_send_batch_size";
pub const COMMIT_SECONDS: &str = "confab_db_commit_seconds";
pub const FLUSH_SECONDS: &str = "confab_db_flush_seconds";
pub const SOCKETS: &str = "confab_websocket_connections";
pub const FANOUT_SECONDS: &str = "confab_fanout_seconds";
pub const BUS_SECONDS: &str = "confab_bus_seconds";

/// Seconds buckets from 0.5 ms to 10 s (chat latencies are mostly a few milliseconds).
const BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The process's recorder, installed once (tests run several servers in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &BUCKETS)
            .expect("valid buckets")
            .set_buckets_for_metric(
                Matcher::Full(SEND_BATCH.into()),
                &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0],
            )
            .expect("valid buckets")
            .install_recorder()
            .expect("the metrics recorder is installed once");
        metrics::describe_counter!(REQUESTS, "HTTP requests answered, by method, route and status");
        metrics::describe_histogram!(REQUEST_SECONDS, metrics::Unit::Seconds, "Time to answer an HTTP request");
        metrics::describe_counter!(SENDS, "Messages accepted (new ones, not retries)");
        metrics::describe_counter!(
            SENDS_TURNED_AWAY,
            "Sends answered 503 because the writer's queue would have kept them too long"
        );
        metrics::describe_histogram!(SEND_BATCH, "Sends written per transaction (group commit)");
        metrics::describe_histogram!(
            COMMIT_SECONDS,
            metrics::Unit::Seconds,
            "Time to write and commit a batch of sends"
        );
        metrics::describe_histogram!(
            FLUSH_SECONDS,
            metrics::Unit::Seconds,
            "Time to flush the write-ahead log after committed batches of sends (SQLite)"
        );
        metrics::describe_gauge!(SOCKETS, "Open WebSocket connections");
        metrics::describe_histogram!(
            FANOUT_SECONDS,
            metrics::Unit::Seconds,
            "From a change being committed to its event being written to a socket"
        );
        metrics::describe_histogram!(
            BUS_SECONDS,
            metrics::Unit::Seconds,
            "From a frame being published on the NATS bus to this instance receiving it"
        );
        handle
    })
}

/// Counts and times every request, labelled by its route pattern (never the raw path, so the
/// number of series stays bounded whatever callers send).
pub async fn track(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!(REQUEST_SECONDS, "method" => method, "route" => route).record(started.elapsed().as_secs_f64());
    response
}

/// GET /metrics
pub async fn metrics_route(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
) -> Response {
    let presented =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let allowed = match (&state.config.metrics_token, presented) {
        (Some(token), Some(given)) => constant_time_eq(token.as_bytes(), given.as_bytes()),
        _ => peer.ip().is_loopback(),
    };
    if !allowed {
        return (StatusCode::FORBIDDEN, "metrics are served to this machine, or with --metrics-token").into_response();
    }
    metrics::gauge!(SOCKETS).set(state.hub.open_sockets() as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle().render()).into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
