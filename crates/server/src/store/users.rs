use confab_api::{Id, User};
use sqlx::Row;

use super::search::{match_query, write_entry, Index};
use super::{Backend, Conn};

pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

pub(super) fn user_from(row: &sqlx::any::AnyRow) -> User {
    User {
        user_id: row.get("id"),
        user_name: row.get("user_name"),
        display_name: row.get("display_name"),
        avatar: row.get("avatar"),
    }
}

/// Inserts a user; `None` when the name is taken (names compare case-insensitively).
pub async fn insert(
    conn: &mut Conn,
    user_name: &str,
    display_name: &str,
    password_hash: &str,
    now: i64,
) -> sqlx::Result<Option<User>> {
    // The person and their names' index entry together.
    let mut tx = super::begin(conn).await?;
    let row = sqlx::query(
        "INSERT INTO users (user_name, display_name, password_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING RETURNING id, user_name, display_name, avatar",
    )
    .bind(user_name)
    .bind(display_name)
    .bind(password_hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let user = row.as_ref().map(user_from);
    if let Some(u) = &user {
        let names = format!("{} {}", u.user_name, u.display_name);
        write_entry(&mut tx, Index::Names, u.user_id, &names).await?;
    }
    tx.commit().await?;
    Ok(user)
}

pub async fn by_id(conn: &mut Conn, id: Id) -> sqlx::Result<Option<User>> {
    let row = sqlx::query("SELECT id, user_name, display_name, avatar FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(user_from))
}

/// The user with this user name (case-insensitive, as user names are).
pub async fn by_name(conn: &mut Conn, user_name: &str) -> sqlx::Result<Option<User>> {
    let row = sqlx::query("SELECT id, user_name, display_name, avatar FROM users WHERE lower(user_name) = lower($1)")
        .bind(user_name)
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(user_from))
}

pub async fn credentials(conn: &mut Conn, user_name: &str) -> sqlx::Result<Option<Credentials>> {
    let row = sqlx::query(
        "SELECT id, user_name, display_name, avatar, password_hash FROM users WHERE lower(user_name) = lower($1)",
    )
    .bind(user_name)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| Credentials { user: user_from(&r), password_hash: r.get("password_hash") }))
}

pub async fn insert_token(
    conn: &mut Conn,
    token_hash: &[u8],
    user_id: Id,
    user_agent: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO tokens (token_hash, user_id, created_at, last_used_at, user_agent) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now)
    .bind(now)
    .bind(user_agent)
    .execute(conn)
    .await?;
    Ok(())
}

/// The user of a token used since `used_since`, and when it was last used.
pub async fn user_by_token(conn: &mut Conn, token_hash: &[u8], used_since: i64) -> sqlx::Result<Option<(User, i64)>> {
    let row = sqlx::query(
        "SELECT u.id, u.user_name, u.display_name, u.avatar, t.last_used_at FROM tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.last_used_at >= $2",
    )
    .bind(token_hash)
    .bind(used_since)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| (user_from(&r), r.get("last_used_at"))))
}

pub async fn touch_token(conn: &mut Conn, token_hash: &[u8], now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE tokens SET last_used_at = $1 WHERE token_hash = $2")
        .bind(now)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn delete_token(conn: &mut Conn, token_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tokens WHERE token_hash = $1").bind(token_hash).execute(conn).await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: Vec<u8>,
    pub created_at: i64,
    pub last_used_at: i64,
    pub user_agent: String,
}

/// A person's live tokens, most recently used first.
pub async fn tokens_of(conn: &mut Conn, user_id: Id, used_since: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT token_hash, created_at, last_used_at, user_agent FROM tokens
         WHERE user_id = $1 AND last_used_at >= $2 ORDER BY last_used_at DESC",
    )
    .bind(user_id)
    .bind(used_since)
    .fetch_all(conn)
    .await
}

pub async fn delete_tokens_of(conn: &mut Conn, user_id: Id) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tokens WHERE user_id = $1").bind(user_id).execute(conn).await?;
    Ok(())
}

