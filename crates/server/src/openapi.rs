//! `GET /api/openapi.json`: every endpoint, generated from the handlers' annotations.
//! Every JSON response is wrapped in the envelope `{code, message, data}`; the bodies below are `data`.

use axum::response::IntoResponse;
use axum::Json;
use serde_json::{json, Value};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        // Seed 003's clients send the same token in a `token` header.
        components.add_security_scheme("token", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("token"))));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Confab API", description = "Chat over REST + WebSocket. Every JSON response is an envelope {code, message, data}; the schemas shown are `data`."),
    modifiers(&BearerAuth),
    paths(
        routes::auth::health_route, routes::auth::ready_route, routes::auth::register_route, routes::auth::login_route,
        routes::auth::logout_route, routes::auth::logout_all_route, routes::auth::sessions_route,
        routes::auth::end_session_route, routes::auth::me_route,
        routes::conversations::list_route, routes::conversations::get_route,
        routes::conversations::open_private_route, routes::conversations::patch_route,
        routes::conversations::read_route, routes::conversations::unread_route, routes::conversations::search_route,
        routes::conversations::unread_count_route,
        routes::messages::history_route, routes::messages::send_route,
        routes::messages::recall_route, routes::messages::delete_route,
        routes::everyday::edit_route, routes::everyday::versions_route, routes::everyday::react_route,
        routes::everyday::unreact_route, routes::everyday::emoji_route, routes::everyday::forward_route,
        routes::everyday::search_route, routes::everyday::presence_route,
        routes::files::upload_route, routes::files::info_route, routes::files::download_route,
        routes::ws::chat_route,
        routes::groups::create_route, routes::groups::patch_route, routes::groups::members_route,
        routes::groups::add_route, routes::groups::remove_route, routes::groups::leave_route,
        routes::groups::make_admin_route, routes::groups::unmake_admin_route, routes::groups::readers_route,
        routes::assistant::list_route, routes::assistant::history_route, routes::assistant::delete_route,
        routes::assistant::chat_route,
        routes::compat::seed001::conversations_route, routes::compat::seed001::history_route,
        routes::compat::seed001::open_private_route, routes::compat::seed001::send_route,
        routes::compat::seed001::recall_route, routes::compat::seed001::delete_route,
        routes::compat::yunhu::dismiss_route, routes::compat::yunhu::list_route, routes::compat::yunhu::sort_change_route,
        routes::compat::ai::list_route, routes::compat::ai::history_route, routes::compat::ai::delete_route,
        routes::compat::ai::chat_route,
        routes::compat::openim::get_conversations_route, routes::compat::openim::get_conversation_route,
        routes::compat::openim::set_conversation_route, routes::compat::openim::batch_set_route,
        routes::compat::openim::set_recv_opt_route, routes::compat::openim::get_all_opts_route,
        routes::compat::openim::get_opts_route, routes::compat::openim::set_private_route,
        routes::compat::openim::set_burn_route, routes::compat::openim::total_unread_route,
    ),
    components(schemas(crate::error::ErrorEnvelope, confab_api::SystemNotice, confab_api::SystemKind, confab_api::NamedUser, confab_api::AtData, confab_api::GroupRole, confab_api::AuthSession, confab_api::Event, confab_api::RecalledNotice, confab_api::ReadReceipt, confab_api::DeletedNotice, confab_api::BurnedNotice, confab_api::AiSessionGone, confab_api::AiMessage, confab_api::AiRole, confab_api::AiReplyStatus, confab_api::ReplyPreview, confab_api::Reaction, confab_api::EditedNotice, confab_api::ReactionsNotice, confab_api::TypingNotice, confab_api::PresenceNotice, confab_api::LiveEvent))
)]
pub struct ApiDoc;

pub async fn openapi_route() -> impl IntoResponse {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    Json(DOC.get_or_init(document).clone())
}

/// The document as served: the handlers' annotations say what `data` is; this adds what every
/// endpoint shares, in one place — the envelope around every JSON body, and the error
/// statuses the common machinery answers (bad JSON, auth, sizes, rates).
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("serializes");
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return doc };
    for (path, item) in paths.iter_mut() {
        // Seed 003's paths have that document's own `{code, msg}` shape, documented by hand;
        // its list's protobuf body is bytes.
        if path.starts_with("/v1/") {
            if let Some(proto) = item.pointer_mut("/post/responses/200/content/application~1x-protobuf") {
                *proto = json!({"schema": {"type": "string", "format": "binary"}});
            }
            continue;
        }
        let Some(item) = item.as_object_mut() else { continue };
        // Seed 002's (OpenIM's) paths: `{errCode, errMsg, data}`.
        let shape = if path.starts_with("/conversation/") { Shape::OpenIm } else { Shape::Confab };
        for (method, op) in item.iter_mut() {
            if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                continue;
            }
            add_shared_errors(path, method, op, shape);
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { continue };
            for (status, response) in responses.iter_mut() {
                wrap_in_envelope(status, response, shape);
            }
        }
    }
    doc
}

