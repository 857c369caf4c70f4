//! Group rules: who may rename, add, remove, promote; ownership passing on; every change a
//! system message (structured, so each app words it in its own language) in the group's history.

use std::collections::BTreeSet;

use confab_api::{
    Conversation, CreateGroupRequest, Event, GroupMember, Id, NamedUser, PatchGroupRequest, SystemKind, SystemNotice,
    User,
};

use super::messages::to_api;
use super::text::clean_name;
use crate::error::{AppError, AppResult};
use crate::hub::Outbox;
use crate::store::groups::{self, Membership};
use crate::store::messages::{self, NewMessage};
use crate::store::{conversations, events, users, Conn};
use crate::time::now_ms;
use crate::AppState;

const MAX_ANNOUNCEMENT: usize = 2000;

fn not_found(cid: Id) -> AppError {
    AppError::not_found(format!("no group {cid}"))
}

/// The caller's place in the group: 404 for no such group or never a member, 403 after leaving.
async fn access(conn: &mut Conn, me: Id, cid: Id) -> AppResult<Membership> {
    if groups::kind(conn, cid).await?.as_deref() != Some("group") {
        return Err(not_found(cid));
    }
    let m = groups::membership(conn, cid, me).await?.ok_or_else(|| not_found(cid))?;
    if !m.active {
        return Err(AppError::forbidden("you are no longer a member of this group"));
    }
    Ok(m)
}

fn is_manager(m: &Membership) -> bool {
    m.role == "owner" || m.role == "admin"
}

fn group_name(raw: &str) -> AppResult<String> {
    // The limit holds for what was sent, as the schema says, and for what is left after cleaning.
    if raw.chars().count() > 64 {
        return Err(AppError::unprocessable("the group name must be at most 64 characters"));
    }
    let name = clean_name(raw);
    match name.chars().count() {
        0 => Err(AppError::unprocessable("the group name must not be empty")),
        n if n > 64 => Err(AppError::unprocessable("the group name must be at most 64 characters")),
        _ => Ok(name),
    }
}

async fn named(conn: &mut Conn, id: Id) -> AppResult<NamedUser> {
    let u = users::by_id(conn, id).await?.ok_or_else(|| AppError::unprocessable(format!("no user {id}")))?;
    Ok(NamedUser { user_id: u.user_id, name: u.display_name })
}

/// English words for a notice: the `content` older clients show; the app uses `system`.
fn fallback_text(n: &SystemNotice) -> String {
    let names = n.targets.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ");
    let text = n.text.as_deref().unwrap_or("");
    let actor = &n.actor_name;
    match n.kind {
        SystemKind::Created => format!("{actor} created the group {text}"),
        SystemKind::Added => format!("{actor} added {names}"),
        SystemKind::Removed => format!("{actor} removed {names}"),
        SystemKind::Left => format!("{actor} left"),
        SystemKind::Renamed => format!("{actor} renamed the group to {text}"),
        SystemKind::Announcement => format!("{actor} updated the announcement"),
        SystemKind::AdminAdded => format!("{actor} made {names} an admin"),
        SystemKind::AdminRemoved => format!("{actor} removed {names} as admin"),
        SystemKind::OwnerChanged => format!("{names} is now the owner"),
        SystemKind::BurnAfterReading if text.is_empty() => format!("{actor} turned off burn after reading"),
        SystemKind::BurnAfterReading => format!("{actor} turned on burn after reading ({text} s)"),
    }
}

/// One change in progress: its system messages and events, published after commit.
pub(super) struct Change {
    cid: Id,
    actor: NamedUser,
    now: i64,
    outbox: Outbox,
    /// Also told about the change though no longer members (removed, left).
    also: Vec<Id>,
}

impl Change {
    pub(super) async fn new(conn: &mut Conn, me: Id, cid: Id) -> AppResult<Change> {
        Ok(Change { cid, actor: named(conn, me).await?, now: now_ms(), outbox: Outbox::default(), also: Vec::new() })
    }

