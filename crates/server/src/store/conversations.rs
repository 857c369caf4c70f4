use std::sync::LazyLock;

use confab_api::{Conversation, ConversationType, GroupRole, Id, MessageContent, MessageType};
use sqlx::Row;

use super::{Backend, Conn};
use crate::time::rfc3339;

/// A member's view of every conversation, with the other side, the last message it can see
/// and its own unread count; `$1` is the member. Pinned first, then newest activity.
static VIEW: LazyLock<String> = LazyLock::new(|| {
    format!(
        "
SELECT c.id, c.kind, c.name AS group_name, c.announcement, c.burn_duration, me.marked_unread, me.is_pinned, me.recv_msg_opt, me.draft_text,
       me.role AS my_role, me.left_at_message_id AS left_at, me.group_at_type,
       me.mention_message_id, mm.sender_id AS mentioner_id, mu.display_name AS mentioner_name,
       CASE WHEN c.kind = 'group' THEN (SELECT COUNT(*) FROM members gm
            WHERE gm.conversation_id = c.id AND gm.left_at_message_id IS NULL) ELSE 0 END AS member_count,
       t.id AS target_id, t.display_name AS target_name, t.user_name AS target_handle, t.avatar AS target_avatar,
       lm.message_type AS lm_type, lm.content AS lm_content, lm.status AS lm_status,
       lm.created_at AS lm_time, lf.file_name AS lm_file_name, lm.system_data AS lm_system,
       {UNREAD} AS unread
FROM members me
JOIN conversations c ON c.id = me.conversation_id
LEFT JOIN members tm ON c.kind = 'single' AND tm.conversation_id = c.id AND tm.user_id <> me.user_id
LEFT JOIN users t ON t.id = tm.user_id
LEFT JOIN messages mm ON mm.id = me.mention_message_id AND me.mention_message_id > 0
LEFT JOIN users mu ON mu.id = mm.sender_id
{LAST_MESSAGE}
LEFT JOIN files lf ON lf.id = lm.file_id
WHERE me.user_id = $1"
    )
});

/// Member `me`'s unread count in their conversation (`me.conversation_id`).
const UNREAD: &str = "
       (SELECT CASE WHEN COUNT(*) > me.marked_unread THEN COUNT(*) ELSE me.marked_unread END FROM messages x
         WHERE x.conversation_id = me.conversation_id AND x.id > me.last_read_message_id AND x.id > me.cleared_before_id
           AND x.id <= COALESCE(me.left_at_message_id, 9223372036854775807)
           AND x.sender_id <> me.user_id AND x.status = 'normal' AND x.message_type <> 'system'
           AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = me.user_id AND h.message_id = x.id)
       )";

/// `lm`: the last message member `me` can see in their conversation (if any).
const LAST_MESSAGE: &str = "
LEFT JOIN messages lm ON lm.id = (
    SELECT x.id FROM messages x
     WHERE x.conversation_id = me.conversation_id AND x.id > me.cleared_before_id
       AND x.id <= COALESCE(me.left_at_message_id, 9223372036854775807)
       AND NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = me.user_id AND h.message_id = x.id)
     ORDER BY x.id DESC LIMIT 1)";

const ORDER: &str = " ORDER BY me.is_pinned DESC, COALESCE(lm.created_at, c.created_at) DESC, c.id DESC";

/// The ids of a page (`$2` long, from `$3`) of member `$1`'s list, in its order.
static PAGE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT c.id FROM members me JOIN conversations c ON c.id = me.conversation_id {LAST_MESSAGE}
         WHERE me.user_id = $1 AND me.listed = 1 {ORDER} LIMIT $2 OFFSET $3"
    )
});