/// Which envelope a path answers in.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// `{code, message, data}`, `code` the HTTP status.
    Confab,
    /// OpenIM's `{errCode, errMsg, data}`, `errCode` 0 for success.
    OpenIm,
}

fn error_response(description: &str, shape: Shape) -> Value {
    let schema = match shape {
        Shape::Confab => json!({"$ref": "#/components/schemas/ErrorEnvelope"}),
        Shape::OpenIm => json!({
            "type": "object",
            "required": ["errCode", "errMsg", "data"],
            "properties": {"errCode": {"type": "integer", "minimum": 1}, "errMsg": {"type": "string"}, "data": {"type": "null"}},
        }),
    };
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn add_shared_errors(path: &str, method: &str, op: &mut Value, shape: Shape) {
    let secured = op.get("security").is_some();
    let has_body = op.get("requestBody").is_some();
    let has_params = op.get("parameters").and_then(Value::as_array).is_some_and(|p| !p.is_empty());
    // Per-address limits, and per-account ones on every change a signed-in caller asks for.
    let limited =
        matches!(path, "/api/auth/login" | "/api/auth/register" | "/api/files") || (secured && method != "get");
    let hashes = matches!(path, "/api/auth/login" | "/api/auth/register");
    let mut shared: Vec<(&str, &str)> =
        vec![("414", "the request URL is too long"), ("431", "the request headers are too large")];
    if has_body || has_params {
        shared.push(("400", "malformed JSON, or a parameter of the wrong type"));
        shared.push(("422", "a value breaks a rule; the message says which"));
    }
    if has_body {
        shared.push(("413", "the body is too large"));
        shared.push(("415", "the body is not of the declared type"));
    }
    if secured {
        shared.push(("401", "missing, invalid, expired or signed-out token"));
        shared.push(("403", "not allowed for the caller"));
    }
    if path.contains('{') || (secured && has_body) {
        shared.push(("404", "no such item (or person), or not visible to the caller"));
    }
    if limited {
        shared.push(("429", "too many requests; see Retry-After"));
    }
    if hashes {
        shared.push(("503", "the server is busy; see Retry-After"));
    }
    if method == "get" && path == "/api/ws/chat" {
        shared.push(("400", "not a WebSocket upgrade, or a bad sinceSeq"));
    }
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else { return };
    for (status, description) in shared {
        responses.entry(status.to_string()).or_insert_with(|| error_response(description, shape));
    }
}

/// Every JSON answer is `{code, message, data}` with `code` equal to the status.
fn wrap_in_envelope(status: &str, response: &mut Value, shape: Shape) {
    let Some(code) = status.parse::<u16>().ok().filter(|c| *c != 101) else { return };
    let Some(response) = response.as_object_mut() else { return };
    if code >= 400 {
        let description = response.get("description").and_then(Value::as_str).unwrap_or("").to_string();
        *response = error_response(&description, shape).as_object().cloned().unwrap_or_default();
        return;
    }
    let content = response.entry("content").or_insert_with(|| json!({}));
    let Some(content) = content.as_object_mut() else { return };
    if content.keys().any(|k| k != "application/json") {
        return; // a download: the bytes themselves
    }
    let data = content
        .get("application/json")
        .and_then(|c| c.get("schema"))
        .cloned()
        .unwrap_or_else(|| json!({"type": "null"}));
    let envelope = match shape {
        Shape::Confab => json!({
            "type": "object",
            "required": ["code", "message", "data"],
            "properties": {"code": {"type": "integer", "enum": [code]}, "message": {"type": "string"}, "data": data},
        }),
        Shape::OpenIm => json!({
            "type": "object",
            "required": ["errCode", "errMsg", "data"],
            "properties": {"errCode": {"type": "integer", "enum": [0]}, "errMsg": {"type": "string"}, "data": data},
        }),
    };
    content.insert("application/json".into(), json!({ "schema": envelope }));
}