/// Drops tokens unused since `cutoff`.
pub async fn prune_tokens(conn: &mut Conn, cutoff: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM tokens WHERE last_used_at < $1").bind(cutoff).execute(conn).await?.rows_affected())
}

/// Matches read from the people search's index at most: a search costs the same however many
/// people there are, and the first ones by name among these are shown.
const NAME_MATCHES: i64 = 200;

/// People with a word of their user name or display name starting with each word of `keyword`
/// (a Chinese name: containing its characters), other than `me`; someone whose user name is
/// `keyword` first, then by user name. Read from the names' full-text index, at most
/// [`NAME_MATCHES`] of its entries, and the user name looked up as a whole.
pub async fn search(conn: &mut Conn, me: Id, keyword: &str, limit: i64) -> sqlx::Result<Vec<(User, Option<Id>)>> {
    let Some(words) = match_query(keyword) else { return Ok(Vec::new()) };
    let backend = Backend::of(conn);
    let sql = format!(
        "SELECT u.id, u.user_name, u.display_name, u.avatar,
                (SELECT c.id FROM conversations c WHERE c.direct_key =
                    CASE WHEN u.id < $1 THEN CAST(u.id AS TEXT) || ':' || CAST($1 AS TEXT)
                         ELSE CAST($1 AS TEXT) || ':' || CAST(u.id AS TEXT) END) AS conversation_id
         FROM users u
         WHERE u.id <> $1
           AND u.id IN (SELECT id FROM ({matches} LIMIT {NAME_MATCHES}) s
                        UNION SELECT id FROM users WHERE lower(user_name) = lower($3))
         ORDER BY CASE WHEN lower(u.user_name) = lower($3) THEN 0 ELSE 1 END, lower(u.user_name)
         LIMIT $4",
        matches = match backend {
            Backend::Sqlite => "SELECT rowid AS id FROM user_search WHERE user_search MATCH $2",
            Backend::Postgres => "SELECT user_id AS id FROM user_search WHERE words @@ to_tsquery('simple', $2)",
        },
    );
    let rows =
        sqlx::query(&sql).bind(me).bind(words.names_query(backend)).bind(keyword).bind(limit).fetch_all(conn).await?;
    Ok(rows.iter().map(|r| (user_from(r), r.get::<Option<Id>, _>("conversation_id"))).collect())
}

/// When the person's last connection closed, if it ever did.
pub async fn last_seen(conn: &mut Conn, user: Id) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT last_seen_at FROM users WHERE id = $1").bind(user).fetch_one(conn).await
}

/// Keeps when each of these people's last connection closed, in one statement however many
/// they are: `(person, when)`.
pub async fn set_last_seen(conn: &mut Conn, seen: &[(Id, i64)]) -> sqlx::Result<()> {
    let sql = match super::Backend::of(conn) {
        super::Backend::Sqlite => {
            "UPDATE users SET last_seen_at = j.value ->> 1 FROM json_each($1) AS j WHERE users.id = j.value ->> 0"
        }
        super::Backend::Postgres => {
            "UPDATE users SET last_seen_at = (j.value ->> 1)::BIGINT FROM jsonb_array_elements($1::jsonb) AS j(value)
             WHERE users.id = (j.value ->> 0)::BIGINT"
        }
    };
    sqlx::query(sql).bind(super::json_param(&seen)?).execute(conn).await?;
    Ok(())
}

