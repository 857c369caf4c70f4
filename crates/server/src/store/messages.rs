use std::sync::LazyLock;

use confab_api::{Id, Reaction};
use sqlx::Row;

use super::events::{self, Among, Key};
use super::files::FileRow;
use super::{AnyQuery, Backend, Conn, Flag};

/// A message as stored, seen by one member (`is_read` depends on who looks).
#[derive(Debug, Clone)]
pub struct MessageRow {
    pub id: Id,
    pub conversation_id: Id,
    pub sender_id: Id,
    pub sender_name: String,
    pub sender_avatar: String,
    pub receiver_id: Id,
    pub message_type: String,
    pub content: String,
    pub status: String,
    pub client_msg_id: Option<String>,
    pub created_at: i64,
    pub is_read: bool,
    /// For the sender: how many other members have read it.
    pub read_count: i64,
    pub sender_is_viewer: bool,
    pub at_user_ids: String,
    pub at_all: bool,
    pub system_data: Option<String>,
    pub burn_duration: i64,
    pub burn_at: Option<i64>,
    pub file: Option<FileRow>,
    pub edited_at: Option<i64>,
    pub reply: Option<ReplyRow>,
    /// Filled by [`attach_reactions`].
    pub reactions: Vec<Reaction>,
}

/// The message a reply answers, as the viewer may see it.
#[derive(Debug, Clone, Default)]
pub struct ReplyRow {
    pub id: Id,
    /// Burned (the row is gone), recalled, or deleted by the viewer.
    pub gone: bool,
    pub sender_id: Id,
    pub sender_name: String,
    pub message_type: String,
    /// The start of its text, or the file's name.
    pub text: String,
}

/// `$1` is the viewer. For the sender, read = some other member has read that far;
/// for everyone else a message they can see counts as read.
const SELECT: &str = "
SELECT $1 AS viewer, m.id, m.conversation_id, m.sender_id, u.display_name AS sender_name, u.avatar AS sender_avatar,
       m.receiver_id, m.message_type, m.content, m.status, m.client_msg_id, m.created_at,
       CASE WHEN m.sender_id = $1 THEN (
            SELECT COUNT(*) FROM members o WHERE o.conversation_id = m.conversation_id AND o.user_id <> $1
               AND o.last_read_message_id >= m.id) ELSE 0 END AS read_count,
       m.at_user_ids, m.at_all, m.system_data, m.burn_duration, m.burn_at, m.edited_at, m.reply_to_id,
       f.id AS f_id, f.sha256 AS f_sha256, f.file_name AS f_name, f.mime AS f_mime, f.size AS f_size,
       f.width AS f_width, f.height AS f_height, f.uploader_id AS f_uploader,
       r.id AS r_id, r.sender_id AS r_sender, ru.display_name AS r_sender_name, r.message_type AS r_type,
       substr(r.content, 1, 400) AS r_content, r.status AS r_status, rf.file_name AS r_file_name,
       EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $1 AND h.message_id = m.reply_to_id) AS r_hidden
FROM messages m
JOIN users u ON u.id = m.sender_id
LEFT JOIN files f ON f.id = m.file_id
LEFT JOIN messages r ON r.id = m.reply_to_id
LEFT JOIN users ru ON ru.id = r.sender_id
LEFT JOIN files rf ON rf.id = r.file_id";

/// What a member may see: not deleted for them, not before they cleared the conversation, and
/// nothing after they left or were removed from a group. The upper bound is written `+m.id` so
/// that SQLite does not take it as where to start an index range: a history page gives its own
/// (see [`history`]); taking this one, SQLite walked down from the newest message to the page.
pub(super) const VISIBLE: &str = "
  NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $1 AND h.message_id = m.id)
  AND m.id > (SELECT cleared_before_id FROM members WHERE conversation_id = m.conversation_id AND user_id = $1)
  AND +m.id <= (SELECT COALESCE(left_at_message_id, 9223372036854775807) FROM members
               WHERE conversation_id = m.conversation_id AND user_id = $1)";

