//! What operators watch: readiness and Prometheus metrics.

use reqwest::StatusCode;
use serde_json::json;

use super::common::TestServer;

#[tokio::test]
async fn ready_reports_the_database_and_the_bus() {
    let s = TestServer::start().await;
    let (status, body) = s.call(reqwest::Method::GET, "/api/ready", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], json!({"database": "ok", "bus": "in-process"}));
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
