//! The snake_case API under `/api/auth/…` that clients written from seed 001 speak: its own
//! field names, ids as strings, history `status` 0 text / 2 system / 3 file. Served beside
//! Confab's own API over the same services.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{id_from_number_or_string, Id};

/// `GET /api/auth/conversations`: one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConversationItem {
    /// The other person's display name (a group's name).
    pub remark: String,
    pub conversation_id: String,
    pub unread_count: i64,
    /// The newest message's preview ("[Image]", "[File] name" for files).
    pub content: String,
}

/// History `status`: what kind of message it is (recalled ones, 1, are left out).
pub const STATUS_TEXT: i32 = 0;
pub const STATUS_SYSTEM: i32 = 2;
pub const STATUS_FILE: i32 = 3;

/// `GET /api/auth/conversations/{conversation_id}`: one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HistoryItem {
    pub message_id: String,
    pub sender_id: String,
    pub sender_name: String,
    /// 0 text, 2 system, 3 file or image.
    pub status: i32,
    pub updated_at: String,
    pub content: HistoryContent,
}

/// A text, or a file's description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum HistoryContent {
    Text(String),
    File(FileContent),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FileContent {
    pub file_name: String,
    /// A signed download link, valid for a day.
    pub file_url: String,
    pub file_size: u64,
    pub file_type: String,
}

/// `{"id": "67890"}`: a person (private chat) or a message (recall, delete).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IdRequest {
    #[serde(deserialize_with = "id_from_number_or_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[1-9][0-9]{0,18}$"))]
    pub id: Id,
}

/// `POST /api/auth/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SendRequest {
    #[serde(deserialize_with = "id_from_number_or_string")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[1-9][0-9]{0,18}$"))]
    pub conversation_id: Id,
    /// 1–5000 characters.
    pub content: String,
}
