//! Request limits applied as layers: per-address rate limits (tower_governor), and envelopes
//! for request lines and headers that are too large.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::QuantaInstant;
use governor::middleware::NoOpMiddleware;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};

use crate::config::Rate;
use crate::error::AppError;

/// The client's address as a rate-limit key. An IPv6 client usually owns a whole /64, so the
/// key is that /64, not the address: one host cannot dodge the limit by rotating addresses.
#[derive(Debug, Clone, Copy)]
pub struct ClientNet;

impl KeyExtractor for ClientNet {
    type Key = IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<IpAddr, GovernorError> {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().ok_or(GovernorError::UnableToExtractKey)?;
        Ok(match peer.0.ip() {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => {
                    let s = v6.segments();
                    IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
                }
            },
            v4 => v4,
        })
    }
}

pub type PerAddress = Arc<GovernorConfig<ClientNet, NoOpMiddleware<QuantaInstant>>>;

/// The limiter state of one per-address limit; kept to forget idle addresses.
pub fn per_address(rate: Rate) -> PerAddress {
    Arc::new(
        GovernorConfigBuilder::default()
            .period(rate.every.max(std::time::Duration::from_nanos(1)))
            .burst_size(rate.burst.max(1))
            .key_extractor(ClientNet)
            .finish()
            .expect("a positive rate"),
    )
}

/// A layer refusing with a 429 envelope (and `Retry-After`) past the limit.
pub fn layer(config: &PerAddress, what: &'static str) -> GovernorLayer<ClientNet, NoOpMiddleware<QuantaInstant>, Body> {
    GovernorLayer::new(config.clone()).error_handler(move |e| match e {
        GovernorError::TooManyRequests { wait_time, .. } => AppError::too_many(
            format!("too many {what} from your address; try again in {} s", wait_time.max(1)),
            wait_time,
        )
        .into_response(),
        _ => AppError::internal().into_response(),
    })
}

/// Longest request target (path + query) accepted.
const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes accepted.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// 414 and 431 as envelopes, well before hyper's own (bodiless) limits.
pub async fn request_head_limits(req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI_BYTES {
        return AppError::new(
            StatusCode::URI_TOO_LONG,
            format!("the request URL is longer than {MAX_URI_BYTES} bytes"),
        )
        .into_response();
    }
    if req.uri().to_string().contains("%00") {
        return AppError::bad_request("the URL may not contain the NUL character (%00)").into_response();
    }
    let header_bytes: usize = req.headers().iter().map(|(k, v)| k.as_str().len() + v.len() + 4).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return AppError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            format!("the request headers are larger than {MAX_HEADER_BYTES} bytes"),
        )
        .into_response();
    }
    next.run(req).await
}

/// At most `max_in_flight` API requests are handled at once; one more is answered 503 with
/// `Retry-After` straight away (the app's outbox waits and sends again), so an overload cannot
/// pile up connections and memory in front of the writer.
pub async fn in_flight(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    req: Request,
    next: Next,
) -> Response {
    match state.in_flight.clone().try_acquire_owned() {
        Ok(_permit) => next.run(req).await,
        Err(_) => AppError::unavailable("the server is busy; try again in a moment", 1).into_response(),
    }
}

/// The per-address limits of one server.
pub struct AddressLimits {
    pub login: PerAddress,
    pub register: PerAddress,
    pub upload: PerAddress,
}

impl AddressLimits {
    pub fn new(rates: &crate::config::RateLimits) -> AddressLimits {
        AddressLimits {
            login: per_address(rates.login_per_ip),
            register: per_address(rates.register_per_ip),
            upload: per_address(rates.upload_per_ip),
        }
    }

    /// Forgets addresses whose buckets are full again, so the tables stay small.
    pub fn forget_idle(&self) {
        for l in [&self.login, &self.register, &self.upload] {
            l.limiter().retain_recent();
            l.limiter().shrink_to_fit();
        }
    }
}
