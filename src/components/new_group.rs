use confab_api::SearchHit;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::people_picker::PeoplePicker;
use crate::i18n::{use_i18n, K};
use crate::state::use_store;

/// "New group": a name, people picked by search, create; the group opens.
#[component]
pub fn NewGroupDialog(#[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let name = RwSignal::new(String::new());
    let picked = RwSignal::new(Vec::<SearchHit>::new());
    let error = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let name_input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = name_input.get() {
            let _ = el.focus();
        }
    });
    let ready = move || !name.with(|n| n.trim().is_empty()) && !picked.with(Vec::is_empty) && !busy.get();
    let create = move || {
        if !ready() {
            return;
        }
        busy.set(true);
        let ids = picked.get_untracked().into_iter().map(|p| p.user_id).collect();
        spawn_local(async move {
            match store.create_group(name.get_untracked(), ids).await {
                Ok(id) => {
                    on_close.run(());
                    crate::router::navigate(&format!("/c/{id}"));
                }
                Err(e) => {
                    error.set(if e.message.is_empty() { i18n.t(K::ErrorGeneric).into() } else { e.message });
                    busy.set(false);
                }
            }
        });
    };
    super::close_on_escape(on_close);
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(dialog);
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div class="modal sheet" role="dialog" aria-modal="true" aria-labelledby="new-group-title"
                node_ref=dialog on:keydown=trap on:click=|ev| ev.stop_propagation()>
            <form class="sheet-form" on:submit=move |ev| { ev.prevent_default(); create(); }>
                <h2 id="new-group-title">{i18n.t(K::NewGroup)}</h2>
                <label for="group-name">{i18n.t(K::GroupName)}</label>
                <input id="group-name" node_ref=name_input maxlength="64" autocomplete="off"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                <PeoplePicker picked=picked input_id="group-people" />
                <p class="form-error" role="alert">{move || error.get()}</p>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_close.run(())>{i18n.t(K::Cancel)}</button>
                    <button type="submit" class="btn primary" disabled=move || !ready()>{i18n.t(K::Create)}</button>
                </div>
            </form>
            </div>
        </div>
    }
}
