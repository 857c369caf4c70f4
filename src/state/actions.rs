//! What the app does over the network, each as a method that updates the state as it goes.

use confab_api::*;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Delivery, Store};
use crate::api::{self, socket, ApiError};
use crate::local_storage as storage;

thread_local! {
    static SOCKET: std::cell::RefCell<Option<socket::SocketHandle>> = const { std::cell::RefCell::new(None) };
    /// A flush of the outbox is under way (one at a time keeps the order).
    static FLUSHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Retries the outbox while it is not empty.
    static OUTBOX_TIMER: std::cell::RefCell<Option<gloo_timers::callback::Interval>> = const { std::cell::RefCell::new(None) };
}

/// How often waiting messages are tried again (besides at every reconnect).
const OUTBOX_RETRY_MS: u32 = 5_000;
/// How long a "read" waits for more messages to arrive before it is sent.
const READ_AFTER_MS: u32 = 100;

const PAGE: u32 = 40;
const TOKEN_KEY: &str = "confab.token";

pub fn saved_token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok()?
}

pub(super) fn now_iso() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

pub fn new_client_msg_id() -> String {
    format!("{:x}-{:08x}", js_sys::Date::now() as u64, (js_sys::Math::random() * u32::MAX as f64) as u32)
}

/// Sends a frame on the live connection, if there is one.
pub(super) fn socket_send(text: &str) {
    SOCKET.with(|s| {
        if let Some(h) = s.borrow().as_ref() {
            h.send(text)
        }
    });
}

fn send_request(m: &Message) -> SendMessageRequest {
    let content = match &m.content {
        MessageContent::Text(t) => OutgoingContent::Text(t.clone()),
        MessageContent::File(f) => OutgoingContent::FileRef(FileRef { file_id: f.file_id }),
    };
    SendMessageRequest {
        at_user_ids: m.at_user_ids.clone(),
        at_all: m.at_all,
        reply_to_message_id: m.reply_to.as_ref().map(|r| r.message_id),
        ..SendMessageRequest::new(
            (m.receiver_id > 0).then_some(m.receiver_id),
            content,
            Some(m.message_type),
            Some(m.conversation_id),
            m.client_msg_id.clone(),
        )
    }
}

impl Store {
    /// Signed in: remember the token, connect, load the list.
    pub fn start_session(&self, token: String, user: User) {
        let user_id = user.user_id;
        if let Some(s) = storage() {
            let _ = s.set_item(TOKEN_KEY, &token);
        }
        api::set_token(Some(token));
        self.me.set(Some(user));
        // The rest lives in the signed-in part of the app, which the release build fetches
        // apart from the sign-in page (see `crate::signed_in`).
        let store = *self;
        crate::signed_in::with_loaded(move |parts| {
            // Unless the session ended (or another began) while that part was fetched.
            if store.my_id() == user_id {
                (parts.start)(store, user_id);
            }
        });
    }

    /// What a session starts once the signed-in part of the app is here: the messages this
    /// browser still owes the server, the retry timer, the list (and with it the socket).
    pub fn start_signed_in(&self, user_id: Id) {
        // What was written but not sent before a reload shows again, waiting, and goes out.
        for m in super::outbox::load(user_id) {
            let known = self.threads.with_untracked(|t| {
                t.get(&m.conversation_id)
                    .is_some_and(|t| t.items.iter().any(|i| i.message.client_msg_id == m.client_msg_id))
            });
            if !known {
                self.add_pending(m);
            }
        }
        let store = *self;
        OUTBOX_TIMER.with(|t| {
            *t.borrow_mut() = Some(gloo_timers::callback::Interval::new(OUTBOX_RETRY_MS, move || store.flush_outbox()))
        });
        // The socket opens once the list is in, from the event the list reflects: nothing that
        // happens in between is missed or counted twice.
        self.load_conversations();
        self.flush_outbox();
    }

    /// On start: a saved token is checked with the server before it is trusted.
    pub async fn resume(&self) -> bool {
        let Some(token) = saved_token() else { return false };
        api::set_token(Some(token.clone()));
        match api::me().await {
            Ok(user) => {
                self.start_session(token, user);
                true
            }
            Err(e) if e.is_network() => {
                // Server unreachable at start: the sign-in page shows, but the token is kept,
                // so the next load once the server is back resumes the session.
                false
            }
            Err(_) => {
                self.forget_session();
                false
            }
        }
    }

