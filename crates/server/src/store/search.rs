//! The full-text index of text messages (SQLite FTS5). CJK characters are written as tokens of
//! their own, so that Chinese, which has no spaces between words, is found by any run of
//! characters; everything else goes through FTS5's unicode61 word tokenizer.

use confab_api::Id;

use super::{Backend, Conn};

/// Han, kana, Hangul and the CJK punctuation-free blocks: written one token per character.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}'   // Hangul syllables
        | '\u{F900}'..='\u{FAFF}'   // CJK compatibility ideographs
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B–F, compatibility supplement
    )
}

/// Written around each CJK character in the index: a character the engine's tokenizer splits
/// on and which no snippet needs to show. SQLite: INVISIBLE SEPARATOR (unicode61 splits on
/// format characters). PostgreSQL: U+0001, a separator in every locale (its parser counts every
/// non-ASCII character as a letter under the C locale). Both are taken out of what is indexed.
const PAD: char = '\u{2063}';
const PG_PAD: char = '\u{1}';

fn pad_of(backend: Backend) -> char {
    match backend {
        Backend::Sqlite => PAD,
        Backend::Postgres => PG_PAD,
    }
}

/// The text as indexed: every CJK character stands apart.
pub fn indexed_form(text: &str, backend: Backend) -> String {
    let pad = pad_of(backend);
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.extend([pad, c, pad]);
        } else if c != PAD && c != PG_PAD {
            out.push(c);
        }
    }
    out
}

/// A snippet of the index as the text reads. Matches are between U+0002 and U+0003; PostgreSQL
/// marks each character of a Chinese word apart, so marks that touch are joined into one.
pub fn readable_form(snippet: &str) -> String {
    let text: String = snippet.chars().filter(|&c| c != PAD && c != PG_PAD).collect();
    text.replace("\u{3}\u{2}", "")
}

/// What a person typed, as words to find: every word must be there (a CJK run as the phrase of
/// its characters; the last word also as the start of a longer one).
#[derive(Debug, PartialEq, Eq)]
pub struct Words(Vec<String>);

/// Which words of a query are also found as the start of a longer one.
#[derive(Debug, Clone, Copy)]
enum Starts {
    /// The last, from its second character (messages).
    Last,
    /// Every word (names).
    Every,
}

/// `None` when nothing in what was typed can be searched for (only punctuation or spaces).
pub fn match_query(typed: &str) -> Option<Words> {
    // Control characters (a NUL ends FTS5's query text early) separate words like spaces.
    let typed: String = typed.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let words: Vec<String> =
        typed.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).map(String::from).collect();
    (!words.is_empty()).then_some(Words(words))
}

impl Words {
    /// Whether this word is also found as the start of a longer one: the last word, once its
    /// last run of letters or digits is two characters long. A one-character start stands for a
    /// large share of every word there is, and the engine merges the lists of all the words it
    /// starts, whoever's messages they are in: `t` cost 12 ms at 200,000 messages, and grows with
    /// each message on the server.
    /// With `Starts::Every` (names, whose index keeps the starts of words), every word is a start
    /// from its first character.
    fn prefix(&self, i: usize, word: &str, starts: Starts) -> bool {
        let tail = word.chars().rev().skip_while(|c| !c.is_alphanumeric()).take_while(|c| c.is_alphanumeric()).count();
        let (last, least) = match starts {
            Starts::Last => (i + 1 == self.0.len(), 2),
            Starts::Every => (true, 1),
        };
        last && tail >= least && !word.chars().last().is_some_and(is_cjk)
    }

    /// The query in the engine's language: FTS5's (`"phrase" *`, AND) or a PostgreSQL tsquery
    /// (`'phrase':*`, &), each word quoted so that nothing typed is an operator.
    pub fn query(&self, backend: Backend) -> String {
        self.query_with(backend, Starts::Last)
    }

    /// [`Words::query`] for the people search: each word may be the start of a name's word.
    pub fn names_query(&self, backend: Backend) -> String {
        self.query_with(backend, Starts::Every)
    }

