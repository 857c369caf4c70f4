use confab::components::thread::{rows, Row, ThreadView};
use confab::i18n::Lang;
use confab::state::Delivery;
use confab_api::MessagePage;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

const DAY: f64 = 86_400_000.0;

fn item(m: confab_api::Message) -> confab::state::Item {
    confab::state::Item { key: format!("m{}", m.message_id), message: m, delivery: Delivery::Sent }
}

#[wasm_bindgen_test]
fn day_separators_and_grouping() {
    let today = now();
    let items = vec![
        item(text_message(1, PEER, "two days ago", today - 2.0 * DAY)),
        item(text_message(2, PEER, "yesterday", today - DAY)),
        item(text_message(3, PEER, "yesterday, a minute later", today - DAY + 60_000.0)),
        item(text_message(4, ME, "mine now", today - 120_000.0)),
        item(text_message(5, ME, "mine again", today - 60_000.0)),
        item(text_message(6, PEER, "theirs", today)),
    ];
    let out = rows(&items, today, Lang::En, None);
    let shape: Vec<String> = out
        .iter()
        .map(|r| match r {
            Row::Day { label, .. } => format!("day:{label}"),
            Row::Unread => "unread".into(),
            Row::Message { item, grouped } => format!("{}{}", item.message.message_id, if *grouped { "+" } else { "" }),
        })
        .collect();
    assert!(shape[0].starts_with("day:"));
    assert!(!shape[0].contains("Yesterday") && !shape[0].contains("Today"), "two days ago shows a date: {shape:?}");
    assert_eq!(&shape[1..], &["1", "day:Yesterday", "2", "3+", "day:Today", "4", "5+", "6"]);
    let zh = rows(&items, today, Lang::Zh, None);
    assert!(matches!(&zh[2], Row::Day { label, .. } if label == "昨天"));
}

#[wasm_bindgen_test]
async fn optimistic_send_goes_pending_sent_failed_and_retry() {
    let (root, store) = mount(
        Lang::En,
        |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "hi", 1.0)]);
            store.merge_history(
                1,
                MessagePage { list: vec![text_message(1, PEER, "hello", now() - 5000.0)], total: 1, has_more: false },
                false,
            );
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    let mut pending = text_message(0, ME, "on its way", now());
    pending.client_msg_id = Some("c-1".into());
    let key = store.add_pending(pending.clone());
    tick().await;
    let last = || all(&root, ".msg").pop().unwrap();
    assert_eq!(last().get_attribute("data-delivery").as_deref(), Some("pending"));
    assert_eq!(one(&last(), ".status").get_attribute("data-status").as_deref(), Some("pending"));

    // The server's answer (same clientMsgId) turns it into a sent message, in place.
    let mut confirmed = pending.clone();
    confirmed.message_id = 7;
    store.confirm(1, confirmed);
    tick().await;
    assert_eq!(all(&root, ".msg").len(), 2, "confirmed in place, not duplicated");
    assert_eq!(last().get_attribute("data-delivery").as_deref(), Some("sent"));
    // The socket echo of the same message changes nothing.
    let mut echo = pending.clone();
    echo.message_id = 7;
    store.apply_new_message(echo);
    tick().await;
    assert_eq!(all(&root, ".msg").len(), 2);
    // The receipt marks it read.
    store.apply_read(&confab_api::ReadReceipt {
        conversation_id: 1,
        reader_id: PEER,
        last_read_message_id: 7,
        previous_read_message_id: 0,
    });
    tick().await;
    assert_eq!(one(&last(), ".status").get_attribute("data-status").as_deref(), Some("read"));
    // The POST's own answer can come after the receipt it caused: it must not un-read it.
    let mut stale = pending.clone();
    stale.message_id = 7;
    stale.is_read = false;
    store.confirm(1, stale);
    tick().await;
    assert_eq!(one(&last(), ".status").get_attribute("data-status").as_deref(), Some("read"));

    // A second send fails: shown failed with a retry.
    let mut second = text_message(0, ME, "this one fails", now());
    second.client_msg_id = Some("c-2".into());
    let key2 = store.add_pending(second);
    store.set_delivery(1, &key2, Delivery::Failed("offline".into()));
    tick().await;
    assert_eq!(last().get_attribute("data-delivery").as_deref(), Some("failed"));
    assert!(one(&last(), ".failed-line").text_content().unwrap().contains("Not sent"));
    // Retry: pending again at once (the test page has no chat server, so it fails again after).
    let retry: web_sys::HtmlElement = one(&last(), ".failed-line button").unchecked_into();
    retry.click();
    tick().await;
    let state = last().get_attribute("data-delivery").unwrap();
    assert!(state == "pending" || state == "failed", "{state}");
    let _ = key;
}

