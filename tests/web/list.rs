use confab::components::conversation_list::ConversationList;
use confab::components::LanguageSwitch;
use confab::i18n::Lang;
use confab_api::MessageType;
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

#[wasm_bindgen_test]
async fn pinned_first_then_newest_with_badges() {
    let (root, _) = mount(
        Lang::En,
        |store| {
            let mut old_pinned = conversation(1, "Olga Pinned", "old but pinned", 600.0);
            old_pinned.is_pinned = true;
            let mut newest = conversation(2, "Nina Newest", "just now", 1.0);
            newest.unread_count = 3;
            let mut muted = conversation(3, "Max Muted", "shh", 5.0);
            muted.recv_msg_opt = 1;
            muted.unread_count = 7;
            let middle = conversation(4, "Mia Middle", "a while ago", 30.0);
            store.set_conversations(vec![middle, muted, newest, old_pinned]);
        },
        || view! { <ConversationList /> },
    );
    tick().await;
    assert_eq!(texts(&root, ".conv-name"), vec!["Olga Pinned", "Nina Newest", "Max Muted", "Mia Middle"]);
    // A number badge for unread; a quiet dot (no number) when muted; nothing when read.
    let rows = all(&root, ".conv");
    assert_eq!(one(&rows[1], ".badge").text_content().unwrap(), "3");
    let dot = one(&rows[2], ".badge");
    assert!(dot.class_list().contains("dot"));
    assert_eq!(dot.text_content().unwrap(), "");
    assert_eq!(dot.get_attribute("aria-label").as_deref(), Some("7 unread"));
    assert!(rows[0].query_selector(".badge").unwrap().is_none());
    assert!(rows[3].query_selector(".badge").unwrap().is_none());
    // Links go to the conversation.
    assert_eq!(one(&rows[1], "a").get_attribute("href").as_deref(), Some("/c/2"));
}

#[wasm_bindgen_test]
async fn a_new_message_moves_its_conversation_up_and_counts_unread() {
    let (root, store) = mount(
        Lang::En,
        |store| store.set_conversations(vec![conversation(1, "Ann", "hi", 1.0), conversation(2, "Ben", "yo", 10.0)]),
        || view! { <ConversationList /> },
    );
    tick().await;
    assert_eq!(texts(&root, ".conv-name"), vec!["Ann", "Ben"]);
    let mut m = text_message(50, 102, "Ben writes again", now());
    m.conversation_id = 2;
    store.apply_new_message(m);
    tick().await;
    assert_eq!(texts(&root, ".conv-name"), vec!["Ben", "Ann"]);
    assert_eq!(texts(&root, ".conv-preview")[0], "Ben writes again");
    assert_eq!(texts(&root, ".badge"), vec!["1"]);
    assert_eq!(store.total_unread(), 1);
    // Reading it elsewhere (own `read` receipt) clears the badge.
    store.apply_read(&confab_api::ReadReceipt {
        conversation_id: 2,
        reader_id: ME,
        last_read_message_id: 50,
        previous_read_message_id: 0,
    });
    tick().await;
    assert!(texts(&root, ".badge").is_empty());
}

#[wasm_bindgen_test]
async fn previews_are_localised() {
    for (lang, image, file, recalled) in
        [(Lang::En, "[Image]", "[File] plan.pdf", "[Recalled]"), (Lang::Zh, "[图片]", "[文件] plan.pdf", "[已撤回]")]
    {
        let (root, _) = mount(
            lang,
            |store| {
                let mut a = conversation(1, "Img", "[Image]", 1.0);
                a.last_message_type = Some(MessageType::Image);
                let mut b = conversation(2, "Doc", "[File] plan.pdf", 2.0);
                b.last_message_type = Some(MessageType::File);
                let mut c = conversation(3, "Gone", "[Recalled]", 3.0);
                c.last_message_recalled = true;
                let mut d = conversation(4, "Draft", "sent text", 4.0);
                d.draft_text = "half written".into();
                store.set_conversations(vec![a, b, c, d]);
            },
            || view! { <ConversationList /> },
        );
        tick().await;
        let previews = texts(&root, ".conv-preview");
        assert_eq!(&previews[..3], &[image, file, recalled]);
        assert!(previews[3].ends_with("half written"), "drafts show in the list: {previews:?}");
    }
}

#[wasm_bindgen_test]
async fn the_language_switch_changes_the_words() {
    let _ = web_sys::window().unwrap().local_storage().unwrap().unwrap().remove_item("confab.lang");
    let (root, _) = mount(
        Lang::En,
        |_| {},
        || {
            let i18n = confab::i18n::use_i18n();
            // As the app does: the page is rebuilt when the language changes.
            view! {
                <LanguageSwitch />
                {move || { i18n.0.track(); view! { <p class="probe">{i18n.t(confab::i18n::K::SignIn)}</p> } }}
            }
        },
    );
    tick().await;
    assert_eq!(texts(&root, ".probe"), vec!["Sign in"]);
    assert_eq!(texts(&root, ".lang-switch"), vec!["中文"]);
    one(&root, ".lang-switch").click();
    tick().await;
    assert_eq!(texts(&root, ".probe"), vec!["登录"]);
    assert_eq!(texts(&root, ".lang-switch"), vec!["English"]);
    // The choice is remembered for the next visit.
    let saved = web_sys::window().unwrap().local_storage().unwrap().unwrap().get_item("confab.lang").unwrap();
    assert_eq!(saved.as_deref(), Some("zh-CN"));
    assert_eq!(confab::initial_language(), Lang::Zh);
    one(&root, ".lang-switch").click();
    tick().await;
    assert_eq!(texts(&root, ".probe"), vec!["Sign in"]);
}

#[wasm_bindgen_test]
fn the_list_draws_the_rows_in_view_and_a_few_more_whatever_its_length() {
    use confab::state::window::list_range;
    assert_eq!(list_range(5000, 0.0, 640.0, 64.0, 8), 0..19);
    assert_eq!(list_range(5000, 64.0 * 1000.0, 640.0, 64.0, 8), 992..1019);
    assert_eq!(list_range(5000, 64.0 * 4995.0, 640.0, 64.0, 8), 4987..5000);
    assert_eq!(list_range(3, 0.0, 640.0, 64.0, 8), 0..3);
    assert_eq!(list_range(0, 0.0, 640.0, 64.0, 8), 0..0);
    // Whatever the length, the same number of rows.
    assert_eq!(list_range(50_000, 64.0 * 20_000.0, 640.0, 64.0, 8).len(), 27);
}
