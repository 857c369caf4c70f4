//! `cargo xtask bench`: the release server on a free port with a fresh data dir, and the load
//! generator (`crates/bench`) run against it; prints one Markdown table.

use std::process::Command;

use crate::e2e::TestServer;
use crate::{cargo, root, sh, step, Result};

pub fn run(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--quick");
    step("building the load generator (release)");
    sh(cargo().args(["build", "-p", "confab-bench", "--profile", "serve"]))?;
    let server = TestServer::start_built(
        "serve",
        "bench",
        // The load comes from one address and opens a thousand sockets.
        &["--max-sockets", "20000"],
    )?;
    step(&format!("measuring Confab on {} core(s){}", cores(), if quick { " (quick)" } else { "" }));
    let mut cmd = Command::new(root().join("target/serve/confab-bench"));
    cmd.args(["--url", &format!("http://127.0.0.1:{}", server.port), "--pid", &server.pid().to_string()]);
    if quick {
        cmd.arg("--quick");
    }
    sh(&mut cmd)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}
