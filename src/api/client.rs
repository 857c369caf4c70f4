use std::cell::RefCell;
use std::future::Future;

use confab_api::*;
use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A failed call: the HTTP status (0 when the server was not reached) and the server's words.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// Seconds from `Retry-After` (429, 503).
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn network() -> Self {
        ApiError::http(0, String::new())
    }
    pub fn http(status: u16, message: String) -> Self {
        ApiError { status, message, retry_after: None }
    }
    pub fn is_network(&self) -> bool {
        self.status == 0
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

thread_local! {
    static TOKEN: RefCell<Option<String>> = const { RefCell::new(None) };
    static ON_UNAUTHORIZED: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
}

pub fn set_token(token: Option<String>) {
    TOKEN.with(|t| *t.borrow_mut() = token);
}

pub fn token() -> Option<String> {
    TOKEN.with(|t| t.borrow().clone())
}

/// Called when a signed-in call answers 401 (the token was revoked or expired).
pub fn on_unauthorized(f: impl Fn() + 'static) {
    ON_UNAUTHORIZED.with(|h| *h.borrow_mut() = Some(Box::new(f)));
}

/// The one funnel every call goes through: auth header, envelope decoding, typed errors.
/// Typed callers wrap it in [`request`]; this part is not generic, so the bundle holds it once
/// rather than once per answer type.
async fn exchange(method: Method, path: &str, body: Option<String>) -> ApiResult<String> {
    let response = fetch(method, path, body, None).await?;
    let status = response.status();
    let retry_after = retry_after(&response);
    let body = response.text().await.map_err(|_| ApiError::network())?;
    if !(200..300).contains(&status) {
        return Err(refusal(status, retry_after, &body));
    }
    // The envelope is read once with `data` left raw, then `data` as the type asked for:
    // one envelope parser for every call instead of one per type (a smaller bundle).
    match serde_json::from_str::<Envelope<Box<serde_json::value::RawValue>>>(&body) {
        // `null` data decodes as None (RawValue skips it); calls that expect `()` accept "null".
        Ok(envelope) => Ok(envelope.data.map(|r| String::from(r.get())).unwrap_or_else(|| "null".into())),
        Err(_) => Err(ApiError::http(500, "unreadable answer".into())),
    }
}

/// Sends a signed-in request (a JSON body if any); the response whatever its status.
pub(super) async fn fetch(
    method: Method,
    path: &str,
    body: Option<String>,
    abort: Option<&web_sys::AbortSignal>,
) -> ApiResult<gloo_net::http::Response> {
    let mut builder = RequestBuilder::new(path).method(method).abort_signal(abort);
    if let Some(t) = token() {
        builder = builder.header("Authorization", &format!("Bearer {t}"));
    }
    let request = match body {
        Some(b) => builder.header("Content-Type", "application/json").body(b),
        None => builder.build(),
    }
    .map_err(|_| ApiError::network())?;
    request.send().await.map_err(|_| ApiError::network())
}

pub(super) fn retry_after(response: &gloo_net::http::Response) -> Option<u32> {
    response.headers().get("retry-after").and_then(|v| v.trim().parse().ok())
}

/// The error a refused call's envelope describes; a 401 to a signed-in call also signs out.
pub(super) fn refusal(status: u16, retry_after: Option<u32>, body: &str) -> ApiError {
    let message = serde_json::from_str::<Envelope<Box<serde_json::value::RawValue>>>(body).map(|e| e.message);
    if status == 401 && token().is_some() {
        ON_UNAUTHORIZED.with(|h| {
            if let Some(f) = &*h.borrow() {
                f()
            }
        });
    }
    ApiError { retry_after, ..ApiError::http(status, message.unwrap_or_default()) }
}

/// `data` of a successful answer as `T`.
fn decode<T: DeserializeOwned>(data: ApiResult<String>) -> ApiResult<T> {
    serde_json::from_str(&data?).map_err(|_| ApiError::http(500, "unreadable answer".into()))
}

/// The typed call. Not `async` itself, nor are the calls below: each would be one more state
/// machine in the bundle around the same await.
pub(super) fn request<T: DeserializeOwned>(
    method: Method,
    path: String,
    body: Option<&(impl Serialize + ?Sized)>,
) -> impl Future<Output = ApiResult<T>> {
    let body = body.map(|b| serde_json::to_string(b).unwrap_or_default());
    async move { decode(exchange(method, &path, body).await) }
}

pub(super) const NO_BODY: Option<&()> = None;

pub fn register(
    user_name: &str,
    password: &str,
    display_name: Option<String>,
) -> impl Future<Output = ApiResult<AuthResponse>> {
    let body = RegisterRequest { user_name: user_name.into(), password: password.into(), display_name };
    request(Method::POST, "/api/auth/register".into(), Some(&body))
}

pub fn login(user_name: &str, password: &str) -> impl Future<Output = ApiResult<AuthResponse>> {
    let body = LoginRequest { user_name: user_name.into(), password: password.into() };
    request(Method::POST, "/api/auth/login".into(), Some(&body))
}

pub fn logout() -> impl Future<Output = ApiResult<()>> {
    request(Method::POST, "/api/auth/logout".into(), NO_BODY)
}

pub fn logout_all() -> impl Future<Output = ApiResult<()>> {
    request(Method::POST, "/api/auth/logout-all".into(), NO_BODY)
}

pub fn sessions() -> impl Future<Output = ApiResult<Vec<AuthSession>>> {
    request(Method::GET, "/api/auth/sessions".into(), NO_BODY)
}

pub fn end_session(session_id: &str) -> impl Future<Output = ApiResult<()>> {
    let id: String = js_sys::encode_uri_component(session_id).into();
    request(Method::DELETE, format!("/api/auth/sessions/{id}"), NO_BODY)
}

pub fn me() -> impl Future<Output = ApiResult<User>> {
    request(Method::GET, "/api/users/me".into(), NO_BODY)
}

/// One page of the list (1-based), `LIST_PAGE` conversations long.
pub fn conversations(page: u32) -> impl Future<Output = ApiResult<ConversationPage>> {
    request(Method::GET, format!("/api/conversations?page={page}&pageSize={LIST_PAGE}"), NO_BODY)
}

pub const LIST_PAGE: u32 = 100;

pub fn conversation(id: Id) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::GET, format!("/api/conversations/{id}"), NO_BODY)
}

