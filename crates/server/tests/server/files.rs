use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::{stored_files, upload, TestServer};

/// A 3×2 PNG.
fn png() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x03\0\0\0\x02\x08\x02\0\0\0".to_vec();
    v.extend_from_slice(&[0u8; 64]);
    v
}

fn blob_count(s: &TestServer) -> usize {
    stored_files(s).len()
}

#[tokio::test]
async fn receiver_downloads_identical_bytes_with_safe_headers() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let pdf: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (status, up) = upload(&s, &a, "Quarterly report.pdf", "application/pdf", pdf.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let info = &up["data"];
    assert_eq!(info["fileName"], "Quarterly report.pdf");
    assert_eq!(info["fileSize"], 200_000);
    assert_eq!(info["fileType"], "application/pdf");

    let (status, sent) = s
        .post(
            "/api/messages",
            &a,
            json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": info["fileId"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let cid = sent["data"]["conversationId"].as_i64().unwrap();

    // Bob gets the card from history and downloads the very same bytes.
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    let content = &history["data"]["list"][0]["content"];
    assert_eq!(history["data"]["list"][0]["messageType"], "file");
    assert_eq!(content["fileName"], "Quarterly report.pdf");
    let url = format!("{}{}", s.base, content["fileUrl"].as_str().unwrap());
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(disposition.contains("Quarterly%20report.pdf"), "{disposition}");
    assert_eq!(res.headers()["content-length"], "200000");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(history["data"]["list"][0]["content"]["fileSize"], 200_000);

    // A player or a resumed download asks for part of it: exactly those bytes.
    let http = reqwest::Client::new();
    let part = http.get(&url).header("range", "bytes=1000-1999").send().await.unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.headers()["content-range"], "bytes 1000-1999/200000");
    assert_eq!(part.bytes().await.unwrap().to_vec(), pdf[1000..2000].to_vec());
    let tail = http.get(&url).header("range", "bytes=-10").send().await.unwrap();
    assert_eq!(tail.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(tail.bytes().await.unwrap().to_vec(), pdf[199_990..].to_vec());
    let past = http.get(&url).header("range", "bytes=200000-").send().await.unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let (_, list) = s.get("/api/conversations", &b).await;
    assert_eq!(list["data"]["list"][0]["lastMessage"], "[File] Quarterly report.pdf");

    // Tampered links are refused.
    let tampered = url.replace("sig=", "sig=00");
    assert_eq!(reqwest::get(&tampered).await.unwrap().status(), StatusCode::FORBIDDEN);
    let other_file = url.replacen(&format!("/api/files/{}/", info["fileId"]), "/api/files/999/", 1);
    assert_eq!(reqwest::get(&other_file).await.unwrap().status(), StatusCode::FORBIDDEN);
    let unsigned = url.split('?').next().unwrap().to_string();
    assert_eq!(reqwest::get(&unsigned).await.unwrap().status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn images_carry_dimensions_and_show_inline() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let (status, up) = upload(&s, &a, "dot.png", "image/png", png()).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    assert_eq!(up["data"]["fileType"], "image/png");
    assert_eq!((up["data"]["width"].as_u64(), up["data"]["height"].as_u64()), (Some(3), Some(2)));
    let (status, sent) = s
        .post("/api/messages", &a, json!({"receiverId": b_id, "messageType": "image", "content": up["data"].clone()}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let url = format!("{}{}", s.base, sent["data"]["content"]["fileUrl"].as_str().unwrap());
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("inline"));

    // Something that only claims to be an image is neither typed nor sent as one.
    let (_, fake) = upload(&s, &a, "evil.png", "image/png", b"<script>alert(1)</script>".to_vec()).await;
    assert_ne!(fake["data"]["fileType"], "image/png");
    let (status, _) = s
        .post(
            "/api/messages",
            &a,
            json!({"receiverId": b_id, "messageType": "image", "content": {"fileId": fake["data"]["fileId"]}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn expired_links_are_refused() {
    let s = TestServer::start_with(|c| c.file_url_ttl = Duration::from_secs(1)).await;
    let (a, _) = s.register("alice").await;
    let (_, up) = upload(&s, &a, "a.txt", "text/plain", b"hello".to_vec()).await;
    let url = format!("{}{}", s.base, up["data"]["fileUrl"].as_str().unwrap());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let res = reqwest::get(&url).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("expired"), "{body}");
}

#[tokio::test]
async fn over_the_limit_is_413_and_nothing_is_stored() {
    let s = TestServer::start_with(|c| c.max_upload_bytes = 1024 * 1024).await;
    let (a, _) = s.register("alice").await;
    let before = blob_count(&s);
    let (status, body) = upload(&s, &a, "big.bin", "application/octet-stream", vec![7u8; 1024 * 1024 + 1]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["message"].as_str().unwrap().contains("1 MB"), "{body}");
    // Far over the limit is refused from the declared length alone.
    let (status, _) = upload(&s, &a, "huge.bin", "application/octet-stream", vec![7u8; 5 * 1024 * 1024]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(blob_count(&s), before, "no blob or temporary file left behind");
    let (status, _) = s.get("/api/files/1", &a).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no file row either");
    // Exactly at the limit is fine.
    let (status, _) = upload(&s, &a, "ok.bin", "application/octet-stream", vec![7u8; 1024 * 1024]).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn recalling_a_file_message_withdraws_its_links() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (_, up) = upload(&s, &a, "secret plan.txt", "text/plain", b"the plan".to_vec()).await;
    let file_id = up["data"]["fileId"].as_i64().unwrap();
    let (_, sent) = s
        .post("/api/messages", &a, json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": file_id}}))
        .await;
    let cid = sent["data"]["conversationId"].as_i64().unwrap();
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    let url = format!("{}{}", s.base, history["data"]["list"][0]["content"]["fileUrl"].as_str().unwrap());
    assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::OK, "Bob can download it");

    let mid = sent["data"]["messageId"].as_i64().unwrap();
    let (status, _) = s.call(reqwest::Method::POST, &format!("/api/messages/{mid}/recall"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), StatusCode::NOT_FOUND, "the link Bob holds stops working");
    let (status, _) = s.get(&format!("/api/files/{file_id}"), &b).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = s
        .post("/api/messages", &a, json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": file_id}}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a recalled file cannot be sent again by its id");
}