    fn query_with(&self, backend: Backend, starts: Starts) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let prefix = self.prefix(i, w, starts);
                let form = indexed_form(w, backend);
                match backend {
                    Backend::Sqlite => {
                        let phrase = form.replace('"', "\"\"");
                        if prefix {
                            format!("\"{phrase}\" *")
                        } else {
                            format!("\"{phrase}\"")
                        }
                    }
                    Backend::Postgres => {
                        let phrase = form.replace('\\', "\\\\").replace('\'', "''");
                        if prefix {
                            format!("'{phrase}':*")
                        } else {
                            format!("'{phrase}'")
                        }
                    }
                }
            })
            .collect();
        parts.join(if backend == Backend::Sqlite { " AND " } else { " & " })
    }
}

/// New messages' search entries, written together at the end of their transaction
/// ([`Pending::write`]). SQLite's full-text index writes what it holds as a new segment of the
/// index whenever a later statement of the transaction opens a savepoint (a multi-row UPDATE or
/// INSERT … SELECT does); an entry written with each message of a batch of sends meant a
/// segment per message, and merging them, where one statement for the batch makes one.
#[derive(Default)]
pub struct Pending(Vec<(Id, String)>);

/// On SQLite, [`Pending`]'s entries in one statement; `$1` is them as JSON, `[[id, text], …]`
/// (NULL: none).
pub const SQLITE_WRITE: &str = "INSERT OR REPLACE INTO message_search (rowid, body)
     SELECT value ->> 0, value ->> 1 FROM json_each($1)";

impl Pending {
    pub fn add(&mut self, message_id: Id, text: &str) {
        self.0.push((message_id, text.to_string()));
    }

    /// On SQLite, the entries as [`SQLITE_WRITE`]'s parameter, taken (none: `None`): for a caller
    /// that sends the statement in a call of its own, as the call's last statement.
    pub fn take_for_sqlite(&mut self) -> sqlx::Result<Option<String>> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let entries: Vec<(Id, String)> =
            self.0.drain(..).map(|(id, text)| (id, indexed_form(&text, Backend::Sqlite))).collect();
        super::json_param(&entries).map(Some)
    }

    pub async fn write(mut self, conn: &mut Conn) -> sqlx::Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        match Backend::of(conn) {
            Backend::Sqlite => {
                sqlx::query(SQLITE_WRITE).bind(self.take_for_sqlite()?).execute(conn).await?;
            }
            // One statement per call there, and no segments to spare.
            Backend::Postgres => {
                for (id, text) in &self.0 {
                    index(conn, *id, text).await?;
                }
            }
        }
        Ok(())
    }
}

/// The full-text indexes: what text messages say, and people's names (the people search).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Messages,
    Names,
}

impl Index {
    /// Writes (or rewrites) entry `$1` with the indexed form of `$2`.
    fn upsert(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Index::Messages, Backend::Sqlite) => "INSERT OR REPLACE INTO message_search (rowid, body) VALUES ($1, $2)",
            (Index::Messages, Backend::Postgres) => {
                "INSERT INTO message_search (message_id, body) VALUES ($1, $2)
                 ON CONFLICT (message_id) DO UPDATE SET body = excluded.body"
            }
            (Index::Names, Backend::Sqlite) => "INSERT OR REPLACE INTO user_search (rowid, names) VALUES ($1, $2)",
            (Index::Names, Backend::Postgres) => {
                "INSERT INTO user_search (user_id, names) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE SET names = excluded.names"
            }
        }
    }

    /// What was written before the index existed: up to `$2` of `(id, text)` from id `$1` on,
    /// and the table keeping where the next batch starts (`next_id`; -1 once all are indexed).
    fn backfill(self) -> (&'static str, &'static str) {
        match self {
            Index::Messages => (
                "SELECT id, content FROM messages WHERE id >= $1 AND message_type = 'text' AND status = 'normal'
                 ORDER BY id LIMIT $2",
                "search_backfill",
            ),
            Index::Names => (
                "SELECT id, user_name || ' ' || display_name FROM users WHERE id >= $1 ORDER BY id LIMIT $2",
                "user_search_backfill",
            ),
        }
    }
}

/// Writes the entry of message or person `id` (its text, or their names) into `which`.
pub async fn write_entry(conn: &mut Conn, which: Index, id: Id, text: &str) -> sqlx::Result<()> {
    let backend = Backend::of(conn);
    sqlx::query(which.upsert(backend)).bind(id).bind(indexed_form(text, backend)).execute(conn).await?;
    Ok(())
}