/// How many messages of conversation `$2` member `$1` may see ([`VISIBLE`]), no row for a
/// non-member, read from counts kept by triggers as messages are written and erased (migration
/// 0013): the conversation's messages (or, once the member left, those up to where they left),
/// less those they deleted for themselves. Three lookups whatever the conversation's length;
/// counting the messages took ~35 ns each (7–10 ms at ~230,000). Nothing sets
/// `cleared_before_id` yet (it is 0 for everyone); clearing a history would record the count
/// where it cleared, as leaving does.
const COUNT_VISIBLE: &str = "
SELECT CASE WHEN me.left_at_message_id IS NULL
            THEN COALESCE((SELECT messages FROM message_counts WHERE conversation_id = $2), 0)
            ELSE me.left_count END
       - me.hidden_count
FROM members me WHERE me.conversation_id = $2 AND me.user_id = $1";

fn from_row(r: &sqlx::any::AnyRow) -> MessageRow {
    let file = r.get::<Option<Id>, _>("f_id").map(|id| FileRow {
        id,
        sha256: r.get("f_sha256"),
        file_name: r.get("f_name"),
        mime: r.get("f_mime"),
        size: r.get("f_size"),
        width: r.get("f_width"),
        height: r.get("f_height"),
        uploader_id: r.get("f_uploader"),
        withdrawn: false,
    });
    MessageRow {
        id: r.get("id"),
        conversation_id: r.get("conversation_id"),
        sender_id: r.get("sender_id"),
        sender_name: r.get("sender_name"),
        sender_avatar: r.get("sender_avatar"),
        receiver_id: r.get("receiver_id"),
        message_type: r.get("message_type"),
        content: r.get("content"),
        status: r.get("status"),
        client_msg_id: r.get("client_msg_id"),
        created_at: r.get("created_at"),
        // A receiver sees what it can see as read; a sender, once anyone else has read it.
        is_read: r.get::<i64, _>("sender_id") != r.get::<i64, _>("viewer") || r.get::<i64, _>("read_count") > 0,
        read_count: r.get("read_count"),
        sender_is_viewer: r.get::<i64, _>("sender_id") == r.get::<i64, _>("viewer"),
        at_user_ids: r.get("at_user_ids"),
        at_all: r.get::<i64, _>("at_all") != 0,
        system_data: r.get("system_data"),
        burn_duration: r.get("burn_duration"),
        burn_at: r.get("burn_at"),
        file,
        edited_at: r.get("edited_at"),
        reply: r.get::<Option<Id>, _>("reply_to_id").map(|id| reply_from(r, id)),
        reactions: Vec::new(),
    }
}

fn reply_from(r: &sqlx::any::AnyRow, id: Id) -> ReplyRow {
    let found = r.get::<Option<Id>, _>("r_id").is_some();
    let gone =
        !found || r.get::<Option<String>, _>("r_status").as_deref() != Some("normal") || r.get::<Flag, _>("r_hidden").0;
    if gone {
        return ReplyRow { id, gone, ..ReplyRow::default() };
    }
    let text = r.get::<Option<String>, _>("r_file_name").unwrap_or_else(|| r.get("r_content"));
    ReplyRow {
        id,
        gone,
        sender_id: r.get("r_sender"),
        sender_name: r.get("r_sender_name"),
        message_type: r.get("r_type"),
        text,
    }
}

/// Reads the reactions of `rows` (one query for all of them).
pub async fn attach_reactions(conn: &mut Conn, rows: &mut [MessageRow]) -> sqlx::Result<()> {
    let (Some(first), Some(last)) = (rows.iter().map(|r| r.id).min(), rows.iter().map(|r| r.id).max()) else {
        return Ok(());
    };
    let found: Vec<(Id, String, Id)> = sqlx::query_as(
        "SELECT r.message_id, r.emoji, r.user_id FROM reactions r JOIN messages m ON m.id = r.message_id
         WHERE m.conversation_id = $1 AND r.message_id BETWEEN $2 AND $3 ORDER BY r.message_id, r.created_at, r.user_id",
    )
    .bind(rows[0].conversation_id)
    .bind(first)
    .bind(last)
    .fetch_all(conn)
    .await?;
    for row in rows.iter_mut() {
        let from = found.partition_point(|(m, _, _)| *m < row.id);
        let to = found.partition_point(|(m, _, _)| *m <= row.id);
        row.reactions = group_reactions(found[from..to].iter().map(|(_, e, u)| (e.as_str(), *u)));
    }
    Ok(())
}

