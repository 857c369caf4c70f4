use confab_api::{Message, MessageContent, MessageStatus, MessageType};
use leptos::prelude::*;

use super::avatar::Avatar;
use super::file_card::{FileCard, ImageThumb};
use super::icons::{Icon, Svg};
use crate::format::{clock, parse_ms};
use crate::i18n::{fill, use_i18n, K};
use crate::state::{use_store, Delivery, Item};

/// Whether the sender may still recall it (the server's default window).
pub fn can_recall(m: &Message, me: i64, now_ms: f64) -> bool {
    m.sender_id == me
        && m.message_id > 0
        && m.status == MessageStatus::Normal
        && now_ms - parse_ms(&m.created_at) < confab_api::DEFAULT_RECALL_WINDOW_SECS as f64 * 1000.0
}

fn status_code(label: K) -> &'static str {
    match label {
        K::Pending => "pending",
        K::Failed => "failed",
        K::Read => "read",
        _ => "sent",
    }
}

/// What the thread asks of its parent: open an image, confirm a deletion.
#[derive(Clone, Copy)]
pub struct MessageHost {
    pub open_image: Callback<confab_api::FileInfo>,
    pub confirm_delete: Callback<Message>,
}

#[component]
pub fn MessageRow(item: Item, grouped: bool, peer_name: String) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let host = expect_context::<MessageHost>();
    let me = store.my_id();
    let m = item.message.clone();
    let mine = m.sender_id == me;

    if m.status == MessageStatus::Recalled {
        let text_back = store.recalled_texts.with_untracked(|t| t.get(&m.message_id).cloned());
        let cid = m.conversation_id;
        let label = if mine {
            i18n.t(K::YouRecalled).to_string()
        } else {
            fill(i18n.t(K::TheyRecalled), &[("name", &m.sender_name)])
        };
        return view! {
            <div class="msg-notice recalled" data-message-id=m.message_id>
                <span>{label}</span>
                {(mine && text_back.is_some()).then(|| {
                    let text = text_back.clone().unwrap_or_default();
                    view! {
                        <button type="button" class="link-btn" on:click=move |_| store.composer_refill.set(Some((cid, text.clone())))>
                            {i18n.t(K::ReEdit)}
                        </button>
                    }
                })}
            </div>
        }
        .into_any();
    }

    let menu_open = RwSignal::new(false);
    let menu_btn = NodeRef::<leptos::html::Button>::new();
    let time = clock(parse_ms(&m.created_at), i18n.lang());
    let text_for_copy = m.content.text().map(str::to_string);
    let key = item.key.clone();
    let cid = m.conversation_id;
    // Delivery state and receipt, live from the store: they change without rebuilding the row.
    let live = {
        let key = key.clone();
        let initial = (item.delivery.clone(), m.is_read);
        Memo::new(move |_| {
            store.threads.with(|t| {
                t.get(&cid)
                    .and_then(|t| t.items.iter().find(|i| i.key == key))
                    .map(|i| (i.delivery.clone(), i.message.is_read))
                    .unwrap_or_else(|| initial.clone())
            })
        })
    };

    let body = match (&m.message_type, &m.content) {
        (MessageType::Image, MessageContent::File(f)) => {
            view! { <ImageThumb file=f.clone() on_open=host.open_image /> }.into_any()
        }
        (_, MessageContent::File(f)) => view! { <FileCard file=f.clone() /> }.into_any(),
        (_, MessageContent::Text(t)) => view! { <p class="text">{t.clone()}</p> }.into_any(),
    };

    let status = mine.then_some({
        move || {
            let (icon, label) = match live.get() {
                (Delivery::Pending, _) => (Icon::Clock, K::Pending),
                (Delivery::Failed(_), _) => (Icon::Alert, K::Failed),
                (Delivery::Sent, true) => (Icon::CheckDouble, K::Read),
                (Delivery::Sent, false) => (Icon::Check, K::Sent),
            };
            view! {
                <span class="status" class:read=label == K::Read data-status=status_code(label) title=i18n.t(label)>
                    <Svg icon=icon />
                    <span class="sr-only">{i18n.t(label)}</span>
                </span>
            }
        }
    });

    let open_menu = move || menu_open.set(true);
    let m_menu = m.clone();
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let k = ev.key();
        if k == "ContextMenu"
            || (k == "F10" && ev.shift_key())
            || ((k == "Enter" || k == " ") && ev.target() == ev.current_target())
        {
            ev.prevent_default();
            open_menu();
        }
    };

    view! {
        <div class="msg" class:mine=mine class:grouped=grouped class:failed=move || live.with(|l| l.0.code() == "failed")
            data-message-id=m.message_id data-delivery=move || live.with(|l| l.0.code())>
            {(!mine).then(|| if grouped {
                view! { <span class="avatar-gap"></span> }.into_any()
            } else {
                view! { <Avatar name=peer_name.clone() url=m.sender_avatar.clone() small=true /> }.into_any()
            })}
            <div class="bubble-wrap">
                <div class="bubble" class:media=m.message_type != MessageType::Text tabindex="0"
                    on:contextmenu=move |ev| { ev.prevent_default(); open_menu(); }
                    on:keydown=on_key>
                    {body}
                    <span class="meta"><time>{time}</time>{status}</span>
                </div>
                <button type="button" class="icon-btn more" node_ref=menu_btn aria-haspopup="menu"
                    aria-expanded=move || menu_open.get().to_string()
                    aria-label=i18n.t(K::MoreActions) on:click=move |_| menu_open.update(|o| *o = !*o)>
                    <Svg icon=Icon::More />
                </button>
                {move || menu_open.get().then(|| view! {
                    <MessageMenu m=m_menu.clone() copy=text_for_copy.clone() close=Callback::new(move |_| {
                        menu_open.set(false);
                        if let Some(b) = menu_btn.get_untracked() { let _ = b.focus(); }
                    }) />
                })}
                {move || match live.get().0 {
                    Delivery::Failed(why) => {
                        let key = key.clone();
                        Some(view! {
                            <div class="failed-line" role="alert">
                                <span>{i18n.t(K::Failed)}{(!why.is_empty()).then(|| format!(": {why}"))}</span>
                                <button type="button" class="link-btn" on:click=move |_| store.retry(cid, key.clone())>{i18n.t(K::Retry)}</button>
                            </div>
                        })
                    }
                    _ => None,
                }}
            </div>
        </div>
    }
    .into_any()
}

