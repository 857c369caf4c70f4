use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;
use confab_server::config::{Rate, RateLimits, SocketLimits};
use confab_server::{demo, Config};

/// Confab chat server: REST + WebSocket API over SQLite, and the built web app.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "CONFAB_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Where the database and uploaded files live.
    #[arg(long, env = "CONFAB_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    /// The built web app to serve at `/`.
    #[arg(long, env = "CONFAB_STATIC_DIR", default_value = "dist")]
    static_dir: PathBuf,
    /// Create demo accounts and conversations (once) and print how to sign in.
    #[arg(long)]
    demo: bool,
    /// Largest upload, in bytes.
    #[arg(long, env = "CONFAB_MAX_UPLOAD_BYTES", default_value_t = confab_api::DEFAULT_MAX_UPLOAD_BYTES)]
    max_upload_bytes: u64,
    /// Seconds during which a sender may recall a message.
    #[arg(long, env = "CONFAB_RECALL_WINDOW_SECS", default_value_t = confab_api::DEFAULT_RECALL_WINDOW_SECS as u64)]
    recall_window_secs: u64,
    /// Seconds during which a sender may edit a text message.
    #[arg(long, env = "CONFAB_EDIT_WINDOW_SECS", default_value_t = confab_api::DEFAULT_EDIT_WINDOW_SECS as u64)]
    edit_window_secs: u64,
    /// Bearer token a Prometheus scraper presents to read /metrics from another machine
    /// (without it, /metrics answers only this machine).
    #[arg(long, env = "CONFAB_METRICS_TOKEN")]
    metrics_token: Option<String>,
    /// PostgreSQL database shared by several instances (postgres://user:password@host/db);
    /// without it, SQLite in the data dir.
    #[arg(long, env = "CONFAB_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// NATS server shared by several instances for live events (e.g. nats://127.0.0.1:4222).
    #[arg(long, env = "CONFAB_NATS_URL")]
    nats_url: Option<String>,
    /// Secret that signs file links; give every instance of a cluster the same one.
    #[arg(long, env = "CONFAB_FILE_URL_KEY", hide_env_values = true)]
    file_url_key: Option<String>,
    /// Where file contents go: s3://bucket/prefix (settings from the AWS_* environment
    /// variables: AWS_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
    /// AWS_ALLOW_HTTP) or file:///shared/dir; without it, files/ in the data dir.
    #[arg(long, env = "CONFAB_FILE_STORE_URL")]
    file_store_url: Option<String>,
    /// Addresses of reverse proxies in front of this server, comma-separated; their
    /// X-Forwarded-For tells the client's address (for per-address limits).
    #[arg(long, env = "CONFAB_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Sign-in attempts per client address, as BURST/SECONDS (BURST at once, then one per SECONDS).
    #[arg(long, env = "CONFAB_LOGIN_PER_IP", default_value = "20/3", value_parser = Rate::parse)]
    login_per_ip: Rate,
    /// Sign-in attempts per account, from anywhere, as BURST/SECONDS.
    #[arg(long, env = "CONFAB_LOGIN_PER_ACCOUNT", default_value = "5/20", value_parser = Rate::parse)]
    login_per_account: Rate,
    /// New accounts per client address, as BURST/SECONDS.
    #[arg(long, env = "CONFAB_REGISTER_PER_IP", default_value = "10/60", value_parser = Rate::parse)]
    register_per_ip: Rate,
    /// Uploads per client address, as BURST/SECONDS.
    #[arg(long, env = "CONFAB_UPLOAD_PER_IP", default_value = "60/1", value_parser = Rate::parse)]
    upload_per_ip: Rate,
    /// Messages sent per account (each copy of a forward counts), as BURST/SECONDS.
    #[arg(long, env = "CONFAB_SEND_PER_ACCOUNT", default_value = "100/0.1", value_parser = Rate::parse)]
    send_per_account: Rate,
    /// Changes per account (every signed-in POST, PUT, PATCH and DELETE), as BURST/SECONDS.
    #[arg(long, env = "CONFAB_WRITE_PER_ACCOUNT", default_value = "300/0.02", value_parser = Rate::parse)]
    write_per_account: Rate,
    /// Days a sign-in lasts without being used.
    #[arg(long, env = "CONFAB_TOKEN_IDLE_DAYS", default_value_t = 30)]
    token_idle_days: u64,
    /// Bytes of uploads one person may keep.
    #[arg(long, env = "CONFAB_STORAGE_QUOTA_BYTES", default_value_t = 2 * 1024 * 1024 * 1024)]
    storage_quota_bytes: u64,
    /// Open WebSockets per person.
    #[arg(long, env = "CONFAB_MAX_SOCKETS_PER_USER", default_value_t = 16)]
    max_sockets_per_user: usize,
    /// Most members a group may have, its owner included.
    #[arg(long, env = "CONFAB_MAX_GROUP_MEMBERS", default_value_t = 500)]
    max_group_members: usize,
    /// Open WebSockets in all.
    #[arg(long, env = "CONFAB_MAX_SOCKETS", default_value_t = 10_000)]
    max_sockets: usize,
    /// API requests handled at once; more get 503 with Retry-After at once.
    #[arg(long, env = "CONFAB_MAX_IN_FLIGHT", default_value_t = 1024)]
    max_in_flight: usize,
    /// Milliseconds a send may expect to wait for the database writer; beyond, 503 with
    /// Retry-After at once (a burst of up to 64 sends is always taken).
    #[arg(long, env = "CONFAB_MAX_SEND_WAIT_MS", default_value_t = 10)]
    max_send_wait_ms: u64,
    /// With SQLite on Linux, keep the writer of sends and its SQLite thread on one CPU (the
    /// fastest this process may use), so that each of their hand-overs is not a wake-up across
    /// CPUs.
    #[arg(long, env = "CONFAB_PIN_WRITER", default_value_t = true, action = clap::ArgAction::Set)]
    pin_writer: bool,
    /// The assistant's model: an OpenAI-compatible base URL, e.g. http://127.0.0.1:11434/v1
    /// (Ollama) or http://127.0.0.1:8080/v1 (llama.cpp's server); `/chat/completions` is appended.
    /// Without it the assistant says how to connect one.
    #[arg(long, env = "CONFAB_AI_URL")]
    ai_url: Option<String>,
    /// The model name sent with each request (Ollama needs it, e.g. `qwen2.5:7b`).
    #[arg(long, env = "CONFAB_AI_MODEL", default_value = "default")]
    ai_model: String,
    /// API key for the model server, sent as a Bearer token.
    #[arg(long, env = "CONFAB_AI_KEY", hide_env_values = true)]
    ai_key: Option<String>,
    /// System prompt sent first with every request.
    #[arg(long, env = "CONFAB_AI_SYSTEM_PROMPT")]
    ai_system_prompt: Option<String>,
    /// Characters of a session's earlier turns sent with each request (oldest dropped first).
    #[arg(long, env = "CONFAB_AI_CONTEXT_CHARS", default_value_t = 24_000)]
    ai_context_chars: usize,
    /// Replies one person may have streaming at once.
    #[arg(long, env = "CONFAB_AI_STREAMS_PER_PERSON", default_value_t = 3)]
    ai_streams_per_person: usize,
    /// Seconds to wait for the model's first and each next piece before the reply fails.
    #[arg(long, env = "CONFAB_AI_IDLE_TIMEOUT_SECS", default_value_t = 120)]
    ai_idle_timeout_secs: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "confab_server=info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    let mut config = Config::new(args.addr, args.data_dir);
    config.static_dir = Some(args.static_dir);
    config.max_upload_bytes = args.max_upload_bytes;
    config.recall_window = Duration::from_secs(args.recall_window_secs);
    config.edit_window = Duration::from_secs(args.edit_window_secs);
    config.metrics_token = args.metrics_token.filter(|t| !t.is_empty());
    config.database_url = args.database_url.filter(|u| !u.is_empty());
    config.nats_url = args.nats_url.filter(|u| !u.is_empty());
    config.file_url_key = args.file_url_key.filter(|k| !k.is_empty());
    config.file_store_url = args.file_store_url.filter(|u| !u.is_empty());
    config.file_store_options =
        std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
    config.trusted_proxies = args.trusted_proxies;
    config.rates = RateLimits {
        login_per_ip: args.login_per_ip,
        login_per_account: args.login_per_account,
        register_per_ip: args.register_per_ip,
        upload_per_ip: args.upload_per_ip,
        send_per_account: args.send_per_account,
        write_per_account: args.write_per_account,
    };
    config.token_idle_ttl = Duration::from_secs(args.token_idle_days.max(1) * 24 * 3600);
    config.storage_quota_bytes = args.storage_quota_bytes;
    config.max_group_members = args.max_group_members.max(2);
    config.max_in_flight = args.max_in_flight.max(1);
    config.max_send_wait = Duration::from_millis(args.max_send_wait_ms);
    config.pin_writer = args.pin_writer;
    config.ai.url = args.ai_url;
    config.ai.model = args.ai_model;
    config.ai.key = args.ai_key;
    config.ai.system_prompt = args.ai_system_prompt;
    config.ai.context_chars = args.ai_context_chars;
    config.ai.streams_per_person = args.ai_streams_per_person.max(1);
    config.ai.idle_timeout = Duration::from_secs(args.ai_idle_timeout_secs.max(1));
    config.sockets = SocketLimits { per_user: args.max_sockets_per_user.max(1), total: args.max_sockets.max(1) };

    let server = confab_server::spawn(config).await?;
    if args.demo && demo::seed(&server.state).await? {
        tracing::info!("demo data created");
    }
    let url = format!("http://{}", server.addr);
    println!("Confab is running at {url}");
    if args.demo {
        let names: Vec<&str> = demo::DEMO_USERS.iter().map(|(n, _)| *n).collect();
        println!("Sign in as {} with the password '{}'", names.join(", "), demo::DEMO_PASSWORD);
    }
    shutdown_signal().await;
    println!("Stopping: finishing requests in flight and closing the database…");
    server.stop().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