pub async fn index(conn: &mut Conn, message_id: Id, text: &str) -> sqlx::Result<()> {
    write_entry(conn, Index::Messages, message_id, text).await
}

pub async fn unindex(conn: &mut Conn, message_id: Id) -> sqlx::Result<()> {
    let sql = match Backend::of(conn) {
        Backend::Sqlite => "DELETE FROM message_search WHERE rowid = $1",
        Backend::Postgres => "DELETE FROM message_search WHERE message_id = $1",
    };
    sqlx::query(sql).bind(message_id).execute(conn).await?;
    Ok(())
}

/// Indexes what was written before `which` existed (text messages, people), a batch at a time;
/// `true` when done.
pub async fn backfill(conn: &mut Conn, which: Index, batch: i64) -> sqlx::Result<bool> {
    let (rows_sql, cursor) = which.backfill();
    let next: i64 = sqlx::query_scalar(&format!("SELECT next_id FROM {cursor}")).fetch_one(&mut *conn).await?;
    if next < 0 {
        return Ok(true);
    }
    let rows: Vec<(Id, String)> = sqlx::query_as(rows_sql).bind(next).bind(batch).fetch_all(&mut *conn).await?;
    for (id, text) in &rows {
        write_entry(conn, which, *id, text).await?;
    }
    let done = (rows.len() as i64) < batch;
    let next = if done { -1 } else { rows.last().map_or(-1, |(id, _)| id + 1) };
    sqlx::query(&format!("UPDATE {cursor} SET next_id = $1")).bind(next).execute(conn).await?;
    Ok(done)
}

#[derive(Debug, sqlx::FromRow)]
pub struct HitRow {
    pub id: Id,
    pub conversation_id: Id,
    pub sender_id: Id,
    pub sender_name: String,
    pub created_at: i64,
    pub message_type: String,
    pub snippet: String,
}

/// Where a page that looks at no more than `scan` of the index's matches below `before` must
/// stop: the id of the first match past them (`None` when there are no more than `scan`).
/// Only the index is read (no visibility check), in its own id order: the cost is `scan`
/// entries, however many messages hold the words (once a last word's starts are merged: see
/// [`Words::prefix`]).
pub async fn scan_edge(conn: &mut Conn, words: &Words, before: Option<Id>, scan: i64) -> sqlx::Result<Option<Id>> {
    let backend = Backend::of(conn);
    let sql = match backend {
        Backend::Sqlite => {
            "SELECT rowid FROM message_search
             WHERE message_search MATCH $1 AND rowid < COALESCE($2, 9223372036854775807)
             ORDER BY rowid DESC LIMIT 1 OFFSET $3"
        }
        Backend::Postgres => {
            "SELECT message_id FROM message_search
             WHERE words @@ to_tsquery('simple', $1) AND message_id < COALESCE($2, 9223372036854775807)
             ORDER BY message_id DESC LIMIT 1 OFFSET $3"
        }
    };
    sqlx::query_scalar(sql).bind(words.query(backend)).bind(before).bind(scan).fetch_optional(conn).await
}

