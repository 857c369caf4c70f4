use confab_api::{
    Conversation, ConversationPage, Event, Id, PatchConversationRequest, ReadReceipt, SearchHit, MAX_DRAFT_CHARS,
};

use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::{conversations, events, users, Conn};
use crate::time::now_ms;
use crate::AppState;

/// Not a member and no such conversation look the same from outside: 404.
pub async fn require_member(conn: &mut Conn, me: Id, conversation_id: Id) -> AppResult<()> {
    if conversations::is_member(conn, me, conversation_id).await? {
        Ok(())
    } else {
        Err(AppError::not_found(format!("no conversation {conversation_id}")))
    }
}

/// Logs the same event for every member of the conversation (two statements, whatever its size).
pub async fn broadcast_to_members(conn: &mut Conn, conversation_id: Id, now: i64, event: Event) -> AppResult<Outbox> {
    let event = events::event_json(&event);
    let numbered = events::append_to_members(conn, conversation_id, &event, now).await?;
    let mut outbox = Outbox::default();
    outbox.push_shared(&numbered, &event);
    Ok(outbox)
}

pub async fn list(state: &AppState, me: Id, page: Option<i64>, page_size: Option<i64>) -> AppResult<ConversationPage> {
    let (limit, offset) = super::page_window(page, page_size, 20);
    let mut conn = state.store.reader().await?;
    let (list, total, seq) = conversations::list(&mut conn, me, limit, offset).await?;
    drop(conn);
    // The snapshot may hold a batch of sends committed but not yet on disk: as on the socket,
    // nothing of it goes out before it is.
    state.store.durability.settled().await;
    Ok(ConversationPage { list, total, seq })
}

pub async fn get(state: &AppState, me: Id, conversation_id: Id) -> AppResult<Conversation> {
    let mut conn = state.store.reader().await?;
    conversations::get(&mut conn, me, conversation_id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("no conversation {conversation_id}")))
}

pub async fn total_unread(state: &AppState, me: Id) -> AppResult<i64> {
    let mut conn = state.store.reader().await?;
    Ok(conversations::total_unread(&mut conn, me).await?)
}

/// Opens (or creates) the one-to-one chat with `other`; `true` when it was created.
/// The caller's one-to-one conversation with `other`, if they have one.
pub async fn direct_with(state: &AppState, me: Id, other: Id) -> AppResult<Option<Id>> {
    let mut conn = state.store.reader().await?;
    Ok(conversations::find_direct(&mut conn, me, other).await?)
}

pub async fn open_private(state: &AppState, me: Id, other: Id) -> AppResult<(Conversation, bool)> {
    if other == me {
        return Err(AppError::unprocessable("you cannot start a conversation with yourself"));
    }
    let mut conn = state.store.writer().await?;
    if users::by_id(&mut conn, other).await?.is_none() {
        return Err(AppError::not_found(format!("no user {other}")));
    }
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let (cid, created) = conversations::find_or_create_direct(&mut tx, me, other, now).await?;
    let mut outbox = Outbox::default();
    if conversations::set_listed(&mut tx, me, cid).await? {
        let view = conversations::get(&mut tx, me, cid).await?.ok_or_else(AppError::internal)?;
        outbox.push(me, events::append(&mut tx, me, Event::ConversationUpdated(view), now).await?);
    }
    let view = conversations::get(&mut tx, me, cid).await?.ok_or_else(AppError::internal)?;
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok((view, created))
}