    /// Stores a system message and sends it to the members (and `also`); returns its id.
    pub(super) async fn notice(
        &mut self,
        state: &AppState,
        conn: &mut Conn,
        kind: SystemKind,
        targets: Vec<NamedUser>,
        text: Option<String>,
    ) -> AppResult<Id> {
        let notice =
            SystemNotice { kind, actor_id: self.actor.user_id, actor_name: self.actor.name.clone(), targets, text };
        let data = serde_json::to_string(&notice).map_err(|_| AppError::internal())?;
        let content = fallback_text(&notice);
        let id = messages::insert(
            conn,
            &NewMessage {
                conversation_id: self.cid,
                sender_id: self.actor.user_id,
                receiver_id: 0,
                message_type: "system",
                content: &content,
                file: None,
                client_msg_id: None,
                created_at: self.now,
                at_user_ids: &[],
                at_all: false,
                system_data: Some(&data),
                burn_duration: Some(0),
                reply: None,
            },
        )
        .await?;
        for member in self.audience(conn).await? {
            let row = messages::get(conn, member, id).await?.ok_or_else(AppError::internal)?;
            let event = Event::NewMessage(to_api(state, &row));
            self.outbox.push(member, events::append(conn, member, event, self.now).await?);
        }
        Ok(id)
    }

    async fn audience(&self, conn: &mut Conn) -> AppResult<BTreeSet<Id>> {
        let mut all: BTreeSet<Id> = conversations::member_ids(conn, self.cid).await?.into_iter().collect();
        all.extend(&self.also);
        Ok(all)
    }

    /// Everyone concerned gets the conversation as they now see it; then commit and publish.
    pub(super) async fn finish(mut self, state: &AppState, mut tx: crate::store::Tx<'_>) -> AppResult<()> {
        for member in self.audience(&mut tx).await? {
            if let Some(view) = conversations::get(&mut tx, member, self.cid).await? {
                let event = Event::ConversationUpdated(view);
                self.outbox.push(member, events::append(&mut tx, member, event, self.now).await?);
            }
        }
        tx.commit().await?;
        state.hub.publish(self.outbox);
        Ok(())
    }
}

/// Checks a list of people to add: they exist, are not `me`, and appear once.
async fn people(conn: &mut Conn, me: Id, ids: &[Id]) -> AppResult<Vec<NamedUser>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for &id in ids {
        if id == me || !seen.insert(id) {
            continue;
        }
        out.push(named(conn, id).await?);
    }
    Ok(out)
}

pub async fn create(state: &AppState, me: Id, req: CreateGroupRequest) -> AppResult<Conversation> {
    let name = group_name(&req.name)?;
    let limit = state.config.max_group_members;
    if req.member_ids.len() >= limit {
        return Err(AppError::unprocessable(format!("a group has at most {limit} members")));
    }
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let others = people(&mut tx, me, &req.member_ids).await?;
    if others.len() + 1 > limit {
        return Err(AppError::unprocessable(format!("a group has at most {limit} members")));
    }
    let mut change = Change::new(&mut tx, me, 0).await?;
    change.cid = groups::create(&mut tx, &name, change.now).await?;
    groups::add_member(&mut tx, change.cid, me, "owner", change.now).await?;
    for u in &others {
        groups::add_member(&mut tx, change.cid, u.user_id, "member", change.now).await?;
    }
    change.notice(state, &mut tx, SystemKind::Created, others, Some(name)).await?;
    let cid = change.cid;
    let view = conversations::get(&mut tx, me, cid).await?.ok_or_else(AppError::internal)?;
    change.finish(state, tx).await?;
    Ok(view)
}

pub async fn members(state: &AppState, me: Id, cid: Id) -> AppResult<Vec<GroupMember>> {
    let mut conn = state.store.reader().await?;
    access(&mut conn, me, cid).await?;
    Ok(groups::members(&mut conn, cid).await?)
}

