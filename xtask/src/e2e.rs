//! The browser end-to-end suite: the release app against a real server on a free port.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::{cargo, root, sh, step, tools, Result};

pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

fn wait_healthy(port: u16) -> Result {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("the server did not start on port {port}"))
}

/// The limits lifted for test and benchmark servers: every scenario signs up its own people from
/// 127.0.0.1 and sends hundreds of messages as one person in a moment (long threads, the load
/// generator). The per-account sign-in limit stays at its default (a scenario checks the app's
/// message for it). One account's sends are not limited at all (the benchmark's long
/// conversation is 200,000 messages from one person, each also a write).
pub const LIFTED_LIMITS: [&str; 8] = [
    "--register-per-ip",
    "100000/0.001",
    "--login-per-ip",
    "100000/0.001",
    "--send-per-account",
    "1000000/0.000001",
    "--write-per-account",
    "1000000/0.000001",
];

/// A debug confab-server on a free port with a fresh data dir; stopped and cleaned on drop.
pub struct TestServer {
    pub port: u16,
    child: std::process::Child,
    data: std::path::PathBuf,
}

impl TestServer {
    pub fn start(name: &str, extra: &[&str]) -> Result<TestServer> {
        Self::start_built("dev", name, extra)
    }

    /// The server built with `profile` (`dev` is the debug build).
    pub fn start_built(profile: &str, name: &str, extra: &[&str]) -> Result<TestServer> {
        let data = std::env::temp_dir().join(format!("confab-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&data);
        TestServer::start_built_on(profile, data, extra)
    }

    /// [`TestServer::start_built`] on a data directory made beforehand (removed when it stops).
    pub fn start_built_on(profile: &str, data: std::path::PathBuf, extra: &[&str]) -> Result<TestServer> {
        step(&format!("building confab-server ({profile})"));
        sh(cargo().args(["build", "-p", "confab-server", "--profile", profile]))?;
        let port = free_port()?;
        let child = Command::new(crate::server_binary(profile))
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .args(LIFTED_LIMITS)
            .args(extra)
            .arg("--data-dir")
            .arg(&data)
            .current_dir(root())
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let server = TestServer { port, child, data };
        wait_healthy(port)?;
        Ok(server)
    }
}

impl TestServer {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The stand-in language model (`e2e/lib/fake-model.mjs`) on a free port; stopped on drop.
pub struct FakeModel {
    pub url: String,
    child: std::process::Child,
}

impl FakeModel {
    pub fn start() -> Result<FakeModel> {
        let port = free_port()?;
        let child = Command::new("node")
            .args(["lib/fake-model.mjs", &port.to_string()])
            .current_dir(root().join("e2e"))
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the stand-in model: {e}"))?;
        let model = FakeModel { url: format!("http://127.0.0.1:{port}/v1"), child };
        wait_healthy(port)?;
        Ok(model)
    }
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run() -> Result {
    tools::ensure_e2e_packages()?;
    let model = FakeModel::start()?;
    let server = TestServer::start(
        "e2e",
        &["--static-dir", "dist", "--max-upload-bytes", "5242880", "--ai-url", &model.url, "--ai-model", "stand-in"],
    )?;
    step(&format!("end-to-end tests (Playwright + Chromium) against 127.0.0.1:{}", server.port));
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .current_dir(root().join("e2e"))
        .env("CONFAB_URL", format!("http://127.0.0.1:{}", server.port))
        .env("CONFAB_MODEL_URL", &model.url))
}

/// The same suite once more through nginx in front of two instances on a NATS bus: every
/// request and every WebSocket may land on either instance.
pub fn run_on_cluster() -> Result {
    tools::ensure_e2e_packages()?;
    let model = FakeModel::start()?;
    sh(cargo().args(["build", "-p", "confab-server"]))?;
    let extra = ["--max-upload-bytes", "5242880", "--ai-url", &model.url, "--ai-model", "stand-in"];
    let cluster =
        crate::cluster::start("dev", &[&LIFTED_LIMITS[..], &extra].concat(), crate::postgres::Durability::NoFsync)?;
    step(&format!("end-to-end tests through nginx at {} (instances {})", cluster.url, cluster.instances.join(", ")));
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .current_dir(root().join("e2e"))
        .env("CONFAB_URL", &cluster.url)
        .env("CONFAB_PIN_INSTANCES", cluster.instances.len().to_string())
        .env("CONFAB_MODEL_URL", &model.url))
}
