use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
use argon2::Argon2;
use confab_api::{AuthResponse, AuthSession, Id, LoginRequest, RegisterRequest, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::text::clean_name;
use crate::error::{AppError, AppResult};
use crate::store::users;
use crate::time::{now_ms, rfc3339};
use crate::AppState;

const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 128;

fn validate_user_name(name: &str) -> AppResult<()> {
    let len = name.chars().count();
    if !(3..=32).contains(&len) {
        return Err(AppError::unprocessable("userName must be 3 to 32 characters"));
    }
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')) {
        return Err(AppError::unprocessable("userName may contain only letters, digits, '_', '-' and '.'"));
    }
    Ok(())
}

fn validate_password(password: &str, user_inputs: &[&str]) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        return Err(AppError::unprocessable(format!("password must be at least {MIN_PASSWORD} characters")));
    }
    if len > MAX_PASSWORD {
        return Err(AppError::unprocessable(format!("password must be at most {MAX_PASSWORD} characters")));
    }
    // zxcvbn knows breach lists, keyboard walks, repeats and the person's own names.
    let weak = password.trim().chars().count() < MIN_PASSWORD
        || zxcvbn::zxcvbn(password, user_inputs).score() < zxcvbn::Score::Two;
    if weak {
        return Err(AppError::unprocessable(
            "this password is too easy to guess; try a few unrelated words or a longer phrase",
        ));
    }
    Ok(())
}

/// A hash to check against when the user does not exist, so both paths cost the same.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(b"not a real password", &salt).expect("hash").to_string()
    })
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The public handle of a session: a prefix of its token's hash (the token cannot be derived from it).
fn session_id(token_hash: &[u8]) -> String {
    hex::encode(&token_hash[..8.min(token_hash.len())])
}

async fn issue_token(state: &AppState, user: User, user_agent: &str) -> AppResult<AuthResponse> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let user_agent: String = user_agent.chars().filter(|c| !c.is_control()).take(200).collect();
    let mut conn = state.store.writer().await?;
    users::insert_token(&mut conn, &token_hash(&token), user.user_id, &user_agent, now_ms()).await?;
    Ok(AuthResponse { token, user })
}

/// Oldest last use a token may have and still work.
fn live_since(state: &AppState) -> i64 {
    now_ms() - state.config.token_idle_ttl.as_millis() as i64
}

pub async fn register(state: &AppState, req: RegisterRequest, user_agent: &str) -> AppResult<AuthResponse> {
    let user_name = req.user_name.trim().to_string();
    validate_user_name(&user_name)?;
    // The limit holds for what was sent, before invisible characters are taken out.
    if req.display_name.as_deref().is_some_and(|d| d.chars().count() > 64) {
        return Err(AppError::unprocessable("displayName must be at most 64 characters"));
    }
    let display_name =
        req.display_name.as_deref().map(clean_name).filter(|d| !d.is_empty()).unwrap_or(user_name.clone());
    if display_name.chars().count() > 64 {
        return Err(AppError::unprocessable("displayName must be at most 64 characters"));
    }
    let taken = || AppError::conflict(format!("the user name '{user_name}' is taken"));
    // Checked before the (deliberately slow) hashing; the insert below settles any race.
    if users::credentials(&mut *state.store.reader().await?, &user_name).await?.is_some() {
        return Err(taken());
    }
    validate_password(&req.password, &[&user_name, &display_name])?;
    let hash = state.passwords.hash(req.password).await?;
    let user = {
        let mut conn = state.store.writer().await?;
        users::insert(&mut conn, &user_name, &display_name, &hash, now_ms()).await?
    };
    let user = user.ok_or_else(taken)?;
    issue_token(state, user, user_agent).await
}

