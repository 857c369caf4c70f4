//! The rules: who may see and do what, the recall window, unread counting, idempotency.
//! Services take the state and the acting user, call the store, and publish events.

pub mod assistant;
pub mod auth;
pub mod burn;
pub mod conversations;
pub mod edits;
pub mod files;
pub mod forward;
pub mod groups;
pub mod maintenance;
pub mod messages;
pub mod passwords;
pub mod presence;
pub mod rate_limits;
pub mod reactions;
pub mod search;
pub mod send_queue;
pub mod text;

/// Parses page/pageSize the way every list endpoint does: 1-based, size clamped to 1..=100.
pub fn page_window(page: Option<i64>, page_size: Option<i64>, default_size: i64) -> (i64, i64) {
    let size = page_size.unwrap_or(default_size).clamp(1, 100);
    let page = page.unwrap_or(1).max(1);
    (size, (page - 1).saturating_mul(size))
}
