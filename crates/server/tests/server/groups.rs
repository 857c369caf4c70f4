//! Groups over real HTTP and WebSocket: roles, membership, removal, mentions, read counts.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use super::common::TestServer;

async fn create(s: &TestServer, token: &str, name: &str, members: &[i64]) -> (StatusCode, Value) {
    s.post("/api/groups", token, json!({"name": name, "memberIds": members})).await
}

async fn say(s: &TestServer, token: &str, cid: i64, text: &str, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"conversationId": cid, "content": text});
    body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    s.post("/api/messages", token, body).await
}

async fn conversation(s: &TestServer, token: &str, cid: i64) -> Value {
    let (status, body) = s.get(&format!("/api/conversations/{cid}"), token).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["data"].clone()
}

async fn history_texts(s: &TestServer, token: &str, cid: i64) -> Vec<String> {
    let (_, body) = s.get(&format!("/api/conversations/{cid}/messages?pageSize=100"), token).await;
    let list = body["data"]["list"].as_array().unwrap();
    // Every test's group fits in one page: the total counts exactly what this member sees.
    assert_eq!(body["data"]["total"].as_u64(), Some(list.len() as u64), "{body}");
    list.iter().map(|m| m["content"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn a_group_is_created_listed_and_chatted_in_by_every_member_only() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let (d, _) = s.register("dave").await;
    let mut bob_ws = s.socket(&b, None).await;
    bob_ws.until_ready().await;
    let mut dave_ws = s.socket(&d, None).await;
    dave_ws.until_ready().await;

    let (status, group) = create(&s, &a, "  Weekend   trip ", &[b_id, c_id, b_id]).await;
    assert_eq!(status, StatusCode::CREATED, "{group}");
    let g = &group["data"];
    assert_eq!(g["conversationType"], "group");
    assert_eq!(g["targetUserName"], "Weekend trip");
    assert_eq!(g["memberCount"], 3);
    assert_eq!(g["myRole"], "owner");
    let cid = g["conversationId"].as_i64().unwrap();

    // Bob hears of it live: the "created" notice, as data.
    let created = bob_ws.next().await;
    assert_eq!(created["type"], "new_message");
    assert_eq!(created["data"]["messageType"], "system");
    assert_eq!(created["data"]["system"]["kind"], "created");
    assert_eq!(created["data"]["system"]["actorName"], "ALICE");
    assert_eq!(created["data"]["system"]["text"], "Weekend trip");
    let (_, list) = s.get("/api/conversations", &c).await;
    let row = list["data"]["list"].as_array().unwrap().iter().find(|x| x["conversationId"] == cid).unwrap().clone();
    assert_eq!(row["memberCount"], 3);
    assert_eq!(row["myRole"], "member");
    assert_eq!(row["unreadCount"], 0, "system notices are not unread messages");

    let (status, sent) = say(&s, &b, cid, "hi all", json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    assert_eq!(sent["data"]["senderName"], "BOB");
    assert_eq!(conversation(&s, &a, cid).await["unreadCount"], 1);
    assert_eq!(conversation(&s, &c, cid).await["unreadCount"], 1);

    // Dave is no member: nothing reaches him, and every group endpoint says no.
    dave_ws.expect_quiet().await;
    for path in [format!("/api/groups/{cid}/members"), format!("/api/conversations/{cid}/messages")] {
        assert_eq!(s.get(&path, &d).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(say(&s, &d, cid, "let me in", json!({})).await.0, StatusCode::NOT_FOUND);
    let (status, _) = s.post(&format!("/api/groups/{cid}/members"), &d, json!({"userIds": [1]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(s.post(&format!("/api/groups/{cid}/leave"), &d, json!({})).await.0, StatusCode::NOT_FOUND);
    let (status, _) = s.call(Method::PATCH, &format!("/api/groups/{cid}"), Some(&d), Some(json!({"name": "x"}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_owners_and_admins_manage_and_a_removed_member_gets_nothing_newer() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let (_, d_id) = s.register("dave").await;
    let (_, group) = create(&s, &a, "Team", &[b_id, c_id]).await;
    let cid = group["data"]["conversationId"].as_i64().unwrap();

    // A plain member may not add, remove, rename or promote.
    assert_eq!(
        s.post(&format!("/api/groups/{cid}/members"), &b, json!({"userIds": [d_id]})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.call(Method::DELETE, &format!("/api/groups/{cid}/members/{c_id}"), Some(&b), None).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, _) =
        s.call(Method::PATCH, &format!("/api/groups/{cid}"), Some(&b), Some(json!({"name": "Mine"}))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        s.call(Method::PUT, &format!("/api/groups/{cid}/admins/{c_id}"), Some(&b), None).await.0,
        StatusCode::FORBIDDEN
    );

    // The owner makes Bob an admin; Bob can then add Dave, rename, and remove a member.
    let (status, members) = s.call(Method::PUT, &format!("/api/groups/{cid}/admins/{b_id}"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK, "{members}");
    let (status, added) = s.post(&format!("/api/groups/{cid}/members"), &b, json!({"userIds": [d_id]})).await;
    assert_eq!(status, StatusCode::OK, "{added}");
    assert_eq!(added["data"].as_array().unwrap().len(), 4);
    let (status, renamed) =
        s.call(Method::PATCH, &format!("/api/groups/{cid}"), Some(&b), Some(json!({"name": "Core team"}))).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(renamed["data"]["targetUserName"], "Core team");
    // An admin cannot remove the owner.
    let a_id = members["data"][0]["userId"].as_i64().unwrap();
    assert_eq!(members["data"][0]["role"], "owner");
    assert_eq!(
        s.call(Method::DELETE, &format!("/api/groups/{cid}/members/{a_id}"), Some(&b), None).await.0,
        StatusCode::FORBIDDEN
    );

    say(&s, &a, cid, "before the removal", json!({})).await;
    let mut carol_ws = s.socket(&c, None).await;
    let (_, seq_before) = carol_ws.until_ready().await;
    let (status, _) = s.call(Method::DELETE, &format!("/api/groups/{cid}/members/{c_id}"), Some(&b), None).await;
    assert_eq!(status, StatusCode::OK);
    let notice = carol_ws.next().await;
    assert_eq!(notice["data"]["system"]["kind"], "removed", "Carol sees her own removal: {notice}");
    let updated = carol_ws.next().await;
    assert_eq!(updated["type"], "conversation_updated");
    assert_eq!(updated["data"]["isNotInGroup"], true);
    say(&s, &a, cid, "after the removal", json!({})).await;
    carol_ws.expect_quiet().await;

    // Carol: history up to her removal, no sending, nothing newer on catch-up either.
    let texts = history_texts(&s, &c, cid).await;
    assert!(texts.contains(&"before the removal".to_string()));
    assert!(!texts.contains(&"after the removal".to_string()));
    assert_eq!(say(&s, &c, cid, "can I still talk?", json!({})).await.0, StatusCode::FORBIDDEN);
    let view = conversation(&s, &c, cid).await;
    assert_eq!(view["isNotInGroup"], true);
    assert!(view.get("myRole").is_none());
    assert_eq!(view["lastMessage"], "BOB removed CAROL");
    let mut again = s.socket(&c, Some(seq_before)).await;
    let (replayed, _) = again.until_ready().await;
    assert!(replayed.iter().all(|f| !f.to_string().contains("after the removal")));
    assert_eq!(conversation(&s, &a, cid).await["memberCount"], 3);
}

#[tokio::test]
async fn when_the_owner_leaves_the_longest_standing_admin_takes_over() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let (_, group) = create(&s, &a, "Club", &[b_id, c_id]).await;
    let cid = group["data"]["conversationId"].as_i64().unwrap();
    s.call(Method::PUT, &format!("/api/groups/{cid}/admins/{c_id}"), Some(&a), None).await;
    let (status, _) = s.post(&format!("/api/groups/{cid}/leave"), &a, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (_, members) = s.get(&format!("/api/groups/{cid}/members"), &b).await;
    let roles: Vec<(i64, String)> = members["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["userId"].as_i64().unwrap(), m["role"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(roles, vec![(c_id, "owner".to_string()), (b_id, "member".to_string())]);
    assert_eq!(conversation(&s, &c, cid).await["myRole"], "owner");
    assert_eq!(conversation(&s, &a, cid).await["isNotInGroup"], true);
    // Then Bob, a member, leaves too; the group goes on with Carol.
    assert_eq!(s.post(&format!("/api/groups/{cid}/leave"), &b, json!({})).await.0, StatusCode::OK);
    assert_eq!(s.post(&format!("/api/groups/{cid}/leave"), &b, json!({})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(conversation(&s, &c, cid).await["memberCount"], 1);
}

#[tokio::test]
async fn mentions_set_and_clear_group_at_type_and_at_data() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (c, c_id) = s.register("carol").await;
    let (_, d_id) = s.register("dave").await;
    let (_, group) = create(&s, &a, "Mentions", &[b_id, c_id]).await;
    let cid = group["data"]["conversationId"].as_i64().unwrap();

    let (status, m) = say(&s, &a, cid, "@BOB look", json!({"atUserIds": [b_id]})).await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    assert_eq!(m["data"]["atUserIds"], json!([b_id]));
    let bob = conversation(&s, &b, cid).await;
    assert_eq!(bob["groupAtType"], 1);
    assert_eq!(bob["atData"]["mentionerId"], a_id);
    assert_eq!(bob["atData"]["mentionerName"], "ALICE");
    assert_eq!(bob["atData"]["messageId"], m["data"]["messageId"]);
    assert!(conversation(&s, &c, cid).await.get("groupAtType").is_none(), "Carol was not mentioned");

    let (status, all) = say(&s, &a, cid, "@All meeting at 3", json!({"atAll": true})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(conversation(&s, &b, cid).await["groupAtType"], 3, "@me and @all");
    let carol = conversation(&s, &c, cid).await;
    assert_eq!(carol["groupAtType"], 2);
    assert_eq!(carol["atData"]["messageId"], all["data"]["messageId"]);

    // Reading clears it.
    assert_eq!(s.call(Method::PUT, &format!("/api/conversations/{cid}/read"), Some(&b), None).await.0, StatusCode::OK);
    let bob = conversation(&s, &b, cid).await;
    assert!(bob.get("groupAtType").is_none() && bob.get("atData").is_none(), "{bob}");

    // The announcement changing flags 4 for the others.
    let (status, _) = s
        .call(Method::PATCH, &format!("/api/groups/{cid}"), Some(&a), Some(json!({"announcement": "Bring snacks"})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let bob = conversation(&s, &b, cid).await;
    assert_eq!(bob["groupAtType"], 4);
    assert_eq!(bob["announcement"], "Bring snacks");
    assert_eq!(conversation(&s, &c, cid).await["groupAtType"], 2, "an unread mention is not replaced");

    // Bad mentions store nothing.
    let before = history_texts(&s, &a, cid).await.len();
    assert_eq!(
        say(&s, &b, cid, "@All hi", json!({"atAll": true})).await.0,
        StatusCode::FORBIDDEN,
        "a member may not @all"
    );
    assert_eq!(say(&s, &a, cid, "@Dave?", json!({"atUserIds": [d_id]})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) =
        s.post("/api/messages", &a, json!({"receiverId": b_id, "content": "hi", "atUserIds": [b_id]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "no mentions in one-to-one chats");
    assert_eq!(history_texts(&s, &a, cid).await.len(), before);
}

#[tokio::test]
async fn senders_see_how_many_have_read_and_who() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (_, c_id) = s.register("carol").await;
    let (_, group) = create(&s, &a, "Receipts", &[b_id, c_id]).await;
    let cid = group["data"]["conversationId"].as_i64().unwrap();
    let (_, m) = say(&s, &a, cid, "read me", json!({})).await;
    let mid = m["data"]["messageId"].as_i64().unwrap();
    assert_eq!(m["data"]["readCount"], 0);
    s.call(Method::PUT, &format!("/api/conversations/{cid}/read"), Some(&b), None).await;
    let (_, page) = s.get(&format!("/api/conversations/{cid}/messages"), &a).await;
    let mine = page["data"]["list"].as_array().unwrap().iter().find(|x| x["messageId"] == mid).unwrap().clone();
    assert_eq!(mine["readCount"], 1);
    assert_eq!(mine["isRead"], true);
    let (status, readers) = s.get(&format!("/api/messages/{mid}/readers"), &a).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        readers["data"].as_array().unwrap().iter().map(|u| u["userId"].as_i64().unwrap()).collect::<Vec<_>>(),
        vec![b_id]
    );
}

#[tokio::test]
async fn bad_group_input_gets_a_clear_4xx_and_stores_nothing() {
    let s = TestServer::start_with(|c| c.max_group_members = 3).await;
    let (a, _) = s.register("alice").await;
    let (_, b_id) = s.register("bob").await;
    let (_, c_id) = s.register("carol").await;
    let (_, d_id) = s.register("dave").await;
    let cases = [
        (json!({"name": "   ", "memberIds": [b_id]}), StatusCode::UNPROCESSABLE_ENTITY, "empty"),
        (json!({"name": "x".repeat(65), "memberIds": [b_id]}), StatusCode::UNPROCESSABLE_ENTITY, "64"),
        (json!({"name": "Too many", "memberIds": [b_id, c_id, d_id]}), StatusCode::UNPROCESSABLE_ENTITY, "at most 3"),
        (json!({"name": "Ghosts", "memberIds": [b_id, 9999]}), StatusCode::UNPROCESSABLE_ENTITY, "9999"),
        (json!({"name": "Typed", "memberIds": "everyone"}), StatusCode::UNPROCESSABLE_ENTITY, "memberIds"),
    ];
    for (body, want, mentions) in cases {
        let (status, env) = s.post("/api/groups", &a, body.clone()).await;
        assert_eq!(status, want, "{body} -> {env}");
        assert!(env["message"].as_str().unwrap().contains(mentions), "{body}: {env}");
    }
    let (_, list) = s.get("/api/conversations", &a).await;
    assert_eq!(list["data"]["total"], 0, "nothing was created");
    let (_, ok) = create(&s, &a, "Pair", &[b_id]).await;
    let cid = ok["data"]["conversationId"].as_i64().unwrap();
    let (status, env) = s.post(&format!("/api/groups/{cid}/members"), &a, json!({"userIds": [c_id, d_id]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{env}");
    let (status, _) =
        s.post("/api/messages", &a, json!({"conversationId": cid, "receiverId": b_id, "content": "x"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "receiverId is not for groups");
}
