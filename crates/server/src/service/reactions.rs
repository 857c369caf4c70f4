//! Emoji reactions: any member who can see a message adds or takes back emoji; everyone in the
//! conversation sees the counts change live.

use confab_api::{Event, Id, MessageType, ReactionsNotice, MAX_REACTIONS_PER_PERSON, MAX_REACTION_KINDS};

use super::conversations::broadcast_to_members;
use super::messages::{require_active, visible_message};
use crate::error::{AppError, AppResult};
use crate::store::reactions;
use crate::time::now_ms;
use crate::AppState;

/// One emoji as the Unicode emoji list has it (a skin tone or the text/emoji selector is part
/// of it), never arbitrary text.
fn check_emoji(emoji: &str) -> AppResult<()> {
    if emoji.len() > 64 || emojis::get(emoji).is_none() {
        return Err(AppError::unprocessable("emoji must be one emoji, such as 👍"));
    }
    Ok(())
}

/// Adds (`add`) or takes back one of the caller's reactions; answers the message's reactions.
pub async fn react(state: &AppState, me: Id, message_id: Id, emoji: &str, add: bool) -> AppResult<ReactionsNotice> {
    check_emoji(emoji)?;
    let mut conn = state.store.writer().await?;
    let row = visible_message(&mut conn, me, message_id).await?;
    // Taking one back is always fine (a recalled message has none left to take).
    if add && row.status == "recalled" {
        return Err(AppError::conflict("that message was recalled"));
    }
    if add && row.message_type == MessageType::System.as_str() {
        return Err(AppError::unprocessable("a system notice takes no reactions"));
    }
    require_active(&mut conn, me, row.conversation_id).await?;
    let current = reactions::of(&mut conn, message_id).await?;
    if add {
        let mine = current.iter().filter(|r| r.user_ids.contains(&me)).count();
        let new_kind = !current.iter().any(|r| r.emoji == emoji);
        if new_kind && current.len() >= MAX_REACTION_KINDS {
            return Err(AppError::conflict(format!("a message takes at most {MAX_REACTION_KINDS} different emoji")));
        }
        if mine >= MAX_REACTIONS_PER_PERSON && !current.iter().any(|r| r.emoji == emoji && r.user_ids.contains(&me)) {
            return Err(AppError::conflict(format!(
                "you can react to one message with at most {MAX_REACTIONS_PER_PERSON} emoji"
            )));
        }
    }
    let now = now_ms();
    let mut tx = crate::store::begin(&mut conn).await?;
    let changed = if add {
        reactions::add(&mut tx, message_id, emoji, me, now).await?
    } else {
        reactions::remove(&mut tx, message_id, emoji, me).await?
    };
    let notice = ReactionsNotice {
        message_id,
        conversation_id: row.conversation_id,
        reactions: reactions::of(&mut tx, message_id).await?,
    };
    if changed {
        let outbox =
            broadcast_to_members(&mut tx, row.conversation_id, now, Event::ReactionsChanged(notice.clone())).await?;
        tx.commit().await?;
        state.hub.publish(outbox);
    }
    Ok(notice)
}

/// The emoji a person can react with, for the picker: every emoji of the Unicode list with its
/// name and group, in the list's order (skin tones are variants of these).
pub fn catalogue() -> &'static [confab_api::EmojiEntry] {
    static LIST: std::sync::OnceLock<Vec<confab_api::EmojiEntry>> = std::sync::OnceLock::new();
    LIST.get_or_init(|| {
        emojis::iter()
            .map(|e| confab_api::EmojiEntry {
                emoji: e.as_str().to_string(),
                name: e.name().to_string(),
                group: format!("{:?}", e.group()),
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_emoji_are_reactions() {
        assert!(check_emoji("👍").is_ok());
        assert!(check_emoji("👍🏽").is_ok());
        assert!(check_emoji("❤️").is_ok());
        assert!(check_emoji("hi").is_err());
        assert!(check_emoji("👍👍").is_err());
        assert!(check_emoji("").is_err());
    }

    #[test]
    fn the_catalogue_is_the_unicode_list() {
        let list = catalogue();
        assert!(list.len() > 1500);
        assert!(list.iter().any(|e| e.emoji == "😀" && e.name == "grinning face"));
    }
}
