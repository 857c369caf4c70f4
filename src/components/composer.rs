use confab_api::{Id, PatchConversationRequest, MAX_TEXT_CHARS};
use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::i18n::{fill, use_i18n, K};
use crate::state::use_store;

/// Characters left before the counter shows.
const SHOW_COUNTER_WITHIN: usize = 500;
/// Quiet time before a draft is saved to the server.
const DRAFT_DELAY_MS: u32 = 700;

/// Whether a keydown in the composer should send: Enter alone, never while an input
/// method is composing (Chinese, Japanese…), never with Shift.
pub fn enter_sends(key: &str, shift: bool, composing: bool, key_code: u32) -> bool {
    key == "Enter" && !shift && !composing && key_code != 229
}

/// Whether this text may be sent.
pub fn sendable(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_TEXT_CHARS
}

#[component]
pub fn Composer(
    #[prop(into)] conversation_id: Signal<Id>,
    /// Sends the text (the app's optimistic send; tests pass their own).
    #[prop(into)]
    on_send: Callback<String>,
    /// Files chosen or pasted.
    #[prop(into)]
    on_files: Callback<Vec<web_sys::File>>,
) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    let edits = StoredValue::new(0u32);

    let resize = move || {
        if let Some(el) = area.get_untracked() {
            let style = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).style();
            let _ = style.set_property("height", "auto");
            let _ = style.set_property("height", &format!("{}px", el.scroll_height().min(200)));
        }
    };

    // Switching conversations (or the list arriving after a reload) restores the draft;
    // later list updates must not overwrite what is being typed.
    Effect::new(move |_| {
        let id = conversation_id.get();
        store.list_loaded.track();
        let draft = store.conversation_now(id).map(|c| c.draft_text).unwrap_or_default();
        text.set(draft);
        edits.set_value(0);
        request_animation_frame(resize);
    });
    // "Edit again" after a recall puts the text back.
    Effect::new(move |_| {
        if let Some((id, t)) = store.composer_refill.get() {
            if id == conversation_id.get_untracked() {
                text.set(t);
                store.composer_refill.set(None);
                if let Some(el) = area.get_untracked() {
                    let _ = el.focus();
                }
                request_animation_frame(resize);
            }
        }
    });

    let save_draft_later = move |id: Id| {
        let n = edits.get_value() + 1;
        edits.set_value(n);
        gloo_timers::callback::Timeout::new(DRAFT_DELAY_MS, move || {
            if edits.get_value() != n || conversation_id.get_untracked() != id {
                return;
            }
            // Whitespace is not a draft.
            let current = text.get_untracked();
            let current = if current.trim().is_empty() { String::new() } else { current };
            let saved = store.conversation_now(id).map(|c| c.draft_text).unwrap_or_default();
            if current != saved {
                store.patch(id, PatchConversationRequest { draft_text: Some(current), ..Default::default() });
            }
        })
        .forget();
    };

    let send = move || {
        let t = text.get_untracked();
        if !sendable(&t) {
            return;
        }
        let id = conversation_id.get_untracked();
        on_send.run(t);
        text.set(String::new());
        edits.update_value(|n| *n += 1);
        if store.conversation_now(id).is_some_and(|c| !c.draft_text.is_empty()) {
            store.patch(id, PatchConversationRequest { draft_text: Some(String::new()), ..Default::default() });
        }
        request_animation_frame(resize);
    };

    let count = Memo::new(move |_| text.with(|t| t.chars().count()));
    let over = move || count.get().saturating_sub(MAX_TEXT_CHARS);
    let can_send = move || text.with(|t| sendable(t));

    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="icon-btn attach" title=i18n.t(K::Attach)>
                <span class="sr-only">{i18n.t(K::Attach)}</span>
                <input type="file" multiple class="sr-only" on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    if let Some(list) = input.files() {
                        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
                        if !files.is_empty() { on_files.run(files); }
                    }
                    input.set_value("");
                } />
                <Svg icon=Icon::Attach />
            </label>
            <textarea
                node_ref=area
                rows="1"
                aria-label=i18n.t(K::MessageLabel)
                aria-describedby="composer-count"
                placeholder=i18n.t(K::MessagePlaceholder)
                prop:value=move || text.get()
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    resize();
                    save_draft_later(conversation_id.get_untracked());
                }
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if enter_sends(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    }
                }
                on:paste=move |ev: web_sys::ClipboardEvent| {
                    let files: Vec<web_sys::File> = ev.clipboard_data().and_then(|d| d.files())
                        .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
                    if !files.is_empty() {
                        ev.prevent_default();
                        on_files.run(files);
                    }
                }
            ></textarea>
            <span id="composer-count" class="counter" class:over=move || { count.get() > MAX_TEXT_CHARS } aria-live="polite">
                {move || {
                    let n = count.get();
                    if over() > 0 {
                        fill(i18n.t(K::TooLong), &[("n", &over().to_string())])
                    } else if n + SHOW_COUNTER_WITHIN > MAX_TEXT_CHARS {
                        format!("{n}/{MAX_TEXT_CHARS}")
                    } else {
                        String::new()
                    }
                }}
            </span>
            <button type="submit" class="send" disabled=move || !can_send() aria-label=i18n.t(K::Send) title=i18n.t(K::Send)>
                <Svg icon=Icon::Send />
            </button>
        </form>
    }
}
