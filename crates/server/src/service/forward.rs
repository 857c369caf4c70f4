//! Forward: copies of messages (text, images, files) sent by the forwarder to other
//! conversations, all in one transaction. A forwarded file is the same stored file: its bytes
//! stay while any message still shows it.

use confab_api::{ForwardRequest, ForwardResult, Id, MessageType, OutgoingContent, SendMessageRequest};
use confab_api::{MAX_FORWARD_MESSAGES, MAX_FORWARD_TARGETS};

use super::messages::{deliver, visible_message, Body};
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::files;
use crate::AppState;

/// Each id once, in the order first given; between 1 and `max` of them.
fn distinct(ids: &[Id], what: &str, max: usize) -> AppResult<Vec<Id>> {
    let mut out: Vec<Id> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(id) {
            out.push(*id);
        }
    }
    if out.is_empty() || out.len() > max {
        return Err(AppError::unprocessable(format!("{what} must list 1 to {max} ids")));
    }
    Ok(out)
}

pub async fn forward(state: &AppState, me: Id, req: ForwardRequest) -> AppResult<ForwardResult> {
    let message_ids = distinct(&req.message_ids, "messageIds", MAX_FORWARD_MESSAGES)?;
    let targets = distinct(&req.conversation_ids, "conversationIds", MAX_FORWARD_TARGETS)?;
    // Each copy is a message sent.
    state.account_limits.sending(me, message_ids.len() * targets.len())?;
    let mut conn = state.store.writer().await?;
    let mut originals = Vec::with_capacity(message_ids.len());
    for id in &message_ids {
        let row = visible_message(&mut conn, me, *id).await?;
        if row.status == "recalled" {
            return Err(AppError::unprocessable(format!("message {id} was recalled; it cannot be forwarded")));
        }
        if row.message_type == MessageType::System.as_str() {
            return Err(AppError::unprocessable(format!("message {id} is a system notice; it cannot be forwarded")));
        }
        if row.burn_duration > 0 {
            return Err(AppError::unprocessable(format!("message {id} burns after reading; it cannot be forwarded")));
        }
        originals.push(row);
    }
    // Oldest first, as they were said.
    originals.sort_by_key(|r| r.id);
    let mut tx = crate::store::begin(&mut conn).await?;
    let mut outbox = Outbox::default();
    let mut list = Vec::with_capacity(originals.len() * targets.len());
    for target in &targets {
        for original in &originals {
            let message_type = MessageType::parse(&original.message_type).unwrap_or_default();
            let (content, body) = match &original.file {
                Some(f) => {
                    let file = files::get(&mut tx, f.id).await?.filter(|f| !f.withdrawn).ok_or_else(|| {
                        AppError::unprocessable(format!("message {}'s file is no longer there", original.id))
                    })?;
                    (OutgoingContent::FileRef(confab_api::FileRef { file_id: file.id }), Body::File(file))
                }
                None => (OutgoingContent::Text(original.content.clone()), Body::Text(&original.content)),
            };
            let req = SendMessageRequest::new(None, content, Some(message_type), Some(*target), None);
            let (message, events) = deliver(state, &mut tx, me, &req, message_type, body, None).await?;
            outbox.extend(events);
            list.push(message);
        }
    }
    tx.commit().await?;
    state.hub.publish(outbox);
    Ok(ForwardResult { list })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_taken_once_and_counted() {
        assert_eq!(distinct(&[3, 1, 3, 2], "x", 5).unwrap(), vec![3, 1, 2]);
        assert!(distinct(&[], "x", 5).is_err());
        assert!(distinct(&[1, 2, 3], "x", 2).is_err());
    }
}
