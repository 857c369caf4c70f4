//! The assistant's calls. A reply is read with `fetch` streaming: each piece is handed on as it
//! arrives, not when the whole answer is in.

use std::future::Future;

use confab_api::{AiChatRequest, AiDeleted, AiHistory, AiSession, Utf8Pieces};
use gloo_net::http::Method;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::client::{fetch, refusal, request, retry_after, ApiError, ApiResult, NO_BODY};

pub fn ai_sessions() -> impl Future<Output = ApiResult<Vec<AiSession>>> {
    request(Method::GET, "/api/chat/sessions".into(), NO_BODY)
}

pub fn ai_history(session_id: &str) -> impl Future<Output = ApiResult<AiHistory>> {
    request(Method::GET, format!("/api/chat/sessions/{session_id}/messages"), NO_BODY)
}

pub fn ai_delete(session_id: &str) -> impl Future<Output = ApiResult<AiDeleted>> {
    request(Method::DELETE, format!("/api/chat/sessions/{session_id}"), NO_BODY)
}

/// Asks the assistant; `on_piece` gets the reply's text piece by piece. Ends `Ok` when the
/// reply is complete; an error with status 0 when the connection failed or the reply broke
/// part-way (or `abort` fired), else the server's refusal.
pub async fn ai_chat(
    session_id: &str,
    req: &AiChatRequest,
    abort: &web_sys::AbortSignal,
    mut on_piece: impl FnMut(String),
) -> ApiResult<()> {
    let body = serde_json::to_string(req).unwrap_or_default();
    let path = format!("/api/chat/sessions/{session_id}/chat");
    let response = fetch(Method::POST, &path, Some(body), Some(abort)).await?;
    let status = response.status();
    if !(200..300).contains(&status) {
        let retry = retry_after(&response);
        let text = response.text().await.unwrap_or_default();
        return Err(refusal(status, retry, &text));
    }
    let reader: web_sys::ReadableStreamDefaultReader =
        response.body().ok_or_else(ApiError::network)?.get_reader().unchecked_into();
    let mut text = Utf8Pieces::default();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(|_| ApiError::network())?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
        if done {
            break;
        }
        let bytes = js_sys::Reflect::get(&chunk, &"value".into())
            .map(|v| v.unchecked_into::<js_sys::Uint8Array>().to_vec())
            .unwrap_or_default();
        let piece = text.push(&bytes);
        if !piece.is_empty() {
            on_piece(piece);
        }
    }
    let rest = text.finish();
    if !rest.is_empty() {
        on_piece(rest);
    }
    Ok(())
}
