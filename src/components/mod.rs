//! One file per component.

pub mod assistant;
pub mod avatar;
pub mod banner;
pub mod composer;
pub mod conversation_list;
pub mod dialog;
pub mod emoji;
pub mod file_card;
pub mod forward;
pub mod icons;
pub mod members;
pub mod message;
pub mod new_group;
pub mod people_picker;
pub mod search;
pub mod sessions;
pub mod shortcuts;
pub mod thread;
pub mod uploads;
pub mod viewer;

use leptos::prelude::*;

use crate::i18n::{text, use_i18n, K};

/// English ⇄ 简体中文; the choice is remembered.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        // Reactive by itself, wherever it is placed.
        <button type="button" class="lang-switch" lang=move || i18n.0.get().other().code()
            aria-label=move || text(i18n.0.get(), K::SwitchLanguageLabel)
            on:click=move |_| crate::set_language(i18n.0, i18n.lang().other())>
            {move || text(i18n.0.get(), K::SwitchLanguage)}
        </button>
    }
}

/// Esc closes a dialog wherever focus is (a removed row can take focus away with it).
pub fn close_on_escape(on_close: Callback<()>) {
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" {
            on_close.run(());
        }
    });
    on_cleanup(move || handle.remove());
}

/// A row of a keyed list: its key (a changed key rebuilds the row) and how to draw it.
pub struct Keyed {
    pub key: String,
    pub view: Box<dyn FnOnce() -> AnyView + Send>,
}

/// What a keyed list shows, worked out again when what it reads changes.
pub type KeyedRows = Box<dyn Fn() -> Vec<Keyed> + Send>;

/// Leptos's keyed `<For>` with one set of types for every list in the app: each `<For>` with
/// its own item and closure types compiles its own copy of the keyed diff (several KB of wasm).
#[component]
pub fn KeyedList(rows: KeyedRows) -> impl IntoView {
    view! { <For each=rows key=|row: &Keyed| row.key.clone() children=|row: Keyed| (row.view)() /> }
}
