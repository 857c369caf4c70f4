use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;

use crate::components::assistant::{AssistantChat, AssistantHome};
use crate::components::avatar::Avatar;
use crate::components::banner::OfflineBanner;
use crate::components::conversation_list::ConversationList;
use crate::components::icons::{Icon, Svg};
use crate::components::new_group::NewGroupDialog;
use crate::components::search::SearchBox;
use crate::components::sessions::SessionsPanel;
use crate::components::shortcuts::{NotificationOffer, ShortcutsHelp};
use crate::components::thread::ThreadView;
use crate::components::LanguageSwitch;
use crate::i18n::{fill, use_i18n, K};
use crate::state::everyday::{set_setting, setting_on, NOTIFY_SOUND, SHARE_TYPING};
use crate::state::use_store;

/// The list and, from 768 px, the open conversation beside it (`/` and `/c/{id}`): the parent
/// route; the pane shows the child route's view.
#[component]
pub fn ChatPage() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let active = store.active;
    let location = use_location();
    // What the pane shows: the path says.
    let pane = Memo::new(move |_| location.pathname.with(|p| Pane::of(p)));
    // Coming back to the tab marks what is on screen read; leaving it (or closing it) sends the
    // reads still waiting at once.
    let on_visible = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        if !crate::state::page_visible() {
            store.send_due_reads();
        } else if let Some(id) = store.active.get_untracked() {
            store.mark_read(id);
        }
    });
    if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
        let _ = doc.add_event_listener_with_callback(
            "visibilitychange",
            wasm_bindgen::JsCast::unchecked_ref(on_visible.as_ref()),
        );
    }
    on_visible.forget();

    let new_group = RwSignal::new(false);
    let me_name = move || store.me.get().map(|u| u.display_name).unwrap_or_default();
    let announcement = move || {
        let a = store.announcement.get();
        let (name, text) = a.split_once('\u{1}').unwrap_or(("", ""));
        if name.is_empty() {
            String::new()
        } else {
            fill(i18n.t(K::NewMessageFrom), &[("name", name), ("text", text)])
        }
    };

    view! {
        <div class="app" class:has-thread=move || active.get().is_some() || pane.with(|p| matches!(p, Pane::AssistantHome | Pane::AssistantChat(_)))>
            <aside class="sidebar">
                <header class="sidebar-header">
                    <Avatar name=Signal::derive(me_name) url=Signal::derive(move || store.me.get().map(|u| u.avatar).unwrap_or_default()) small=true />
                    <h1 class="me-name">{me_name}</h1>
                    <button type="button" class="icon-btn" aria-label=i18n.t(K::NewGroup) title=i18n.t(K::NewGroup)
                        on:click=move |_| new_group.set(true)>
                        <Svg icon=Icon::NewGroup />
                    </button>
                    <LanguageSwitch />
                    <AccountMenu />
                </header>
                <SearchBox />
                <NotificationOffer />
                <A href="/assistant" exact=false attr:class="conv-link ai-entry">
                    <span class="ai-avatar" aria-hidden="true"><Svg icon=Icon::Sparkle /></span>
                    <span class="conv-main">
                        <span class="conv-name">{i18n.t(K::Assistant)}</span>
                        <span class="conv-preview">{i18n.t(K::AssistantEntry)}</span>
                    </span>
                </A>
                <ConversationList />
            </aside>
            <main class="pane">
                {move || match pane.get() {
                    Pane::Conversation(id) => view! { <OpenConversation id=id /> }.into_any(),
                    Pane::AssistantHome => view! { <AssistantHome /> }.into_any(),
                    Pane::AssistantChat(id) => view! { <AssistantChat id=id /> }.into_any(),
                    Pane::Nothing => view! { <NoConversation /> }.into_any(),
                }}
            </main>
            <div class="sr-only" aria-live="polite" aria-atomic="true">{announcement}</div>
            <OfflineBanner />
            <ShortcutsHelp />
            {move || new_group.get().then(|| view! { <NewGroupDialog on_close=Callback::new(move |_| new_group.set(false)) /> })}
        </div>
    }
}

