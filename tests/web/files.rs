use confab::components::file_card::{fit, FileCard, ImageThumb};
use confab::format::{human_size, middle_ellipsis, FileKind};
use confab::i18n::Lang;
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

#[wasm_bindgen_test]
fn sizes_read_like_people_write_them() {
    assert_eq!(human_size(0), "0 B");
    assert_eq!(human_size(1023), "1023 B");
    assert_eq!(human_size(1024), "1 KB");
    assert_eq!(human_size(1536), "1.5 KB");
    assert_eq!(human_size(1_572_864), "1.5 MB");
    assert_eq!(human_size(25 * 1024 * 1024), "25 MB");
    assert_eq!(human_size(200 * 1024), "200 KB");
}

#[wasm_bindgen_test]
async fn a_card_for_each_kind_of_file() {
    let cases = [
        ("report.pdf", "application/pdf", "pdf"),
        ("letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "doc"),
        ("budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "sheet"),
        ("photos.zip", "application/zip", "archive"),
        ("song.mp3", "audio/mpeg", "audio"),
        ("clip.mp4", "video/mp4", "video"),
        ("data.bin", "application/octet-stream", "other"),
    ];
    for (name, mime, kind) in cases {
        assert_eq!(FileKind::of(mime, name).class(), kind, "{name}");
        let f = file(name, mime, 1_572_864);
        let (root, _) = mount(Lang::En, |_| {}, move || view! { <FileCard file=f /> });
        tick().await;
        let card = one(&root, ".file-card");
        assert_eq!(card.get_attribute("data-kind").as_deref(), Some(kind));
        assert_eq!(texts(&root, ".file-name"), vec![name]);
        assert_eq!(texts(&root, ".file-size"), vec!["1.5 MB"]);
        let link = one(&root, "a.file-download");
        assert_eq!(link.get_attribute("download").as_deref(), Some(name), "saves under the original name");
        assert_eq!(link.get_attribute("aria-label"), Some(format!("Download {name}")));
    }
}

#[wasm_bindgen_test]
async fn long_names_are_shortened_in_the_middle_keeping_the_extension() {
    let long = format!("{}.pdf", "quarterly-report-".repeat(12).chars().take(196).collect::<String>());
    assert_eq!(long.chars().count(), 200);
    let short = middle_ellipsis(&long, 36);
    assert_eq!(short.chars().count(), 36);
    assert!(short.ends_with(".pdf") && short.contains('…') && short.starts_with("quarterly-report"));
    let f = file(&long, "application/pdf", 0);
    let (root, _) = mount(Lang::En, |_| {}, move || view! { <FileCard file=f /> });
    tick().await;
    assert_eq!(texts(&root, ".file-name"), vec![short]);
    assert_eq!(one(&root, ".file-name").get_attribute("title"), Some(long), "the full name on hover");
    assert_eq!(texts(&root, ".file-size"), vec!["0 B"]);
}

#[wasm_bindgen_test]
async fn images_keep_their_aspect_ratio_before_loading() {
    assert_eq!(fit(4000, 3000), (280, 210));
    assert_eq!(fit(1000, 4000), (80, 320));
    assert_eq!(fit(100, 50), (100, 50), "never upscaled");
    let mut f = file("wide.png", "image/png", 2048);
    f.width = Some(1600);
    f.height = Some(900);
    let (root, _) = mount(Lang::En, |_| {}, move || view! { <ImageThumb file=f on_open=Callback::new(|_| {}) /> });
    tick().await;
    let img = one(&root, "img");
    assert_eq!(img.get_attribute("loading").as_deref(), Some("lazy"));
    assert_eq!(
        (img.get_attribute("width").as_deref(), img.get_attribute("height").as_deref()),
        (Some("280"), Some("158"))
    );
    let button = one(&root, "button.image-thumb");
    assert!(button.get_attribute("style").unwrap().contains("aspect-ratio: 1600 / 900"));
    assert_eq!(button.get_attribute("aria-label").as_deref(), Some("Open image wide.png"));
}
