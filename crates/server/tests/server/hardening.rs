//! What an anonymous or hostile caller can do: memory, rates, sockets, slow clients, leftovers.

use std::time::{Duration, Instant};

use confab_server::config::Rate;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::common::{close_code, stored_files, upload, TestServer};

async fn login(s: &TestServer, name: &str, password: &str) -> (StatusCode, Value, Option<String>) {
    let res = s
        .http
        .post(format!("{}/api/auth/login", s.base))
        .json(&json!({"userName": name, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let retry = res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
    let body: Value = res.json().await.expect("an envelope");
    assert_eq!(body["code"], status.as_u16());
    (status, body, retry)
}

/// The real binary, so that its memory is its own and not the test runner's.
struct Process {
    child: tokio::process::Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Process {
    async fn start(args: &[&str]) -> Process {
        let dir = tempfile::tempdir().unwrap();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_confab-server"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .args(super::common::fresh_database().iter().flat_map(|url| ["--database-url", url.as_str()]))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut seen = String::new();
        let mut buf = [0u8; 256];
        while !seen.contains('\n') {
            let n = tokio::time::timeout(Duration::from_secs(20), out.read(&mut buf)).await.unwrap().unwrap();
            assert!(n > 0, "the server exited: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        let base = seen.split_whitespace().find(|w| w.starts_with("http://")).unwrap().to_string();
        Process { child, base, _dir: dir }
    }

    /// Peak resident memory, in MiB.
    fn peak_rss_mib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id().unwrap())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
    }
}

#[tokio::test]
async fn a_storm_of_64_parallel_sign_ins_keeps_memory_bounded() {
    // Lift the per-address limit: this is about what reaches the password hashing.
    let p = Process::start(&["--login-per-ip", "100000/0.001"]).await;
    let http = reqwest::Client::new();
    let storm = (0..64).map(|i| {
        let http = http.clone();
        let url = format!("{}/api/auth/login", p.base);
        async move {
            let res = http.post(url).json(&json!({"userName": format!("nobody{i}"), "password": "wrong password"}));
            res.send().await.unwrap().status()
        }
    });
    let statuses = futures_util::future::join_all(storm).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::UNAUTHORIZED || *s == StatusCode::SERVICE_UNAVAILABLE));
    let peak = p.peak_rss_mib();
    eprintln!("peak RSS after 64 parallel sign-ins: {peak} MiB");
    // Unbounded, 64 concurrent Argon2 hashes of 19 MiB each took ~1.3 GB and kept it. Bounded,
    // it is one 19 MiB buffer per core plus the server itself.
    let cores = std::thread::available_parallelism().map(|n| n.get() as u64).unwrap_or(2);
    let bound = 60 + 20 * cores;
    assert!(peak < bound, "peak RSS {peak} MiB, bound {bound} MiB");
}

#[tokio::test]
async fn past_the_hashing_queue_callers_get_503_with_retry_after() {
    let s = TestServer::start_with(|c| {
        c.hashing.workers = 1;
        c.hashing.max_waiting = 2;
        c.hashing.max_wait = Duration::from_millis(200);
    })
    .await;
    let names: Vec<String> = (0..12).map(|i| format!("ghost{i}")).collect();
    let attempts = names.iter().map(|n| login(&s, n, "wrong password"));
    let results = futures_util::future::join_all(attempts).await;
    let busy: Vec<_> = results.iter().filter(|(st, _, _)| *st == StatusCode::SERVICE_UNAVAILABLE).collect();
    assert!(!busy.is_empty(), "some attempts are turned away");
    assert!(busy.iter().all(|(_, _, retry)| retry.is_some()), "each 503 says when to retry");
    assert!(results.iter().any(|(st, _, _)| *st == StatusCode::UNAUTHORIZED), "the rest are answered");
}

#[tokio::test]
async fn wrong_passwords_are_rate_limited_per_address_and_per_account() {
    let s = TestServer::start_with(|c| c.rates.login_per_ip = Rate::new(8, Duration::from_secs(60))).await;
    s.register("alice").await;
    // Per account: five tries, then 429 even with the right password.
    for _ in 0..5 {
        assert_eq!(login(&s, "alice", "wrong password").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body, retry) = login(&s, "alice", "correct horse").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body["message"].as_str().unwrap().contains("try again in"), "{body}");
    assert!(retry.unwrap().parse::<u64>().unwrap() >= 1);
    // Per address: the eighth attempt from here is the last, whatever the account.
    for i in 0..2 {
        assert_eq!(login(&s, &format!("nobody{i}"), "wrong password").await.0, StatusCode::UNAUTHORIZED);
    }
    let (status, body, retry) = login(&s, "nobody9", "wrong password").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(retry.is_some());
}

#[tokio::test]
async fn registrations_are_rate_limited_per_address() {
    let s = TestServer::start_with(|c| c.rates.register_per_ip = Rate::new(2, Duration::from_secs(60))).await;
    s.register("one").await;
    s.register("two").await;
    let (status, body) = s
        .call(Method::POST, "/api/auth/register", None, Some(json!({"userName": "three", "password": "correct horse"})))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
}

#[tokio::test]
async fn a_signed_out_socket_stalled_in_send_still_closes_and_gets_nothing_newer() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut stalled = s.socket(&b, None).await;
    stalled.until_ready().await;
    // Fill the socket's buffers: the server ends up blocked sending to it.
    let filler = "x".repeat(4000);
    for _ in 0..1500 {
        s.send_text(&a, b_id, &filler).await;
    }
    // Many other sign-outs meanwhile (a lossy channel of 64 used to drop Bob's among them).
    let mut others = Vec::new();
    for i in 0..10 {
        others.push(s.register(&format!("other{i}")).await.0);
    }
    for _ in 0..8 {
        for t in &others {
            s.call(Method::POST, "/api/auth/logout", Some(t), None).await;
        }
    }
    let (status, _) = s.call(Method::POST, "/api/auth/logout", Some(&b), None).await;
    assert_eq!(status, StatusCode::OK);
    s.send_text(&a, b_id, "after sign-out").await;
    // Now read everything: the socket ends with 4001 and never shows the newer message.
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        assert!(Instant::now() < deadline, "the socket must close");
        use futures_util::StreamExt;
        match tokio::time::timeout(Duration::from_secs(5), stalled.ws.next()).await.unwrap() {
            Some(Ok(tokio_tungstenite::tungstenite::Message::Text(t))) => {
                assert!(!t.contains("after sign-out"), "a signed-out socket received a newer message");
            }
            Some(Ok(tokio_tungstenite::tungstenite::Message::Close(f))) => break f.map(|f| u16::from(f.code)),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => break None,
        }
    };
    assert!(code.is_none() || code == Some(4001), "closed with {code:?}");
}

