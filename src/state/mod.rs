//! App-wide reactive state: the session, the conversation list, each conversation's messages,
//! the socket's status. Changes that come from the server go through the `apply_*` methods,
//! which are synchronous and tested without a network; `actions` does the talking.

mod actions;
pub mod assistant;
pub mod everyday;
pub mod outbox;
pub mod uploads;
pub mod window;

use std::collections::HashMap;

thread_local! {
    /// The newest event the loaded list reflects (the server says): a message the socket brings
    /// with a number up to it is already in the list's unread counts.
    static LIST_SEQ: std::cell::Cell<i64> = const { std::cell::Cell::new(0) };
}

use confab_api::*;
use leptos::prelude::*;

pub use actions::*;

/// Where an outgoing message is.
#[derive(Clone, Debug, PartialEq)]
pub enum Delivery {
    /// Shown at once, on its way to the server.
    Pending,
    Sent,
    /// Not accepted; the text says why. Retry sends it again with the same clientMsgId.
    Failed(String),
}

impl Delivery {
    /// A short stable name (for keys and `data-` attributes).
    pub fn code(&self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Sent => "sent",
            Delivery::Failed(_) => "failed",
        }
    }
}

/// What of a message changes without its row being rebuilt: delivery, read, read count, burn time.
pub type Live = (Delivery, bool, Option<i64>, Option<String>);

/// A message row on screen, and the signal that carries its [`Live`] part.
struct LiveRow {
    serial: u64,
    conversation_id: Id,
    message_id: Id,
    key: String,
    live: RwSignal<Live>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// Stable for the life of the row: the clientMsgId for own sends, else the message id.
    pub key: String,
    pub message: Message,
    pub delivery: Delivery,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Thread {
    /// Oldest first; pending sends (no id yet) at the end.
    pub items: Vec<Item>,
    pub has_more: bool,
    pub loaded: bool,
    pub loading_older: bool,
}

impl Thread {
    /// How many items have a server id: they come first, in id order; pending sends follow.
    pub fn confirmed(&self) -> usize {
        self.items.partition_point(|i| i.message.message_id > 0)
    }

    /// Where the message with this id is, or would go (a binary search: O(log n)).
    pub fn slot(&self, id: Id) -> Result<usize, usize> {
        self.items[..self.confirmed()].binary_search_by_key(&id, |i| i.message.message_id)
    }

    /// The item with this server id.
    pub fn by_id(&self, id: Id) -> Option<&Item> {
        self.slot(id).ok().map(|i| &self.items[i])
    }

    /// The item with this row key (a pending send's key is looked for among the few pending ones).
    pub fn by_key(&self, key: &str) -> Option<&Item> {
        match key.strip_prefix('m').and_then(|id| id.parse().ok()) {
            Some(id) => self.by_id(id),
            None => self.items.iter().rev().find(|i| i.key == key),
        }
    }

    fn position(&self, m: &Message) -> Option<usize> {
        if m.message_id > 0 {
            if let Ok(i) = self.slot(m.message_id) {
                return Some(i);
            }
        }
        // An own send's answer or echo finds its pending row by clientMsgId.
        let pending = self.confirmed();
        m.client_msg_id.as_ref()?;
        self.items[pending..]
            .iter()
            .position(|i| i.message.client_msg_id == m.client_msg_id && i.message.sender_id == m.sender_id)
            .map(|i| pending + i)
    }

    /// Inserts or replaces by id (or by clientMsgId for own sends), keeping the order; the
    /// cost does not grow with the thread beyond a binary search and one move.
    pub fn merge(&mut self, m: Message) {
        match self.position(&m) {
            Some(i) => {
                // Answers can arrive out of order (a POST's reply after the receipt it caused):
                // what is newer wins, so a message is never un-read or un-recalled.
                let old = &self.items[i].message;
                let mut m = m;
                m.is_read |= old.is_read;
                if m.burn_at.is_none() {
                    m.burn_at = old.burn_at.clone();
                }
                if old.status == MessageStatus::Recalled {
                    m.status = MessageStatus::Recalled;
                    m.content = MessageContent::Text(String::new());
                }
                let was_pending = old.message_id <= 0;
                self.items[i].message = m;
                self.items[i].delivery = Delivery::Sent;
                if was_pending && self.items[i].message.message_id > 0 {
                    // Confirmed: it moves from the pending tail to its place by id.
                    let item = self.items.remove(i);
                    self.insert_confirmed(item);
                }
            }
            None if m.message_id > 0 => {
                let key = format!("m{}", m.message_id);
                self.insert_confirmed(Item { key, message: m, delivery: Delivery::Sent });
            }
            None => {}
        }
    }

