//! Confab's chat server: `routes/` (thin HTTP handlers) → `service/` (the rules) → `store/` (SQL),
//! with `hub` fanning events out to WebSocket connections.

pub mod ai;
pub mod config;
pub mod demo;
pub mod error;
pub mod hub;
pub mod metrics;
pub mod openapi;
pub mod routes;
mod serve;
pub mod service;
pub mod store;
mod time;

use std::net::SocketAddr;

use anyhow::Context;
use std::sync::Arc;

pub use config::Config;
use tokio::net::TcpListener;

/// Everything a request handler may touch: one shared [`Parts`], so the copy axum makes for
/// each extractor and middleware is one reference count, not one per part (~3 % of the server's
/// CPU per send went to cloning and dropping the parts one by one).
#[derive(Clone)]
pub struct AppState(Arc<Parts>);

impl std::ops::Deref for AppState {
    type Target = Parts;
    fn deref(&self) -> &Parts {
        &self.0
    }
}

impl AppState {
    /// The same server with other settings (tests: a shorter upload lifetime, say).
    pub fn with_config(&self, config: Config) -> AppState {
        AppState(Arc::new(Parts { config: Arc::new(config), ..Parts::clone(&self.0) }))
    }
}

/// The server's parts, shared by every request.
#[derive(Clone)]
pub struct Parts {
    pub config: Arc<Config>,
    pub store: store::Store,
    pub hub: Arc<hub::Hub>,
    pub files: Arc<service::files::FileStore>,
    pub passwords: Arc<service::passwords::PasswordHasher>,
    pub account_limits: Arc<service::rate_limits::AccountLimits>,
    pub address_limits: Arc<routes::limits::AddressLimits>,
    pub burner: Arc<service::burn::Burner>,
    pub sends: Arc<service::send_queue::SendQueue>,
    pub in_flight: Arc<tokio::sync::Semaphore>,
    pub assistant: Arc<service::assistant::Assistant>,
    pub departures: Arc<service::presence::Departures>,
}

impl AppState {
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
        metrics::handle();
        let store = store::Store::open(&config.data_dir, config.database_url.as_deref()).await?;
        let files = service::files::FileStore::open(&config)?;
        let hub = Arc::new(hub::Hub::new(config.sockets));
        let account_limits = Arc::new(service::rate_limits::AccountLimits::new(&config.rates));
        if let Some(url) = &config.nats_url {
            hub.connect_nats(url, account_limits.clone())
                .await
                .with_context(|| format!("cannot join the NATS bus at {url}"))?;
        }
        Ok(AppState(Arc::new(Parts {
            passwords: Arc::new(service::passwords::PasswordHasher::new(&config.hashing)),
            account_limits,
            address_limits: Arc::new(routes::limits::AddressLimits::new(&config.rates)),
            hub,
            burner: Arc::default(),
            sends: Arc::new(service::send_queue::SendQueue::new(config.max_send_wait)),
            in_flight: Arc::new(tokio::sync::Semaphore::new(config.max_in_flight)),
            assistant: Arc::new(service::assistant::Assistant::new(&config.ai)?),
            departures: Arc::default(),
            config: Arc::new(config),
            store,
            files: Arc::new(files),
        })))
    }
}

/// A server running in the background (tests, xtask): its address and a handle to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningServer {
    /// Stops accepting, closes the sockets, lets requests in flight finish (up to the
    /// shutdown deadline), and closes the database cleanly.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        self.state.hub.stop();
        self.state.assistant.stop_all();
        let _ = self.task.await;
        self.state.store.close().await;
    }
}

/// Binds `config.addr` (use port 0 for a free one) and serves until [`RunningServer::stop`].
pub async fn spawn(config: Config) -> anyhow::Result<RunningServer> {
    let listener = TcpListener::bind(config.addr).await.with_context(|| format!("cannot listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    let state = AppState::open(config).await?;
    service::maintenance::spawn(state.clone());
    service::burn::spawn(state.clone());
    service::send_queue::spawn(state.clone());
    let app = routes::app(state.clone());
    let (shutdown, mut rx) = tokio::sync::watch::channel(false);
    let timeouts = serve::Timeouts {
        header_read: state.config.header_read_timeout,
        shutdown_deadline: state.config.shutdown_deadline,
        trusted_proxies: state.config.trusted_proxies.clone().into(),
    };
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        serve::serve(listener, app, timeouts, stopped).await;
    });
    Ok(RunningServer { addr, state, shutdown, task })
}
