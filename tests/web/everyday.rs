//! Replies, edits, reactions, typing, the unread divider, search snippets and the emoji picker's
//! filter: the pure rules, and what the thread shows as the socket would drive it.

use confab::components::emoji::matching;
use confab::components::search::snippet_parts;
use confab::components::thread::ThreadView;
use confab::i18n::Lang;
use confab::state::everyday::{first_unread, toggled, Unread};
use confab::state::{Delivery, Item, Thread};
use confab_api::*;
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

fn thread_of(messages: Vec<Message>, has_more: bool) -> Thread {
    Thread {
        items: messages
            .into_iter()
            .map(|m| Item { key: format!("m{}", m.message_id), message: m, delivery: Delivery::Sent })
            .collect(),
        has_more,
        loaded: true,
        loading_older: false,
    }
}

#[wasm_bindgen_test]
fn the_first_unread_is_counted_back_over_messages_from_others() {
    let t = now();
    let t_all = thread_of(
        vec![
            text_message(1, PEER, "a", t),
            text_message(2, ME, "mine", t),
            text_message(3, PEER, "b", t),
            text_message(4, PEER, "c", t),
        ],
        true,
    );
    assert_eq!(first_unread(&t_all, ME, 1), Some(4));
    assert_eq!(first_unread(&t_all, ME, 2), Some(3), "my own messages are not unread");
    assert_eq!(first_unread(&t_all, ME, 3), Some(1));
    assert_eq!(first_unread(&t_all, ME, 4), None, "not loaded yet: older pages first");
    let everything = thread_of(t_all.items.iter().map(|i| i.message.clone()).collect(), false);
    assert_eq!(first_unread(&everything, ME, 9), Some(1), "all loaded: the oldest");
}

#[wasm_bindgen_test]
fn a_reaction_toggles_on_and_off_per_person() {
    let r = toggled(&[], "👍", ME);
    assert_eq!(r, vec![Reaction { emoji: "👍".into(), user_ids: vec![ME] }]);
    let r = toggled(&[Reaction { emoji: "👍".into(), user_ids: vec![PEER] }], "👍", ME);
    assert_eq!(r[0].user_ids, vec![PEER, ME]);
    let r = toggled(&r, "👍", ME);
    assert_eq!(r[0].user_ids, vec![PEER]);
    assert!(toggled(&[Reaction { emoji: "🎉".into(), user_ids: vec![ME] }], "🎉", ME).is_empty());
}

#[wasm_bindgen_test]
fn snippets_mark_what_matched_and_the_picker_filters_by_name() {
    let parts = snippet_parts("明天\u{2}开会\u{3}，别迟到");
    assert_eq!(parts, vec![("明天".into(), false), ("开会".into(), true), ("，别迟到".into(), false)]);
    let list = vec![
        EmojiEntry { emoji: "😀".into(), name: "grinning face".into(), group: "Smileys".into() },
        EmojiEntry { emoji: "🎉".into(), name: "party popper".into(), group: "Activities".into() },
    ];
    assert_eq!(matching(&list, "PARTY"), vec!["🎉"]);
    assert_eq!(matching(&list, "face grin"), vec!["😀"]);
    assert_eq!(matching(&list, "").len(), 2);
}

#[wasm_bindgen_test]
async fn a_reply_edit_and_reactions_show_in_the_thread_as_they_arrive() {
    let mut original = text_message(1, PEER, "Lunch at noon?", now() - 60_000.0);
    original.sender_name = "Pat Peer".into();
    let mut reply = text_message(2, ME, "Yes please", now() - 30_000.0);
    reply.reply_to = Some(ReplyPreview {
        message_id: 1,
        sender_id: PEER,
        sender_name: "Pat Peer".into(),
        message_type: MessageType::Text,
        excerpt: "Lunch at noon?".into(),
        gone: false,
    });
    let (root, store) = mount(
        Lang::En,
        move |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "Yes please", 1.0)]);
            store.merge_history(1, MessagePage { list: vec![original, reply], total: 2, has_more: false }, false);
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    assert_eq!(texts(&root, ".quote .quote-name"), vec!["Pat Peer"]);
    assert_eq!(texts(&root, ".quote .quote-text"), vec!["Lunch at noon?"]);

    store.apply_edited(&EditedNotice {
        message_id: 1,
        conversation_id: 1,
        content: "Lunch at one?".into(),
        edited_at: iso(now()),
    });
    tick().await;
    assert!(texts(&root, "[data-message-id=\"1\"] .text")[0].contains("Lunch at one?"));
    assert_eq!(texts(&root, "[data-message-id=\"1\"] .edited"), vec!["edited"]);
    assert_eq!(texts(&root, ".quote .quote-text"), vec!["Lunch at one?"], "the quote follows the edit");

    store.apply_reactions(&ReactionsNotice {
        message_id: 1,
        conversation_id: 1,
        reactions: vec![Reaction { emoji: "👍".into(), user_ids: vec![PEER, ME] }],
    });
    tick().await;
    let chip = one(&root, "[data-message-id=\"1\"] .reaction");
    assert_eq!(chip.get_attribute("aria-pressed").as_deref(), Some("true"));
    assert!(chip.text_content().unwrap_or_default().contains('2'));
    assert!(chip.get_attribute("title").unwrap_or_default().contains("Pat Peer"));

    // Recalled: the reply's quote says the original is gone, and none of its words stay.
    store.apply_recalled(&RecalledNotice { message_id: 1, conversation_id: 1 });
    tick().await;
    let quote = one(&root, ".quote");
    assert!(quote.class_list().contains("gone"));
    assert!(!quote.text_content().unwrap_or_default().contains("Lunch"));
}

#[wasm_bindgen_test]
async fn opening_with_unread_puts_the_divider_above_the_first_of_them() {
    let list: Vec<Message> = (1..=6)
        .map(|i| {
            text_message(i, if i == 4 { ME } else { PEER }, &format!("message {i}"), now() - (10 - i) as f64 * 1000.0)
        })
        .collect();
    let (root, store) = mount(
        Lang::En,
        move |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "message 6", 1.0)]);
            store.daily.unread.set(Some((1, Unread::Count(3))));
            store.merge_history(1, MessagePage { list, total: 6, has_more: false }, false);
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    tick().await;
    assert_eq!(store.daily.unread.get_untracked(), Some((1, Unread::At(3))));
    let ids: Vec<String> = all(&root, ".rows > *")
        .iter()
        .filter_map(|el| {
            if el.class_list().contains("unread-divider") {
                Some("divider".into())
            } else {
                el.get_attribute("data-message-id").filter(|id| id != "0")
            }
        })
        .collect();
    let at = ids.iter().position(|i| i == "divider").expect("a divider");
    assert_eq!(ids[at + 1], "3", "{ids:?}");
}

#[wasm_bindgen_test]
async fn someone_typing_shows_and_goes_when_their_message_comes() {
    let (root, store) = mount(
        Lang::En,
        |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "hi", 1.0)]);
            store.merge_history(1, MessagePage { list: vec![], total: 0, has_more: false }, false);
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    store.apply_live(LiveEvent::Typing(TypingNotice {
        conversation_id: 1,
        user_id: PEER,
        user_name: "Pat Peer".into(),
    }));
    tick().await;
    assert_eq!(texts(&root, ".typing"), vec!["Pat Peer is typing…"]);
    let mut m = text_message(9, PEER, "done typing", now());
    m.conversation_id = 1;
    store.apply_event(Event::NewMessage(m));
    tick().await;
    assert_eq!(texts(&root, ".typing"), vec![""]);
}