pub async fn login(state: &AppState, req: LoginRequest, user_agent: &str) -> AppResult<AuthResponse> {
    let found = {
        let mut conn = state.store.reader().await?;
        users::credentials(&mut conn, req.user_name.trim()).await?
    };
    if let Some(c) = &found {
        state.hub.share_login_attempt(c.user.user_id);
        state.account_limits.login_attempt(c.user.user_id)?;
    }
    let hash = found.as_ref().map(|c| c.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let verified = state.passwords.verify(req.password, hash).await?;
    match found {
        Some(c) if verified => issue_token(state, c.user, user_agent).await,
        _ => Err(AppError::unauthorized("wrong user name or password")),
    }
}

/// How stale `last_used_at` may get before a request refreshes it (one write per minute, not per request).
const TOUCH_AFTER_MS: i64 = 60_000;

/// The person a token belongs to, if it is signed in and was used within the idle limit. A
/// session checked a moment ago is taken from the hub's cache (see `hub::sessions`), and one
/// read from the database is kept there: requests come again soon.
pub async fn authenticate(state: &AppState, token: &str) -> AppResult<User> {
    check_token(state, token, true).await
}

/// [`authenticate`] for a WebSocket: a socket checks its token when it opens and then rarely,
/// so what it reads is not kept (a thousand idle sockets would hold a thousand sessions).
pub async fn authenticate_socket(state: &AppState, token: &str) -> AppResult<User> {
    check_token(state, token, false).await
}

async fn check_token(state: &AppState, token: &str, keep: bool) -> AppResult<User> {
    let hash = token_hash(token);
    let now = now_ms();
    let used_since = live_since(state);
    let sessions = &state.hub.sessions;
    let found = match sessions.get(&hash, now, used_since) {
        Some(found) => Some(found),
        None => {
            let mark = sessions.mark();
            let mut conn = state.store.reader().await?;
            let found = users::user_by_token(&mut conn, &hash, used_since).await?;
            if let (true, Some((user, last_used))) = (keep, &found) {
                sessions.keep(&hash, user, *last_used, now, mark);
            }
            found
        }
    };
    let (user, last_used) =
        found.ok_or_else(|| AppError::unauthorized("the session expired or was signed out; sign in again"))?;
    if now - last_used > TOUCH_AFTER_MS {
        let mut conn = state.store.writer().await?;
        users::touch_token(&mut conn, &hash, now).await?;
        sessions.touched(&hash, now);
    }
    Ok(user)
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let hash = token_hash(token);
    let mut conn = state.store.writer().await?;
    users::delete_token(&mut conn, &hash).await?;
    // Sockets opened with this token stop receiving at once, not at their next reconnect.
    state.hub.revoke(&hash);
    Ok(())
}

/// Signs `user` out of every session, this one included; their sockets close at once.
pub async fn logout_everywhere(state: &AppState, user: Id) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    users::delete_tokens_of(&mut conn, user).await?;
    state.hub.revoke_user(user);
    Ok(())
}

pub async fn sessions(state: &AppState, user: Id, token: &str) -> AppResult<Vec<AuthSession>> {
    let current = token_hash(token);
    let mut conn = state.store.reader().await?;
    let rows = users::tokens_of(&mut conn, user, live_since(state)).await?;
    Ok(rows
        .into_iter()
        .map(|t| AuthSession {
            session_id: session_id(&t.token_hash),
            created_at: rfc3339(t.created_at),
            last_used_at: rfc3339(t.last_used_at),
            user_agent: t.user_agent,
            current: t.token_hash == current,
        })
        .collect())
}

/// Signs one of `user`'s sessions out.
pub async fn end_session(state: &AppState, user: Id, id: &str) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    let rows = users::tokens_of(&mut conn, user, 0).await?;
    let hash = rows
        .into_iter()
        .map(|t| t.token_hash)
        .find(|h| session_id(h) == id)
        .ok_or_else(|| AppError::not_found(format!("no session {id}")))?;
    users::delete_token(&mut conn, &hash).await?;
    state.hub.revoke(&hash);
    Ok(())
}

/// Creates a user directly (demo data); `None` if the name is taken.
pub async fn create_user(
    state: &AppState,
    user_name: &str,
    display_name: &str,
    password: &str,
) -> AppResult<Option<User>> {
    let hash = state.passwords.hash(password.to_string()).await?;
    let mut conn = state.store.writer().await?;
    Ok(users::insert(&mut conn, user_name, display_name, &hash, now_ms()).await?)
}
