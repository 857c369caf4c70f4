//! Burn after reading: the per-conversation setting and the timers of read messages.

use confab_api::Id;

use super::{Backend, Conn};

/// Seconds messages sent now will live once read (0: burn after reading is off).
pub async fn duration(conn: &mut Conn, conversation_id: Id) -> sqlx::Result<i64> {
    let secs: Option<i64> = sqlx::query_scalar("SELECT burn_duration FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_optional(conn)
        .await?;
    Ok(secs.unwrap_or(0))
}

pub async fn set_duration(conn: &mut Conn, conversation_id: Id, secs: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE conversations SET burn_duration = $1 WHERE id = $2")
        .bind(secs)
        .bind(conversation_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Starts the timers of the burn-after-reading messages `reader` has now read (up to `up_to`);
/// returns how many started.
pub async fn start_timers(conn: &mut Conn, conversation_id: Id, reader: Id, up_to: Id, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE messages SET burn_at = $1 + burn_duration * 1000
         WHERE conversation_id = $2 AND id <= $3 AND sender_id <> $4
           AND burn_duration > 0 AND burn_at IS NULL AND status = 'normal'",
    )
    .bind(now)
    .bind(conversation_id)
    .bind(up_to)
    .bind(reader)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// When the next read message expires, if any is waiting.
pub async fn next_due(conn: &mut Conn) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT MIN(burn_at) FROM messages WHERE burn_at IS NOT NULL").fetch_one(conn).await
}

/// Messages whose time is up: (message, conversation), oldest first, at most `limit`.
pub async fn due(conn: &mut Conn, now: i64, limit: i64) -> sqlx::Result<Vec<(Id, Id)>> {
    sqlx::query_as(
        "SELECT id, conversation_id FROM messages WHERE burn_at IS NOT NULL AND burn_at <= $1 ORDER BY burn_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Erases an expired message for good: its text, its file link (returning the blob's hash when
/// no other message uses it), its copies in the event log (replaced by the burned notice) and
/// the row itself.
pub async fn erase(conn: &mut Conn, message_id: Id, conversation_id: Id) -> sqlx::Result<Option<String>> {
    let blob = super::messages::erase_content(conn, message_id).await?;
    let sql = burned_copies_sql(Backend::of(conn));
    sqlx::query(sql).bind(message_id).bind(conversation_id).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM messages WHERE id = $1").bind(message_id).execute(conn).await?;
    Ok(blob)
}

/// [`erase`]'s rewrite of a burned message's logged copies into the burned notice (`$1` the
/// message, `$2` its conversation): found by their subject, not by reading the whole log.
pub(super) fn burned_copies_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => {
            "UPDATE events SET payload = json_object('seq', seq, 'type', 'message_burned',
                'data', json_object('messageId', $1, 'conversationId', $2))
         WHERE subject = $1 AND json_extract(payload, '$.type') = 'new_message'
           AND json_extract(payload, '$.data.messageId') = $1"
        }
        Backend::Postgres => {
            "UPDATE events SET payload = json_build_object('seq', seq, 'type', 'message_burned',
                'data', json_build_object('messageId', $1, 'conversationId', $2))::text
         WHERE subject = $1 AND payload::jsonb ->> 'type' = 'new_message'
           AND payload::jsonb #>> '{data,messageId}' = CAST($1 AS TEXT)"
        }
    }
}
