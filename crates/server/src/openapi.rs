//! `GET /api/openapi.json`: every endpoint, generated from the handlers' annotations.
//! Every JSON response is wrapped in the envelope `{code, message, data}`; the bodies below are `data`.

use axum::response::IntoResponse;
use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Confab API", description = "Chat over REST + WebSocket. Every JSON response is an envelope {code, message, data}; the schemas shown are `data`."),
    modifiers(&BearerAuth),
    paths(
        routes::auth::health_route, routes::auth::register_route, routes::auth::login_route,
        routes::auth::logout_route, routes::auth::me_route,
        routes::conversations::list_route, routes::conversations::get_route,
        routes::conversations::open_private_route, routes::conversations::patch_route,
        routes::conversations::read_route, routes::conversations::search_route,
        routes::conversations::unread_count_route,
        routes::messages::history_route, routes::messages::send_route,
        routes::messages::recall_route, routes::messages::delete_route,
        routes::files::upload_route, routes::files::info_route, routes::files::download_route,
        routes::ws::chat_route,
    ),
    components(schemas(confab_api::Event, confab_api::RecalledNotice, confab_api::ReadReceipt, confab_api::DeletedNotice))
)]
pub struct ApiDoc;

pub async fn openapi_route() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}