#[tokio::test]
async fn sockets_are_capped_per_person_and_frames_are_small() {
    let s = TestServer::start_with(|c| c.sockets.per_user = 2).await;
    let (a, _) = s.register("alice").await;
    let mut one = s.socket(&a, None).await;
    one.until_ready().await;
    let mut two = s.socket(&a, None).await;
    two.until_ready().await;
    let mut three = s.socket(&a, None).await;
    assert_eq!(close_code(&mut three.ws).await, Some(4008), "a third socket is refused with 4008");
    // A frame bigger than the socket's read buffer (1 KB) but within the limit is read whole.
    two.send_text(&format!(r#"{{"type":"ping","pad":"{}"}}"#, "p".repeat(3000))).await;
    assert_eq!(two.next().await["type"], "pong", "a 3 KB ping is answered");
    // A big client frame closes that socket (clients only send pings).
    two.send_text(&"y".repeat(64 * 1024)).await;
    assert!(two.closed_without_text().await);
    // A freed place can be taken again.
    let mut again = s.socket(&a, None).await;
    again.until_ready().await;
    one.close().await;
}

#[tokio::test]
async fn sign_out_everywhere_ends_every_session_and_its_sockets() {
    let s = TestServer::start().await;
    let (first, _) = s.register("alice").await;
    let (_, _, _) = login(&s, "alice", "correct horse").await;
    let (_, second, _) = login(&s, "alice", "correct horse").await;
    let second = second["data"]["token"].as_str().unwrap().to_string();
    let (status, list) = s.get("/api/auth/sessions", &second).await;
    assert_eq!(status, StatusCode::OK);
    let list = list["data"].as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|x| x["current"] == true).count(), 1);

    // End one session by its id.
    let other = list.iter().find(|x| x["current"] == false).unwrap()["sessionId"].as_str().unwrap().to_string();
    let (status, _) = s.call(Method::DELETE, &format!("/api/auth/sessions/{other}"), Some(&second), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.call(Method::DELETE, "/api/auth/sessions/0000000000000000", Some(&second), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let mut ws = s.socket(&first, None).await;
    let (_, _) = ws.until_ready().await;
    let (status, _) = s.call(Method::POST, "/api/auth/logout-all", Some(&second), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(close_code(&mut ws.ws).await, Some(4001));
    for t in [&first, &second] {
        assert_eq!(s.get("/api/users/me", t).await.0, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn tokens_expire_after_the_idle_time() {
    let s = TestServer::start_with(|c| c.token_idle_ttl = Duration::from_secs(1)).await;
    let (a, _) = s.register("alice").await;
    assert_eq!(s.get("/api/users/me", &a).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let (status, body) = s.get("/api/users/me", &a).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn half_sent_headers_are_dropped_and_do_not_hold_up_a_stop() {
    let mut s = TestServer::start_with(|c| {
        c.header_read_timeout = Duration::from_millis(500);
        c.body_idle_timeout = Duration::from_millis(500);
        c.shutdown_deadline = Duration::from_secs(1);
    })
    .await;
    // Slowloris: headers never finished. The server hangs up.
    let mut slow = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    slow.write_all(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.unwrap();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(3), slow.read(&mut buf)).await.expect("closed in time");
    assert!(n.map(|n| n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408")).unwrap_or(true));

    // A body that stops arriving gets an answer and frees the connection.
    let (a, _) = s.register("alice").await;
    let mut stalled = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let head = format!(
        "POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {a}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"content\":"
    );
    stalled.write_all(head.as_bytes()).await.unwrap();
    let n = tokio::time::timeout(Duration::from_secs(3), stalled.read(&mut buf)).await.expect("answered in time");
    let _ = n;

    // A connection still mid-request when the server stops does not delay the stop past the deadline.
    let mut hanging = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    hanging.write_all(b"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    s.server.take().unwrap().stop().await;
    assert!(started.elapsed() < Duration::from_secs(3), "stop took {:?}", started.elapsed());
}

#[tokio::test]
async fn recalled_and_never_sent_files_leave_no_bytes_and_quotas_hold() {
    let mut s = TestServer::start_with(|c| c.storage_quota_bytes = 300_000).await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let secret: Vec<u8> = (0..100_000u32).map(|i| (i * 13 % 253) as u8).collect();

    // Sent, then recalled: the bytes are gone from disk.
    let (_, up) = upload(&s, &a, "secret.pdf", "application/pdf", secret.clone()).await;
    let file_id = up["data"]["fileId"].clone();
    let (_, sent) = s
        .post("/api/messages", &a, json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": file_id}}))
        .await;
    assert_eq!(stored_files(&s).len(), 1);
    let mid = sent["data"]["messageId"].as_i64().unwrap();
    let (status, _) = s.post(&format!("/api/messages/{mid}/recall"), &a, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(stored_files(&s).is_empty(), "the recalled file's bytes are erased");

    // The same bytes in two messages: recalling one keeps them for the other.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let (_, up) = upload(&s, &a, "shared.pdf", "application/pdf", secret.clone()).await;
        let (_, sent) = s
            .post(
                "/api/messages",
                &a,
                json!({"receiverId": b_id, "messageType": "file", "content": {"fileId": up["data"]["fileId"]}}),
            )
            .await;
        ids.push(sent["data"]["messageId"].as_i64().unwrap());
    }
    s.post(&format!("/api/messages/{}/recall", ids[0]), &a, json!({})).await;
    assert_eq!(stored_files(&s).len(), 1, "still in the other message");

    // Over the quota (100 KB kept + 250 KB new > 300 KB): refused, nothing stored.
    let (status, body) = upload(&s, &a, "big.pdf", "application/pdf", vec![7u8; 250_000]).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(body["message"].as_str().unwrap().contains("storage"), "{body}");
    assert_eq!(stored_files(&s).len(), 1);

    // Never sent: erased once it is older than the TTL.
    let (_, _) = upload(&s, &a, "draft.pdf", "application/pdf", vec![9u8; 1000]).await;
    assert_eq!(stored_files(&s).len(), 2);
    let state = s.server.as_ref().unwrap().state.clone();
    confab_server::service::maintenance::tidy(&state).await.unwrap();
    assert_eq!(stored_files(&s).len(), 2, "young uploads are kept");
    let mut config = (*state.config).clone();
    config.unsent_upload_ttl = Duration::ZERO;
    let aged = state.with_config(config);
    tokio::time::sleep(Duration::from_millis(5)).await;
    confab_server::service::maintenance::tidy(&aged).await.unwrap();
    assert_eq!(stored_files(&s).len(), 1, "the never-sent upload is erased, the sent one stays");

    // A partial upload left behind by a crash is gone after a restart.
    let partial = s.dir.path().join("files/tmp/partial-upload");
    std::fs::write(&partial, b"half a file").unwrap();
    let arriving = s.dir.path().join("files/tmp/still-arriving");
    std::fs::write(&arriving, b"being written by another instance").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&partial).unwrap().set_modified(an_hour_ago).unwrap();
    s.restart().await;
    assert!(!partial.exists());
    assert!(arriving.exists(), "an upload written to just now may be another instance's");
}

#[tokio::test]
async fn input_hygiene() {
    let s = TestServer::start().await;
    for weak in ["password", "12345678", "        ", "qwertyuiop", "aliceeee1"] {
        let (status, body) = s
            .call(Method::POST, "/api/auth/register", None, Some(json!({"userName": "aliceeee", "password": weak})))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{weak:?}: {body}");
        assert!(body["message"].as_str().unwrap().contains("guess"), "{body}");
    }
    let (status, body) = s
        .call(
            Method::POST,
            "/api/auth/register",
            None,
            Some(json!({"userName": "mallory", "password": "correct horse", "displayName": "\u{202E}ecila\u{200B}"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["data"]["user"]["displayName"], "ecila", "bidi controls and invisible characters are stripped");
    let m = body["data"]["token"].as_str().unwrap().to_string();

    // `bearer` in any case.
    let res = s
        .http
        .get(format!("{}/api/users/me", s.base))
        .header("Authorization", format!("bearer {m}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let (_, b_id) = s.register("bob").await;
    let (status, _) =
        s.post("/api/messages", &m, json!({"receiverId": b_id, "content": "\u{200B}\u{200D}\u{FEFF} "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "only invisible characters");

    // A clientMsgId reused for a different message is a conflict; the same message is a retry.
    let send = |content: &str, cid: &str| json!({"receiverId": b_id, "content": content, "clientMsgId": cid});
    let (status, first) = s.post("/api/messages", &m, send("hello", "c-1")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, again) = s.post("/api/messages", &m, send("hello", "c-1")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["data"]["messageId"], first["data"]["messageId"]);
    let (status, body) = s.post("/api/messages", &m, send("something else", "c-1")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (c_token, c_id) = s.register("carol").await;
    let _ = c_token;
    let (status, _) =
        s.post("/api/messages", &m, json!({"receiverId": c_id, "content": "hello", "clientMsgId": "c-1"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "same id, other conversation");

    // Oversized JSON is 413; a huge URL 414 and huge headers 431, each an envelope.
    let big = json!({"receiverId": b_id, "content": "x".repeat(3 * 1024 * 1024)});
    let (status, _) = s.post("/api/messages", &m, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _) = s.get(&format!("/api/conversations?x={}", "a".repeat(10_000)), &m).await;
    assert_eq!(status, StatusCode::URI_TOO_LONG);
    let res = s.http.get(format!("{}/api/health", s.base)).header("X-Big", "b".repeat(20_000)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 431);
}

#[tokio::test]
async fn the_app_page_has_a_strict_content_security_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><html><head><script type=\"module\">import init from '/app.js'; init();</script></head></html>",
    )
    .unwrap();
    let static_dir = dir.path().to_path_buf();
    let s = TestServer::start_with(move |c| c.static_dir = Some(static_dir)).await;
    let res = s.http.get(format!("{}/c/12", s.base)).send().await.unwrap();
    let csp = res.headers().get("content-security-policy").expect("a CSP").to_str().unwrap().to_string();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval' 'sha256-"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"), "{csp}");
    assert_eq!(res.headers().get("x-frame-options").unwrap(), "DENY");
}

#[tokio::test]
async fn an_overload_gets_a_fast_503_and_nothing_piles_up() {
    let s = TestServer::start_with(|c| c.max_in_flight = 2).await;
    let (token, me) = s.register("busy_alice").await;
    // Two sends whose bodies never finish arriving hold both places.
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut tcp = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
        let head = format!(
            "POST /api/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"receiverId\": {me},"
        );
        tcp.write_all(head.as_bytes()).await.unwrap();
        stalled.push(tcp);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // A third request is answered at once, 503 with Retry-After, in the usual envelope.
    let started = Instant::now();
    let res = s.http.get(format!("{}/api/users/me", s.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(res.headers()["retry-after"], "1");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], 503);
    assert!(body["message"].as_str().unwrap().contains("busy"), "{body}");
    // Once they go, the server takes requests again.
    drop(stalled);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, _) = s.get("/api/users/me", &token).await;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still busy after the stalled requests went");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Registration is open, so one account must not be able to send at the writer's full speed:
/// past its allowance a send is answered 429 with Retry-After and stores nothing; other people
/// are not held back; the allowance comes back with time; each copy of a forward counts.
#[tokio::test]
async fn sends_are_rate_limited_per_account() {
    let s = TestServer::start_with(|c| c.rates.send_per_account = Rate::new(5, Duration::from_millis(400))).await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let send = |token: &str, to: i64, text: &str| {
        s.http
            .post(format!("{}/api/messages", s.base))
            .bearer_auth(token)
            .json(&json!({"receiverId": to, "content": text}))
            .send()
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let res = send(&a, b_id, &format!("m{i}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        ids.push(res.json::<Value>().await.unwrap()["data"]["messageId"].as_i64().unwrap());
    }
    let res = send(&a, b_id, "one too many").await.unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    let body: Value = res.json().await.unwrap();
    assert!(body["message"].as_str().unwrap().contains("too fast"), "{body}");
    let (_, list) = s.get("/api/conversations", &b).await;
    let cid = list["data"]["list"][0]["conversationId"].as_i64().unwrap();
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(history["data"]["total"], 5, "the refused send stored nothing");

    // Someone else is not held back.
    assert_eq!(send(&c, b_id, "hi bob").await.unwrap().status(), StatusCode::CREATED);
    // And the allowance comes back.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(send(&a, b_id, "after a pause").await.unwrap().status(), StatusCode::CREATED);

    // A forward of two messages to three chats is six sends: more than the whole allowance, it
    // needs all of it.
    let chat_with = |other: i64| {
        let a = a.clone();
        let s = &s;
        async move {
            let (_, body) = s.post("/api/conversations/private", &a, json!({"userId": other})).await;
            body["data"]["conversationId"].as_i64().unwrap()
        }
    };
    let (_, dave_id) = s.register("dave").await;
    let targets = vec![chat_with(c_id).await, chat_with(dave_id).await, cid];
    let forward = json!({"messageIds": [ids[0], ids[1]], "conversationIds": targets});
    let (status, body) = s.post("/api/messages/forward", &a, forward.clone()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(history["data"]["total"], 6, "nothing forwarded");
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, body) = s.post("/api/messages/forward", &a, forward).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["list"].as_array().unwrap().len(), 6);
    assert_eq!(send(&a, b_id, "right after").await.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
}

/// Every change a signed-in account asks for is a write to the one database: past its allowance
/// a change is answered 429 and made nothing; reading goes on, and others are not held back.
#[tokio::test]
async fn changes_are_rate_limited_per_account_and_reads_are_not() {
    let s = TestServer::start_with(|c| c.rates.write_per_account = Rate::new(4, Duration::from_secs(60))).await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let cid = s.send_text(&a, b_id, "hello").await["conversationId"].as_i64().unwrap();
    let path = format!("/api/conversations/{cid}");
    let pin = |token: String, pinned: bool| {
        let (s, path) = (&s, &path);
        async move { s.call(Method::PATCH, path, Some(&token), Some(json!({"isPinned": pinned}))).await }
    };
    assert_eq!(pin(a.clone(), true).await.0, StatusCode::OK);
    assert_eq!(pin(a.clone(), false).await.0, StatusCode::OK);
    assert_eq!(pin(a.clone(), true).await.0, StatusCode::OK);
    // The send was the first of four.
    let (status, body) = pin(a.clone(), false).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert!(body["message"].as_str().unwrap().contains("too fast"), "{body}");
    let (status, conv) = s.get(&format!("/api/conversations/{cid}"), &a).await;
    assert_eq!(status, StatusCode::OK, "reading is not counted");
    assert_eq!(conv["data"]["isPinned"], true, "the refused change made nothing");
    assert_eq!(pin(b.clone(), true).await.0, StatusCode::OK, "someone else is not held back");
}
