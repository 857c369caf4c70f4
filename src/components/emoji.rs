//! The emoji picker: the quick row, then every emoji of the Unicode list (fetched from the server
//! once, when first opened), searchable by name.

use leptos::prelude::*;

use crate::i18n::{use_i18n, K};
use crate::state::everyday::QUICK_EMOJI;
use crate::state::use_store;

/// Emoji drawn at once at most (searching narrows the rest down).
const SHOWN: usize = 240;

/// The emoji whose name contains every word typed (ASCII case folding), in the list's order.
pub fn matching<'a>(list: &'a [confab_api::EmojiEntry], query: &str) -> Vec<&'a str> {
    let words: Vec<String> = query.split_whitespace().map(str::to_ascii_lowercase).collect();
    list.iter()
        .filter(|e| words.iter().all(|w| e.name.to_ascii_lowercase().contains(w.as_str()) || e.emoji == *w))
        .map(|e| e.emoji.as_str())
        .take(SHOWN)
        .collect()
}

#[component]
pub fn EmojiPicker(#[prop(into)] on_pick: Callback<String>, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    store.load_emoji();
    let query = RwSignal::new(String::new());
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(dialog);
    let input = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    super::close_on_escape(on_done);
    let pick = move |e: String| {
        on_pick.run(e);
        on_done.run(());
    };
    let button = move |e: String| {
        let label = e.clone();
        view! { <button type="button" class="emoji-btn" aria-label=label.clone() title=label on:click=move |_| pick(e.clone())>{e.clone()}</button> }
    };
    view! {
        <div class="modal-backdrop" on:click=move |_| on_done.run(())>
            <div class="modal sheet emoji-picker" role="dialog" aria-modal="true" aria-label=i18n.t(K::React)
                node_ref=dialog on:keydown=trap on:click=|ev| ev.stop_propagation()>
                <div class="quick-reactions">{QUICK_EMOJI.iter().map(|e| button(e.to_string())).collect_view()}</div>
                <label class="sr-only" for="emoji-search">{i18n.t(K::EmojiSearch)}</label>
                <input id="emoji-search" type="search" autocomplete="off" node_ref=input placeholder=i18n.t(K::EmojiSearch)
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                <div class="emoji-grid" role="group" aria-label=i18n.t(K::MoreEmoji)>
                    {move || store.daily.emoji.with(|list| list.as_ref().map(|list| {
                        let found: Vec<String> = query.with(|q| matching(list, q).into_iter().map(str::to_string).collect());
                        if found.is_empty() {
                            view! { <p class="empty">{i18n.t(K::EmojiNone)}</p> }.into_any()
                        } else {
                            found.into_iter().map(button).collect_view().into_any()
                        }
                    }))}
                </div>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_done.run(())>{i18n.t(K::Cancel)}</button>
                </div>
            </div>
        </div>
    }
}
