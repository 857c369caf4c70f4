//! Everyday messaging in the app: what the composer is doing (a reply, an edit), reactions,
//! who is typing, who is online, the first-unread divider, notifications and shortcuts.

use std::collections::HashMap;

use confab_api::*;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{edit, Store, Thread};
use crate::api;

/// The composer answers a message or changes one of mine.
#[derive(Clone, Debug, PartialEq)]
pub enum Compose {
    Reply(Message),
    Edit(Message),
}

impl Compose {
    pub fn message(&self) -> &Message {
        match self {
            Compose::Reply(m) | Compose::Edit(m) => m,
        }
    }
}

/// Someone typing, until a time (ms since the epoch).
#[derive(Clone, Debug, PartialEq)]
pub struct Typist {
    pub conversation_id: Id,
    pub user_id: Id,
    pub name: String,
    pub until: f64,
}

/// Where the "New messages" divider of the conversation just opened goes: first the number of
/// unread messages it had, then (once enough history is loaded) the first of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unread {
    Count(i64),
    At(Id),
}

#[derive(Clone, Copy)]
pub struct Daily {
    pub compose: RwSignal<Option<Compose>>,
    pub typing: RwSignal<Vec<Typist>>,
    pub presence: RwSignal<HashMap<Id, Presence>>,
    /// Bring this message of this conversation into view (search results, jump to unread).
    pub seek: RwSignal<Option<(Id, Id)>>,
    pub unread: RwSignal<Option<(Id, Unread)>>,
    /// The emoji list, once the picker asked for it.
    pub emoji: RwSignal<Option<Vec<EmojiEntry>>>,
    /// Messages chosen to forward (the dialog is open while this is set).
    pub forwarding: RwSignal<Option<Vec<Message>>>,
    /// Picking several messages of a conversation (to forward them together).
    pub selecting: RwSignal<Option<(Id, Vec<Id>)>>,
    pub help_open: RwSignal<bool>,
    /// The last typing notice sent: conversation and when.
    typing_sent: StoredValue<(Id, f64)>,
}

impl Default for Daily {
    fn default() -> Self {
        Self::new()
    }
}

impl Daily {
    pub fn new() -> Daily {
        Daily {
            compose: RwSignal::new(None),
            typing: RwSignal::new(Vec::new()),
            presence: RwSignal::new(HashMap::new()),
            seek: RwSignal::new(None),
            unread: RwSignal::new(None),
            emoji: RwSignal::new(None),
            forwarding: RwSignal::new(None),
            selecting: RwSignal::new(None),
            help_open: RwSignal::new(false),
            typing_sent: StoredValue::new((0, 0.0)),
        }
    }

    pub fn clear(&self) {
        self.compose.set(None);
        self.typing.set(Vec::new());
        self.presence.set(HashMap::new());
        self.seek.set(None);
        self.unread.set(None);
        self.forwarding.set(None);
        self.selecting.set(None);
        self.help_open.set(false);
    }
}

/// The first of the last `unread` messages others sent (what "New messages" goes above), if
/// that much is loaded; `None` when more history is needed first.
pub fn first_unread(t: &Thread, me: Id, unread: i64) -> Option<Id> {
    let mut left = unread;
    for i in t.items[..t.confirmed()].iter().rev() {
        let m = &i.message;
        if m.sender_id != me && m.message_type != MessageType::System {
            left -= 1;
            if left <= 0 {
                return Some(m.message_id);
            }
        }
    }
    // Everything there is loaded: the oldest message it has is the first unread.
    (!t.has_more && t.loaded).then(|| t.items.first().map(|i| i.message.message_id)).flatten()
}

/// The reactions after the person toggles `emoji` (on if they had not given it, else off).
pub fn toggled(reactions: &[Reaction], emoji: &str, me: Id) -> Vec<Reaction> {
    let mut out = reactions.to_vec();
    match out.iter().position(|r| r.emoji == emoji) {
        Some(i) if out[i].user_ids.contains(&me) => {
            out[i].user_ids.retain(|u| *u != me);
            if out[i].user_ids.is_empty() {
                out.remove(i);
            }
        }
        Some(i) => out[i].user_ids.push(me),
        None => out.push(Reaction { emoji: emoji.to_string(), user_ids: vec![me] }),
    }
    out
}

