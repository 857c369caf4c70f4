//! `cargo xtask cluster`: Confab as several instances, the way a team that outgrows one machine
//! runs it — one PostgreSQL database and a NATS bus shared by two confab-server processes, and
//! nginx in front of them (WebSocket upgrades passed through, no sticky sessions), everything in
//! temporary directories on free ports, stopped together with Ctrl+C. The instances share the
//! files directory. `docs/DEPLOY.md` describes the same topology across machines.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::e2e::free_port;
use crate::postgres::{Durability, Postgres};
use crate::{root, server_binary, step, tools, Result};

/// The processes of a running cluster; all stopped when it is dropped.
pub struct Cluster {
    pub url: String,
    /// Each instance's own address (to pin a browser to one).
    pub instances: Vec<String>,
    /// The database both instances use.
    pub database_url: String,
    children: Vec<Child>,
    dir: PathBuf,
    /// Stopped after the instances (fields drop after `Drop::drop`).
    _postgres: Option<Postgres>,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        // SIGTERM first: nginx's master then takes its workers with it (SIGKILL would leave
        // them running, holding the port), and the instances stop cleanly.
        for child in self.children.iter_mut().rev() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(12);
            while Instant::now() < deadline && matches!(child.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn wait_for_port(port: u16, what: &str) -> Result {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!("{what} did not start on port {port}"))
}

fn spawn(cmd: &mut Command, what: &str) -> Result<Child> {
    cmd.stdout(Stdio::null()).spawn().map_err(|e| format!("cannot start {what}: {e}"))
}

/// nginx in front of the instances: any instance may take any request, WebSockets included. A
/// browser holding the cookie `confab_instance=N` is pinned to instance N (the e2e suite pins
/// its two people to different instances); every answer says which instance gave it
/// (`X-Confab-Upstream`).
fn nginx_conf(dir: &Path, port: u16, upstreams: &[u16]) -> String {
    let servers: String = upstreams.iter().map(|p| format!("        server 127.0.0.1:{p};\n")).collect();
    let pinned: String = upstreams
        .iter()
        .enumerate()
        .map(|(i, p)| format!("    upstream confab_{n} {{ server 127.0.0.1:{p}; keepalive 8; }}\n", n = i + 1))
        .collect();
    let pins: String = (1..=upstreams.len()).map(|n| format!("        \"{n}\" confab_{n};\n")).collect();
    let d = dir.display();
    format!(
        "daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/nginx-body;
    proxy_temp_path {d}/nginx-proxy;
    fastcgi_temp_path {d}/nginx-fastcgi;
    uwsgi_temp_path {d}/nginx-uwsgi;
    scgi_temp_path {d}/nginx-scgi;
    upstream confab {{
{servers}        keepalive 32;
    }}
{pinned}    map $cookie_confab_instance $confab_upstream {{
        default confab;
{pins}    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' ''; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 26m;
        location / {{
            proxy_pass http://$confab_upstream;
            add_header X-Confab-Upstream $upstream_addr always;
            proxy_http_version 1.1;
            proxy_set_header Host $host;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            # Streamed assistant replies and WebSocket frames go out as they come.
            proxy_buffering off;
            proxy_read_timeout 1h;
        }}
    }}
}}
"
    )
}

/// Starts PostgreSQL, NATS, two instances (`profile` build, demo data) and nginx; returns once
/// all listen.
pub fn start(profile: &str, extra: &[&str], durability: Durability) -> Result<Cluster> {
    tools::ensure_cluster_packages()?;
    let dir = std::env::temp_dir().join(format!("confab-cluster-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).map_err(|e| e.to_string())?;
    let postgres = Postgres::start(durability)?;
    let database = postgres.create_database("confab")?;
    let mut cluster = Cluster {
        url: String::new(),
        instances: Vec::new(),
        database_url: database.clone(),
        children: Vec::new(),
        dir: dir.clone(),
        _postgres: Some(postgres),
    };

    let nats_port = free_port()?;
    let nats = spawn(
        Command::new(tools::nats_server()?)
            .args(["-a", "127.0.0.1", "-p", &nats_port.to_string()])
            .stderr(Stdio::null()),
        "nats-server",
    )?;
    cluster.children.push(nats);
    wait_for_port(nats_port, "nats-server")?;

    let secret = format!("{:x}{:x}", std::process::id(), Instant::now().elapsed().as_nanos() ^ 0x5eed);
    let mut ports = Vec::new();
    for i in 0..2 {
        let port = free_port()?;
        let mut cmd = Command::new(server_binary(profile));
        cmd.args(["--addr", &format!("127.0.0.1:{port}")])
            .arg("--data-dir")
            .arg(dir.join("data"))
            .args(["--static-dir", &root().join("dist").display().to_string()])
            .args(["--database-url", &database])
            .args(["--nats-url", &format!("nats://127.0.0.1:{nats_port}")])
            .args(["--file-url-key", &secret, "--trusted-proxies", "127.0.0.1"])
            .args(extra)
            .current_dir(root());
        // Demo accounts are made once, by the first instance.
        if i == 0 {
            cmd.arg("--demo");
        }
        cluster.children.push(spawn(&mut cmd, "confab-server")?);
        wait_for_port(port, "confab-server")?;
        cluster.instances.push(format!("http://127.0.0.1:{port}"));
        ports.push(port);
    }

    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, nginx_conf(&dir, port, &ports)).map_err(|e| e.to_string())?;
    let nginx =
        spawn(Command::new(tools::nginx()?).arg("-c").arg(&conf).arg("-p").arg(&dir).stderr(Stdio::null()), "nginx")?;
    cluster.children.push(nginx);
    wait_for_port(port, "nginx")?;
    cluster.url = format!("http://127.0.0.1:{port}");
    Ok(cluster)
}

/// `cargo xtask cluster`: builds, starts, prints the URL, runs until Ctrl+C.
pub fn run(extra: &[String]) -> Result {
    crate::build_web()?;
    crate::build_server("serve")?;
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let cluster = start("serve", &extra, Durability::Fsync)?;
    step("Confab is running as a cluster (Ctrl+C stops it)");
    println!("Confab (nginx in front of two instances on PostgreSQL and NATS) is at {}", cluster.url);
    for (i, url) in cluster.instances.iter().enumerate() {
        println!("  instance {}: {url}", i + 1);
    }
    println!("  database: {} (psql takes this URL)", cluster.database_url);
    println!("Sign in as alice, bob, carol, dave with the password 'confab-demo'");
    let (stop, stopped) = std::sync::mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = stop.send(());
    })
    .map_err(|e| format!("cannot wait for Ctrl+C: {e}"))?;
    let _ = stopped.recv();
    step("stopping the cluster");
    drop(cluster);
    Ok(())
}
