//! Emoji reactions: one row per message, emoji and person.

use confab_api::{Id, Reaction};

use super::Conn;

/// Adds one; `false` when it was already there.
pub async fn add(conn: &mut Conn, message_id: Id, emoji: &str, user_id: Id, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO reactions (message_id, emoji, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
    )
    .bind(message_id)
    .bind(emoji)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Takes one away; `false` when it was not there.
pub async fn remove(conn: &mut Conn, message_id: Id, emoji: &str, user_id: Id) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND user_id = $3")
        .bind(message_id)
        .bind(emoji)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The message's reactions, each emoji with who gave it, in the order they were given.
pub async fn of(conn: &mut Conn, message_id: Id) -> sqlx::Result<Vec<Reaction>> {
    let rows: Vec<(String, Id)> =
        sqlx::query_as("SELECT emoji, user_id FROM reactions WHERE message_id = $1 ORDER BY created_at, user_id")
            .bind(message_id)
            .fetch_all(conn)
            .await?;
    Ok(super::messages::group_reactions(rows.iter().map(|(e, u)| (e.as_str(), *u))))
}
