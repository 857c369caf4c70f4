use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

pub use crate::hub::SocketLimits;
pub use crate::service::passwords::HashingLimits;

/// Server settings; the command line fills them (see main.rs), tests build them directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// Built web app to serve at `/` (index.html fallback for app routes); skipped if missing.
    pub static_dir: Option<PathBuf>,
    pub max_upload_bytes: u64,
    pub recall_window: Duration,
    /// How long after sending a text message its sender may edit it.
    pub edit_window: Duration,
    /// A scraper presenting this bearer token may read `/metrics` from anywhere (without it,
    /// only this machine may).
    pub metrics_token: Option<String>,
    /// A PostgreSQL database (`postgres://…`) instead of SQLite in `data_dir`, for several
    /// instances to share.
    pub database_url: Option<String>,
    /// The NATS server several instances share for live events (`nats://host:4222`); without it
    /// events go from this process's changes to its own sockets only.
    pub nats_url: Option<String>,
    /// The secret file links are signed with, shared by every instance of a cluster (without
    /// it, a random key kept in the data dir).
    pub file_url_key: Option<String>,
    /// Where file contents go: `s3://bucket/prefix` (an S3-compatible bucket) or
    /// `file:///shared/dir` (a directory several instances mount); without it, `files/` in the
    /// data dir.
    pub file_store_url: Option<String>,
    /// The bucket's settings (`aws_endpoint`, `aws_access_key_id`, `aws_allow_http`, …; from
    /// the `AWS_*` environment variables).
    pub file_store_options: Vec<(String, String)>,
    /// Reverse proxies (nginx in front of a cluster) whose `X-Forwarded-For` gives the client's
    /// address; none by default.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a signed file URL stays valid.
    pub file_url_ttl: Duration,
    /// How long per-user events are kept for reconnect catch-up.
    pub event_retention: Duration,
    /// A sign-in token expires after this long without use (sliding).
    pub token_idle_ttl: Duration,
    /// Password hashing: workers and queue.
    pub hashing: HashingLimits,
    /// Request rates per client address and per account.
    pub rates: RateLimits,
    /// WebSockets per person and in all.
    pub sockets: SocketLimits,
    /// Bytes of uploads one person may keep.
    pub storage_quota_bytes: u64,
    /// Uploads never sent in a message are erased after this long.
    pub unsent_upload_ttl: Duration,
    /// A client must send its request headers within this time (also closes idle keep-alive connections).
    pub header_read_timeout: Duration,
    /// A request body must make progress within this time.
    pub body_idle_timeout: Duration,
    /// A graceful stop waits at most this long for requests in flight.
    pub shutdown_deadline: Duration,
    /// Most members a group may have, its owner included.
    pub max_group_members: usize,
    /// API requests being handled at once at most; beyond, a fast 503 (a burst cannot pile up
    /// connections and memory in front of the writer).
    pub max_in_flight: usize,
    /// A send that would wait longer than this for the writer (by the queue ahead of it and the
    /// writer's recent pace) is answered 503 with `Retry-After` at once, so that under overload the
    /// sends taken are delivered quickly instead of all of them waiting behind a standing queue.
    pub max_send_wait: Duration,
    /// SQLite: the writer of sends and its connection's SQLite thread kept on one CPU (Linux),
    /// so that their many hand-overs a batch are not wake-ups across CPUs, and the writer not
    /// preempting its SQLite thread there (`store::pinning`).
    /// The command line turns it on; tests, many servers to a process, leave it off.
    pub pin_writer: bool,
    /// A page of message search looks at most at this many of the full-text index's matches
    /// (newest first, below its cursor), whatever the viewer may see of them: a word common in
    /// other people's conversations costs a page no more than one common in the viewer's own.
    /// A page cut there says where to go on (`nextBeforeMessageId`).
    pub search_scan: i64,
    /// The assistant's model endpoint and limits.
    pub ai: AiConfig,
}

/// The assistant: an OpenAI-compatible endpoint, and how much of it one person may use.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// Base URL as OpenAI clients take it (`http://127.0.0.1:11434/v1`); None: no assistant.
    pub url: Option<String>,
    pub model: String,
    /// Sent as `Authorization: Bearer …` when set.
    pub key: Option<String>,
    pub system_prompt: Option<String>,
    /// Characters of earlier turns sent with each request (oldest dropped first).
    pub context_chars: usize,
    /// Replies one person may have streaming at once.
    pub streams_per_person: usize,
    /// Replies streaming at once on this server.
    pub streams_total: usize,
    /// Connecting to the model server.
    pub connect_timeout: Duration,
    /// Longest wait for the model's answer to start, and then for each next piece.
    pub idle_timeout: Duration,
    /// Longest a reply may take in all.
    pub max_reply_time: Duration,
    /// Longest reply kept, in bytes; the model is stopped there.
    pub max_reply_bytes: usize,
    pub sessions_per_person: i64,
    pub messages_per_session: i64,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig {
            url: None,
            model: "default".into(),
            key: None,
            system_prompt: None,
            context_chars: 24_000,
            streams_per_person: 3,
            streams_total: 256,
            connect_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(120),
            max_reply_time: Duration::from_secs(600),
            max_reply_bytes: 256 * 1024,
            sessions_per_person: 1000,
            messages_per_session: 2000,
        }
    }
}

