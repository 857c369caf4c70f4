//! Everyday messaging over real HTTP and WebSocket: reply, edit, reactions, typing, presence,
//! search and forward — each rule, and bad input for each new field.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::{contains, db_bytes, upload, TestServer};

fn id(v: &Value) -> i64 {
    v["messageId"].as_i64().unwrap()
}

async fn reply(s: &TestServer, token: &str, conversation: i64, to: i64, text: &str) -> (StatusCode, Value) {
    s.post("/api/messages", token, json!({"conversationId": conversation, "content": text, "replyToMessageId": to}))
        .await
}

/// A first message to someone is refused as any other would be, and a refused one does not
/// leave a new empty chat behind in either person's list.
#[tokio::test]
async fn a_refused_first_message_makes_no_chat() {
    let s = TestServer::start().await;
    let (a, _) = s.register("first_a").await;
    let (_, b_id) = s.register("first_b").await;
    let (c, c_id) = s.register("first_c").await;
    let original = id(&s.send_text(&a, b_id, "said to b").await);

    let quoting = json!({"receiverId": c_id, "content": "hi", "replyToMessageId": original});
    let (status, body) = s.post("/api/messages", &a, quoting).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["message"].as_str().unwrap().contains("another conversation"), "{body}");
    let mentioning = json!({"receiverId": c_id, "content": "hi", "atUserIds": [c_id]});
    let (status, body) = s.post("/api/messages", &a, mentioning).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (_, list) = s.get("/api/conversations", &c).await;
    assert_eq!(list["data"]["list"].as_array().unwrap().len(), 0, "{list}");
    let (_, list) = s.get("/api/conversations", &a).await;
    assert_eq!(list["data"]["list"].as_array().unwrap().len(), 1, "{list}");

    // The first message that passes makes the chat: after one made in between (ids grow), so
    // no empty chat was made and kept by the refused ones.
    let (_, d_id) = s.register("first_d").await;
    let between = s.send_text(&a, d_id, "hi d").await["conversationId"].as_i64().unwrap();
    let sent = s.send_text(&a, c_id, "hi").await;
    assert!(sent["conversationId"].as_i64().unwrap() > between, "{sent}");
    let (_, list) = s.get("/api/conversations", &c).await;
    assert_eq!(list["data"]["list"][0]["conversationId"], sent["conversationId"], "{list}");
}

