use confab_api::{Conversation, ConversationType, PatchConversationRequest};
use leptos::prelude::*;
use leptos_router::components::A;

use super::avatar::Avatar;
use super::icons::{Icon, Svg};
use super::{Keyed, KeyedList};
use crate::format::{parse_ms, preview, relative_time};
use crate::i18n::{fill, use_i18n, K};
use crate::state::use_store;
use crate::state::window::list_range;

/// Rows drawn beyond each edge of the view.
const OVERSCAN: usize = 8;
/// More of the list is fetched when its end is this close.
const LOAD_MORE_WITHIN_PX: i32 = 600;

/// What a row shows: a row is rebuilt only when this changes, and moved when its place does.
fn row_key(c: &Conversation) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
        c.conversation_id,
        c.last_message_time.as_deref().unwrap_or_default(),
        c.last_message,
        c.unread_count,
        c.is_pinned,
        c.recv_msg_opt,
        c.draft_text,
        c.group_at_type,
        c.target_user_name,
        c.last_message_recalled,
    )
}

/// Every conversation, pinned first, with previews, times and unread badges. Only the rows in
/// view (and a few more) are in the page, between spacers as tall as the rest, so a list of
/// thousands costs what a screenful does; further pages load as the end comes near.
#[component]
pub fn ConversationList() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let scroll_top = RwSignal::new(0.0);
    // Until the first scroll tells: more than any screen is high.
    let view_height = RwSignal::new(1600.0);
    // Measured from a drawn row (zoom and text size change it).
    let row_height = RwSignal::new(64.0);
    let range = move || {
        let len = store.conversations.with(|c| c.len());
        list_range(len, scroll_top.get(), view_height.get(), row_height.get(), OVERSCAN)
    };
    let rows = move || {
        let r = range();
        store.conversations.with(|c| c.get(r.clone()).map(<[Conversation]>::to_vec).unwrap_or_default())
    };
    // Spacers as tall as the rows not drawn above and below.
    let spacers = move || {
        let (r, h, len) = (range(), row_height.get(), store.conversations.with(|c| c.len()));
        // Whole pixels: formatting a float would pull a float printer into the bundle.
        let px = |rows: usize| (rows as f64 * h).round() as i64;
        format!("padding-top:{}px;padding-bottom:{}px", px(r.start), px(len.saturating_sub(r.end)))
    };
    let set = |signal: RwSignal<f64>, value: f64| {
        if (signal.get_untracked() - value).abs() >= 0.5 {
            signal.set(value);
        }
    };
    let on_scroll = move || {
        let Some(el) = document().query_selector(".conversations").ok().flatten() else { return };
        set(scroll_top, f64::from(el.scroll_top()));
        set(view_height, f64::from(el.client_height()));
        if el.scroll_height() - el.scroll_top() - el.client_height() < LOAD_MORE_WITHIN_PX {
            store.load_more_conversations();
        }
        if let Some(row) = el.query_selector(".conv").ok().flatten() {
            set(row_height, row.get_bounding_client_rect().height().max(1.0));
        }
    };
    // When the list changes length (first load, a further page, a new chat): measure the rows,
    // and fetch the next page at once if the list does not fill the view yet.
    Effect::new(move |_| {
        store.conversations.with(|c| c.len());
        request_animation_frame(on_scroll);
    });
    view! {
        <nav class="conversations" aria-label=i18n.t(K::Conversations) on:scroll=move |_| on_scroll()>
            {move || (store.list_loaded.get() && store.conversations.with(|c| c.is_empty()))
                .then(|| view! { <p class="empty-list">{i18n.t(K::NoConversations)}</p> })}
            <ul style=spacers>
                <KeyedList rows=Box::new(move || rows().into_iter().map(|c| Keyed {
                    key: row_key(&c),
                    view: Box::new(move || view! { <ConversationRow c=c /> }.into_any()),
                }).collect()) />
            </ul>
        </nav>
    }
}

