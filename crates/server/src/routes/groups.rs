//! Group endpoints: create, members, rename and announcement, add, remove, leave, admins; and
//! who has read a message.

use axum::extract::State;
use axum::response::Response;
use confab_api::{AddMembersRequest, Conversation, CreateGroupRequest, GroupMember, Id, PatchGroupRequest, User};

use super::AuthUser;
use crate::error::{created, ok, ApiJson, ApiPath, AppResult};
use crate::service::groups;
use crate::AppState;

/// POST /api/groups
#[utoipa::path(post, path = "/api/groups", tag = "groups", security(("bearer" = [])), request_body = CreateGroupRequest,
    responses((status = 201, body = Conversation, description = "the group, with the caller as owner")))]
pub async fn create_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiJson(req): ApiJson<CreateGroupRequest>,
) -> AppResult<Response> {
    Ok(created(groups::create(&state, caller.user.user_id, req).await?))
}

/// PATCH /api/groups/{conversationId}
#[utoipa::path(patch, path = "/api/groups/{conversationId}", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), request_body = PatchGroupRequest,
    responses((status = 200, body = Conversation), (status = 403, description = "not the owner or an admin, or no longer a member")))]
pub async fn patch_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(cid): ApiPath<Id>,
    ApiJson(req): ApiJson<PatchGroupRequest>,
) -> AppResult<Response> {
    Ok(ok(groups::patch(&state, caller.user.user_id, cid, req).await?))
}

/// GET /api/groups/{conversationId}/members
#[utoipa::path(get, path = "/api/groups/{conversationId}/members", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), responses((status = 200, body = Vec<GroupMember>)))]
pub async fn members_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(cid): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(groups::members(&state, caller.user.user_id, cid).await?))
}

/// POST /api/groups/{conversationId}/members
#[utoipa::path(post, path = "/api/groups/{conversationId}/members", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path)), request_body = AddMembersRequest,
    responses((status = 200, body = Vec<GroupMember>, description = "the members after adding")))]
pub async fn add_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(cid): ApiPath<Id>,
    ApiJson(req): ApiJson<AddMembersRequest>,
) -> AppResult<Response> {
    Ok(ok(groups::add(&state, caller.user.user_id, cid, &req.user_ids).await?))
}

/// DELETE /api/groups/{conversationId}/members/{userId}
#[utoipa::path(delete, path = "/api/groups/{conversationId}/members/{userId}", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path), ("userId" = i64, Path)),
    responses((status = 200, description = "removed: they keep the history up to now and get nothing newer")))]
pub async fn remove_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((cid, user)): ApiPath<(Id, Id)>,
) -> AppResult<Response> {
    groups::remove(&state, caller.user.user_id, cid, user).await?;
    Ok(ok(()))
}

/// POST /api/groups/{conversationId}/leave
#[utoipa::path(post, path = "/api/groups/{conversationId}/leave", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path)),
    responses((status = 200, description = "left; an owner's role passes to the longest-standing admin, else member")))]
pub async fn leave_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(cid): ApiPath<Id>,
) -> AppResult<Response> {
    groups::leave(&state, caller.user.user_id, cid).await?;
    Ok(ok(()))
}

/// PUT /api/groups/{conversationId}/admins/{userId}
#[utoipa::path(put, path = "/api/groups/{conversationId}/admins/{userId}", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path), ("userId" = i64, Path)),
    responses((status = 200, body = Vec<GroupMember>), (status = 403, description = "not the owner")))]
pub async fn make_admin_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((cid, user)): ApiPath<(Id, Id)>,
) -> AppResult<Response> {
    Ok(ok(groups::set_admin(&state, caller.user.user_id, cid, user, true).await?))
}

/// DELETE /api/groups/{conversationId}/admins/{userId}
#[utoipa::path(delete, path = "/api/groups/{conversationId}/admins/{userId}", tag = "groups", security(("bearer" = [])),
    params(("conversationId" = i64, Path), ("userId" = i64, Path)),
    responses((status = 200, body = Vec<GroupMember>), (status = 403, description = "not the owner")))]
pub async fn unmake_admin_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath((cid, user)): ApiPath<(Id, Id)>,
) -> AppResult<Response> {
    Ok(ok(groups::set_admin(&state, caller.user.user_id, cid, user, false).await?))
}

/// GET /api/messages/{messageId}/readers
#[utoipa::path(get, path = "/api/messages/{messageId}/readers", tag = "messages", security(("bearer" = [])),
    params(("messageId" = i64, Path)), responses((status = 200, body = Vec<User>, description = "members who have read it")))]
pub async fn readers_route(
    State(state): State<AppState>,
    caller: AuthUser,
    ApiPath(message_id): ApiPath<Id>,
) -> AppResult<Response> {
    Ok(ok(groups::readers(&state, caller.user.user_id, message_id).await?))
}
