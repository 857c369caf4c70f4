use confab_api::{Message, MessageContent, MessageStatus, MessageType};
use leptos::prelude::*;

use super::avatar::Avatar;
use super::file_card::{FileCard, ImageThumb};
use super::icons::{Icon, Svg};
use crate::format::{clock, countdown, duration_label, mention_spans, parse_ms, system_text};
use crate::i18n::{fill, use_i18n, K};
use crate::state::everyday::{can_edit, Compose, QUICK_EMOJI};
use crate::state::{use_store, Delivery, Item};

/// Whether the sender may still recall it (the server's default window).
pub fn can_recall(m: &Message, me: i64, now_ms: f64) -> bool {
    crate::state::everyday::mine_within(m, me, now_ms, confab_api::DEFAULT_RECALL_WINDOW_SECS)
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
    /// The clock burn-after-reading countdowns read (ticks only while one runs).
    pub now: ReadSignal<f64>,
    /// Brings a message of this thread into view (a reply's quote clicked).
    pub show: Callback<confab_api::Id>,
    /// The emoji picker for a message.
    pub pick_emoji: Callback<Message>,
}

#[component]
pub fn MessageRow(
    item: Item,
    grouped: bool,
    peer_name: String,
    /// In a group: sender names head runs, own messages show read counts.
    #[prop(optional)]
    group: bool,
) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let host = expect_context::<MessageHost>();
    let me = store.my_id();
    let m = item.message.clone();
    let mine = m.sender_id == me;

    if m.message_type == MessageType::System {
        let words = match &m.system {
            Some(n) => system_text(n, me, i18n.lang()),
            None => m.content.text().unwrap_or_default().to_string(),
        };
        return view! { <div class="msg-notice system" data-message-id=m.message_id role="note"><span>{words}</span></div> }
            .into_any();
    }

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
    let time_label = format!("{} {}", m.sender_name, time);
    let text_for_copy = m.content.text().map(str::to_string);
    let key = item.key.clone();
    let cid = m.conversation_id;
    // Delivery, receipt, read count and burn time, live from the store: they change without
    // rebuilding the row.
    let live = store.live_row(&item);

    let body = match (&m.message_type, &m.content) {
        (MessageType::Image, MessageContent::File(f)) => {
            view! { <ImageThumb file=f.clone() on_open=host.open_image /> }.into_any()
        }
        (_, MessageContent::File(f)) => view! { <FileCard file=f.clone() /> }.into_any(),
        (_, MessageContent::Text(t)) if m.at_user_ids.is_empty() && !m.at_all => {
            view! { <p class="text">{t.clone()}</p> }.into_any()
        }
        (_, MessageContent::Text(t)) => {
            // Mentions stand out, mentions of me more; names come with the member list.
            let (t, at, all) = (t.clone(), m.at_user_ids.clone(), m.at_all);
            let spans = move || {
                let mut names: Vec<(String, bool)> = store.members.with(|g| {
                    g.get(&cid)
                        .map(|list| {
                            list.iter()
                                .filter(|u| at.contains(&u.user_id))
                                .map(|u| (u.display_name.clone(), u.user_id == me))
                                .collect()
                        })
                        .unwrap_or_default()
                });
                if all {
                    for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Zh] {
                        names.push((crate::i18n::text(lang, K::AllMembers).to_string(), !mine));
                    }
                }
                mention_spans(&t, &names)
                    .into_iter()
                    .map(|(piece, kind)| match kind {
                        None => piece.into_any(),
                        Some(me_too) => view! { <span class="mention" class:me=me_too>{piece}</span> }.into_any(),
                    })
                    .collect_view()
            };
            view! { <p class="text">{spans}</p> }.into_any()
        }
    };
    // Burn after reading: a flame, and once read a countdown.
    let burn = (m.burn_duration > 0).then(|| {
        let duration = m.burn_duration;
        let label = fill(i18n.t(K::BurnsIn), &[("time", &duration_label(duration, i18n.lang()))]);
        view! {
            <span class="burn" title=label.clone()>
                <Svg icon=Icon::Flame />
                <span class="sr-only">{label.clone()}" "</span>
                {move || live.with(|l| l.3.clone()).map(|at| countdown((parse_ms(&at) - host.now.get()).min(duration as f64 * 1000.0)))}
            </span>
        }
    });
    // Groups: how many have read my message; who, one click away.
    let readers_open = RwSignal::new(false);
    let read_count = (mine && group).then(|| {
        view! {
            <button type="button" class="read-count link-btn" aria-expanded=move || readers_open.get().to_string()
                on:click=move |_| crate::state::toggle(readers_open)>
                {move || fill(i18n.t(K::ReadBy), &[("n", &live.with(|l| l.2.unwrap_or(0)).to_string())])}
            </button>
        }
    });
    let message_id = m.message_id;
    let quote = m.reply_to.clone().map(|q| {
        let label = if q.gone {
            i18n.t(K::OriginalGone).to_string()
        } else {
            fill(i18n.t(K::ShowOriginal), &[("name", &q.sender_name)])
        };
        let text = match q.message_type {
            MessageType::Image if !q.gone => format!("{} {}", i18n.t(K::PreviewImage), q.excerpt),
            _ => q.excerpt.clone(),
        };
        let target = q.message_id;
        view! {
            <button type="button" class="quote" class:gone=q.gone aria-label=label disabled=q.gone
                on:click=move |_| host.show.run(target)>
                {(!q.gone).then(|| view! { <span class="quote-name">{q.sender_name.clone()}</span> })}
                <span class="quote-text">{if q.gone { i18n.t(K::OriginalGone).to_string() } else { text }}</span>
            </button>
        }
    });
    let edited = m.edited_at.clone().map(|at| {
        let title = fill(i18n.t(K::EditedAt), &[("time", &clock(parse_ms(&at), i18n.lang()))]);
        view! { <span class="edited" title=title>{i18n.t(K::Edited)}</span> }
    });
    let m_react = m.clone();
    let peer = peer_name.clone();
    let reactions = (!m.reactions.is_empty()).then(|| {
        let names = move |ids: &[confab_api::Id]| -> String {
            ids.iter()
                .map(|id| {
                    if *id == me {
                        i18n.t(K::You).to_string()
                    } else {
                        member_name(store, cid, *id).unwrap_or_else(|| peer.clone())
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        view! {
            <div class="reactions" role="group" aria-label=i18n.t(K::React)>
                {m.reactions.iter().map(|r| {
                    let mine_too = r.user_ids.contains(&me);
                    let title = fill(i18n.t(K::ReactedBy), &[("names", &names(&r.user_ids)), ("emoji", &r.emoji)]);
                    let (emoji, m) = (r.emoji.clone(), m_react.clone());
                    view! {
                        <button type="button" class="reaction" class:mine=mine_too aria-pressed=mine_too.to_string()
                            title=title.clone() aria-label=title on:click=move |_| store.toggle_reaction(&m, &emoji)>
                            <span aria-hidden="true">{r.emoji.clone()}</span>
                            <span class="count" aria-hidden="true">{r.user_ids.len()}</span>
                        </button>
                    }
                }).collect_view()}
            </div>
        }
    });

    let status = mine.then_some({
        move || {
            let (icon, label) = match live.with(|l| (l.0.code(), l.1)) {
                ("pending", _) => (Icon::Clock, K::Pending),
                ("failed", _) => (Icon::Alert, K::Failed),
                (_, true) => (Icon::CheckDouble, K::Read),
                (_, false) => (Icon::Check, K::Sent),
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

    // Picking several to forward: a checkbox before each message that can go.
    let selectable = message_id > 0 && m.burn_duration == 0;
    let picked = move || {
        store.daily.selecting.with(|s| s.as_ref().filter(|(c, _)| *c == cid).map(|(_, ids)| ids.contains(&message_id)))
    };
    let pick_box = move || {
        picked().filter(|_| selectable).map(|on| {
            let label = format!("{} {}", i18n.t(K::Select), time_label.clone());
            view! {
                <input type="checkbox" class="pick" aria-label=label prop:checked=on
                    on:change=move |_| store.toggle_selected(cid, message_id) />
            }
        })
    };
    view! {
        <div class="msg" class:mine=mine class:grouped=grouped class:failed=move || live.with(|l| l.0.code() == "failed")
            class:picked=move || picked() == Some(true)
            data-message-id=m.message_id data-delivery=move || live.with(|l| l.0.code())>
            {pick_box}
            {(!mine).then(|| if grouped {
                view! { <span class="avatar-gap"></span> }.into_any()
            } else {
                let name = if m.sender_name.is_empty() { peer_name.clone() } else { m.sender_name.clone() };
                view! { <Avatar name=name url=m.sender_avatar.clone() small=true /> }.into_any()
            })}
            <div class="bubble-wrap">
                {(group && !mine && !grouped).then(|| view! { <span class="sender">{m.sender_name.clone()}</span> })}
                <div class="bubble" class:media=m.message_type != MessageType::Text tabindex="0"
                    on:contextmenu=move |ev| { ev.prevent_default(); open_menu(); }
                    on:keydown=on_key>
                    {quote}
                    {body}
                    <span class="meta">{burn}{edited}<time>{time}</time>{read_count}{status}</span>
                </div>
                {reactions}
                {move || readers_open.get().then(|| view! { <Readers message_id=message_id /> })}
                <button type="button" class="icon-btn more" node_ref=menu_btn aria-haspopup="menu"
                    aria-expanded=move || menu_open.get().to_string()
                    aria-label=i18n.t(K::MoreActions) on:click=move |_| crate::state::toggle(menu_open)>
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
    let me = store.my_id();
    let editable = can_edit(&m, me, js_sys::Date::now());
    let (m_reply, m_edit, m_forward, m_more) = (m.clone(), m.clone(), m.clone(), m.clone());
    view! {
        <div class="menu" role="menu" node_ref=menu on:keydown=on_key>
            {confirmed.then(|| {
                let m = m.clone();
                view! {
                    <div class="quick-reactions" role="group" aria-label=i18n.t(K::React)>
                        {QUICK_EMOJI.iter().map(|e| {
                            let m = m.clone();
                            view! {
                                <button type="button" role="menuitem" class="emoji-btn" aria-label=*e
                                    on:click=move |_| { store.toggle_reaction(&m, e); close.run(()); }>{*e}</button>
                            }
                        }).collect_view()}
                        <button type="button" role="menuitem" class="emoji-btn more-emoji" aria-label=i18n.t(K::MoreEmoji)
                            title=i18n.t(K::MoreEmoji)
                            on:click=move |_| { host.pick_emoji.run(m_more.clone()); close.run(()); }>"+"</button>
                    </div>
                }
            })}
            {confirmed.then(|| view! {
                <button type="button" role="menuitem" data-action="reply" on:click=move |_| {
                    store.daily.compose.set(Some(Compose::Reply(m_reply.clone())));
                    close.run(());
                    focus_composer();
                }>{i18n.t(K::Reply)}</button>
            })}
            {editable.then(|| view! {
                <button type="button" role="menuitem" data-action="edit" on:click=move |_| {
                    store.daily.compose.set(Some(Compose::Edit(m_edit.clone())));
                    close.run(());
                    focus_composer();
                }>{i18n.t(K::Edit)}</button>
            })}
            {(confirmed && m.burn_duration == 0).then(|| {
                let (cid, mid) = (m.conversation_id, m.message_id);
                view! {
                    <button type="button" role="menuitem" data-action="forward" on:click=move |_| {
                        store.daily.forwarding.set(Some(vec![m_forward.clone()]));
                        close.run(());
                    }>{i18n.t(K::Forward)}</button>
                    <button type="button" role="menuitem" data-action="select" on:click=move |_| {
                        store.daily.selecting.set(None);
                        store.toggle_selected(cid, mid);
                        close.run(());
                    }>{i18n.t(K::SelectSeveral)}</button>
                }
            })}
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

/// Puts focus in the message box (after choosing reply or edit from a menu).
pub fn focus_composer() {
    request_animation_frame(|| {
        if let Some(el) = document().query_selector(".composer textarea").ok().flatten() {
            let _ = wasm_bindgen::JsCast::unchecked_into::<web_sys::HtmlElement>(el).focus();
        }
    });
}

/// A group member's name, from the members list when it is loaded.
fn member_name(store: crate::state::Store, conversation_id: confab_api::Id, user_id: confab_api::Id) -> Option<String> {
    store.members.with_untracked(|g| {
        g.get(&conversation_id)?.iter().find(|u| u.user_id == user_id).map(|u| u.display_name.clone())
    })
}

/// Who has read one of my group messages (asked when opened).
#[component]
fn Readers(message_id: confab_api::Id) -> impl IntoView {
    let i18n = use_i18n();
    let names = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        let list = crate::api::readers(message_id).await.unwrap_or_default();
        let joined = list.into_iter().map(|u| u.display_name).collect::<Vec<_>>().join(", ");
        names.set(Some(if joined.is_empty() { i18n.t(K::NobodyYet).to_string() } else { joined }));
    });
    view! { <div class="readers" role="group" aria-label=i18n.t(K::ReadersTitle)>{move || names.get()}</div> }
}
