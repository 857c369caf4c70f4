//! `cargo xtask bench`: the release server on a free port with a fresh data dir, and the load
//! generator (`crates/bench`) run against it; prints one Markdown table.

use std::process::Command;

use crate::e2e::TestServer;
use crate::{cargo, root, sh, step, Result};

pub fn run(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    if args.iter().any(|a| a == "--cluster") {
        return run_on_cluster(quick);
    }
    if args.iter().any(|a| a == "--postgres") {
        return run_on_postgres(quick);
    }
    crate::build_web()?;
    crate::tools::ensure_e2e_packages()?;
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
    sh(&mut cmd)?;
    drop(peer);
    step("measuring the assistant's time to first token, directly and through Confab");
    sh(Command::new("node")
        .args(["bench/ttft.mjs", if quick { "50" } else { "500" }])
        .current_dir(root().join("e2e"))
        .env("CONFAB_URL", format!("http://127.0.0.1:{}", server.port))
        .env("CONFAB_MODEL_URL", &model.url))?;
    step("measuring the app in Chromium (cold load, a long thread)");
    let (messages, pushes) = if quick { ("300", "5") } else { ("10000", "30") };
    sh(Command::new("node")
        .args(["bench/probe.mjs", messages, pushes])
        .current_dir(root().join("e2e"))
        .env("CONFAB_URL", format!("http://127.0.0.1:{}", server.port)))
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
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
    sh(&mut cmd)
}

/// `--cluster`: the same load through nginx in front of two instances on PostgreSQL and a NATS
/// bus (one machine), to compare with one instance.
fn run_on_cluster(quick: bool) -> Result {
    crate::build_web()?;
    step("building the load generator and the server (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    crate::build_server("serve")?;
    let limits = ["--max-sockets", "20000", "--register-per-ip", "100000/0.001", "--login-per-ip", "100000/0.001"];
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
    sh(&mut cmd)
}
