use confab_api::{ConversationType, FileInfo, Id, Message};
use leptos::prelude::*;

use super::avatar::Avatar;
use super::composer::Composer;
use super::emoji::EmojiPicker;
use super::forward::ForwardDialog;
use super::icons::{Icon, Svg};
use super::members::{BurnSetting, MembersPanel};
use super::message::{MessageHost, MessageRow};
use super::uploads::UploadList;
use super::viewer::ImageViewer;
use super::{Keyed, KeyedList};
use crate::format::{day_label, parse_ms, same_day};
use crate::i18n::{fill, use_i18n, K};
use crate::state::everyday::{first_unread, Unread};
use crate::state::window::Window;
use crate::state::{use_store, Item, Thread};

/// Consecutive messages of one sender within this long share one group.
const GROUP_WITHIN_MS: f64 = 5.0 * 60_000.0;
/// Older history is fetched when the top is this close.
const LOAD_OLDER_WITHIN_PX: i32 = 400;

/// A row of the thread: a day separator or a message.
#[derive(Clone, Debug, PartialEq)]
// Short-lived values handled at once; boxing the message would cost code size for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Row {
    Day {
        key: String,
        label: String,
    },
    /// "New messages": the first unread message of the conversation just opened follows.
    Unread,
    Message {
        item: Item,
        grouped: bool,
    },
}

impl Row {
    pub fn key(&self) -> String {
        match self {
            Row::Day { key, .. } => key.clone(),
            Row::Unread => "unread".into(),
            // Delivery and receipts update inside the row (an open menu survives them);
            // a recall or a new id rebuilds it.
            // An edit, a reaction or a quote's original going rebuilds the row (rare).
            Row::Message { item, grouped } => {
                let m = &item.message;
                let reacted: usize = m.reactions.iter().map(|r| r.user_ids.len() * 31 + r.emoji.len()).sum();
                format!(
                    "{}|{}|{}|{}|{}|{}|{}|{}",
                    item.key,
                    m.status == confab_api::MessageStatus::Recalled,
                    grouped,
                    m.message_id,
                    m.edited_at.as_deref().unwrap_or_default(),
                    m.reactions.len(),
                    reacted,
                    m.reply_to.as_ref().map(|q| q.excerpt.as_str()).unwrap_or_default()
                )
            }
        }
    }
}

/// Day separators between days, and grouping of a sender's consecutive messages. The first
/// row always starts a group under a day separator: in a window of the thread, what is loaded
/// above it must not change how it looks (it would move what the person is reading).
pub fn rows(items: &[Item], now_ms: f64, lang: crate::i18n::Lang, unread_at: Option<Id>) -> Vec<Row> {
    let mut out = Vec::with_capacity(items.len() + 4);
    let mut prev: Option<(f64, Id)> = None;
    for item in items {
        if unread_at.is_some_and(|id| id == item.message.message_id) {
            out.push(Row::Unread);
            // What follows the divider shows its sender again.
            prev = prev.map(|(t, _)| (t, 0));
        }
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

/// The fields of a conversation the thread shows (its header, the rows' peer name): id, group,
/// left, members, name, handle, the other person, avatar, burn after reading.
type Shown<'a> = (Id, bool, bool, i64, &'a str, &'a str, Id, &'a str, i64);

fn shown(c: &Option<confab_api::Conversation>) -> Option<Shown<'_>> {
    c.as_ref().map(|c| {
        (
            c.conversation_id,
            c.conversation_type == ConversationType::Group,
            c.is_not_in_group,
            c.member_count,
            c.target_user_name.as_str(),
            c.target_user_handle.as_str(),
            c.target_user_id,
            c.target_user_avatar.as_str(),
            c.burn_duration,
        )
    })
}

