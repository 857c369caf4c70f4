//! A PostgreSQL server of its own for the server suite, the cluster and the benchmarks: Debian's
//! `postgresql` package (installed when missing), a new database cluster in a temporary
//! directory on a free port, shut down and removed when dropped. Nothing of the machine's own
//! PostgreSQL (if it runs one) is used or touched.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e::free_port;
use crate::{sh, tools, Result};

pub struct Postgres {
    /// `postgres://confab@127.0.0.1:<port>/postgres`: the server's own database, from which
    /// others are made (the suite makes one per test server).
    pub admin_url: String,
    port: u16,
    bin: PathBuf,
    child: Child,
    dir: PathBuf,
}

/// Whether commits wait for the disk: yes for benchmarks (as SQLite's `synchronous = FULL`),
/// no for tests (nothing there must survive a power cut).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    Fsync,
    NoFsync,
}

/// The `postgres` account's uid and gid (from `/etc/passwd`): initdb and the server refuse to
/// run as root, and the Debian package makes this account.
fn postgres_account() -> Result<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").map_err(|e| e.to_string())?;
    passwd
        .lines()
        .find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&"postgres") && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
        .ok_or_else(|| "no 'postgres' account to run PostgreSQL as (apt-get install postgresql makes it)".into())
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

impl Postgres {
    pub fn start(durability: Durability) -> Result<Postgres> {
        tools::ensure_postgres()?;
        let bin = tools::postgres_bin()?;
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("confab-pg-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let account = if running_as_root() { Some(postgres_account()?) } else { None };
        let as_owner = |cmd: &mut Command| {
            if let Some((uid, gid)) = account {
                cmd.uid(uid).gid(gid);
            }
        };
        if let Some((uid, gid)) = account {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
        }
        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-U", "confab", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])
            .stdout(Stdio::null());
        as_owner(&mut initdb);
        sh(&mut initdb)?;

        let port = free_port()?;
        let mut server = Command::new(bin.join("postgres"));
        server
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&dir)
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "max_connections=400", "-c", "shared_buffers=128MB"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log")).map_err(|e| e.to_string())?);
        if durability == Durability::NoFsync {
            server.args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }
        as_owner(&mut server);
        let child = server.spawn().map_err(|e| format!("cannot start PostgreSQL: {e}"))?;
        let pg = Postgres { admin_url: format!("postgres://confab@127.0.0.1:{port}/postgres"), port, bin, child, dir };
        pg.wait_ready()?;
        Ok(pg)
    }

    fn wait_ready(&self) -> Result {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ready = Command::new(self.bin.join("pg_isready"))
                .args(["-q", "-h", "127.0.0.1", "-p", &self.port.to_string()])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!("PostgreSQL did not start (see {})", self.dir.join("server.log").display()))
    }

    /// Makes a database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String> {
        sh(Command::new(self.bin.join("createdb")).args([
            "-h",
            "127.0.0.1",
            "-p",
            &self.port.to_string(),
            "-U",
            "confab",
            name,
        ]))?;
        Ok(format!("postgres://confab@127.0.0.1:{}/{name}", self.port))
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown (ends sessions, checkpoints, removes its shared memory).
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