/// A token bucket: `burst` requests at once, then one more each `every`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    pub const fn new(burst: u32, every: Duration) -> Rate {
        Rate { burst, every }
    }
    /// Parses `BURST/SECONDS`, e.g. `10/60`: ten at once, then one a minute.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let (burst, secs) = s.split_once('/').ok_or("expected BURST/SECONDS, e.g. 10/60")?;
        let burst: u32 = burst.trim().parse().map_err(|_| "BURST must be a whole number")?;
        let secs: f64 = secs.trim().parse().map_err(|_| "SECONDS must be a number")?;
        if burst == 0 || !(secs > 0.0 && secs < 1e9) {
            return Err("BURST and SECONDS must be positive".into());
        }
        Ok(Rate::new(burst, Duration::from_secs_f64(secs)))
    }
    /// No practical limit (tests and benchmarks that make many accounts from one address).
    pub const UNLIMITED: Rate = Rate::new(1_000_000, Duration::from_millis(1));
}

#[derive(Debug, Clone, Copy)]
pub struct RateLimits {
    /// Sign-in attempts from one client address.
    pub login_per_ip: Rate,
    /// Sign-in attempts on one account, from anywhere.
    pub login_per_account: Rate,
    /// Accounts created from one client address.
    pub register_per_ip: Rate,
    /// Uploads from one client address.
    pub upload_per_ip: Rate,
    /// Messages one account sends (each copy of a forward counts): registration is open, so
    /// without it one account could fill the disk and the send queue at the writer's full speed.
    pub send_per_account: Rate,
    /// Changes one account asks for — every POST, PUT, PATCH and DELETE signed in (and every
    /// call of the OpenIM and Yunhu APIs, which are all POST): edits, reactions, groups, reads…
    /// each is a write to the one database.
    pub write_per_account: Rate,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            login_per_ip: Rate::new(20, Duration::from_secs(3)),
            login_per_account: Rate::new(5, Duration::from_secs(20)),
            register_per_ip: Rate::new(10, Duration::from_secs(60)),
            upload_per_ip: Rate::new(60, Duration::from_secs(1)),
            // A hundred at once (an outbox flushed after a while offline, a forward), then ten a
            // second: far beyond anyone typing, and 0.2 % of what the writer can take.
            send_per_account: Rate::new(100, Duration::from_millis(100)),
            // Three hundred at once, then fifty a second: no one clicks that fast.
            write_per_account: Rate::new(300, Duration::from_millis(20)),
        }
    }
}

impl Config {
    /// Defaults for a server on `addr` keeping its data in `data_dir`.
    pub fn new(addr: SocketAddr, data_dir: impl Into<PathBuf>) -> Config {
        Config {
            addr,
            data_dir: data_dir.into(),
            static_dir: None,
            max_upload_bytes: confab_api::DEFAULT_MAX_UPLOAD_BYTES,
            recall_window: Duration::from_secs(confab_api::DEFAULT_RECALL_WINDOW_SECS as u64),
            edit_window: Duration::from_secs(confab_api::DEFAULT_EDIT_WINDOW_SECS as u64),
            metrics_token: None,
            database_url: None,
            nats_url: None,
            file_url_key: None,
            file_store_url: None,
            file_store_options: Vec::new(),
            trusted_proxies: Vec::new(),
            file_url_ttl: Duration::from_secs(24 * 3600),
            event_retention: Duration::from_secs(7 * 24 * 3600),
            token_idle_ttl: Duration::from_secs(30 * 24 * 3600),
            hashing: HashingLimits::default(),
            rates: RateLimits::default(),
            sockets: SocketLimits::default(),
            storage_quota_bytes: 2 * 1024 * 1024 * 1024,
            unsent_upload_ttl: Duration::from_secs(24 * 3600),
            header_read_timeout: Duration::from_secs(15),
            body_idle_timeout: Duration::from_secs(30),
            shutdown_deadline: Duration::from_secs(10),
            max_group_members: 500,
            max_in_flight: 1024,
            max_send_wait: Duration::from_millis(10),
            pin_writer: false,
            search_scan: 2_000,
            ai: AiConfig::default(),
        }
    }
}
