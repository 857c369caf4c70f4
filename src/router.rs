//! Three static paths need no routing framework: this is the History API behind a signal.
//! (leptos_router cost ~40 KB of the 250 KB bundle budget for `/login`, `/`, `/c/{id}`.)
//! Same-origin `<a href>` clicks are handled here, so links stay plain, accessible anchors.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// The current path, e.g. `/c/12`.
#[derive(Clone, Copy)]
pub struct Location(pub RwSignal<String>);

thread_local! {
    // Also reachable from DOM listeners, which run outside any reactive owner.
    static CURRENT: std::cell::Cell<Option<Location>> = const { std::cell::Cell::new(None) };
}

fn window_path() -> String {
    web_sys::window().and_then(|w| w.location().pathname().ok()).unwrap_or_else(|| "/".into())
}

/// Starts following the address bar: back/forward, and clicks on local links.
pub fn provide_location() -> Location {
    let location = Location(RwSignal::new(window_path()));
    provide_context(location);
    CURRENT.with(|c| c.set(Some(location)));
    let Some(window) = web_sys::window() else { return location };
    let on_pop = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| location.0.set(window_path()));
    let _ = window.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    on_pop.forget();
    let on_click = Closure::<dyn FnMut(web_sys::MouseEvent)>::new(move |ev: web_sys::MouseEvent| {
        if ev.default_prevented()
            || ev.button() != 0
            || ev.meta_key()
            || ev.ctrl_key()
            || ev.shift_key()
            || ev.alt_key()
        {
            return;
        }
        let Some(anchor) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("a[href]").ok().flatten())
        else {
            return;
        };
        if anchor.has_attribute("download") || anchor.get_attribute("target").is_some_and(|t| t != "_self") {
            return;
        }
        let href = anchor.get_attribute("href").unwrap_or_default();
        // Only the app's own paths; files and other sites load normally.
        if href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/api/") {
            ev.prevent_default();
            navigate(&href);
        }
    });
    if let Some(doc) = window.document() {
        let _ = doc.add_event_listener_with_callback("click", on_click.as_ref().unchecked_ref());
    }
    on_click.forget();
    location
}

pub fn use_location() -> Location {
    expect_context::<Location>()
}

/// Goes to `path` (a new history entry) if it is not already there.
pub fn navigate(path: &str) {
    let Some(location) = CURRENT.with(|c| c.get()) else { return };
    if location.0.get_untracked() == path {
        return;
    }
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
    location.0.set(path.to_string());
}
