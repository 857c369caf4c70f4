use confab_api::{Conversation, GroupMember, GroupRole, Id, PatchConversationRequest, PatchGroupRequest, SearchHit};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::avatar::Avatar;
use super::icons::{Icon, Svg};
use super::people_picker::PeoplePicker;
use crate::api;
use crate::format::duration_label;
use crate::i18n::{use_i18n, K};
use crate::state::use_store;

/// What the viewer (`mine`) may do to a member (`theirs`): (remove, make or unmake admin).
pub fn allowed(mine: Option<GroupRole>, theirs: GroupRole) -> (bool, bool) {
    match (mine, theirs) {
        (Some(GroupRole::Owner), GroupRole::Owner) => (false, false),
        (Some(GroupRole::Owner), _) => (true, true),
        (Some(GroupRole::Admin), GroupRole::Member) => (true, false),
        _ => (false, false),
    }
}

fn role_label(role: GroupRole) -> Option<K> {
    match role {
        GroupRole::Owner => Some(K::Owner),
        GroupRole::Admin => Some(K::Admin),
        GroupRole::Member => None,
    }
}

/// The members panel: roles; add, remove, make admin, rename for those who may; leave.
#[component]
pub fn MembersPanel(id: Id, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let error = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<SearchHit>::new());
    let confirm_leave = RwSignal::new(false);
    // Fresh each time the panel opens.
    store.load_members(id);
    let conversation = Memo::new(move |_| store.conversation(id));
    let my_role = move || conversation.with(|c| c.as_ref().and_then(|c| c.my_role));
    let manager = move || matches!(my_role(), Some(GroupRole::Owner | GroupRole::Admin));
    let members = move || store.members.with(|m| m.get(&id).cloned().unwrap_or_default());
    let name = RwSignal::new(store.conversation_now(id).map(|c| c.target_user_name).unwrap_or_default());
    let me = store.my_id();
    let report = move |r: Result<(), String>| {
        error.set(match r {
            Ok(()) => String::new(),
            Err(e) if e.is_empty() => i18n.t(K::ErrorGeneric).into(),
            Err(e) => e,
        })
    };
    let announcement = RwSignal::new(store.conversation_now(id).map(|c| c.announcement).unwrap_or_default());
    let save = move |patch: PatchGroupRequest| spawn_local(async move { report(store.patch_group(id, patch).await) });
    let rename = move || save(PatchGroupRequest { name: Some(name.get_untracked()), announcement: None });
    let announce = move || save(PatchGroupRequest { name: None, announcement: Some(announcement.get_untracked()) });
    let add = move || {
        let ids: Vec<Id> = picked.get_untracked().into_iter().map(|p| p.user_id).collect();
        spawn_local(async move {
            let r = store.change_members(id, api::add_members(id, ids)).await;
            if r.is_ok() {
                picked.set(Vec::new());
            }
            report(r);
        });
    };
    let leave = move || {
        spawn_local(async move {
            let r = store.leave_group(id).await;
            if r.is_ok() {
                on_close.run(());
            }
            report(r);
        });
    };
    let row = move |u: GroupMember| {
        let (can_remove, can_promote) = allowed(my_role(), u.role);
        let uid = u.user_id;
        let is_admin = u.role == GroupRole::Admin;
        view! {
            <li class="member" data-user-id=uid>
                <Avatar name=u.display_name.clone() url=u.avatar.clone() small=true />
                <span class="member-name">{u.display_name.clone()}{(uid == me).then(|| format!(" ({})", i18n.t(K::You)))}</span>
                {role_label(u.role).map(|k| view! { <span class="role">{i18n.t(k)}</span> })}
                <span class="member-actions">
                    {(can_promote && uid != me).then(|| view! {
                        <button type="button" class="link-btn" on:click=move |_| {
                            spawn_local(async move { report(store.change_members(id, api::set_admin(id, uid, !is_admin)).await) });
                        }>{i18n.t(if is_admin { K::UnmakeAdmin } else { K::MakeAdmin })}</button>
                    })}
                    {(can_remove && uid != me).then(|| view! {
                        <button type="button" class="link-btn danger" on:click=move |_| {
                            spawn_local(async move { report(store.remove_member(id, uid).await) });
                        }>{i18n.t(K::RemoveMember)}</button>
                    })}
                </span>
            </li>
        }
    };
    super::close_on_escape(on_close);
    let panel = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(panel);
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div class="modal sheet members-panel" role="dialog" aria-modal="true" aria-labelledby="members-title"
                node_ref=panel on:keydown=trap on:click=|ev| ev.stop_propagation()>
                <header class="sheet-header">
                    <h2 id="members-title">{i18n.t(K::Members)}</h2>
                    <button type="button" class="icon-btn" aria-label=i18n.t(K::Close) on:click=move |_| on_close.run(())>
                        <Svg icon=Icon::Close />
                    </button>
                </header>
                {move || manager().then(|| view! {
                    <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); rename(); }>
                        <label for="rename-group">{i18n.t(K::GroupName)}</label>
                        <input id="rename-group" maxlength="64" prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                        <button type="submit" class="btn">{i18n.t(K::Rename)}</button>
                    </form>
                })}
                {move || if manager() {
                    view! {
                        <form class="inline-form" on:submit=move |ev| { ev.prevent_default(); announce(); }>
                            <label for="group-announcement">{i18n.t(K::Announcement)}</label>
                            <textarea id="group-announcement" rows="2" maxlength="2000" prop:value=move || announcement.get()
                                on:input=move |ev| announcement.set(event_target_value(&ev))></textarea>
                            <button type="submit" class="btn">{i18n.t(K::Save)}</button>
                        </form>
                    }.into_any()
                } else {
                    conversation.with(|c| c.as_ref().map(|c| c.announcement.clone()).filter(|a| !a.is_empty())).map(|a| view! {
                        <section class="announcement" aria-label=i18n.t(K::Announcement)>
                            <h3>{i18n.t(K::Announcement)}</h3>
                            <p>{a}</p>
                        </section>
                    }).into_any()
                }}
                <ul class="member-list">{move || members().into_iter().map(row).collect_view()}</ul>
                {move || manager().then(|| view! {
                    <form class="add-members" on:submit=move |ev| { ev.prevent_default(); add(); }>
                        <PeoplePicker picked=picked input_id="add-people"
                            exclude=Signal::derive(move || members().iter().map(|m| m.user_id).collect()) />
                        <button type="submit" class="btn" disabled=move || picked.with(Vec::is_empty)>{i18n.t(K::AddPeople)}</button>
                    </form>
                })}
                <p class="form-error" role="alert">{move || error.get()}</p>
                {move || if confirm_leave.get() {
                    view! {
                        <div class="confirm" role="alertdialog" aria-labelledby="leave-text">
                            <p id="leave-text">{i18n.t(K::ConfirmLeave)}</p>
                            <div class="modal-actions">
                                <button type="button" class="btn" on:click=move |_| confirm_leave.set(false)>{i18n.t(K::Cancel)}</button>
                                <button type="button" class="btn danger" on:click=move |_| leave()>{i18n.t(K::Leave)}</button>
                            </div>
                        </div>
                    }.into_any()
                } else {
                    view! { <button type="button" class="btn danger leave" on:click=move |_| confirm_leave.set(true)>{i18n.t(K::Leave)}</button> }.into_any()
                }}
            </div>
        </div>
    }
}

