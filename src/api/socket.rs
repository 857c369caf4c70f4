//! The `/api/ws/chat` client: connects with the token, answers for liveness with pings,
//! and reconnects with backoff, resuming from the last sequence number it saw.

use std::cell::Cell;
use std::rc::Rc;

use confab_api::{ControlFrame, ServerFrame};
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message};
use gloo_timers::future::TimeoutFuture;

/// What the socket tells the app.
pub enum SocketEvent {
    Frame(ServerFrame),
    Connected,
    Disconnected,
}

/// Stops the loop when dropped or asked.
#[derive(Clone, Default)]
pub struct SocketHandle(Rc<Cell<bool>>);

impl SocketHandle {
    pub fn stop(&self) {
        self.0.set(true);
    }
    fn stopped(&self) -> bool {
        self.0.get()
    }
}

const PING_AFTER_IDLE_MS: u32 = 20_000;

fn socket_url(token: &str, since: Option<i64>) -> String {
    let location = web_sys::window().expect("window").location();
    let scheme = if location.protocol().ok().as_deref() == Some("https:") { "wss" } else { "ws" };
    let host = location.host().unwrap_or_default();
    let mut url = format!("{scheme}://{host}/api/ws/chat?token={token}");
    if let Some(s) = since {
        url.push_str(&format!("&sinceSeq={s}"));
    }
    url
}

/// Backoff before attempt `n`: 0.5 s, 1 s, 2 s … up to 15 s, with jitter.
fn backoff_ms(attempt: u32) -> u32 {
    let base = 500u32.saturating_mul(1 << attempt.min(5)).min(15_000);
    base / 2 + (js_sys::Math::random() * base as f64 / 2.0) as u32
}

/// Runs until stopped. `since` gives the last seen sequence number at each (re)connect.
pub fn run(token: String, since: impl Fn() -> Option<i64> + 'static, on_event: impl Fn(SocketEvent) + 'static) -> SocketHandle {
    let handle = SocketHandle::default();
    let h = handle.clone();
    let woken = Rc::new(Cell::new(false));
    // Coming back online should not wait out the backoff.
    {
        let woken = woken.clone();
        let closure = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || woken.set(true));
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("online", wasm_bindgen::JsCast::unchecked_ref(closure.as_ref()));
        }
        closure.forget();
    }
    leptos::task::spawn_local(async move {
        let mut attempt = 0u32;
        while !h.stopped() {
            if let Ok(ws) = WebSocket::open(&socket_url(&token, since())) {
                let (mut tx, mut rx) = ws.split();
                let mut awaiting_pong = false;
                loop {
                    if h.stopped() {
                        let _ = tx.close().await;
                        return;
                    }
                    futures::select! {
                        msg = rx.next().fuse() => match msg {
                            Some(Ok(Message::Text(text))) => {
                                awaiting_pong = false;
                                if let Some(frame) = ServerFrame::parse(&text) {
                                    if matches!(frame, ServerFrame::Control(ControlFrame::Ready { .. })) {
                                        attempt = 0;
                                        on_event(SocketEvent::Connected);
                                    }
                                    on_event(SocketEvent::Frame(frame));
                                }
                            }
                            Some(Ok(_)) => awaiting_pong = false,
                            _ => break,
                        },
                        _ = TimeoutFuture::new(PING_AFTER_IDLE_MS).fuse() => {
                            // Silence after a ping means the connection is dead, even if the browser has not noticed.
                            if awaiting_pong {
                                break;
                            }
                            let ping = serde_json::to_string(&ControlFrame::Ping).expect("serializes");
                            if tx.send(Message::Text(ping)).await.is_err() {
                                break;
                            }
                            awaiting_pong = true;
                        }
                    }
                }
            }
            on_event(SocketEvent::Disconnected);
            if h.stopped() {
                return;
            }
            // Sleep in small steps so that the browser's `online` event can cut it short.
            let mut left = backoff_ms(attempt) as i64;
            woken.set(false);
            while left > 0 && !woken.get() && !h.stopped() {
                TimeoutFuture::new(250).await;
                left -= 250;
            }
            attempt += 1;
        }
    });
    handle
}