#[wasm_bindgen_test]
async fn incoming_messages_are_announced() {
    let (_root, store) = mount(Lang::En, |_| {}, || view! { <p>"x"</p> });
    store.apply_new_message(text_message(3, PEER, "ping you", now()));
    assert_eq!(store.announcement.get_untracked(), "Pat Peer\u{1}ping you");
    // Signing out leaves nothing of this person for the next one in the tab.
    store.recalled_texts.update(|t| {
        t.insert(3, "taken back".into());
    });
    store.composer_refill.set(Some((1, "taken back".into())));
    store.clear();
    assert_eq!(store.announcement.get_untracked(), "");
    assert!(store.recalled_texts.get_untracked().is_empty());
    assert_eq!(store.composer_refill.get_untracked(), None);
    assert!(store.me.get_untracked().is_none());
}

fn thread_of(ids: impl IntoIterator<Item = i64>) -> confab::state::Thread {
    let mut t = confab::state::Thread::default();
    for id in ids {
        t.merge(text_message(id, PEER, &format!("m{id}"), now()));
    }
    t
}

fn ids(t: &confab::state::Thread) -> Vec<i64> {
    t.items.iter().map(|i| i.message.message_id).collect()
}

#[wasm_bindgen_test]
fn merge_keeps_id_order_whatever_the_arrival_order_and_never_duplicates() {
    // Older pages, live messages and repeats, in the order a reconnecting client sees them.
    let mut t = thread_of([50, 51, 52]);
    for id in [20, 21, 53, 22, 51, 10, 53, 60] {
        t.merge(text_message(id, PEER, "x", now()));
    }
    assert_eq!(ids(&t), vec![10, 20, 21, 22, 50, 51, 52, 53, 60]);
    assert_eq!(t.oldest_id(), Some(10));
    assert!(t.by_id(22).is_some() && t.by_id(23).is_none());
}

#[wasm_bindgen_test]
fn a_confirmed_send_moves_from_the_pending_tail_to_its_place() {
    let mut t = thread_of([1, 2]);
    let store_key = "c-a".to_string();
    let mut pending = text_message(0, ME, "mine", now());
    pending.client_msg_id = Some("a".into());
    t.items.push(confab::state::Item { key: store_key.clone(), message: pending.clone(), delivery: Delivery::Pending });
    // Someone else's message arrives first, then the answer to my send (an older id).
    t.merge(text_message(5, PEER, "theirs", now()));
    let mut confirmed = pending;
    confirmed.message_id = 4;
    t.merge(confirmed);
    assert_eq!(ids(&t), vec![1, 2, 4, 5]);
    let mine = t.by_id(4).unwrap();
    assert_eq!(mine.key, store_key, "the row keeps its key (it is not rebuilt)");
    assert_eq!(mine.delivery, Delivery::Sent);
    assert_eq!(t.by_key(&store_key).map(|i| i.message.message_id), Some(4));
}

#[wasm_bindgen_test]
fn the_window_slides_a_step_at_a_time_and_never_holds_more_than_its_maximum() {
    use confab::state::window::{Window, MAX_ROWS, STEP};
    let t = thread_of(1..=1000);
    let w = Window::newest(&t);
    assert_eq!(w.range(&t), 1000 - (MAX_ROWS - STEP)..1000);
    assert_eq!(w.to, None, "the newest window is the live end");

    // Up to the oldest loaded message: each step adds STEP older rows and drops newer ones
    // past the maximum; together the steps cover every message once.
    let mut w = w;
    let mut covered = std::collections::BTreeSet::new();
    let mut steps = 0;
    while let Some(up) = w.older(&t) {
        let (before, after) = (w.range(&t), up.range(&t));
        assert!(after.start < before.start && after.len() <= MAX_ROWS, "{before:?} -> {after:?}");
        assert!(after.start + STEP >= before.start, "one step at most");
        covered.extend(after.clone());
        w = up;
        steps += 1;
    }
    assert_eq!(w.range(&t).start, 0);
    assert!(w.to.is_some(), "far from the live end");
    assert!(steps >= (1000 - MAX_ROWS) / STEP);
    // And back down to the live end.
    while let Some(down) = w.newer(&t) {
        let (before, after) = (w.range(&t), down.range(&t));
        assert!(after.end > before.end && after.len() <= MAX_ROWS, "{before:?} -> {after:?}");
        covered.extend(after.clone());
        w = down;
    }
    assert_eq!(w.to, None);
    assert_eq!(w.range(&t).end, 1000);
    assert_eq!(covered.len(), 1000, "every message was in some window");

    // At the live end new messages grow the window until it trims its oldest rows.
    let mut t = t;
    let mut w = Window::newest(&t);
    for id in 1001..=1100 {
        t.merge(text_message(id, PEER, "new", now()));
        w = w.following(&t);
        assert!(w.range(&t).len() <= MAX_ROWS);
        assert_eq!(w.range(&t).end, t.items.len(), "the newest is always in");
    }
    // Scrolled up, the window stops growing at the maximum instead.
    let mut held = Window::newest(&t);
    for id in 1101..=1300 {
        t.merge(text_message(id, PEER, "new", now()));
        held = held.held(&t);
    }
    assert_eq!(held.range(&t).len(), MAX_ROWS);
    assert!(held.to.is_some());
    // Jumping to an old message puts it in the window.
    let around = Window::around(&t, 123);
    assert!(around.range(&t).contains(&t.slot(123).unwrap()));
    assert!(around.range(&t).len() <= MAX_ROWS);
}
