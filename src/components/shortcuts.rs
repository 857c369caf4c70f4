//! Keyboard shortcuts: `?` anywhere outside a text field lists them; the notification offer.

use leptos::prelude::*;

use crate::i18n::{use_i18n, K};
use crate::state::everyday::{answer_notification_offer, should_offer_notifications};
use crate::state::use_store;

/// The keys and what they do, in the help dialog's order.
pub const SHORTCUTS: [(&str, K); 6] = [
    ("Enter", K::KeySend),
    ("Shift + Enter", K::KeyNewline),
    ("↑", K::KeyEditLast),
    ("Esc", K::KeyCancel),
    ("Shift + F10", K::KeyMenu),
    ("?", K::KeyHelp),
];

/// Whether a key press belongs to a text field (where `?` is just a character).
fn typing_into(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(t).ok())
        .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable())
}

/// Listens for `?` and shows the help dialog while asked.
#[component]
pub fn ShortcutsHelp() -> impl IntoView {
    let store = use_store();
    let open = store.daily.help_open;
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "?" && !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key() && !typing_into(&ev) {
            ev.prevent_default();
            open.set(true);
        }
    });
    on_cleanup(move || handle.remove());
    move || open.get().then(|| view! { <HelpDialog on_done=Callback::new(move |_| open.set(false)) /> })
}

#[component]
fn HelpDialog(#[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<leptos::html::Div>::new();
    let trap = super::dialog::trap_focus(dialog);
    super::close_on_escape(on_done);
    view! {
        <div class="modal-backdrop" on:click=move |_| on_done.run(())>
            <div class="modal sheet" role="dialog" aria-modal="true" aria-labelledby="help-title"
                node_ref=dialog on:keydown=trap on:click=|ev| ev.stop_propagation()>
                <h2 id="help-title">{i18n.t(K::Shortcuts)}</h2>
                <dl class="shortcuts">
                    {SHORTCUTS.iter().map(|(keys, what)| view! {
                        <dt><kbd>{*keys}</kbd></dt>
                        <dd>{i18n.t(*what)}</dd>
                    }).collect_view()}
                </dl>
                <div class="modal-actions">
                    <button type="button" class="btn primary" on:click=move |_| on_done.run(())>{i18n.t(K::Close)}</button>
                </div>
            </div>
        </div>
    }
}

/// Once, explained: would the person like notifications while Confab is in the background?
#[component]
pub fn NotificationOffer() -> impl IntoView {
    let i18n = use_i18n();
    let shown = RwSignal::new(should_offer_notifications());
    let answer = move |yes: bool| answer_notification_offer(yes, move || shown.set(false));
    move || {
        shown.get().then(|| view! {
            <div class="notify-offer" role="region" aria-label=i18n.t(K::NotifyOn)>
                <p>{i18n.t(K::NotifyAsk)}</p>
                <div class="notify-actions">
                    <button type="button" class="btn" on:click=move |_| { shown.set(false); answer(false); }>{i18n.t(K::NotifyLater)}</button>
                    <button type="button" class="btn primary" on:click=move |_| answer(true)>{i18n.t(K::NotifyOn)}</button>
                </div>
            </div>
        })
    }
}
