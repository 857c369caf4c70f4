use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Server settings; the command line fills them (see main.rs), tests build them directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub addr: SocketAddr,
    pub data_dir: PathBuf,
    /// Built web app to serve at `/` (index.html fallback for app routes); skipped if missing.
    pub static_dir: Option<PathBuf>,
    pub max_upload_bytes: u64,
    pub recall_window: Duration,
    /// How long a signed file URL stays valid.
    pub file_url_ttl: Duration,
    /// How long per-user events are kept for reconnect catch-up.
    pub event_retention: Duration,
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
            file_url_ttl: Duration::from_secs(24 * 3600),
            event_retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}