/// Everyone the person has a one-to-one chat with.
pub async fn direct_contacts(conn: &mut Conn, user: Id) -> sqlx::Result<Vec<Id>> {
    sqlx::query_scalar(
        "SELECT o.user_id FROM members m
         JOIN conversations c ON c.id = m.conversation_id AND c.kind = 'single'
         JOIN members o ON o.conversation_id = m.conversation_id AND o.user_id <> m.user_id
         WHERE m.user_id = $1",
    )
    .bind(user)
    .fetch_all(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    async fn names(conn: &mut Conn, me: Id, keyword: &str) -> Vec<String> {
        search(conn, me, keyword, 20).await.unwrap().into_iter().map(|(u, _)| u.user_name).collect()
    }

    #[tokio::test]
    async fn people_are_found_by_the_start_of_any_word_of_their_names_through_the_index_alone() {
        let (_dir, store) = testing::store().await;
        let mut conn = store.writer().await.unwrap();
        let me = insert(&mut conn, "zed", "Zed", "", 0).await.unwrap().unwrap().user_id;
        for (user, display) in [("alice_w", "Alice Wong"), ("malice", "Mal"), ("al", "Al Smith"), ("zhang", "张三丰")]
        {
            insert(&mut conn, user, display, "", 0).await.unwrap().unwrap();
        }
        assert_eq!(names(&mut conn, me, "al").await, ["al", "alice_w"], "the user name itself first");
        assert_eq!(names(&mut conn, me, "A").await, ["al", "alice_w"]);
        assert_eq!(names(&mut conn, me, "won ali").await, ["alice_w"], "every word, in any order");
        assert_eq!(names(&mut conn, me, "smi").await, ["al"]);
        assert_eq!(names(&mut conn, me, "三丰").await, ["zhang"]);
        assert_eq!(names(&mut conn, me, "Zed").await, Vec::<String>::new(), "not oneself");
        assert!(names(&mut conn, me, "lice").await.is_empty(), "the middle of a word is not its start");
        assert!(names(&mut conn, me, "%").await.is_empty());
        // The engines' query syntax typed as a name is words, never an operator (nor an error).
        for typed in ["\"al", "al*", "-al", "^al", "al:*", "(al", "al\u{0}"] {
            assert_eq!(names(&mut conn, me, typed).await, ["al", "alice_w"], "{typed:?}");
        }
        for typed in ["NEAR(al zed)", "al OR zz", "al & !zz", "al AND NOT", "\"\"\""] {
            assert!(names(&mut conn, me, typed).await.is_empty(), "{typed:?}: every word must be there");
        }
        // A user name found as a whole even past the matches read from the index.
        for i in 0..NAME_MATCHES + 5 {
            insert(&mut conn, &format!("bo{i:03}"), "Bo", "", 0).await.unwrap().unwrap();
        }
        insert(&mut conn, "bo", "Bo", "", 0).await.unwrap().unwrap();
        let found = names(&mut conn, me, "bo").await;
        assert_eq!((found.len(), found[0].as_str(), found[1].as_str()), (20, "bo", "bo000"));
        // The matches are read from the index; users only by id and by the whole user name.
        let sql = "SELECT u.id FROM users u WHERE u.id IN (SELECT id FROM (SELECT rowid AS id FROM user_search
                   WHERE user_search MATCH 'x' LIMIT 200) s UNION SELECT id FROM users WHERE lower(user_name) = lower('x'))";
        let steps = testing::plan(&mut conn, sql).await;
        assert!(steps.iter().all(|s| s != "SCAN u" && !s.starts_with("SCAN users")), "{steps:?}");
        assert!(steps.iter().any(|s| s.starts_with("SCAN user_search VIRTUAL TABLE INDEX 0:M")), "{steps:?}");
        assert!(steps.iter().any(|s| s == "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)"), "{steps:?}");
        drop(conn);
        store.close().await;
    }

    /// People from before the index are indexed when the server starts.
    #[tokio::test]
    async fn people_from_before_the_index_are_found_after_a_start() {
        let (dir, pool) = testing::database_before(15).await;
        let mut conn = pool.acquire().await.unwrap();
        for name in ["ann", "anna", "bert"] {
            testing::person(&mut conn, name).await;
        }
        drop(conn);
        pool.close().await;
        let store = crate::store::Store::open(dir.path(), None).await.unwrap();
        let mut conn = store.writer().await.unwrap();
        assert_eq!(names(&mut conn, 0, "an").await, ["ann", "anna"]);
        drop(conn);
        store.close().await;
    }
}