/// Copy, recall (own, inside the window) and delete-for-me; keyboard: arrows move, Esc closes.
#[component]
fn MessageMenu(m: Message, copy: Option<String>, close: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let host = expect_context::<MessageHost>();
    let menu = NodeRef::<leptos::html::Div>::new();
    let recallable = can_recall(&m, store.my_id(), js_sys::Date::now());
    let confirmed = m.message_id > 0;
    Effect::new(move |_| {
        if let Some(el) = menu.get() {
            if let Ok(Some(first)) = el.query_selector("button") {
                let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(first).focus();
            }
        }
    });
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(el) = menu.get_untracked() else { return };
        match ev.key().as_str() {
            "Escape" => {
                ev.prevent_default();
                close.run(());
            }
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                let Ok(buttons) = el.query_selector_all("button") else { return };
                let n = buttons.length();
                let doc = web_sys::window().and_then(|w| w.document());
                let current = doc.and_then(|d| d.active_element());
                let idx = (0..n).find(|i| {
                    buttons
                        .item(*i)
                        .map(|b| Some(wasm_bindgen::JsCast::unchecked_into::<web_sys::Element>(b)) == current)
                        .unwrap_or(false)
                });
                let next = match (idx, ev.key() == "ArrowDown") {
                    (Some(i), true) => (i + 1) % n,
                    (Some(i), false) => (i + n - 1) % n,
                    (None, _) => 0,
                };
                if let Some(b) = buttons.item(next) {
                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(b).focus();
                }
            }
            _ => {}
        }
    };
    let (m_recall, m_delete) = (m.clone(), m.clone());
    view! {
        <div class="menu" role="menu" node_ref=menu on:keydown=on_key>
            {copy.map(|text| view! {
                <button type="button" role="menuitem" on:click=move |_| {
                    if let Some(w) = web_sys::window() {
                        let _ = w.navigator().clipboard().write_text(&text);
                    }
                    close.run(());
                }>{i18n.t(K::Copy)}</button>
            })}
            {recallable.then(|| view! {
                <button type="button" role="menuitem" data-action="recall" on:click=move |_| {
                    if let Some(t) = m_recall.content.text() {
                        store.recalled_texts.update(|r| { r.insert(m_recall.message_id, t.to_string()); });
                    }
                    store.recall(&m_recall);
                    close.run(());
                }>{i18n.t(K::Recall)}</button>
            })}
            {confirmed.then(|| view! {
                <button type="button" role="menuitem" data-action="delete" class="danger" on:click=move |_| {
                    host.confirm_delete.run(m_delete.clone());
                    close.run(());
                }>{i18n.t(K::Delete)}</button>
            })}
            <button type="button" role="menuitem" on:click=move |_| close.run(())>{i18n.t(K::Cancel)}</button>
        </div>
    }
}
