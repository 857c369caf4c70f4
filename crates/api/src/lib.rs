//! Confab's wire types: every JSON shape of the HTTP + WebSocket contract (docs/API.md), once.
//!
//! Seed 000's field names are kept verbatim; fields added by the later seeds carry
//! `#[serde(default)]` so that a payload written against seed 000 alone still deserializes.
//! Both the server and the web app compile against this crate, so neither redefines a DTO.

use serde::{Deserialize, Serialize};

mod assistant;
mod everyday;
mod ids;
pub mod openim;
pub mod seed001;
#[cfg(feature = "yunhu")]
pub mod yunhu;
pub use assistant::*;
pub use everyday::*;
pub use ids::{id_from_number_or_string, opt_id_from_number_or_string};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Every id on the wire: a positive 64-bit integer, sent as a JSON number.
pub type Id = i64;

/// Longest text message, in characters (Unicode scalar values).
pub const MAX_TEXT_CHARS: usize = 5000;
/// Longest draft kept per conversation, in characters.
pub const MAX_DRAFT_CHARS: usize = 5000;
/// Default upload limit; the server can be configured otherwise and reports its own in errors.
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 25 * 1024 * 1024;
/// Default time during which a sender may recall a message.
pub const DEFAULT_RECALL_WINDOW_SECS: i64 = 120;

/// The envelope around every JSON response: `code` equals the HTTP status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub code: u16,
    pub message: String,
    pub data: Option<T>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub user_id: Id,
    pub user_name: String,
    pub display_name: String,
    /// An image URL, or "" when the user has none (the app then shows initials).
    #[serde(default)]
    pub avatar: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 3, max_length = 32, pattern = "^[A-Za-z0-9_.-]+$"))]
    pub user_name: String,
    /// 8–128 characters, and not easy to guess (refused with 422 otherwise).
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 128))]
    pub password: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    pub user_name: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthResponse {
    pub token: String,
    pub user: User,
}

/// One signed-in device or tab (a token), in the list of a person's active sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthSession {
    /// A stable handle for this session; not the token.
    pub session_id: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; the session expires after a period without use.
    pub last_used_at: String,
    /// The browser's User-Agent when it signed in ("" when none was sent).
    pub user_agent: String,
    /// The session making this request.
    pub current: bool,
}

/// WebSocket close codes the server uses, and what the app does with each.
pub mod close_code {
    /// The token is invalid, expired or was revoked: sign in again; do not reconnect.
    pub const UNAUTHORIZED: u16 = 4001;
    /// This person has too many sockets open: do not reconnect.
    pub const TOO_MANY_FOR_USER: u16 = 4008;
    /// The server is full: reconnect later.
    pub const TRY_AGAIN_LATER: u16 = 1013;
    /// The server is stopping: reconnect.
    pub const GOING_AWAY: u16 = 1001;

    /// Whether the app should stop reconnecting after this close.
    pub fn is_permanent(code: u16) -> bool {
        matches!(code, UNAUTHORIZED | TOO_MANY_FOR_USER)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum ConversationType {
    #[default]
    Single,
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MessageType {
    #[default]
    Text,
    Image,
    File,
    System,
}

impl MessageType {
    pub fn as_str(self) -> &'static str {
        match self {
            MessageType::Text => "text",
            MessageType::Image => "image",
            MessageType::File => "file",
            MessageType::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => MessageType::Text,
            "image" => MessageType::Image,
            "file" => MessageType::File,
            "system" => MessageType::System,
            _ => return None,
        })
    }

    /// Image and file messages carry a [`FileInfo`] as content.
    pub fn carries_file(self) -> bool {
        matches!(self, MessageType::Image | MessageType::File)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum MessageStatus {
    #[default]
    Normal,
    Recalled,
}

/// An uploaded file as it appears in a message (seed 001's file content, camelCase).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    pub file_id: Id,
    pub file_name: String,
    /// Signed, expiring URL usable in a plain `<img src>` or `<a href>`.
    pub file_url: String,
    pub file_size: u64,
    /// The MIME type.
    pub file_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// A message's content: text for text and system messages, a [`FileInfo`] for images and files.
/// A recalled message reads `""`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum MessageContent {
    Text(String),
    File(FileInfo),
}

impl<'de> Deserialize<'de> for MessageContent {
    /// By hand rather than `untagged`: decided by the first token, without buffering
    /// (smaller and faster in the web app).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ids::string_or_object(d, "a string, or a file object", MessageContent::Text, MessageContent::File)
    }
}

impl Default for MessageContent {
    fn default() -> Self {
        MessageContent::Text(String::new())
    }
}

impl MessageContent {
    pub fn text(&self) -> Option<&str> {
        match self {
            MessageContent::Text(t) => Some(t),
            MessageContent::File(_) => None,
        }
    }

