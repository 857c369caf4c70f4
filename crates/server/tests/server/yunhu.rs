//! Seed 003's (YunHu's) conversation API as its document writes it: the `token` header, `code: 1`,
//! the list in protobuf decoded with a schema written here from the document, and what a YunHu
//! client changes seen by the web app's API and socket.

use prost::Message as _;
use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::TestServer;

/// The document's `message list`, written out again here (not the server's types).
mod doc {
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct List {
        #[prost(message, optional, tag = "1")]
        pub status: Option<Status>,
        #[prost(message, repeated, tag = "2")]
        pub data: Vec<Data>,
        #[prost(uint64, tag = "3")]
        pub total: u64,
        #[prost(string, tag = "4")]
        pub request_id: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Status {
        #[prost(uint64, tag = "1")]
        pub number: u64,
        #[prost(uint64, tag = "2")]
        pub code: u64,
        #[prost(string, tag = "3")]
        pub msg: String,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct Data {
        #[prost(string, tag = "1")]
        pub chat_id: String,
        #[prost(uint64, tag = "2")]
        pub chat_type: u64,
        #[prost(string, tag = "3")]
        pub name: String,
        #[prost(string, tag = "4")]
        pub chat_content: String,
        #[prost(uint64, tag = "5")]
        pub timestamp_ms: u64,
        #[prost(uint64, tag = "6")]
        pub unread_message: u64,
        #[prost(uint64, tag = "7")]
        pub at: u64,
        #[prost(uint64, tag = "8")]
        pub avatar_id: u64,
        #[prost(string, tag = "9")]
        pub avatar_url: String,
        #[prost(uint64, tag = "11")]
        pub do_not_disturb: u64,
        #[prost(uint64, tag = "12")]
        pub timestamp: u64,
        #[prost(message, optional, tag = "14")]
        pub at_data: Option<AtData>,
        #[prost(uint64, tag = "16")]
        pub certification_level: u64,
    }
    #[derive(Clone, PartialEq, prost::Message)]
    pub struct AtData {
        #[prost(uint64, tag = "1")]
        pub unknown: u64,
        #[prost(string, tag = "2")]
        pub mentioned_id: String,
        #[prost(string, tag = "3")]
        pub mentioned_name: String,
        #[prost(string, tag = "4")]
        pub mentioned_in: String,
        #[prost(string, tag = "6")]
        pub mentioner_id: String,
        #[prost(string, tag = "7")]
        pub mentioner_name: String,
        #[prost(uint64, tag = "8")]
        pub msg_seq: u64,
    }
}

async fn yunhu(s: &TestServer, path: &str, token: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = s.http.post(format!("{}/v1/conversation/{path}", s.base)).header("token", token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    req.send().await.unwrap()
}

async fn list(s: &TestServer, token: &str) -> doc::List {
    let res = yunhu(s, "list", token, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/x-protobuf");
    doc::List::decode(res.bytes().await.unwrap()).expect("the list decodes with the document's schema")
}

#[tokio::test]
async fn the_list_in_protobuf_and_dismiss_notification_read_by_the_web_app() {
    let s = TestServer::start().await;
    let (alice, alice_id) = s.register("alice").await;
    let (bob, bob_id) = s.register("bob").await;
    s.send_text(&bob, alice_id, "在吗？").await;
    let sent = s.send_text(&bob, alice_id, "我信(").await;
    let cid = sent["conversationId"].as_i64().unwrap();

    let l = list(&s, &alice).await;
    let status = l.status.clone().unwrap();
    assert_eq!((status.code, status.msg.as_str()), (1, "success"));
    assert_eq!(l.total, 1);
    assert!(!l.request_id.is_empty());
    let chat = &l.data[0];
    assert_eq!((chat.chat_id.as_str(), chat.chat_type, chat.name.as_str()), (bob_id.to_string().as_str(), 1, "BOB"));
    assert_eq!(chat.chat_content, "我信(");
    assert_eq!((chat.unread_message, chat.at, chat.do_not_disturb), (1, 0, 0));
    let now = chrono_now_ms();
    assert!(chat.timestamp_ms <= now && now - chat.timestamp_ms < 60_000, "{}", chat.timestamp_ms);
    assert_eq!(chat.timestamp, chat.timestamp_ms / 1000);

    // The same in JSON, when asked.
    let res = s
        .http
        .post(format!("{}/v1/conversation/list", s.base))
        .header("token", &alice)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let j: Value = res.json().await.unwrap();
    assert_eq!(j["status"]["code"], 1);
    assert_eq!(j["data"][0]["chat_content"], "我信(");
    assert_eq!(j["total"], 1);

    // 将对话设为已读: the web app's list and its other tabs follow.
    let mut tab = s.socket(&alice, None).await;
    tab.until_ready().await;
    let res = yunhu(&s, "dismiss-notification", &alice, Some(json!({"chatId": bob_id.to_string()}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"code": 1, "msg": "success"}));
    let (_, c) = s.get(&format!("/api/conversations/{cid}"), &alice).await;
    assert_eq!(c["data"]["unreadCount"], 0);
    let read = tab.next().await;
    assert_eq!((read["type"].as_str(), read["data"]["readerId"].as_i64()), (Some("read"), Some(alice_id)));
    assert_eq!(list(&s, &alice).await.data[0].unread_message, 0);
}

fn chrono_now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

#[tokio::test]
async fn groups_mentions_mutes_and_sort_change_match_the_web_app() {
    let s = TestServer::start().await;
    let (alice, alice_id) = s.register("alice").await;
    let (bob, bob_id) = s.register("bob").await;
    let (carol, carol_id) = s.register("carol").await;
    let (_, group) = s.post("/api/groups", &bob, json!({"name": "Trip", "memberIds": [alice_id, carol_id]})).await;
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    let (status, _) = s
        .post(
            "/api/messages",
            &bob,
            json!({"conversationId": gid, "content": "@ALICE tickets?", "atUserIds": [alice_id]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    s.send_text(&carol, alice_id, "hello").await;
    // Alice mutes Carol in the web app.
    let (_, carol_chat) = s.get("/api/conversations", &alice).await;
    let carol_cid =
        carol_chat["data"]["list"].as_array().unwrap().iter().find(|c| c["targetUserId"] == carol_id).unwrap()
            ["conversationId"]
            .as_i64()
            .unwrap();
    s.call(
        reqwest::Method::PATCH,
        &format!("/api/conversations/{carol_cid}"),
        Some(&alice),
        Some(json!({"recvMsgOpt": 1})),
    )
    .await;

    let l = list(&s, &alice).await;
    let g = l.data.iter().find(|d| d.chat_type == 2).expect("the group");
    assert_eq!((g.chat_id.as_str(), g.name.as_str(), g.at), (gid.to_string().as_str(), "Trip", 1));
    let at = g.at_data.clone().expect("at_data for an unread mention");
    assert_eq!((at.mentioner_id.as_str(), at.mentioner_name.as_str()), (bob_id.to_string().as_str(), "BOB"));
    assert_eq!(
        (at.mentioned_id.as_str(), at.mentioned_in.as_str()),
        (alice_id.to_string().as_str(), gid.to_string().as_str())
    );
    let c = l.data.iter().find(|d| d.chat_id == carol_id.to_string()).expect("carol");
    assert_eq!((c.chat_type, c.do_not_disturb), (1, 1));
    assert_eq!(l.data[0].chat_id, carol_id.to_string(), "newest first");

    // 更改对话排序: the group goes first, pinned (as the web app shows it).
    let res = yunhu(&s, "sort-change", &alice, Some(json!({"userId": gid.to_string()}))).await;
    assert_eq!(res.json::<Value>().await.unwrap()["code"], 1);
    assert_eq!(list(&s, &alice).await.data[0].chat_id, gid.to_string());
    let (_, web) = s.get("/api/conversations", &alice).await;
    assert_eq!(web["data"]["list"][0]["conversationId"], gid);
    assert_eq!(web["data"]["list"][0]["isPinned"], true);
    // chatType picks between a person and a group with the same number.
    let res = yunhu(&s, "dismiss-notification", &alice, Some(json!({"chatId": gid.to_string(), "chatType": 2}))).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(list(&s, &alice).await.data[0].at, 0, "read: the mention mark is gone");
}

#[tokio::test]
async fn errors_are_in_the_documents_shape_and_change_nothing() {
    let s = TestServer::start().await;
    let (alice, _) = s.register("alice").await;
    let (_, bob_id) = s.register("bob").await;
    let cases = [
        ("list", None, None, StatusCode::UNAUTHORIZED),
        ("list", Some("not-a-token"), None, StatusCode::UNAUTHORIZED),
        ("dismiss-notification", Some(alice.as_str()), Some(json!({})), StatusCode::UNPROCESSABLE_ENTITY),
        (
            "dismiss-notification",
            Some(alice.as_str()),
            Some(json!({"chatId": bob_id.to_string()})),
            StatusCode::NOT_FOUND,
        ),
        (
            "dismiss-notification",
            Some(alice.as_str()),
            Some(json!({"chatId": "1", "chatType": 9})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("sort-change", Some(alice.as_str()), Some(json!({"userId": 5})), StatusCode::UNPROCESSABLE_ENTITY),
        ("sort-change", Some(alice.as_str()), None, StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ];
    for (path, token, body, expected) in cases {
        let mut req = s.http.post(format!("{}/v1/conversation/{path}", s.base));
        if let Some(t) = token {
            req = req.header("token", t);
        }
        if let Some(b) = &body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), expected, "{path} {body:?}");
        let answer: Value = res.json().await.unwrap();
        assert_eq!(answer["code"], expected.as_u16(), "{answer}");
        assert!(answer["msg"].as_str().is_some_and(|m| !m.is_empty()), "{answer}");
    }
    assert_eq!(list(&s, &alice).await.total, 0);
}