/// Emoji offered first, one click away.
pub const QUICK_EMOJI: [&str; 6] = ["👍", "❤️", "😂", "😮", "😢", "🎉"];

fn local(key: &str) -> Option<String> {
    crate::local_storage()?.get_item(key).ok()?
}

fn set_local(key: &str, value: &str) {
    if let Some(s) = crate::local_storage() {
        let _ = s.set_item(key, value);
    }
}

/// A person's switch kept in this browser: sharing that one is typing is on unless turned off;
/// the chime is off unless turned on.
pub fn setting_on(key: &str) -> bool {
    match local(key).as_deref() {
        Some(v) => v == "on",
        None => key != NOTIFY_SOUND,
    }
}

pub fn set_setting(key: &str, on: bool) {
    set_local(key, if on { "on" } else { "off" });
}

pub const SHARE_TYPING: &str = "confab.typing";
pub const NOTIFY_SOUND: &str = "confab.sound";
const NOTIFY_ASKED: &str = "confab.notify-asked";

/// Whether to offer notifications: the browser has them, nobody decided yet, not declined here.
pub fn should_offer_notifications() -> bool {
    notification_permission() == Some(web_sys::NotificationPermission::Default) && local(NOTIFY_ASKED).is_none()
}

fn notification_permission() -> Option<web_sys::NotificationPermission> {
    let has = js_sys::Reflect::has(&js_sys::global(), &"Notification".into()).unwrap_or(false);
    has.then(web_sys::Notification::permission)
}

/// Asks the browser once (the person clicked "Turn on"); "Not now" remembers the answer.
pub fn answer_notification_offer(turn_on: bool, done: impl FnOnce() + 'static) {
    set_local(NOTIFY_ASKED, "1");
    if !turn_on {
        return done();
    }
    if let Ok(promise) = web_sys::Notification::request_permission() {
        spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
            done();
        });
    } else {
        done();
    }
}

impl Store {
    /// Adds a message to the selection, or takes it out.
    pub fn toggle_selected(&self, conversation_id: Id, message_id: Id) {
        edit(
            self.daily.selecting,
            Box::new(move |s| {
                let (cid, ids) = s.get_or_insert_with(|| (conversation_id, Vec::new()));
                if *cid != conversation_id {
                    *cid = conversation_id;
                    ids.clear();
                }
                match ids.iter().position(|i| *i == message_id) {
                    Some(at) => {
                        ids.remove(at);
                    }
                    None => ids.push(message_id),
                }
            }),
        );
    }

    /// The selected messages, oldest first, to the forward dialog; the selection ends.
    pub fn forward_selected(&self) {
        let Some((cid, ids)) = self.daily.selecting.get_untracked() else { return };
        let list: Vec<Message> = self.threads.with_untracked(|t| {
            t.get(&cid)
                .map(|t| {
                    t.items.iter().filter(|i| ids.contains(&i.message.message_id)).map(|i| i.message.clone()).collect()
                })
                .unwrap_or_default()
        });
        self.daily.selecting.set(None);
        if !list.is_empty() {
            self.daily.forwarding.set(Some(list));
        }
    }

    pub fn apply_edited(&self, n: &EditedNotice) {
        self.update_thread(n.conversation_id, |t| {
            if let Ok(i) = t.slot(n.message_id) {
                let m = &mut t.items[i].message;
                m.content = MessageContent::Text(n.content.clone());
                m.edited_at = Some(n.edited_at.clone());
            }
            t.requote(n.message_id, Some(&n.content));
        });
    }

    pub fn apply_reactions(&self, n: &ReactionsNotice) {
        self.update_thread(n.conversation_id, |t| {
            if let Ok(i) = t.slot(n.message_id) {
                t.items[i].message.reactions = n.reactions.clone();
            }
        });
    }