    pub fn file(&self) -> Option<&FileInfo> {
        match self {
            MessageContent::File(f) => Some(f),
            MessageContent::Text(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    pub message_id: Id,
    pub conversation_id: Id,
    pub sender_id: Id,
    #[serde(default)]
    pub sender_name: String,
    #[serde(default)]
    pub sender_avatar: String,
    #[serde(default)]
    pub receiver_id: Id,
    pub content: MessageContent,
    #[serde(default)]
    pub message_type: MessageType,
    #[serde(default)]
    pub status: MessageStatus,
    /// For the sender: whether the other side has read it. For a receiver: true.
    #[serde(default)]
    pub is_read: bool,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    #[cfg(feature = "groups")]
    /// Members this message @mentions (groups).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at_user_ids: Vec<Id>,
    #[cfg(feature = "groups")]
    /// Whether it @mentions everyone (groups; owners and admins only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_all: bool,
    #[cfg(feature = "groups")]
    /// What a system message says, as data the app words in its own language; `content` has an
    /// English fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<SystemNotice>,
    #[cfg(feature = "groups")]
    /// For the sender of a group message: how many other members have read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_count: Option<i64>,
    #[cfg(feature = "groups")]
    /// Burn after reading: seconds the message lives once the recipient has read it (0: kept).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub burn_duration: i64,
    #[cfg(feature = "groups")]
    /// Burn after reading: when the read message is erased (RFC 3339); absent until it is read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burn_at: Option<String>,
    /// The earlier message this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<ReplyPreview>,
    /// When the sender last changed the text (RFC 3339); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// Emoji reactions, in the order they were first given.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
}

/// What changed in a group, for its system message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SystemNotice {
    pub kind: SystemKind,
    /// Who did it.
    pub actor_id: Id,
    pub actor_name: String,
    /// Whom it was done to (added, removed, made admin, new owner).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<NamedUser>,
    /// The new group name (renamed, created).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    Created,
    Added,
    Removed,
    Left,
    Renamed,
    Announcement,
    AdminAdded,
    AdminRemoved,
    OwnerChanged,
    /// Burn after reading turned on (`text` holds the duration in seconds) or off (`text` absent).
    BurnAfterReading,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct NamedUser {
    pub user_id: Id,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum GroupRole {
    Owner,
    Admin,
    Member,
}

/// A member of a group, as its members panel shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GroupMember {
    pub user_id: Id,
    pub user_name: String,
    pub display_name: String,
    #[serde(default)]
    pub avatar: String,
    pub role: GroupRole,
}

/// The newest unread @mention of the reader in a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AtData {
    pub mentioner_id: Id,
    pub mentioner_name: String,
    pub message_id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateGroupRequest {
    /// 1–64 characters after trimming.
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: String,
    /// The other members (the creator is added as owner).
    #[serde(default)]
    pub member_ids: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PatchGroupRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2000))]
    pub announcement: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AddMembersRequest {
    pub user_ids: Vec<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub conversation_id: Id,
    #[serde(default = "single")]
    pub conversation_type: ConversationType,
    pub target_user_id: Id,
    /// The other person's display name (which anyone may choose, so it need not be unique).
    pub target_user_name: String,
    /// The other person's unique user name, shown as `@handle` beside the display name.
    #[serde(default)]
    pub target_user_handle: String,
    #[serde(default)]
    pub target_user_avatar: String,
    /// Preview: text as is; `[Image]`, `[File] name`, `[Recalled]`.
    #[serde(default)]
    pub last_message: String,
    #[serde(default)]
    pub last_message_type: Option<MessageType>,
    /// Whether the last message was recalled (the app localises the preview from this).
    #[serde(default)]
    pub last_message_recalled: bool,
    #[serde(default)]
    pub last_message_time: Option<String>,
    #[serde(default)]
    pub unread_count: i64,
    #[serde(default)]
    pub is_pinned: bool,
    /// 0 normal, 1 muted (own unread count kept, left out of the total).
    #[serde(default)]
    pub recv_msg_opt: i32,
    #[serde(default)]
    pub draft_text: String,
    #[cfg(feature = "groups")]
    /// When the last message is a system notice: what it says, for the app to word the preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_system: Option<SystemNotice>,
    #[cfg(feature = "groups")]
    /// Groups: how many are in it now.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub member_count: i64,
    #[cfg(feature = "groups")]
    /// 0 none, 1 @me, 2 @all, 3 @all and @me, 4 the announcement changed (cleared on reading).
    #[serde(default, skip_serializing_if = "is_zero_i32")]
    pub group_at_type: i32,
    #[cfg(feature = "groups")]
    /// The newest unread @mention of the reader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_data: Option<AtData>,
    #[cfg(feature = "groups")]
    /// Groups: the reader left or was removed (history up to then stays readable).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_not_in_group: bool,
    #[cfg(feature = "groups")]
    /// Groups: the reader's role (absent for one-to-one chats and after leaving).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub my_role: Option<GroupRole>,
    #[cfg(feature = "groups")]
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub announcement: String,
    #[cfg(feature = "groups")]
    /// Burn after reading is on for this one-to-one chat (both sides see the same setting).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_private_chat: bool,
    #[cfg(feature = "groups")]
    /// Seconds a message sent while burn after reading is on lives once read (0 when off).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub burn_duration: i64,
    #[cfg(feature = "groups")]
    /// Marked unread from the list: `unreadCount` is at least 1 until the conversation is read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub is_marked_unread: bool,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

#[cfg(feature = "groups")]
fn is_zero_i32(n: &i32) -> bool {
    *n == 0
}

fn single() -> ConversationType {
    ConversationType::Single
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ConversationPage {
    pub list: Vec<Conversation>,
    pub total: i64,
    /// The newest event number this page reflects (read in the same snapshot as the list):
    /// connect the socket with `sinceSeq` set to it to get exactly what changed after the list,
    /// nothing missed and nothing counted twice.
    #[serde(default)]
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MessagePage {
    pub list: Vec<Message>,
    pub total: i64,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub user_id: Id,
    pub user_name: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub avatar: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UnreadCount {
    pub total_unread: i64,
}

/// `POST /api/conversations/private`: `{userId}`, or seed 001's `{id}`; numbers or numeric strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatePrivateRequest {
    #[serde(alias = "id", deserialize_with = "id_from_number_or_string")]
    pub user_id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PatchConversationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_pinned: Option<bool>,
    /// 0 normal, 1 muted, 2 online only (OpenIM's value, kept as set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 2))]
    pub recv_msg_opt: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 5000))]
    pub draft_text: Option<String>,
    /// Burn after reading on or off for both sides of a one-to-one chat (with `burnDuration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_private_chat: Option<bool>,
    /// Seconds, 1 to 604800 (a week); required when turning burn after reading on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 604800))]
    pub burn_duration: Option<i64>,
}

/// Longest burn-after-reading duration, in seconds.
pub const MAX_BURN_SECS: i64 = 7 * 24 * 3600;

/// What a client sends as content: text, or for image/file messages a reference to an
/// uploaded file (the FileInfo it got from `POST /api/files`, or just its id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(untagged)]
pub enum OutgoingContent {
    Text(String),
    FileRef(FileRef),
}

impl<'de> Deserialize<'de> for OutgoingContent {
    /// By hand rather than `untagged`, so that a wrong type gets an error that says what fits.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ids::string_or_object(
            d,
            "a string, or {\"fileId\": …} for an image or file",
            OutgoingContent::Text,
            OutgoingContent::FileRef,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct FileRef {
    #[serde(deserialize_with = "id_from_number_or_string")]
    pub file_id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendMessageRequest {
    #[serde(default, deserialize_with = "opt_id_from_number_or_string")]
    pub receiver_id: Option<Id>,
    pub content: OutgoingContent,
    #[serde(default)]
    pub message_type: Option<MessageType>,
    #[serde(default, deserialize_with = "opt_id_from_number_or_string")]
    pub conversation_id: Option<Id>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 64))]
    pub client_msg_id: Option<String>,
    #[cfg(feature = "groups")]
    /// Groups: members to @mention.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub at_user_ids: Vec<Id>,
    #[cfg(feature = "groups")]
    /// Groups: @mention everyone (owners and admins only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub at_all: bool,
    /// An earlier message of the same conversation this one answers.
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "opt_id_from_number_or_string")]
    pub reply_to_message_id: Option<Id>,
}