pub fn open_private(user_id: Id) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::POST, "/api/conversations/private".into(), Some(&CreatePrivateRequest { user_id }))
}

pub fn patch_conversation(id: Id, patch: &PatchConversationRequest) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::PATCH, format!("/api/conversations/{id}"), Some(patch))
}

pub fn history(id: Id, before: Option<Id>, page_size: u32) -> impl Future<Output = ApiResult<MessagePage>> {
    let mut path = format!("/api/conversations/{id}/messages?pageSize={page_size}");
    if let Some(b) = before {
        path.push_str(&format!("&beforeMessageId={b}"));
    }
    request(Method::GET, path, NO_BODY)
}

pub fn mark_read(id: Id) -> impl Future<Output = ApiResult<()>> {
    request(Method::PUT, format!("/api/conversations/{id}/read"), NO_BODY)
}

/// [`mark_read`] in a request that outlives the page (`keepalive`): for a tab that is closing.
/// Nothing waits for its answer.
pub fn mark_read_as_the_page_goes(id: Id) {
    let (Some(token), Some(window)) = (token(), web_sys::window()) else { return };
    let set = |o: &js_sys::Object, k: &str, v: &wasm_bindgen::JsValue| {
        let _ = js_sys::Reflect::set(o, &k.into(), v);
    };
    let headers = js_sys::Object::new();
    set(&headers, "Authorization", &format!("Bearer {token}").into());
    let init = js_sys::Object::new();
    set(&init, "method", &"PUT".into());
    set(&init, "keepalive", &true.into());
    set(&init, "headers", &headers);
    let init: web_sys::RequestInit = wasm_bindgen::JsCast::unchecked_into(init);
    let _ = window.fetch_with_str_and_init(&format!("/api/conversations/{id}/read"), &init);
}

pub fn search(keyword: &str) -> impl Future<Output = ApiResult<Vec<SearchHit>>> {
    let q: String = js_sys::encode_uri_component(keyword).into();
    request(Method::GET, format!("/api/conversations/search?keyword={q}"), NO_BODY)
}

