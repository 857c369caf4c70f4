//! Confab's chat server: `routes/` (thin HTTP handlers) → `service/` (the rules) → `store/` (SQL),
//! with `hub` fanning events out to WebSocket connections.

pub mod config;
pub mod demo;
pub mod error;
pub mod hub;
pub mod openapi;
pub mod routes;
pub mod service;
pub mod store;
mod time;

use std::net::SocketAddr;

use anyhow::Context;
use std::sync::Arc;

pub use config::Config;
use tokio::net::TcpListener;

/// Everything a request handler may touch.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub store: store::Store,
    pub hub: Arc<hub::Hub>,
    pub files: Arc<service::files::FileStore>,
}

impl AppState {
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create data dir {}", config.data_dir.display()))?;
        let store = store::Store::open(&config.data_dir.join("confab.db")).await?;
        let files = service::files::FileStore::open(&config)?;
        Ok(AppState { config: Arc::new(config), store, hub: Arc::new(hub::Hub::default()), files: Arc::new(files) })
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
    /// Stops accepting, lets requests in flight finish, and closes the database cleanly.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
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
    let app = routes::app(state.clone());
    let (shutdown, mut rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        if let Err(e) = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(stopped)
            .await
        {
            tracing::error!("server error: {e}");
        }
    });
    Ok(RunningServer { addr, state, shutdown, task })
}
