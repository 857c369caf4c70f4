//! The `/api/ws/chat` client: connects with the token, checks liveness with pings, and
//! reconnects with backoff, resuming from the last sequence number it saw.
//! Built on `web_sys::WebSocket` callbacks (no stream/select machinery in the bundle).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use confab_api::{close_code, ControlFrame, ServerFrame};
use gloo_timers::callback::{Interval, Timeout};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

/// What the socket tells the app.
// Short-lived values handled at once; boxing the message would cost code size for nothing.
#[allow(clippy::large_enum_variant)]
pub enum SocketEvent {
    Frame(ServerFrame),
    Connected,
    Disconnected,
    /// The server refused or ended the socket for good (close code, see `confab_api::close_code`);
    /// the client has stopped reconnecting.
    Refused(u16),
}

const PING_EVERY_MS: u32 = 20_000;

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

type EventHandler = Closure<dyn FnMut(web_sys::Event)>;

struct Inner {
    token: String,
    since: Box<dyn Fn() -> Option<i64>>,
    on_event: Box<dyn Fn(SocketEvent)>,
    stopped: Cell<bool>,
    attempt: Cell<u32>,
    ws: RefCell<Option<WebSocket>>,
    /// Set when a ping went out; a frame clears it. Still set at the next tick: dead link.
    awaiting_pong: Cell<bool>,
    ping: RefCell<Option<Interval>>,
    retry: RefCell<Option<Timeout>>,
    handlers: RefCell<Vec<EventHandler>>,
}

/// Stops the connection for good (sign-out).
#[derive(Clone)]
pub struct SocketHandle(Rc<Inner>);

impl SocketHandle {
    /// Sends a frame now if connected; dropped otherwise (only live-only frames go this way).
    pub fn send(&self, text: &str) {
        if let Some(ws) = self.0.ws.borrow().as_ref().filter(|ws| ws.ready_state() == WebSocket::OPEN) {
            let _ = ws.send_with_str(text);
        }
    }

    pub fn stop(&self) {
        self.0.stopped.set(true);
        self.0.ping.borrow_mut().take();
        self.0.retry.borrow_mut().take();
        if let Some(ws) = self.0.ws.borrow_mut().take() {
            let _ = ws.close();
        }
    }
}

/// Connects now and keeps reconnecting until stopped. `since` gives the last seen sequence number.
pub fn run(
    token: String,
    since: impl Fn() -> Option<i64> + 'static,
    on_event: impl Fn(SocketEvent) + 'static,
) -> SocketHandle {
    let inner = Rc::new(Inner {
        token,
        since: Box::new(since),
        on_event: Box::new(on_event),
        stopped: Cell::new(false),
        attempt: Cell::new(0),
        ws: RefCell::new(None),
        awaiting_pong: Cell::new(false),
        ping: RefCell::new(None),
        retry: RefCell::new(None),
        handlers: RefCell::new(Vec::new()),
    });
    // The browser knows first: offline drops the link at once (an open socket can look
    // alive for a while), and coming back online reconnects without waiting out the backoff.
    {
        let weak = Rc::downgrade(&inner);
        let online = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                if inner.ws.borrow().is_none() && !inner.stopped.get() {
                    inner.retry.borrow_mut().take();
                    inner.attempt.set(0);
                    connect(&inner);
                }
            }
        });
        let weak = Rc::downgrade(&inner);
        let offline = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(inner) = weak.upgrade() {
                let ws = inner.ws.borrow().clone();
                if let Some(ws) = ws {
                    let _ = ws.close();
                    dropped(&inner);
                }
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.add_event_listener_with_callback("online", online.as_ref().unchecked_ref());
            let _ = w.add_event_listener_with_callback("offline", offline.as_ref().unchecked_ref());
        }
        online.forget();
        offline.forget();
    }
    connect(&inner);
    SocketHandle(inner)
}

fn connect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let ws = match WebSocket::new(&socket_url(&inner.token, (inner.since)())) {
        Ok(ws) => ws,
        Err(_) => return schedule_reconnect(inner),
    };
    let on_message = {
        let inner = inner.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            inner.awaiting_pong.set(false);
            let Some(text) = e.unchecked_into::<MessageEvent>().data().as_string() else { return };
            if let Some(frame) = ServerFrame::parse(&text) {
                if matches!(frame, ServerFrame::Control(ControlFrame::Ready { .. })) {
                    inner.attempt.set(0);
                    (inner.on_event)(SocketEvent::Connected);
                }
                (inner.on_event)(SocketEvent::Frame(frame));
            }
        })
    };
    let on_close = {
        let inner = inner.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let code = e.unchecked_into::<CloseEvent>().code();
            if close_code::is_permanent(code) {
                inner.stopped.set(true);
                dropped(&inner);
                (inner.on_event)(SocketEvent::Refused(code));
                return;
            }
            if code == close_code::TRY_AGAIN_LATER {
                // The server is full: wait the longest backoff, not the shortest.
                inner.attempt.set(inner.attempt.get().max(5));
            }
            dropped(&inner);
        })
    };
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    *inner.handlers.borrow_mut() = vec![on_message, on_close];
    *inner.ws.borrow_mut() = Some(ws);
    inner.awaiting_pong.set(false);
    let weak = Rc::downgrade(inner);
    *inner.ping.borrow_mut() = Some(Interval::new(PING_EVERY_MS, move || {
        let Some(inner) = weak.upgrade() else { return };
        // Silence after a ping: the connection is dead even if the browser has not noticed.
        if inner.awaiting_pong.get() {
            let ws = inner.ws.borrow().clone();
            if let Some(ws) = ws {
                let _ = ws.close();
            }
            dropped(&inner);
            return;
        }
        let open = inner.ws.borrow().as_ref().filter(|ws| ws.ready_state() == WebSocket::OPEN).cloned();
        if let Some(ws) = open {
            let _ = ws.send_with_str(r#"{"type":"ping"}"#);
            inner.awaiting_pong.set(true);
        }
    }));
}

/// The connection is gone: tell the app once, then try again after a pause.
fn dropped(inner: &Rc<Inner>) {
    let Some(ws) = inner.ws.borrow_mut().take() else { return };
    ws.set_onmessage(None);
    ws.set_onclose(None);
    inner.ping.borrow_mut().take();
    (inner.on_event)(SocketEvent::Disconnected);
    schedule_reconnect(inner);
}

fn schedule_reconnect(inner: &Rc<Inner>) {
    if inner.stopped.get() {
        return;
    }
    let attempt = inner.attempt.get();
    inner.attempt.set(attempt + 1);
    let weak = Rc::downgrade(inner);
    *inner.retry.borrow_mut() = Some(Timeout::new(backoff_ms(attempt), move || {
        if let Some(inner) = weak.upgrade() {
            connect(&inner);
        }
    }));
}
