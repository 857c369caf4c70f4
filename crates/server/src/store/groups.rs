//! Groups: conversations of kind 'group' with a name, an announcement and member roles.
//! A member who leaves or is removed keeps their row, with `left_at_message_id` set.

use confab_api::{GroupMember, Id, User};
use sqlx::Row;

use super::conversations::role_of;
use super::Conn;

#[derive(Debug, Clone)]
pub struct Membership {
    pub role: String,
    pub active: bool,
}

/// The conversation's kind ('single' or 'group'), if it exists.
pub async fn kind(conn: &mut Conn, conversation_id: Id) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT kind FROM conversations WHERE id = $1").bind(conversation_id).fetch_optional(conn).await
}

pub async fn membership(conn: &mut Conn, conversation_id: Id, user_id: Id) -> sqlx::Result<Option<Membership>> {
    let row = sqlx::query("SELECT role, left_at_message_id FROM members WHERE conversation_id = $1 AND user_id = $2")
        .bind(conversation_id)
        .bind(user_id)
        .fetch_optional(conn)
        .await?;
    Ok(row.map(|r| Membership { role: r.get("role"), active: r.get::<Option<Id>, _>("left_at_message_id").is_none() }))
}

pub async fn create(conn: &mut Conn, name: &str, now: i64) -> sqlx::Result<Id> {
    sqlx::query_scalar("INSERT INTO conversations (kind, name, created_at) VALUES ('group', $1, $2) RETURNING id")
        .bind(name)
        .bind(now)
        .fetch_one(conn)
        .await
}

/// Adds a member (or brings back one who left); listed, so the group shows in their list.
pub async fn add_member(conn: &mut Conn, conversation_id: Id, user_id: Id, role: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO members (conversation_id, user_id, joined_at, role, listed) VALUES ($1, $2, $3, $4, 1)
         ON CONFLICT (conversation_id, user_id) DO UPDATE
           SET left_at_message_id = NULL, left_count = NULL, role = $4, joined_at = $3, listed = 1,
               mention_message_id = 0, group_at_type = 0",
    )
    .bind(conversation_id)
    .bind(user_id)
    .bind(now)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(())
}

/// The member stops receiving; they keep reading up to `last_visible` (their removal notice),
/// and their history's total stays the count up to it: the conversation's count less the few
/// messages after it (normally none: the notice is the newest).
pub async fn remove_member(conn: &mut Conn, conversation_id: Id, user_id: Id, last_visible: Id) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET left_at_message_id = $1, role = 'member',
                left_count = COALESCE((SELECT messages FROM message_counts WHERE conversation_id = $2), 0)
                           - (SELECT COUNT(*) FROM messages WHERE conversation_id = $2 AND id > $1)
          WHERE conversation_id = $2 AND user_id = $3",
    )
    .bind(last_visible)
    .bind(conversation_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_role(conn: &mut Conn, conversation_id: Id, user_id: Id, role: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE members SET role = $1 WHERE conversation_id = $2 AND user_id = $3")
        .bind(role)
        .bind(conversation_id)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn rename(conn: &mut Conn, conversation_id: Id, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE conversations SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(conversation_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_announcement(conn: &mut Conn, conversation_id: Id, text: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE conversations SET announcement = $1 WHERE id = $2")
        .bind(text)
        .bind(conversation_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The members in the group now: owner, then admins, then the rest, each by who joined first.
pub async fn members(conn: &mut Conn, conversation_id: Id) -> sqlx::Result<Vec<GroupMember>> {
    let rows = sqlx::query(
        "SELECT u.id, u.user_name, u.display_name, u.avatar, m.role FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = $1 AND m.left_at_message_id IS NULL
         ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 ELSE 2 END, m.joined_at, u.id",
    )
    .bind(conversation_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| GroupMember {
            user_id: r.get("id"),
            user_name: r.get("user_name"),
            display_name: r.get("display_name"),
            avatar: r.get("avatar"),
            role: role_of(&r.get::<String, _>("role")),
        })
        .collect())
}

/// Who takes over from a leaving owner: the longest-standing admin, else member.
pub async fn successor(conn: &mut Conn, conversation_id: Id, leaving: Id) -> sqlx::Result<Option<Id>> {
    sqlx::query_scalar(
        "SELECT user_id FROM members WHERE conversation_id = $1 AND user_id <> $2 AND left_at_message_id IS NULL
         ORDER BY (role = 'admin') DESC, joined_at, user_id LIMIT 1",
    )
    .bind(conversation_id)
    .bind(leaving)
    .fetch_optional(conn)
    .await
}

/// Records a mention of `user_id` in `message_id`: 1 @me, 2 @all; both make 3.
pub async fn mention(conn: &mut Conn, conversation_id: Id, user_id: Id, message_id: Id, at: i32) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET mention_message_id = $1,
                group_at_type = CASE WHEN group_at_type IN (1, 2, 3) AND group_at_type <> $2 THEN 3 ELSE $2 END
         WHERE conversation_id = $3 AND user_id = $4 AND left_at_message_id IS NULL",
    )
    .bind(message_id)
    .bind(at)
    .bind(conversation_id)
    .bind(user_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// `@all`: every current member but the sender gets the mention (as [`mention`] with 2 does
/// for one), in one statement whatever the group's size.
pub async fn mention_all(conn: &mut Conn, conversation_id: Id, sender: Id, message_id: Id) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET mention_message_id = $1,
                group_at_type = CASE WHEN group_at_type IN (1, 3) THEN 3 ELSE 2 END
         WHERE conversation_id = $2 AND user_id <> $3 AND left_at_message_id IS NULL",
    )
    .bind(message_id)
    .bind(conversation_id)
    .bind(sender)
    .execute(conn)
    .await?;
    Ok(())
}

/// The announcement changed: every other member without an unread mention sees 4.
pub async fn flag_announcement(conn: &mut Conn, conversation_id: Id, except: Id) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE members SET group_at_type = 4
         WHERE conversation_id = $1 AND user_id <> $2 AND left_at_message_id IS NULL AND group_at_type IN (0, 4)",
    )
    .bind(conversation_id)
    .bind(except)
    .execute(conn)
    .await?;
    Ok(())
}

/// Members other than the sender who have read up to the message.
pub async fn readers(conn: &mut Conn, conversation_id: Id, message_id: Id, sender: Id) -> sqlx::Result<Vec<User>> {
    let rows = sqlx::query(
        "SELECT u.id, u.user_name, u.display_name, u.avatar FROM members m JOIN users u ON u.id = m.user_id
         WHERE m.conversation_id = $1 AND m.user_id <> $2 AND m.last_read_message_id >= $3 ORDER BY u.display_name",
    )
    .bind(conversation_id)
    .bind(sender)
    .bind(message_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.iter().map(super::users::user_from).collect())
}