impl SendMessageRequest {
    /// A send without @mentions (whether or not the `groups` feature is on).
    pub fn new(
        receiver_id: Option<Id>,
        content: OutgoingContent,
        message_type: Option<MessageType>,
        conversation_id: Option<Id>,
        client_msg_id: Option<String>,
    ) -> SendMessageRequest {
        SendMessageRequest {
            receiver_id,
            content,
            message_type,
            conversation_id,
            client_msg_id,
            #[cfg(feature = "groups")]
            at_user_ids: Vec::new(),
            #[cfg(feature = "groups")]
            at_all: false,
            reply_to_message_id: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    pub status: String,
}

/// `GET /api/ready`: whether this instance can serve — its database and its event bus — and
/// whether its file store answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Readiness {
    /// `"ok"` or what is wrong.
    pub database: String,
    /// `"in-process"` for one instance; the bus's state when several share one.
    pub bus: String,
    /// `"ok"` or what is wrong with the file store. Reported, but it does not make the instance
    /// unready: messages go on without files, and every instance shares the one store.
    #[serde(default)]
    pub files: String,
}

// ---------------------------------------------------------------------------------------------
// WebSocket

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RecalledNotice {
    pub message_id: Id,
    pub conversation_id: Id,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ReadReceipt {
    pub conversation_id: Id,
    pub reader_id: Id,
    pub last_read_message_id: Id,
    /// Where the reader's mark was before: messages after it and up to `lastReadMessageId` gained
    /// one reader (group read counts move without a request).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub previous_read_message_id: Id,
}

/// A message deleted for one user only; sent to that user's other connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct DeletedNotice {
    pub message_id: Id,
    pub conversation_id: Id,
}

/// A burn-after-reading message that expired and was erased.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct BurnedNotice {
    pub message_id: Id,
    pub conversation_id: Id,
}

