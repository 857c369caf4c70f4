//! OpenIM's conversation API (`POST /conversation/…`) as clients written from seed 002 speak it:
//! `{errCode, errMsg, data}`, OpenIM's field names (`conversationID`, `ownerUserID`, …), string
//! user ids (Confab's user names) and conversation ids `single_{a}_{b}` / `group_{groupID}`.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// OpenIM's error codes (its `errs` package).
pub mod err {
    pub const OK: i32 = 0;
    pub const ARGS: i32 = 1001;
    pub const NO_PERMISSION: i32 = 1002;
    pub const DUPLICATE: i32 = 1003;
    pub const NOT_FOUND: i32 = 1004;
    pub const TOKEN_INVALID: i32 = 1502;
    pub const TOKEN_NOT_EXIST: i32 = 1507;
    pub const SERVER: i32 = 500;
}

/// Every answer: `errCode` 0 and `data`, or an error code and `errMsg`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reply<T> {
    pub err_code: i32,
    pub err_msg: String,
    pub data: T,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImPagination))]
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    /// From 1.
    pub page_number: i32,
    /// 1–100.
    pub show_number: i32,
}

/// `get_conversations`: a page of the list (`userID` + `pagination`) or the named ones
/// (`ownerUserID` + `conversationIDs`), one path for both as the document has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImGetConversationsRequest))]
pub struct GetConversationsRequest {
    #[serde(rename = "userID", default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
    #[serde(rename = "ownerUserID", default)]
    pub owner_user_id: Option<String>,
    #[serde(rename = "conversationIDs", default)]
    pub conversation_ids: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImGetConversationRequest))]
pub struct GetConversationRequest {
    #[serde(rename = "ownerUserID")]
    pub owner_user_id: String,
    #[serde(rename = "conversationID")]
    pub conversation_id: String,
}

/// The newest message of a conversation, as OpenIM's `MsgData`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImLatestMsg))]
pub struct LatestMsg {
    #[serde(rename = "serverMsgID")]
    pub server_msg_id: String,
    #[serde(rename = "clientMsgID")]
    pub client_msg_id: String,
    #[serde(rename = "sendID")]
    pub send_id: String,
    #[serde(rename = "recvID")]
    pub recv_id: String,
    #[serde(rename = "groupID")]
    pub group_id: String,
    #[serde(rename = "senderNickname")]
    pub sender_nickname: String,
    #[serde(rename = "senderFaceURL")]
    pub sender_face_url: String,
    /// 1 one-to-one, 2 group.
    #[serde(rename = "sessionType")]
    pub session_type: i32,
    /// 100 a person, 200 the system.
    #[serde(rename = "msgFrom")]
    pub msg_from: i32,
    /// 101 text, 102 picture, 105 file, 106 text with @mentions, 1400 notification.
    #[serde(rename = "contentType")]
    pub content_type: i32,
    /// JSON text, e.g. `{"content":"…"}`.
    pub content: String,
    pub seq: i64,
    #[serde(rename = "sendTime")]
    pub send_time: i64,
    #[serde(rename = "createTime")]
    pub create_time: i64,
    /// 2 sent.
    pub status: i32,
    pub ex: String,
}

/// A conversation with every field of the document's tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImConversationInfo))]
pub struct ConversationInfo {
    #[serde(rename = "ownerUserID")]
    pub owner_user_id: String,
    #[serde(rename = "conversationID")]
    pub conversation_id: String,
    /// 1 one-to-one, 2 group.
    #[serde(rename = "conversationType")]
    pub conversation_type: i32,
    #[serde(rename = "userID")]
    pub user_id: String,
    #[serde(rename = "groupID")]
    pub group_id: String,
    #[serde(rename = "showName")]
    pub show_name: String,
    #[serde(rename = "faceURL")]
    pub face_url: String,
    /// 0 normal, 1 muted, 2 online only.
    #[serde(rename = "recvMsgOpt")]
    pub recv_msg_opt: i32,
    #[serde(rename = "unreadCount")]
    pub unread_count: i64,
    /// 0 none, 1 @me, 2 @all, 3 @all and @me, 4 the announcement changed.
    #[serde(rename = "groupAtType")]
    pub group_at_type: i32,
    #[serde(rename = "latestMsg", default, skip_serializing_if = "Option::is_none")]
    pub latest_msg: Option<LatestMsg>,
    #[serde(rename = "latestMsgSendTime")]
    pub latest_msg_send_time: i64,
    #[serde(rename = "draftTextTime")]
    pub draft_text_time: i64,
    #[serde(rename = "draftText")]
    pub draft_text: String,
    #[serde(rename = "isPinned")]
    pub is_pinned: bool,
    #[serde(rename = "isPrivateChat")]
    pub is_private_chat: bool,
    #[serde(rename = "burnDuration")]
    pub burn_duration: i64,
    #[serde(rename = "isNotInGroup")]
    pub is_not_in_group: bool,
    #[serde(rename = "updateUnreadCountTime")]
    pub update_unread_count_time: i64,
    #[serde(rename = "attachedInfo")]
    pub attached_info: String,
    pub ex: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImConversationPage))]
