//! The full-text index of text messages (SQLite FTS5). CJK characters are written as tokens of
//! their own, so that Chinese, which has no spaces between words, is found by any run of
//! characters; everything else goes through FTS5's unicode61 word tokenizer.

use confab_api::Id;

use super::Conn;

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

/// Written around each CJK character in the index: INVISIBLE SEPARATOR, a format character the
/// unicode61 tokenizer splits on, and which no snippet needs to show.
const PAD: char = '\u{2063}';

/// The text as indexed: every CJK character stands apart.
pub fn indexed_form(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    for c in text.chars() {
        if is_cjk(c) {
            out.extend([PAD, c, PAD]);
        } else if c != PAD {
            out.push(c);
        }
    }
    out
}

/// A snippet of the index as the text reads.
pub fn readable_form(snippet: &str) -> String {
    snippet.chars().filter(|&c| c != PAD).collect()
}

/// An FTS5 query for what a person typed: every word must be there (a CJK run as the phrase of
/// its characters, the last word also as the start of a longer one). `None` when nothing in it
/// can be searched for (only punctuation or spaces).
pub fn match_query(typed: &str) -> Option<String> {
    // Control characters (a NUL ends FTS5's query text early) separate words like spaces.
    let typed: String = typed.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let words: Vec<&str> = typed.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).collect();
    let last = words.len().checked_sub(1)?;
    let parts: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let phrase = indexed_form(w).replace('"', "\"\"");
            if i == last && !w.chars().last().is_some_and(is_cjk) {
                format!("\"{phrase}\" *")
            } else {
                format!("\"{phrase}\"")
            }
        })
        .collect();
    Some(parts.join(" AND "))
}

pub async fn index(conn: &mut Conn, message_id: Id, text: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT OR REPLACE INTO message_search (rowid, body) VALUES ($1, $2)")
        .bind(message_id)
        .bind(indexed_form(text))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn unindex(conn: &mut Conn, message_id: Id) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM message_search WHERE rowid = $1").bind(message_id).execute(conn).await?;
    Ok(())
}

/// Indexes the text messages sent before search existed, a batch at a time; `true` when done.
pub async fn backfill(conn: &mut Conn, batch: i64) -> sqlx::Result<bool> {
    let next: i64 = sqlx::query_scalar("SELECT next_id FROM search_backfill").fetch_one(&mut *conn).await?;
    if next < 0 {
        return Ok(true);
    }
    let rows: Vec<(Id, String)> = sqlx::query_as(
        "SELECT id, content FROM messages WHERE id >= $1 AND message_type = 'text' AND status = 'normal'
         ORDER BY id LIMIT $2",
    )
    .bind(next)
    .bind(batch)
    .fetch_all(&mut *conn)
    .await?;
    for (id, text) in &rows {
        index(conn, *id, text).await?;
    }
    let done = (rows.len() as i64) < batch;
    let next = if done { -1 } else { rows.last().map_or(-1, |(id, _)| id + 1) };
    sqlx::query("UPDATE search_backfill SET next_id = $1").bind(next).execute(conn).await?;
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

/// Matches in what `viewer` can see now — their conversations, not before they cleared one or
/// after they left a group, not deleted for them, never recalled or burned (those are not in
/// the index) — newest first, older than `before` when given.
pub async fn find(
    conn: &mut Conn,
    viewer: Id,
    query: &str,
    before: Option<Id>,
    limit: i64,
) -> sqlx::Result<Vec<HitRow>> {
    // The history's own visibility rule (it also requires membership: a non-member has no
    // cleared_before_id to compare with).
    let visible = super::messages::VISIBLE;
    let sql = format!(
        "SELECT m.id, m.conversation_id, m.sender_id, u.display_name AS sender_name, m.created_at, m.message_type,
                snippet(message_search, 0, char(2), char(3), '…', 16) AS snippet
         FROM message_search s
         JOIN messages m ON m.id = s.rowid
         JOIN users u ON u.id = m.sender_id
         WHERE message_search MATCH $2 AND ($3 IS NULL OR m.id < $3) AND m.status = 'normal' AND {visible}
         ORDER BY m.id DESC LIMIT $4"
    );
    sqlx::query_as(&sql).bind(viewer).bind(query).bind(before).bind(limit).fetch_all(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_characters_are_tokens_of_their_own() {
        assert_eq!(indexed_form("开会 ok"), "\u{2063}开\u{2063}\u{2063}会\u{2063} ok");
        assert_eq!(indexed_form("plain"), "plain");
        assert_eq!(readable_form(&indexed_form("明天开会 ok")), "明天开会 ok");
    }

    #[test]
    fn queries_need_every_word_and_the_last_may_be_unfinished() {
        assert_eq!(match_query("开会").unwrap(), "\"\u{2063}开\u{2063}\u{2063}会\u{2063}\"");
        assert_eq!(match_query("budget rev").unwrap(), "\"budget\" AND \"rev\" *");
        assert_eq!(match_query("say \"hi\"").unwrap(), "\"say\" AND \"\"\"hi\"\"\" *");
        assert_eq!(match_query("  ?! "), None);
        assert_eq!(match_query("\u{0}abc").unwrap(), "\"abc\" *");
        assert_eq!(match_query(""), None);
    }
}