    pub fn forget_session(&self) {
        SOCKET.with(|s| {
            if let Some(h) = s.borrow_mut().take() {
                h.stop()
            }
        });
        OUTBOX_TIMER.with(|t| t.borrow_mut().take());
        // Nothing of this person stays in the browser, unsent messages included.
        if let Some(me) = self.me.get_untracked() {
            super::outbox::clear(me.user_id);
        }
        if let Some(s) = storage() {
            let _ = s.remove_item(TOKEN_KEY);
        }
        api::set_token(None);
        self.clear();
    }

    /// Signs out here; with `everywhere`, every session of this person (other tabs and devices).
    pub fn sign_out(&self, everywhere: bool) {
        let store = *self;
        spawn_local(async move {
            let _ = if everywhere { api::logout_all().await } else { api::logout().await };
            store.forget_session();
        });
    }

    /// Opens the socket, from `since`, unless it is open (or no one is signed in).
    fn connect_once(&self, since: Option<i64>) {
        let Some(token) = api::token() else { return };
        if SOCKET.with(|s| s.borrow().is_some()) {
            return;
        }
        self.last_seq.set(since);
        let store = *self;
        let handle = socket::run(token, move || store.last_seq.get_untracked(), move |event| store.on_socket(event));
        SOCKET.with(|s| *s.borrow_mut() = Some(handle));
    }

    fn on_socket(&self, event: socket::SocketEvent) {
        match event {
            socket::SocketEvent::Connected => {
                self.online.set(true);
                self.flush_outbox();
                if !self.list_loaded.get_untracked() && !self.list_loading.get_untracked() {
                    self.load_conversations();
                }
            }
            socket::SocketEvent::Disconnected => self.online.set(false),
            // Signed out elsewhere ("sign out everywhere", another tab) or expired: back to sign-in.
            socket::SocketEvent::Refused(confab_api::close_code::UNAUTHORIZED) => {
                self.forget_session();
                crate::router::navigate("/login");
            }
            socket::SocketEvent::Refused(code) => self.socket_refused.set(Some(code)),
            socket::SocketEvent::Frame(ServerFrame::Control(ControlFrame::Ready { seq })) => {
                self.last_seq.set(Some(seq));
            }
            socket::SocketEvent::Frame(ServerFrame::Control(ControlFrame::Resync { seq })) => {
                // Too long away to replay: reload what is on screen.
                self.last_seq.set(Some(seq));
                self.load_conversations();
                if let Some(id) = self.active.get_untracked() {
                    self.load_thread(id);
                }
                if self.ai.sessions.with_untracked(Option::is_some) {
                    self.ai.load();
                }
            }
            socket::SocketEvent::Frame(ServerFrame::Control(_)) => {}
            socket::SocketEvent::Frame(ServerFrame::Live(event)) => self.apply_live(event),
            socket::SocketEvent::Frame(ServerFrame::Event(frame)) => {
                self.last_seq.set(Some(frame.seq));
                self.apply_event(frame.event);
            }
        }
    }

    pub fn apply_event(&self, event: Event) {
        match event {
            Event::NewMessage(m) => {
                let cid = m.conversation_id;
                let from_other = m.sender_id != self.my_id();
                let watching = from_other && self.is_watching(cid);
                if from_other {
                    self.stopped_typing(cid, m.sender_id);
                    self.notify(&m);
                }
                if self.apply_new_message(m) {
                    self.refresh_conversation(cid);
                }
                // Seen as it arrived: tell the server (the sender gets the receipt).
                if watching {
                    self.send_read(cid);
                }
            }
            Event::Read(r) => self.apply_read(&r),
            Event::MessageRecalled(n) => {
                self.apply_recalled(&n);
                self.refresh_conversation(n.conversation_id);
            }
            Event::MessageDeleted(n) => {
                self.apply_deleted(&n);
                self.refresh_conversation(n.conversation_id);
            }
            Event::ConversationUpdated(c) => {
                // Membership may have changed: the members panel and @ list follow.
                if self.members.with_untracked(|m| m.contains_key(&c.conversation_id)) {
                    self.load_members(c.conversation_id);
                }
                self.upsert_conversation(c);
            }
            Event::MessageBurned(n) => self.apply_burned(&n),
            Event::AiSessionUpdated(s) => self.ai.apply_updated(s),
            Event::AiSessionDeleted(g) => self.ai.apply_deleted(g.session_id),
            Event::MessageEdited(n) => {
                self.apply_edited(&n);
                self.refresh_conversation(n.conversation_id);
            }
            Event::ReactionsChanged(n) => self.apply_reactions(&n),
        }
    }

