//! `cargo xtask run | dev | test | dist`: the project's set-up and orchestration, in Rust.
//! Every command first installs what is missing (wasm target, trunk, wasm-bindgen-cli,
//! wasm-opt, Chromium and ChromeDriver, the e2e npm packages), so a fresh machine with
//! only the Rust toolchain works.

mod bench;
mod budget;
mod cluster;
mod e2e;
mod postgres;
mod s3;
mod schemathesis;
mod split;
mod synapse;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    if split::is_wrapper() {
        return split::wrapper();
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("dev") => dev(),
        Some("test") => test(&args[1..]),
        Some("dist") => dist(),
        Some("bench") => bench::run(&args[1..]),
        Some("cluster") => cluster::run(&args[1..]),
        Some("e2e-cluster") => e2e::run_on_cluster(),
        _ => {
            eprintln!("usage: cargo xtask <run [server options] | dev | test [--no-e2e] | dist | bench [--quick] [--no-peer] [--cluster | --postgres | --crowd] | cluster [server options]>");
            eprintln!("  run   build the web app and server (release), start with demo accounts, print the URL");
            eprintln!("  dev   server with demo data + `trunk serve` with live reload (for designers)");
            eprintln!("  test  every suite: server and API tests, wasm-bindgen-test in Chromium, size budget, e2e");
            eprintln!("  dist  release build of the web app (dist/) and the server");
            eprintln!("  bench throughput, delivery latency, fan-out and memory of the release server (crates/bench)");
            eprintln!(
                "  cluster  PostgreSQL + NATS + two server instances + nginx in front, on free ports; prints the URL"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives in the workspace").to_path_buf()
}

/// A run from a fresh clone writes about 9 GB (the debug, wasm and release builds, the test
/// databases); on a fuller disk it fails late and obscurely (SQLite's "database or disk is full"
/// in whichever test comes first), so say so at the start.
fn disk_check() {
    const NEEDED_GB: u64 = 10;
    let out = Command::new("df").args(["-Pk"]).arg(root()).output();
    let free_kb = out.ok().and_then(|o| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        text.lines().nth(1)?.split_whitespace().nth(3)?.parse::<u64>().ok()
    });
    if let Some(kb) = free_kb {
        let gb = kb as f64 / 1024.0 / 1024.0;
        eprintln!("xtask: {gb:.1} GB free on the disk holding {}", root().display());
        if kb < NEEDED_GB * 1024 * 1024 {
            eprintln!(
                "xtask: WARNING: a run from a fresh clone needs about {NEEDED_GB} GB; with {gb:.1} GB \
                 free, builds or test databases may fail with \"disk is full\""
            );
        }
    }
}

pub fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// Runs a command to completion in the workspace root, failing on a non-zero exit.
pub fn sh(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    let status = cmd.current_dir_if_unset().status().map_err(|e| format!("cannot start {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

trait CurrentDir {
    fn current_dir_if_unset(&mut self) -> &mut Self;
}

impl CurrentDir for Command {
    fn current_dir_if_unset(&mut self) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(root());
        }
        self
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Release build of the web app into dist/, installing the tools first.
pub fn build_web() -> Result {
    tools::ensure_web()?;
    trunk_build()
}

/// Release build of the web app into dist/ (the tools are already there).
fn trunk_build() -> Result {
    step("building the web app (trunk, release)");
    let mut trunk = Command::new(tools::trunk());
    trunk.args(["build", "--release", "--offline"]);
    split::prepare(&mut trunk, &wasm_flags(), &tools::wasm_bindgen(), &tools::tool_path())?;
    sh(&mut trunk)?;
    split::place(&root().join("dist"))?;
    budget::precompress()
}

/// The wasm build's flags: `.cargo/config.toml`'s, plus path remapping for this machine (the
/// source paths embedded in the wasm become short and the same on every machine).
pub fn wasm_env(cmd: &mut Command) -> &mut Command {
    cmd.env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", wasm_flags())
}

fn wasm_flags() -> String {
    let cargo_home = std::env::var("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cargo"));
    format!(
        "--cfg erase_components --remap-path-prefix {}/registry/src/= --remap-path-prefix {}/=",
        cargo_home.display(),
        root().display()
    )
}

pub fn build_server(profile: &str) -> Result {
    step(&format!("building confab-server ({profile})"));
    sh(cargo().args(["build", "-p", "confab-server", "--profile", profile]))
}

pub fn server_binary(profile: &str) -> PathBuf {
    let dir = if profile == "dev" { "debug" } else { profile };
    let target = std::env::var("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|_| root().join("target"));
    target.join(dir).join("confab-server")
}

/// Builds and serves the app; further arguments go to confab-server (e.g. `--ai-url …`).
fn run(server_args: &[String]) -> Result {
    build_web()?;
    build_server("serve")?;
    step("starting Confab (Ctrl+C stops it)");
    let addr = std::env::var("CONFAB_ADDR").unwrap_or_else(|_| "127.0.0.1:8080".into());
    sh(Command::new(server_binary("serve"))
        .args(["--addr", &addr, "--data-dir", "data", "--static-dir", "dist", "--demo"])
        .args(server_args))
}

fn dev() -> Result {
    tools::ensure_web()?;
    build_server("dev")?;
    step("starting the API server on 127.0.0.1:8081 and trunk serve on http://127.0.0.1:8080");
    let mut server: Child = Command::new(server_binary("dev"))
        .args(["--addr", "127.0.0.1:8081", "--data-dir", "data", "--demo"])
        .current_dir(root())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let result = sh(wasm_env(&mut Command::new(tools::trunk())).args([
        "serve",
        "--offline",
        "--address",
        "127.0.0.1",
        "--port",
        "8080",
    ]));
    let _ = server.kill();
    result
}

fn dist() -> Result {
    build_web()?;
    build_server("serve")?;
    budget::report()?;
    eprintln!("\nweb app in dist/, server at {}", server_binary("serve").display());
    Ok(())
}

fn test(args: &[String]) -> Result {
    let e2e = !args.iter().any(|a| a == "--no-e2e");
    let started = std::time::Instant::now();
    disk_check();

    step("formatting and lints (cargo fmt --check, cargo clippy -D warnings, host and wasm32)");
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    sh(cargo().args([
        "clippy",
        "-p",
        "confab-api",
        "-p",
        "confab-server",
        "-p",
        "confab-bench",
        "-p",
        "xtask",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;

    tools::ensure_nats()?;
    step("server and API tests (cargo test)");
    sh(cargo().args(["test", "-p", "confab-api", "-p", "confab-server", "-p", "confab-bench", "-p", "xtask"]))?;
    step("the server suite again, on PostgreSQL and an S3 bucket (servers of their own, on free ports)");
    let pg = postgres::Postgres::start(postgres::Durability::NoFsync)?;
    let s3 = s3::S3::start()?;
    sh(cargo()
        .args(["test", "-p", "confab-server", "--test", "server"])
        .env("CONFAB_TEST_POSTGRES", &pg.admin_url)
        .env("CONFAB_TEST_S3", &s3.endpoint))?;
    drop((pg, s3));
    schemathesis::run()?;

    tools::ensure_web()?;
    sh(wasm_env(&mut cargo()).args([
        "clippy",
        "-p",
        "confab",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        // With the release build's `split` (the other side of its cfgs is built by the tests).
        "--all-features",
        "--",
        "-D",
        "warnings",
    ]))?;
    tools::ensure_browser()?;
    step("web app tests (wasm-bindgen-test in headless Chromium)");
    sh(wasm_env(&mut cargo())
        .args(["test", "-p", "confab", "--target", "wasm32-unknown-unknown"])
        .env("CHROMEDRIVER", tools::chromedriver())
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;

    trunk_build()?;
    step("size budget of the release build");
    budget::check()?;

    if e2e {
        e2e::run()?;
        e2e::run_on_cluster()?;
    }
    eprintln!("\nall suites passed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}
