use leptos::prelude::*;

use crate::format::{avatar_colour, initials};

/// A picture, or the person's initials on a colour of their own.
#[component]
pub fn Avatar(
    #[prop(into)] name: Signal<String>,
    #[prop(into, optional)] url: Signal<String>,
    #[prop(optional)] small: bool,
) -> impl IntoView {
    view! {
        <span
            class="avatar"
            class:small=small
            aria-hidden="true"
            style=move || format!("--avatar-bg: {}", avatar_colour(&name.get()))
        >
            {move || {
                let u = url.get();
                if u.is_empty() {
                    initials(&name.get()).into_any()
                } else {
                    view! { <img src=u alt="" loading="lazy" /> }.into_any()
                }
            }}
        </span>
    }
}
