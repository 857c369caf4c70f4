use confab_api::{ConversationType, FileInfo, Id, Message};
use leptos::prelude::*;

use super::avatar::Avatar;
use super::composer::Composer;
use super::icons::{Icon, Svg};
use super::members::{BurnSetting, MembersPanel};
use super::message::{MessageHost, MessageRow};
use super::uploads::UploadList;
use super::viewer::ImageViewer;
use crate::format::{day_label, parse_ms, same_day};
use crate::i18n::{fill, use_i18n, K};
use crate::state::{use_store, Item};

/// Consecutive messages of one sender within this long share one group.
const GROUP_WITHIN_MS: f64 = 5.0 * 60_000.0;
/// Older history is fetched when the top is this close.
const LOAD_OLDER_WITHIN_PX: i32 = 400;

/// A row of the thread: a day separator or a message.
#[derive(Clone, Debug, PartialEq)]
// Short-lived values handled at once; boxing the message would cost code size for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Row {
    Day { key: String, label: String },
    Message { item: Item, grouped: bool },
}

impl Row {
    pub fn key(&self) -> String {
        match self {
            Row::Day { key, .. } => key.clone(),
            // Delivery and receipts update inside the row (an open menu survives them);
            // a recall or a new id rebuilds it.
            Row::Message { item, grouped } => format!(
                "{}|{}|{}|{}",
                item.key,
                item.message.status == confab_api::MessageStatus::Recalled,
                grouped,
                item.message.message_id
            ),
        }
    }
}

/// Day separators between days, and grouping of a sender's consecutive messages.
pub fn rows(items: &[Item], now_ms: f64, lang: crate::i18n::Lang) -> Vec<Row> {
    let mut out = Vec::with_capacity(items.len() + 4);
    let mut prev: Option<(f64, Id)> = None;
    for item in items {
        let t = parse_ms(&item.message.created_at);
        let new_day = prev.is_none_or(|(p, _)| !same_day(p, t));
        if new_day {
            out.push(Row::Day { key: format!("day-{}", t as i64 / 86_400_000), label: day_label(t, now_ms, lang) });
        }
        let system = item.message.message_type == confab_api::MessageType::System;
        let grouped =
            !new_day && !system && prev.is_some_and(|(p, s)| s == item.message.sender_id && t - p < GROUP_WITHIN_MS);
        out.push(Row::Message { item: item.clone(), grouped });
        // A notice ends a run: the next message shows its sender again.
        prev = Some((t, if system { 0 } else { item.message.sender_id }));
    }
    out
}

