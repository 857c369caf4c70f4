//! Installs what the build and tests need, only when it is missing.

use std::process::Command;

use crate::{cargo, root, sh, step, Result};

const TRUNK_VERSION: &str = "0.21.14";
/// wasm_split_cli_support's `wasm-split-cli`: cuts the release wasm at its split point (src/signed_in.rs).
const WASM_SPLIT_VERSION: &str = "0.2.4";

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn cargo_bin(name: &str) -> String {
    match std::env::var("CARGO_HOME").or_else(|_| std::env::var("HOME").map(|h| format!("{h}/.cargo"))) {
        Ok(home) if std::path::Path::new(&format!("{home}/bin/{name}")).exists() => format!("{home}/bin/{name}"),
        _ => name.to_string(),
    }
}

pub fn trunk() -> String {
    cargo_bin("trunk")
}

pub fn wasm_split_cli() -> String {
    cargo_bin("wasm-split-cli")
}

pub fn wasm_bindgen() -> String {
    cargo_bin("wasm-bindgen")
}

pub fn chromedriver() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// The wasm-bindgen version in Cargo.lock; the CLI must equal it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

fn apt_install(packages: &[&str]) -> Result {
    let is_root = output("id", &["-u"]).as_deref() == Some("0");
    if !is_root {
        return Err(format!(
            "please install {} (Debian: apt-get install -y {})",
            packages.join(", "),
            packages.join(" ")
        ));
    }
    step(&format!("installing {} with apt-get", packages.join(", ")));
    sh(Command::new("apt-get").args(["update", "-qq"]))?;
    sh(Command::new("apt-get").args(["install", "-y", "-qq"]).args(packages).env("DEBIAN_FRONTEND", "noninteractive"))
}

/// wasm32 target, trunk, wasm-bindgen-cli (= Cargo.lock), wasm-opt.
pub fn ensure_web() -> Result {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == "wasm32-unknown-unknown") {
        step("adding the wasm32-unknown-unknown target");
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    if !output(&trunk(), &["--version"]).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        step(&format!("installing trunk {TRUNK_VERSION} (a few minutes, once)"));
        sh(cargo().args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]))?;
    }
    // It prints no version: cargo's list of what it installed says which one is there.
    let installed = cargo()
        .args(["install", "--list"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if !installed.contains(&format!("wasm_split_cli_support v{WASM_SPLIT_VERSION}:"))
        || output(&wasm_split_cli(), &["--help"]).is_none()
    {
        step(&format!("installing wasm-split-cli {WASM_SPLIT_VERSION} (a minute, once)"));
        sh(cargo().args([
            "install",
            "--locked",
            "--force",
            "wasm_split_cli_support",
            "--version",
            WASM_SPLIT_VERSION,
            "--features",
            "build-binary",
        ]))?;
    }
    let wanted = locked_wasm_bindgen()?;
    let have = output(&wasm_bindgen(), &["--version"]).unwrap_or_default();
    let runner = output(&cargo_bin("wasm-bindgen-test-runner"), &["--version"]).unwrap_or_default();
    if !have.ends_with(&wanted) || !runner.ends_with(&wanted) {
        step(&format!("installing wasm-bindgen-cli {wanted} (must equal Cargo.lock)"));
        // Not --locked: the registry copy here lacks one of its locked dependencies.
        sh(cargo().args(["install", "--force", "wasm-bindgen-cli", "--version", &wanted]))?;
    }
    ensure_npm_packages(&root().join("tools/web"), "binaryen")?;
    Ok(())
}

/// PATH with the project's npm tools (wasm-opt 132) first, for trunk.
pub fn tool_path() -> String {
    let bin = root().join("tools/web/node_modules/.bin");
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default())
}

/// `npm ci` in `dir` unless `probe` is already installed there.
fn ensure_npm_packages(dir: &std::path::Path, probe: &str) -> Result {
    if output("npm", &["--version"]).is_none() {
        apt_install(&["nodejs", "npm"])?;
    }
    if !dir.join("node_modules").join(probe).exists() {
        step(&format!("installing npm packages in {}", dir.strip_prefix(root()).unwrap_or(dir).display()));
        sh(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    }
    Ok(())
}

/// Chromium and ChromeDriver from Debian (no browser download), and fonts with Chinese
/// glyphs and emoji so that screenshots show what people see.
pub fn ensure_browser() -> Result {
    let missing_browser = !std::path::Path::new("/usr/bin/chromium").exists();
    let missing_driver = !std::path::Path::new(&chromedriver()).exists();
    let missing_fonts = !std::path::Path::new("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc").exists()
        || !std::path::Path::new("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf").exists();
    if missing_browser || missing_driver || missing_fonts {
        apt_install(&["chromium", "chromium-driver", "fonts-wqy-microhei", "fonts-noto-color-emoji"])?;
    }
    Ok(())
}

fn first_existing(paths: &[&str]) -> Option<String> {
    paths.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

/// Debian's nats-server.
pub fn nats_server() -> Result<String> {
    first_existing(&["/usr/sbin/nats-server", "/usr/bin/nats-server"])
        .ok_or_else(|| "nats-server is not installed".into())
}

/// Debian's nginx.
pub fn nginx() -> Result<String> {
    first_existing(&["/usr/sbin/nginx", "/usr/bin/nginx"]).ok_or_else(|| "nginx is not installed".into())
}

/// NATS for the server suite's cluster test (two instances on one bus), from Debian's packages.
pub fn ensure_nats() -> Result {
    if nats_server().is_err() {
        apt_install(&["nats-server"])?;
    }
    Ok(())
}

/// The directory of Debian's PostgreSQL programs (initdb, postgres, pg_isready), newest version.
pub fn postgres_bin() -> Result<std::path::PathBuf> {
    let mut found: Vec<std::path::PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| "PostgreSQL is not installed".to_string())?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    found.sort_by_key(|p| p.parent().and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok()).unwrap_or(0));
    found.pop().ok_or_else(|| "PostgreSQL is not installed".into())
}

/// PostgreSQL for the server suite's second run and the cluster, from Debian's packages.
pub fn ensure_postgres() -> Result {
    if postgres_bin().is_err() {
        apt_install(&["postgresql"])?;
    }
    Ok(())
}

/// What `cargo xtask cluster` runs besides Confab: NATS between the instances, nginx in front.
pub fn ensure_cluster_packages() -> Result {
    ensure_nats()?;
    ensure_postgres()?;
    if nginx().is_err() {
        apt_install(&["nginx"])?;
    }
    Ok(())
}

/// The e2e suite's npm packages (Playwright without its browser download, axe-core).
pub fn ensure_e2e_packages() -> Result {
    ensure_npm_packages(&root().join("e2e"), "@axe-core/playwright")
}