/// A server event, as logged per user and pushed to every connection of that user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum Event {
    NewMessage(Message),
    MessageRecalled(RecalledNotice),
    Read(ReadReceipt),
    ConversationUpdated(Conversation),
    MessageDeleted(DeletedNotice),
    MessageBurned(BurnedNotice),
    /// An assistant session was made, got a message or a reply (the person's other tabs).
    AiSessionUpdated(AiSession),
    /// An assistant session was deleted.
    AiSessionDeleted(AiSessionGone),
    /// A message's text was changed by its sender.
    MessageEdited(EditedNotice),
    /// A message's reactions changed (all of them, as they are now).
    ReactionsChanged(ReactionsNotice),
}

/// Frames that are live only: not numbered, not kept, not replayed after a reconnect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum LiveEvent {
    Typing(TypingNotice),
    Presence(PresenceNotice),
}

/// `{"type": …, "seq": n, "data": …}`: `seq` rises by one per user across all their connections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFrame {
    pub seq: i64,
    #[serde(flatten)]
    pub event: Event,
}

/// Frames without a sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControlFrame {
    /// Client → server keep-alive.
    Ping,
    /// Server → client answer to `ping`.
    Pong,
    /// The `sinceSeq` asked for is older than the kept log: reload lists, then go on live.
    Resync { seq: i64 },
    /// Catch-up is done; `seq` is the newest event number so far (resume from it after a drop).
    Ready { seq: i64 },
}

