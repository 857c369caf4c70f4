//! Routing is leptos_router's `<Router>`, `<A>`, location and navigate, for `/login`, `/` and
//! `/c/{conversationId}`. This module lets code outside a component — the store's reactions to
//! the socket, the session guard — navigate through the router's own navigate.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::location::{BrowserUrl, LocationProvider};
use leptos_router::NavigateOptions;

type Navigate = Rc<dyn Fn(&str)>;

thread_local! {
    static NAVIGATE: RefCell<Option<Navigate>> = const { RefCell::new(None) };
}

/// Placed once inside `<Router>`: hands the router's navigate to [`navigate`], and completes
/// each navigation once the new path has rendered (what `<Routes>` does; the app matches its
/// three paths with a memo instead, as `<Routes>` costs ~36 KB of the size budget).
#[component]
pub fn NavigationBridge() -> impl IntoView {
    let navigate = use_navigate();
    NAVIGATE.with(|n| *n.borrow_mut() = Some(Rc::new(move |path: &str| navigate(path, NavigateOptions::default()))));
    let location = use_location();
    let provider = use_context::<BrowserUrl>();
    Effect::new(move |_| {
        location.pathname.track();
        // Puts the new URL in the address bar (a history entry), after the page changed.
        if let Some(p) = &provider {
            p.ready_to_complete();
        }
    });
}

/// Goes to `path` (a new history entry) if it is not already there.
pub fn navigate(path: &str) {
    let here = web_sys::window().and_then(|w| w.location().pathname().ok());
    if here.as_deref() == Some(path) {
        return;
    }
    if let Some(f) = NAVIGATE.with(|n| n.borrow().clone()) {
        f(path)
    }
}
