use confab::components::assistant::AssistantHome;
use confab::i18n::Lang;
use confab::state::assistant::{code_segments, new_session_id, upsert};
use confab_api::{valid_session_id, AiSession};
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

fn session(id: &str, title: &str, last: Option<&str>, minutes_ago: f64) -> AiSession {
    let at = iso(now() - minutes_ago * 60_000.0);
    AiSession {
        session_id: id.into(),
        title: title.into(),
        created_at: at.clone(),
        updated_at: at,
        message_count: 2,
        last_message: last.map(String::from),
    }
}

#[wasm_bindgen_test]
fn replies_split_into_prose_and_fenced_code() {
    let text = "Try this:\n```rust\nfn main() {}\n```\nThat's all.";
    assert_eq!(
        code_segments(text),
        vec![(false, "Try this:\n".into()), (true, "fn main() {}\n".into()), (false, "That's all.".into())]
    );
    // A fence still open (the reply is streaming) shows what came so far as code.
    assert_eq!(code_segments("a\n```\nlet x"), vec![(false, "a\n".into()), (true, "let x".into())]);
    assert_eq!(code_segments("plain"), vec![(false, "plain".into())]);
}

#[wasm_bindgen_test]
fn new_session_ids_are_ones_the_server_takes_and_differ() {
    let (a, b) = (new_session_id(), new_session_id());
    assert!(valid_session_id(&a) && valid_session_id(&b), "{a} {b}");
    assert_ne!(a, b);
}

#[wasm_bindgen_test]
fn an_updated_session_moves_to_the_top_once() {
    let mut list = vec![session("a", "A", None, 1.0), session("b", "B", None, 2.0)];
    upsert(&mut list, session("b", "B", Some("new"), 0.0));
    assert_eq!(list.iter().map(|s| s.session_id.as_str()).collect::<Vec<_>>(), ["b", "a"]);
    assert_eq!(list[0].last_message.as_deref(), Some("new"));
}

#[wasm_bindgen_test]
async fn the_session_list_follows_other_tabs_in_the_readers_language() {
    let (root, store) = mount(
        Lang::Zh,
        |store| {
            store.ai.sessions.set(Some(vec![
                session("s1", "会话 2026-11-26 01:00", Some("上一条"), 5.0),
                session("s2", "Trip plans", None, 60.0),
            ]))
        },
        || view! { <AssistantHome /> },
    );
    tick().await;
    let names = texts(&root, ".ai-session .conv-name");
    assert_eq!(names.len(), 2);
    assert!(names[0].starts_with("会话 · 今天"), "the default title in the reader's words: {names:?}");
    assert_eq!(names[1], "Trip plans");
    assert_eq!(texts(&root, ".ai-session .conv-preview")[0], "上一条");
    // Another tab chats in s2, then deletes s1.
    store.ai.apply_updated(session("s2", "Trip plans", Some("Lisbon?"), 0.0));
    tick().await;
    assert_eq!(texts(&root, ".ai-session .conv-name")[0], "Trip plans");
    store.ai.apply_deleted("s1".into());
    tick().await;
    assert_eq!(all(&root, ".ai-session").len(), 1);
    // The last one gone: the empty state says how to start.
    store.ai.apply_deleted("s2".into());
    tick().await;
    assert!(one(&root, ".placeholder").text_content().unwrap_or_default().contains("新对话"));
}