    pub fn load_conversations(&self) {
        let store = *self;
        store.list_loading.set(true);
        spawn_local(async move {
            loop {
                match api::conversations(1).await {
                    Ok(page) => {
                        store.list_pages.set(1);
                        store.list_more.set(page.total > page.list.len() as i64);
                        let again = store.finish_list_load(page.list, page.seq);
                        store.connect_once(Some(page.seq));
                        if !again {
                            break;
                        }
                    }
                    Err(_) => {
                        // Live messages still come; the list loads again once the socket is up.
                        store.list_loading.set(false);
                        store.connect_once(None);
                        break;
                    }
                }
            }
        });
    }

    /// The next page of the list, when the person scrolls near its end.
    pub fn load_more_conversations(&self) {
        if !self.list_more.get_untracked() || self.list_loading.get_untracked() {
            return;
        }
        let store = *self;
        store.list_loading.set(true);
        let page = self.list_pages.get_untracked() + 1;
        spawn_local(async move {
            if let Ok(p) = api::conversations(page).await {
                store.list_pages.set(page);
                store.list_more.set(p.total > i64::from(page * api::LIST_PAGE));
                store.add_older_conversations(p.list);
            }
            store.list_loading.set(false);
        });
    }

    pub fn refresh_conversation(&self, id: Id) {
        let store = *self;
        spawn_local(async move {
            if let Ok(c) = api::conversation(id).await {
                store.upsert_conversation(c);
            }
        });
    }

    /// Shows a conversation: loads its messages once and marks it read.
    pub fn open(&self, id: Id) {
        self.active.set(Some(id));
        // An unread mention of me is worth a jump, even after reading clears it.
        let mention = self.conversation_now(id).and_then(|c| c.at_data).map(|a| (id, a.message_id));
        self.jump_to.set(mention);
        // Opened with unread messages: the view goes to the first of them, under a divider.
        let unread = self.conversation_now(id).map(|c| c.unread_count).unwrap_or(0);
        let keep = self.daily.unread.with_untracked(|u| u.is_some_and(|(c, _)| c == id));
        if !keep {
            self.daily.unread.set((unread > 0).then_some((id, super::everyday::Unread::Count(unread))));
        }
        if self.daily.compose.with_untracked(|c| c.as_ref().is_some_and(|c| c.message().conversation_id != id)) {
            self.daily.compose.set(None);
        }
        if let Some(c) = self.conversation_now(id).filter(|c| c.conversation_type == ConversationType::Single) {
            self.load_presence(c.target_user_id);
        }
        let loaded = self.threads.with_untracked(|t| t.get(&id).is_some_and(|t| t.loaded));
        if !loaded {
            self.load_thread(id);
        }
        if self.conversation_now(id).is_none() && self.list_loaded.get_untracked() {
            self.refresh_conversation(id);
        }
        self.mark_read(id);
    }

    pub fn load_thread(&self, id: Id) {
        let store = *self;
        store.update_thread(id, |_| {});
        spawn_local(async move {
            if let Ok(page) = api::history(id, None, PAGE).await {
                store.merge_history(id, page, false);
            }
        });
    }

    pub fn load_older(&self, id: Id) {
        let (busy, before) = self.threads.with_untracked(|t| {
            t.get(&id).map(|t| (t.loading_older || !t.has_more || !t.loaded, t.oldest_id())).unwrap_or((true, None))
        });
        if busy {
            return;
        }
        self.update_thread(id, |t| t.loading_older = true);
        let store = *self;
        spawn_local(async move {
            match api::history(id, before, PAGE).await {
                Ok(page) => store.merge_history(id, page, true),
                Err(_) => store.update_thread(id, |t| t.loading_older = false),
            }
        });
    }

    /// Marks a conversation read if it has unread messages (or is not in the list yet).
    pub fn mark_read(&self, id: Id) {
        let unread = self.conversation_now(id).map(|c| c.unread_count).unwrap_or(0);
        if unread == 0 && self.conversation_now(id).is_some() {
            return;
        }
        self.send_read(id);
    }

    /// Tells the server everything here is read, whatever the local count says. The request
    /// goes a moment later, in a task of its own: messages arriving together while the person
    /// reads cost one request, and none is made while a message's frame is handled.
    pub fn send_read(&self, id: Id) {
        self.update_conversation(id, |c| {
            c.unread_count = 0;
            c.is_marked_unread = false;
        });
        let due = self.reads_due;
        let first = due
            .try_update_value(|d| {
                let first = !d.contains(&id);
                if first {
                    d.push(id);
                }
                first
            })
            .unwrap_or(false);
        if first {
            gloo_timers::callback::Timeout::new(READ_AFTER_MS, move || {
                // Still due (not sent already as the page went to the background).
                let due_now = due.try_update_value(|d| {
                    let had = d.contains(&id);
                    d.retain(|c| *c != id);
                    had
                });
                if due_now == Some(true) {
                    spawn_local(async move {
                        let _ = api::mark_read(id).await;
                    });
                }
            })
            .forget();
        }
    }

