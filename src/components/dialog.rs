//! What every dialog does with focus: it starts inside, Tab and Shift+Tab stay inside, and when
//! the dialog closes focus goes back to what opened it (WAI-ARIA's modal dialog pattern).

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

const FOCUSABLE: &str =
    "button:not([disabled]), input:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex='-1'])";

fn active_element() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.active_element()
}

fn focusable(root: &HtmlElement) -> Vec<HtmlElement> {
    let Ok(list) = root.query_selector_all(FOCUSABLE) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.unchecked_into()).collect()
}

/// Traps focus in the dialog `root`; returns its keydown handler (for Tab).
pub fn trap_focus(root: NodeRef<leptos::html::Div>) -> impl Fn(web_sys::KeyboardEvent) + Copy + 'static {
    let opener = StoredValue::new_local(active_element());
    // Starts inside, unless the dialog already put focus somewhere in it.
    Effect::new(move |_| {
        let Some(el) = root.get() else { return };
        let inside = active_element().is_some_and(|a| el.contains(Some(&a)));
        if !inside {
            if let Some(first) = focusable(&el).first() {
                let _ = first.focus();
            }
        }
    });
    on_cleanup(move || {
        if let Some(Some(el)) = opener.try_get_value() {
            if el.is_connected() {
                let _ = el.unchecked_into::<HtmlElement>().focus();
            }
        }
    });
    move |ev: web_sys::KeyboardEvent| {
        if ev.key() != "Tab" {
            return;
        }
        let Some(el) = root.get_untracked() else { return };
        let items = focusable(&el);
        let (Some(first), Some(last)) = (items.first(), items.last()) else {
            ev.prevent_default();
            return;
        };
        let active = active_element();
        let at = |e: &HtmlElement| active.as_ref().is_some_and(|a| a == e.unchecked_ref::<web_sys::Element>());
        if ev.shift_key() && (at(first) || active.is_none()) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && at(last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    }
}

/// "Are you sure?" with Cancel and a red action: Esc, a click outside or Cancel close it;
/// focus starts on the action.
#[component]
pub fn Confirm(
    text: String,
    action: &'static str,
    #[prop(into)] on_confirm: Callback<()>,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let confirm = NodeRef::<leptos::html::Button>::new();
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = trap_focus(dialog);
    Effect::new(move |_| {
        if let Some(b) = confirm.get() {
            let _ = b.focus();
        }
    });
    view! {
        <div class="modal-backdrop" on:click=move |_| on_done.run(())>
            <div class="modal" role="alertdialog" aria-modal="true" aria-labelledby="confirm-text" node_ref=dialog
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev| if ev.key() == "Escape" { on_done.run(()) } else { trap(ev) }>
                <p id="confirm-text">{text}</p>
                <div class="modal-actions">
                    <button type="button" class="btn" on:click=move |_| on_done.run(())>{i18n.t(crate::i18n::K::Cancel)}</button>
                    <button type="button" class="btn danger" node_ref=confirm on:click=move |_| {
                        on_confirm.run(());
                        on_done.run(());
                    }>{action}</button>
                </div>
            </div>
        </div>
    }
}