pub async fn patch(state: &AppState, me: Id, cid: Id, req: PatchGroupRequest) -> AppResult<Conversation> {
    let name = req.name.as_deref().map(group_name).transpose()?;
    let announcement = req.announcement.as_deref().map(str::trim).map(str::to_string);
    if announcement.as_ref().is_some_and(|a| a.chars().count() > MAX_ANNOUNCEMENT) {
        return Err(AppError::unprocessable(format!("the announcement must be at most {MAX_ANNOUNCEMENT} characters")));
    }
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let m = access(&mut tx, me, cid).await?;
    if !is_manager(&m) {
        return Err(AppError::forbidden("only the owner and admins can change the group's name or announcement"));
    }
    let mut change = Change::new(&mut tx, me, cid).await?;
    if let Some(name) = name {
        groups::rename(&mut tx, cid, &name).await?;
        change.notice(state, &mut tx, SystemKind::Renamed, Vec::new(), Some(name)).await?;
    }
    if let Some(text) = announcement {
        groups::set_announcement(&mut tx, cid, &text).await?;
        change.notice(state, &mut tx, SystemKind::Announcement, Vec::new(), None).await?;
        groups::flag_announcement(&mut tx, cid, me).await?;
    }
    let view = conversations::get(&mut tx, me, cid).await?.ok_or_else(AppError::internal)?;
    change.finish(state, tx).await?;
    Ok(view)
}

pub async fn add(state: &AppState, me: Id, cid: Id, ids: &[Id]) -> AppResult<Vec<GroupMember>> {
    if ids.is_empty() {
        return Err(AppError::unprocessable("userIds must name at least one person"));
    }
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let m = access(&mut tx, me, cid).await?;
    if !is_manager(&m) {
        return Err(AppError::forbidden("only the owner and admins can add members"));
    }
    let current: BTreeSet<Id> = conversations::member_ids(&mut tx, cid).await?.into_iter().collect();
    let new: Vec<NamedUser> =
        people(&mut tx, me, ids).await?.into_iter().filter(|u| !current.contains(&u.user_id)).collect();
    let limit = state.config.max_group_members;
    if current.len() + new.len() > limit {
        return Err(AppError::unprocessable(format!("a group has at most {limit} members")));
    }
    if new.is_empty() {
        return Ok(groups::members(&mut tx, cid).await?);
    }
    let mut change = Change::new(&mut tx, me, cid).await?;
    for u in &new {
        groups::add_member(&mut tx, cid, u.user_id, "member", change.now).await?;
    }
    change.notice(state, &mut tx, SystemKind::Added, new, None).await?;
    let list = groups::members(&mut tx, cid).await?;
    change.finish(state, tx).await?;
    Ok(list)
}

pub async fn remove(state: &AppState, me: Id, cid: Id, user: Id) -> AppResult<()> {
    if user == me {
        return Err(AppError::unprocessable("to leave a group, use leave"));
    }
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let m = access(&mut tx, me, cid).await?;
    let target = groups::membership(&mut tx, cid, user)
        .await?
        .filter(|t| t.active)
        .ok_or_else(|| AppError::not_found(format!("user {user} is not in this group")))?;
    let allowed = m.role == "owner" || (m.role == "admin" && target.role == "member");
    if !allowed {
        return Err(AppError::forbidden(if m.role == "member" {
            "only the owner and admins can remove members"
        } else {
            "admins can remove members, not the owner or other admins"
        }));
    }
    let mut change = Change::new(&mut tx, me, cid).await?;
    let who = named(&mut tx, user).await?;
    // The removed member sees their own removal, and nothing after it.
    change.also.push(user);
    let notice = change.notice(state, &mut tx, SystemKind::Removed, vec![who], None).await?;
    groups::remove_member(&mut tx, cid, user, notice).await?;
    change.finish(state, tx).await
}