/// Reactions in the order each emoji was first given, with who gave it, oldest first.
pub fn group_reactions<'a>(given: impl Iterator<Item = (&'a str, Id)>) -> Vec<Reaction> {
    let mut out: Vec<Reaction> = Vec::new();
    for (emoji, user) in given {
        match out.iter_mut().find(|r| r.emoji == emoji) {
            Some(r) => r.user_ids.push(user),
            None => out.push(Reaction { emoji: emoji.to_string(), user_ids: vec![user] }),
        }
    }
    out
}

/// The message as `viewer` sees it (hidden or cleared ones included: callers check rights).
pub async fn get(conn: &mut Conn, viewer: Id, message_id: Id) -> sqlx::Result<Option<MessageRow>> {
    let Some(mut row) = without_reactions(conn, viewer, message_id).await? else { return Ok(None) };
    attach_reactions(conn, std::slice::from_mut(&mut row)).await?;
    Ok(Some(row))
}

/// Messages by id as `viewer` sees them ([`get`] for each; those not found are left out), in
/// one query. At most a few hundred ids (one parameter each).
pub async fn get_many(conn: &mut Conn, viewer: Id, ids: &[Id]) -> sqlx::Result<Vec<MessageRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let list: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!("{SELECT} WHERE m.id IN ({})", list.join(", "));
    let mut query = sqlx::query(&sql).persistent(false).bind(viewer);
    for id in ids {
        query = query.bind(*id);
    }
    let mut rows: Vec<MessageRow> = query.fetch_all(&mut *conn).await?.iter().map(from_row).collect();
    attach_reactions(conn, &mut rows).await?;
    Ok(rows)
}

async fn without_reactions(conn: &mut Conn, viewer: Id, message_id: Id) -> sqlx::Result<Option<MessageRow>> {
    let sql = format!("{SELECT} WHERE m.id = $2");
    let row = sqlx::query(&sql).bind(viewer).bind(message_id).fetch_optional(conn).await?;
    Ok(row.as_ref().map(from_row))
}

impl MessageRow {
    /// A new message (see [`insert_new_many`]) as its sender sees it: not read by anyone yet, a read
    /// count of 0. What [`get`] with the sender as viewer gives, without reading it again (the
    /// quoted original cannot be one the sender deleted: a reply to it is refused).
    pub fn into_its_senders(self) -> MessageRow {
        MessageRow { is_read: false, read_count: 0, sender_is_viewer: true, ..self }
    }
}

/// Earlier messages of several senders by their `clientMsgId`s, each as its sender sees it, in
/// one query.
// The wanted pairs drive the lookup through the idempotency index (clientMsgId, sender).
const MATCHING: &str = "m.id IN (SELECT x.id FROM wanted w JOIN messages x
                                  ON x.sender_id = w.sender_id AND x.client_msg_id = w.client_msg_id)";
// On SQLite the pairs are one JSON parameter: the same statement whatever their number, prepared
// once.
static BY_CLIENT_IDS_SQLITE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH wanted (sender_id, client_msg_id) AS (SELECT value ->> 0, value ->> 1 FROM json_each($1))
         {select} WHERE {MATCHING}",
        select = SELECT.replace("$1", "m.sender_id"),
    )
});

pub async fn by_client_ids(conn: &mut Conn, wanted: &[(Id, &str)]) -> sqlx::Result<Vec<MessageRow>> {
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let rows = if Backend::of(conn) == Backend::Sqlite {
        let pairs = super::json_param(&wanted)?;
        sqlx::query(&BY_CLIENT_IDS_SQLITE).bind(pairs).fetch_all(conn).await?
    } else {
        let values: Vec<String> = (0..wanted.len()).map(|i| format!("(${}, ${})", 2 * i + 1, 2 * i + 2)).collect();
        let sql = format!(
            "WITH wanted (sender_id, client_msg_id) AS (VALUES {values}) {select} WHERE {MATCHING}",
            values = values.join(", "),
            select = SELECT.replace("$1", "m.sender_id"),
        );
        let mut query = sqlx::query(&sql).persistent(false);
        for (sender, client_msg_id) in wanted {
            query = query.bind(*sender).bind(*client_msg_id);
        }
        query.fetch_all(conn).await?
    };
    Ok(rows.iter().map(from_row).collect())
}