#[component]
pub fn ThreadView(#[prop(into)] id: Signal<Id>, #[prop(into)] on_back: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let conversation = Memo::new(move |_| store.conversation(id.get()));
    let thread = Memo::new(move |_| store.threads.with(|t| t.get(&id.get()).cloned().unwrap_or_default()));
    let scroller = NodeRef::<leptos::html::Div>::new();
    let at_bottom = RwSignal::new(true);
    let unseen = RwSignal::new(false);
    let viewing = RwSignal::new(None::<FileInfo>);
    let deleting = RwSignal::new(None::<Message>);
    let dragging = RwSignal::new(false);

    let now = RwSignal::new(js_sys::Date::now());
    let members_open = RwSignal::new(false);
    provide_context(MessageHost {
        open_image: Callback::new(move |f| viewing.set(Some(f))),
        confirm_delete: Callback::new(move |m| deleting.set(Some(m))),
        now: now.read_only(),
    });
    // Burn-after-reading countdowns tick once a second while any is running; at zero the
    // message goes (the server erases it at the same moment and says so).
    let tick = move || {
        let Some(cid) = id.try_get_untracked() else { return };
        let t = js_sys::Date::now();
        let due: Vec<Id> = store.threads.with_untracked(|th| {
            th.get(&cid)
                .map(|th| {
                    th.items
                        .iter()
                        .filter(|i| i.message.burn_at.as_deref().is_some_and(|at| parse_ms(at) <= t))
                        .map(|i| i.message.message_id)
                        .collect()
                })
                .unwrap_or_default()
        });
        let running = store
            .threads
            .with_untracked(|th| th.get(&cid).is_some_and(|th| th.items.iter().any(|i| i.message.burn_at.is_some())));
        for message_id in due {
            store.apply_burned(&confab_api::BurnedNotice { message_id, conversation_id: cid });
        }
        if running {
            now.set(t);
        }
    };
    // Stopped with the thread view.
    if let Ok(handle) = set_interval_with_handle(tick, std::time::Duration::from_secs(1)) {
        on_cleanup(move || handle.clear());
    }

    // The scroller runs bottom-up (column-reverse): scrollTop is 0 at the newest message and
    // negative above it, so new messages keep you at the bottom and older ones load without a jump.
    let check_scroll = move || {
        let Some(el) = scroller.try_get_untracked().flatten() else { return };
        let from_bottom = -el.scroll_top();
        at_bottom.set(from_bottom < 60);
        if from_bottom < 60 {
            unseen.set(false);
        }
        let from_top = el.scroll_height() - el.client_height() - from_bottom;
        if from_top < LOAD_OLDER_WITHIN_PX {
            store.load_older(id.get_untracked());
        }
    };
    let to_bottom = move || {
        if let Some(el) = scroller.try_get_untracked().flatten() {
            el.set_scroll_top(0);
        }
        unseen.set(false);
    };

    // New message at the end while scrolled up: offer the button instead of moving the view.
    let last_key = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let t = thread.get();
        let last = t.items.last().map(|i| i.key.clone());
        let mine_last = t.items.last().is_some_and(|i| i.message.sender_id == store.my_id());
        let changed = last != last_key.get_value();
        last_key.set_value(last);
        if changed && !at_bottom.get_untracked() {
            if mine_last {
                request_animation_frame(to_bottom);
            } else {
                unseen.set(true);
            }
        }
        // Short histories do not fill the pane: keep fetching until they do or there is no more.
        request_animation_frame(check_scroll);
    });
    // A new conversation starts at the bottom.
    Effect::new(move |_| {
        id.track();
        at_bottom.set(true);
        unseen.set(false);
        request_animation_frame(to_bottom);
    });

    let is_group = Memo::new(move |_| {
        conversation.with(|c| c.as_ref().is_some_and(|c| c.conversation_type == ConversationType::Group))
    });
    // A group's members (for @ and names) once it is known to be a group, e.g. after a reload.
    Effect::new(move |_| {
        let cid = id.get();
        if is_group.get() && !store.members.with_untracked(|m| m.contains_key(&cid)) {
            store.load_members(cid);
        }
    });

    // "Jump to mention": load older pages until the message is there, then bring it into view.
    let seeking = RwSignal::new(None::<Id>);
    Effect::new(move |_| {
        let Some(mid) = seeking.get() else { return };
        let t = thread.get();
        if t.items.iter().any(|i| i.message.message_id == mid) {
            request_animation_frame(move || {
                let found = scroller.try_get_untracked().flatten().and_then(|el| {
                    el.query_selector(&format!("[data-message-id=\"{mid}\"] .bubble, [data-message-id=\"{mid}\"]"))
                        .ok()
                        .flatten()
                });
                if let Some(el) = found {
                    let opts = web_sys::ScrollIntoViewOptions::new();
                    opts.set_block(web_sys::ScrollLogicalPosition::Center);
                    el.scroll_into_view_with_scroll_into_view_options(&opts);
                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
                }
            });
            seeking.set(None);
            store.jump_to.set(None);
        } else if t.has_more {
            store.load_older(id.get_untracked());
        } else {
            seeking.set(None);
            store.jump_to.set(None);
        }
    });

    // Changes only when membership does: the composer (and what is typed in it) stays put
    // through every other update of the conversation.
    let not_in_group = Memo::new(move |_| conversation.with(|c| c.as_ref().is_some_and(|c| c.is_not_in_group)));
    let lang = move || i18n.lang();
    let all_rows = move || rows(&thread.get().items, js_sys::Date::now(), lang());
    let peer = move || conversation.get().map(|c| c.target_user_name).unwrap_or_default();
    let files = move |list: Vec<web_sys::File>| store.upload_files(id.get_untracked(), list, i18n.lang());

    view! {
        <section class="thread" aria-label=peer
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |ev: web_sys::DragEvent| {
                if ev.related_target().is_none() { dragging.set(false); }
            }
            on:drop=move |ev: web_sys::DragEvent| {
                ev.prevent_default();
                dragging.set(false);
                if let Some(list) = ev.data_transfer().and_then(|d| d.files()) {
                    let files_v: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
                    if !files_v.is_empty() { files(files_v); }
                }
            }>
            <header class="thread-header">
                <button type="button" class="icon-btn back" aria-label=i18n.t(K::Back) on:click=move |_| on_back.run(())>
                    <Svg icon=Icon::Back />
                </button>
                {move || conversation.get().map(|c| {
                    let group = c.conversation_type == confab_api::ConversationType::Group;
                    let sub = if group {
                        (!c.is_not_in_group).then(|| match c.member_count {
                            1 => i18n.t(K::OneMember).to_string(),
                            n => fill(i18n.t(K::MemberCount), &[("n", &n.to_string())]),
                        })
                    } else {
                        // Display names are anyone's to choose: the unique user name tells people apart.
                        (!c.target_user_handle.is_empty()).then(|| format!("@{}", c.target_user_handle))
                    };
                    view! {
                        <Avatar name=c.target_user_name.clone() url=c.target_user_avatar.clone() small=true />
                        <div class="thread-names">
                            <h2 class="thread-title">{c.target_user_name.clone()}</h2>
                            {sub.map(|t| view! { <span class="thread-handle">{t}</span> })}
                        </div>
                        {if group {
                            (!c.is_not_in_group).then(|| view! {
                                <button type="button" class="icon-btn" aria-label=i18n.t(K::Members) title=i18n.t(K::Members)
                                    aria-expanded=move || members_open.get().to_string()
                                    on:click=move |_| members_open.update(|o| *o = !*o)>
                                    <Svg icon=Icon::Users />
                                </button>
                            }).into_any()
                        } else {
                            view! { <BurnSetting c=c.clone() /> }.into_any()
                        }}
                    }
                })}
            </header>
            {move || store.jump_to.get().filter(|(cid, _)| *cid == id.get()).map(|(_, mid)| view! {
                <button type="button" class="jump-mention" on:click=move |_| seeking.set(Some(mid))>{i18n.t(K::JumpToMention)}</button>
            })}
            <div class="scroller" node_ref=scroller on:scroll=move |_| check_scroll()>
                <div class="rows" role="log" aria-live="off" aria-label=peer>
                    {move || {
                        let t = thread.get();
                        if t.loading_older {
                            Some(view! { <p class="history-note" role="status">{i18n.t(K::LoadingOlder)}</p> }.into_any())
                        } else if t.loaded && !t.has_more {
                            Some(view! { <p class="history-note">{i18n.t(K::StartOfConversation)}</p> }.into_any())
                        } else {
                            None
                        }
                    }}
                    // Rebuilt once if the conversation turns out to be a group (after a reload the
                    // list can arrive after the messages): rows then show their senders.
                    {move || {
                        let group = is_group.get();
                        view! {
                            <For each=all_rows key=Row::key children=move |row| match row {
                                Row::Day { label, .. } => view! { <div class="day" role="separator"><span>{label}</span></div> }.into_any(),
                                Row::Message { item, grouped } => view! { <MessageRow item=item grouped=grouped peer_name=peer() group=group /> }.into_any(),
                            } />
                        }
                    }}
                </div>
            </div>
            {move || unseen.get().then(|| view! {
                <button type="button" class="new-messages" on:click=move |_| to_bottom()>{i18n.t(K::NewMessages)}</button>
            })}
            <UploadList conversation_id=id />
            {move || if not_in_group.get() {
                view! { <p class="not-in-group" role="status">{i18n.t(K::NotInGroup)}</p> }.into_any()
            } else {
                view! {
                    <Composer conversation_id=id
                        on_send=Callback::new(move |(text, at, all)| store.send_with_mentions(id.get_untracked(), text, at, all))
                        on_files=Callback::new(files) />
                }.into_any()
            }}
            {move || members_open.get().then(|| view! {
                <MembersPanel id=id.get_untracked() on_close=Callback::new(move |_| members_open.set(false)) />
            })}
            {move || dragging.get().then(|| view! { <div class="drop-overlay" aria-hidden="true">{i18n.t(K::DropHere)}</div> })}
            {move || viewing.get().map(|f| view! { <ImageViewer file=f on_close=Callback::new(move |_| viewing.set(None)) /> })}
            {move || deleting.get().map(|m| view! { <ConfirmDelete m=m on_done=Callback::new(move |_| deleting.set(None)) /> })}
        </section>
    }
}

/// "Delete for me?" — the other side keeps the message.
#[component]
fn ConfirmDelete(m: Message, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let confirm = NodeRef::<leptos::html::Button>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(dialog);
    Effect::new(move |_| {
        if let Some(b) = confirm.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div class="modal-backdrop" on:click=move |_| on_done.run(())>
            <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-delete-text" node_ref=dialog
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { on_done.run(()) } else { trap(ev) }>
                <p id="confirm-delete-text">{i18n.t(K::ConfirmDelete)}</p>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_done.run(())>{i18n.t(K::Cancel)}</button>
                    <button type="button" class="btn danger" node_ref=confirm on:click=move |_| {
                        store.delete_for_me(&m);
                        on_done.run(());
                    }>{i18n.t(K::Delete)}</button>
                </div>
            </div>
        </div>
    }
}
