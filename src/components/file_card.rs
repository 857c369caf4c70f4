use confab_api::FileInfo;
use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::format::{human_size, middle_ellipsis, FileKind};
use crate::i18n::{fill, use_i18n, K};

/// A file message: type icon, name (shortened in the middle), size, and a download that keeps the name.
#[component]
pub fn FileCard(file: FileInfo) -> impl IntoView {
    let i18n = use_i18n();
    let kind = FileKind::of(&file.file_type, &file.file_name);
    let short = middle_ellipsis(&file.file_name, 36);
    let name = file.file_name.clone();
    view! {
        <div class="file-card" data-kind=kind.class()>
            <span class=format!("file-icon {}", kind.class()) aria-hidden="true">{kind.label(&file.file_name)}</span>
            <span class="file-meta">
                <span class="file-name" title=file.file_name.clone()>{short}</span>
                <span class="file-size">{human_size(file.file_size)}</span>
            </span>
            <a class="icon-btn file-download" href=file.file_url.clone() download=file.file_name.clone()
                aria-label=move || fill(i18n.t(K::Download), &[("name", &name)])>
                <Svg icon=Icon::Download />
            </a>
        </div>
    }
}

/// Display size within 280×320, never upscaled, at least 48 px (integers: no float formatting).
pub fn fit(w: u32, h: u32) -> (u32, u32) {
    let (w, h) = (w as u64, h as u64);
    // scale = min(280/w, 320/h, 1) as a fraction num/den.
    let (num, den) = if 280 * h <= 320 * w { (280, w) } else { (320, h) };
    let (num, den) = if num >= den { (1, 1) } else { (num, den) };
    let dw = ((w * num + den / 2) / den).max(48);
    let dh = ((h * num + den / 2) / den).max(48);
    (dw as u32, dh as u32)
}

/// An image message: its box has the image's aspect ratio before it loads (no jump), loaded lazily.
#[component]
pub fn ImageThumb(file: FileInfo, #[prop(into)] on_open: Callback<FileInfo>) -> impl IntoView {
    let i18n = use_i18n();
    let (w, h) = (file.width.unwrap_or(4).max(1), file.height.unwrap_or(3).max(1));
    let (dw, dh) = fit(w, h);
    let name = file.file_name.clone();
    let alt = fill(i18n.t(K::ImageAlt), &[("name", &name)]);
    let label = fill(i18n.t(K::ViewImage), &[("name", &name)]);
    let f = file.clone();
    view! {
        <button type="button" class="image-thumb" aria-label=label
            style=format!("width: {dw}px; aspect-ratio: {w} / {h}")
            on:click=move |_| on_open.run(f.clone())>
            <img src=file.file_url.clone() alt=alt loading="lazy" decoding="async" width=dw height=dh />
        </button>
    }
}
