//! The peer for `cargo xtask bench`: Matrix Synapse from PyPI in a private virtualenv, on
//! SQLite, on a free port, with every rate limit lifted (the load comes from one address),
//! started in a temporary directory and stopped afterwards.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::{root, sh, step, Result};

const VERSION: &str = "1.163.2";

fn ensure_synapse() -> Result<PathBuf> {
    let venv = root().join("target/synapse-venv");
    let python = venv.join("bin/python");
    let have = Command::new(&python).args(["-c", "import synapse; print(synapse.__version__)"]).output().ok();
    if have.is_some_and(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with(VERSION)) {
        return Ok(python);
    }
    step(&format!("installing matrix-synapse {VERSION} from PyPI into target/synapse-venv"));
    sh(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
    sh(Command::new(venv.join("bin/pip")).args([
        "install",
        "-q",
        "--only-binary=:all:",
        &format!("matrix-synapse=={VERSION}"),
    ]))?;
    Ok(python)
}

/// Every limit Synapse applies, lifted: the load generator is one address and many accounts.
const NO_LIMIT: &str = "{per_second: 100000, burst_count: 100000}";

fn config(dir: &std::path::Path, port: u16) -> String {
    let d = dir.display();
    let n = NO_LIMIT;
    format!(
        "server_name: bench.local
pid_file: {d}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {d}/homeserver.db
media_store_path: {d}/media
signing_key_path: {d}/signing.key
report_stats: false
macaroon_secret_key: bench-macaroon-secret
form_secret: bench-form-secret
trusted_key_servers: []
suppress_key_server_warning: true
enable_registration: true
enable_registration_without_verification: true
# Set-up registers a thousand accounts; password hashing is not what is compared.
bcrypt_rounds: 4
presence:
  enabled: false
rc_message: {n}
rc_registration: {n}
rc_login:
  address: {n}
  account: {n}
  failed_attempts: {n}
rc_joins:
  local: {n}
  remote: {n}
rc_joins_per_room: {n}
rc_invites:
  per_room: {n}
  per_user: {n}
  per_issuer: {n}
rc_room_creation: {n}
rc_presence:
  per_user: {n}
"
    )
}

pub struct Synapse {
    pub port: u16,
    child: Child,
    dir: PathBuf,
}

impl Synapse {
    pub fn start() -> Result<Synapse> {
        let python = ensure_synapse()?;
        let dir = std::env::temp_dir().join(format!("confab-synapse-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let port = crate::e2e::free_port()?;
        let cfg = dir.join("homeserver.yaml");
        std::fs::write(&cfg, config(&dir, port)).map_err(|e| e.to_string())?;
        step(&format!("starting Synapse {VERSION} on 127.0.0.1:{port} (SQLite, rate limits off)"));
        sh(Command::new(&python).args(["-m", "synapse.app.homeserver", "--generate-keys", "-c"]).arg(&cfg))?;
        let child = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&cfg)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log")).map_err(|e| e.to_string())?)
            .spawn()
            .map_err(|e| format!("cannot start Synapse: {e}"))?;
        let synapse = Synapse { port, child, dir };
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            let up = Command::new("python3")
                .args(["-c", &format!("import urllib.request as u; u.urlopen('http://127.0.0.1:{port}/health')")])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if up {
                return Ok(synapse);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        Err(format!("Synapse did not start; see {}", synapse.dir.join("stderr.log").display()))
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
