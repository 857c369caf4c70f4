//! The accept loop, with the timeouts `axum::serve` does not offer: a client must send its
//! request headers within `header_read_timeout` (which also closes idle keep-alive connections),
//! and a graceful stop waits at most `shutdown_deadline` for requests in flight.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tower::ServiceExt;

/// Largest request head (request line + headers) hyper buffers; the app answers 414/431
/// envelopes well below this (see `routes::limits`).
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub struct Timeouts {
    pub header_read: Duration,
    pub shutdown_deadline: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed (the client's address for rate
    /// limits comes from it when the connection is theirs).
    pub trusted_proxies: std::sync::Arc<[std::net::IpAddr]>,
}

/// The client's address: the peer's, unless the peer is a trusted proxy — then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_address(peer: SocketAddr, forwarded_for: Option<&str>, trusted: &[std::net::IpAddr]) -> SocketAddr {
    if !trusted.contains(&peer.ip()) {
        return peer;
    }
    let Some(list) = forwarded_for else { return peer };
    for entry in list.rsplit(',') {
        let Ok(ip) = entry.trim().parse::<std::net::IpAddr>() else { return peer };
        if !trusted.contains(&ip) {
            return SocketAddr::new(ip, 0);
        }
    }
    peer
}

pub async fn serve(listener: TcpListener, app: Router, timeouts: Timeouts, stop: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(timeouts.header_read).max_buf_size(MAX_HEAD_BYTES);
    builder.http2().timer(TokioTimer::new()).keep_alive_interval(Some(Duration::from_secs(30)));
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let trusted = timeouts.trusted_proxies.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            let forwarded = req.headers().get("x-forwarded-for").and_then(|v| v.to_str().ok());
            let client = client_address(peer, forwarded, &trusted);
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(client));
            app.clone().oneshot(req)
        });
        let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service).into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
    drop(listener);
    if tokio::time::timeout(timeouts.shutdown_deadline, graceful.shutdown()).await.is_err() {
        tracing::warn!("stopping with requests still in flight after {:?}", timeouts.shutdown_deadline);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxy: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let stranger: SocketAddr = "203.0.113.9:5000".parse().unwrap();
        let trusted = ["127.0.0.1".parse().unwrap()];
        let ip = |a: SocketAddr| a.ip().to_string();
        assert_eq!(ip(client_address(proxy, Some("198.51.100.7"), &trusted)), "198.51.100.7");
        // The client may write anything on the left; the proxy's own entry is the rightmost.
        assert_eq!(ip(client_address(proxy, Some("10.9.9.9, 198.51.100.7"), &trusted)), "198.51.100.7");
        assert_eq!(ip(client_address(proxy, Some("198.51.100.7, 127.0.0.1"), &trusted)), "198.51.100.7");
        assert_eq!(ip(client_address(stranger, Some("198.51.100.7"), &trusted)), "203.0.113.9", "not a proxy of ours");
        assert_eq!(ip(client_address(proxy, None, &trusted)), "127.0.0.1");
        assert_eq!(ip(client_address(proxy, Some("not an address"), &trusted)), "127.0.0.1");
        assert_eq!(ip(client_address(proxy, Some("198.51.100.7"), &[])), "127.0.0.1", "no proxies trusted by default");
    }
}
