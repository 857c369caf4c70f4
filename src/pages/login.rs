use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::components::LanguageSwitch;
use crate::i18n::{use_i18n, K};
use crate::state::use_store;

/// Sign in, or create an account; errors are shown in place.
#[component]
pub fn LoginPage() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let registering = RwSignal::new(false);
    let user_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    // Already signed in: straight to the chats.
    {
        Effect::new(move |_| {
            if store.me.get().is_some() {
                crate::router::navigate("/");
            }
        });
    }

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let (name, pass) = (user_name.get_untracked(), password.get_untracked());
        let display = Some(display_name.get_untracked()).filter(|d| !d.trim().is_empty());
        let reg = registering.get_untracked();
        spawn_local(async move {
            let result = if reg { api::register(&name, &pass, display).await } else { api::login(&name, &pass).await };
            busy.set(false);
            match result {
                Ok(auth) => store.start_session(auth.token, auth.user),
                Err(e) if e.is_network() => error.set(Some(i18n.t(K::ErrorNetwork).to_string())),
                Err(e) if e.status == 429 => {
                    let secs = e.retry_after.unwrap_or(30).to_string();
                    error.set(Some(crate::i18n::fill(i18n.t(K::TooManyAttempts), &[("n", &secs)])))
                }
                Err(e) if e.status == 503 => error.set(Some(i18n.t(K::ServerBusy).to_string())),
                Err(e) if e.message.is_empty() => error.set(Some(i18n.t(K::ErrorGeneric).to_string())),
                Err(e) => error.set(Some(e.message)),
            }
        });
    };

    view! {
        <main class="login">
            <div class="login-card">
                <div class="login-top"><LanguageSwitch /></div>
                <div class="brand" aria-hidden="true">
                    <img src="/public/favicon.svg" alt="" width="48" height="48" />
                </div>
                <h1>{i18n.t(K::AppName)}</h1>
                <p class="tagline">{i18n.t(K::Tagline)}</p>
                <form on:submit=submit on:focusin=move |_| crate::signed_in::prefetch() novalidate>
                    <label for="login-user">{i18n.t(K::UserName)}</label>
                    <input id="login-user" name="username" autocomplete="username" required autocapitalize="none" spellcheck="false"
                        prop:value=move || user_name.get() on:input=move |ev| user_name.set(event_target_value(&ev)) />
                    {move || registering.get().then(|| view! {
                        <label for="login-display">{i18n.t(K::DisplayName)}</label>
                        <input id="login-display" name="nickname" autocomplete="nickname"
                            prop:value=move || display_name.get() on:input=move |ev| display_name.set(event_target_value(&ev)) />
                    })}
                    <label for="login-password">{i18n.t(K::Password)}</label>
                    <input id="login-password" name="password" type="password" required
                        autocomplete=move || if registering.get() { "new-password" } else { "current-password" }
                        prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev)) />
                    <p class="form-error" role="alert" aria-live="assertive">{move || error.get()}</p>
                    <button type="submit" class="btn primary wide" disabled=move || busy.get()>
                        {move || if busy.get() { i18n.t(K::SigningIn) } else if registering.get() { i18n.t(K::SignUp) } else { i18n.t(K::SignIn) }}
                    </button>
                </form>
                <p class="switch-mode">
                    {move || i18n.t(if registering.get() { K::HaveAccount } else { K::NoAccount })}" "
                    <button type="button" class="link-btn" on:click=move |_| { crate::state::toggle(registering); error.set(None); }>
                        {move || i18n.t(if registering.get() { K::SignIn } else { K::SignUp })}
                    </button>
                </p>
            </div>
        </main>
    }
}