pub fn send(req: &SendMessageRequest) -> impl Future<Output = ApiResult<Message>> {
    request(Method::POST, "/api/messages".into(), Some(req))
}

pub fn recall(message_id: Id) -> impl Future<Output = ApiResult<Message>> {
    request(Method::POST, format!("/api/messages/{message_id}/recall"), NO_BODY)
}

pub fn delete_for_me(message_id: Id) -> impl Future<Output = ApiResult<()>> {
    request(Method::DELETE, format!("/api/messages/{message_id}"), NO_BODY)
}

pub fn mark_unread(id: Id) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::PUT, format!("/api/conversations/{id}/unread"), NO_BODY)
}

pub fn create_group(name: &str, member_ids: Vec<Id>) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::POST, "/api/groups".into(), Some(&CreateGroupRequest { name: name.into(), member_ids }))
}

pub fn patch_group(id: Id, patch: &PatchGroupRequest) -> impl Future<Output = ApiResult<Conversation>> {
    request(Method::PATCH, format!("/api/groups/{id}"), Some(patch))
}

pub fn members(id: Id) -> impl Future<Output = ApiResult<Vec<GroupMember>>> {
    request(Method::GET, format!("/api/groups/{id}/members"), NO_BODY)
}

pub fn add_members(id: Id, user_ids: Vec<Id>) -> impl Future<Output = ApiResult<Vec<GroupMember>>> {
    request(Method::POST, format!("/api/groups/{id}/members"), Some(&AddMembersRequest { user_ids }))
}

pub fn remove_member(id: Id, user_id: Id) -> impl Future<Output = ApiResult<()>> {
    request(Method::DELETE, format!("/api/groups/{id}/members/{user_id}"), NO_BODY)
}

pub fn leave_group(id: Id) -> impl Future<Output = ApiResult<()>> {
    request(Method::POST, format!("/api/groups/{id}/leave"), NO_BODY)
}

/// Makes (`true`) or unmakes an admin; the members after.
pub fn set_admin(id: Id, user_id: Id, admin: bool) -> impl Future<Output = ApiResult<Vec<GroupMember>>> {
    let method = if admin { Method::PUT } else { Method::DELETE };
    request(method, format!("/api/groups/{id}/admins/{user_id}"), NO_BODY)
}

pub fn readers(message_id: Id) -> impl Future<Output = ApiResult<Vec<User>>> {
    request(Method::GET, format!("/api/messages/{message_id}/readers"), NO_BODY)
}

pub fn edit(message_id: Id, content: &str) -> impl Future<Output = ApiResult<Message>> {
    let body = EditMessageRequest { content: content.into() };
    request(Method::PATCH, format!("/api/messages/{message_id}"), Some(&body))
}

/// Gives (`add`) or takes back a reaction; the message's reactions after.
pub fn react(message_id: Id, emoji: &str, add: bool) -> impl Future<Output = ApiResult<ReactionsNotice>> {
    let method = if add { Method::PUT } else { Method::DELETE };
    let e: String = js_sys::encode_uri_component(emoji).into();
    request(method, format!("/api/messages/{message_id}/reactions/{e}"), NO_BODY)
}

pub fn emoji() -> impl Future<Output = ApiResult<Vec<EmojiEntry>>> {
    request(Method::GET, "/api/emoji".into(), NO_BODY)
}

pub fn forward(message_ids: Vec<Id>, conversation_ids: Vec<Id>) -> impl Future<Output = ApiResult<ForwardResult>> {
    request(Method::POST, "/api/messages/forward".into(), Some(&ForwardRequest { message_ids, conversation_ids }))
}

pub fn search_messages(q: &str, before: Option<Id>) -> impl Future<Output = ApiResult<MessageSearchPage>> {
    let q: String = js_sys::encode_uri_component(q).into();
    let mut path = format!("/api/messages/search?q={q}");
    if let Some(b) = before {
        path.push_str(&format!("&beforeMessageId={b}"));
    }
    request(Method::GET, path, NO_BODY)
}

pub fn presence(user_id: Id) -> impl Future<Output = ApiResult<Presence>> {
    request(Method::GET, format!("/api/users/{user_id}/presence"), NO_BODY)
}