/// Burn after reading in a one-to-one chat's header: off, or how long a read message lives.
#[component]
pub fn BurnSetting(c: Conversation) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let open = RwSignal::new(false);
    let id = c.conversation_id;
    let current = c.burn_duration;
    let burn_class = if current > 0 { "icon-btn on" } else { "icon-btn" };
    let pick = move |secs: i64| {
        let patch = PatchConversationRequest {
            is_private_chat: Some(secs > 0),
            burn_duration: (secs > 0).then_some(secs),
            ..Default::default()
        };
        store.patch(id, patch);
        open.set(false);
    };
    view! {
        <div class="burn-setting" on:keydown=move |ev| if ev.key() == "Escape" { open.set(false) }>
            <button type="button" class=burn_class aria-haspopup="menu"
                aria-expanded=move || open.get().to_string() aria-label=i18n.t(K::BurnAfterReading)
                title=i18n.t(K::BurnAfterReading) on:click=move |_| crate::state::toggle(open)>
                <Svg icon=Icon::Flame />
                {(current > 0).then(|| view! { <span class="burn-value">{duration_label(current, i18n.lang())}</span> })}
            </button>
            {move || open.get().then(|| view! {
                <div class="menu" role="menu" aria-label=i18n.t(K::BurnAfterReading)>
                    {[0i64, 10, 30, 60, 300].into_iter().map(|secs| {
                        let label = if secs == 0 { i18n.t(K::BurnOff).to_string() } else { duration_label(secs, i18n.lang()) };
                        view! {
                            <button type="button" role="menuitemradio" aria-checked=(secs == current).to_string()
                                on:click=move |_| pick(secs)>{label}</button>
                        }
                    }).collect_view()}
                </div>
            })}
        </div>
    }
}
