//! Groups, mentions, burn after reading and list actions: the pure rules, then the components.

use confab::components::composer::{mention_candidates, mention_query, mentions_in, MentionCandidate};
use confab::components::conversation_list::ConversationList;
use confab::components::members::allowed;
use confab::components::thread::ThreadView;
use confab::format::{countdown, mention_spans, system_text};
use confab::i18n::Lang;
use confab_api::*;
use leptos::prelude::*;
use wasm_bindgen_test::wasm_bindgen_test;

use super::harness::*;

fn member(id: Id, name: &str, handle: &str, role: GroupRole) -> GroupMember {
    GroupMember { user_id: id, user_name: handle.into(), display_name: name.into(), avatar: String::new(), role }
}

fn group(id: Id, name: &str) -> Conversation {
    Conversation {
        conversation_type: ConversationType::Group,
        target_user_id: 0,
        member_count: 3,
        my_role: Some(GroupRole::Member),
        ..conversation(id, name, "", 1.0)
    }
}

#[wasm_bindgen_test]
fn a_mention_is_typed_after_an_at_that_starts_a_word() {
    assert_eq!(mention_query("@", 1), Some((0, String::new())));
    assert_eq!(mention_query("hi @Bo", 6), Some((3, "Bo".into())));
    assert_eq!(mention_query("mail@example", 12), None, "inside a word it is an address");
    assert_eq!(mention_query("@Bob and", 8), None, "a space ends the mention");
    assert_eq!(mention_query("你好 @小", "你好 @小".len()), Some(("你好 ".len(), "小".into())));
}

#[wasm_bindgen_test]
fn candidates_match_names_and_handles_and_all_comes_for_managers() {
    let list = vec![
        member(ME, "Me Myself", "me", GroupRole::Owner),
        member(2, "Bob Stone", "bob", GroupRole::Member),
        member(3, "Carol 王", "carol", GroupRole::Admin),
    ];
    let names = |v: Vec<MentionCandidate>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(names(mention_candidates(&list, ME, "", None)), vec!["Bob Stone", "Carol 王"], "never myself");
    assert_eq!(names(mention_candidates(&list, ME, "BO", None)), vec!["Bob Stone"]);
    assert_eq!(names(mention_candidates(&list, ME, "王", None)), vec!["Carol 王"]);
    assert_eq!(names(mention_candidates(&list, ME, "car", Some("All"))), vec!["Carol 王"]);
    assert_eq!(names(mention_candidates(&list, ME, "a", Some("All")))[0], "All");
    // What is sent: the picks still in the text, once each; "@All" only if picked and kept.
    let picked = vec![
        MentionCandidate { user_id: 2, name: "Bob Stone".into() },
        MentionCandidate { user_id: 2, name: "Bob Stone".into() },
        MentionCandidate { user_id: 3, name: "Carol 王".into() },
        MentionCandidate { user_id: 0, name: "All".into() },
    ];
    assert_eq!(mentions_in("@Bob Stone and @All", &picked), (vec![2], true));
    assert_eq!(mentions_in("nobody", &picked), (vec![], false));
}

#[wasm_bindgen_test]
fn mention_spans_prefer_the_longest_name() {
    let names = vec![("Ann".to_string(), false), ("Ann Lee".to_string(), true)];
    assert_eq!(
        mention_spans("hi @Ann Lee and @Ann, mail a@b", &names),
        vec![
            ("hi ".to_string(), None),
            ("@Ann Lee".to_string(), Some(true)),
            (" and ".to_string(), None),
            ("@Ann".to_string(), Some(false)),
            (", mail a@b".to_string(), None),
        ]
    );
}

#[wasm_bindgen_test]
fn system_notices_read_naturally_in_both_languages() {
    let n = SystemNotice {
        kind: SystemKind::Added,
        actor_id: ME,
        actor_name: "Me Myself".into(),
        targets: vec![NamedUser { user_id: 2, name: "Bob".into() }, NamedUser { user_id: 3, name: "Carol".into() }],
        text: None,
    };
    assert_eq!(system_text(&n, ME, Lang::En), "You added Bob, Carol");
    assert_eq!(system_text(&n, ME, Lang::Zh), "你邀请Bob、Carol加入了群聊");
    assert_eq!(system_text(&n, 2, Lang::En), "Me Myself added You, Carol");
    let burn =
        SystemNotice { kind: SystemKind::BurnAfterReading, text: Some("300".into()), targets: vec![], ..n.clone() };
    assert_eq!(system_text(&burn, 2, Lang::En), "Me Myself turned on burn after reading (5 min)");
    let off = SystemNotice { text: None, ..burn };
    assert_eq!(system_text(&off, 2, Lang::Zh), "Me Myself关闭了阅后即焚");
    assert_eq!(countdown(9_100.0), "0:10");
    assert_eq!(countdown(61_000.0), "1:01");
    assert_eq!(countdown(-5.0), "0:00");
}

#[wasm_bindgen_test]
fn who_may_do_what_to_whom() {
    use GroupRole::*;
    assert_eq!(allowed(Some(Owner), Member), (true, true));
    assert_eq!(allowed(Some(Owner), Admin), (true, true));
    assert_eq!(allowed(Some(Admin), Member), (true, false));
    assert_eq!(allowed(Some(Admin), Admin), (false, false));
    assert_eq!(allowed(Some(Admin), Owner), (false, false));
    assert_eq!(allowed(Some(Member), Member), (false, false));
    assert_eq!(allowed(None, Member), (false, false), "after leaving, nothing");
}

