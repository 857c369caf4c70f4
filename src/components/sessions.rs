//! The person's signed-in devices and tabs: when each was last used, sign one out, or all.

use confab_api::AuthSession;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::format::{parse_ms, relative_time};
use crate::i18n::{fill, use_i18n, K};
use crate::state::use_store;

#[component]
pub fn SessionsPanel(#[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let sessions = RwSignal::new(None::<Vec<AuthSession>>);
    let error = RwSignal::new(false);
    let load = move || {
        spawn_local(async move {
            match api::sessions().await {
                Ok(list) => sessions.set(Some(list)),
                Err(_) => error.set(true),
            }
        })
    };
    load();
    let end = move |id: String| {
        spawn_local(async move {
            if api::end_session(&id).await.is_ok() {
                sessions.update(|s| {
                    if let Some(s) = s {
                        s.retain(|x| x.session_id != id)
                    }
                });
            }
        })
    };
    let panel = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(panel);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            on_close.run(());
        } else {
            trap(ev);
        }
    };
    view! {
        <div class="sheet-backdrop" on:click=move |_| on_close.run(())></div>
        <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="sessions-title" node_ref=panel on:keydown=on_key>
            <header class="sheet-header">
                <h2 id="sessions-title">{i18n.t(K::Sessions)}</h2>
                <button type="button" class="btn" autofocus on:click=move |_| on_close.run(())>{i18n.t(K::Close)}</button>
            </header>
            {move || error.get().then(|| view! { <p class="form-error" role="alert">{i18n.t(K::ErrorGeneric)}</p> })}
            <ul class="sessions">
                {move || sessions.get().unwrap_or_default().into_iter().map(|s| {
                    let id = s.session_id.clone();
                    let when = fill(i18n.t(K::LastActive), &[("time", &relative_time(parse_ms(&s.last_used_at), js_sys::Date::now(), i18n.lang()))]);
                    view! {
                        <li class="session" data-current=s.current.to_string()>
                            <span class="session-main">
                                <span class="session-device">{confab_api::device_summary(&s.user_agent)}</span>
                                <span class="session-when">
                                    {s.current.then(|| view! { <strong>{i18n.t(K::ThisDevice)}</strong>" · " })}
                                    {when}
                                </span>
                            </span>
                            {(!s.current).then(|| view! {
                                <button type="button" class="btn" on:click=move |_| end(id.clone())>{i18n.t(K::SignOut)}</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <button type="button" class="btn danger wide" on:click=move |_| store.sign_out(true)>{i18n.t(K::SignOutEverywhere)}</button>
        </div>
    }
}
