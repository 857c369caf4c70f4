use std::collections::HashMap;

use confab_api::{
    excerpt, DeletedNotice, Event, Id, Message, MessageContent, MessagePage, MessageStatus, MessageType,
    OutgoingContent, RecalledNotice, ReplyPreview, SendMessageRequest, MAX_TEXT_CHARS,
};

use super::conversations::{broadcast_to_members, require_member};
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::conversations::Seat;
use crate::store::messages::{self, MessageRow, NewMessage, ReplyRow};
use crate::store::{conversations, events, search, users, Conn};
use crate::time::{now_ms, rfc3339};
use crate::AppState;

const MAX_CLIENT_MSG_ID: usize = 64;

pub fn to_api(state: &AppState, row: &MessageRow) -> Message {
    let message_type = MessageType::parse(&row.message_type).unwrap_or_default();
    let recalled = row.status == "recalled";
    let content = match (&row.file, recalled) {
        (_, true) => MessageContent::Text(String::new()),
        (Some(file), false) => MessageContent::File(state.files.info(file)),
        (None, false) => MessageContent::Text(row.content.clone()),
    };
    Message {
        message_id: row.id,
        conversation_id: row.conversation_id,
        sender_id: row.sender_id,
        sender_name: row.sender_name.clone(),
        sender_avatar: row.sender_avatar.clone(),
        receiver_id: row.receiver_id,
        content,
        message_type,
        status: if recalled { MessageStatus::Recalled } else { MessageStatus::Normal },
        is_read: row.is_read,
        created_at: rfc3339(row.created_at),
        client_msg_id: row.client_msg_id.clone(),
        at_user_ids: serde_json::from_str(&row.at_user_ids).unwrap_or_default(),
        at_all: row.at_all,
        system: row.system_data.as_deref().and_then(|s| serde_json::from_str(s).ok()),
        read_count: row.sender_is_viewer.then_some(row.read_count),
        burn_duration: row.burn_duration,
        burn_at: row.burn_at.map(rfc3339),
        reply_to: row.reply.as_ref().map(reply_preview),
        edited_at: row.edited_at.map(rfc3339),
        reactions: row.reactions.clone(),
    }
}

fn reply_preview(r: &crate::store::messages::ReplyRow) -> ReplyPreview {
    ReplyPreview {
        message_id: r.id,
        sender_id: r.sender_id,
        sender_name: r.sender_name.clone(),
        message_type: MessageType::parse(&r.message_type).unwrap_or_default(),
        excerpt: excerpt(&r.text),
        gone: r.gone,
    }
}

pub async fn history(
    state: &AppState,
    me: Id,
    conversation_id: Id,
    before: Option<Id>,
    page: Option<i64>,
    page_size: Option<i64>,
) -> AppResult<MessagePage> {
    let mut conn = state.store.reader().await?;
    require_member(&mut conn, me, conversation_id).await?;
    let (limit, offset) = super::page_window(page, page_size, 50);
    // With a cursor the page number is meaningless: the cursor already says where to go on.
    let offset = if before.is_some() { 0 } else { offset };
    let page = messages::history(&mut conn, me, conversation_id, before, limit, offset).await?;
    Ok(MessagePage {
        list: page.rows.iter().map(|r| to_api(state, r)).collect(),
        total: page.total,
        has_more: page.has_more,
    })
}

/// The newest message the member may see in a conversation, if any (a history page of one).
pub async fn newest(state: &AppState, me: Id, conversation_id: Id) -> AppResult<Option<Message>> {
    let mut conn = state.store.reader().await?;
    require_member(&mut conn, me, conversation_id).await?;
    let page = messages::history(&mut conn, me, conversation_id, None, 1, 0).await?;
    Ok(page.rows.first().map(|r| to_api(state, r)))
}

/// What a send request boils down to once checked.
pub(super) enum Body<'a> {
    Text(&'a str),
    File(crate::store::files::FileRow),
}

fn check_client_msg_id(id: &Option<String>) -> AppResult<Option<&str>> {
    match id.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) if id.len() > MAX_CLIENT_MSG_ID => {
            Err(AppError::unprocessable(format!("clientMsgId must be at most {MAX_CLIENT_MSG_ID} characters")))
        }
        Some(id) => Ok(Some(id)),
    }
}

