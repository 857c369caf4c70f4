//! The signed-in part of the app — the chat page and what a session starts — as one piece.
//!
//! In the release build (`--features split`, built by `cargo xtask`) this piece is a wasm chunk
//! of its own (leptos's wasm-split support): a first visit to the sign-in page loads only what
//! that page needs, and the rest is fetched once someone signs in (or starts typing their name,
//! see [`prefetch`]). In every other build (`trunk serve`, the wasm tests) it is an ordinary call.

use std::cell::{Cell, RefCell};

use leptos::prelude::*;
use leptos::wasm_split::SplitLoaderError;

use confab_api::Id;

use crate::state::Store;

/// Entry points into the signed-in part: function pointers, so that their code (and all it
/// reaches) is referenced only from inside the chunk.
#[derive(Clone, Copy)]
pub struct SignedIn {
    pub page: fn() -> AnyView,
    pub start: fn(Store, Id),
}

fn page() -> AnyView {
    view! { <crate::pages::chat::ChatPage /> }.into_any()
}

fn start(store: Store, user_id: Id) {
    store.start_signed_in(user_id)
}

#[cfg_attr(
    feature = "split",
    leptos::wasm_split::wasm_split(confab_signed_in, wasm_split_path = ::leptos::wasm_split, fallible)
)]
fn parts() -> Result<SignedIn, SplitLoaderError> {
    Ok(SignedIn { page, start })
}

/// What is to run once the signed-in part arrives.
type Waiting = Box<dyn FnOnce(SignedIn)>;

thread_local! {
    // Arc: owned by no component, so it outlives the page that first read it.
    static LOADED: ArcRwSignal<Option<SignedIn>> = ArcRwSignal::new(None);
    static LOADING: Cell<bool> = const { Cell::new(false) };
    // Someone is waiting for it (signed in), not merely typing on the sign-in page.
    static NEEDED: Cell<bool> = const { Cell::new(false) };
    static WAITING: RefCell<Vec<Waiting>> = const { RefCell::new(Vec::new()) };
}

/// How long a failed fetch of the chunk waits before the next try (the network may be back).
const RETRY_MS: u32 = 2_000;

/// The signed-in part if it is here (tracked: a view reading this shows it once it arrives).
pub fn loaded() -> Option<SignedIn> {
    LOADED.with(|l| l.get())
}

/// Calls `f` with the signed-in part: now if it is here, else once it arrives.
pub fn with_loaded(f: impl FnOnce(SignedIn) + 'static) {
    match LOADED.with(|l| l.get_untracked()) {
        Some(p) => f(p),
        None => {
            WAITING.with(|w| w.borrow_mut().push(Box::new(f)));
            need();
        }
    }
}

/// Fetches the signed-in part because the page needs it now (see [`prefetch`]).
pub fn need() {
    NEEDED.with(|n| n.set(true));
    prefetch();
}

/// Fetches the signed-in part unless it is here or on its way (ahead of need: someone is on the
/// sign-in form); a failed fetch is tried again every [`RETRY_MS`] until it arrives, or, once it
/// is needed, the page reloads if a new release replaced this one.
pub fn prefetch() {
    if LOADED.with(|l| l.get_untracked().is_some()) || LOADING.with(|l| l.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        #[cfg(feature = "split")]
        let result = parts().await;
        #[cfg(not(feature = "split"))]
        let result = parts();
        LOADING.with(|l| l.set(false));
        match result {
            Ok(p) => {
                LOADED.with(|l| l.set(Some(p)));
                for f in WAITING.with(|w| std::mem::take(&mut *w.borrow_mut())) {
                    f(p);
                }
            }
            Err(_) => {
                if replaced().await {
                    // A new release replaced this one: its chunk is gone from the server, and
                    // the page as it is now loads the new one. Not under someone typing on
                    // the sign-in page, though: signing in asks again, and reloads then.
                    if NEEDED.with(Cell::get) {
                        let _ = window().location().reload();
                    }
                } else {
                    gloo_timers::callback::Timeout::new(RETRY_MS, prefetch).forget();
                }
            }
        }
    });
}

/// Whether the server now serves another release of the app than this page's: the page as
/// served no longer names this page's first preloaded module (every build names its own).
async fn replaced() -> bool {
    let mine =
        document().query_selector("link[rel=modulepreload]").ok().flatten().and_then(|l| l.get_attribute("href"));
    let Some(mine) = mine else { return false };
    match gloo_net::http::Request::get("/").send().await {
        Ok(r) if r.ok() => r.text().await.is_ok_and(|page| !page.contains(&mine)),
        // Unreachable or failing: the network, not a release; try again later.
        _ => false,
    }
}
