//! "Forward to…": pick conversations (filtered by name) and send them copies of the messages.

use confab_api::{Id, Message};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::avatar::Avatar;
use crate::i18n::{use_i18n, K};
use crate::state::use_store;

#[component]
pub fn ForwardDialog(messages: Vec<Message>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let filter = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<Id>::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(dialog);
    super::close_on_escape(on_done);
    let ids: Vec<Id> = messages.iter().map(|m| m.message_id).collect();
    let send = move || {
        let targets = chosen.get_untracked();
        if targets.is_empty() || busy.get_untracked() {
            return;
        }
        busy.set(true);
        let ids = ids.clone();
        spawn_local(async move {
            match crate::api::forward(ids, targets).await {
                Ok(_) => {
                    store.announcement.set(i18n.t(K::Forwarded).to_string());
                    on_done.run(());
                }
                Err(e) => {
                    error.set(if e.message.is_empty() { i18n.t(K::ErrorGeneric).into() } else { e.message });
                    busy.set(false);
                }
            }
        });
    };
    let send = StoredValue::new(send);
    let targets = move || {
        let q = filter.get().to_ascii_lowercase();
        store.conversations.with(|list| {
            list.iter()
                .filter(|c| !c.is_not_in_group && c.target_user_name.to_ascii_lowercase().contains(&q))
                .take(50)
                .map(|c| (c.conversation_id, c.target_user_name.clone(), c.target_user_avatar.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| on_done.run(())>
            <div class="modal sheet" role="dialog" aria-modal="true" aria-labelledby="forward-title"
                node_ref=dialog on:keydown=trap on:click=|ev| ev.stop_propagation()>
                <form class="sheet-form" on:submit=move |ev| { ev.prevent_default(); send.with_value(|f| f()); }>
                    <h2 id="forward-title">{i18n.t(K::ForwardTo)}</h2>
                    <label class="sr-only" for="forward-filter">{i18n.t(K::ForwardFilter)}</label>
                    <input id="forward-filter" type="search" autocomplete="off" placeholder=i18n.t(K::ForwardFilter)
                        prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
                    <ul class="forward-targets">
                        {move || targets().into_iter().map(|(cid, name, avatar)| {
                            let checked = move || chosen.with(|c| c.contains(&cid));
                            view! {
                                <li>
                                    <label class="forward-target">
                                        <input type="checkbox" prop:checked=checked on:change=move |_| {
                                            crate::state::edit(chosen, Box::new(move |c| {
                                                if let Some(i) = c.iter().position(|x| *x == cid) { c.remove(i); } else { c.push(cid); }
                                            }));
                                        } />
                                        <Avatar name=name.clone() url=avatar small=true />
                                        <span>{name.clone()}</span>
                                    </label>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <p class="form-error" role="alert">{move || error.get()}</p>
                    <div class="modal-actions">
                        <button type="button" class="btn" on:click=move |_| on_done.run(())>{i18n.t(K::Cancel)}</button>
                        <button type="submit" class="btn primary" disabled=move || chosen.with(Vec::is_empty) || busy.get()>
                            {i18n.t(K::Forward)}
                        </button>
                    </div>
                </form>
            </div>
        </div>
    }
}