    pub fn remove(&mut self, id: Id) {
        if let Ok(i) = self.slot(id) {
            self.items.remove(i);
        }
    }

    fn insert_confirmed(&mut self, item: Item) {
        let at = self.slot(item.message.message_id).unwrap_or_else(|at| at);
        self.items.insert(at, item);
    }

    /// Brings the quotes of message `id` in replies up to date: its new text, or gone (`None`).
    /// Rare (an edit or a recall), so a pass over what is loaded.
    pub fn requote(&mut self, id: Id, text: Option<&str>) {
        for i in self.items.iter_mut() {
            if let Some(q) = i.message.reply_to.as_mut().filter(|q| q.message_id == id) {
                match text {
                    Some(t) => q.excerpt = excerpt(t),
                    None => {
                        q.gone = true;
                        q.excerpt.clear();
                        q.sender_name.clear();
                    }
                }
            }
        }
    }

    pub fn oldest_id(&self) -> Option<Id> {
        self.items.first().map(|i| i.message.message_id).filter(|id| *id > 0)
    }
}

#[derive(Clone, Copy)]
pub struct Store {
    pub me: RwSignal<Option<User>>,
    pub conversations: RwSignal<Vec<Conversation>>,
    pub list_loaded: RwSignal<bool>,
    pub threads: RwSignal<HashMap<Id, Thread>>,
    /// The socket is connected and caught up.
    pub online: RwSignal<bool>,
    /// The server refused the live connection for good (a close code); it is not retried.
    pub socket_refused: RwSignal<Option<u16>>,
    /// The conversation on screen.
    pub active: RwSignal<Option<Id>>,
    /// Read by screen readers (an aria-live region).
    pub announcement: RwSignal<String>,
    pub last_seq: RwSignal<Option<i64>>,
    pub uploads: RwSignal<Vec<uploads::UploadItem>>,
    /// Texts of messages this person recalled here, so they can edit and send them again.
    pub recalled_texts: RwSignal<HashMap<Id, String>>,
    /// Text put back into the composer ("edit again" after a recall).
    pub composer_refill: RwSignal<Option<(Id, String)>>,
    /// Members of the groups opened in this session (the members panel, @ autocomplete).
    pub members: RwSignal<HashMap<Id, Vec<GroupMember>>>,
    /// The unread @mention of me a conversation had when it was opened: (conversation, message).
    pub jump_to: RwSignal<Option<(Id, Id)>>,
    /// The server has more of the list than is loaded, and how many pages are.
    pub list_more: RwSignal<bool>,
    list_pages: RwSignal<u32>,
    /// Events came while the list was loading: load it again after.
    list_dirty: RwSignal<bool>,
    list_loading: RwSignal<bool>,
    /// The assistant's sessions.
    pub ai: assistant::AiState,
    /// Replies, edits, reactions, typing, presence, unread divider, notifications.
    pub daily: everyday::Daily,
    /// The message rows on screen (a window of the thread: ~100 at most), with a serial number.
    live_rows: StoredValue<(u64, Vec<LiveRow>)>,
    /// Conversations whose "read" is about to be sent (see `send_read`).
    reads_due: StoredValue<Vec<Id>>,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub fn new() -> Store {
        Store {
            me: RwSignal::new(None),
            conversations: RwSignal::new(Vec::new()),
            list_loaded: RwSignal::new(false),
            threads: RwSignal::new(HashMap::new()),
            online: RwSignal::new(false),
            socket_refused: RwSignal::new(None),
            active: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            last_seq: RwSignal::new(None),
            uploads: RwSignal::new(Vec::new()),
            composer_refill: RwSignal::new(None),
            recalled_texts: RwSignal::new(HashMap::new()),
            members: RwSignal::new(HashMap::new()),
            jump_to: RwSignal::new(None),
            list_more: RwSignal::new(false),
            list_pages: RwSignal::new(0),
            list_dirty: RwSignal::new(false),
            list_loading: RwSignal::new(false),
            ai: assistant::AiState::new(),
            daily: everyday::Daily::new(),
            live_rows: StoredValue::new((0, Vec::new())),
            reads_due: StoredValue::new(Vec::new()),
        }
    }

    pub fn my_id(&self) -> Id {
        self.me.with_untracked(|m| m.as_ref().map(|u| u.user_id).unwrap_or_default())
    }

