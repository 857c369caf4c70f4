//! Edits: the new text in the message, what it said before kept beside it.

use confab_api::Id;

use super::Conn;

/// Keeps `previous` as a version of the message and puts `content` in its place.
pub async fn replace(conn: &mut Conn, message_id: Id, previous: &str, content: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO message_edits (message_id, content, edited_at) VALUES ($1, $2, $3)")
        .bind(message_id)
        .bind(previous)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE messages SET content = $1, edited_at = $2 WHERE id = $3")
        .bind(content)
        .bind(now)
        .bind(message_id)
        .execute(&mut *conn)
        .await?;
    super::search::index(conn, message_id, content).await
}

/// Earlier versions, oldest first: what it said, and when that was replaced.
pub async fn versions(conn: &mut Conn, message_id: Id) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT content, edited_at FROM message_edits WHERE message_id = $1 ORDER BY id")
        .bind(message_id)
        .fetch_all(conn)
        .await
}
