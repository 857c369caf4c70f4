//! The assistant: a person's chat sessions with a language model, with seed 004's snake_case
//! field names kept verbatim (`session_id`, `message_count`, `role`, …).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Longest message a person may send to the assistant, in characters.
pub const MAX_AI_MESSAGE_CHARS: usize = 8000;
/// Longest session id a client may choose: 1–64 of `A–Z a–z 0–9 _ -`.
pub const MAX_AI_SESSION_ID_CHARS: usize = 64;

/// Whether `id` is a session id a client may choose.
pub fn valid_session_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_AI_SESSION_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// One of a person's assistant sessions, as the session list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiSession {
    pub session_id: String,
    /// "会话 YYYY-MM-DD HH:MM" (UTC) when the session was made by its first chat; the app shows
    /// that default in the reader's language and time zone.
    pub title: String,
    pub created_at: String,
    pub updated_at: String,
    pub message_count: i64,
    /// The newest message's text (first 100 characters), or null for none.
    pub last_message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AiRole {
    Human,
    Assistant,
}

/// How an assistant reply ended, when it did not end normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AiReplyStatus {
    /// The person stopped it (or closed the tab): the text is what had arrived.
    Stopped,
    /// The model failed or stalled part-way: the text is what had arrived.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiMessage {
    pub role: AiRole,
    pub content: String,
    /// UTC, RFC 3339.
    pub time: String,
    /// Absent for a complete reply and for the person's own messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AiReplyStatus>,
}

/// `GET /api/chat/sessions/{session_id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiHistory {
    pub session_id: String,
    pub title: String,
    pub created_at: String,
    pub messages: Vec<AiMessage>,
    pub total_messages: i64,
}

/// `POST /api/chat/sessions/{session_id}/chat`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiChatRequest {
    /// 1–8000 characters, not only spaces.
    pub message: String,
    /// Answer the session's last message again instead of adding `message` (which must repeat
    /// it): after a failed or stopped reply, which this one replaces.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retry: bool,
}

/// `DELETE /api/chat/sessions/{session_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiDeleted {
    pub success: bool,
    pub deleted_session_id: String,
    pub deleted_messages_count: i64,
}

/// Socket event `ai_session_deleted`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AiSessionGone {
    pub session_id: String,
}

/// Text that arrives in pieces as bytes (a streamed reply): gives back the complete characters
/// so far and keeps a character split between two pieces until the rest arrives.
#[derive(Debug, Default)]
pub struct Utf8Pieces {
    pending: Vec<u8>,
}

impl Utf8Pieces {
    pub fn push(&mut self, bytes: &[u8]) -> String {
        self.pending.extend_from_slice(bytes);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            // An invalid sequence (not just an unfinished one) is replaced, never kept forever.
            Err(e) if e.error_len().is_some() => return self.take_lossy(),
            Err(e) => e.valid_up_to(),
        };
        let rest = self.pending.split_off(valid);
        String::from_utf8(std::mem::replace(&mut self.pending, rest)).unwrap_or_default()
    }

    /// What is left at the end of the stream.
    pub fn finish(&mut self) -> String {
        self.take_lossy()
    }

    fn take_lossy(&mut self) -> String {
        let text = String::from_utf8_lossy(&self.pending).into_owned();
        self.pending.clear();
        text
    }
}