/// Whether a send with an already used `clientMsgId` is a retry of that message (same target,
/// type and content) rather than a different message reusing the id.
fn is_retry_of(existing: &MessageRow, req: &SendMessageRequest, message_type: MessageType) -> bool {
    let same_target = req.conversation_id.is_none_or(|c| c == existing.conversation_id)
        && req.receiver_id.is_none_or(|r| r == existing.receiver_id)
        && (req.conversation_id.is_some() || req.receiver_id.is_some());
    // A recalled message's content is erased and cannot be compared.
    let same_content = existing.status == "recalled"
        || match (&req.content, &existing.file) {
            (OutgoingContent::Text(t), None) => *t == existing.content,
            (OutgoingContent::FileRef(r), Some(f)) => r.file_id == f.id,
            (OutgoingContent::Text(t), Some(f)) => t.trim().parse::<Id>().is_ok_and(|id| id == f.id),
            (OutgoingContent::FileRef(_), None) => false,
        };
    same_target && same_content && message_type.as_str() == existing.message_type
}

fn message_type_of(req: &SendMessageRequest) -> MessageType {
    req.message_type.unwrap_or(match req.content {
        OutgoingContent::FileRef(_) => MessageType::File,
        OutgoingContent::Text(_) => MessageType::Text,
    })
}

/// What a send's content names, by its message type: the text, or the id of the file.
enum Content<'a> {
    Text(&'a str),
    File(Id),
}

fn content_of(req: &SendMessageRequest, message_type: MessageType) -> AppResult<Content<'_>> {
    match (&req.content, message_type.carries_file()) {
        (OutgoingContent::Text(text), false) => Ok(Content::Text(text)),
        (OutgoingContent::FileRef(r), true) => Ok(Content::File(r.file_id)),
        (OutgoingContent::Text(s), true) => s
            .trim()
            .parse::<Id>()
            .map(Content::File)
            .map_err(|_| AppError::unprocessable("content of an image or file message must be {\"fileId\": …}")),
        (OutgoingContent::FileRef(_), false) => {
            Err(AppError::unprocessable("content of a text message must be a string"))
        }
    }
}

/// The checks that need no database, made before a send waits for the writer.
fn check_send(req: &SendMessageRequest) -> AppResult<()> {
    let message_type = message_type_of(req);
    if message_type == MessageType::System {
        return Err(AppError::unprocessable("messageType 'system' is reserved for the server"));
    }
    check_client_msg_id(&req.client_msg_id)?;
    if let Content::Text(text) = content_of(req, message_type)? {
        check_text(text)?;
    }
    Ok(())
}

/// A text message's text: not blank, not too long.
pub(super) fn check_text(text: &str) -> AppResult<()> {
    if super::text::is_blank(text) {
        return Err(AppError::unprocessable("content must not be empty or only invisible characters"));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(AppError::unprocessable(format!("content is {chars} characters; the limit is {MAX_TEXT_CHARS}")));
    }
    Ok(())
}

/// Someone who left a group (or was removed) still reads what they saw, but changes nothing.
pub(super) async fn require_active(conn: &mut Conn, me: Id, conversation_id: Id) -> AppResult<()> {
    if crate::store::groups::kind(conn, conversation_id).await?.as_deref() == Some("group")
        && !crate::store::groups::membership(conn, conversation_id, me).await?.is_some_and(|m| m.active)
    {
        return Err(AppError::forbidden("you are no longer a member of this group"));
    }
    Ok(())
}

/// Sends a message; `true` when it is new, `false` when `clientMsgId` matched an earlier send.
/// Sends are written in batches (group commit, see `send_queue`); the answer comes once the
/// batch holding this one is on disk.
pub async fn send(state: &AppState, me: Id, req: SendMessageRequest) -> AppResult<(Message, bool)> {
    check_send(&req)?;
    state.sends.submit(me, req).await
}

/// A send that passed every check. Checks only read; writing it can fail only with the
/// database (the group commit relies on it: a refused send has written nothing).
#[allow(clippy::large_enum_variant)] // one per send, moved once: a box would buy nothing
pub(super) enum Checked<'r> {
    /// `clientMsgId` named an earlier send of this same message: answered with it, nothing written.
    Retry(MessageRow),
    New(Plan<'r>),
}

/// A checked message: where it goes and what it carries.
pub(super) struct Plan<'r> {
    message_type: MessageType,
    body: Body<'r>,
    client_msg_id: Option<&'r str>,
    to: Target,
    mentions: super::groups::Mentions,
    /// The message it answers, as its readers will see it quoted.
    reply: Option<ReplyRow>,
}