/// Anything the server sends on the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
// A frame lives only while it is dispatched; boxing the event would cost more than it saves.
#[allow(clippy::large_enum_variant)]
pub enum ServerFrame {
    Event(EventFrame),
    Control(ControlFrame),
    Live(LiveEvent),
}

/// The outer shape of every frame, with `data` left unparsed until `type` is known.
#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default)]
    seq: Option<i64>,
    #[serde(borrow, default)]
    data: Option<&'a serde_json::value::RawValue>,
}

impl ServerFrame {
    /// Parses a frame by its `type` (unknown types are `None`, so old clients skip new events).
    pub fn parse(text: &str) -> Option<ServerFrame> {
        let raw: RawFrame = serde_json::from_str(text).ok()?;
        fn data<T: serde::de::DeserializeOwned>(raw: &RawFrame) -> Option<T> {
            serde_json::from_str(raw.data?.get()).ok()
        }
        let event = match raw.kind {
            "new_message" => Event::NewMessage(data(&raw)?),
            "message_recalled" => Event::MessageRecalled(data(&raw)?),
            "read" => Event::Read(data(&raw)?),
            "conversation_updated" => Event::ConversationUpdated(data(&raw)?),
            "message_deleted" => Event::MessageDeleted(data(&raw)?),
            "message_burned" => Event::MessageBurned(data(&raw)?),
            "ai_session_updated" => Event::AiSessionUpdated(data(&raw)?),
            "ai_session_deleted" => Event::AiSessionDeleted(data(&raw)?),
            "message_edited" => Event::MessageEdited(data(&raw)?),
            "reactions_changed" => Event::ReactionsChanged(data(&raw)?),
            "typing" => return Some(ServerFrame::Live(LiveEvent::Typing(data(&raw)?))),
            "presence" => return Some(ServerFrame::Live(LiveEvent::Presence(data(&raw)?))),
            "ping" => return Some(ServerFrame::Control(ControlFrame::Ping)),
            "pong" => return Some(ServerFrame::Control(ControlFrame::Pong)),
            "resync" => return Some(ServerFrame::Control(ControlFrame::Resync { seq: raw.seq? })),
            "ready" => return Some(ServerFrame::Control(ControlFrame::Ready { seq: raw.seq? })),
            _ => return None,
        };
        Some(ServerFrame::Event(EventFrame { seq: raw.seq?, event }))
    }
}

/// The preview text seed 000's `lastMessage` carries; the app localises from the type instead.
pub fn preview_text(message_type: MessageType, recalled: bool, content: &MessageContent) -> String {
    if recalled {
        return "[Recalled]".to_string();
    }
    match (message_type, content) {
        (MessageType::Image, _) => "[Image]".to_string(),
        (MessageType::File, MessageContent::File(f)) => format!("[File] {}", f.file_name),
        (MessageType::File, _) => "[File]".to_string(),
        (_, MessageContent::Text(t)) => t.chars().take(100).collect(),
        (_, MessageContent::File(f)) => f.file_name.clone(),
    }
}

#[cfg(test)]
mod tests;

/// "Chrome on Linux" from a User-Agent header: enough to recognise one's own devices.
pub fn device_summary(user_agent: &str) -> String {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("OPR/") {
        "Opera"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("HeadlessChrome/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        ""
    };
    let os = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        ""
    };
    match (browser, os) {
        ("", "") => {
            let short: String = ua.chars().take(40).collect();
            if short.is_empty() {
                "?".to_string()
            } else {
                short
            }
        }
        (b, "") => b.to_string(),
        ("", o) => o.to_string(),
        (b, o) => format!("{b} · {o}"),
    }
}
