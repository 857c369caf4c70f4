//! The per-user event log that lets a reconnecting socket catch up with `sinceSeq`.

use std::sync::{Arc, LazyLock};

use confab_api::{Event, Id};
use sqlx::Row;

use super::{search, Backend, Conn};

/// The event as JSON, `{"type":…,"data":…}`: serialised once however many people it goes to.
pub fn event_json(event: &Event) -> Arc<str> {
    serde_json::to_string(event).expect("events serialize").into()
}

/// The logged and sent frame: `{"seq":n,` followed by the event's own fields (what
/// serialising an `EventFrame` gives, without serialising the event again).
pub fn frame_text(seq: i64, event_json: &str) -> String {
    format!("{{\"seq\":{seq},{}", event_json.strip_prefix('{').unwrap_or(event_json))
}

/// Gives the event the user's next sequence number and logs it; returns the number and the event.
pub async fn append(conn: &mut Conn, user_id: Id, event: Event, now: i64) -> sqlx::Result<(i64, Arc<str>)> {
    let event = event_json(&event);
    let seq: i64 =
        sqlx::query_scalar("UPDATE event_counters SET last_seq = last_seq + 1 WHERE user_id = $1 RETURNING last_seq")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query("INSERT INTO events (user_id, seq, payload, created_at) VALUES ($1, $2, $3, $4)")
        .bind(user_id)
        .bind(seq)
        .bind(frame_text(seq, &event))
        .bind(now)
        .execute(conn)
        .await?;
    Ok((seq, event))
}

/// Logs one event for every current member of a conversation, in two statements whatever the
/// number of members; returns each member's new sequence number.
pub async fn append_to_members(
    conn: &mut Conn,
    conversation_id: Id,
    event: &str,
    now: i64,
) -> sqlx::Result<Vec<(Id, i64)>> {
    // Nobody has id 0: every member is numbered and gets `event`.
    let rows = sqlx::query(NUMBER).bind(conversation_id).bind(0i64).fetch_all(&mut *conn).await?;
    sqlx::query(LOG).bind(conversation_id).bind(event).bind(now).execute(&mut *conn).await?;
    rows.iter().map(numbering).collect()
}

/// A new message to log for its conversation's members and its sender (see [`append_messages`]).
pub struct MessageEvents {
    pub conversation_id: Id,
    pub sender: Id,
    pub message_id: Id,
}

/// Numbers the next event of every current member of conversation `$1` and of person `$2`
/// (0: nobody), and gives each their number.
const NUMBER: &str = "UPDATE event_counters SET last_seq = last_seq + 1
     WHERE user_id IN (SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL
                       UNION SELECT $2)
     RETURNING user_id AS id, last_seq";
/// Logs event `$2` for every current member of conversation `$1` at the number [`NUMBER`] gave.
const LOG: &str = "INSERT INTO events (user_id, seq, payload, created_at)
     SELECT c.user_id, c.last_seq, '{\"seq\":' || c.last_seq || ',' || substr($2, 2), $3
     FROM event_counters c
     WHERE c.user_id IN (SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL)";
/// Logs new message `$3` of conversation `$1` for its members and its sender `$2`, at the numbers
/// [`NUMBER`] gave: as a reference (see [`reference`]), not the message itself. A reconnecting
/// socket is sent the message as it is when it catches up (`service::messages::catch_up`): a
/// message recalled, edited or burned since is told as it now is, and a group's message is
/// logged in a few bytes per member instead of a copy of the whole message each (~300 bytes:
/// the log was ~80 % of the database, and smaller rows took ~12 % off the writer's time a send,
/// BENCHMARKS.md, seventeenth round).
const LOG_REF: &str = "INSERT INTO events (user_id, seq, payload, created_at)
     SELECT c.user_id, c.last_seq, '{\"seq\":' || c.last_seq || ',\"ref\":[' || $3 || ',' || $1 || ']}', $4
     FROM event_counters c
     WHERE c.user_id IN (SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL
                         UNION SELECT $2)";
/// The parameters of [`NUMBER`] and [`LOG_REF`] together.
const PARAMS: usize = 4;

fn numbering(r: &sqlx::any::AnyRow) -> sqlx::Result<(Id, i64)> {
    Ok((r.try_get("id")?, r.try_get("last_seq")?))
}

/// A logged new message as [`LOG_REF`] writes it: `{"seq":n,"ref":[message,conversation]}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Reference {
    #[allow(dead_code)]
    seq: i64,
    #[serde(rename = "ref")]
    reference: (Id, Id),
}

/// The message and conversation a logged event refers to, when it is a reference to a new
/// message ([`LOG_REF`]) rather than the event itself.
pub fn reference(payload: &str) -> Option<(Id, Id)> {
    serde_json::from_str::<Reference>(payload).ok().map(|r| r.reference)
}