impl Plan<'_> {
    /// Whether `req` (from the same sender) names this message's `clientMsgId`: then it is a
    /// retry of it, or a conflict, which only this message's row can tell once written.
    pub(super) fn shares_client_msg_id(&self, req: &SendMessageRequest) -> bool {
        self.client_msg_id.is_some() && check_client_msg_id(&req.client_msg_id).ok().flatten() == self.client_msg_id
    }
}

/// The conversation a send goes to.
enum Target {
    Conversation {
        id: Id,
        receiver: Id,
    },
    /// The first message between two people: their chat is made when the message is written.
    NewDirect {
        receiver: Id,
    },
}

/// What the checks of a batch of sends would ask the database one send at a time — earlier
/// sends with the same `clientMsgId`, the one-to-one chats sent to, where each sender stands in
/// the conversation named — asked once for the whole batch (three queries), and kept up to date
/// as the batch writes (see [`Known::wrote`]).
#[derive(Default)]
pub(super) struct Known {
    /// (sender, clientMsgId) → that earlier message, as its sender sees it.
    sent: HashMap<(Id, String), MessageRow>,
    /// One-to-one chats by `direct_key`.
    direct: HashMap<String, Id>,
    /// (sender, conversationId) → the sender's seat there, for every send naming a conversation;
    /// missing: not a member.
    seats: HashMap<(Id, Id), Seat>,
}

impl Known {
    pub(super) async fn ask<'r>(
        conn: &mut Conn,
        sends: impl Iterator<Item = (Id, &'r SendMessageRequest)>,
    ) -> sqlx::Result<Known> {
        let (mut ids, mut keys, mut seats) = (Vec::new(), Vec::new(), Vec::new());
        for (me, req) in sends {
            if let Ok(Some(cid)) = check_client_msg_id(&req.client_msg_id) {
                ids.push((me, cid));
            }
            match (req.conversation_id, req.receiver_id) {
                (Some(conversation), _) => seats.push((me, conversation)),
                (None, Some(to)) => keys.push(conversations::direct_key(me, to)),
                (None, None) => {}
            }
        }
        seats.sort_unstable();
        seats.dedup();
        let sent = messages::by_client_ids(conn, &ids).await?;
        Ok(Known {
            sent: sent.into_iter().filter_map(|m| Some(((m.sender_id, m.client_msg_id.clone()?), m))).collect(),
            direct: conversations::find_directs(conn, &keys).await?.into_iter().collect(),
            seats: conversations::seats(conn, &seats).await?.into_iter().collect(),
        })
    }

    /// A send of the batch was written: later sends of the batch see it (a retry, its chat).
    pub(super) fn wrote(&mut self, written: Written) {
        if let Some(key) = written.new_direct {
            let (cid, sender, receiver) = (written.row.conversation_id, written.row.sender_id, written.row.receiver_id);
            self.direct.insert(key, cid);
            let seat = |other| Seat { group: false, active: true, other: Some(other) };
            self.seats.insert((sender, cid), seat(receiver));
            self.seats.insert((receiver, cid), seat(sender));
        }
        if let Some(cid) = written.row.client_msg_id.clone() {
            self.sent.insert((written.row.sender_id, cid), written.row);
        }
    }
}

/// A message [`write`] wrote: as its sender sees it, and the chat it made, if any.
pub(super) struct Written {
    row: MessageRow,
    new_direct: Option<String>,
}

/// Checks one send inside the writer's open transaction (reading only; see [`Checked`]).
/// `known` holds what was asked for the whole batch.
pub(super) async fn check_in<'r>(
    conn: &mut Conn,
    known: &Known,
    me: Id,
    req: &'r SendMessageRequest,
) -> AppResult<Checked<'r>> {
    let message_type = message_type_of(req);
    let client_msg_id = check_client_msg_id(&req.client_msg_id)?;
    if let Some(cid) = client_msg_id {
        if let Some(existing) = known.sent.get(&(me, cid.to_string())).cloned() {
            if !is_retry_of(&existing, req, message_type) {
                return Err(AppError::conflict(format!(
                    "clientMsgId '{cid}' was already used for a different message; use a new one for each message"
                )));
            }
            return Ok(Checked::Retry(existing));
        }
    }

    let body = match content_of(req, message_type)? {
        Content::Text(text) => Body::Text(text),
        Content::File(id) => Body::File(super::files::owned_by(conn, me, id).await?),
    };
    if let Body::File(f) = &body {
        if message_type == MessageType::Image && !super::files::is_inline_image(&f.mime) {
            return Err(AppError::unprocessable(
                "that file is not an image (PNG, JPEG, GIF or WebP); send it as a file",
            ));
        }
    }
    Ok(Checked::New(plan(conn, Some(known), me, req, message_type, body, client_msg_id).await?))
}