pub async fn leave(state: &AppState, me: Id, cid: Id) -> AppResult<()> {
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let m = access(&mut tx, me, cid).await?;
    let mut change = Change::new(&mut tx, me, cid).await?;
    change.also.push(me);
    let notice = change.notice(state, &mut tx, SystemKind::Left, Vec::new(), None).await?;
    groups::remove_member(&mut tx, cid, me, notice).await?;
    if m.role == "owner" {
        if let Some(next) = groups::successor(&mut tx, cid, me).await? {
            groups::set_role(&mut tx, cid, next, "owner").await?;
            let who = named(&mut tx, next).await?;
            change.notice(state, &mut tx, SystemKind::OwnerChanged, vec![who], None).await?;
        }
    }
    change.finish(state, tx).await
}

pub async fn set_admin(state: &AppState, me: Id, cid: Id, user: Id, admin: bool) -> AppResult<Vec<GroupMember>> {
    let mut conn = state.store.writer().await?;
    let mut tx = crate::store::begin(&mut conn).await?;
    let m = access(&mut tx, me, cid).await?;
    if m.role != "owner" {
        return Err(AppError::forbidden("only the owner can make or unmake admins"));
    }
    let target = groups::membership(&mut tx, cid, user)
        .await?
        .filter(|t| t.active)
        .ok_or_else(|| AppError::not_found(format!("user {user} is not in this group")))?;
    if target.role == "owner" {
        return Err(AppError::unprocessable("the owner is not an admin"));
    }
    let wanted = if admin { "admin" } else { "member" };
    if target.role != wanted {
        let mut change = Change::new(&mut tx, me, cid).await?;
        groups::set_role(&mut tx, cid, user, wanted).await?;
        let who = named(&mut tx, user).await?;
        let kind = if admin { SystemKind::AdminAdded } else { SystemKind::AdminRemoved };
        change.notice(state, &mut tx, kind, vec![who], None).await?;
        let list = groups::members(&mut tx, cid).await?;
        change.finish(state, tx).await?;
        return Ok(list);
    }
    Ok(groups::members(&mut tx, cid).await?)
}

/// Who has read one of the caller's messages (any member who can see it may ask).
pub async fn readers(state: &AppState, me: Id, message_id: Id) -> AppResult<Vec<User>> {
    let mut conn = state.store.reader().await?;
    let row = super::messages::visible_message(&mut conn, me, message_id).await?;
    Ok(groups::readers(&mut conn, row.conversation_id, message_id, row.sender_id).await?)
}

/// Checks a send's @mentions and, once the message exists, records them for those mentioned.
pub struct Mentions {
    ids: Vec<Id>,
    all: bool,
}

impl Mentions {
    /// `atUserIds` must be members now, `atAll` needs the owner or an admin, and only groups
    /// have mentions at all.
    pub async fn check(conn: &mut Conn, me: Id, cid: Id, ids: &[Id], all: bool) -> AppResult<Mentions> {
        if ids.is_empty() && !all {
            return Ok(Mentions { ids: Vec::new(), all: false });
        }
        if groups::kind(conn, cid).await?.as_deref() != Some("group") {
            return Err(AppError::unprocessable("@mentions are for groups"));
        }
        let m = access(conn, me, cid).await?;
        if all && !is_manager(&m) {
            return Err(AppError::forbidden("only the owner and admins can @mention everyone"));
        }
        let members: BTreeSet<Id> = conversations::member_ids(conn, cid).await?.into_iter().collect();
        let mut seen = BTreeSet::new();
        for &id in ids {
            if !members.contains(&id) {
                return Err(AppError::unprocessable(format!("atUserIds: user {id} is not in this group")));
            }
            seen.insert(id);
        }
        Ok(Mentions { ids: seen.into_iter().collect(), all })
    }

    pub fn ids(&self) -> &[Id] {
        &self.ids
    }

    pub fn all(&self) -> bool {
        self.all
    }

    pub async fn record(&self, conn: &mut Conn, me: Id, cid: Id, message_id: Id) -> sqlx::Result<()> {
        if self.all {
            groups::mention_all(conn, cid, me, message_id).await?;
        }
        for &member in self.ids.iter().filter(|m| **m != me) {
            groups::mention(conn, cid, member, message_id, 1).await?;
        }
        Ok(())
    }
}
