use std::time::Duration;

use confab_server::{Config, RunningServer};
use futures_util::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A server running in this test process, spoken to through [`Api`] (its methods and `base`,
/// `http` are the server's).
pub struct TestServer {
    pub server: Option<RunningServer>,
    pub dir: tempfile::TempDir,
    pub api: Api,
    pub config: Config,
}

impl std::ops::Deref for TestServer {
    type Target = Api;
    fn deref(&self) -> &Api {
        &self.api
    }
}

/// Speaks the API to the server at `base`: one in this process, or a process of its own
/// (an instance of a cluster, a server to be killed).
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

/// The PostgreSQL server the suite runs against when `CONFAB_TEST_POSTGRES` gives its URL
/// (`cargo xtask test` starts one and runs the suite a second time); SQLite without it.
pub fn postgres() -> Option<String> {
    std::env::var("CONFAB_TEST_POSTGRES").ok().filter(|url| !url.is_empty())
}

/// Runs `work` to the end on a thread and runtime of its own: for helpers that sync and async
/// callers both use.
fn on_own_runtime<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(work)
    })
    .join()
    .unwrap()
}

/// A new empty database on that server (its URL), for one test's server or cluster.
pub fn fresh_database() -> Option<String> {
    use sqlx::{Connection, Executor};
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let admin = postgres()?;
    let name = format!("confab_t{}_{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let url = format!("{}/{name}", admin.rsplit_once('/').expect("a URL with a database").0);
    on_own_runtime(async move {
        let mut conn = sqlx::PgConnection::connect(&admin).await.expect("the test PostgreSQL answers");
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("a database is created");
    });
    Some(url)
}

/// The S3-compatible server the suite keeps files in when `CONFAB_TEST_S3` gives its endpoint
/// (`cargo xtask test` runs moto's for the PostgreSQL run); the data dir without it.
pub fn s3() -> Option<String> {
    std::env::var("CONFAB_TEST_S3").ok().filter(|url| !url.is_empty())
}

/// The settings of that server, as `AWS_*` variables would give them (moto takes any keys).
pub fn s3_options() -> Vec<(String, String)> {
    s3().map(|endpoint| s3_options_at(&endpoint)).unwrap_or_default()
}

/// The settings of an S3-compatible server at `endpoint`.
pub fn s3_options_at(endpoint: &str) -> Vec<(String, String)> {
    [
        ("aws_endpoint", endpoint),
        ("aws_allow_http", "true"),
        ("aws_access_key_id", "confab-test"),
        ("aws_secret_access_key", "confab-test"),
        ("aws_region", "us-east-1"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// A new empty bucket on that server (its `s3://` URL), for one test's server or cluster.
pub fn fresh_bucket() -> Option<String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let endpoint = s3()?;
    let name = format!("confab-t{}-{}", std::process::id(), NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let url = format!("{endpoint}/{name}");
    on_own_runtime(async move {
        let res = reqwest::Client::new().put(&url).send().await.expect("the test S3 server answers");
        assert!(res.status().is_success(), "a bucket is created: {}", res.status());
    });
    Some(format!("s3://{name}"))
}

/// A test server's settings: the defaults, except that every test comes from 127.0.0.1 and
/// makes many accounts, so the per-address limits are lifted (tests of them set their own).
pub fn config_in(dir: &std::path::Path) -> Config {
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir);
    config.rates.register_per_ip = confab_server::config::Rate::UNLIMITED;
    config.rates.login_per_ip = confab_server::config::Rate::UNLIMITED;
    config.rates.upload_per_ip = confab_server::config::Rate::UNLIMITED;
    config.rates.send_per_account = confab_server::config::Rate::UNLIMITED;
    config.rates.write_per_account = confab_server::config::Rate::UNLIMITED;
    config.database_url = fresh_database();
    config.file_store_url = fresh_bucket();
    config.file_store_options = s3_options();
    config
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let mut config = config_in(dir.path());
        adjust(&mut config);
        let server = confab_server::spawn(config.clone()).await.expect("server starts");
        let api = Api::new(format!("http://{}", server.addr));
        TestServer { server: Some(server), dir, api, config }
    }

    /// Stops the server cleanly and starts a new one on the same data dir.
    pub async fn restart(&mut self) {
        self.server.take().unwrap().stop().await;
        let server = confab_server::spawn(self.config.clone()).await.expect("server restarts");
        self.api.base = format!("http://{}", server.addr);
        self.server = Some(server);
    }

    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.as_ref().unwrap().addr
    }
}

impl Api {
    pub fn new(base: String) -> Api {
        Api { http: reqwest::Client::new(), base }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request sent");
        let status = res.status();
        let body: Value = res.json().await.expect("every response is a JSON envelope");
        assert_eq!(body["code"].as_u64(), Some(status.as_u16() as u64), "envelope code equals status: {body}");
        (status, body)
    }

    pub async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(token), Some(body)).await
    }

    /// Registers a user; returns (token, userId).
    pub async fn register(&self, name: &str) -> (String, i64) {
        let (status, body) = self
            .call(
                Method::POST,
                "/api/auth/register",
                None,
                Some(json!({"userName": name, "password": "correct horse", "displayName": name.to_uppercase()})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        (body["data"]["token"].as_str().unwrap().to_string(), body["data"]["user"]["userId"].as_i64().unwrap())
    }

    /// Sends a text message; returns the Message.
    pub async fn send_text(&self, token: &str, receiver: i64, text: &str) -> Value {
        let (status, body) = self.post("/api/messages", token, json!({"receiverId": receiver, "content": text})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["data"].clone()
    }

    pub async fn socket(&self, token: &str, since: Option<i64>) -> Socket {
        let host = self.base.trim_start_matches("http://");
        let mut url = format!("ws://{host}/api/ws/chat?token={token}");
        if let Some(s) = since {
            url.push_str(&format!("&sinceSeq={s}"));
        }
        let (ws, _) = tokio_tungstenite::connect_async(url).await.expect("socket connects");
        Socket { ws }
    }
}

pub struct Socket {
    pub ws: RawSocket,
}

impl Socket {
    /// The next JSON frame, skipping transport pings and presence notices (people coming online
    /// and going away: live-only frames most tests are not about).
    pub async fn next(&mut self) -> Value {
        loop {
            let f = self.next_any().await;
            if f["type"] != "presence" {
                return f;
            }
        }
    }

    /// The next frame of this type (presence included), skipping the others.
    pub async fn next_of(&mut self, kind: &str) -> Value {
        loop {
            let f = self.next_any().await;
            if f["type"] == kind {
                return f;
            }
        }
    }

    /// The next JSON frame of any kind, skipping transport pings.
    pub async fn next_any(&mut self) -> Value {
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(5), self.ws.next())
                .await
                .expect("a frame within 5 s")
                .expect("socket open")
                .expect("frame ok");
            if let WsMessage::Text(t) = msg {
                return serde_json::from_str(&t).expect("JSON frame");
            }
        }
    }

    /// Waits for `ready` and returns its seq (the frames before it are returned too).
    pub async fn until_ready(&mut self) -> (Vec<Value>, i64) {
        let mut before = Vec::new();
        loop {
            let f = self.next().await;
            if f["type"] == "ready" {
                return (before, f["seq"].as_i64().unwrap());
            }
            before.push(f);
        }
    }

    /// Nothing arrives for a short while.
    pub async fn expect_quiet(&mut self) {
        let until = tokio::time::Instant::now() + Duration::from_millis(300);
        while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(until, self.ws.next()).await {
            if let WsMessage::Text(t) = msg {
                assert!(t.contains("\"type\":\"presence\""), "unexpected frame {t}");
            }
        }
    }

    /// The socket ends (close frame or EOF) before any text frame arrives.
    pub async fn closed_without_text(&mut self) -> bool {
        loop {
            match tokio::time::timeout(Duration::from_secs(5), self.ws.next()).await {
                Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(WsMessage::Close(_)))) => return true,
                Ok(Some(Ok(WsMessage::Text(t)))) if !t.contains("\"type\":\"presence\"") => return false,
                Ok(Some(Ok(_))) => continue,
                Err(_) => return false,
            }
        }
    }

    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(WsMessage::Text(text.into())).await.unwrap();
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