/// Checks where a message goes: the conversation, the quoted original, the mentions.
async fn plan<'r>(
    conn: &mut Conn,
    known: Option<&Known>,
    me: Id,
    req: &'r SendMessageRequest,
    message_type: MessageType,
    body: Body<'r>,
    client_msg_id: Option<&'r str>,
) -> AppResult<Plan<'r>> {
    let to = resolve_target(conn, known, me, req.receiver_id, req.conversation_id).await?;
    // A chat not made yet holds nothing to quote and nobody to mention (no conversation is 0).
    let conversation_id = match to {
        Target::Conversation { id, .. } => id,
        Target::NewDirect { .. } => 0,
    };
    let reply = match req.reply_to_message_id {
        Some(original) => Some(check_reply(conn, me, conversation_id, original).await?),
        None => None,
    };
    let mentions = super::groups::Mentions::check(conn, me, conversation_id, &req.at_user_ids, req.at_all).await?;
    Ok(Plan { message_type, body, client_msg_id, to, mentions, reply })
}

/// Writes checked messages into the open transaction, in order: each message and its
/// mentions, its search entry into `search` (for the caller to write before committing), and the
/// events for every member (published by the caller after the commit). Everyone but the sender
/// sees the same message (read, no read count): it is read and serialised once, and logged for
/// all of them and the sender together, whatever the group's size. On SQLite the messages of a
/// batch take a few calls together, not a few each (see `messages::insert_new_many`).
pub(super) async fn write_many(
    state: &AppState,
    conn: &mut Conn,
    plans: &[(Id, Plan<'_>)],
    search: &mut search::Pending,
) -> sqlx::Result<Vec<(Message, Outbox, Written)>> {
    let now = now_ms();
    let mut targets = Vec::with_capacity(plans.len());
    for (me, plan) in plans {
        targets.push(match plan.to {
            Target::Conversation { id, receiver } => (id, receiver, None),
            // A second first message to the same person in the batch finds the chat the first made.
            Target::NewDirect { receiver } => {
                let id = conversations::find_or_create_direct(conn, *me, receiver, now).await?.0;
                (id, receiver, Some(conversations::direct_key(*me, receiver)))
            }
        });
    }
    let new: Vec<NewMessage> = plans
        .iter()
        .zip(&targets)
        .map(|((me, plan), &(conversation_id, receiver_id, _))| {
            let (content, file) = match &plan.body {
                Body::Text(t) => (*t, None),
                Body::File(f) => ("", Some(f)),
            };
            NewMessage {
                conversation_id,
                sender_id: *me,
                receiver_id,
                message_type: plan.message_type.as_str(),
                content,
                file,
                client_msg_id: plan.client_msg_id,
                created_at: now,
                at_user_ids: plan.mentions.ids(),
                at_all: plan.mentions.all(),
                system_data: None,
                burn_duration: None,
                reply: plan.reply.as_ref(),
            }
        })
        .collect();
    let rows = messages::insert_new_many(conn, &new).await?;
    let mut sent = Vec::with_capacity(rows.len());
    for ((me, plan), row) in plans.iter().zip(rows) {
        if let (MessageType::Text, Body::Text(text)) = (plan.message_type, &plan.body) {
            search.add(row.id, text);
        }
        plan.mentions.record(conn, *me, row.conversation_id, row.id).await?;
        let theirs = events::event_json(&Event::NewMessage(to_api(state, &row)));
        let row = row.into_its_senders();
        let mine = to_api(state, &row);
        let mine_json = events::event_json(&Event::NewMessage(mine.clone()));
        sent.push((row, mine, theirs, mine_json));
    }
    let logged: Vec<events::MessageEvents> = sent
        .iter()
        .map(|(row, ..)| events::MessageEvents {
            conversation_id: row.conversation_id,
            sender: row.sender_id,
            message_id: row.id,
        })
        .collect();
    // On SQLite the search entries go in the same call (see `events::append_messages_and_search`).
    let numbered = events::append_messages_and_search(conn, &logged, now, search).await?;
    let mut written = Vec::with_capacity(sent.len());
    for (((row, mine, theirs, mine_json), mut numbered), (_, _, new_direct)) in
        sent.into_iter().zip(numbered).zip(targets)
    {
        let mut outbox = Outbox::default();
        if let Some(i) = numbered.iter().position(|(user, _)| *user == row.sender_id) {
            let (_, seq) = numbered.swap_remove(i);
            outbox.push(row.sender_id, (seq, mine_json));
        }
        outbox.push_shared(&numbered, &theirs);
        written.push((mine, outbox, Written { row, new_direct }));
    }
    Ok(written)
}

/// Logged events as a catching-up socket of `viewer` is sent them: a new message logged by
/// reference (`events::reference`) becomes its event with the message as it now is — recalled,
/// edited or with its quote gone if that happened since — or, when it burned since, the burned
/// notice; every other event is sent as logged.
pub async fn catch_up(
    state: &AppState,
    conn: &mut Conn,
    viewer: Id,
    logged: Vec<(i64, String)>,
) -> sqlx::Result<Vec<(i64, String)>> {
    // Each payload is read once: what it refers to, if anything.
    let references: Vec<Option<(Id, Id)>> = logged.iter().map(|(_, payload)| events::reference(payload)).collect();
    let referred: Vec<Id> = references.iter().flatten().map(|(m, _)| *m).collect();
    if referred.is_empty() {
        return Ok(logged);
    }
    let found: HashMap<Id, MessageRow> =
        messages::get_many(conn, viewer, &referred).await?.into_iter().map(|m| (m.id, m)).collect();
    Ok(logged
        .into_iter()
        .zip(references)
        .map(|((seq, payload), reference)| match reference {
            None => (seq, payload),
            Some((message_id, conversation_id)) => {
                let event = match found.get(&message_id) {
                    Some(row) => Event::NewMessage(to_api(state, row)),
                    None => Event::MessageBurned(confab_api::BurnedNotice { message_id, conversation_id }),
                };
                (seq, events::frame_text(seq, &events::event_json(&event)))
            }
        })
        .collect())
}

/// Checks and writes a message into the open transaction (see [`check_in`] and [`write_many`]).
pub(super) async fn deliver<'r>(
    state: &AppState,
    conn: &mut Conn,
    me: Id,
    req: &'r SendMessageRequest,
    message_type: MessageType,
    body: Body<'r>,
    client_msg_id: Option<&'r str>,
) -> AppResult<(Message, Outbox)> {
    let plan = plan(conn, None, me, req, message_type, body, client_msg_id).await?;
    let mut search = search::Pending::default();
    let mut written = write_many(state, conn, &[(me, plan)], &mut search).await?;
    search.write(conn).await?;
    let (message, outbox, _) = written.pop().ok_or(AppError::internal())?;
    Ok((message, outbox))
}

/// A reply answers a message the sender can see in the same conversation, and not one that is
/// gone or a system notice. Gives it as the reply's readers will see it quoted.
async fn check_reply(conn: &mut Conn, me: Id, conversation_id: Id, original: Id) -> AppResult<ReplyRow> {
    let row = visible_message(conn, me, original).await.map_err(|_| {
        AppError::unprocessable(format!("replyToMessageId {original}: no such message in this conversation"))
    })?;
    if row.conversation_id != conversation_id {
        return Err(AppError::unprocessable(format!(
            "replyToMessageId {original} is in another conversation; a reply stays in its conversation"
        )));
    }
    if row.status == "recalled" {
        return Err(AppError::unprocessable(format!("message {original} was recalled; it cannot be replied to")));
    }
    if row.message_type == MessageType::System.as_str() {
        return Err(AppError::unprocessable("a system notice cannot be replied to"));
    }
    Ok(ReplyRow::quoting(&row))
}

/// The conversation a send goes to, and the receiver: by conversationId when given
/// (receiverId, if also given, must match), else the one-to-one chat with receiverId (made
/// when the message is written, if it is their first).
async fn resolve_target(
    conn: &mut Conn,
    known: Option<&Known>,
    me: Id,
    receiver: Option<Id>,
    conversation: Option<Id>,
) -> AppResult<Target> {
    if let Some(cid) = conversation {
        let seat = match known {
            Some(known) => known.seats.get(&(me, cid)).cloned(),
            None => conversations::seats(conn, &[(me, cid)]).await?.pop().map(|(_, seat)| seat),
        };
        let seat = seat.ok_or_else(|| AppError::not_found(format!("no conversation {cid}")))?;
        if seat.group {
            if receiver.is_some() {
                return Err(AppError::unprocessable("receiverId is not used for group messages"));
            }
            if !seat.active {
                return Err(AppError::forbidden("you are no longer a member of this group"));
            }
            return Ok(Target::Conversation { id: cid, receiver: 0 });
        }
        let other = seat.other.unwrap_or_default();
        if let Some(r) = receiver {
            if r != other {
                return Err(AppError::unprocessable(format!(
                    "receiverId {r} is not the other member of conversation {cid}"
                )));
            }
        }
        return Ok(Target::Conversation { id: cid, receiver: other });
    }
    let receiver = receiver.ok_or_else(|| AppError::unprocessable("receiverId or conversationId is required"))?;
    if receiver == me {
        return Err(AppError::unprocessable("you cannot send a message to yourself"));
    }
    // A chat that exists names a person who exists (people are never removed).
    let found = match known {
        Some(known) => known.direct.get(&conversations::direct_key(me, receiver)).copied(),
        None => conversations::find_direct(conn, me, receiver).await?,
    };
    if let Some(cid) = found {
        return Ok(Target::Conversation { id: cid, receiver });
    }
    if users::by_id(conn, receiver).await?.is_none() {
        return Err(AppError::not_found(format!("no user {receiver}")));
    }
    Ok(Target::NewDirect { receiver })
}

/// Loads a message the caller may act on: a member of its conversation who has not deleted it.
pub(super) async fn visible_message(conn: &mut Conn, me: Id, message_id: Id) -> AppResult<MessageRow> {
    let row = messages::get(conn, me, message_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no message {message_id}")))?;
    if !conversations::is_member(conn, me, row.conversation_id).await?
        || messages::is_hidden_for(conn, me, message_id).await?
    {
        return Err(AppError::not_found(format!("no message {message_id}")));
    }
    Ok(row)
}

pub async fn recall(state: &AppState, me: Id, message_id: Id) -> AppResult<Message> {
    let mut conn = state.store.writer().await?;
    let row = visible_message(&mut conn, me, message_id).await?;
    if row.sender_id != me {
        return Err(AppError::forbidden("only the sender can recall a message"));
    }
    if row.status == "recalled" {
        return Ok(to_api(state, &row));
    }
    let window = state.config.recall_window.as_millis() as i64;
    let now = now_ms();
    if now - row.created_at > window {
        let span = super::text::span(window / 1000);
        return Err(AppError::conflict(format!("messages can only be recalled within {span} of sending")));
    }
    let mut tx = crate::store::begin(&mut conn).await?;
    let withdrawn_blob = messages::recall(&mut tx, message_id).await?;
    let notice = RecalledNotice { message_id, conversation_id: row.conversation_id };
    let outbox = broadcast_to_members(&mut tx, row.conversation_id, now, Event::MessageRecalled(notice)).await?;
    let updated = messages::get(&mut tx, me, message_id).await?.ok_or_else(AppError::internal)?;
    tx.commit().await?;
    state.hub.publish(outbox);
    if let Some(sha256) = withdrawn_blob {
        super::files::erase_unreferenced(state, &mut conn, &[sha256]).await?;
    }
    drop(conn);
    // The erased text must not linger in the write-ahead log either. The recall itself is
    // committed: a checkpoint that cannot run now (busy readers) is retried by the next one.
    if let Err(e) = state.store.checkpoint().await {
        tracing::warn!("checkpoint after recall failed: {e}");
    }
    Ok(to_api(state, &updated))
}

pub async fn delete_for_me(state: &AppState, me: Id, message_id: Id) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    let row = visible_message(&mut conn, me, message_id).await?;
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let mut outbox = Outbox::default();
    if messages::hide_for(&mut tx, me, message_id).await? {
        let notice = DeletedNotice { message_id, conversation_id: row.conversation_id };
        outbox.push(me, events::append(&mut tx, me, Event::MessageDeleted(notice), now).await?);
    }
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(())
}
