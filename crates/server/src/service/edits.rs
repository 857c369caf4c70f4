//! Edit: the sender changes a text message's text within a window; everyone sees the new text,
//! the server keeps what it said before (recall erases that too).

use confab_api::{EditedNotice, Event, Id, Message, MessageType, MessageVersion};

use super::conversations::broadcast_to_members;
use super::messages::{check_text, require_active, to_api, visible_message};
use crate::error::{AppError, AppResult};
use crate::store::{edits, messages};
use crate::time::{now_ms, rfc3339};
use crate::AppState;

pub async fn edit(state: &AppState, me: Id, message_id: Id, content: &str) -> AppResult<Message> {
    check_text(content)?;
    let mut conn = state.store.writer().await?;
    let row = visible_message(&mut conn, me, message_id).await?;
    if row.sender_id != me {
        return Err(AppError::forbidden("only the sender can edit a message"));
    }
    if row.message_type != MessageType::Text.as_str() {
        return Err(AppError::unprocessable("only text messages can be edited"));
    }
    if row.status == "recalled" {
        return Err(AppError::conflict("that message was recalled"));
    }
    require_active(&mut conn, me, row.conversation_id).await?;
    let now = now_ms();
    let window = state.config.edit_window.as_millis() as i64;
    if now - row.created_at > window {
        return Err(AppError::conflict(format!(
            "messages can only be edited within {} of sending",
            super::text::span(window / 1000)
        )));
    }
    if row.content == content {
        return Ok(to_api(state, &row));
    }
    let mut tx = crate::store::begin(&mut conn).await?;
    edits::replace(&mut tx, message_id, &row.content, content, now).await?;
    let notice = EditedNotice {
        message_id,
        conversation_id: row.conversation_id,
        content: content.to_string(),
        edited_at: rfc3339(now),
    };
    let outbox = broadcast_to_members(&mut tx, row.conversation_id, now, Event::MessageEdited(notice)).await?;
    let updated = messages::get(&mut tx, me, message_id).await?.ok_or_else(AppError::internal)?;
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(to_api(state, &updated))
}

/// What an edited message said before, oldest first; for members who can see the message.
pub async fn versions(state: &AppState, me: Id, message_id: Id) -> AppResult<Vec<MessageVersion>> {
    let mut conn = state.store.reader().await?;
    visible_message(&mut conn, me, message_id).await?;
    Ok(edits::versions(&mut conn, message_id)
        .await?
        .into_iter()
        .map(|(content, at)| MessageVersion { content, replaced_at: rfc3339(at) })
        .collect())
}
