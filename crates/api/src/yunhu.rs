//! The conversation API that clients written from seed 003 (YunHu) speak: `code: 1` for
//! success, a `token` header, and a conversation list in protobuf with the document's message
//! definition and field numbers (or JSON with the same names, when asked).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `{code, msg}`: `code` 1 is success; otherwise the HTTP status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuReply))]
pub struct Reply {
    pub code: i64,
    pub msg: String,
}

/// `POST /v1/conversation/dismiss-notification`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuDismissRequest))]
#[serde(rename_all = "camelCase")]
pub struct DismissRequest {
    /// The person's, group's or bot's id, as the list gives it.
    pub chat_id: String,
    /// 1 person, 2 group, 3 bot (a Confab addition: without it a person is tried first).
    #[serde(default)]
    pub chat_type: Option<u64>,
}

/// `POST /v1/conversation/sort-change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuSortChangeRequest))]
#[serde(rename_all = "camelCase")]
pub struct SortChangeRequest {
    pub user_id: String,
    #[serde(default)]
    pub chat_type: Option<u64>,
}

pub const CHAT_USER: u64 = 1;
pub const CHAT_GROUP: u64 = 2;
pub const CHAT_BOT: u64 = 3;

/// `status` of the list (the document shows its fields, not its numbers; these follow
/// YunHu's other messages: number 1, code 2, msg 3).
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuStatus))]
pub struct Status {
    #[prost(uint64, tag = "1")]
    pub number: u64,
    #[prost(uint64, tag = "2")]
    pub code: u64,
    #[prost(string, tag = "3")]
    pub msg: String,
}

/// `message list` of the document, field numbers verbatim.
#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuList))]
pub struct List {
    #[prost(message, optional, tag = "1")]
    pub status: Option<Status>,
    #[prost(message, repeated, tag = "2")]
    pub data: Vec<Data>,
    #[prost(uint64, tag = "3")]
    pub total: u64,
    #[prost(string, tag = "4")]
    pub request_id: String,
}

#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuData))]
pub struct Data {
    #[prost(string, tag = "1")]
    pub chat_id: String,
    /// 1 person, 2 group, 3 bot (the assistant's sessions).
    #[prost(uint64, tag = "2")]
    pub chat_type: u64,
    #[prost(string, tag = "3")]
    pub name: String,
    #[prost(string, tag = "4")]
    pub chat_content: String,
    #[prost(uint64, tag = "5")]
    pub timestamp_ms: u64,
    /// 1 when something is unread.
    #[prost(uint64, tag = "6")]
    pub unread_message: u64,
    /// 1 when the reader is @mentioned in something unread.
    #[prost(uint64, tag = "7")]
    pub at: u64,
    #[prost(uint64, tag = "8")]
    pub avatar_id: u64,
    #[prost(string, tag = "9")]
    pub avatar_url: String,
    /// 1 when muted.
    #[prost(uint64, tag = "11")]
    pub do_not_disturb: u64,
    #[prost(uint64, tag = "12")]
    pub timestamp: u64,
    #[prost(message, optional, tag = "14")]
    pub at_data: Option<AtData>,
    #[prost(uint64, tag = "16")]
    pub certification_level: u64,
}

#[derive(Clone, PartialEq, prost::Message, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = YunhuAtData))]
pub struct AtData {
    #[prost(uint64, tag = "1")]
    pub unknown: u64,
    #[prost(string, tag = "2")]
    pub mentioned_id: String,
    #[prost(string, tag = "3")]
    pub mentioned_name: String,
    #[prost(string, tag = "4")]
    pub mentioned_in: String,
    #[prost(string, tag = "6")]
    pub mentioner_id: String,
    #[prost(string, tag = "7")]
    pub mentioner_name: String,
    #[prost(uint64, tag = "8")]
    pub msg_seq: u64,
}
