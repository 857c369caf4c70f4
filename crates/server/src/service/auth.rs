use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use confab_api::{AuthResponse, LoginRequest, RegisterRequest, User};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult};
use crate::store::users;
use crate::time::now_ms;
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

fn validate_password(password: &str) -> AppResult<()> {
    let len = password.chars().count();
    if len < MIN_PASSWORD {
        return Err(AppError::unprocessable(format!("password must be at least {MIN_PASSWORD} characters")));
    }
    if len > MAX_PASSWORD {
        return Err(AppError::unprocessable(format!("password must be at most {MAX_PASSWORD} characters")));
    }
    Ok(())
}

/// Argon2id with a random salt; run off the async threads, it is slow on purpose.
async fn hash_password(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|_| AppError::internal())?
    .map_err(|_| AppError::internal())
}

async fn verify_password(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false)
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

async fn issue_token(state: &AppState, user: User) -> AppResult<AuthResponse> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut conn = state.store.writer().await?;
    users::insert_token(&mut conn, &token_hash(&token), user.user_id, now_ms()).await?;
    Ok(AuthResponse { token, user })
}

pub async fn register(state: &AppState, req: RegisterRequest) -> AppResult<AuthResponse> {
    let user_name = req.user_name.trim().to_string();
    validate_user_name(&user_name)?;
    validate_password(&req.password)?;
    let display_name =
        req.display_name.as_deref().map(str::trim).filter(|d| !d.is_empty()).unwrap_or(&user_name).to_string();
    if display_name.chars().count() > 64 {
        return Err(AppError::unprocessable("displayName must be at most 64 characters"));
    }
    let hash = hash_password(req.password).await?;
    let user = {
        let mut conn = state.store.writer().await?;
        users::insert(&mut conn, &user_name, &display_name, &hash, now_ms()).await?
    };
    let user = user.ok_or_else(|| AppError::conflict(format!("the user name '{user_name}' is taken")))?;
    issue_token(state, user).await
}

pub async fn login(state: &AppState, req: LoginRequest) -> AppResult<AuthResponse> {
    let found = {
        let mut conn = state.store.reader().await?;
        users::credentials(&mut conn, req.user_name.trim()).await?
    };
    let hash = found.as_ref().map(|c| c.password_hash.clone()).unwrap_or_else(|| dummy_hash().to_string());
    let verified = verify_password(req.password, hash).await;
    match found {
        Some(c) if verified => issue_token(state, c.user).await,
        _ => Err(AppError::unauthorized("wrong user name or password")),
    }
}

pub async fn authenticate(state: &AppState, token: &str) -> AppResult<User> {
    let mut conn = state.store.reader().await?;
    users::user_by_token(&mut conn, &token_hash(token))
        .await?
        .ok_or_else(|| AppError::unauthorized("the token is invalid or was revoked; sign in again"))
}

pub async fn logout(state: &AppState, token: &str) -> AppResult<()> {
    let hash = token_hash(token);
    let mut conn = state.store.writer().await?;
    users::delete_token(&mut conn, &hash).await?;
    // Sockets opened with this token stop receiving at once, not at their next reconnect.
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
    let hash = hash_password(password.to_string()).await?;
    let mut conn = state.store.writer().await?;
    Ok(users::insert(&mut conn, user_name, display_name, &hash, now_ms()).await?)
}