/// On SQLite, [`append_messages_and_search`]'s statements for `k` messages as one list (`k` a
/// size of [`super::list_chunks`]); each numbering row says which message it numbers (`nth`).
/// With NULL parameters (a list's statements past the chunk) they number and log nobody. Each
/// list ends with the batch's search entries ([`search::SQLITE_WRITE`], its one parameter after
/// the list's, NULL: none): written in the same call, as the last statement before the commit
/// (see [`search::Pending`]).
static SQLITE_LISTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let lists = super::statement_lists(PARAMS, |k| format!("{NUMBER}, {k} AS nth; {LOG_REF}"));
    let search = |statements: usize| super::shift_params(search::SQLITE_WRITE, statements * PARAMS);
    lists.iter().enumerate().map(|(i, list)| format!("{list};\n{}", search(1 << i))).collect()
});

/// Logs each new message for its members and its sender (see [`LOG_REF`]), in order: every
/// person's events are numbered in the order of the messages. Returns each message's numbering.
/// On SQLite one call per [`super::list_chunks`] chunk (see
/// [`super::messages::insert_new_many`]), and `search`'s entries written (taken) in the last
/// chunk's call: a call fewer per batch of sends (each is two thread switches, ~0.1 ms a batch,
/// BENCHMARKS.md). On PostgreSQL `search` is left for its owner to write.
pub async fn append_messages_and_search(
    conn: &mut Conn,
    messages: &[MessageEvents],
    now: i64,
    search: &mut search::Pending,
) -> sqlx::Result<Vec<Vec<(Id, i64)>>> {
    let mut numbered = Vec::with_capacity(messages.len());
    if Backend::of(conn) == Backend::Postgres {
        // PostgreSQL takes one statement per call.
        for m in messages {
            let rows = sqlx::query(NUMBER).bind(m.conversation_id).bind(m.sender).fetch_all(&mut *conn).await?;
            sqlx::query(LOG_REF)
                .bind(m.conversation_id)
                .bind(m.sender)
                .bind(m.message_id)
                .bind(now)
                .execute(&mut *conn)
                .await?;
            numbered.push(rows.iter().map(numbering).collect::<sqlx::Result<_>>()?);
        }
        return Ok(numbered);
    }
    let mut chunks = super::list_chunks(messages).peekable();
    while let Some((chunk, list)) = chunks.next() {
        let mut query = sqlx::query(super::list_of(&SQLITE_LISTS, list));
        for m in chunk {
            query = query.bind(m.conversation_id).bind(m.sender).bind(m.message_id).bind(now);
        }
        // The rest of the list numbers and logs nobody (`user_id IN (NULL)`).
        query = super::bind_padding(query, chunk.len(), list, PARAMS);
        // The search entries with the last chunk; NULL (none) with the others.
        query = query.bind(if chunks.peek().is_none() { search.take_for_sqlite()? } else { None });
        // The rows are the numberings'.
        let mut each: Vec<Vec<(Id, i64)>> = vec![Vec::new(); chunk.len()];
        for row in query.fetch_all(&mut *conn).await? {
            let nth: i64 = row.try_get("nth")?;
            let message = usize::try_from(nth).ok().and_then(|n| each.get_mut(n)).ok_or(sqlx::Error::RowNotFound)?;
            message.push(numbering(&row)?);
        }
        numbered.extend(each);
    }
    Ok(numbered)
}

/// Logged events after `since`, oldest first, at most `limit`.
pub async fn since(conn: &mut Conn, user_id: Id, since: i64, limit: i64) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT seq, payload FROM events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT $3")
        .bind(user_id)
        .bind(since)
        .bind(limit)
        .fetch_all(conn)
        .await
}

