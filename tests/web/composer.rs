use std::sync::{Arc, Mutex};

use confab::components::composer::{enter_sends, Composer};
use confab::i18n::Lang;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

fn mount_composer() -> (web_sys::HtmlElement, Arc<Mutex<Vec<String>>>) {
    let sent = Arc::new(Mutex::new(Vec::new()));
    let log = sent.clone();
    let (root, _) = mount(
        Lang::En,
        |store| store.set_conversations(vec![conversation(1, "Ann", "hi", 1.0)]),
        move || {
            let log = log.clone();
            let on_send = Callback::new(move |(t, _, _): (String, Vec<i64>, bool)| log.lock().unwrap().push(t));
            view! { <Composer conversation_id=Signal::derive(|| 1) on_send=on_send on_files=Callback::new(|_| {}) /> }
        },
    );
    (root, sent)
}

#[wasm_bindgen_test]
async fn enter_sends_shift_enter_and_composition_do_not() {
    let (root, sent) = mount_composer();
    tick().await;
    let area = one(&root, "textarea");
    let button: web_sys::HtmlButtonElement = one(&root, "button.send").unchecked_into();
    assert!(button.disabled(), "nothing to send yet");

    set_input(&area, "你好");
    tick().await;
    assert!(!button.disabled());
    // Enter while an input method is composing picks a candidate; it must not send.
    key_down(&area, "Enter", false, true);
    tick().await;
    assert!(sent.lock().unwrap().is_empty());
    // Shift+Enter is a new line.
    key_down(&area, "Enter", true, false);
    tick().await;
    assert!(sent.lock().unwrap().is_empty());
    // Enter sends, and the box empties.
    let not_prevented = key_down(&area, "Enter", false, false);
    tick().await;
    assert!(!not_prevented, "Enter's newline is suppressed when it sends");
    assert_eq!(*sent.lock().unwrap(), vec!["你好".to_string()]);
    assert_eq!(area.unchecked_ref::<web_sys::HtmlTextAreaElement>().value(), "");
    assert!(button.disabled());

    // Whitespace only is not a message.
    set_input(&area, "   \n ");
    tick().await;
    assert!(button.disabled());
    key_down(&area, "Enter", false, false);
    tick().await;
    assert_eq!(sent.lock().unwrap().len(), 1);
}

#[wasm_bindgen_test]
fn key_rules() {
    assert!(enter_sends("Enter", false, false, 13));
    assert!(!enter_sends("Enter", true, false, 13));
    assert!(!enter_sends("Enter", false, true, 13));
    // Some browsers report a composing Enter only through keyCode 229.
    assert!(!enter_sends("Enter", false, false, 229));
    assert!(!enter_sends("a", false, false, 65));
}

#[wasm_bindgen_test]
async fn the_length_limit_is_shown_and_enforced() {
    let (root, sent) = mount_composer();
    tick().await;
    let area = one(&root, "textarea");
    let button: web_sys::HtmlButtonElement = one(&root, "button.send").unchecked_into();
    set_input(&area, &"a".repeat(4600));
    tick().await;
    assert_eq!(texts(&root, ".counter"), vec!["4600/5000"]);
    set_input(&area, &"a".repeat(5003));
    tick().await;
    assert!(button.disabled());
    assert_eq!(texts(&root, ".counter"), vec!["3 characters over the limit"]);
    key_down(&area, "Enter", false, false);
    tick().await;
    assert!(sent.lock().unwrap().is_empty());
    set_input(&area, &"a".repeat(5000));
    tick().await;
    assert!(!button.disabled());
}