#[component]
pub fn ThreadView(#[prop(into)] id: Signal<Id>, #[prop(into)] on_back: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    // What the thread shows of its conversation. A message arriving changes the preview and the
    // counts, none of which is shown here: that does not notify (nor rebuild the header, nor
    // every row through the name).
    let conversation = Memo::new_owning(move |old: Option<Option<confab_api::Conversation>>| {
        let new = store.conversation(id.get());
        let changed = old.is_none_or(|old| shown(&old) != shown(&new));
        (new, changed)
    });
    // Narrow reads of the thread: nothing here copies or scans the whole history per change.
    let history = Memo::new(move |_| {
        store.threads.with(|t| t.get(&id.get()).map(|t| (t.loading_older, t.loaded, t.has_more)).unwrap_or_default())
    });
    let window = RwSignal::new(Window::default());
    let scroller = NodeRef::<leptos::html::Div>::new();
    let at_bottom = RwSignal::new(true);
    let unseen = RwSignal::new(false);
    let viewing = RwSignal::new(None::<FileInfo>);
    let deleting = RwSignal::new(None::<Message>);
    let dragging = RwSignal::new(false);

    let now = RwSignal::new(js_sys::Date::now());
    let members_open = RwSignal::new(false);
    // "Jump to a message": load older pages until it is there, then bring it into view.
    let seeking = RwSignal::new(None::<Id>);
    let picking = RwSignal::new(None::<Message>);
    provide_context(MessageHost {
        open_image: Callback::new(move |f| viewing.set(Some(f))),
        confirm_delete: Callback::new(move |m| deleting.set(Some(m))),
        now: now.read_only(),
        show: Callback::new(move |mid| seeking.set(Some(mid))),
        pick_emoji: Callback::new(move |m| picking.set(Some(m))),
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
    // Only a window of the thread is in the page; it slides a step when either end comes close.
    // While the view is being put at the bottom, the scroll events that causes slide nothing.
    let settling = StoredValue::new(false);
    let divider_off = RwSignal::new(false);
    let check_scroll = move || {
        let Some(el) = scroller.try_get_untracked().flatten() else { return };
        let from_bottom = -el.scroll_top();
        let live = window.get_untracked().to.is_none();
        // "First unread ↑" is offered while the divider is out of view.
        let view = el.get_bounding_client_rect();
        let off = el.query_selector(".unread-divider").ok().flatten().is_none_or(|d| {
            let r = d.get_bounding_client_rect();
            r.bottom() < view.top() || r.top() > view.bottom()
        });
        if divider_off.get_untracked() != off {
            divider_off.set(off);
        }
        at_bottom.set(live && from_bottom < 60);
        if live && from_bottom < 60 {
            unseen.set(false);
        }
        if settling.try_get_value().unwrap_or(true) {
            return;
        }
        let from_top = el.scroll_height() - el.client_height() - from_bottom;
        let w = window.get_untracked();
        let slide = if from_top < LOAD_OLDER_WITHIN_PX {
            let older = thread_now(store, id, |t| w.older(t));
            if older.is_none() {
                store.load_older(id.get_untracked());
            }
            older
        } else if from_bottom < LOAD_OLDER_WITHIN_PX {
            thread_now(store, id, |t| w.newer(t))
        } else {
            None
        };
        if let Some(w) = slide {
            keep_in_place(el, move || window.set(w));
        }
    };
    let to_bottom = move || {
        settling.set_value(true);
        if let Some(w) = thread_now(store, id, |t| Some(Window::newest(t))) {
            window.set(w);
        }
        at_bottom.set(true);
        unseen.set(false);
        // After the page has the newest rows (a frame), at the bottom; the scroll event that
        // causes comes with the next frame, then the window may slide again.
        request_animation_frame(move || {
            if let Some(el) = scroller.try_get_untracked().flatten() {
                el.set_scroll_top(0);
            }
            request_animation_frame(move || {
                let _ = settling.try_set_value(false);
            });
        });
    };

    // New message at the end while scrolled up: offer the button instead of moving the view.
    let last = Memo::new(move |_| {
        store.threads.with(|t| {
            t.get(&id.get()).and_then(|t| t.items.last()).map(|i| (i.key.clone(), i.message.sender_id == store.my_id()))
        })
    });
    Effect::new(move |prev: Option<Option<String>>| {
        let (key, mine_last) = last.get().unzip();
        let changed = prev.is_some_and(|p| p != key);
        // The window follows the live end while the person is there, and holds still otherwise.
        let w = window.get_untracked();
        let following = at_bottom.get_untracked();
        let next = thread_now(store, id, |t| {
            Some(if w.from == 0 && !t.items.is_empty() {
                Window::newest(t)
            } else if following {
                w.following(t)
            } else {
                w.held(t)
            })
        });
        if let Some(next) = next.filter(|n| *n != w) {
            window.set(next);
        }
        if changed && !following {
            if mine_last == Some(true) {
                request_animation_frame(to_bottom);
            } else {
                unseen.set(true);
            }
        }
        // Short histories do not fill the pane: keep fetching until they do or there is no more.
        request_animation_frame(check_scroll);
        key
    });
    // Older history arrived: the window may now slide up (or fetch again if the pane is not full).
    Effect::new(move |_| {
        history.track();
        request_animation_frame(check_scroll);
    });
    // A new conversation starts at the bottom.
    Effect::new(move |_| {
        id.track();
        window.set(Window::default());
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

    // The "you were mentioned" button goes once its mention was brought into view.
    let mention_asked = StoredValue::new(false);
    let done_with_mention = move |_mid: Id| {
        if mention_asked.get_value() {
            mention_asked.set_value(false);
            store.jump_to.set(None);
        }
    };
    // A search result (or anything else) asked for a message of this conversation.
    Effect::new(move |_| {
        if let Some((cid, mid)) = store.daily.seek.get() {
            if cid == id.get() {
                store.daily.seek.set(None);
                seeking.set(Some(mid));
            }
        }
    });
    // Opened with unread messages: find the first (loading older pages if it is further back),
    // put the divider above it and go there.
    Effect::new(move |_| {
        history.track();
        let cid = id.get();
        let Some((_, Unread::Count(n))) = store.daily.unread.get().filter(|(c, _)| *c == cid) else { return };
        let found = thread_now(store, id, |t| t.loaded.then(|| first_unread(t, store.my_id(), n)));
        match found {
            Some(Some(mid)) => {
                store.daily.unread.set(Some((cid, Unread::At(mid))));
                seeking.set(Some(mid));
            }
            Some(None) => store.load_older(cid),
            None => {}
        }
    });
    Effect::new(move |_| {
        let Some(mid) = seeking.get() else { return };
        history.track();
        let found = thread_now(store, id, |t| t.by_id(mid).map(|_| Window::around(t, mid)));
        if let Some(around) = found {
            // Until the message is in view, scroll events (the page changing under the view)
            // slide nothing.
            settling.set_value(true);
            window.set(around);
            at_bottom.set(false);
            request_animation_frame(move || {
                request_animation_frame(move || {
                    let _ = settling.try_set_value(false);
                });
                let found = scroller.try_get_untracked().flatten().and_then(|el| {
                    el.query_selector(&format!("[data-message-id=\"{mid}\"] .bubble, [data-message-id=\"{mid}\"]"))
                        .ok()
                        .flatten()
                });
                if let Some(el) = found {
                    let opts = web_sys::ScrollIntoViewOptions::new();
                    opts.set_block(web_sys::ScrollLogicalPosition::Center);
                    el.scroll_into_view_with_scroll_into_view_options(&opts);
                    // A moment's highlight says which one it is.
                    if let Ok(Some(row)) = el.closest(".msg") {
                        let _ = row.class_list().add_1("flash");
                        gloo_timers::callback::Timeout::new(2000, move || {
                            let _ = row.class_list().remove_1("flash");
                        })
                        .forget();
                    }
                    let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
                }
            });
            seeking.set(None);
            done_with_mention(mid);
        } else if history.get_untracked().2 {
            store.load_older(id.get_untracked());
        } else {
            seeking.set(None);
            done_with_mention(mid);
        }
    });

    // Changes only when membership does: the composer (and what is typed in it) stays put
    // through every other update of the conversation.
    let not_in_group = Memo::new(move |_| conversation.with(|c| c.as_ref().is_some_and(|c| c.is_not_in_group)));
    let lang = move || i18n.lang();
    let unread_at = move || {
        store.daily.unread.with(|u| match u {
            Some((c, Unread::At(m))) if *c == id.get() => Some(*m),
            _ => None,
        })
    };
    let all_rows = move || {
        let w = window.get();
        store.threads.with(|t| {
            t.get(&id.get())
                .map(|t| rows(&t.items[w.range(t)], js_sys::Date::now(), lang(), unread_at()))
                .unwrap_or_default()
        })
    };
    let peer = move || conversation.with(|c| c.as_ref().map(|c| c.target_user_name.clone()).unwrap_or_default());
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
                        let handle = (!c.target_user_handle.is_empty()).then(|| format!("@{}", c.target_user_handle));
                        let user = c.target_user_id;
                        let seen = store.daily.presence.with(|p| p.get(&user).cloned()).map(|p| match p.last_seen_at {
                            _ if p.online => i18n.t(K::Online).to_string(),
                            Some(at) => fill(i18n.t(K::LastSeen), &[("time", &crate::format::relative_time(parse_ms(&at), js_sys::Date::now(), i18n.lang()))]),
                            None => String::new(),
                        }).filter(|s| !s.is_empty());
                        match (handle, seen) {
                            (Some(h), Some(s)) => Some(format!("{h} · {s}")),
                            (h, s) => h.or(s),
                        }
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
                                    on:click=move |_| crate::state::toggle(members_open)>
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
                <button type="button" class="jump-mention" on:click=move |_| { mention_asked.set_value(true); seeking.set(Some(mid)); }>{i18n.t(K::JumpToMention)}</button>
            })}
            <div class="scroller" node_ref=scroller on:scroll=move |_| check_scroll()>
                <div class="rows" role="log" aria-live="off" aria-label=peer>
                    {move || {
                        let (loading_older, loaded, has_more) = history.get();
                        let at_oldest = window.with(|w| thread_now(store, id, |t| Some(w.range(t).start == 0))).unwrap_or(true);
                        if loading_older {
                            Some(view! { <p class="history-note" role="status">{i18n.t(K::LoadingOlder)}</p> }.into_any())
                        } else if loaded && !has_more && at_oldest {
                            Some(view! { <p class="history-note">{i18n.t(K::StartOfConversation)}</p> }.into_any())
                        } else {
                            None
                        }
                    }}
                    // Rebuilt once if the conversation turns out to be a group (after a reload the
                    // list can arrive after the messages): rows then show their senders.
                    {move || {
                        let group = is_group.get();
                        let rows = move || all_rows().into_iter().map(|row| Keyed {
                            key: row.key(),
                            view: Box::new(move || match row {
                                Row::Day { label, .. } => view! { <div class="day" role="separator"><span>{label}</span></div> }.into_any(),
                                Row::Unread => view! {
                                    <div class="unread-divider" role="separator" data-message-id="0"><span>{i18n.t(K::UnreadDivider)}</span></div>
                                }.into_any(),
                                Row::Message { item, grouped } => view! { <MessageRow item=item grouped=grouped peer_name=peer() group=group /> }.into_any(),
                            }),
                        }).collect();
                        view! { <KeyedList rows=Box::new(rows) /> }
                    }}
                </div>
            </div>
            {move || unseen.get().then(|| view! {
                <button type="button" class="new-messages" on:click=move |_| to_bottom()>{i18n.t(K::NewMessages)}</button>
            })}
            {move || (divider_off.get() && !unseen.get() && store.jump_to.with(Option::is_none)).then(unread_at).flatten().map(|mid| view! {
                <button type="button" class="jump-unread" on:click=move |_| seeking.set(Some(mid))>{i18n.t(K::JumpToUnread)}</button>
            })}
            <TypingLine id=id />
            <UploadList conversation_id=id />
            {move || store.daily.selecting.get().filter(|(c, _)| *c == id.get()).map(|(_, ids)| {
                let n = ids.len();
                view! {
                    <div class="select-bar" role="toolbar" aria-label=i18n.t(K::SelectSeveral)>
                        <span aria-live="polite">{fill(i18n.t(K::SelectedCount), &[("n", &n.to_string())])}</span>
                        <button type="button" class="btn" on:click=move |_| store.daily.selecting.set(None)>{i18n.t(K::Cancel)}</button>
                        <button type="button" class="btn primary" disabled=n == 0 on:click=move |_| store.forward_selected()>
                            {i18n.t(K::ForwardSelected)}
                        </button>
                    </div>
                }
            })}
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
            {move || picking.get().map(|m| view! {
                <EmojiPicker on_pick=Callback::new(move |e: String| store.toggle_reaction(&m, &e))
                    on_done=Callback::new(move |_| picking.set(None)) />
            })}
            {move || store.daily.forwarding.get().map(|list| view! {
                <ForwardDialog messages=list on_done=Callback::new(move |_| store.daily.forwarding.set(None)) />
            })}
        </section>
    }
}

