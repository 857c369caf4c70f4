//! Confab's web app: a Leptos single-page app. `api` is the only I/O boundary, `state` holds
//! what the app knows, `components` and `pages` show it.

pub mod api;
pub mod components;
pub mod format;
pub mod i18n;
pub mod pages;
pub mod router;
pub mod signed_in;
pub mod state;

use leptos::prelude::*;

use i18n::{I18n, Lang};
use leptos_router::components::Router;
use leptos_router::hooks::use_location;
use pages::login::LoginPage;
use state::Store;

const LANG_KEY: &str = "confab.lang";

/// The browser's localStorage (absent in private modes that refuse it).
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The remembered choice, else the browser's language.
pub fn initial_language() -> Lang {
    if let Some(saved) = local_storage().and_then(|s| s.get_item(LANG_KEY).ok().flatten()) {
        return Lang::from_tag(&saved);
    }
    web_sys::window().and_then(|w| w.navigator().language()).map(|l| Lang::from_tag(&l)).unwrap_or(Lang::En)
}

pub fn set_language(signal: RwSignal<Lang>, lang: Lang) {
    signal.set(lang);
    if let Some(s) = local_storage() {
        let _ = s.set_item(LANG_KEY, lang.code());
    }
}

/// Puts the store and the language in context (the app and the tests both use this).
pub fn provide_app_context() -> (Store, I18n) {
    let store = Store::new();
    let i18n = I18n(RwSignal::new(initial_language()));
    provide_context(store);
    provide_context(i18n);
    (store, i18n)
}

#[component]
pub fn App() -> impl IntoView {
    let (store, i18n) = provide_app_context();
    let booting = RwSignal::new(state::saved_token().is_some());
    leptos::task::spawn_local(async move {
        store.resume().await;
        booting.set(false);
    });
    // The tab title carries the unread count; the page's language follows the switch. Each
    // only when it changes: setting `lang` on the root, even to the same value, restyles the
    // whole page (as each arriving message did when the two were one effect).
    Effect::new(move |_| {
        let n = store.total_unread();
        let title = if n > 0 { format!("({n}) Confab") } else { "Confab".to_string() };
        let doc = document();
        if doc.title() != title {
            doc.set_title(&title);
        }
    });
    Effect::new(move |_| {
        let lang = i18n.0.get().code();
        if let Some(html) = document().document_element().filter(|h| h.get_attribute("lang").as_deref() != Some(lang)) {
            let _ = html.set_attribute("lang", lang);
        }
    });
    view! {
        <Router>
            <router::NavigationBridge />
            <SessionGuard booting=booting />
            <Shell />
        </Router>
    }
}

/// The app's pages. Rebuilt when the language changes, so every string is plain text rather
/// than a reactive node of its own.
#[component]
fn Shell() -> impl IntoView {
    let i18n = i18n::use_i18n();
    let location = use_location();
    let is_login = Memo::new(move |_| location.pathname.with(|p| p.trim_end_matches('/') == "/login"));
    move || {
        i18n.0.track();
        if is_login.get() {
            view! { <LoginPage /> }.into_any()
        } else if let Some(parts) = signed_in::loaded() {
            (parts.page)()
        } else {
            signed_in::need();
            view! { <main class="app-loading"><p role="status">{i18n.t(i18n::K::Loading)}</p></main> }.into_any()
        }
    }
}

/// Sends a signed-out visitor to /login, and comes back when the token is revoked.
#[component]
fn SessionGuard(booting: RwSignal<bool>) -> impl IntoView {
    let store = state::use_store();
    let location = use_location();
    api::on_unauthorized(move || {
        store.forget_session();
        router::navigate("/login");
    });
    Effect::new(move |_| {
        let path = location.pathname.get();
        if !booting.get() && store.me.get().is_none() && path != "/login" {
            router::navigate("/login");
        }
    });
}
