//! An S3-compatible server for the suite's PostgreSQL run, so that files go through the same
//! `object_store` code a bucket-backed deployment uses: moto's server (from PyPI, in a private
//! virtualenv under target/) on a free port, stopped when dropped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e::free_port;
use crate::{root, sh, step, Result};

const VERSION: &str = "5.2.5";

pub struct S3 {
    /// `http://127.0.0.1:<port>`: the endpoint (`AWS_ENDPOINT`).
    pub endpoint: String,
    child: Child,
}

fn ensure_moto() -> Result<std::path::PathBuf> {
    let venv = root().join("target/moto-venv");
    let server = venv.join("bin/moto_server");
    let have = Command::new(venv.join("bin/pip")).args(["show", "moto"]).output().ok().filter(|o| o.status.success());
    if server.exists() && have.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(VERSION)) {
        return Ok(server);
    }
    step(&format!("installing moto {VERSION} (an S3-compatible server) from PyPI into target/moto-venv"));
    sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    sh(Command::new(venv.join("bin/pip")).args(["install", "-q", &format!("moto[server]=={VERSION}")]))?;
    Ok(server)
}

impl S3 {
    pub fn start() -> Result<S3> {
        let server = ensure_moto()?;
        let port = free_port()?;
        let child = Command::new(server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start moto_server: {e}"))?;
        let s3 = S3 { endpoint: format!("http://127.0.0.1:{port}"), child };
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(s3);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err("moto_server did not start".into())
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