    /// The page is going to the background, or closing: reads still waiting go now, in
    /// requests that outlive the page (a tab closed right after a message arrived on screen
    /// would otherwise leave it unread).
    pub fn send_due_reads(&self) {
        for id in self.reads_due.try_update_value(std::mem::take).unwrap_or_default() {
            api::mark_read_as_the_page_goes(id);
        }
    }

    /// "Mark as unread" from the list: a badge until it is opened; other tabs follow.
    pub fn mark_unread(&self, id: Id) {
        let store = *self;
        spawn_local(async move {
            if let Ok(c) = api::mark_unread(id).await {
                store.upsert_conversation(c);
            }
        });
    }

    /// Sends text optimistically: shown at once as pending, then sent or failed.
    pub fn send_text(&self, conversation_id: Id, text: String) {
        self.send_with_mentions(conversation_id, text, Vec::new(), false);
    }

    /// Sends text that @mentions members (`at_all`: everyone) of a group.
    pub fn send_with_mentions(&self, conversation_id: Id, text: String, at_user_ids: Vec<Id>, at_all: bool) {
        self.send_optimistic(conversation_id, MessageType::Text, MessageContent::Text(text), at_user_ids, at_all);
    }

    /// Sends an uploaded file or image as a message (optimistic like text).
    pub fn send_file(&self, conversation_id: Id, info: FileInfo) {
        let inline_image = ["image/png", "image/jpeg", "image/gif", "image/webp"].contains(&info.file_type.as_str());
        let message_type = if inline_image { MessageType::Image } else { MessageType::File };
        self.send_optimistic(conversation_id, message_type, MessageContent::File(info), Vec::new(), false);
    }

    fn send_optimistic(
        &self,
        conversation_id: Id,
        message_type: MessageType,
        content: MessageContent,
        at_user_ids: Vec<Id>,
        at_all: bool,
    ) {
        let Some(me) = self.me.get_untracked() else { return };
        let conversation = self.conversation_now(conversation_id);
        let message = Message {
            message_id: 0,
            conversation_id,
            sender_id: me.user_id,
            sender_name: me.display_name,
            sender_avatar: me.avatar,
            receiver_id: conversation.as_ref().map(|c| c.target_user_id).unwrap_or_default(),
            at_user_ids,
            at_all,
            burn_duration: conversation.map(|c| c.burn_duration).unwrap_or_default(),
            content,
            message_type,
            status: MessageStatus::Normal,
            is_read: false,
            created_at: now_iso(),
            client_msg_id: Some(new_client_msg_id()),
            reply_to: self.take_reply(conversation_id),
            ..Default::default()
        };
        self.add_pending(message.clone());
        self.deliver(message);
    }

    /// The message being answered in this conversation, as the reply will quote it (the
    /// composer is done with it once the reply is sent).
    fn take_reply(&self, conversation_id: Id) -> Option<ReplyPreview> {
        let Some(super::everyday::Compose::Reply(m)) = self.daily.compose.get_untracked() else { return None };
        if m.conversation_id != conversation_id {
            return None;
        }
        self.daily.compose.set(None);
        let text = match &m.content {
            MessageContent::Text(t) => t.clone(),
            MessageContent::File(f) => f.file_name.clone(),
        };
        Some(ReplyPreview {
            message_id: m.message_id,
            sender_id: m.sender_id,
            sender_name: m.sender_name.clone(),
            message_type: m.message_type,
            excerpt: excerpt(&text),
            gone: false,
        })
    }

    /// Sends again what failed, with the same clientMsgId (the server will not duplicate it).
    pub fn retry(&self, conversation_id: Id, key: String) {
        let item = self
            .threads
            .with_untracked(|t| t.get(&conversation_id).and_then(|t| t.items.iter().find(|i| i.key == key).cloned()));
        if let Some(item) = item {
            self.set_delivery(conversation_id, &key, Delivery::Pending);
            self.deliver(item.message);
        }
    }

    /// Puts a message in the outbox and sends what is there, in order.
    fn deliver(&self, m: Message) {
        let Some(me) = self.me.get_untracked() else { return };
        super::outbox::push(me.user_id, &m);
        self.flush_outbox();
    }

