use reqwest::{Method, StatusCode};
use serde_json::json;

use super::common::TestServer;

#[tokio::test]
async fn register_login_me_logout() {
    let s = TestServer::start().await;
    let (token, id) = s.register("alice").await;
    let (status, me) = s.get("/api/users/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["data"]["userId"], id);
    assert_eq!(me["data"]["displayName"], "ALICE");

    let (status, _) = s
        .call(Method::POST, "/api/auth/register", None, Some(json!({"userName": "ALICE", "password": "whatever123"})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "names are unique regardless of case");
    let (status, env) =
        s.call(Method::POST, "/api/auth/register", None, Some(json!({"userName": "zed", "password": "short"}))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(env["message"].as_str().unwrap().contains("password"));
    let (status, _) = s
        .call(Method::POST, "/api/auth/register", None, Some(json!({"userName": "a b", "password": "long enough"})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    let (status, env) = s
        .call(Method::POST, "/api/auth/login", None, Some(json!({"userName": "alice", "password": "wrong password"})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(env["message"], "wrong user name or password");
    let (status, _) = s
        .call(Method::POST, "/api/auth/login", None, Some(json!({"userName": "nobody", "password": "wrong password"})))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, login) = s
        .call(Method::POST, "/api/auth/login", None, Some(json!({"userName": "alice", "password": "correct horse"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let second = login["data"]["token"].as_str().unwrap().to_string();
    assert_ne!(second, token, "every sign-in gets its own token");

    let (status, _) = s.call(Method::POST, "/api/auth/logout", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.get("/api/users/me", &token).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "a revoked token stops working at once");
    let (status, _) = s.get("/api/users/me", &second).await;
    assert_eq!(status, StatusCode::OK, "other sessions stay signed in");

    let (status, health) = s.call(Method::GET, "/api/health", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(health["data"]["status"], "ok");
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let s = TestServer::start().await;
    let doc: serde_json::Value =
        reqwest::get(format!("{}/api/openapi.json", s.base)).await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/auth/register", "post"),
        ("/api/auth/login", "post"),
        ("/api/auth/logout", "post"),
        ("/api/users/me", "get"),
        ("/api/conversations", "get"),
        ("/api/conversations/{conversationId}", "get"),
        ("/api/conversations/{conversationId}", "patch"),
        ("/api/conversations/private", "post"),
        ("/api/conversations/{conversationId}/messages", "get"),
        ("/api/conversations/{conversationId}/read", "put"),
        ("/api/conversations/search", "get"),
        ("/api/messages", "post"),
        ("/api/messages/{messageId}/recall", "post"),
        ("/api/messages/{messageId}", "delete"),
        ("/api/messages/unread-count", "get"),
        ("/api/files", "post"),
        ("/api/ws/chat", "get"),
        ("/api/auth/sessions", "get"),
        ("/api/auth/sessions/{sessionId}", "delete"),
        ("/api/auth/logout-all", "post"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "openapi lacks {method} {path}");
    }
    // Query parameters are in the query, path parameters in the path.
    let history = &paths["/api/conversations/{conversationId}/messages"]["get"]["parameters"];
    let place = |name: &str| {
        history.as_array().unwrap().iter().find(|p| p["name"] == name).map(|p| p["in"].as_str().unwrap().to_string())
    };
    assert_eq!(place("conversationId").as_deref(), Some("path"));
    assert_eq!(place("beforeMessageId").as_deref(), Some("query"), "{history}");
    assert_eq!(place("pageSize").as_deref(), Some("query"));
    // Every JSON answer is described inside its envelope, errors included.
    let me = &paths["/api/users/me"]["get"]["responses"];
    let ok = &me["200"]["content"]["application/json"]["schema"];
    assert_eq!(ok["required"], serde_json::json!(["code", "message", "data"]), "{ok}");
    assert_eq!(ok["properties"]["data"]["$ref"], "#/components/schemas/User");
    assert_eq!(me["401"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ErrorEnvelope");
    let login = &paths["/api/auth/login"]["post"]["responses"];
    for status in ["400", "401", "413", "422", "429", "503"] {
        assert!(login.get(status).is_some(), "login lacks {status}: {login}");
    }
    // A download is bytes, not an envelope.
    let download = &paths["/api/files/{fileId}/{fileName}"]["get"]["responses"]["200"]["content"];
    assert!(download.get("application/octet-stream").is_some(), "{download}");
}

#[tokio::test]
async fn serves_the_web_app_with_a_fallback_for_app_routes() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>Confab</title>").unwrap();
    std::fs::write(dist.path().join("app-0123456789abcdef.js"), "console.log(1)").unwrap();
    let dir = dist.path().to_path_buf();
    let s = TestServer::start_with(move |c| c.static_dir = Some(dir)).await;
    for path in ["/", "/login", "/c/42"] {
        let res = reqwest::get(format!("{}{path}", s.base)).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache");
        assert!(res.text().await.unwrap().contains("<title>Confab</title>"), "{path}");
    }
    let res = reqwest::get(format!("{}/app-0123456789abcdef.js", s.base)).await.unwrap();
    assert!(res.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    // Unknown API paths stay API errors, not the app.
    let res = reqwest::get(format!("{}/api/nope", s.base)).await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let env: serde_json::Value = res.json().await.unwrap();
    assert_eq!(env["code"], 404);
}

#[tokio::test]
async fn compresses_large_api_answers_only() {
    let s = TestServer::start().await;
    let (a, _) = s.register("zip_a").await;
    let (_, b) = s.register("zip_b").await;
    // reqwest here decodes nothing, so the headers are what came over the wire.
    let http = reqwest::Client::new();
    // A send's answer (a few hundred bytes) goes as it is, even to a client that takes brotli.
    let res = http
        .post(format!("{}/api/messages", s.base))
        .bearer_auth(&a)
        .header("accept-encoding", "gzip, deflate, br")
        .json(&json!({"receiverId": b, "content": "small answer", "clientMsgId": "zip-0"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    assert!(res.headers().get("content-encoding").is_none(), "a small answer was compressed");
    let sent: serde_json::Value = res.json().await.unwrap();
    assert_eq!(sent["data"]["content"], "small answer");
    let cid = sent["data"]["conversationId"].as_i64().unwrap();
    // A page of history is well over a kilobyte: compressed for a client that asks.
    for i in 0..20 {
        s.send_text(&a, b, &format!("message {i} of a history long enough to be worth compressing")).await;
    }
    let url = format!("{}/api/conversations/{cid}/messages?pageSize=50", s.base);
    for (accept, encoding) in [("gzip, deflate, br", Some("br")), ("gzip", Some("gzip")), ("identity", None)] {
        let res = http.get(&url).bearer_auth(&a).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers().get("content-encoding").map(|v| v.to_str().unwrap()), encoding, "{accept}");
    }
}

#[tokio::test]
async fn sends_the_precompressed_build_as_it_is() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(dist.path().join("index.html"), "<!doctype html><title>Confab</title>").unwrap();
    let wasm = dist.path().join("app-0123456789abcdef_bg.wasm");
    std::fs::write(&wasm, vec![b'w'; 4096]).unwrap();
    // Stand-ins that no compressor would produce: the server must send these bytes untouched.
    std::fs::write(dist.path().join("app-0123456789abcdef_bg.wasm.br"), b"BROTLI-AS-BUILT").unwrap();
    std::fs::write(dist.path().join("app-0123456789abcdef_bg.wasm.gz"), b"GZIP-AS-BUILT").unwrap();
    let dir = dist.path().to_path_buf();
    let s = TestServer::start_with(move |c| c.static_dir = Some(dir)).await;
    // reqwest here decodes nothing, so the bytes on the wire are what we read.
    let http = reqwest::Client::new();
    let url = format!("{}/app-0123456789abcdef_bg.wasm", s.base);
    for (accept, encoding, body) in [("br, gzip", "br", &b"BROTLI-AS-BUILT"[..]), ("gzip", "gzip", b"GZIP-AS-BUILT")] {
        let res = http.get(&url).header("accept-encoding", accept).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-encoding"], encoding);
        assert_eq!(res.headers()["content-type"], "application/wasm");
        assert_eq!(res.headers()["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(&res.bytes().await.unwrap()[..], body);
    }
    let plain = http.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    assert_eq!(plain.bytes().await.unwrap().len(), 4096);
}