/// The oldest kept sequence number (if any) and the newest handed out, read in one statement
/// (one snapshot): read apart, an event committed between the two made a socket opened from
/// before it ask for a resync and skip that event.
pub async fn bounds(conn: &mut Conn, user_id: Id) -> sqlx::Result<(Option<i64>, i64)> {
    sqlx::query_as(
        "SELECT (SELECT MIN(seq) FROM events WHERE user_id = $1),
                COALESCE((SELECT last_seq FROM event_counters WHERE user_id = $1), 0)",
    )
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// The newest sequence number handed to the user (0 before their first event).
pub async fn newest(conn: &mut Conn, user_id: Id) -> sqlx::Result<i64> {
    Ok(sqlx::query_scalar("SELECT last_seq FROM event_counters WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or(0))
}

/// People whose old events [`prune`] drops in one transaction: the writer is held a chunk at a time.
const PRUNE_CHUNK: i64 = 64;

/// Drops the events logged before `older_than` (a person's oldest events, up to their first
/// newer one: the log is numbered in the order it was written). Reads only what it drops and
/// an index entry per person: `DELETE … WHERE created_at < …` read the whole log (no index
/// has the time) in one transaction the senders waited for. Returns how many went.
pub async fn prune(store: &super::Store, older_than: i64) -> sqlx::Result<u64> {
    let (mut after, mut pruned) = (0, 0);
    loop {
        // Read beside the writer (a reader never holds it up).
        let people = with_old_events(&mut *store.reader().await?, older_than, after).await?;
        let Some(&last) = people.last() else { return Ok(pruned) };
        let mut conn = store.writer().await?;
        let mut tx = super::begin(&mut conn).await?;
        for person in people {
            pruned += sqlx::query(
                "DELETE FROM events WHERE user_id = $1 AND seq < COALESCE(
                     (SELECT e.seq FROM events e WHERE e.user_id = $1 AND e.created_at >= $2 ORDER BY e.seq LIMIT 1),
                     9223372036854775807)",
            )
            .bind(person)
            .bind(older_than)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        }
        tx.commit().await?;
        after = last;
    }
}

/// People after `after` (by id) whose oldest logged event is older than `older_than`, at most
/// [`PRUNE_CHUNK`], in id order.
async fn with_old_events(conn: &mut Conn, older_than: i64, after: Id) -> sqlx::Result<Vec<Id>> {
    sqlx::query_scalar(
        "SELECT c.user_id FROM event_counters c
         WHERE c.user_id > $1
           AND (SELECT e.created_at FROM events e WHERE e.user_id = c.user_id ORDER BY e.seq LIMIT 1) < $2
         ORDER BY c.user_id LIMIT $3",
    )
    .bind(after)
    .bind(older_than)
    .bind(PRUNE_CHUNK)
    .fetch_all(conn)
    .await
}

/// A field of logged events to match (see [`rewrite`]).
pub enum Key<'a> {
    Id(i64),
    Text(&'a str),
}

/// Which logged events a [`rewrite`] looks at: found by an index, never the whole log.
#[derive(Clone, Copy)]
pub enum Among {
    /// The events about a message or a conversation (their `subject`: the message they carry,
    /// else their conversation).
    About(Id),
    /// The events of the replies to a message (which quote it).
    RepliesTo(Id),
    /// One person's events.
    Of(Id),
}

/// Rewrites fields of the logged events of `event_type` among `among` whose fields equal
/// `keys`: each path of `sets` gets its JSON value. Paths are under the event, e.g.
/// `["data", "messageId"]`. This is how erased content leaves the catch-up log.
pub async fn rewrite(
    conn: &mut Conn,
    among: Among,
    event_type: &str,
    keys: &[(&[&str], Key<'_>)],
    sets: &[(&[&str], &str)],
) -> sqlx::Result<()> {
    let backend = Backend::of(conn);
    let key_paths: Vec<&[&str]> = keys.iter().map(|(p, _)| *p).collect();
    let set_paths: Vec<&[&str]> = sets.iter().map(|(p, _)| *p).collect();
    let sql = rewrite_sql(backend, among, &key_paths, &set_paths);
    let mut query = sqlx::query(&sql);
    for (_, json) in sets {
        query = query.bind(*json);
    }
    query = query.bind(event_type);
    for (_, key) in keys {
        // PostgreSQL's `#>>` gives text; SQLite's json_extract the number itself.
        query = match key {
            Key::Id(id) if backend == Backend::Postgres => query.bind(id.to_string()),
            Key::Id(id) => query.bind(*id),
            Key::Text(text) => query.bind(*text),
        };
    }
    let among_id = match among {
        Among::About(id) | Among::RepliesTo(id) | Among::Of(id) => id,
    };
    query.bind(among_id).execute(conn).await?;
    Ok(())
}

/// [`rewrite`]'s statement: parameters first the values of `sets`, then the event type, the
/// values of `keys` and the id of `among`.
fn rewrite_sql(backend: Backend, among: Among, keys: &[&[&str]], sets: &[&[&str]]) -> String {
    let pg = backend == Backend::Postgres;
    let path = |p: &[&str]| if pg { format!("'{{{}}}'", p.join(",")) } else { format!("'$.{}'", p.join(".")) };
    let field = |p: &[&str]| {
        if pg {
            format!("(payload::jsonb #>> {})", path(p))
        } else {
            format!("json_extract(payload, {})", path(p))
        }
    };
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let value = if pg {
        let mut value = "payload::jsonb".to_string();
        for p in sets {
            value = format!("jsonb_set({value}, {}, ${}::jsonb)", path(p), next());
        }
        format!("({value})::text")
    } else {
        let parts: Vec<String> = sets.iter().map(|p| format!("{}, json(${})", path(p), next())).collect();
        format!("json_set(payload, {})", parts.join(", "))
    };
    let mut conditions = vec![format!("{} = ${}", field(&["type"]), next())];
    for p in keys {
        conditions.push(format!("{} = ${}", field(p), next()));
    }
    let id = next();
    conditions.push(match among {
        Among::About(_) => format!("subject = ${id}"),
        Among::RepliesTo(_) => format!("subject IN (SELECT id FROM messages WHERE reply_to_id = ${id})"),
        Among::Of(_) => format!("user_id = ${id}"),
    });
    format!("UPDATE events SET payload = {value} WHERE {}", conditions.join(" AND "))
}

#[cfg(test)]
mod tests {
    use confab_api::{EventFrame, ReadReceipt};

    use super::*;

    #[test]
    fn the_search_entries_take_the_parameter_after_each_lists() {
        for (i, sql) in SQLITE_LISTS.iter().enumerate() {
            let params = (1 << i) * PARAMS;
            let numbers: Vec<usize> = sql
                .split('$')
                .skip(1)
                .map(|p| p.chars().take_while(char::is_ascii_digit).collect::<String>().parse().unwrap())
                .collect();
            assert_eq!(numbers.iter().max(), Some(&(params + 1)), "list {i}");
            assert_eq!(numbers.iter().filter(|n| **n == params + 1).count(), 1, "list {i}");
            assert!(
                sql.trim_end().ends_with(&format!("json_each(${})", params + 1)),
                "the search entries come last: list {i}"
            );
        }
    }

    #[tokio::test]
    async fn every_rewrite_of_the_log_finds_its_events_by_an_index_and_never_reads_the_whole_log() {
        let (_dir, store) = crate::store::testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let id: &[&str] = &["data", "messageId"];
        let content: &[&str] = &["data", "content"];
        for among in [Among::About(1), Among::RepliesTo(1), Among::Of(1)] {
            let sql = rewrite_sql(Backend::Sqlite, among, &[id], &[content]);
            let steps = crate::store::testing::plan(&mut conn, &sql).await;
            assert!(steps.iter().all(|s| !s.starts_with("SCAN")), "{sql}: {steps:?}");
            let by = match among {
                Among::About(_) | Among::RepliesTo(_) => "SEARCH events USING INDEX events_by_subject (subject=?)",
                Among::Of(_) => "SEARCH events USING PRIMARY KEY (user_id=?)",
            };
            assert!(steps.iter().any(|s| s == by), "{sql}: {steps:?}");
        }
        let burned = super::super::burn::burned_copies_sql(Backend::Sqlite);
        let steps = crate::store::testing::plan(&mut conn, burned).await;
        assert_eq!(steps, ["SEARCH events USING INDEX events_by_subject (subject=?)"], "{burned}");
        drop(conn);
        store.close().await;
    }

    #[tokio::test]
    async fn an_event_is_about_the_message_it_carries_else_its_conversation() {
        let (_dir, store) = crate::store::testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let user = crate::store::testing::person(&mut conn, "a").await;
        let events = [
            (r#"{"seq":1,"type":"new_message","data":{"messageId":7,"conversationId":3}}"#, Some(7)),
            (r#"{"seq":2,"type":"conversation_updated","data":{"conversationId":3}}"#, Some(3)),
            (r#"{"seq":3,"type":"ai_session_deleted","data":{"session_id":"k"}}"#, None),
        ];
        for (seq, (payload, _)) in events.iter().enumerate() {
            sqlx::query("INSERT INTO events (user_id, seq, payload, created_at) VALUES ($1, $2, $3, 0)")
                .bind(user)
                .bind(seq as i64 + 1)
                .bind(*payload)
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        let subjects: Vec<Option<i64>> =
            sqlx::query_scalar("SELECT subject FROM events WHERE user_id = $1 ORDER BY seq")
                .bind(user)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(subjects, events.iter().map(|(_, s)| *s).collect::<Vec<_>>());
        drop(conn);
        store.close().await;
    }

    #[test]
    fn a_logged_reference_is_told_from_a_logged_event() {
        assert_eq!(reference(r#"{"seq":12,"ref":[345,6]}"#), Some((345, 6)));
        let event = r#"{"seq":12,"type":"new_message","data":{"messageId":345,"conversationId":6}}"#;
        assert_eq!(reference(event), None);
        assert_eq!(reference(r#"{"seq":12,"ref":[345,6],"type":"read"}"#), None);
        assert_eq!(reference("not json"), None);
    }

    #[test]
    fn a_frame_put_together_is_what_serialising_the_frame_gives() {
        let event = Event::Read(ReadReceipt {
            conversation_id: 3,
            reader_id: 4,
            last_read_message_id: 9,
            previous_read_message_id: 2,
        });
        let whole = serde_json::to_string(&EventFrame { seq: 42, event: event.clone() }).unwrap();
        assert_eq!(frame_text(42, &event_json(&event)), whole);
    }
}