fn from_row(r: &sqlx::any::AnyRow) -> Conversation {
    let last_type: Option<String> = r.get("lm_type");
    let last_type = last_type.as_deref().and_then(MessageType::parse);
    let recalled = r.get::<Option<String>, _>("lm_status").as_deref() == Some("recalled");
    let last_message = match last_type {
        Some(t) => {
            let content = match r.get::<Option<String>, _>("lm_file_name") {
                Some(name) => MessageContent::File(confab_api::FileInfo {
                    file_id: 0,
                    file_name: name,
                    file_url: String::new(),
                    file_size: 0,
                    file_type: String::new(),
                    width: None,
                    height: None,
                }),
                None => MessageContent::Text(r.get::<Option<String>, _>("lm_content").unwrap_or_default()),
            };
            confab_api::preview_text(t, recalled, &content)
        }
        None => String::new(),
    };
    let is_group = r.get::<String, _>("kind") == "group";
    let left = r.get::<Option<Id>, _>("left_at").is_some();
    let at_data = match (r.get::<i64, _>("mention_message_id"), r.get::<Option<Id>, _>("mentioner_id")) {
        (message_id, Some(mentioner_id)) if message_id > 0 => Some(confab_api::AtData {
            mentioner_id,
            mentioner_name: r.get::<Option<String>, _>("mentioner_name").unwrap_or_default(),
            message_id,
        }),
        _ => None,
    };
    Conversation {
        conversation_id: r.get("id"),
        conversation_type: if is_group { ConversationType::Group } else { ConversationType::Single },
        target_user_id: r.get::<Option<Id>, _>("target_id").unwrap_or_default(),
        target_user_name: if is_group {
            r.get("group_name")
        } else {
            r.get::<Option<String>, _>("target_name").unwrap_or_default()
        },
        target_user_handle: r.get::<Option<String>, _>("target_handle").unwrap_or_default(),
        target_user_avatar: r.get::<Option<String>, _>("target_avatar").unwrap_or_default(),
        last_message,
        last_message_type: last_type,
        last_message_recalled: recalled,
        last_message_time: r.get::<Option<i64>, _>("lm_time").map(rfc3339),
        unread_count: r.get("unread"),
        is_pinned: r.get::<i64, _>("is_pinned") != 0,
        recv_msg_opt: r.get::<i64, _>("recv_msg_opt") as i32,
        draft_text: r.get("draft_text"),
        last_message_system: r.get::<Option<String>, _>("lm_system").and_then(|s| serde_json::from_str(&s).ok()),
        member_count: r.get("member_count"),
        group_at_type: r.get::<i64, _>("group_at_type") as i32,
        at_data,
        is_not_in_group: is_group && left,
        my_role: (is_group && !left).then(|| role_of(&r.get::<String, _>("my_role"))),
        announcement: if is_group { r.get("announcement") } else { String::new() },
        is_private_chat: r.get::<i64, _>("burn_duration") > 0,
        burn_duration: r.get("burn_duration"),
        is_marked_unread: r.get::<i64, _>("marked_unread") != 0,
    }
}

pub fn role_of(s: &str) -> GroupRole {
    match s {
        "owner" => GroupRole::Owner,
        "admin" => GroupRole::Admin,
        _ => GroupRole::Member,
    }
}

/// One page of a member's conversation list, how many it has in all, and the newest event
/// number handed to them, all read in one snapshot (so the list is exactly the state after
/// that event).
pub async fn list(conn: &mut Conn, me: Id, limit: i64, offset: i64) -> sqlx::Result<(Vec<Conversation>, i64, i64)> {
    let mut tx = super::begin_snapshot(conn).await?;
    // The page's conversations first, by what orders them alone; then the whole view of those
    // only. The view of every conversation (its unread count, its group's members, its other
    // side) was ~4× the cost of finding the page, and a list pages by 20.
    let page: Vec<Id> = sqlx::query_scalar(&PAGE).bind(me).bind(limit).bind(offset).fetch_all(&mut *tx).await?;
    let rows = if page.is_empty() {
        Vec::new()
    } else {
        let sql = match Backend::of(&tx) {
            Backend::Sqlite => format!("{} AND c.id IN (SELECT value FROM json_each($2))", *VIEW),
            Backend::Postgres => {
                format!("{} AND c.id IN (SELECT jsonb_array_elements_text($2::jsonb)::BIGINT)", *VIEW)
            }
        };
        let mut rows = sqlx::query(&sql).bind(me).bind(super::json_param(&page)?).fetch_all(&mut *tx).await?;
        rows.sort_by_key(|r| page.iter().position(|id| *id == r.get::<Id, _>("id")));
        rows
    };
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members WHERE user_id = $1 AND listed = 1")
        .bind(me)
        .fetch_one(&mut *tx)
        .await?;
    let seq = super::events::newest(&mut tx, me).await?;
    tx.commit().await?;
    Ok((rows.iter().map(from_row).collect(), total, seq))
}