pub struct ConversationPage {
    /// The whole list's length (with `conversationIDs`: how many were found).
    pub total: i64,
    pub conversations: Vec<ConversationInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImOneConversation))]
pub struct OneConversation {
    pub conversation: ConversationInfo,
}

/// What `set_conversation` and `batch_set_conversation` may change; absent fields stay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImConversationSetting))]
pub struct ConversationSetting {
    #[serde(rename = "ownerUserID")]
    pub owner_user_id: String,
    #[serde(rename = "conversationID")]
    pub conversation_id: String,
    #[serde(rename = "recvMsgOpt", default)]
    pub recv_msg_opt: Option<i32>,
    #[serde(rename = "isPinned", default)]
    pub is_pinned: Option<bool>,
    #[serde(rename = "isPrivateChat", default)]
    pub is_private_chat: Option<bool>,
    #[serde(rename = "burnDuration", default)]
    pub burn_duration: Option<i64>,
    #[serde(rename = "draftText", default)]
    pub draft_text: Option<String>,
    #[serde(rename = "attachedInfo", default)]
    pub attached_info: Option<String>,
    #[serde(default)]
    pub ex: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImSetConversationRequest))]
pub struct SetConversationRequest {
    pub conversation: ConversationSetting,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImBatchSetRequest))]
pub struct BatchSetRequest {
    /// At most 100.
    pub conversations: Vec<ConversationSetting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImBatchSetResult))]
pub struct BatchSetResult {
    pub success: Vec<String>,
    pub failed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImSetRecvOptRequest))]
pub struct SetRecvOptRequest {
    #[serde(rename = "ownerUserID")]
    pub owner_user_id: String,
    #[serde(rename = "conversationIDs")]
    pub conversation_ids: Vec<String>,
    pub opt: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImUserRequest))]
pub struct UserRequest {
    #[serde(rename = "userID")]
    pub user_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImGetRecvOptRequest))]
pub struct GetRecvOptRequest {
    #[serde(rename = "conversationIDs")]
    pub conversation_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImMsgOpt))]
pub struct MsgOpt {
    #[serde(rename = "ownerUserID", default, skip_serializing_if = "Option::is_none")]
    pub owner_user_id: Option<String>,
    #[serde(rename = "conversationID")]
    pub conversation_id: String,
    pub opt: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImMsgOpts))]
pub struct MsgOpts {
    #[serde(rename = "conversationMsgOpts")]
    pub conversation_msg_opts: Vec<MsgOpt>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImPrivateChatRequest))]
pub struct PrivateChatRequest {
    #[serde(rename = "sendUserID")]
    pub send_user_id: String,
    #[serde(rename = "recvUserID")]
    pub recv_user_id: String,
    #[serde(rename = "isPrivate")]
    pub is_private: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImBurnDurationRequest))]
pub struct BurnDurationRequest {
    #[serde(rename = "sendUserID")]
    pub send_user_id: String,
    #[serde(rename = "recvUserID")]
    pub recv_user_id: String,
    /// Seconds; 0 turns it off.
    #[serde(rename = "burnDuration")]
    pub burn_duration: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OpenImTotalUnread))]
pub struct TotalUnread {
    #[serde(rename = "totalUnreadCount")]
    pub total_unread_count: i64,
}

/// The id OpenIM gives a one-to-one conversation: both user ids, sorted.
pub fn single_id(a: &str, b: &str) -> String {
    let (x, y) = if a <= b { (a, b) } else { (b, a) };
    format!("single_{x}_{y}")
}

/// The other person in `single_…` as `me` sees it (user names may hold `_` themselves).
pub fn other_in_single<'a>(id: &'a str, me: &str) -> Option<&'a str> {
    let rest = id.strip_prefix("single_")?;
    let candidates = [
        rest.strip_prefix(me).and_then(|r| r.strip_prefix('_')),
        rest.strip_suffix(me).and_then(|r| r.strip_suffix('_')),
    ];
    candidates.into_iter().flatten().find(|other| !other.is_empty() && single_id(me, other) == id)
}