pub type RawSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Reads until the server closes the socket; its close code (`None` for no close frame).
pub async fn close_code(ws: &mut RawSocket) -> Option<u16> {
    loop {
        match tokio::time::timeout(Duration::from_secs(5), ws.next()).await.expect("closed within 5 s") {
            Some(Ok(WsMessage::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => continue,
        }
    }
}

/// Uploads `bytes` as the multipart field `file`; the status and the envelope.
pub async fn upload(s: &TestServer, token: &str, name: &str, mime: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    upload_to(&s.base, token, name, mime, bytes).await
}

/// Uploads to the server at `base` (any instance).
pub async fn upload_to(base: &str, token: &str, name: &str, mime: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap());
    let res = reqwest::Client::new()
        .post(format!("{base}/api/files"))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap())
}

/// Every file under the data dir's `files/` (blobs and temporary uploads), and every object in
/// the server's bucket when it has one.
pub fn stored_files(s: &TestServer) -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                walk(&e.path(), out)
            } else {
                out.push(e.path().display().to_string())
            }
        }
    }
    let mut out = Vec::new();
    walk(&s.dir.path().join("files"), &mut out);
    if let Some(bucket) = s.config.file_store_url.clone() {
        let options = s.config.file_store_options.clone();
        let objects = on_own_runtime(async move {
            use futures_util::TryStreamExt;
            let (store, _) = object_store::parse_url_opts(&bucket.parse().unwrap(), options).unwrap();
            let listed: Vec<object_store::ObjectMeta> = store.list(None).try_collect().await.unwrap();
            listed.into_iter().map(|m| format!("{bucket}/{}", m.location)).collect::<Vec<String>>()
        });
        out.extend(objects);
    }
    out
}