#[component]
fn ConversationRow(c: Conversation) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let id = c.conversation_id;
    let active = move || store.active.get() == Some(id);
    let muted = c.recv_msg_opt == 1;
    let pinned = c.is_pinned;
    let unread = c.unread_count;
    let group = c.conversation_type == ConversationType::Group;
    // [@You] / [@All] before the preview while a mention is unread.
    let at_mark = match c.group_at_type {
        1 | 3 => Some(K::AtYou),
        2 => Some(K::AtAll),
        4 => Some(K::AtAnnouncement),
        _ => None,
    };
    let menu_open = RwSignal::new(false);
    let time = c.last_message_time.clone();
    let name = c.target_user_name.clone();
    let draft = c.draft_text.clone();
    let c2 = c.clone();
    let (link_name, link_avatar) = (name.clone(), c.target_user_avatar.clone());
    let menu_name = name.clone();
    let toggle_pin =
        move |_| store.patch(id, PatchConversationRequest { is_pinned: Some(!pinned), ..Default::default() });
    let toggle_mute = move |_| {
        store
            .patch(id, PatchConversationRequest { recv_msg_opt: Some(if muted { 0 } else { 1 }), ..Default::default() })
    };
    view! {
        <li class="conv" class:active=active class:pinned=pinned class:muted=muted class:group=group data-conversation-id=id
            on:contextmenu=move |ev| { ev.prevent_default(); menu_open.set(true); }
            on:keydown=move |ev| {
                let k = ev.key();
                if k == "ContextMenu" || (k == "F10" && ev.shift_key()) {
                    ev.prevent_default();
                    menu_open.set(true);
                } else if k == "Escape" {
                    menu_open.set(false);
                }
            }>
            <A href=format!("/c/{id}") attr:class="conv-link" exact=true>
                <Avatar name=link_name.clone() url=link_avatar />
                <span class="conv-main">
                    <span class="conv-top">
                        <span class="conv-name">{link_name}</span>
                        {pinned.then(|| view! { <span class="mark" title=i18n.t(K::Pinned)><Svg icon=Icon::Pin /></span> })}
                        {muted.then(|| view! { <span class="mark" title=i18n.t(K::Muted)><Svg icon=Icon::Mute /></span> })}
                        <span class="conv-time">
                            {move || time.as_deref().map(|t| relative_time(parse_ms(t), js_sys::Date::now(), i18n.lang())).unwrap_or_default()}
                        </span>
                    </span>
                    <span class="conv-bottom">
                        <span class="conv-preview">
                            {move || {
                                let typing = store.daily.typing.with(|l| l.iter().find(|t| t.conversation_id == id).map(|t| t.name.clone()));
                                if let Some(who) = typing {
                                    view! { <span class="typing-mark">{fill(i18n.t(K::IsTyping), &[("name", &who)])}</span> }.into_any()
                                } else if !draft.trim().is_empty() && !active() {
                                    view! {
                                        {at_mark.map(|k| view! { <span class="at-mark">{i18n.t(k)}" "</span> })}
                                        <span class="draft-mark">{i18n.t(K::Draft)}" "</span>{draft.clone()}
                                    }.into_any()
                                } else {
                                    view! {
                                        {at_mark.map(|k| view! { <span class="at-mark">{i18n.t(k)}" "</span> })}
                                        {preview(&c2, store.my_id(), i18n.lang())}
                                    }.into_any()
                                }
                            }}
                        </span>
                        {(unread > 0).then(|| {
                            let label = move || fill(i18n.t(K::UnreadCount), &[("n", &unread.to_string())]);
                            if muted {
                                view! { <span class="badge dot" role="img" aria-label=label></span> }.into_any()
                            } else {
                                let shown = if unread > 99 { "99+".to_string() } else { unread.to_string() };
                                view! { <span class="badge" aria-label=label>{shown}</span> }.into_any()
                            }
                        })}
                    </span>
                </span>
            </A>
            <span class="conv-actions">
                <button type="button" class="icon-btn" on:click=toggle_pin
                    aria-label=move || format!("{} {}", i18n.t(if pinned { K::Unpin } else { K::Pin }), name)
                    title=i18n.t(if pinned { K::Unpin } else { K::Pin })>
                    <Svg icon=if pinned { Icon::Unpin } else { Icon::Pin } />
                </button>
                <button type="button" class="icon-btn" on:click=toggle_mute
                    aria-label=move || format!("{} {}", i18n.t(if muted { K::Unmute } else { K::Mute }), c.target_user_name)
                    title=i18n.t(if muted { K::Unmute } else { K::Mute })>
                    <Svg icon=if muted { Icon::Bell } else { Icon::Mute } />
                </button>
                <button type="button" class="icon-btn" aria-haspopup="menu" aria-expanded=move || menu_open.get().to_string()
                    aria-label=fill(i18n.t(K::ConversationActions), &[("name", &menu_name)])
                    on:click=move |_| crate::state::toggle(menu_open)>
                    <Svg icon=Icon::More />
                </button>
            </span>
            {move || menu_open.get().then(|| {
                let close = move || menu_open.set(false);
                let first = NodeRef::<leptos::html::Button>::new();
                Effect::new(move |_| if let Some(b) = first.get() { let _ = b.focus(); });
                let (label, read) = if unread > 0 { (K::MarkRead, true) } else { (K::MarkUnread, false) };
                view! {
                    <div class="menu conv-menu" role="menu">
                        <button type="button" role="menuitem" node_ref=first on:click=move |_| {
                            if read { store.send_read(id) } else { store.mark_unread(id) }
                            close();
                        }>{i18n.t(label)}</button>
                        <button type="button" role="menuitem" on:click=move |_| close()>{i18n.t(K::Cancel)}</button>
                    </div>
                }
            })}
        </li>
    }
}
