//! Message search: what a person can see in their conversations, newest first, with the
//! matched words marked in a snippet.

use std::collections::HashMap;

use confab_api::{Id, MessageHit, MessageSearchPage, MessageType, MAX_SEARCH_CHARS};

use crate::error::{AppError, AppResult};
use crate::store::{conversations, search};
use crate::time::rfc3339;
use crate::AppState;

pub async fn messages(
    state: &AppState,
    me: Id,
    typed: &str,
    before: Option<Id>,
    page_size: Option<i64>,
) -> AppResult<MessageSearchPage> {
    let typed = typed.trim();
    let chars = typed.chars().count();
    if chars > MAX_SEARCH_CHARS {
        return Err(AppError::unprocessable(format!("q is {chars} characters; the limit is {MAX_SEARCH_CHARS}")));
    }
    let query = search::match_query(typed)
        .ok_or_else(|| AppError::unprocessable("q must contain at least one letter or digit"))?;
    let limit = page_size.unwrap_or(20).clamp(1, 50);
    let mut conn = state.store.reader().await?;
    // At most `search_scan` matches are looked at; a page that ends there, short or empty, says
    // where the next one starts.
    let edge = search::scan_edge(&mut conn, &query, before, state.config.search_scan).await?;
    let mut rows = search::find(&mut conn, me, &query, (before, edge), limit + 1).await?;
    let full = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_before_message_id = match rows.last() {
        Some(last) if full => Some(last.id),
        _ => edge.map(|e| e + 1),
    };
    let mut names: HashMap<Id, String> = HashMap::new();
    let mut list = Vec::with_capacity(rows.len());
    for r in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = names.entry(r.conversation_id) {
            slot.insert(conversations::title(&mut conn, me, r.conversation_id).await?.unwrap_or_default());
        }
        list.push(MessageHit {
            message_id: r.id,
            conversation_id: r.conversation_id,
            conversation_name: names[&r.conversation_id].clone(),
            sender_id: r.sender_id,
            sender_name: r.sender_name,
            created_at: rfc3339(r.created_at),
            message_type: MessageType::parse(&r.message_type).unwrap_or_default(),
            snippet: search::readable_form(&r.snippet),
        });
    }
    Ok(MessageSearchPage { list, has_more: next_before_message_id.is_some(), next_before_message_id })
}