    /// Sends the outbox, oldest first, one at a time. Stops at the first message the server
    /// cannot take now (no connection, busy): it stays, waiting, for the next try. A message
    /// the server refuses for good leaves the outbox and shows as failed, with retry.
    pub fn flush_outbox(&self) {
        let Some(me) = self.me.get_untracked().map(|u| u.user_id) else { return };
        if FLUSHING.with(|f| f.replace(true)) {
            return;
        }
        let store = *self;
        spawn_local(async move {
            while store.me.get_untracked().map(|u| u.user_id) == Some(me) {
                let Some(m) = super::outbox::load(me).into_iter().next() else { break };
                let cmid = m.client_msg_id.clone().unwrap_or_default();
                match api::send(&send_request(&m)).await {
                    Ok(sent) => {
                        super::outbox::remove(me, &cmid);
                        store.confirm(m.conversation_id, sent);
                    }
                    Err(e) if e.is_network() || e.status == 429 || e.status >= 500 => break,
                    Err(e) => {
                        super::outbox::remove(me, &cmid);
                        store.set_delivery(m.conversation_id, &format!("c{cmid}"), Delivery::Failed(e.message));
                    }
                }
            }
            FLUSHING.with(|f| f.set(false));
        });
    }

    pub fn recall(&self, m: &Message) {
        let (store, id, cid) = (*self, m.message_id, m.conversation_id);
        spawn_local(async move {
            if let Ok(updated) = api::recall(id).await {
                store.confirm(cid, updated);
                store.refresh_conversation(cid);
            }
        });
    }

    pub fn delete_for_me(&self, m: &Message) {
        let (store, id, cid) = (*self, m.message_id, m.conversation_id);
        spawn_local(async move {
            if api::delete_for_me(id).await.is_ok() {
                store.apply_deleted(&DeletedNotice { message_id: id, conversation_id: cid });
                store.refresh_conversation(cid);
            }
        });
    }

    pub fn patch(&self, id: Id, patch: PatchConversationRequest) {
        let store = *self;
        spawn_local(async move {
            if let Ok(c) = api::patch_conversation(id, &patch).await {
                store.upsert_conversation(c);
            }
        });
    }

    /// Opens (creating if needed) the chat with a person; returns its id.
    pub async fn start_chat(&self, user_id: Id) -> Result<Id, ApiError> {
        let c = api::open_private(user_id).await?;
        let id = c.conversation_id;
        self.upsert_conversation(c);
        Ok(id)
    }
}

/// Groups: loading members, creating, changing, leaving.
impl Store {
    pub fn load_members(&self, id: Id) {
        let store = *self;
        spawn_local(async move {
            if let Ok(list) = api::members(id).await {
                store.set_members(id, list);
            }
        });
    }

    pub fn set_members(&self, id: Id, list: Vec<GroupMember>) {
        crate::state::edit(
            self.members,
            Box::new(|m| {
                m.insert(id, list);
            }),
        );
    }

    /// The members of a group as last loaded (empty until then).
    pub fn members_of(&self, id: Id) -> Vec<GroupMember> {
        self.members.with(|m| m.get(&id).cloned().unwrap_or_default())
    }

    /// Creates a group and lists it; returns its id.
    pub async fn create_group(&self, name: String, member_ids: Vec<Id>) -> Result<Id, ApiError> {
        let c = api::create_group(&name, member_ids).await?;
        let id = c.conversation_id;
        self.upsert_conversation(c);
        Ok(id)
    }

    /// Runs a members call and keeps what it answers; the error's words otherwise.
    pub async fn change_members(
        &self,
        id: Id,
        call: impl std::future::Future<Output = Result<Vec<GroupMember>, ApiError>>,
    ) -> Result<(), String> {
        match call.await {
            Ok(list) => {
                self.set_members(id, list);
                Ok(())
            }
            Err(e) => Err(e.message),
        }
    }

    pub async fn remove_member(&self, id: Id, user_id: Id) -> Result<(), String> {
        api::remove_member(id, user_id).await.map_err(|e| e.message)?;
        self.load_members(id);
        Ok(())
    }

    pub async fn leave_group(&self, id: Id) -> Result<(), String> {
        api::leave_group(id).await.map_err(|e| e.message)?;
        crate::state::edit(
            self.members,
            Box::new(|m| {
                m.remove(&id);
            }),
        );
        self.refresh_conversation(id);
        Ok(())
    }

    pub async fn patch_group(&self, id: Id, patch: PatchGroupRequest) -> Result<(), String> {
        let c = api::patch_group(id, &patch).await.map_err(|e| e.message)?;
        self.upsert_conversation(c);
        Ok(())
    }
}