/// "Alice is typing…" while someone in this conversation types (live, gone on its own).
#[component]
fn TypingLine(id: Signal<Id>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let text = move || {
        let cid = id.get();
        store.daily.typing.with(|list| {
            let mut names = list.iter().filter(|t| t.conversation_id == cid).map(|t| t.name.clone());
            match (names.next(), names.next()) {
                (Some(one), None) => fill(i18n.t(K::IsTyping), &[("name", &one)]),
                (Some(_), Some(_)) => i18n.t(K::SeveralTyping).to_string(),
                _ => String::new(),
            }
        })
    };
    view! { <p class="typing" aria-live="polite">{text}</p> }
}

/// Reads the thread on screen without subscribing to it.
fn thread_now<T>(store: crate::state::Store, id: Signal<Id>, f: impl FnOnce(&Thread) -> Option<T>) -> Option<T> {
    store.threads.with_untracked(|t| t.get(&id.get_untracked()).and_then(f))
}

/// Runs `change` (a slide of the window) without moving what the person is looking at: the
/// first message row in view is found before, and the scroll position corrected after, by
/// however far the change moved it.
fn keep_in_place(scroller: web_sys::HtmlDivElement, change: impl FnOnce()) {
    let top = scroller.get_bounding_client_rect().top();
    let anchor = scroller.query_selector_all("[data-message-id]").ok().and_then(|rows| {
        (0..rows.length()).filter_map(|i| rows.item(i)).find_map(|n| {
            let el = wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(n).ok()?;
            let rect = el.get_bounding_client_rect();
            let id = el.get_attribute("data-message-id")?;
            (rect.bottom() > top && id != "0").then(|| (id, rect.top()))
        })
    });
    change();
    let Some((id, before)) = anchor else { return };
    let restore = move || {
        if let Ok(Some(el)) = scroller.query_selector(&format!("[data-message-id=\"{id}\"]")) {
            let moved = el.get_bounding_client_rect().top() - before;
            if moved.abs() >= 1.0 {
                scroller.set_scroll_top(scroller.scroll_top() + moved as i32);
            }
        }
    };
    // Queued behind the render the change causes, so it runs before anything is painted —
    // even when the change itself ran in a frame callback. The frame callback is a backstop.
    let again = restore.clone();
    leptos::task::spawn_local(async move { restore() });
    request_animation_frame(again);
}

/// "Delete for me?" — the other side keeps the message.
#[component]
fn ConfirmDelete(m: Message, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    view! {
        <super::dialog::Confirm text=i18n.t(K::ConfirmDelete).to_string() action=i18n.t(K::Delete)
            on_confirm=move |_| store.delete_for_me(&m) on_done=on_done />
    }
}