/// Matches in what `viewer` can see now — their conversations, not before they cleared one or
/// after they left a group, not deleted for them, never recalled or burned (those are not in
/// the index) — newest first, older than `before` and newer than `edge` when given.
pub async fn find(
    conn: &mut Conn,
    viewer: Id,
    words: &Words,
    (before, edge): (Option<Id>, Option<Id>),
    limit: i64,
) -> sqlx::Result<Vec<HitRow>> {
    // The history's own visibility rule (it also requires membership: a non-member has no
    // cleared_before_id to compare with).
    let visible = super::messages::VISIBLE;
    let backend = Backend::of(conn);
    // On SQLite the page is bounded and ordered by the index's own rowid (the message id): FTS5
    // then hands out matches newest first and the query stops at the page's end. Ordered by
    // `m.id`, it gathered every match (and its snippet) and sorted them: ~100 ms for a word in
    // 25,000 messages.
    let (matched, snippet, join, id) = match backend {
        Backend::Sqlite => (
            "message_search MATCH $2",
            "snippet(message_search, 0, char(2), char(3), '…', 16)",
            "m.id = s.rowid",
            "s.rowid",
        ),
        Backend::Postgres => (
            "s.words @@ to_tsquery('simple', $2)",
            "ts_headline('simple', s.body, to_tsquery('simple', $2),
                         'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=16, MinWords=15, ShortWord=0')",
            "m.id = s.message_id",
            "m.id",
        ),
    };
    let sql = format!(
        "SELECT m.id, m.conversation_id, m.sender_id, u.display_name AS sender_name, m.created_at, m.message_type,
                {snippet} AS snippet
         FROM message_search s
         JOIN messages m ON {join}
         JOIN users u ON u.id = m.sender_id
         WHERE {matched} AND {id} < COALESCE($3, 9223372036854775807) AND {id} > COALESCE($5, 0)
               AND m.status = 'normal' AND {visible}
         ORDER BY {id} DESC LIMIT $4"
    );
    sqlx::query_as(&sql)
        .bind(viewer)
        .bind(words.query(backend))
        .bind(before)
        .bind(limit)
        .bind(edge)
        .fetch_all(conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_are_tokens_of_their_own() {
        assert_eq!(indexed_form("开会 ok", Backend::Sqlite), "\u{2063}开\u{2063}\u{2063}会\u{2063} ok");
        assert_eq!(indexed_form("开会", Backend::Postgres), "\u{1}开\u{1}\u{1}会\u{1}");
        assert_eq!(indexed_form("plain", Backend::Sqlite), "plain");
        for backend in [Backend::Sqlite, Backend::Postgres] {
            assert_eq!(readable_form(&indexed_form("明天开会 ok", backend)), "明天开会 ok");
        }
        assert_eq!(
            readable_form("\u{2}图\u{3}\u{1}\u{1}\u{2}书\u{3}\u{1} \u{2}ok\u{3}"),
            "\u{2}图书\u{3} \u{2}ok\u{3}"
        );
    }

    #[test]
    fn in_a_names_query_every_word_is_a_start_from_its_first_letter() {
        let fts = |typed: &str| match_query(typed).map(|w| w.names_query(Backend::Sqlite));
        assert_eq!(fts("a").unwrap(), "\"a\" *");
        assert_eq!(fts("ali smi").unwrap(), "\"ali\" * AND \"smi\" *");
        assert_eq!(
            fts("张三").unwrap(),
            "\"\u{2063}张\u{2063}\u{2063}三\u{2063}\"",
            "a CJK character is a whole token"
        );
        assert_eq!(fts("bob_12").unwrap(), "\"bob_12\" *");
        let pg = |typed: &str| match_query(typed).map(|w| w.names_query(Backend::Postgres));
        assert_eq!(pg("ali o'b").unwrap(), "'ali':* & 'o''b':*");
        assert_eq!(fts("!!"), None);
    }

    #[test]
    fn queries_need_every_word_and_the_last_may_be_unfinished() {
        let fts = |typed: &str| match_query(typed).map(|w| w.query(Backend::Sqlite));
        assert_eq!(fts("开会").unwrap(), "\"\u{2063}开\u{2063}\u{2063}会\u{2063}\"");
        assert_eq!(fts("budget rev").unwrap(), "\"budget\" AND \"rev\" *");
        assert_eq!(fts("budget r").unwrap(), "\"budget\" AND \"r\"", "one letter is a word, not a start");
        assert_eq!(fts("5").unwrap(), "\"5\"");
        assert_eq!(fts("x^2").unwrap(), "\"x^2\"");
        assert_eq!(fts("x^23").unwrap(), "\"x^23\" *");
        assert_eq!(fts("say \"hi\"").unwrap(), "\"say\" AND \"\"\"hi\"\"\" *");
        assert_eq!(fts("  ?! "), None);
        assert_eq!(fts("\u{0}abc").unwrap(), "\"abc\" *");
        assert_eq!(fts(""), None);
        let pg = |typed: &str| match_query(typed).map(|w| w.query(Backend::Postgres));
        assert_eq!(pg("开会").unwrap(), "'\u{1}开\u{1}\u{1}会\u{1}'");
        assert_eq!(pg("budget rev").unwrap(), "'budget' & 'rev':*");
        assert_eq!(pg("it's a\\b").unwrap(), "'it''s' & 'a\\\\b'");
        assert_eq!(pg("it's a\\bc").unwrap(), "'it''s' & 'a\\\\bc':*");
    }
}