    /// The conversation, tracked (for views and memos).
    pub fn conversation(&self, id: Id) -> Option<Conversation> {
        self.conversations.with(|list| find(list, id))
    }

    /// The conversation, untracked (for actions: reading must not subscribe whoever calls).
    pub fn conversation_now(&self, id: Id) -> Option<Conversation> {
        self.conversations.with_untracked(|list| find(list, id))
    }

    /// Unread over conversations that are not muted (the tab title's number).
    pub fn total_unread(&self) -> i64 {
        self.conversations.with(|l| l.iter().filter(|c| c.recv_msg_opt == 0).map(|c| c.unread_count).sum())
    }

    pub fn set_conversations(&self, list: Vec<Conversation>) {
        self.conversations.set(sorted(list));
        self.list_loaded.set(true);
    }

    pub fn upsert_conversation(&self, c: Conversation) {
        edit(
            self.conversations,
            Box::new(|list| {
                match list.iter_mut().find(|x| x.conversation_id == c.conversation_id) {
                    Some(x) => *x = c,
                    None => list.push(c),
                }
                sort(list);
            }),
        );
    }

    /// A further page of the list: what the socket already brought stays as it is.
    pub fn add_older_conversations(&self, page: Vec<Conversation>) {
        edit(
            self.conversations,
            Box::new(|list| {
                for c in page {
                    if !list.iter().any(|x| x.conversation_id == c.conversation_id) {
                        list.push(c);
                    }
                }
                sort(list);
            }),
        );
    }

    /// Changes one conversation; nothing (and no notification) if it is not in the list.
    fn update_conversation(&self, id: Id, f: impl FnOnce(&mut Conversation)) -> bool {
        if self.conversation_now(id).is_none() {
            return false;
        }
        edit(
            self.conversations,
            Box::new(|list| {
                if let Some(c) = list.iter_mut().find(|c| c.conversation_id == id) {
                    f(c);
                }
                sort(list);
            }),
        );
        true
    }

    pub fn update_thread(&self, id: Id, f: impl FnOnce(&mut Thread)) {
        edit(self.threads, Box::new(move |t| f(t.entry(id).or_default())));
        self.refresh_rows(id);
    }

    /// The live part of a message row, for as long as the row is on screen. The row reads this
    /// signal, not the thread: a change of the thread sets the signals of the rows it changed
    /// (a delivery, a receipt), and no other row runs anything.
    pub fn live_row(&self, item: &Item) -> RwSignal<Live> {
        let live = RwSignal::new(live_of(item));
        let (conversation_id, message_id, key) =
            (item.message.conversation_id, item.message.message_id, item.key.clone());
        let serial = self
            .live_rows
            .try_update_value(|(n, rows)| {
                *n += 1;
                rows.push(LiveRow { serial: *n, conversation_id, message_id, key, live });
                *n
            })
            .unwrap_or_default();
        let rows = self.live_rows;
        on_cleanup(move || {
            rows.try_update_value(|(_, rows)| rows.retain(|r| r.serial != serial));
        });
        live
    }

    /// Sets the live signal of each row of this conversation whose message changed.
    fn refresh_rows(&self, id: Id) {
        let changed: Vec<(RwSignal<Live>, Live)> = self
            .live_rows
            .try_with_value(|(_, rows)| {
                self.threads.with_untracked(|threads| {
                    let Some(t) = threads.get(&id) else { return Vec::new() };
                    rows.iter()
                        .filter(|r| r.conversation_id == id)
                        .filter_map(|r| {
                            let item = if r.message_id > 0 { t.by_id(r.message_id) } else { t.by_key(&r.key) }?;
                            let now = live_of(item);
                            r.live.try_with_untracked(|v| *v != now).unwrap_or(false).then_some((r.live, now))
                        })
                        .collect()
                })
            })
            .unwrap_or_default();
        for (signal, value) in changed {
            signal.try_set(value);
        }
    }

    /// Whether the person is looking at this conversation right now.
    pub fn is_watching(&self, conversation_id: Id) -> bool {
        self.active.get_untracked() == Some(conversation_id) && page_visible()
    }

