//! Routing is leptos_router's (`<Router>`, `<Routes>`, `<A>`, params): `/login`, `/` and
//! `/c/{conversationId}`. This module only lets code outside a component — the store's
//! reactions to the socket, the session guard — navigate, through the router's own navigate.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

type Navigate = Rc<dyn Fn(&str)>;

thread_local! {
    static NAVIGATE: RefCell<Option<Navigate>> = const { RefCell::new(None) };
}

/// Placed once inside `<Router>`: hands the router's navigate to [`navigate`].
#[component]
pub fn NavigationBridge() -> impl IntoView {
    let navigate = use_navigate();
    NAVIGATE.with(|n| *n.borrow_mut() = Some(Rc::new(move |path: &str| navigate(path, NavigateOptions::default()))));
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