/// The member's view of one conversation; `None` if they are not a member.
pub async fn get(conn: &mut Conn, me: Id, conversation_id: Id) -> sqlx::Result<Option<Conversation>> {
    let sql = format!("{} AND c.id = $2", *VIEW);
    let row = sqlx::query(&sql).bind(me).bind(conversation_id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row))
}

/// The conversation's name as `me` sees it in the list (`targetUserName`: the group's name, or
/// the other person's), without the rest of the view: its unread count grows with what is unread.
pub async fn title(conn: &mut Conn, me: Id, conversation_id: Id) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT CASE WHEN c.kind = 'group' THEN c.name ELSE COALESCE(t.display_name, '') END
         FROM members me
         JOIN conversations c ON c.id = me.conversation_id
         LEFT JOIN members tm ON c.kind = 'single' AND tm.conversation_id = c.id AND tm.user_id <> me.user_id
         LEFT JOIN users t ON t.id = tm.user_id
         WHERE me.user_id = $1 AND c.id = $2",
    )
    .bind(me)
    .bind(conversation_id)
    .fetch_optional(conn)
    .await
}

/// Sum of unread counts over conversations that are not muted.
pub async fn total_unread(conn: &mut Conn, me: Id) -> sqlx::Result<i64> {
    // The unread counts alone, not the list's whole view (half the time at 5,000 conversations).
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT CAST(COALESCE(SUM({UNREAD}), 0) AS BIGINT) FROM members me
              WHERE me.user_id = $1 AND me.listed = 1 AND me.recv_msg_opt <> 1"
        )
    });
    sqlx::query_scalar(&SQL).bind(me).fetch_one(conn).await
}

pub async fn is_member(conn: &mut Conn, user_id: Id, conversation_id: Id) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM members WHERE conversation_id = $1 AND user_id = $2")
        .bind(conversation_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The members who are in the conversation now (not those who left or were removed).
pub async fn member_ids(conn: &mut Conn, conversation_id: Id) -> sqlx::Result<Vec<Id>> {
    sqlx::query_scalar(
        "SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL ORDER BY user_id",
    )
    .bind(conversation_id)
    .fetch_all(conn)
    .await
}

/// What names the one-to-one conversation of `a` and `b` (either way round).
pub fn direct_key(a: Id, b: Id) -> String {
    format!("{}:{}", a.min(b), a.max(b))
}

/// The one-to-one conversations among `keys` (see [`direct_key`]) that exist, in one query.
pub async fn find_directs(conn: &mut Conn, keys: &[String]) -> sqlx::Result<Vec<(String, Id)>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    if Backend::of(conn) == Backend::Sqlite {
        // The keys as one JSON parameter: one statement whatever their number, prepared once.
        let keys = super::json_param(&keys)?;
        return sqlx::query_as(
            "SELECT direct_key, id FROM conversations WHERE direct_key IN (SELECT value FROM json_each($1))",
        )
        .bind(keys)
        .fetch_all(conn)
        .await;
    }
    let list: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
    let sql = format!("SELECT direct_key, id FROM conversations WHERE direct_key IN ({})", list.join(", "));
    let mut query = sqlx::query_as(&sql).persistent(false);
    for key in keys {
        query = query.bind(key);
    }
    query.fetch_all(conn).await
}

/// Where a person stands in a conversation they send to: whether it is a group, whether they
/// are still in it (a group member who left or was removed is not), and for a one-to-one chat
/// the other person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seat {
    pub group: bool,
    pub active: bool,
    /// One-to-one chats: the other member (the lowest id but the sender's, as `member_ids`).
    pub other: Option<Id>,
}