pub struct NewMessage<'a> {
    pub at_user_ids: &'a [Id],
    pub at_all: bool,
    pub system_data: Option<&'a str>,
    /// Seconds after reading that it burns; `None`: the conversation's setting at this moment
    /// (read in the same statement).
    pub burn_duration: Option<i64>,
    pub conversation_id: Id,
    pub sender_id: Id,
    pub receiver_id: Id,
    pub message_type: &'a str,
    pub content: &'a str,
    pub file: Option<&'a FileRow>,
    pub client_msg_id: Option<&'a str>,
    pub created_at: i64,
    /// The message it answers, as its readers see it quoted.
    pub reply: Option<&'a ReplyRow>,
}

impl NewMessage<'_> {
    /// The message as its readers see it once written (viewer 0, nobody: what [`get`] would
    /// read back in the same transaction), from what the writer gave and what [`RETURNING`]
    /// gave back: nobody has read it or reacted to it yet, and it is neither edited nor burning.
    fn as_written(&self, r: &sqlx::any::AnyRow) -> sqlx::Result<MessageRow> {
        Ok(MessageRow {
            id: r.try_get("id")?,
            conversation_id: self.conversation_id,
            sender_id: self.sender_id,
            sender_name: r.try_get("sender_name")?,
            sender_avatar: r.try_get("sender_avatar")?,
            receiver_id: self.receiver_id,
            message_type: self.message_type.to_string(),
            content: self.content.to_string(),
            status: "normal".to_string(),
            client_msg_id: self.client_msg_id.map(str::to_string),
            created_at: self.created_at,
            is_read: true,
            read_count: 0,
            sender_is_viewer: false,
            at_user_ids: at_user_ids_json(self.at_user_ids),
            at_all: self.at_all,
            system_data: self.system_data.map(str::to_string),
            burn_duration: r.try_get("burn_duration")?,
            burn_at: None,
            file: self.file.cloned(),
            edited_at: None,
            reply: self.reply.cloned(),
            reactions: Vec::new(),
        })
    }
}

fn at_user_ids_json(ids: &[Id]) -> String {
    serde_json::to_string(ids).unwrap_or_else(|_| "[]".into())
}

impl ReplyRow {
    /// How the readers of a reply see `original` quoted (a message the sender may see, neither
    /// recalled nor a notice: the checks of a reply): as [`SELECT`]'s `r_` columns give it.
    pub fn quoting(original: &MessageRow) -> ReplyRow {
        ReplyRow {
            id: original.id,
            gone: false,
            sender_id: original.sender_id,
            sender_name: original.sender_name.clone(),
            message_type: original.message_type.clone(),
            text: match &original.file {
                Some(f) => f.file_name.clone(),
                None => original.content.chars().take(QUOTED_CHARS).collect(),
            },
        }
    }
}

/// How much of a quoted message's text a reply carries (`substr(r.content, 1, 400)`).
const QUOTED_CHARS: usize = 400;

const INSERT: &str = "INSERT INTO messages (conversation_id, sender_id, receiver_id, message_type, content, file_id,
                                      client_msg_id, created_at, at_user_ids, at_all, system_data, burn_duration,
                                      reply_to_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
            COALESCE($12, (SELECT burn_duration FROM conversations WHERE id = $1), 0), $13)";

/// `m`'s values for [`INSERT`]'s `$1`–`$13`.
fn bind_new<'q>(query: AnyQuery<'q>, m: &'q NewMessage<'q>) -> AnyQuery<'q> {
    query
        .bind(m.conversation_id)
        .bind(m.sender_id)
        .bind(m.receiver_id)
        .bind(m.message_type)
        .bind(m.content)
        .bind(m.file.map(|f| f.id))
        .bind(m.client_msg_id)
        .bind(m.created_at)
        .bind(at_user_ids_json(m.at_user_ids))
        .bind(i64::from(m.at_all))
        .bind(m.system_data)
        .bind(m.burn_duration)
        .bind(m.reply.map(|r| r.id))
}

pub async fn insert(conn: &mut Conn, m: &NewMessage<'_>) -> sqlx::Result<Id> {
    let sql = format!("{INSERT} RETURNING id");
    let row = bind_new(sqlx::query(&sql), m).fetch_one(conn).await?;
    row.try_get("id")
}

/// The parameters of [`INSERT`] (see [`bind_new`]).
const INSERT_PARAMS: usize = 13;