#[tokio::test]
async fn a_reply_quotes_its_original_until_the_original_is_recalled() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let secret = "the original plan is at noon sharp";
    let original = s.send_text(&a, b_id, secret).await;
    let cid = original["conversationId"].as_i64().unwrap();
    let mut b_ws = s.socket(&b, None).await;
    b_ws.until_ready().await;

    let (status, sent) = reply(&s, &b, cid, id(&original), "sounds good").await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let quoted = &sent["data"]["replyTo"];
    assert_eq!(quoted["messageId"], id(&original));
    assert_eq!(quoted["senderName"], "ALICE");
    assert_eq!(quoted["excerpt"], secret);
    assert!(quoted.get("gone").is_none());
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    assert_eq!(history["data"]["list"][1]["replyTo"]["excerpt"], secret);

    // Replies stay inside their conversation, and answer something that exists.
    let other = s.send_text(&a, c_id, "hi carol").await;
    let (status, body) = reply(&s, &b, cid, id(&other), "sneaky").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = reply(&s, &b, cid, 999_999, "nothing").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = reply(&s, &c, cid, id(&original), "not mine").await;
    assert!(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN, "{status} {body}");
    let (status, body) =
        s.post("/api/messages", &b, json!({"conversationId": cid, "content": "x", "replyToMessageId": "abc"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Recalled: every reply shows it gone, and the quoted text is erased from disk, event log included.
    let (status, _) = s.call(Method::POST, &format!("/api/messages/{}/recall", id(&original)), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    let quoted = &history["data"]["list"][1]["replyTo"];
    assert_eq!(quoted["gone"], true);
    assert_eq!(quoted["excerpt"], "");
    let mut replay = s.socket(&b, Some(0)).await;
    let (frames, _) = replay.until_ready().await;
    assert!(!frames.iter().any(|f| f.to_string().contains("noon sharp")), "a replayed event still quotes it");
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    assert!(!contains(&db_bytes(&s), "noon sharp"));
    let (status, body) = reply(&s, &b, cid, id(&original), "too late").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn only_the_sender_edits_everyone_sees_it_and_recall_erases_every_version() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let m = s.send_text(&a, b_id, "meet at the blue door").await;
    let (mid, cid) = (id(&m), m["conversationId"].as_i64().unwrap());
    let mut a_ws = s.socket(&a, None).await;
    let mut b_ws = s.socket(&b, None).await;
    a_ws.until_ready().await;
    b_ws.until_ready().await;
    let path = format!("/api/messages/{mid}");

    let (status, body) = s.call(Method::PATCH, &path, Some(&b), Some(json!({"content": "hacked"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    for bad in [json!({"content": "  "}), json!({"content": "x".repeat(5001)}), json!({"content": 5}), json!({})] {
        let (status, body) = s.call(Method::PATCH, &path, Some(&a), Some(bad)).await;
        assert!(status == StatusCode::UNPROCESSABLE_ENTITY || status == StatusCode::BAD_REQUEST, "{status} {body}");
    }
    let (status, edited) =
        s.call(Method::PATCH, &path, Some(&a), Some(json!({"content": "meet at the red door"}))).await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["data"]["content"], "meet at the red door");
    assert!(edited["data"]["editedAt"].is_string());
    for ws in [&mut a_ws, &mut b_ws] {
        let f = ws.next_of("message_edited").await;
        assert_eq!(f["data"]["messageId"], mid);
        assert_eq!(f["data"]["conversationId"], cid);
        assert_eq!(f["data"]["content"], "meet at the red door");
    }
    let (_, history) = s.get(&format!("/api/conversations/{cid}/messages"), &b).await;
    assert_eq!(history["data"]["list"][0]["content"], "meet at the red door");
    assert!(history["data"]["list"][0]["editedAt"].is_string());
    let (status, versions) = s.get(&format!("{path}/versions"), &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(versions["data"][0]["content"], "meet at the blue door");
    let (_, list) = s.get("/api/conversations", &b).await;
    assert_eq!(list["data"]["list"][0]["lastMessage"], "meet at the red door");

    // Files are not edited; recall erases the current text and every earlier one.
    s.call(Method::POST, &format!("{path}/recall"), Some(&a), None).await;
    let (status, versions) = s.get(&format!("{path}/versions"), &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(versions["data"], json!([]));
    let (status, _) = s.call(Method::PATCH, &path, Some(&a), Some(json!({"content": "again"}))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    s.server.as_ref().unwrap().state.store.checkpoint().await.unwrap();
    let bytes = db_bytes(&s);
    assert!(!contains(&bytes, "blue door") && !contains(&bytes, "red door"), "an erased version is still on disk");
}

#[tokio::test]
async fn edits_close_with_their_window() {
    let s = TestServer::start_with(|c| c.edit_window = Duration::from_millis(300)).await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let mid = id(&s.send_text(&a, b_id, "typo heer").await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (status, body) =
        s.call(Method::PATCH, &format!("/api/messages/{mid}"), Some(&a), Some(json!({"content": "typo here"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
}

#[tokio::test]
async fn members_react_and_everyone_sees_the_counts() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, _) = s.register("carol").await;
    let mid = id(&s.send_text(&a, b_id, "lunch?").await);
    let mut a_ws = s.socket(&a, None).await;
    a_ws.until_ready().await;
    let thumbs = format!("/api/messages/{mid}/reactions/%F0%9F%91%8D");

    let (status, body) = s.call(Method::PUT, &thumbs, Some(&b), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = s.call(Method::PUT, &thumbs, Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["reactions"], json!([{"emoji": "👍", "userIds": [b_id, a_id]}]));
    let f = a_ws.next_of("reactions_changed").await;
    assert_eq!(f["data"]["reactions"][0]["userIds"], json!([b_id]));
    // Adding twice changes nothing and says nothing.
    let (_, again) = s.call(Method::PUT, &thumbs, Some(&a), None).await;
    assert_eq!(again["data"]["reactions"][0]["userIds"], json!([b_id, a_id]));

    let (status, _) = s.call(Method::PUT, &thumbs, Some(&c), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a non-member cannot react");
    for bad in ["hello", "%F0%9F%91%8D%F0%9F%91%8D", "%20"] {
        let (status, body) = s.call(Method::PUT, &format!("/api/messages/{mid}/reactions/{bad}"), Some(&b), None).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, body) = s.call(Method::DELETE, &thumbs, Some(&b), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["reactions"], json!([{"emoji": "👍", "userIds": [a_id]}]));
    let (_, history) = s.get(&format!("/api/conversations/{}/messages", body["data"]["conversationId"]), &b).await;
    assert_eq!(history["data"]["list"][0]["reactions"], json!([{"emoji": "👍", "userIds": [a_id]}]));

    let (status, list) = s.call(Method::GET, "/api/emoji", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(list["data"].as_array().unwrap().iter().any(|e| e["emoji"] == "🎉" && e["name"] == "party popper"));
}

#[tokio::test]
async fn typing_reaches_the_other_members_only_and_is_not_replayed() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let cid = s.send_text(&a, b_id, "hi").await["conversationId"].as_i64().unwrap();
    s.send_text(&c, b_id, "hi bob, carol here").await;
    let mut a_ws = s.socket(&a, None).await;
    let mut b_ws = s.socket(&b, None).await;
    let mut c_ws = s.socket(&c, None).await;
    let (_, b_seq) = b_ws.until_ready().await;
    a_ws.until_ready().await;
    c_ws.until_ready().await;

    a_ws.send_text(&json!({"type": "typing", "conversationId": cid}).to_string()).await;
    let f = b_ws.next_of("typing").await;
    assert!(f.get("seq").is_none(), "typing is live only: {f}");
    assert_eq!(f["data"], json!({"conversationId": cid, "userId": a_ws_id(&s, &a).await, "userName": "ALICE"}));
    // Repeats within the throttle are dropped; a non-member's typing reaches nobody.
    a_ws.send_text(&json!({"type": "typing", "conversationId": cid}).to_string()).await;
    c_ws.send_text(&json!({"type": "typing", "conversationId": cid}).to_string()).await;
    c_ws.send_text(&json!({"type": "typing", "conversationId": "nope"}).to_string()).await;
    for ws in [&mut b_ws, &mut a_ws, &mut c_ws] {
        ws.expect_quiet().await;
    }
    // Nothing of it is logged.
    let mut again = s.socket(&b, Some(b_seq)).await;
    let (frames, seq) = again.until_ready().await;
    assert!(frames.is_empty() && seq == b_seq, "{frames:?}");
    let _ = c_id;
}

async fn a_ws_id(s: &TestServer, token: &str) -> i64 {
    s.get("/api/users/me", token).await.1["data"]["userId"].as_i64().unwrap()
}

#[tokio::test]
async fn presence_is_told_to_contacts_and_asked_by_them_only() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, _) = s.register("carol").await;
    s.send_text(&a, b_id, "hi").await;
    let (_, p) = s.get(&format!("/api/users/{a_id}/presence"), &b).await;
    assert_eq!(p["data"]["online"], false);
    let (status, _) = s.get(&format!("/api/users/{a_id}/presence"), &c).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "carol has no chat with alice");

    let mut b_ws = s.socket(&b, None).await;
    b_ws.until_ready().await;
    let a_ws = s.socket(&a, None).await;
    let f = b_ws.next_of("presence").await;
    assert_eq!(f["data"], json!({"userId": a_id, "online": true}));
    let (_, p) = s.get(&format!("/api/users/{a_id}/presence"), &b).await;
    assert_eq!(p["data"]["online"], true);
    a_ws.close().await;
    let f = b_ws.next_of("presence").await;
    assert_eq!(f["data"]["online"], false);
    assert!(f["data"]["lastSeenAt"].is_string());
    let (_, p) = s.get(&format!("/api/users/{a_id}/presence"), &b).await;
    assert_eq!(p["data"]["lastSeenAt"], f["data"]["lastSeenAt"]);
}

#[tokio::test]
async fn people_who_go_offline_together_each_get_their_last_seen_and_their_contacts_hear_it() {
    // A proxy restarting drops many sockets at once; their times are written together.
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let mut people = Vec::new();
    for i in 0..12 {
        let (token, id) = s.register(&format!("friend{i}")).await;
        s.send_text(&token, a_id, "hi").await;
        people.push((token, id));
    }
    let mut a_ws = s.socket(&a, None).await;
    a_ws.until_ready().await;
    let mut sockets = Vec::new();
    for (token, _) in &people {
        sockets.push(s.socket(token, None).await);
    }
    for _ in &people {
        assert_eq!(a_ws.next_of("presence").await["data"]["online"], true);
    }
    futures_util::future::join_all(sockets.into_iter().map(|ws| ws.close())).await;
    let mut heard = std::collections::HashMap::new();
    for _ in &people {
        let f = a_ws.next_of("presence").await;
        assert_eq!(f["data"]["online"], false, "{f}");
        heard.insert(f["data"]["userId"].as_i64().unwrap(), f["data"]["lastSeenAt"].clone());
    }
    assert_eq!(heard.len(), people.len(), "each of them, once");
    for (_, id) in &people {
        let (_, p) = s.get(&format!("/api/users/{id}/presence"), &a).await;
        assert_eq!(p["data"]["online"], false);
        assert!(p["data"]["lastSeenAt"].is_string(), "{p}");
        assert_eq!(p["data"]["lastSeenAt"], heard[id], "kept as it was told");
    }
}

async fn search(s: &TestServer, token: &str, q: &str) -> (StatusCode, Value) {
    let q: String = url_escape(q);
    s.get(&format!("/api/messages/search?q={q}"), token).await
}

fn url_escape(q: &str) -> String {
    q.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

fn hit_texts(page: &Value) -> Vec<String> {
    page["data"]["list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["snippet"].as_str().unwrap().replace(['\u{2}', '\u{3}'], ""))
        .collect()
}

#[tokio::test]
async fn search_finds_chinese_and_english_in_what_the_reader_may_see() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    s.send_text(&a, b_id, "明天下午三点开会，别迟到").await;
    s.send_text(&b, a_id, "The quarterly budget review moved to Friday").await;
    let recalled = s.send_text(&a, b_id, "budget secret recalled").await;
    let hidden = s.send_text(&b, a_id, "budget note deleted for alice").await;
    s.send_text(&b, c_id, "budget talk alice never sees").await;
    s.call(Method::POST, &format!("/api/messages/{}/recall", id(&recalled)), Some(&a), None).await;
    s.call(Method::DELETE, &format!("/api/messages/{}", id(&hidden)), Some(&a), None).await;

    let (status, page) = search(&s, &a, "开会").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(hit_texts(&page).len(), 1);
    assert!(hit_texts(&page)[0].contains("开会"));
    let snippet = page["data"]["list"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("\u{2}开会\u{3}"), "the word is highlighted as one: {snippet:?}");
    assert_eq!(page["data"]["list"][0]["conversationName"], "BOB");
    let (_, page) = search(&s, &a, "下午").await;
    assert_eq!(hit_texts(&page).len(), 1, "a two-character word is found");

    let (_, page) = search(&s, &a, "budget").await;
    assert_eq!(hit_texts(&page), vec!["The quarterly budget review moved to Friday"]);
    let (_, page) = search(&s, &a, "Quarterly revi").await;
    assert_eq!(hit_texts(&page).len(), 1, "case-insensitive, and the last word may be unfinished");
    let (_, page) = search(&s, &c, "budget").await;
    assert_eq!(hit_texts(&page), vec!["budget talk alice never sees"], "carol sees only her own chat");

    // An edit is found by its new words only.
    let m = s.send_text(&a, b_id, "pineapple pizza").await;
    s.call(Method::PATCH, &format!("/api/messages/{}", id(&m)), Some(&a), Some(json!({"content": "mango salad"})))
        .await;
    assert!(hit_texts(&search(&s, &b, "pineapple").await.1).is_empty());
    assert_eq!(hit_texts(&search(&s, &b, "mango").await.1).len(), 1);

    // A hit in a group is named by the group.
    let (status, group) = s.post("/api/groups", &a, json!({"name": "Team", "memberIds": [b_id, c_id]})).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let cid = group["data"]["conversationId"].as_i64().unwrap();
    let (status, _) =
        s.post("/api/messages", &c, json!({"conversationId": cid, "content": "roadmap for next year"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, page) = search(&s, &a, "roadmap").await;
    assert_eq!(page["data"]["list"][0]["conversationName"], "Team", "{page}");

    for bad in ["", "   ", "?!", &"x".repeat(101)] {
        let (status, body) = search(&s, &a, bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {body}");
    }
    let (status, _) = s.call(Method::GET, "/api/messages/search?q=budget", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn search_never_fails_on_what_people_type() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    s.send_text(&a, b_id, "NEAR the \"quoted\" AND-or* thing: x^2").await;
    for q in [
        "\"",
        "\"\"",
        "a\"b",
        "NEAR(a b)",
        "AND",
        "OR NOT",
        "*",
        "a*",
        "^x",
        "col:val",
        "(",
        ")",
        "-x",
        "x -",
        "\u{0}abc",
        "\u{2063}",
        "😀",
        "👍🏽 ok",
        "a'b",
        "%_",
        "\\",
        "{x}",
        "+",
        "x:y:z",
        "' OR 1=1 --",
        "ab\u{301}",
        "ｗｉｄｅ",
    ] {
        let (status, body) = search(&s, &a, q).await;
        // A NUL cannot even be in the URL (400); anything else is searched for or refused (422).
        let fine = [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY, StatusCode::BAD_REQUEST];
        assert!(fine.contains(&status), "{q:?}: {status} {body}");
    }
    let (_, page) = search(&s, &a, "\"quoted\"").await;
    assert_eq!(hit_texts(&page).len(), 1);
    let (_, page) = search(&s, &a, "x^2").await;
    assert_eq!(hit_texts(&page).len(), 1, "punctuation inside a word is a separator, as in the text");
}

#[tokio::test]
async fn messages_from_before_search_existed_are_indexed_at_start() {
    let mut s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    s.send_text(&a, b_id, "archived words from last year").await;
    {
        // As a database from before the search index: no entries, the backfill not yet run.
        let mut w = s.server.as_ref().unwrap().state.store.writer().await.unwrap();
        sqlx::query("DELETE FROM message_search").execute(&mut *w).await.unwrap();
        sqlx::query("UPDATE search_backfill SET next_id = 0").execute(&mut *w).await.unwrap();
    }
    assert!(hit_texts(&search(&s, &a, "archived").await.1).is_empty());
    s.restart().await;
    assert_eq!(hit_texts(&search(&s, &a, "archived").await.1), vec!["archived words from last year"]);
}

/// The word being typed is found as the start of longer ones from its second character: one
/// letter alone stands for too many words to be worth merging (see `store::search`).
#[tokio::test]
async fn one_letter_is_searched_as_a_word_and_two_as_the_start_of_one() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    s.send_text(&a, b_id, "plan b it is").await;
    s.send_text(&a, b_id, "bravo team").await;
    assert_eq!(hit_texts(&search(&s, &a, "b").await.1), ["plan b it is"]);
    assert_eq!(hit_texts(&search(&s, &a, "br").await.1), ["bravo team"]);
    assert_eq!(hit_texts(&search(&s, &a, "team b").await.1), Vec::<String>::new());
    assert_eq!(hit_texts(&search(&s, &a, "team br").await.1), ["bravo team"]);
}

#[tokio::test]
async fn search_pages_newest_first() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    for i in 0..25 {
        s.send_text(&a, b_id, &format!("standup note {i}")).await;
    }
    let (_, first) = s.get("/api/messages/search?q=standup&pageSize=20", &a).await;
    assert_eq!(first["data"]["list"].as_array().unwrap().len(), 20);
    assert_eq!(first["data"]["hasMore"], true);
    assert!(hit_texts(&first)[0].ends_with("24"));
    let last = first["data"]["list"][19]["messageId"].as_i64().unwrap();
    let (_, second) = s.get(&format!("/api/messages/search?q=standup&beforeMessageId={last}"), &a).await;
    assert_eq!(second["data"]["list"].as_array().unwrap().len(), 5);
    assert_eq!(second["data"]["hasMore"], false);
}

/// A word common in other people's chats costs a page no more than one in the reader's own: a
/// page looks at a bounded number of the index's matches (here 50), and a page cut there, short
/// or empty, says where the next one starts. Followed to the end, the pages find each of the
/// reader's messages once, newest first.
#[tokio::test]
async fn a_word_common_in_other_peoples_chats_is_searched_a_bounded_stretch_at_a_time() {
    let s = TestServer::start_with(|c| c.search_scan = 50).await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, _) = s.register("carol").await;
    let (_, d_id) = s.register("dave").await;
    s.send_text(&a, b_id, "needle one, alice's oldest").await;
    s.send_text(&b, a_id, "needle two, from bob").await;
    for i in 0..120 {
        s.send_text(&c, d_id, &format!("needle in carol's chat {i}")).await;
    }
    s.send_text(&a, b_id, "needle three, alice's newest").await;

    let mut found = Vec::new();
    let mut pages = Vec::new();
    let mut before: Option<i64> = None;
    loop {
        let cursor = before.map_or(String::new(), |b| format!("&beforeMessageId={b}"));
        let (status, page) = s.get(&format!("/api/messages/search?q=needle&pageSize=2{cursor}"), &a).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        found.extend(hit_texts(&page));
        pages.push(page["data"]["list"].as_array().unwrap().len());
        let next = page["data"]["nextBeforeMessageId"].as_i64();
        assert_eq!(page["data"]["hasMore"], next.is_some(), "{page}");
        match next {
            Some(n) => before = Some(n),
            None => break,
        }
        assert!(pages.len() < 10, "the pages end: {pages:?}");
    }
    assert_eq!(found, ["needle three, alice's newest", "needle two, from bob", "needle one, alice's oldest"]);
    // 123 matches, 50 looked at a page: the first page finds her newest among carol's; the second
    // looks at 50 of carol's and comes back empty; the third finds the other two.
    assert_eq!(pages, [1, 0, 2], "each page looks at 50 matches, at most");
    // Carol's own fill pages as before: a full page goes on from its last hit.
    let (_, first) = s.get("/api/messages/search?q=needle&pageSize=20", &c).await;
    let list = first["data"]["list"].as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(first["data"]["nextBeforeMessageId"], list[19]["messageId"]);
}

#[tokio::test]
async fn forwarding_copies_text_and_files_to_conversations_the_forwarder_is_in() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let bytes: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
    let (_, up) = upload(&s, &a, "report.bin", "application/octet-stream", bytes.clone()).await;
    let file_msg = s
        .post(
            "/api/messages",
            &a,
            json!({"receiverId": b_id, "content": {"fileId": up["data"]["fileId"]}, "messageType": "file"}),
        )
        .await
        .1["data"]
        .clone();
    let text_msg = s.send_text(&a, b_id, "see the attached report").await;
    let bob_carol = s.send_text(&b, c_id, "hi carol").await["conversationId"].as_i64().unwrap();
    let alice_carol = s.send_text(&a, c_id, "hey").await["conversationId"].as_i64().unwrap();
    let mut c_ws = s.socket(&c, None).await;
    c_ws.until_ready().await;

    // Bob forwards Alice's file and text to Carol.
    let (status, out) = s
        .post(
            "/api/messages/forward",
            &b,
            json!({"messageIds": [id(&text_msg), id(&file_msg)], "conversationIds": [bob_carol]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let list = out["data"]["list"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["messageType"], "file", "oldest first");
    assert_eq!(list[0]["senderId"], b_id);
    assert_eq!(list[1]["content"], "see the attached report");
    assert_eq!(c_ws.next_of("new_message").await["data"]["messageType"], "file");
    let (_, history) = s.get(&format!("/api/conversations/{bob_carol}/messages"), &c).await;
    let url = history["data"]["list"][1]["content"]["fileUrl"].as_str().unwrap().to_string();
    let got = reqwest::get(format!("{}{url}", s.base)).await.unwrap().bytes().await.unwrap();
    assert_eq!(got.to_vec(), bytes, "carol downloads identical bytes");

    // Alice recalling her original leaves the forwarded copy's file in place.
    s.call(Method::POST, &format!("/api/messages/{}/recall", id(&file_msg)), Some(&a), None).await;
    assert_eq!(reqwest::get(format!("{}{url}", s.base)).await.unwrap().status(), StatusCode::OK);

    // Only what the forwarder can see, only where they are a member.
    let (status, _) = s
        .post("/api/messages/forward", &c, json!({"messageIds": [id(&text_msg)], "conversationIds": [bob_carol]}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "carol cannot see alice and bob's chat");
    let (status, _) = s
        .post("/api/messages/forward", &b, json!({"messageIds": [id(&text_msg)], "conversationIds": [alice_carol]}))
        .await;
    assert!(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN, "{status}");
    for bad in [
        json!({"messageIds": [], "conversationIds": [bob_carol]}),
        json!({"messageIds": [id(&text_msg)], "conversationIds": []}),
        json!({"messageIds": [id(&file_msg)], "conversationIds": [bob_carol]}),
    ] {
        let (status, body) = s.post("/api/messages/forward", &b, bad.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
    }
    let (status, _) = s.post("/api/messages/forward", &b, json!({"messageIds": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let _ = a_id;
}

/// A new message is built by its writer from what it wrote, not read back: its sender's answer
/// and every member's event must be what reading it back gives — as text, file, reply (to a
/// long text and to a file), in a chat that burns, and mentioning in a group.
#[tokio::test]
async fn a_new_message_is_answered_and_told_exactly_as_it_reads_back() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (_, c_id) = s.register("carol").await;
    let first = s.send_text(&a, b_id, "hello").await;
    let cid = first["conversationId"].as_i64().unwrap();
    let (status, body) = s
        .call(
            Method::PATCH,
            &format!("/api/conversations/{cid}"),
            Some(&a),
            Some(json!({"isPrivateChat": true, "burnDuration": 30})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, up) = upload(&s, &a, "plan.pdf", "application/pdf", b"%PDF-1.4 plan".to_vec()).await;
    assert_eq!(status, StatusCode::CREATED, "{up}");
    let (status, group) = s.post("/api/groups", &a, json!({"name": "trio", "memberIds": [b_id, c_id]})).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    let mut b_ws = s.socket(&b, None).await;
    b_ws.until_ready().await;

    // Each send as (sender, answer); the replies quote the first two.
    let long = "长".repeat(450) + " and then some";
    let mut sent: Vec<(String, Value)> = Vec::new();
    let mut send = async |token: &str, body: Value| {
        let (status, answer) = s.post("/api/messages", token, body).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        sent.push((token.to_string(), answer["data"].clone()));
        id(&answer["data"])
    };
    let text = send(&a, json!({"conversationId": cid, "content": long})).await;
    let file =
        send(&a, json!({"conversationId": cid, "messageType": "file", "content": {"fileId": up["data"]["fileId"]}}))
            .await;
    send(&b, json!({"conversationId": cid, "content": "re long", "replyToMessageId": text})).await;
    send(&b, json!({"conversationId": cid, "content": "re file", "replyToMessageId": file})).await;
    send(&a, json!({"conversationId": gid, "content": "@bob @all look", "atUserIds": [b_id], "atAll": true})).await;
    let excerpt = sent[2].1["replyTo"]["excerpt"].as_str().unwrap();
    assert!(excerpt.starts_with("长长长") && excerpt.ends_with('…'), "{excerpt}");
    assert_eq!(sent[3].1["replyTo"]["excerpt"], "plan.pdf");
    assert_eq!(sent[0].1["burnDuration"], 30);

    let read_back = |token: String, conversation: i64, message: i64| {
        let s = &s;
        async move {
            let (_, page) = s.get(&format!("/api/conversations/{conversation}/messages?pageSize=100"), &token).await;
            page["data"]["list"].as_array().unwrap().iter().find(|m| id(m) == message).cloned().unwrap()
        }
    };
    for (token, answer) in &sent {
        let conversation = answer["conversationId"].as_i64().unwrap();
        assert_eq!(*answer, read_back(token.clone(), conversation, id(answer)).await, "the sender's answer");
    }
    // Bob's events: his own sends (as their sender) and Alice's (as a reader), in order.
    for (_, answer) in &sent {
        let told = b_ws.next_of("new_message").await;
        assert_eq!(id(&told["data"]), id(answer));
        let conversation = answer["conversationId"].as_i64().unwrap();
        assert_eq!(told["data"], read_back(b.clone(), conversation, id(answer)).await, "bob's event");
    }
}