/// What the pane beside the list shows, from the path.
#[derive(Clone, PartialEq)]
enum Pane {
    /// `/c/{id}`
    Conversation(confab_api::Id),
    /// `/assistant`
    AssistantHome,
    /// `/assistant/{session_id}`
    AssistantChat(String),
    Nothing,
}

impl Pane {
    fn of(path: &str) -> Pane {
        let path = path.trim_end_matches('/');
        if let Some(id) = path.strip_prefix("/c/").and_then(|id| id.parse().ok()).filter(|id| *id > 0) {
            Pane::Conversation(id)
        } else if path == "/assistant" {
            Pane::AssistantHome
        } else if let Some(id) = path.strip_prefix("/assistant/").filter(|id| confab_api::valid_session_id(id)) {
            Pane::AssistantChat(id.to_string())
        } else {
            Pane::Nothing
        }
    }
}

/// Sign out here, or everywhere (every tab and device of this person).
#[component]
fn AccountMenu() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let sessions = RwSignal::new(false);
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" {
            open.set(false);
        }
    };
    view! {
        <div class="account" on:keydown=on_key>
            <button type="button" class="icon-btn" aria-label=i18n.t(K::AccountMenu) title=i18n.t(K::AccountMenu)
                aria-haspopup="menu" aria-expanded=move || open.get().to_string()
                on:click=move |_| crate::state::toggle(open)>
                <Svg icon=Icon::SignOut />
            </button>
            {move || open.get().then(|| view! {
                <div class="menu account-menu" role="menu">
                    <button type="button" role="menuitem" on:click=move |_| { open.set(false); sessions.set(true); }>
                        {i18n.t(K::Sessions)}
                    </button>
                    <button type="button" role="menuitem" on:click=move |_| { open.set(false); store.daily.help_open.set(true); }>
                        {i18n.t(K::Shortcuts)}
                    </button>
                    <Switch key=SHARE_TYPING label=K::ShareTyping />
                    <Switch key=NOTIFY_SOUND label=K::NotifySound />
                    <button type="button" role="menuitem" on:click=move |_| store.sign_out(false)>{i18n.t(K::SignOut)}</button>
                    <button type="button" role="menuitem" class="danger" on:click=move |_| store.sign_out(true)>
                        {i18n.t(K::SignOutEverywhere)}
                    </button>
                </div>
            })}
            {move || sessions.get().then(|| view! {
                <SessionsPanel on_close=Callback::new(move |_| sessions.set(false)) />
            })}
        </div>
    }
}

/// A setting kept in this browser, as a checkable menu item.
#[component]
fn Switch(key: &'static str, label: K) -> impl IntoView {
    let i18n = use_i18n();
    let on = RwSignal::new(setting_on(key));
    view! {
        <button type="button" role="menuitemcheckbox" class="switch" aria-checked=move || on.get().to_string()
            on:click=move |_| { let v = !on.get_untracked(); set_setting(key, v); on.set(v); }>
            <span class="check" aria-hidden="true">{move || if on.get() { "✓" } else { "" }}</span>
            {i18n.t(label)}
        </button>
    }
}

/// `/`: no conversation open.
#[component]
pub fn NoConversation() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    store.active.set(None);
    view! { <div class="placeholder"><p>{i18n.t(K::PickConversation)}</p></div> }
}

/// `/c/{id}`: the conversation, opened (and marked read) when the session starts or changes.
#[component]
pub fn OpenConversation(id: confab_api::Id) -> impl IntoView {
    let store = use_store();
    // Opening reads and writes the store: only the session decides when it runs again.
    Effect::new(move |_| {
        if store.me.with(|m| m.is_some()) {
            untrack(|| store.open(id));
        }
    });
    let back = Callback::new(move |_| crate::router::navigate("/"));
    view! { <ThreadView id=Signal::derive(move || id) on_back=back /> }
}
