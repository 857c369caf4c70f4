use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::format::human_size;
use crate::i18n::{fill, use_i18n, K};
use crate::state::use_store;

/// Files on their way up in this conversation: progress, cancel, or why one was refused.
#[component]
pub fn UploadList(#[prop(into)] conversation_id: Signal<confab_api::Id>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let items = move || {
        store.uploads.get().into_iter().filter(|u| u.conversation_id == conversation_id.get()).collect::<Vec<_>>()
    };
    view! {
        <ul class="uploads">
            {move || items().into_iter().map(|u| {
                let id = u.id;
                let has_error = u.error.is_some();
                let label = fill(i18n.t(K::Uploading), &[("name", &u.name)]);
                view! {
                    <li class="upload" class:error=has_error>
                        <span class="upload-name">{u.name.clone()}</span>
                        <span class="upload-size">{human_size(u.size)}</span>
                        {match u.error.clone() {
                            Some(e) => view! { <span class="upload-error" role="alert">{e}</span> }.into_any(),
                            None => view! { <progress max="100" value=(u.progress * 100.0) as u32 aria-label=label></progress> }.into_any(),
                        }}
                        <button type="button" class="icon-btn" aria-label=i18n.t(if has_error { K::Close } else { K::CancelUpload })
                            on:click=move |_| store.cancel_upload(id)>
                            <Svg icon=Icon::Close />
                        </button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}
