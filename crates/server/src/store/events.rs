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
    // Nobody has id 0: every member gets `event`.
    append_message(conn, conversation_id, 0, event, event, now).await
}

/// Logs a new message's event for every current member of its conversation and its sender, in
/// two statements whatever the number of members: `mine` for the sender (it carries the read
/// count), `theirs` for everyone else. Returns each person's new sequence number.
pub async fn append_message(
    conn: &mut Conn,
    conversation_id: Id,
    sender: Id,
    theirs: &str,
    mine: &str,
    now: i64,
) -> sqlx::Result<Vec<(Id, i64)>> {
    let message = MessageEvents { conversation_id, sender, theirs, mine };
    Ok(append_messages(conn, &[message], now).await?.pop().unwrap_or_default())
}

/// A new message's events (see [`append_messages`]).
pub struct MessageEvents<'a> {
    pub conversation_id: Id,
    pub sender: Id,
    /// For everyone but the sender.
    pub theirs: &'a str,
    /// For the sender.
    pub mine: &'a str,
}

const NUMBER: &str = "UPDATE event_counters SET last_seq = last_seq + 1
     WHERE user_id IN (SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL
                       UNION SELECT $2)
     RETURNING user_id AS id, last_seq";
const LOG: &str = "INSERT INTO events (user_id, seq, payload, created_at)
     SELECT c.user_id, c.last_seq, '{\"seq\":' || c.last_seq || ',' || substr(CASE WHEN c.user_id = $2 THEN $4 ELSE $3 END, 2), $5
     FROM event_counters c
     WHERE c.user_id IN (SELECT user_id FROM members WHERE conversation_id = $1 AND left_at_message_id IS NULL
                         UNION SELECT $2)";
/// The parameters of [`NUMBER`] and [`LOG`] together.
const PARAMS: usize = 5;

/// On SQLite, [`append_messages_and_search`]'s statements for `k` messages as one list (`k` a
/// size of [`super::list_chunks`]); each numbering row says which message it numbers (`nth`).
/// With NULL parameters (a list's statements past the chunk) they number and log nobody. Each
/// list ends with the batch's search entries ([`search::SQLITE_WRITE`], its one parameter after
/// the list's, NULL: none): written in the same call, as the last statement before the commit
/// (see [`search::Pending`]).
static SQLITE_LISTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let lists = super::statement_lists(PARAMS, |k| format!("{NUMBER}, {k} AS nth; {LOG}"));
    let search = |statements: usize| super::shift_params(search::SQLITE_WRITE, statements * PARAMS);
    lists.iter().enumerate().map(|(i, list)| format!("{list};\n{}", search(1 << i))).collect()
});

/// Logs each new message's events (see [`append_message`]), in order: every person's events
/// are numbered in the order of the messages. Returns each message's numbering. On SQLite one
/// call per [`super::list_chunks`] chunk (see [`super::messages::insert_new_many`]).
pub async fn append_messages(
    conn: &mut Conn,
    messages: &[MessageEvents<'_>],
    now: i64,
) -> sqlx::Result<Vec<Vec<(Id, i64)>>> {
    append_messages_and_search(conn, messages, now, &mut search::Pending::default()).await
}

/// [`append_messages`], and on SQLite `search`'s entries written (taken) in the last chunk's
/// call: a call fewer per batch of sends (each is two thread switches, ~0.1 ms a batch,
/// BENCHMARKS.md). On PostgreSQL `search` is left for its owner to write.
pub async fn append_messages_and_search(
    conn: &mut Conn,
    messages: &[MessageEvents<'_>],
    now: i64,
    search: &mut search::Pending,
) -> sqlx::Result<Vec<Vec<(Id, i64)>>> {
    let numbering =
        |r: &sqlx::any::AnyRow| -> sqlx::Result<(Id, i64)> { Ok((r.try_get("id")?, r.try_get("last_seq")?)) };
    let mut numbered = Vec::with_capacity(messages.len());
    if Backend::of(conn) == Backend::Postgres {
        // PostgreSQL takes one statement per call.
        for m in messages {
            let rows = sqlx::query(NUMBER).bind(m.conversation_id).bind(m.sender).fetch_all(&mut *conn).await?;
            sqlx::query(LOG)
                .bind(m.conversation_id)
                .bind(m.sender)
                .bind(m.theirs)
                .bind(m.mine)
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
            query = query.bind(m.conversation_id).bind(m.sender).bind(m.theirs).bind(m.mine).bind(now);
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

pub async fn prune(conn: &mut Conn, older_than: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM events WHERE created_at < $1").bind(older_than).execute(conn).await?.rows_affected())
}

/// A field of logged events to match (see [`rewrite`]).
pub enum Key<'a> {
    Id(i64),
    Text(&'a str),
}

/// Rewrites fields of the logged events of `event_type` (of `user` only, when given) whose
/// fields equal `keys`: each path of `sets` gets its JSON value. Paths are under the event,
/// e.g. `["data", "messageId"]`. This is how erased content leaves the catch-up log.
pub async fn rewrite(
    conn: &mut Conn,
    user: Option<Id>,
    event_type: &str,
    keys: &[(&[&str], Key<'_>)],
    sets: &[(&[&str], &str)],
) -> sqlx::Result<()> {
    let pg = Backend::of(conn) == Backend::Postgres;
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
        for (p, _) in sets {
            value = format!("jsonb_set({value}, {}, ${}::jsonb)", path(p), next());
        }
        format!("({value})::text")
    } else {
        let parts: Vec<String> = sets.iter().map(|(p, _)| format!("{}, json(${})", path(p), next())).collect();
        format!("json_set(payload, {})", parts.join(", "))
    };
    let mut conditions = vec![format!("{} = ${}", field(&["type"]), next())];
    for (p, _) in keys {
        conditions.push(format!("{} = ${}", field(p), next()));
    }
    if user.is_some() {
        conditions.push(format!("user_id = ${}", next()));
    }
    let sql = format!("UPDATE events SET payload = {value} WHERE {}", conditions.join(" AND "));
    let mut query = sqlx::query(&sql);
    for (_, json) in sets {
        query = query.bind(*json);
    }
    query = query.bind(event_type);
    for (_, key) in keys {
        // PostgreSQL's `#>>` gives text; SQLite's json_extract the number itself.
        query = match key {
            Key::Id(id) if pg => query.bind(id.to_string()),
            Key::Id(id) => query.bind(*id),
            Key::Text(text) => query.bind(*text),
        };
    }
    if let Some(user) = user {
        query = query.bind(user);
    }
    query.execute(conn).await?;
    Ok(())
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
