use leptos::prelude::*;

use crate::i18n::{use_i18n, K};
use crate::state::use_store;

/// A quiet line while the live connection is down.
#[component]
pub fn OfflineBanner() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    // Give a fresh page a moment to connect before saying anything.
    let settled = RwSignal::new(false);
    gloo_timers::callback::Timeout::new(1500, move || settled.set(true)).forget();
    view! {
        {move || match store.socket_refused.get() {
            // Refused for good: say why, with no spinner (nothing is being retried).
            Some(_) => Some(view! { <div class="banner" role="status">{i18n.t(K::TooManyTabs)}</div> }.into_any()),
            None => (settled.get() && !store.online.get()).then(|| view! {
                <div class="banner" role="status">
                    <span class="spinner" aria-hidden="true"></span>
                    {i18n.t(K::Offline)}
                </div>
            }.into_any()),
        }}
    }
}
