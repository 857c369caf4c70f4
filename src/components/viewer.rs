use confab_api::FileInfo;
use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::i18n::{fill, use_i18n, K};

/// The full image over the page; Esc, the close button or a click outside leave it.
#[component]
pub fn ImageViewer(file: FileInfo, #[prop(into)] on_close: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let close_btn = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = close_btn.get() {
            let _ = b.focus();
        }
    });
    let name = file.file_name.clone();
    view! {
        <div class="viewer" role="dialog" aria-modal="true" aria-label=name.clone()
            on:click=move |_| on_close.run(())
            on:keydown=move |ev| {
                if ev.key() == "Escape" {
                    ev.prevent_default();
                    on_close.run(());
                } else if ev.key() == "Tab" {
                    // The close button is the only stop: keep focus inside the dialog.
                    ev.prevent_default();
                }
            }>
            <img src=file.file_url.clone() alt=fill(i18n.t(K::ImageAlt), &[("name", &name)]) on:click=|ev| ev.stop_propagation() />
            <button type="button" class="viewer-close icon-btn" node_ref=close_btn aria-label=i18n.t(K::Close)
                on:click=move |ev| { ev.stop_propagation(); on_close.run(()) }>
                <Svg icon=Icon::Close />
            </button>
        </div>
    }
}
