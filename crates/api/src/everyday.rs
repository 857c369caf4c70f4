//! Everyday messaging: replies, edits, reactions, typing, presence, forwarding and message search.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{Id, Message, MessageType};

/// How long after sending the sender may still change a message's text, by default.
pub const DEFAULT_EDIT_WINDOW_SECS: i64 = 24 * 3600;
/// Characters of the original a reply shows.
pub const EXCERPT_CHARS: usize = 100;
/// Different emoji on one message at most; one person's reactions on one message at most.
pub const MAX_REACTION_KINDS: usize = 20;
pub const MAX_REACTIONS_PER_PERSON: usize = 10;
/// Messages forwarded at once, and conversations they go to, at most.
pub const MAX_FORWARD_MESSAGES: usize = 50;
pub const MAX_FORWARD_TARGETS: usize = 20;
/// Longest search query, in characters.
pub const MAX_SEARCH_CHARS: usize = 100;

/// The earlier message a reply answers, as the reply shows it (read when the reply is read,
/// so a recall or burn of the original shows in every reply to it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReplyPreview {
    pub message_id: Id,
    #[serde(default)]
    pub sender_id: Id,
    #[serde(default)]
    pub sender_name: String,
    #[serde(default)]
    pub message_type: MessageType,
    /// The start of its text (at most 100 characters) or the file's name; `""` when gone.
    #[serde(default)]
    pub excerpt: String,
    /// The original was recalled, burned or deleted by this reader: nothing of it is shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gone: bool,
}

/// One emoji on a message and who put it there (oldest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Reaction {
    pub emoji: String,
    pub user_ids: Vec<Id>,
}

/// One emoji of the picker (`GET /api/emoji`), from the Unicode emoji list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmojiEntry {
    pub emoji: String,
    /// Its Unicode name, e.g. "grinning face" (what the picker searches).
    pub name: String,
    /// Its Unicode group, e.g. "SmileysAndEmotion".
    pub group: String,
}

/// `PATCH /api/messages/{messageId}`: the new text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EditMessageRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub content: String,
}

/// A version of an edited message: what it said until `replacedAt`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageVersion {
    pub content: String,
    pub replaced_at: String,
}

/// Socket event: a message's text was changed by its sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EditedNotice {
    pub message_id: Id,
    pub conversation_id: Id,
    pub content: String,
    pub edited_at: String,
}

/// Socket event: a message's reactions, all of them as they are now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReactionsNotice {
    pub message_id: Id,
    pub conversation_id: Id,
    pub reactions: Vec<Reaction>,
}

/// Live frame (no `seq`, not kept for catch-up): someone is typing in a conversation. It lasts
/// a few seconds unless repeated; a message from them ends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TypingNotice {
    pub conversation_id: Id,
    pub user_id: Id,
    pub user_name: String,
}

/// How long a typing notice lasts without another one, in milliseconds.
pub const TYPING_LASTS_MS: u32 = 6000;
/// A client repeats its typing notice at most this often while the person types.
pub const TYPING_EVERY_MS: u32 = 3000;

/// Live frame: someone one has a chat with came online or went offline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PresenceNotice {
    pub user_id: Id,
    pub online: bool,
    /// When their last connection closed (RFC 3339), once offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
}

/// `GET /api/users/{userId}/presence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Presence {
    pub online: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<String>,
}

/// Frames a client sends on the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Ping,
    /// The person is typing in this conversation (send at most every 3 seconds).
    #[serde(rename_all = "camelCase")]
    Typing {
        conversation_id: Id,
    },
}

/// `POST /api/messages/forward`: these messages (text, images, files) to these conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ForwardRequest {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 50))]
    pub message_ids: Vec<Id>,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub conversation_ids: Vec<Id>,
}

/// What a forward sent: the new messages, per target in the order asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ForwardResult {
    pub list: Vec<Message>,
}

/// One message found by `GET /api/messages/search`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageHit {
    pub message_id: Id,
    pub conversation_id: Id,
    /// The conversation's name as the reader sees it (the other person, or the group).
    pub conversation_name: String,
    pub sender_id: Id,
    pub sender_name: String,
    pub created_at: String,
    #[serde(default)]
    pub message_type: MessageType,
    /// Around the match, at most ~60 characters; the matched parts between `\u{2}` and `\u{3}`
    /// (marks that cannot be typed, so the app highlights them without parsing HTML).
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessageSearchPage {
    pub list: Vec<MessageHit>,
    /// Older matches may exist: ask again with `beforeMessageId` = `nextBeforeMessageId`.
    pub has_more: bool,
    /// Where the next page starts: the last hit's id when the page is full; otherwise (a page
    /// that looked at as many of the index's matches as one page may, and found fewer hits, or
    /// none) the point below what it looked at. Present when `hasMore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_before_message_id: Option<Id>,
}

/// Where a highlighted part of a search snippet starts and ends.
pub const HIT_START: char = '\u{2}';
pub const HIT_END: char = '\u{3}';

/// The first `EXCERPT_CHARS` characters of a message's text on one line, for a reply's preview.
pub fn excerpt(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(EXCERPT_CHARS) {
        Some((at, _)) => format!("{}…", &line[..at]),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_is_one_line_and_cut_by_characters() {
        assert_eq!(excerpt("hello\n  world"), "hello world");
        let long = "字".repeat(150);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt(""), "");
    }

    #[test]
    fn client_frames_read_as_documented() {
        let f: ClientFrame = serde_json::from_str(r#"{"type":"typing","conversationId":7}"#).unwrap();
        assert_eq!(f, ClientFrame::Typing { conversation_id: 7 });
        let f: ClientFrame = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(f, ClientFrame::Ping);
    }
}