/// The database file and its write-ahead log, as bytes (to prove erased text is gone). On
/// PostgreSQL, every row of every table as text: what the database still holds.
pub fn db_bytes(s: &TestServer) -> Vec<u8> {
    match &s.config.database_url {
        Some(url) => postgres_rows(url.clone()),
        None => ["confab.db", "confab.db-wal"]
            .iter()
            .flat_map(|n| std::fs::read(s.dir.path().join(n)).unwrap_or_default())
            .collect(),
    }
}

fn postgres_rows(url: String) -> Vec<u8> {
    use sqlx::Connection;
    on_own_runtime(async move {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'")
                .fetch_all(&mut conn)
                .await
                .unwrap();
        let mut out = Vec::new();
        for table in tables {
            let rows: Vec<String> =
                sqlx::query_scalar(&format!("SELECT t::text FROM \"{table}\" t")).fetch_all(&mut conn).await.unwrap();
            for row in rows {
                out.extend_from_slice(row.as_bytes());
                out.push(b'\n');
            }
        }
        out
    })
}

/// The next HTTP/1.1 request on a raw connection, for stand-in servers (a model, S3): its head
/// (request line and headers), once the head and its `content-length` body are in; `None` when
/// the connection ends first. `pending` holds what was read beyond it, for the next call.
pub async fn next_request(conn: &mut tokio::net::TcpStream, pending: &mut Vec<u8>) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("content-length")))
                .map_or(0, |(_, v)| v.trim().parse().unwrap());
            if pending.len() >= end + 4 + length {
                pending.drain(..end + 4 + length);
                return Some(head);
            }
        }
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
}

/// Waits until `done` holds, looking every `every`, for at most `within` (the caller then
/// asserts what it expected).
pub async fn wait_until(within: Duration, every: Duration, mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !done() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(every).await;
    }
}

pub fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The database and bucket of server processes that must share them (a cluster, a restart):
/// fresh ones when the suite runs on PostgreSQL and S3, none otherwise (then they share the
/// data dir).
pub struct SharedStorage {
    database: Option<String>,
    bucket: Option<String>,
}

impl SharedStorage {
    pub fn fresh() -> SharedStorage {
        SharedStorage { database: fresh_database(), bucket: fresh_bucket() }
    }

    /// The server options that name them.
    pub fn args(&self) -> Vec<&str> {
        let database = self.database.iter().flat_map(|url| ["--database-url", url.as_str()]);
        database.chain(self.bucket.iter().flat_map(|url| ["--file-store-url", url.as_str()])).collect()
    }
}

/// The server binary as its own process (to be killed with SIGKILL, or to run several).
pub struct Process {
    child: std::process::Child,
    pub base: String,
}

impl Process {
    /// A server on SQLite in `dir`, or on a new PostgreSQL database when the suite runs on
    /// PostgreSQL and `extra` names none.
    pub fn start(dir: &std::path::Path, extra: &[&str]) -> Process {
        use std::io::BufRead;
        let database = match extra.contains(&"--database-url") {
            true => None,
            false => fresh_database(),
        };
        let bucket = match extra.contains(&"--file-store-url") {
            true => None,
            false => fresh_bucket(),
        };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_confab-server"))
            .args(["--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(database.iter().flat_map(|url| ["--database-url", url.as_str()]))
            .args(bucket.iter().flat_map(|url| ["--file-store-url", url.as_str()]))
            .envs(s3_options().into_iter().map(|(k, v)| (k.to_ascii_uppercase(), v)))
            .args(["--register-per-ip", "100000/0.001", "--login-per-ip", "100000/0.001"])
            .args(["--send-per-account", "100000/0.001", "--write-per-account", "100000/0.001"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("server binary starts");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("the server prints its URL").unwrap();
            if let Some(url) = line.strip_prefix("Confab is running at ") {
                break url.trim().to_string();
            }
        };
        Process { child, base }
    }

    pub fn kill(mut self) {
        // SIGKILL: no clean stop, no final checkpoint.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A NATS server of its own on a free port, stopped when dropped. `cargo xtask test` installs
/// Debian's `nats-server` when it is missing.
pub struct NatsServer {
    child: std::process::Child,
    pub url: String,
}

impl NatsServer {
    pub async fn start() -> NatsServer {
        let bin = std::env::var("NATS_SERVER").ok().or_else(|| {
            ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
                .iter()
                .find(|p| std::path::Path::new(p).exists())
                .map(|p| p.to_string())
        });
        let bin = bin.expect("nats-server is not installed (cargo xtask test installs Debian's nats-server)");
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(bin)
            .args(["-a", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("nats-server starts");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(tokio::time::Instant::now() < deadline, "nats-server did not listen on {port}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        NatsServer { child, url: format!("nats://127.0.0.1:{port}") }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
