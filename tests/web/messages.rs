use confab::components::message::can_recall;
use confab::components::thread::ThreadView;
use confab::i18n::Lang;
use confab_api::{MessagePage, MessageStatus, RecalledNotice};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

fn thread_with(list: Vec<confab_api::Message>, lang: Lang) -> (web_sys::HtmlElement, confab::state::Store) {
    mount(
        lang,
        move |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "hi", 1.0)]);
            store.merge_history(1, MessagePage { total: list.len() as i64, list, has_more: false }, false);
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    )
}

fn open_menu(root: &web_sys::HtmlElement, message_id: i64) -> web_sys::HtmlElement {
    let msg = one(root, &format!(".msg[data-message-id='{message_id}']"));
    one(&msg, "button.more").click();
    msg
}

#[wasm_bindgen_test]
async fn recall_is_offered_inside_the_window_only() {
    let fresh = text_message(1, ME, "just sent", now() - 10_000.0);
    let old = text_message(2, ME, "long ago", now() - 3.0 * 60_000.0);
    let theirs = text_message(3, PEER, "not mine", now() - 5_000.0);
    assert!(can_recall(&fresh, ME, now()));
    assert!(!can_recall(&old, ME, now()));
    assert!(!can_recall(&theirs, ME, now()));
    let (root, _) = thread_with(vec![old, theirs, fresh], Lang::En);
    tick().await;
    let msg = open_menu(&root, 1);
    tick().await;
    assert!(msg.query_selector("[data-action='recall']").unwrap().is_some(), "recall offered inside the window");
    let msg = open_menu(&root, 2);
    tick().await;
    assert!(msg.query_selector("[data-action='recall']").unwrap().is_none(), "not offered after it");
    assert!(msg.query_selector("[data-action='delete']").unwrap().is_some());
    let msg = open_menu(&root, 3);
    tick().await;
    assert!(msg.query_selector("[data-action='recall']").unwrap().is_none(), "never on someone else's");
    // The menu is reachable by keyboard: the context-menu key opens it too.
    let bubble = one(&one(&root, ".msg[data-message-id='1']"), ".bubble");
    key_down(&bubble, "Escape", false, false);
    key_down(&bubble, "ContextMenu", false, false);
    tick().await;
    assert!(root.query_selector(".msg[data-message-id='1'] .menu").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn recalled_placeholder_for_both_sides() {
    let mine = text_message(1, ME, "oops", now() - 10_000.0);
    let theirs = text_message(2, PEER, "their oops", now() - 5_000.0);
    for (lang, you, they) in [
        (Lang::En, "You recalled a message", "Pat Peer recalled a message"),
        (Lang::Zh, "你撤回了一条消息", "Pat Peer 撤回了一条消息"),
    ] {
        let (root, store) = thread_with(vec![mine.clone(), theirs.clone()], lang);
        tick().await;
        store.recalled_texts.update(|t| {
            t.insert(1, "oops".into());
        });
        store.apply_recalled(&RecalledNotice { message_id: 1, conversation_id: 1 });
        store.apply_recalled(&RecalledNotice { message_id: 2, conversation_id: 1 });
        tick().await;
        let notices = texts(&root, ".msg-notice span");
        assert_eq!(notices, vec![you.to_string(), they.to_string()]);
        assert!(root.query_selector(".msg").unwrap().is_none(), "no bubble keeps the text");
        // Own recalled text can be put back into the composer.
        let edit: web_sys::HtmlElement = one(&root, ".msg-notice button").unchecked_into();
        edit.click();
        tick().await;
        assert_eq!(one(&root, "textarea").unchecked_into::<web_sys::HtmlTextAreaElement>().value(), "oops");
        let status = store.threads.with_untracked(|t| t[&1].items[0].message.status);
        assert_eq!(status, MessageStatus::Recalled);
    }
}

#[wasm_bindgen_test]
async fn delete_asks_for_confirmation_first() {
    let (root, _) = thread_with(vec![text_message(1, PEER, "keep or not", now())], Lang::En);
    tick().await;
    let msg = open_menu(&root, 1);
    tick().await;
    one(&msg, "[data-action='delete']").click();
    tick().await;
    let dialog = one(&root, "[role='alertdialog']");
    assert!(dialog.text_content().unwrap().contains("The other side keeps it"));
    assert_eq!(all(&root, ".msg").len(), 1, "nothing deleted before confirming");
    // Cancel keeps it.
    all(&dialog, "button")[0].click();
    tick().await;
    assert!(root.query_selector("[role='alertdialog']").unwrap().is_none());
    assert_eq!(all(&root, ".msg").len(), 1);
}

/// Times are written with one formatter per language and style, made once: each language keeps
/// its own form whatever was formatted before, in either order.
#[wasm_bindgen_test]
fn times_read_right_in_each_language_in_turn() {
    use confab::format::{clock, day_label};
    // 20 November 2026, 14:05 here; "now" a week later.
    let at = js_sys::Date::new_with_year_month_day_hr_min_sec(2026, 10, 20, 14, 5, 0).get_time();
    let later = at + 7.0 * 86_400_000.0;
    for _ in 0..2 {
        assert_eq!(clock(at, Lang::En), "14:05");
        assert_eq!(clock(at, Lang::Zh), "14:05");
        let en = day_label(at, later, Lang::En);
        let zh = day_label(at, later, Lang::Zh);
        assert!(en.contains("November") && en.contains("2026") && en.contains("Fri"), "{en}");
        assert!(zh.contains("2026年11月20日"), "{zh}");
    }
}