    /// A message arrived (from the socket): thread, list, unread count, announcement.
    /// Returns whether the conversation is unknown to the list (the caller fetches it).
    pub fn apply_new_message(&self, m: Message) -> bool {
        let me = self.my_id();
        let cid = m.conversation_id;
        let from_other = m.sender_id != me;
        let watching = self.is_watching(cid);
        if self.threads.with_untracked(|t| t.contains_key(&cid)) {
            self.update_thread(cid, |t| t.merge(m.clone()));
        }
        if self.list_loading.get_untracked() {
            self.list_dirty.set(true);
        }
        let known = self.update_conversation(cid, |c| {
            c.last_message = preview_text(m.message_type, m.status == MessageStatus::Recalled, &m.content);
            c.last_message_type = Some(m.message_type);
            c.last_message_recalled = m.status == MessageStatus::Recalled;
            c.last_message_time = Some(m.created_at.clone());
            c.last_message_system = m.system.clone();
            let system = m.message_type == MessageType::System;
            // The event in hand is the socket's newest; the list may already count it.
            let counted = self.last_seq.get_untracked().is_some_and(|s| s <= LIST_SEQ.get());
            if from_other && !watching && !system && !counted {
                c.unread_count += 1;
                // An @mention of me (or of everyone) marks the list row until it is read.
                let at_me = m.at_user_ids.contains(&me);
                if at_me || m.at_all {
                    // As the server counts it: 1 @me, 2 @all, 3 both (an announcement's 4 gives way).
                    let new = if at_me && m.at_all {
                        3
                    } else if at_me {
                        1
                    } else {
                        2
                    };
                    c.group_at_type = match c.group_at_type {
                        old @ 1..=3 if old != new => 3,
                        _ => new,
                    };
                    c.at_data = Some(AtData {
                        mentioner_id: m.sender_id,
                        mentioner_name: m.sender_name.clone(),
                        message_id: m.message_id,
                    });
                }
            }
        });
        if from_other {
            let text = match &m.content {
                MessageContent::Text(t) => t.clone(),
                MessageContent::File(f) => f.file_name.clone(),
            };
            self.announcement.set(format!("{}\u{1}{}", m.sender_name, text));
        }
        !known
    }

    pub fn apply_read(&self, r: &ReadReceipt) {
        let me = self.my_id();
        let burn_at = burn_clock();
        if r.reader_id == me {
            self.update_conversation(r.conversation_id, |c| {
                c.unread_count = 0;
                c.is_marked_unread = false;
                c.group_at_type = 0;
                c.at_data = None;
            });
            // What I just read starts burning, if it is meant to.
            self.update_thread(r.conversation_id, |t| {
                for i in t.items.iter_mut().filter(|i| i.message.sender_id != me) {
                    burn_started(&mut i.message, r.last_read_message_id, &burn_at);
                }
            });
            return;
        }
        self.update_thread(r.conversation_id, |t| {
            // Newest first, down to where the reader's mark was: what is older was counted before.
            let upto = t.slot(r.last_read_message_id).map_or_else(|at| at, |at| at + 1);
            for i in t.items[..upto].iter_mut().rev() {
                let m = &mut i.message;
                if m.message_id <= r.previous_read_message_id {
                    break;
                }
                if m.sender_id == r.reader_id {
                    continue;
                }
                m.is_read = true;
                if m.sender_id == me {
                    // One more member has read it (groups count readers).
                    if let Some(n) = m.read_count.as_mut().filter(|_| m.message_id > r.previous_read_message_id) {
                        *n += 1;
                    }
                    burn_started(m, r.last_read_message_id, &burn_at);
                }
            }
        });
    }

    /// A burn-after-reading message expired: it leaves the thread (the server erased it).
    pub fn apply_burned(&self, n: &BurnedNotice) {
        self.update_thread(n.conversation_id, |t| {
            t.remove(n.message_id);
            t.requote(n.message_id, None);
        });
    }

    pub fn apply_recalled(&self, n: &RecalledNotice) {
        self.update_thread(n.conversation_id, |t| {
            if let Ok(i) = t.slot(n.message_id) {
                let i = &mut t.items[i];
                i.message.status = MessageStatus::Recalled;
                i.message.content = MessageContent::Text(String::new());
                i.message.reactions.clear();
            }
            // Replies quoting it show it gone (its words must not stay on screen in them).
            t.requote(n.message_id, None);
        });
    }

    pub fn apply_deleted(&self, n: &DeletedNotice) {
        self.update_thread(n.conversation_id, |t| {
            t.remove(n.message_id);
            t.requote(n.message_id, None);
        });
    }

    /// An own message shown at once, before the server has it.
    pub fn add_pending(&self, m: Message) -> String {
        let key = format!("c{}", m.client_msg_id.clone().unwrap_or_default());
        let cid = m.conversation_id;
        self.update_thread(cid, |t| t.items.push(Item { key: key.clone(), message: m, delivery: Delivery::Pending }));
        key
    }

