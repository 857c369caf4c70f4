//! The per-user event log that lets a reconnecting socket catch up with `sinceSeq`.

use confab_api::{Event, EventFrame, Id};

use super::Conn;

/// Gives the event the user's next sequence number and logs it; returns the frame as JSON.
pub async fn append(conn: &mut Conn, user_id: Id, event: Event, now: i64) -> sqlx::Result<(i64, String)> {
    let seq: i64 = sqlx::query_scalar("UPDATE users SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let json = serde_json::to_string(&EventFrame { seq, event }).expect("events serialize");
    sqlx::query("INSERT INTO events (user_id, seq, payload, created_at) VALUES (?, ?, ?, ?)")
        .bind(user_id)
        .bind(seq)
        .bind(&json)
        .bind(now)
        .execute(conn)
        .await?;
    Ok((seq, json))
}

/// Logged events after `since`, oldest first, at most `limit`.
pub async fn since(conn: &mut Conn, user_id: Id, since: i64, limit: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT seq, payload FROM events WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?")
        .bind(user_id)
        .bind(since)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The oldest kept sequence number (if any) and the newest handed out.
pub async fn bounds(conn: &mut Conn, user_id: Id) -> sqlx::Result<(Option<i64>, i64)> {
    let oldest: Option<i64> =
        sqlx::query_scalar("SELECT MIN(seq) FROM events WHERE user_id = ?").bind(user_id).fetch_one(&mut *conn).await?;
    let newest: i64 = sqlx::query_scalar("SELECT last_seq FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or(0);
    Ok((oldest, newest))
}

pub async fn prune(conn: &mut Conn, older_than: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM events WHERE created_at < ?").bind(older_than).execute(conn).await?.rows_affected())
}
