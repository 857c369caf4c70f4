use confab_api::Id;
use sqlx::Row;

use super::{Conn, Flag};

#[derive(Debug, Clone)]
pub struct FileRow {
    pub id: Id,
    pub sha256: String,
    pub file_name: String,
    pub mime: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub uploader_id: Id,
    /// Every message carrying it was recalled.
    pub withdrawn: bool,
}

pub async fn insert(conn: &mut Conn, f: &FileRow, now: i64) -> sqlx::Result<Id> {
    sqlx::query_scalar(
        "INSERT INTO files (sha256, file_name, mime, size, width, height, uploader_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(&f.sha256)
    .bind(&f.file_name)
    .bind(&f.mime)
    .bind(f.size)
    .bind(f.width)
    .bind(f.height)
    .bind(f.uploader_id)
    .bind(now)
    .fetch_one(conn)
    .await
}

pub async fn get(conn: &mut Conn, id: Id) -> sqlx::Result<Option<FileRow>> {
    let row = sqlx::query(
        "SELECT id, sha256, file_name, mime, size, width, height, uploader_id, withdrawn FROM files WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| FileRow {
        id: r.get("id"),
        sha256: r.get("sha256"),
        file_name: r.get("file_name"),
        mime: r.get("mime"),
        size: r.get("size"),
        width: r.get("width"),
        height: r.get("height"),
        uploader_id: r.get("uploader_id"),
        withdrawn: r.get::<i64, _>("withdrawn") != 0,
    }))
}

/// Whether `user` may see the file: they uploaded it, or it was sent in one of their conversations.
pub async fn visible_to(conn: &mut Conn, user: Id, row: &FileRow) -> sqlx::Result<bool> {
    if row.withdrawn {
        return Ok(false);
    }
    if row.uploader_id == user {
        return Ok(true);
    }
    sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM messages m JOIN members me ON me.conversation_id = m.conversation_id AND me.user_id = $1
                        WHERE m.file_id = $2)",
    )
    .bind(user)
    .bind(row.id)
    .fetch_one(conn)
    .await
    .map(|f| f.0)
}

/// Bytes of live uploads kept by `user`.
pub async fn used_bytes(conn: &mut Conn, user: Id) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(size), 0) AS BIGINT) FROM files WHERE uploader_id = $1 AND withdrawn = 0",
    )
    .bind(user)
    .fetch_one(conn)
    .await
}

/// Whether any live file row still refers to the blob.
pub async fn blob_in_use(conn: &mut Conn, sha256: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar::<_, Flag>("SELECT EXISTS (SELECT 1 FROM files WHERE sha256 = $1 AND withdrawn = 0)")
        .bind(sha256)
        .fetch_one(conn)
        .await
        .map(|f| f.0)
}

/// Deletes uploads older than `cutoff` that no message carries (never sent, or recalled);
/// returns their blobs' hashes.
pub async fn delete_unsent(conn: &mut Conn, cutoff: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "DELETE FROM files WHERE created_at < $1 AND NOT EXISTS (SELECT 1 FROM messages WHERE file_id = files.id)
         RETURNING sha256",
    )
    .bind(cutoff)
    .fetch_all(conn)
    .await
}