    pub fn apply_live(&self, event: LiveEvent) {
        match event {
            LiveEvent::Typing(n) => {
                let until = js_sys::Date::now() + f64::from(TYPING_LASTS_MS);
                edit(
                    self.daily.typing,
                    Box::new(|list| {
                        list.retain(|t| !(t.conversation_id == n.conversation_id && t.user_id == n.user_id));
                        list.push(Typist {
                            conversation_id: n.conversation_id,
                            user_id: n.user_id,
                            name: n.user_name,
                            until,
                        });
                    }),
                );
                let typing = self.daily.typing;
                gloo_timers::callback::Timeout::new(TYPING_LASTS_MS + 100, move || {
                    let now = js_sys::Date::now();
                    if typing.try_with_untracked(|l| l.iter().any(|t| t.until <= now)) == Some(true) {
                        edit(typing, Box::new(move |l| l.retain(|t| t.until > now)));
                    }
                })
                .forget();
            }
            LiveEvent::Presence(p) => edit(
                self.daily.presence,
                Box::new(|m| {
                    m.insert(p.user_id, Presence { online: p.online, last_seen_at: p.last_seen_at });
                }),
            ),
        }
    }

    /// A message from someone ends their typing there.
    pub fn stopped_typing(&self, conversation_id: Id, user_id: Id) {
        if self
            .daily
            .typing
            .with_untracked(|l| l.iter().any(|t| t.conversation_id == conversation_id && t.user_id == user_id))
        {
            edit(
                self.daily.typing,
                Box::new(|l| l.retain(|t| !(t.conversation_id == conversation_id && t.user_id == user_id))),
            );
        }
    }

    /// The person typed in the composer: others hear it, at most every few seconds, unless
    /// they turned it off.
    pub fn typing_now(&self, conversation_id: Id) {
        if !setting_on(SHARE_TYPING) {
            return;
        }
        let now = js_sys::Date::now();
        let (last_id, last_at) = self.daily.typing_sent.get_value();
        if last_id == conversation_id && now - last_at < f64::from(TYPING_EVERY_MS) {
            return;
        }
        self.daily.typing_sent.set_value((conversation_id, now));
        let frame = serde_json::to_string(&ClientFrame::Typing { conversation_id }).unwrap_or_default();
        super::actions::socket_send(&frame);
    }

    /// Whether someone is online, asked once per chat opened; live after that.
    pub fn load_presence(&self, user_id: Id) {
        let store = *self;
        spawn_local(async move {
            if let Ok(p) = api::presence(user_id).await {
                edit(
                    store.daily.presence,
                    Box::new(|m| {
                        m.insert(user_id, p);
                    }),
                );
            }
        });
    }

    /// Edits my message: shown at once, put back if the server refuses.
    pub fn edit_message(&self, m: &Message, text: String) {
        let (store, id, cid) = (*self, m.message_id, m.conversation_id);
        let before = m.content.text().unwrap_or_default().to_string();
        if before == text {
            return;
        }
        let optimistic = EditedNotice {
            message_id: id,
            conversation_id: cid,
            content: text.clone(),
            edited_at: super::actions::now_iso(),
        };
        self.apply_edited(&optimistic);
        spawn_local(async move {
            match api::edit(id, &text).await {
                Ok(updated) => store.confirm(cid, updated),
                Err(e) => {
                    let back = EditedNotice { content: before, ..optimistic };
                    store.apply_edited(&back);
                    store.announcement.set(e.message);
                }
            }
        });
    }

    /// My last text message in the conversation that I may still edit (Up in an empty composer).
    pub fn last_editable(&self, conversation_id: Id) -> Option<Message> {
        let me = self.my_id();
        let now = js_sys::Date::now();
        self.threads.with_untracked(|t| {
            t.get(&conversation_id)?
                .items
                .iter()
                .rev()
                .map(|i| &i.message)
                .find(|m| m.sender_id == me && m.message_id > 0)
                .filter(|m| can_edit(m, me, now))
                .cloned()
        })
    }

