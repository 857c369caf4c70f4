//! Inline SVG icons (no icon font, no emoji: the same on every machine).

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Pin,
    Unpin,
    Mute,
    Bell,
    Send,
    Attach,
    Back,
    More,
    Close,
    Download,
    Check,
    CheckDouble,
    Clock,
    Alert,
    Globe,
    SignOut,
    Users,
    Flame,
    NewGroup,
    Sparkle,
    Trash,
    Plus,
    Stop,
}

fn path(icon: Icon) -> &'static str {
    match icon {
        Icon::Pin => "M15 4l5 5-3 1-3 3 1 4-2 2-4-4-5 5-1-1 5-5-4-4 2-2 4 1 3-3z",
        Icon::Unpin => "M15 4l5 5-3 1-3 3 1 4-2 2-4-4-5 5-1-1 5-5-4-4 2-2 4 1 3-3zM3 3l18 18",
        Icon::Mute => "M6 8a6 6 0 0 1 10-4.5M18 11v3l2 3H7M10 21h4M3 3l18 18",
        Icon::Bell => "M6 8a6 6 0 0 1 12 0v6l2 3H4l2-3zM10 21h4",
        Icon::Send => "M4 12l16-8-6 16-3-6zM11 14l9-10",
        Icon::Attach => "M20 11l-8.5 8.5a5 5 0 0 1-7-7L13 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L14 7",
        Icon::Back => "M15 5l-7 7 7 7",
        Icon::More => "M5 12h.01M12 12h.01M19 12h.01",
        Icon::Close => "M6 6l12 12M18 6L6 18",
        Icon::Download => "M12 4v11M7 10l5 5 5-5M5 20h14",
        Icon::Check => "M5 12l5 5L20 7",
        Icon::CheckDouble => "M2 12l5 5L17 7M12 15l2 2L24 7",
        Icon::Clock => "M12 7v5l3 2M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
        Icon::Alert => "M12 8v5M12 16h.01M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z",
        Icon::Globe => "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18",
        Icon::SignOut => "M15 4h4v16h-4M10 8l-4 4 4 4M6 12h10",
        Icon::Users => {
            "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 12 0v1M16 3.5a4 4 0 0 1 0 7M18 14a5 5 0 0 1 4 5v2"
        }
        Icon::Flame => "M12 22a7 7 0 0 0 7-7c0-4-3-6-4-10-2 2-3 4-3 6-1-1-2-2-2-4-3 3-5 5-5 8a7 7 0 0 0 7 7z",
        Icon::NewGroup => "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21v-1a6 6 0 0 1 12 0v1M19 8v6M16 11h6",
        Icon::Sparkle => "M12 3l2 6 6 2-6 2-2 6-2-6-6-2 6-2zM19 3v4M17 5h4",
        Icon::Trash => "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
        Icon::Plus => "M12 5v14M5 12h14",
        Icon::Stop => "M7 7h10v10H7z",
    }
}

#[component]
pub fn Svg(icon: Icon) -> impl IntoView {
    view! {
        <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"
            fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <path d=path(icon) />
        </svg>
    }
}
