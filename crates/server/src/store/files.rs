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

/// How far before where the last run stopped each run of [`delete_unsent`] looks again: an upload
/// whose time was taken just before a run and whose row was written just after it (with a limit
/// of minutes or less) is still looked at.
const EXPIRY_OVERLAP_MS: i64 = 10 * 60 * 1000;

/// The uploads [`delete_unsent`] looks at: older than `$1`, and either newer than `$2` (aged past
/// the limit since the last run) or withdrawn (every message carrying them recalled or burned
/// since). Each found by an index range, never the whole table (see migration 0012).
const UNSENT: &str = "DELETE FROM files WHERE id IN (
         SELECT id FROM files WHERE created_at >= $2 AND created_at < $1
         UNION SELECT id FROM files WHERE withdrawn = 1 AND created_at < $1)
       AND NOT EXISTS (SELECT 1 FROM messages WHERE file_id = files.id)
     RETURNING sha256";

/// Deletes uploads older than `cutoff` that no message carries (never sent, or recalled);
/// returns their blobs' hashes. Looks only at what aged past `cutoff` since the last call and at
/// withdrawn files: one that an earlier call kept was carried by a message then, and no longer
/// is only once withdrawn (see [`super::messages::erase_content`]).
pub async fn delete_unsent(conn: &mut Conn, cutoff: i64) -> sqlx::Result<Vec<String>> {
    let checked: i64 = sqlx::query_scalar("SELECT checked_before FROM upload_expiry").fetch_one(&mut *conn).await?;
    let hashes = sqlx::query_scalar(UNSENT)
        .bind(cutoff)
        .bind(checked.saturating_sub(EXPIRY_OVERLAP_MS))
        .fetch_all(&mut *conn)
        .await?;
    // Never back (a clock set back, a longer limit): what was looked at stays looked at.
    sqlx::query(
        "UPDATE upload_expiry SET checked_before = CASE WHEN checked_before > $1 THEN checked_before ELSE $1 END",
    )
    .bind(cutoff)
    .execute(conn)
    .await?;
    Ok(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn file(conn: &mut Conn, owner: Id, name: &str, created_at: i64) -> Id {
        let row = FileRow {
            id: 0,
            sha256: format!("hash-of-{name}"),
            file_name: name.into(),
            mime: "application/pdf".into(),
            size: 1,
            width: None,
            height: None,
            uploader_id: owner,
            withdrawn: false,
        };
        insert(conn, &row, created_at).await.unwrap()
    }

    #[tokio::test]
    async fn expiry_erases_what_aged_unsent_since_the_last_run_and_what_was_withdrawn_and_keeps_what_is_sent() {
        let (_dir, store) = crate::store::testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let owner = crate::store::testing::person(&mut conn, "a").await;
        let chat: Id =
            sqlx::query_scalar("INSERT INTO conversations (kind, created_at) VALUES ('group', 0) RETURNING id")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        let hour = 3_600_000;
        let t0 = 1_700_000_000_000;
        let sent = file(&mut conn, owner, "sent", t0).await;
        let recalled = file(&mut conn, owner, "recalled", t0).await;
        file(&mut conn, owner, "draft", t0).await;
        let young = file(&mut conn, owner, "young", t0 + 2 * hour).await;
        crate::store::testing::message(&mut conn, chat, owner, Some(sent)).await;
        let to_recall = crate::store::testing::message(&mut conn, chat, owner, Some(recalled)).await;

        // The first run: what is older than the limit and in no message.
        assert_eq!(delete_unsent(&mut conn, t0 + hour).await.unwrap(), ["hash-of-draft"]);
        // An hour on, the recalled file's last message is recalled (it is withdrawn), and the
        // young upload ages past the limit unsent. The next run looks at those two only: the
        // recalled file is older than where the last run stopped, and found as withdrawn.
        super::super::messages::erase_content(&mut conn, to_recall).await.unwrap();
        let mut erased = delete_unsent(&mut conn, t0 + 3 * hour).await.unwrap();
        erased.sort();
        assert_eq!(erased, ["hash-of-recalled", "hash-of-young"]);
        let left: Vec<Id> = sqlx::query_scalar("SELECT id FROM files").fetch_all(&mut *conn).await.unwrap();
        assert_eq!(left, [sent], "the file still in a message stays");
        assert_ne!(young, sent);
        // A clock set back does not move where the runs stopped back.
        assert!(delete_unsent(&mut conn, t0).await.unwrap().is_empty());
        let checked: i64 =
            sqlx::query_scalar("SELECT checked_before FROM upload_expiry").fetch_one(&mut *conn).await.unwrap();
        assert_eq!(checked, t0 + 3 * hour);
        drop(conn);
        store.close().await;
    }

    #[tokio::test]
    async fn expiry_finds_its_files_by_an_index_and_never_reads_every_file() {
        let (_dir, store) = crate::store::testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let steps = crate::store::testing::plan(&mut conn, UNSENT).await;
        assert!(steps.iter().all(|s| !s.starts_with("SCAN files")), "{steps:?}");
        assert!(
            steps.iter().any(|s| s.starts_with("SEARCH files")
                && s.contains("INDEX files_by_created (created_at>? AND created_at<?)")),
            "{steps:?}"
        );
        assert!(
            steps.iter().any(|s| s.starts_with("SEARCH files") && s.contains("INDEX files_withdrawn (created_at<?)")),
            "{steps:?}"
        );
        drop(conn);
        store.close().await;
    }
}