/// What a new message's readers see of it that its writer does not know: its id, how long
/// after reading it burns (the conversation's setting when not given), who sent it.
const RETURNING: &str = "RETURNING id, burn_duration,
    (SELECT display_name FROM users WHERE id = messages.sender_id) AS sender_name,
    (SELECT avatar FROM users WHERE id = messages.sender_id) AS sender_avatar";

/// On SQLite, [`insert_new_many`]'s statements for `k` messages as one list (`k` a list size of
/// [`super::list_chunks`]): for each, the message (with what [`RETURNING`] gives back) and its
/// conversation listed again — or nothing at all when its parameters are NULL (a list's
/// statements past the chunk).
static SQLITE_INSERT_NEW: LazyLock<Vec<String>> = LazyLock::new(|| {
    let insert = INSERT.replacen("VALUES (", "SELECT ", 1);
    let insert = insert.strip_suffix(')').expect("INSERT ends with its VALUES list");
    let one = format!(
        "{insert} WHERE $1 IS NOT NULL {RETURNING};
         {list}",
        list = super::conversations::LIST_FOR_MEMBERS,
    );
    super::statement_lists(INSERT_PARAMS, |_| one.clone())
});

/// Writes new messages with what every new message brings — its conversation back in every
/// member's list — and gives each as its readers see it (see [`NewMessage::as_written`]), in
/// order: only what the writer does not know is read back. On SQLite that is one call per
/// [`super::list_chunks`] chunk: sqlx runs every call on its SQLite thread and waits for the
/// answer, and each round trip (two thread switches) costs more than these statements do
/// (`cargo xtask bench`, BENCHMARKS.md). Their search entries are the caller's to add (see
/// [`super::search::Pending`]).
pub async fn insert_new_many(conn: &mut Conn, new: &[NewMessage<'_>]) -> sqlx::Result<Vec<MessageRow>> {
    let mut rows = Vec::with_capacity(new.len());
    if Backend::of(conn) == Backend::Postgres {
        let sql = format!("{INSERT} {RETURNING}");
        for m in new {
            let row = bind_new(sqlx::query(&sql), m).fetch_one(&mut *conn).await?;
            super::conversations::set_listed_for_members(conn, m.conversation_id).await?;
            rows.push(m.as_written(&row)?);
        }
        return Ok(rows);
    }
    for (chunk, list) in super::list_chunks(new) {
        let mut query = sqlx::query(super::list_of(&SQLITE_INSERT_NEW, list));
        for m in chunk {
            query = bind_new(query, m);
        }
        query = super::bind_padding(query, chunk.len(), list, INSERT_PARAMS);
        // Every statement runs to its end (`fetch_one` would stop the list at the first row);
        // the inserts are the only statements with rows, one each.
        let found = query.fetch_all(&mut *conn).await?;
        if found.len() != chunk.len() {
            return Err(sqlx::Error::RowNotFound);
        }
        for (m, row) in chunk.iter().zip(&found) {
            rows.push(m.as_written(row)?);
        }
    }
    Ok(rows)
}

pub struct HistoryPage {
    pub rows: Vec<MessageRow>,
    pub total: i64,
    pub has_more: bool,
}

/// Newest-first window of what `viewer` can see (before `before_id` if given), returned oldest first.
pub async fn history(
    conn: &mut Conn,
    viewer: Id,
    conversation_id: Id,
    before_id: Option<Id>,
    limit: i64,
    offset: i64,
) -> sqlx::Result<HistoryPage> {
    // The page starts below the cursor, or below the end of what the member may see (where they
    // left a group), whichever is lower: one bound, so the index range starts there, and a page
    // costs the same anywhere in a conversation of any length.
    let least = match Backend::of(conn) {
        Backend::Sqlite => "MIN",
        Backend::Postgres => "LEAST",
    };
    let sql = format!(
        "{SELECT} WHERE m.conversation_id = $2 AND {VISIBLE}
           AND m.id < {least}(COALESCE($3, 9223372036854775807),
                              (SELECT COALESCE(left_at_message_id + 1, 9223372036854775807) FROM members
                                WHERE conversation_id = $2 AND user_id = $1))
         ORDER BY m.id DESC LIMIT $4 OFFSET $5"
    );
    let mut rows: Vec<MessageRow> = sqlx::query(&sql)
        .bind(viewer)
        .bind(conversation_id)
        .bind(before_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(from_row)
        .collect();
    rows.reverse();
    attach_reactions(&mut *conn, &mut rows).await?;
    let total = sqlx::query_scalar(COUNT_VISIBLE)
        .bind(viewer)
        .bind(conversation_id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(0);
    let has_more = match rows.first() {
        Some(oldest) => {
            let older_sql = format!(
                "SELECT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = $2 AND {VISIBLE} AND m.id < $3)"
            );
            sqlx::query_scalar::<_, Flag>(&older_sql)
                .bind(viewer)
                .bind(conversation_id)
                .bind(oldest.id)
                .fetch_one(conn)
                .await?
                .0
        }
        None => false,
    };
    Ok(HistoryPage { rows, total, has_more })
}

/// Erases the content of a message for good and marks it recalled, including the copies
/// kept in the event log for catch-up (a replay then shows it recalled). Returns the hash of
/// the blob of a file this withdrew, whose bytes may now be unreferenced.
pub async fn recall(conn: &mut Conn, message_id: Id) -> sqlx::Result<Option<String>> {
    let withdrawn_blob = erase_content(conn, message_id).await?;
    let id = Key::Id(message_id);
    events::rewrite(
        conn,
        Among::About(message_id),
        "new_message",
        &[(&["data", "messageId"], id)],
        &[(&["data", "content"], "\"\""), (&["data", "status"], "\"recalled\"")],
    )
    .await?;
    Ok(withdrawn_blob)
}

/// What recall and burn after reading share: the text and the file link erased (the file
/// withdrawn unless another message still uses it; its blob hash returned), and the preview
/// scrubbed from logged list updates. The `new_message` copies in the log are the caller's:
/// recall marks them recalled, burning replaces them.
pub async fn erase_content(conn: &mut Conn, message_id: Id) -> sqlx::Result<Option<String>> {
    let (file_id, conversation_id, created_at): (Option<Id>, Id, i64) =
        sqlx::query_as("SELECT file_id, conversation_id, created_at FROM messages WHERE id = $1")
            .bind(message_id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("UPDATE messages SET status = 'recalled', content = '', file_id = NULL WHERE id = $1")
        .bind(message_id)
        .execute(&mut *conn)
        .await?;
    // What it said before edits, its reactions, and every logged copy of its text: the edits'
    // notices and the excerpts replies to it carried.
    sqlx::query("DELETE FROM message_edits WHERE message_id = $1").bind(message_id).execute(&mut *conn).await?;
    super::search::unindex(conn, message_id).await?;
    sqlx::query("DELETE FROM reactions WHERE message_id = $1").bind(message_id).execute(&mut *conn).await?;
    events::rewrite(
        conn,
        Among::About(message_id),
        "message_edited",
        &[(&["data", "messageId"], Key::Id(message_id))],
        &[(&["data", "content"], "\"\"")],
    )
    .await?;
    events::rewrite(
        conn,
        Among::RepliesTo(message_id),
        "new_message",
        &[(&["data", "replyTo", "messageId"], Key::Id(message_id))],
        &[
            (&["data", "replyTo", "excerpt"], "\"\""),
            (&["data", "replyTo", "senderName"], "\"\""),
            (&["data", "replyTo", "gone"], "true"),
        ],
    )
    .await?;
    let mut withdrawn_blob = None;
    if let Some(file_id) = file_id {
        // Links already handed out stop working, unless the file is still in another message.
        withdrawn_blob = sqlx::query_scalar(
            "UPDATE files SET withdrawn = 1 WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM messages WHERE file_id = $1)
             RETURNING sha256",
        )
        .bind(file_id)
        .fetch_optional(&mut *conn)
        .await?;
    }
    // List updates logged while it was the newest message carry its preview.
    let time = crate::time::rfc3339(created_at);
    events::rewrite(
        conn,
        Among::About(conversation_id),
        "conversation_updated",
        &[(&["data", "conversationId"], Key::Id(conversation_id)), (&["data", "lastMessageTime"], Key::Text(&time))],
        &[(&["data", "lastMessage"], "\"[Recalled]\""), (&["data", "lastMessageRecalled"], "true")],
    )
    .await?;
    Ok(withdrawn_blob)
}

pub async fn hide_for(conn: &mut Conn, user_id: Id, message_id: Id) -> sqlx::Result<bool> {
    let done = sqlx::query("INSERT INTO hidden_messages (user_id, message_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(user_id)
        .bind(message_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn is_hidden_for(conn: &mut Conn, user_id: Id, message_id: Id) -> sqlx::Result<bool> {
    sqlx::query_scalar::<_, Flag>(
        "SELECT EXISTS (SELECT 1 FROM hidden_messages WHERE user_id = $1 AND message_id = $2)",
    )
    .bind(user_id)
    .bind(message_id)
    .fetch_one(conn)
    .await
    .map(|f| f.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    /// The total as it was counted before the counts were kept (migration 0013): every message
    /// in the member's range, less those they deleted for themselves. What the counts must equal.
    const COUNTED: &str = "
    SELECT (SELECT COUNT(*) FROM messages m
             WHERE m.conversation_id = $2 AND m.id > me.cleared_before_id
               AND m.id <= COALESCE(me.left_at_message_id, 9223372036854775807))
         - (SELECT COUNT(*) FROM hidden_messages h JOIN messages m ON m.id = h.message_id
             WHERE h.user_id = $1 AND m.conversation_id = $2 AND m.id > me.cleared_before_id
               AND m.id <= COALESCE(me.left_at_message_id, 9223372036854775807))
    FROM members me WHERE me.conversation_id = $2 AND me.user_id = $1";

    /// Each person's history total, checked against counting.
    async fn totals(conn: &mut Conn, chat: Id, people: &[Id]) -> Vec<i64> {
        let mut got = Vec::new();
        for &p in people {
            let page = history(conn, p, chat, None, 1, 0).await.unwrap();
            let counted: i64 = sqlx::query_scalar(COUNTED).bind(p).bind(chat).fetch_one(&mut *conn).await.unwrap();
            assert_eq!(page.total, counted, "person {p}");
            got.push(page.total);
        }
        got
    }

    #[tokio::test]
    async fn the_history_total_is_kept_through_sends_deletions_for_me_leaving_burning_and_coming_back() {
        let (_dir, store) = testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let c = &mut *conn;
        let (a, b, k) = (testing::person(c, "a").await, testing::person(c, "b").await, testing::person(c, "k").await);
        let chat = super::super::groups::create(c, "g", 0).await.unwrap();
        for p in [a, b, k] {
            super::super::groups::add_member(c, chat, p, "member", 0).await.unwrap();
        }
        assert_eq!(totals(c, chat, &[a, b, k]).await, [0, 0, 0], "no messages yet");
        let m: Vec<Id> = [
            testing::message(c, chat, a, None).await,
            testing::message(c, chat, a, None).await,
            testing::message(c, chat, b, None).await,
        ]
        .into();
        // b deletes two for themselves, one of them twice.
        for id in [m[0], m[2], m[2]] {
            hide_for(c, b, id).await.unwrap();
        }
        assert_eq!(totals(c, chat, &[a, b, k]).await, [3, 1, 3]);
        // k is removed at a notice, and misses what comes after it.
        let notice = testing::message(c, chat, a, None).await;
        super::super::groups::remove_member(c, chat, k, notice).await.unwrap();
        let after = [testing::message(c, chat, a, None).await, testing::message(c, chat, b, None).await];
        hide_for(c, k, m[1]).await.unwrap();
        assert_eq!(totals(c, chat, &[a, b, k]).await, [6, 4, 3]);
        // Burned: one b deleted for themselves, before k left; and the newest, after k left.
        super::super::burn::erase(c, m[2], chat).await.unwrap();
        super::super::burn::erase(c, after[1], chat).await.unwrap();
        assert_eq!(totals(c, chat, &[a, b, k]).await, [4, 3, 2]);
        // k comes back and sees the whole history again, less their own deletion.
        super::super::groups::add_member(c, chat, k, "member", 0).await.unwrap();
        testing::message(c, chat, b, None).await;
        assert_eq!(totals(c, chat, &[a, b, k]).await, [5, 4, 4]);
        // Another conversation's messages count for it alone.
        let other = super::super::groups::create(c, "h", 0).await.unwrap();
        super::super::groups::add_member(c, other, a, "member", 0).await.unwrap();
        testing::message(c, other, a, None).await;
        assert_eq!(totals(c, other, &[a]).await, [1]);
        assert_eq!(totals(c, chat, &[a]).await, [5]);
        // The total is read without touching the messages.
        let steps = testing::plan(c, COUNT_VISIBLE).await;
        assert!(steps.iter().all(|s| !s.contains("messages ") && !s.contains("SCAN")), "{steps:?}");
        drop(conn);
        store.close().await;
    }

    #[tokio::test]
    async fn earlier_sends_are_found_by_their_client_msg_id_through_the_index() {
        let (_dir, store) = testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let a = testing::person(&mut conn, "a").await;
        let chat = super::super::groups::create(&mut conn, "g", 0).await.unwrap();
        for cmid in ["18c0-1", "18c0-2"] {
            sqlx::query(
                "INSERT INTO messages (conversation_id, sender_id, message_type, content, client_msg_id, created_at)
                 VALUES ($1, $2, 'text', $3, $3, 0)",
            )
            .bind(chat)
            .bind(a)
            .bind(cmid)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        let found = by_client_ids(&mut conn, &[(a, "18c0-2"), (a, "18c0-3"), (a + 1, "18c0-1")]).await.unwrap();
        assert_eq!(found.iter().map(|r| r.client_msg_id.as_deref()).collect::<Vec<_>>(), [Some("18c0-2")]);
        let steps = testing::plan(&mut conn, &BY_CLIENT_IDS_SQLITE).await;
        assert!(
            steps
                .iter()
                .any(|s| s
                    .contains("SEARCH x USING COVERING INDEX messages_idempotency (client_msg_id=? AND sender_id=?)")),
            "{steps:?}"
        );
        drop(conn);
        store.close().await;
    }

    /// A database from before migration 0013 gets its counts from what it holds.
    #[tokio::test]
    async fn the_counts_are_taken_from_an_existing_history_when_the_migration_runs() {
        let (dir, pool) = testing::database_before(13).await;
        let (chat, people) = {
            let mut conn = pool.acquire().await.unwrap();
            let c = &mut *conn;
            let (a, b, k) =
                (testing::person(c, "a").await, testing::person(c, "b").await, testing::person(c, "k").await);
            let chat = super::super::groups::create(c, "g", 0).await.unwrap();
            for p in [a, b, k] {
                sqlx::query("INSERT INTO members (conversation_id, user_id, joined_at) VALUES ($1, $2, 0)")
                    .bind(chat)
                    .bind(p)
                    .execute(&mut *c)
                    .await
                    .unwrap();
            }
            let first = testing::message(c, chat, a, None).await;
            testing::message(c, chat, b, None).await;
            hide_for(c, b, first).await.unwrap();
            // Left the old way: no count kept.
            let notice = testing::message(c, chat, a, None).await;
            sqlx::query("UPDATE members SET left_at_message_id = $1 WHERE user_id = $2")
                .bind(notice)
                .bind(k)
                .execute(&mut *c)
                .await
                .unwrap();
            testing::message(c, chat, a, None).await;
            drop(conn);
            pool.close().await;
            (chat, [a, b, k])
        };
        let store = crate::store::Store::open(dir.path(), None).await.unwrap();
        let mut conn = store.writer().await.unwrap();
        assert_eq!(totals(&mut conn, chat, &people).await, [4, 3, 3]);
        testing::message(&mut conn, chat, people[0], None).await;
        assert_eq!(totals(&mut conn, chat, &people).await, [5, 4, 3], "and kept from then on");
        drop(conn);
        store.close().await;
    }

    /// [`ReplyRow::quoting`] (a new reply, built by its writer) cuts the quoted text where
    /// [`SELECT`] (the reply read back) does.
    #[test]
    fn a_quote_is_cut_where_the_row_query_cuts_it() {
        assert!(SELECT.contains(&format!("substr(r.content, 1, {QUOTED_CHARS}) AS r_content")));
    }

    /// [`by_client_ids`] puts the viewer in by replacing `$1` in [`SELECT`]: that is only right
    /// while `$1` (the viewer) is its one parameter.
    #[test]
    fn the_row_query_has_one_parameter_the_viewer() {
        let after_dollar: Vec<&str> = SELECT.split('$').skip(1).collect();
        assert!(!after_dollar.is_empty());
        for rest in after_dollar {
            assert!(rest.starts_with('1') && !rest[1..].starts_with(|c: char| c.is_ascii_digit()), "${rest}");
        }
    }
}