/// The seats of (person, conversation) pairs, in one query whatever their number; a pair whose
/// person is not a member of that conversation is left out.
pub async fn seats(conn: &mut Conn, wanted: &[(Id, Id)]) -> sqlx::Result<Vec<((Id, Id), Seat)>> {
    const SELECT: &str = "SELECT m.user_id, m.conversation_id, c.kind, m.left_at_message_id AS left_at,
               CASE WHEN c.kind = 'group' THEN NULL ELSE
                 (SELECT o.user_id FROM members o WHERE o.conversation_id = m.conversation_id
                    AND o.user_id <> m.user_id AND o.left_at_message_id IS NULL
                  ORDER BY o.user_id LIMIT 1) END AS other
        FROM wanted w
        JOIN members m ON m.conversation_id = w.conversation_id AND m.user_id = w.user_id
        JOIN conversations c ON c.id = m.conversation_id";
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let rows = if Backend::of(conn) == Backend::Sqlite {
        // The pairs as one JSON parameter: one statement whatever their number, prepared once.
        static SQLITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!("WITH wanted (user_id, conversation_id) AS (SELECT value ->> 0, value ->> 1 FROM json_each($1)) {SELECT}")
        });
        sqlx::query(&SQLITE).bind(super::json_param(&wanted)?).fetch_all(conn).await?
    } else {
        let values: Vec<String> =
            (0..wanted.len()).map(|i| format!("(${}::BIGINT, ${}::BIGINT)", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!("WITH wanted (user_id, conversation_id) AS (VALUES {}) {SELECT}", values.join(", "));
        let mut query = sqlx::query(&sql).persistent(false);
        for (user, conversation) in wanted {
            query = query.bind(*user).bind(*conversation);
        }
        query.fetch_all(conn).await?
    };
    Ok(rows
        .into_iter()
        .map(|r| {
            let seat = Seat {
                group: r.get::<String, _>("kind") == "group",
                active: r.get::<Option<Id>, _>("left_at").is_none(),
                other: r.get("other"),
            };
            ((r.get("user_id"), r.get("conversation_id")), seat)
        })
        .collect())
}

/// The one-to-one conversation of two users, if there is one.
pub async fn find_direct(conn: &mut Conn, me: Id, other: Id) -> sqlx::Result<Option<Id>> {
    sqlx::query_scalar("SELECT id FROM conversations WHERE direct_key = $1")
        .bind(direct_key(me, other))
        .fetch_optional(conn)
        .await
}

/// The one-to-one conversation of two users, created if missing; `true` when it is new.
pub async fn find_or_create_direct(conn: &mut Conn, me: Id, other: Id, now: i64) -> sqlx::Result<(Id, bool)> {
    if let Some(id) = find_direct(conn, me, other).await? {
        return Ok((id, false));
    }
    let key = direct_key(me, other);
    let id: Id = sqlx::query_scalar(
        "INSERT INTO conversations (kind, direct_key, created_at) VALUES ('single', $1, $2) RETURNING id",
    )
    .bind(&key)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for user in [me, other] {
        sqlx::query("INSERT INTO members (conversation_id, user_id, joined_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(user)
            .bind(now)
            .execute(&mut *conn)
            .await?;
    }
    Ok((id, true))
}

/// Shows the conversation in the member's list; `true` if it was hidden before.
pub async fn set_listed(conn: &mut Conn, user_id: Id, conversation_id: Id) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE members SET listed = 1 WHERE conversation_id = $1 AND user_id = $2 AND listed = 0")
        .bind(conversation_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Puts conversation `$1` back in every current member's list (a new message in it).
pub(super) const LIST_FOR_MEMBERS: &str =
    "UPDATE members SET listed = 1 WHERE conversation_id = $1 AND listed = 0 AND left_at_message_id IS NULL";

/// Puts the conversation back in every current member's list (a new message in it).
pub async fn set_listed_for_members(conn: &mut Conn, conversation_id: Id) -> sqlx::Result<()> {
    sqlx::query(LIST_FOR_MEMBERS).bind(conversation_id).execute(conn).await?;
    Ok(())
}

pub struct Settings {
    pub is_pinned: Option<bool>,
    pub recv_msg_opt: Option<i32>,
    pub draft_text: Option<String>,
}

pub async fn update_settings(conn: &mut Conn, user_id: Id, conversation_id: Id, s: &Settings) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET is_pinned = COALESCE($1, is_pinned), recv_msg_opt = COALESCE($2, recv_msg_opt),
                draft_text_time = CASE WHEN $3 IS NOT NULL AND $3 <> draft_text THEN $6 ELSE draft_text_time END,
                draft_text = COALESCE($3, draft_text), listed = 1
         WHERE conversation_id = $4 AND user_id = $5",
    )
    .bind(s.is_pinned.map(i64::from))
    .bind(s.recv_msg_opt.map(i64::from))
    .bind(s.draft_text.as_deref())
    .bind(conversation_id)
    .bind(user_id)
    .bind(crate::time::now_ms())
    .execute(conn)
    .await?;
    Ok(())
}

/// What only OpenIM's clients set on a conversation, per member.
#[derive(sqlx::FromRow, Default)]
pub struct Extras {
    pub attached_info: String,
    pub ex: String,
    pub draft_text_time: i64,
}

pub async fn extras(conn: &mut Conn, user_id: Id, conversation_id: Id) -> sqlx::Result<Extras> {
    Ok(sqlx::query_as(
        "SELECT attached_info, ex, draft_text_time FROM members WHERE conversation_id = $1 AND user_id = $2",
    )
    .bind(conversation_id)
    .bind(user_id)
    .fetch_optional(conn)
    .await?
    .unwrap_or_default())
}

pub async fn set_extras(
    conn: &mut Conn,
    user_id: Id,
    conversation_id: Id,
    attached_info: Option<&str>,
    ex: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET attached_info = COALESCE($1, attached_info), ex = COALESCE($2, ex)
         WHERE conversation_id = $3 AND user_id = $4",
    )
    .bind(attached_info)
    .bind(ex)
    .bind(conversation_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Moves the member's read mark up to the newest message; returns (before, now) if it moved.
pub async fn mark_read(conn: &mut Conn, user_id: Id, conversation_id: Id) -> sqlx::Result<Option<(Id, Id)>> {
    // A member who left reads up to their last visible message, not beyond.
    let newest: Option<Id> = sqlx::query_scalar(
        "SELECT MAX(m.id) FROM messages m JOIN members me ON me.conversation_id = m.conversation_id AND me.user_id = $2
         WHERE m.conversation_id = $1 AND m.id <= COALESCE(me.left_at_message_id, 9223372036854775807)",
    )
    .bind(conversation_id)
    .bind(user_id)
    .fetch_one(&mut *conn)
    .await?;
    let Some(newest) = newest else {
        return Ok(None);
    };
    let before: Id =
        sqlx::query_scalar("SELECT last_read_message_id FROM members WHERE conversation_id = $1 AND user_id = $2")
            .bind(conversation_id)
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    let done = sqlx::query(
        "UPDATE members SET last_read_message_id = $1, mention_message_id = 0, group_at_type = 0, marked_unread = 0
         WHERE conversation_id = $2 AND user_id = $3
           AND (last_read_message_id < $4 OR group_at_type <> 0 OR marked_unread <> 0)",
    )
    .bind(newest)
    .bind(conversation_id)
    .bind(user_id)
    .bind(newest)
    .execute(conn)
    .await?;
    Ok((done.rows_affected() > 0).then_some((before.min(newest), newest)))
}

/// Sets or clears the member's "mark as unread" (setting also lists the conversation);
/// `true` if it changed.
pub async fn set_marked_unread(conn: &mut Conn, user_id: Id, conversation_id: Id, marked: bool) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE members SET marked_unread = $1, listed = CASE WHEN listed > $1 THEN listed ELSE $1 END
         WHERE conversation_id = $2 AND user_id = $3 AND marked_unread <> $1",
    )
    .bind(i64::from(marked))
    .bind(conversation_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}
