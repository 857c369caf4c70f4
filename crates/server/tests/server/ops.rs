//! What operators watch: readiness and Prometheus metrics.

use reqwest::StatusCode;
use serde_json::json;

use super::common::{next_request, s3_options_at, TestServer};

#[tokio::test]
async fn ready_reports_the_database_and_the_bus() {
    let s = TestServer::start().await;
    let (status, body) = s.call(reqwest::Method::GET, "/api/ready", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!({"database": "ok", "bus": "in-process", "files": "ok"}));
}

/// A stand-in S3 endpoint that answers every request "404 Not Found" and counts the look-ups.
async fn counting_s3() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let heads = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = heads.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let heads = counted.clone();
            tokio::spawn(async move {
                let mut pending = Vec::new();
                while let Some(head) = next_request(&mut conn, &mut pending).await {
                    if head.starts_with("HEAD ") {
                        heads.fetch_add(1, Ordering::SeqCst);
                    }
                    let reply = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
                    if conn.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, heads)
}

/// `/api/ready` is open to anyone: however many ask at once, the file store is asked at most
/// once a second. A store that does not answer is reported, within a bounded time, and the
/// instance stays ready (messages go on without files).
#[tokio::test]
async fn ready_probes_the_file_store_once_a_second_however_many_ask() {
    let (endpoint, heads) = counting_s3().await;
    let s = TestServer::start_with(|c| {
        c.file_store_url = Some("s3://confab-probe".into());
        c.file_store_options = s3_options_at(&endpoint);
    })
    .await;
    let asks = (0..40).map(|_| s.call(reqwest::Method::GET, "/api/ready", None, None));
    for (status, body) in futures_util::future::join_all(asks).await {
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["data"]["files"], "ok", "{body}");
    }
    assert_eq!(heads.load(std::sync::atomic::Ordering::SeqCst), 1, "one look-up for forty callers");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    s.call(reqwest::Method::GET, "/api/ready", None, None).await;
    assert_eq!(heads.load(std::sync::atomic::Ordering::SeqCst), 2, "asked again after a second");

    // Nothing listens where the store should be.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", gone.local_addr().unwrap());
    drop(gone);
    let s = TestServer::start_with(|c| {
        c.file_store_url = Some("s3://confab-gone".into());
        c.file_store_options = s3_options_at(&dead);
    })
    .await;
    let started = std::time::Instant::now();
    let (status, body) = s.call(reqwest::Method::GET, "/api/ready", None, None).await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "answered in {:?}", started.elapsed());
    assert_eq!(status, StatusCode::OK, "still ready: {body}");
    assert_eq!(body["data"]["database"], "ok");
    assert!(body["data"]["files"].as_str().unwrap().starts_with("error"), "{body}");
}

#[tokio::test]
async fn metrics_count_requests_sends_and_fan_out() {
    let s = TestServer::start_with(|c| c.metrics_token = Some("scrape-secret".into())).await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut ws = s.socket(&b, None).await;
    ws.until_ready().await;
    s.send_text(&a, b_id, "counted").await;
    assert_eq!(ws.next().await["type"], "new_message");
    s.get("/api/conversations", &a).await;

    let res = s.http.get(format!("{}/metrics", s.base)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "this machine may read them");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let text = res.text().await.unwrap();
    for needle in [
        "confab_http_requests_total{method=\"GET\",route=\"/api/conversations\",status=\"200\"}",
        "confab_messages_sent_total",
        "confab_fanout_seconds_bucket",
        "confab_db_commit_seconds_bucket",
        "confab_send_batch_size_bucket",
        "confab_websocket_connections",
    ] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    // Raw paths never become labels: an id in the path is counted under its route.
    assert!(!text.contains("route=\"/api/conversations/1"), "{text}");

    let res = s.http.get(format!("{}/metrics", s.base)).bearer_auth("wrong").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "a wrong token is refused even here");
    let res = s.http.get(format!("{}/metrics", s.base)).bearer_auth("scrape-secret").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