#[wasm_bindgen_test]
async fn the_list_marks_mentions_and_marked_unread_rows() {
    let (root, store) = mount(
        Lang::En,
        |store| {
            let mut g = group(1, "Trip");
            g.last_message = "@Me Myself look".into();
            g.unread_count = 1;
            g.group_at_type = 1;
            let mut all = group(2, "Team");
            all.last_message_time = Some(iso(now() - 120_000.0));
            all.group_at_type = 2;
            all.unread_count = 1;
            let mut quiet = conversation(3, "Pat Peer", "hello", 5.0);
            quiet.is_marked_unread = true;
            quiet.unread_count = 1;
            store.set_conversations(vec![g, all, quiet]);
        },
        || view! { <ConversationList /> },
    );
    tick().await;
    assert_eq!(texts(&root, ".conv-preview .at-mark"), vec!["[@You]", "[@All]"]);
    assert_eq!(texts(&root, ".badge"), vec!["1", "1", "1"]);
    // Reading in another tab (my own receipt) clears the mention and the mark.
    store.apply_read(&ReadReceipt {
        conversation_id: 1,
        reader_id: ME,
        last_read_message_id: 9,
        previous_read_message_id: 0,
    });
    store.apply_read(&ReadReceipt {
        conversation_id: 3,
        reader_id: ME,
        last_read_message_id: 9,
        previous_read_message_id: 0,
    });
    tick().await;
    assert_eq!(texts(&root, ".conv-preview .at-mark"), vec!["[@All]"]);
    assert_eq!(texts(&root, ".badge"), vec!["1"]);
    // A live mention of me marks the row again.
    let mut m = text_message(20, 2, "@Me Myself again", now());
    m.at_user_ids = vec![ME];
    store.apply_new_message(m);
    tick().await;
    assert_eq!(texts(&root, ".conv-preview .at-mark")[0], "[@You]");
}

#[wasm_bindgen_test]
async fn a_group_thread_names_senders_shows_notices_and_read_counts() {
    let (root, store) = mount(
        Lang::En,
        |store| {
            store.set_conversations(vec![group(1, "Trip")]);
            store.set_members(
                1,
                vec![member(ME, "Me Myself", "me", GroupRole::Member), member(2, "Pat Peer", "pat", GroupRole::Owner)],
            );
            let notice = Message {
                message_type: MessageType::System,
                system: Some(SystemNotice {
                    kind: SystemKind::Created,
                    actor_id: 2,
                    actor_name: "Pat Peer".into(),
                    targets: vec![],
                    text: Some("Trip".into()),
                }),
                ..text_message(1, 2, "Pat Peer created the group Trip", now() - 60_000.0)
            };
            let mut hers = text_message(2, 2, "hello @Me Myself", now() - 50_000.0);
            hers.at_user_ids = vec![ME];
            let hers_again = text_message(3, 2, "still me", now() - 49_000.0);
            let mut mine = text_message(4, ME, "hi", now() - 40_000.0);
            mine.read_count = Some(0);
            store.merge_history(
                1,
                MessagePage { list: vec![notice, hers, hers_again, mine], total: 4, has_more: false },
                false,
            );
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    assert_eq!(texts(&root, ".msg-notice.system"), vec!["Pat Peer created the group “Trip”"]);
    assert_eq!(texts(&root, ".sender"), vec!["Pat Peer"], "the name heads a run, once");
    assert_eq!(texts(&root, ".mention.me"), vec!["@Me Myself"]);
    assert_eq!(texts(&root, ".read-count"), vec!["0 read"]);
    // Each reader counts once, from where their mark was.
    store.apply_read(&ReadReceipt {
        conversation_id: 1,
        reader_id: 2,
        last_read_message_id: 4,
        previous_read_message_id: 3,
    });
    store.apply_read(&ReadReceipt {
        conversation_id: 1,
        reader_id: 2,
        last_read_message_id: 4,
        previous_read_message_id: 4,
    });
    tick().await;
    assert_eq!(texts(&root, ".read-count"), vec!["1 read"]);
}

#[wasm_bindgen_test]
async fn a_removed_member_sees_why_instead_of_a_composer() {
    let (root, _) = mount(
        Lang::Zh,
        |store| {
            let mut g = group(1, "Trip");
            g.is_not_in_group = true;
            g.my_role = None;
            store.set_conversations(vec![g]);
            store.merge_history(1, MessagePage { list: vec![], total: 0, has_more: false }, false);
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    assert!(root.query_selector(".composer").unwrap().is_none());
    assert_eq!(texts(&root, ".not-in-group"), vec!["你已不在该群中。"]);
}

#[wasm_bindgen_test]
async fn a_burned_message_leaves_the_thread() {
    let (root, store) = mount(
        Lang::En,
        |store| {
            store.set_conversations(vec![conversation(1, "Pat Peer", "", 1.0)]);
            let mut m = text_message(7, ME, "secret", now() - 1000.0);
            m.burn_duration = 30;
            store.merge_history(
                1,
                MessagePage { list: vec![m, text_message(8, 2, "kept", now())], total: 2, has_more: false },
                false,
            );
        },
        || view! { <ThreadView id=Signal::derive(|| 1) on_back=Callback::new(|_| {}) /> },
    );
    tick().await;
    assert_eq!(all(&root, ".msg .burn").len(), 1, "a flame on the burn-after-reading message");
    store.apply_burned(&BurnedNotice { message_id: 7, conversation_id: 1 });
    tick().await;
    assert_eq!(texts(&root, ".msg .text"), vec!["kept"]);
}