    /// Gives or takes back one reaction: shown at once, the server's answer kept.
    pub fn toggle_reaction(&self, m: &Message, emoji: &str) {
        let me = self.my_id();
        let (cid, id) = (m.conversation_id, m.message_id);
        let current = self.threads.with_untracked(|t| {
            t.get(&cid).and_then(|t| t.by_id(id)).map(|i| i.message.reactions.clone()).unwrap_or_default()
        });
        let adding = !current.iter().any(|r| r.emoji == emoji && r.user_ids.contains(&me));
        let next = toggled(&current, emoji, me);
        self.apply_reactions(&ReactionsNotice { message_id: id, conversation_id: cid, reactions: next });
        let (store, emoji) = (*self, emoji.to_string());
        spawn_local(async move {
            let answer = api::react(id, &emoji, adding).await;
            let reactions = match answer {
                Ok(n) => n.reactions,
                Err(e) => {
                    store.announcement.set(e.message);
                    current
                }
            };
            store.apply_reactions(&ReactionsNotice { message_id: id, conversation_id: cid, reactions });
        });
    }

    pub fn load_emoji(&self) {
        if self.daily.emoji.with_untracked(Option::is_some) {
            return;
        }
        let store = *self;
        spawn_local(async move {
            if let Ok(list) = api::emoji().await {
                store.daily.emoji.set(Some(list));
            }
        });
    }

    /// A message arrived while the tab is in the background: a notification, unless the chat
    /// is muted (a mention of me notifies anyway).
    pub fn notify(&self, m: &Message) {
        if super::page_visible() || notification_permission() != Some(web_sys::NotificationPermission::Granted) {
            return;
        }
        let me = self.my_id();
        let Some(c) = self.conversation_now(m.conversation_id) else { return };
        let mentioned = m.at_user_ids.contains(&me) || m.at_all;
        if c.recv_msg_opt != 0 && !mentioned {
            return;
        }
        let title = if c.conversation_type == ConversationType::Group {
            format!("{} · {}", m.sender_name, c.target_user_name)
        } else {
            m.sender_name.clone()
        };
        let body = match &m.content {
            MessageContent::Text(t) => t.chars().take(140).collect(),
            MessageContent::File(f) => f.file_name.clone(),
        };
        let options = web_sys::NotificationOptions::new();
        options.set_body(&body);
        options.set_tag(&format!("c{}", m.conversation_id));
        let Ok(n) = web_sys::Notification::new_with_options(&title, &options) else { return };
        let cid = m.conversation_id;
        let on_click = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.focus();
            }
            crate::router::navigate(&format!("/c/{cid}"));
        });
        n.set_onclick(Some(wasm_bindgen::JsCast::unchecked_ref(&on_click)));
        if setting_on(NOTIFY_SOUND) {
            chime();
        }
    }
}

/// A short, soft two-note chime (Web Audio; no sound file to fetch).
fn chime() {
    let Ok(ctx) = web_sys::AudioContext::new() else { return };
    let t = ctx.current_time();
    for (i, freq) in [880.0f32, 1320.0].into_iter().enumerate() {
        let (Ok(osc), Ok(gain)) = (ctx.create_oscillator(), ctx.create_gain()) else { return };
        let start = t + i as f64 * 0.12;
        osc.frequency().set_value(freq);
        let _ = gain.gain().set_value_at_time(0.0001, start);
        let _ = gain.gain().exponential_ramp_to_value_at_time(0.15, start + 0.02);
        let _ = gain.gain().exponential_ramp_to_value_at_time(0.0001, start + 0.25);
        let _ = osc.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&ctx.destination());
        let _ = osc.start_with_when(start);
        let _ = osc.stop_with_when(start + 0.3);
    }
}

/// Whether it is my confirmed, not recalled message, sent less than `window_secs` ago (the
/// recall and edit windows).
pub fn mine_within(m: &Message, me: Id, now_ms: f64, window_secs: i64) -> bool {
    m.sender_id == me
        && m.message_id > 0
        && m.status == MessageStatus::Normal
        && now_ms - crate::format::parse_ms(&m.created_at) < window_secs as f64 * 1000.0
}

/// Whether I may still edit this message (text, mine, not recalled, inside the edit window).
pub fn can_edit(m: &Message, me: Id, now_ms: f64) -> bool {
    m.message_type == MessageType::Text && mine_within(m, me, now_ms, DEFAULT_EDIT_WINDOW_SECS)
}
