//! `cargo xtask bench`: the release server on a free port with a fresh data dir, and the load
//! generator (`crates/bench`) run against it; prints one Markdown table.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::e2e::TestServer;
use crate::{cargo, root, sh, step, CurrentDir, Result};

pub fn run(args: &[String]) -> Result {
    // Ctrl+C or SIGTERM stops the load and then returns an error, so that everything started
    // for the run (servers, Synapse, PostgreSQL, NATS, nginx) is stopped by its `Drop` on the
    // way out instead of being left running.
    ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst)).map_err(|e| format!("cannot watch for Ctrl+C: {e}"))?;
    let quick = args.iter().any(|a| a == "--quick");
    if args.iter().any(|a| a == "--cluster") {
        return run_on_cluster(quick);
    }
    if args.iter().any(|a| a == "--postgres") {
        return run_on_postgres(quick);
    }
    if args.iter().any(|a| a == "--crowd") {
        return run_on_crowd();
    }
    crate::build_web()?;
    crate::tools::ensure_e2e_packages()?;
    // The browser probe at the end (a fresh machine has no Chromium until something installs it).
    crate::tools::ensure_browser()?;
    step("building the load generator (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    // The stand-in model, for the assistant's time to first token.
    let model = crate::e2e::FakeModel::start()?;
    let server = TestServer::start_built(
        "serve",
        "bench",
        // The load comes from one address and opens a thousand sockets.
        &["--max-sockets", "20000", "--static-dir", "dist", "--ai-url", &model.url],
    )?;
    // The peer: the same load against Matrix Synapse (skip with --no-peer).
    let peer = if args.iter().any(|a| a == "--no-peer") { None } else { Some(crate::synapse::Synapse::start()?) };
    step(&format!("measuring on {} core(s){}", cores(), if quick { " (quick)" } else { "" }));
    let mut cmd = Command::new(root().join("target/serve/confab-bench"));
    cmd.args(["--url", &format!("http://127.0.0.1:{}", server.port), "--pid", &server.pid().to_string()]);
    if let Some(peer) = &peer {
        cmd.args(["--matrix", &format!("http://127.0.0.1:{}", peer.port), "--matrix-pid", &peer.pid().to_string()]);
    }
    if quick {
        cmd.arg("--quick");
    }
    measure(&mut cmd)?;
    drop(peer);
    step("measuring the assistant's time to first token, directly and through Confab");
    measure(
        Command::new("node")
            .args(["bench/ttft.mjs", if quick { "50" } else { "500" }])
            .current_dir(root().join("e2e"))
            .env("CONFAB_URL", format!("http://127.0.0.1:{}", server.port))
            .env("CONFAB_MODEL_URL", &model.url),
    )?;
    step("measuring the app in Chromium (cold load, a long thread)");
    let (messages, pushes) = if quick { ("300", "5") } else { ("10000", "30") };
    measure(
        Command::new("node")
            .args(["bench/probe.mjs", messages, pushes])
            .current_dir(root().join("e2e"))
            .env("CONFAB_URL", format!("http://127.0.0.1:{}", server.port)),
    )
}

static STOP: AtomicBool = AtomicBool::new(false);

/// Runs a measuring step to its end, or until Ctrl+C/SIGTERM (then stopped, and an error).
fn measure(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let mut child = cmd.current_dir_if_unset().spawn().map_err(|e| format!("cannot start {shown}: {e}"))?;
    loop {
        if STOP.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("stopped (Ctrl+C); stopping what was started".into());
        }
        if let Some(status) = child.try_wait().map_err(|e| format!("{shown}: {e}"))? {
            return if status.success() { Ok(()) } else { Err(format!("{shown} failed ({status})")) };
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// `--crowd`: what grows with the people on a server and with a person's chats. 300,000 people
/// written into a new data directory by confab-server's `crowd` example (~2 minutes), the server
/// started on it, and `confab-bench --crowd`: the people search, a list of 5,000 chats, the unread
/// total.
fn run_on_crowd() -> Result {
    step("building the load generator and confab-server's crowd example (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    sh(cargo().args(["build", "-p", "confab-server", "--profile", "serve", "--example", "crowd"]))?;
    let data = std::env::temp_dir().join(format!("confab-crowd-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    step("writing 300,000 people");
    measure(Command::new(root().join("target/serve/examples/crowd")).arg(&data).arg("300000"))?;
    let server = TestServer::start_built_on("serve", data, &[])?;
    step(&format!("measuring on {} core(s)", cores()));
    measure(Command::new(root().join("target/serve/confab-bench")).args([
        "--url",
        &format!("http://127.0.0.1:{}", server.port),
        "--crowd",
    ]))
}

/// `--postgres`: the same load against one instance whose store is PostgreSQL (a server of its
/// own, commits waiting for the disk as SQLite's do), to compare with one instance on SQLite.
fn run_on_postgres(quick: bool) -> Result {
    step("building the load generator (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    let postgres = crate::postgres::Postgres::start(crate::postgres::Durability::Fsync)?;
    let database = postgres.create_database("bench")?;
    let server =
        TestServer::start_built("serve", "bench-pg", &["--max-sockets", "20000", "--database-url", &database])?;
    step(&format!(
        "measuring one instance on PostgreSQL on {} core(s){}",
        cores(),
        if quick { " (quick)" } else { "" }
    ));
    let mut cmd = Command::new(root().join("target/serve/confab-bench"));
    cmd.args(["--url", &format!("http://127.0.0.1:{}", server.port), "--pid", &server.pid().to_string()]);
    if quick {
        cmd.arg("--quick");
    }
    measure(&mut cmd)
}

/// `--cluster`: the same load through nginx in front of two instances on PostgreSQL and a NATS
/// bus (one machine), to compare with one instance.
fn run_on_cluster(quick: bool) -> Result {
    crate::build_web()?;
    step("building the load generator and the server (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    crate::build_server("serve")?;
    let limits = [&crate::e2e::LIFTED_LIMITS[..], &["--max-sockets", "20000"]].concat();
    let cluster = crate::cluster::start("serve", &limits, crate::postgres::Durability::Fsync)?;
    step(&format!(
        "measuring through nginx and two instances on {} core(s){}",
        cores(),
        if quick { " (quick)" } else { "" }
    ));
    let mut cmd = Command::new(root().join("target/serve/confab-bench"));
    cmd.args(["--url", &cluster.url]);
    if quick {
        cmd.arg("--quick");
    }
    measure(&mut cmd)
}