    pub fn confirm(&self, conversation_id: Id, m: Message) {
        self.update_thread(conversation_id, |t| t.merge(m));
    }

    pub fn set_delivery(&self, conversation_id: Id, key: &str, delivery: Delivery) {
        self.update_thread(conversation_id, |t| {
            if let Some(i) = t.items.iter_mut().rev().find(|i| i.key == key) {
                i.delivery = delivery;
            }
        });
    }

    /// History from the server merged in (never replacing what the socket already brought).
    pub fn merge_history(&self, conversation_id: Id, page: MessagePage, older: bool) {
        self.update_thread(conversation_id, |t| {
            for m in page.list {
                t.merge(m);
            }
            if older || !t.loaded {
                t.has_more = page.has_more;
            }
            t.loaded = true;
            t.loading_older = false;
        });
        // On screen is read: burn-after-reading countdowns start (the server's own timers
        // started with the read mark; its exact times come with the next load).
        if self.is_watching(conversation_id) {
            let (me, now) = (self.my_id(), burn_clock());
            self.update_thread(conversation_id, |t| {
                for i in t.items.iter_mut().filter(|i| i.message.sender_id != me) {
                    burn_started(&mut i.message, Id::MAX, &now);
                }
            });
        }
    }

    fn finish_list_load(&self, list: Vec<Conversation>, seq: i64) -> bool {
        self.list_loading.set(false);
        LIST_SEQ.set(seq);
        self.set_conversations(list);
        let again = self.list_dirty.get_untracked();
        self.list_dirty.set(false);
        again
    }

    pub fn clear(&self) {
        self.me.set(None);
        self.conversations.set(Vec::new());
        self.list_loaded.set(false);
        self.list_more.set(false);
        self.list_pages.set(0);
        self.threads.set(HashMap::new());
        self.online.set(false);
        self.socket_refused.set(None);
        self.active.set(None);
        self.last_seq.set(None);
        LIST_SEQ.set(0);
        self.uploads.set(Vec::new());
        // Nothing of the last person may stay for the next one in this tab.
        self.recalled_texts.set(HashMap::new());
        self.members.set(HashMap::new());
        self.jump_to.set(None);
        self.composer_refill.set(None);
        self.announcement.set(String::new());
        self.ai.clear();
        self.daily.clear();
    }
}

/// The time a burn timer started now would end, as the server words it (it sends the exact
/// time with the next load; this keeps the countdown going until then).
fn burn_clock() -> f64 {
    js_sys::Date::now()
}

/// Starts a burn-after-reading message's countdown once it is read up to `read_up_to`.
fn burn_started(m: &mut Message, read_up_to: Id, now_ms: &f64) {
    if m.burn_duration > 0 && m.burn_at.is_none() && m.message_id > 0 && m.message_id <= read_up_to {
        let end = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(now_ms + m.burn_duration as f64 * 1000.0));
        m.burn_at = Some(String::from(end.to_iso_string()));
    }
}

pub fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .map(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
        .unwrap_or(true)
}

fn find(list: &[Conversation], id: Id) -> Option<Conversation> {
    list.iter().find(|c| c.conversation_id == id).cloned()
}

fn sort(list: &mut [Conversation]) {
    list.sort_by(|a, b| {
        b.is_pinned
            .cmp(&a.is_pinned)
            .then_with(|| b.last_message_time.cmp(&a.last_message_time))
            .then_with(|| b.conversation_id.cmp(&a.conversation_id))
    });
}

fn sorted(mut list: Vec<Conversation>) -> Vec<Conversation> {
    sort(&mut list);
    list
}

fn live_of(item: &Item) -> Live {
    let m = &item.message;
    (item.delivery.clone(), m.is_read, m.read_count, m.burn_at.clone())
}

/// Changes a signal's value. Every distinct closure given to `update` compiles its own copy of
/// Leptos's update path; going through this shares one copy per value type (bundle size).
pub fn edit<T: Send + Sync + 'static>(signal: RwSignal<T>, f: Box<dyn FnOnce(&mut T) + '_>) {
    signal.update(move |v| f(v));
}

/// Flips a switch (menus, panels) through one shared update.
pub fn toggle(signal: RwSignal<bool>) {
    edit(signal, Box::new(|v| *v = !*v));
}

pub fn use_store() -> Store {
    expect_context::<Store>()
}