pub async fn patch(
    state: &AppState,
    me: Id,
    conversation_id: Id,
    req: PatchConversationRequest,
) -> AppResult<Conversation> {
    if let Some(opt) = req.recv_msg_opt {
        if !(0..=2).contains(&opt) {
            return Err(AppError::unprocessable("recvMsgOpt must be 0 (normal), 1 (muted) or 2 (online only)"));
        }
    }
    if let Some(draft) = &req.draft_text {
        if draft.chars().count() > MAX_DRAFT_CHARS {
            return Err(AppError::unprocessable(format!("draftText must be at most {MAX_DRAFT_CHARS} characters")));
        }
    }
    let mut conn = state.store.writer().await?;
    require_member(&mut conn, me, conversation_id).await?;
    let current_burn = crate::store::burn::duration(&mut conn, conversation_id).await?;
    let burn = super::burn::requested(req.is_private_chat, req.burn_duration, current_burn)?;
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let settings = conversations::Settings {
        is_pinned: req.is_pinned,
        recv_msg_opt: req.recv_msg_opt,
        draft_text: req.draft_text,
    };
    conversations::update_settings(&mut tx, me, conversation_id, &settings).await?;
    if let Some(secs) = burn {
        // A shared setting: both sides hear of it (and this tab's other tabs with them).
        return super::burn::set(state, tx, me, conversation_id, secs, current_burn).await;
    }
    let view = conversations::get(&mut tx, me, conversation_id).await?.ok_or_else(AppError::internal)?;
    let mut outbox = Outbox::default();
    outbox.push(me, events::append(&mut tx, me, Event::ConversationUpdated(view.clone()), now).await?);
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(view)
}

pub async fn mark_read(state: &AppState, me: Id, conversation_id: Id) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    require_member(&mut conn, me, conversation_id).await?;
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let mut burning = 0;
    let outbox = match conversations::mark_read(&mut tx, me, conversation_id).await? {
        Some((before, last)) => {
            burning = crate::store::burn::start_timers(&mut tx, conversation_id, me, last, now).await?;
            let receipt = ReadReceipt {
                conversation_id,
                reader_id: me,
                last_read_message_id: last,
                previous_read_message_id: before,
            };
            // Every member, and the reader's own tabs even after leaving a group.
            let mut audience = conversations::member_ids(&mut tx, conversation_id).await?;
            if !audience.contains(&me) {
                audience.push(me);
            }
            let mut outbox = Outbox::default();
            for member in audience {
                outbox.push(member, events::append(&mut tx, member, Event::Read(receipt.clone()), now).await?);
            }
            outbox
        }
        None => {
            // Nothing to read, but a "mark as unread" still ends here.
            let mut outbox = Outbox::default();
            if conversations::set_marked_unread(&mut tx, me, conversation_id, false).await? {
                let view = conversations::get(&mut tx, me, conversation_id).await?.ok_or_else(AppError::internal)?;
                outbox.push(me, events::append(&mut tx, me, Event::ConversationUpdated(view), now).await?);
            }
            outbox
        }
    };
    tx.commit().await?;
    state.hub.publish(outbox);
    if burning > 0 {
        state.burner.wake();
    }
    Ok(())
}

/// "Mark as unread" from the list: a badge until the person reads it; their other tabs follow.
pub async fn mark_unread(state: &AppState, me: Id, conversation_id: Id) -> AppResult<Conversation> {
    let mut conn = state.store.writer().await?;
    require_member(&mut conn, me, conversation_id).await?;
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let changed = conversations::set_marked_unread(&mut tx, me, conversation_id, true).await?;
    let view = conversations::get(&mut tx, me, conversation_id).await?.ok_or_else(AppError::internal)?;
    let mut outbox = Outbox::default();
    if changed {
        outbox.push(me, events::append(&mut tx, me, Event::ConversationUpdated(view.clone()), now).await?);
    }
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(view)
}

pub async fn search(state: &AppState, me: Id, keyword: &str) -> AppResult<Vec<SearchHit>> {
    let keyword = keyword.trim();
    if keyword.is_empty() {
        return Err(AppError::unprocessable("keyword must not be empty"));
    }
    if keyword.chars().count() > 64 {
        return Err(AppError::unprocessable("keyword must be at most 64 characters"));
    }
    let mut conn = state.store.reader().await?;
    let hits = users::search(&mut conn, me, keyword, 20).await?;
    Ok(hits
        .into_iter()
        .map(|(u, conversation_id)| SearchHit {
            user_id: u.user_id,
            user_name: u.user_name,
            display_name: u.display_name,
            avatar: u.avatar,
            conversation_id,
        })
        .collect())
}
