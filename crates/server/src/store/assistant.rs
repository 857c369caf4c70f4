//! Assistant sessions and their messages.

use confab_api::{AiMessage, AiReplyStatus, AiRole, AiSession, Id};

use super::{Conn, Flag};
use crate::time::rfc3339;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub owner_id: Id,
    pub session_key: String,
    pub title: String,
    pub created_at: i64,
}

pub async fn by_key(conn: &mut Conn, key: &str) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as("SELECT id, owner_id, session_key, title, created_at FROM ai_sessions WHERE session_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub async fn create(conn: &mut Conn, key: &str, owner: Id, title: &str, now: i64) -> sqlx::Result<SessionRow> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO ai_sessions (session_key, owner_id, title, created_at, updated_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(key)
    .bind(owner)
    .bind(title)
    .bind(now)
    .bind(now)
    .fetch_one(conn)
    .await?;
    Ok(SessionRow { id, owner_id: owner, session_key: key.into(), title: title.into(), created_at: now })
}

pub async fn count_for(conn: &mut Conn, owner: Id) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ai_sessions WHERE owner_id = $1").bind(owner).fetch_one(conn).await
}

#[derive(sqlx::FromRow)]
struct SummaryRow {
    session_key: String,
    title: String,
    created_at: i64,
    updated_at: i64,
    message_count: i64,
    last_message: Option<String>,
}

impl From<SummaryRow> for AiSession {
    fn from(r: SummaryRow) -> AiSession {
        AiSession {
            session_id: r.session_key,
            title: r.title,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
            message_count: r.message_count,
            last_message: r.last_message,
        }
    }
}

const SUMMARY: &str = "SELECT s.session_key, s.title, s.created_at, s.updated_at, \
     (SELECT COUNT(*) FROM ai_messages m WHERE m.session_id = s.id) AS message_count, \
     (SELECT substr(m.content, 1, 100) FROM ai_messages m WHERE m.session_id = s.id ORDER BY m.id DESC LIMIT 1) AS last_message \
     FROM ai_sessions s";

/// The owner's sessions, most recently used first.
pub async fn list(conn: &mut Conn, owner: Id) -> sqlx::Result<Vec<AiSession>> {
    let rows: Vec<SummaryRow> =
        sqlx::query_as(&format!("{SUMMARY} WHERE s.owner_id = $1 ORDER BY s.updated_at DESC, s.id DESC"))
            .bind(owner)
            .fetch_all(conn)
            .await?;
    Ok(rows.into_iter().map(AiSession::from).collect())
}

pub async fn summary(conn: &mut Conn, session: i64) -> sqlx::Result<AiSession> {
    let row: SummaryRow = sqlx::query_as(&format!("{SUMMARY} WHERE s.id = $1")).bind(session).fetch_one(conn).await?;
    Ok(row.into())
}

#[derive(sqlx::FromRow)]
pub struct MessageRow {
    pub id: i64,
    pub role: String,
    pub content: String,
    pub status: Option<String>,
    pub created_at: i64,
}

impl MessageRow {
    pub fn is_human(&self) -> bool {
        self.role == "human"
    }
    /// A reply the model broke off (not sent to it again as context).
    pub fn is_failed(&self) -> bool {
        self.status.as_deref() == Some("failed")
    }
    pub fn wire(self) -> AiMessage {
        AiMessage {
            role: if self.is_human() { AiRole::Human } else { AiRole::Assistant },
            content: self.content,
            time: rfc3339(self.created_at),
            status: match self.status.as_deref() {
                Some("stopped") => Some(AiReplyStatus::Stopped),
                Some("failed") => Some(AiReplyStatus::Failed),
                _ => None,
            },
        }
    }
}

/// The session's messages, oldest first.
pub async fn messages(conn: &mut Conn, session: i64) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as("SELECT id, role, content, status, created_at FROM ai_messages WHERE session_id = $1 ORDER BY id")
        .bind(session)
        .fetch_all(conn)
        .await
}

/// The newest `limit` messages, newest first (the context sent to the model is cut from these).
pub async fn newest(conn: &mut Conn, session: i64, limit: i64) -> sqlx::Result<Vec<MessageRow>> {
    sqlx::query_as(
        "SELECT id, role, content, status, created_at FROM ai_messages WHERE session_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(session)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn message_count(conn: &mut Conn, session: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ai_messages WHERE session_id = $1").bind(session).fetch_one(conn).await
}

pub async fn add_message(
    conn: &mut Conn,
    session: i64,
    role: AiRole,
    content: &str,
    status: Option<AiReplyStatus>,
    now: i64,
) -> sqlx::Result<()> {
    let role = match role {
        AiRole::Human => "human",
        AiRole::Assistant => "assistant",
    };
    let status = status.map(|s| match s {
        AiReplyStatus::Stopped => "stopped",
        AiReplyStatus::Failed => "failed",
    });
    sqlx::query("INSERT INTO ai_messages (session_id, role, content, status, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(session)
        .bind(role)
        .bind(content)
        .bind(status)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE ai_sessions SET updated_at = $1 WHERE id = $2").bind(now).bind(session).execute(conn).await?;
    Ok(())
}

pub async fn delete_message(conn: &mut Conn, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM ai_messages WHERE id = $1").bind(id).execute(conn).await?;
    Ok(())
}

/// Deletes the session and every message of it, and the previews of them the owner's event
/// log kept for catch-up; how many messages went.
pub async fn delete(conn: &mut Conn, owner: Id, key: &str, session: i64) -> sqlx::Result<i64> {
    let count = message_count(conn, session).await?;
    super::events::rewrite(
        conn,
        super::events::Among::Of(owner),
        "ai_session_updated",
        &[(&["data", "session_id"], super::events::Key::Text(key))],
        &[(&["data", "last_message"], "null")],
    )
    .await?;
    sqlx::query("DELETE FROM ai_messages WHERE session_id = $1").bind(session).execute(&mut *conn).await?;
    sqlx::query("DELETE FROM ai_sessions WHERE id = $1").bind(session).execute(conn).await?;
    Ok(count)
}

/// Whether the session still exists (a reply being written may outlive a deletion).
pub async fn exists(conn: &mut Conn, session: i64) -> sqlx::Result<bool> {
    let found: Flag = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM ai_sessions WHERE id = $1)")
        .bind(session)
        .fetch_one(conn)
        .await?;
    Ok(found.0)
}
