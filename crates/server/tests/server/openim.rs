//! Seed 002's (OpenIM's) conversation API as its document writes it: each request example
//! replayed with the document's own user ids, the answers checked field by field, and every
//! change seen by the web app's API and socket.

use reqwest::StatusCode;
use serde_json::{json, Value};

use super::common::TestServer;

async fn openim(s: &TestServer, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    let res =
        s.http.post(format!("{}/conversation/{path}", s.base)).header("token", token).json(&body).send().await.unwrap();
    let status = res.status();
    let body: Value = res.json().await.expect("every answer is JSON");
    assert!(body["errCode"].is_i64() && body["errMsg"].is_string(), "{body}");
    (status, body)
}

async fn ok(s: &TestServer, path: &str, token: &str, body: Value) -> Value {
    let (status, answer) = openim(s, path, token, body).await;
    assert_eq!((status, answer["errCode"].as_i64()), (StatusCode::OK, Some(0)), "{path}: {answer}");
    assert_eq!(answer["errMsg"], "success");
    answer["data"].clone()
}

/// user_001 and user_002 (李四) in a one-to-one chat with five unread messages from user_002,
/// and a group 技术讨论群 where user_003 @mentions user_001.
async fn the_documents_people(s: &TestServer) -> (String, String, i64) {
    let register = |name: &'static str, display: &'static str| async move {
        let (status, body) = s
            .call(
                reqwest::Method::POST,
                "/api/auth/register",
                None,
                Some(json!({"userName": name, "password": "correct horse", "displayName": display})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        (body["data"]["token"].as_str().unwrap().to_string(), body["data"]["user"]["userId"].as_i64().unwrap())
    };
    let (t1, id1) = register("user_001", "张三").await;
    let (t2, _) = register("user_002", "李四").await;
    let (t3, id3) = register("user_003", "王五").await;
    let (_, group) = s.post("/api/groups", &t3, json!({"name": "技术讨论群", "memberIds": [id1]})).await;
    let gid = group["data"]["conversationId"].as_i64().unwrap();
    let (status, _) = s
        .post(
            "/api/messages",
            &t3,
            json!({"conversationId": gid, "content": "@张三 看到这个问题了吗？", "atUserIds": [id1]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    for i in 1..=5 {
        s.send_text(&t2, id1, &format!("最近怎么样？{i}")).await;
    }
    let _ = id3;
    (t1, t2, gid)
}

const SINGLE: &str = "single_user_001_user_002";

#[tokio::test]
async fn the_list_one_and_several_with_every_field() {
    let s = TestServer::start().await;
    let (t1, _, gid) = the_documents_people(&s).await;
    let group = format!("group_{gid}");

    // 1. 获取会话列表
    let data = ok(
        &s,
        "get_conversations",
        &t1,
        json!({"userID": "user_001", "pagination": {"pageNumber": 1, "showNumber": 20}}),
    )
    .await;
    assert_eq!(data["total"], 2);
    let list = data["conversations"].as_array().unwrap();
    let single = list.iter().find(|c| c["conversationID"] == SINGLE).expect("single_user_001_user_002");
    for key in [
        "ownerUserID",
        "conversationID",
        "conversationType",
        "userID",
        "groupID",
        "showName",
        "faceURL",
        "recvMsgOpt",
        "unreadCount",
        "groupAtType",
        "latestMsg",
        "latestMsgSendTime",
        "draftTextTime",
        "draftText",
        "isPinned",
        "isPrivateChat",
        "burnDuration",
        "isNotInGroup",
        "updateUnreadCountTime",
        "attachedInfo",
        "ex",
    ] {
        assert!(single.get(key).is_some(), "{key} in {single}");
    }
    assert_eq!(single["ownerUserID"], "user_001");
    assert_eq!((single["conversationType"].as_i64(), single["userID"].as_str()), (Some(1), Some("user_002")));
    assert_eq!((single["groupID"].as_str(), single["showName"].as_str()), (Some(""), Some("李四")));
    assert_eq!((single["unreadCount"].as_i64(), single["recvMsgOpt"].as_i64()), (Some(5), Some(0)));
    let msg = &single["latestMsg"];
    assert_eq!((msg["sendID"].as_str(), msg["recvID"].as_str()), (Some("user_002"), Some("user_001")));
    assert_eq!(
        (msg["sessionType"].as_i64(), msg["contentType"].as_i64(), msg["msgFrom"].as_i64()),
        (Some(1), Some(101), Some(100))
    );
    assert_eq!(
        serde_json::from_str::<Value>(msg["content"].as_str().unwrap()).unwrap(),
        json!({"content": "最近怎么样？5"})
    );
    assert_eq!(msg["senderNickname"], "李四");
    assert!(msg["sendTime"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(single["latestMsgSendTime"], msg["sendTime"]);

    let g = list.iter().find(|c| c["conversationID"] == group.as_str()).expect("the group");
    assert_eq!((g["conversationType"].as_i64(), g["groupID"].as_str()), (Some(2), Some(gid.to_string().as_str())));
    assert_eq!((g["showName"].as_str(), g["groupAtType"].as_i64()), (Some("技术讨论群"), Some(1)));
    let at: Value = serde_json::from_str(g["latestMsg"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(g["latestMsg"]["contentType"], 106);
    assert_eq!(at["atUserList"], json!(["user_001"]));
    assert_eq!(g["latestMsg"]["groupID"], gid.to_string());

    // The web app sees the same unread counts.
    let (_, web) = s.get("/api/conversations", &t1).await;
    let web_single =
        web["data"]["list"].as_array().unwrap().iter().find(|c| c["targetUserHandle"] == "user_002").cloned().unwrap();
    assert_eq!(web_single["unreadCount"], single["unreadCount"]);

    // 2. 获取指定会话
    let data = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(&data["conversation"], single);

    // 3. 获取多个会话 (unknown ids are left out)
    let data = ok(
        &s,
        "get_conversations",
        &t1,
        json!({"ownerUserID": "user_001", "conversationIDs": [SINGLE, group, "single_user_001_user_999"]}),
    )
    .await;
    let ids: Vec<&str> =
        data["conversations"].as_array().unwrap().iter().map(|c| c["conversationID"].as_str().unwrap()).collect();
    assert_eq!(ids, [SINGLE, group.as_str()]);

    // Paging: showNumber 1 gives one at a time, the newest first.
    let data = ok(
        &s,
        "get_conversations",
        &t1,
        json!({"userID": "user_001", "pagination": {"pageNumber": 2, "showNumber": 1}}),
    )
    .await;
    assert_eq!((data["total"].as_i64(), data["conversations"].as_array().unwrap().len()), (Some(2), 1));
}

#[tokio::test]
async fn settings_burn_and_unread_reach_the_web_app_live() {
    let s = TestServer::start().await;
    let (t1, t2, gid) = the_documents_people(&s).await;
    let group = format!("group_{gid}");
    let mut tab = s.socket(&t1, None).await;
    tab.until_ready().await;

    // 4. 设置会话 (the document's example, ex kept and returned)
    let data = ok(
        &s,
        "set_conversation",
        &t1,
        json!({"conversation": {"ownerUserID": "user_001", "conversationID": SINGLE, "recvMsgOpt": 1, "isPinned": true,
            "isPrivateChat": false, "burnDuration": 300, "ex": "{\"customField\":\"value\"}", "attachedInfo": "note"}}),
    )
    .await;
    assert_eq!(data, json!({}));
    let update = tab.next().await;
    assert_eq!(update["type"], "conversation_updated", "the web app hears of it");
    assert_eq!((update["data"]["isPinned"].as_bool(), update["data"]["recvMsgOpt"].as_i64()), (Some(true), Some(1)));
    let c = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(
        (c["conversation"]["ex"].as_str(), c["conversation"]["attachedInfo"].as_str()),
        (Some("{\"customField\":\"value\"}"), Some("note"))
    );

    // 5. 批量设置会话: one refused, the other applied.
    let data = ok(
        &s,
        "batch_set_conversation",
        &t1,
        json!({"conversations": [
            {"ownerUserID": "user_001", "conversationID": SINGLE, "recvMsgOpt": 1, "isPinned": false},
            {"ownerUserID": "user_001", "conversationID": "group_999999", "recvMsgOpt": 0, "isPinned": true}
        ]}),
    )
    .await;
    assert_eq!(data, json!({"success": [SINGLE], "failed": ["group_999999"]}));

    // 6.–8. 消息接收选项: 2 (online only) is kept; muted ones leave the total.
    ok(
        &s,
        "set_receive_message_opt",
        &t1,
        json!({"ownerUserID": "user_001", "conversationIDs": [SINGLE, group], "opt": 2}),
    )
    .await;
    let data = ok(&s, "get_receive_message_opt", &t1, json!({"conversationIDs": [SINGLE, group]})).await;
    assert_eq!(
        data,
        json!({"conversationMsgOpts": [{"conversationID": SINGLE, "opt": 2}, {"conversationID": group, "opt": 2}]})
    );
    ok(&s, "set_receive_message_opt", &t1, json!({"ownerUserID": "user_001", "conversationIDs": [group], "opt": 1}))
        .await;
    let data = ok(&s, "get_all_conversation_message_opt", &t1, json!({"userID": "user_001"})).await;
    let opts = data["conversationMsgOpts"].as_array().unwrap();
    assert_eq!(opts.len(), 2);
    assert!(opts.iter().all(|o| o["ownerUserID"] == "user_001"));
    assert!(opts.contains(&json!({"ownerUserID": "user_001", "conversationID": group, "opt": 1})));

    // 11. 获取会话未读总数: the same as the web app's badge (the muted group is not counted).
    let data = ok(&s, "get_total_unread_msg_count", &t1, json!({"userID": "user_001"})).await;
    let (_, web) = s.get("/api/messages/unread-count", &t1).await;
    assert_eq!(data["totalUnreadCount"], 5);
    assert_eq!(web["data"]["totalUnread"], 5, "{web}");

    // 9.–10. 私聊 and 阅后即焚: both sides see it.
    let mut bob_tab = s.socket(&t2, None).await;
    bob_tab.until_ready().await;
    ok(
        &s,
        "set_conversation_is_private_chat",
        &t1,
        json!({"sendUserID": "user_001", "recvUserID": "user_002", "isPrivate": true}),
    )
    .await;
    let c = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(
        (c["conversation"]["isPrivateChat"].as_bool(), c["conversation"]["burnDuration"].as_i64()),
        (Some(true), Some(30))
    );
    loop {
        let f = bob_tab.next().await;
        if f["type"] == "conversation_updated" {
            assert_eq!(f["data"]["isPrivateChat"], true);
            break;
        }
    }
    ok(
        &s,
        "set_conversation_burn_duration",
        &t1,
        json!({"sendUserID": "user_001", "recvUserID": "user_002", "burnDuration": 300}),
    )
    .await;
    let c = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(c["conversation"]["burnDuration"], 300);
    ok(
        &s,
        "set_conversation_burn_duration",
        &t1,
        json!({"sendUserID": "user_001", "recvUserID": "user_002", "burnDuration": 0}),
    )
    .await;
    let c = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(
        (c["conversation"]["isPrivateChat"].as_bool(), c["conversation"]["burnDuration"].as_i64()),
        (Some(false), Some(0))
    );
}

#[tokio::test]
async fn only_your_own_conversations_and_bad_input_in_openims_words() {
    let s = TestServer::start().await;
    let (t1, _, gid) = the_documents_people(&s).await;
    let cases = [
        (
            "get_conversations",
            json!({"userID": "user_002", "pagination": {"pageNumber": 1, "showNumber": 20}}),
            StatusCode::FORBIDDEN,
            1002,
        ),
        ("get_conversation", json!({"ownerUserID": "user_002", "conversationID": SINGLE}), StatusCode::FORBIDDEN, 1002),
        ("get_total_unread_msg_count", json!({"userID": "user_003"}), StatusCode::FORBIDDEN, 1002),
        (
            "set_conversation_is_private_chat",
            json!({"sendUserID": "user_002", "recvUserID": "user_001", "isPrivate": true}),
            StatusCode::FORBIDDEN,
            1002,
        ),
        (
            "get_conversations",
            json!({"userID": "user_001", "pagination": {"pageNumber": 1, "showNumber": 101}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            1001,
        ),
        ("get_conversations", json!({"userID": "user_001"}), StatusCode::UNPROCESSABLE_ENTITY, 1001),
        (
            "get_conversation",
            json!({"ownerUserID": "user_001", "conversationID": "single_user_002_user_003"}),
            StatusCode::NOT_FOUND,
            1004,
        ),
        (
            "get_conversation",
            json!({"ownerUserID": "user_001", "conversationID": "group_abc"}),
            StatusCode::NOT_FOUND,
            1004,
        ),
        (
            "set_receive_message_opt",
            json!({"ownerUserID": "user_001", "conversationIDs": [SINGLE], "opt": 3}),
            StatusCode::UNPROCESSABLE_ENTITY,
            1001,
        ),
        (
            "set_conversation_burn_duration",
            json!({"sendUserID": "user_001", "recvUserID": "user_002", "burnDuration": -5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            1001,
        ),
        (
            "set_conversation",
            json!({"conversation": {"ownerUserID": "user_001", "conversationID": format!("group_{gid}"), "burnDuration": 30, "isPrivateChat": true}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            1001,
        ),
        ("get_receive_message_opt", json!({"conversationIDs": "not a list"}), StatusCode::UNPROCESSABLE_ENTITY, 1001),
    ];
    for (path, body, status, code) in cases {
        let (got, answer) = openim(&s, path, &t1, body.clone()).await;
        assert_eq!((got, answer["errCode"].as_i64()), (status, Some(code)), "{path} {body}: {answer}");
        assert!(!answer["errMsg"].as_str().unwrap().is_empty());
    }
    let (_, answer) = openim(
        &s,
        "get_conversations",
        &t1,
        json!({"userID": "user_002", "pagination": {"pageNumber": 1, "showNumber": 1}}),
    )
    .await;
    assert!(answer["errMsg"].as_str().unwrap().contains("only your own conversations"));
    // No token, a bad token, malformed JSON.
    let res = s
        .http
        .post(format!("{}/conversation/get_total_unread_msg_count", s.base))
        .json(&json!({"userID": "user_001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.json::<Value>().await.unwrap()["errCode"], 1502);
    let res = s
        .http
        .post(format!("{}/conversation/get_conversation", s.base))
        .header("token", &t1)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["errCode"], 1001);
    // Nothing refused changed anything.
    let c = ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": SINGLE})).await;
    assert_eq!(
        (c["conversation"]["recvMsgOpt"].as_i64(), c["conversation"]["isPrivateChat"].as_bool()),
        (Some(0), Some(false))
    );
}

/// A YunHu-style client, an OpenIM-style client and the web app, on one account: each sees
/// what the others changed (and the assistant's sessions are YunHu's bots).
#[tokio::test]
async fn openim_yunhu_and_the_web_app_see_each_others_changes() {
    let model = super::model::FakeModel::start().await;
    let url = model.url.clone();
    let s = TestServer::start_with(move |c| c.ai.url = Some(url)).await;
    let (t1, _, gid) = the_documents_people(&s).await;
    let yunhu_list = || async {
        let res = s
            .http
            .post(format!("{}/v1/conversation/list", s.base))
            .header("token", &t1)
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        res.json::<Value>().await.unwrap()["data"].as_array().unwrap().clone()
    };
    // OpenIM pins the one-to-one chat: YunHu lists it first, the web app shows it pinned.
    ok(
        &s,
        "set_conversation",
        &t1,
        json!({"conversation": {"ownerUserID": "user_001", "conversationID": SINGLE, "isPinned": true}}),
    )
    .await;
    let chats = yunhu_list().await;
    assert_eq!((chats[0]["chat_type"].as_u64(), chats[0]["name"].as_str()), (Some(1), Some("李四")));
    let (_, web) = s.get("/api/conversations", &t1).await;
    assert_eq!(
        (web["data"]["list"][0]["targetUserHandle"].as_str(), web["data"]["list"][0]["isPinned"].as_bool()),
        (Some("user_002"), Some(true))
    );
    // YunHu reads the group: OpenIM's unread count and @ mark follow.
    let res = s
        .http
        .post(format!("{}/v1/conversation/dismiss-notification", s.base))
        .header("token", &t1)
        .json(&json!({"chatId": gid.to_string(), "chatType": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let c =
        ok(&s, "get_conversation", &t1, json!({"ownerUserID": "user_001", "conversationID": format!("group_{gid}")}))
            .await;
    assert_eq!(
        (c["conversation"]["unreadCount"].as_i64(), c["conversation"]["groupAtType"].as_i64()),
        (Some(0), Some(0))
    );
    // The web app mutes the one-to-one chat: OpenIM and YunHu both say so.
    let cid = web["data"]["list"][0]["conversationId"].as_i64().unwrap();
    s.call(reqwest::Method::PATCH, &format!("/api/conversations/{cid}"), Some(&t1), Some(json!({"recvMsgOpt": 1})))
        .await;
    let opts = ok(&s, "get_receive_message_opt", &t1, json!({"conversationIDs": [SINGLE]})).await;
    assert_eq!(opts["conversationMsgOpts"][0]["opt"], 1);
    assert_eq!(yunhu_list().await[0]["do_not_disturb"], 1);
    // An assistant session is a bot in YunHu's list.
    let res = s
        .http
        .post(format!("{}/api/chat/sessions/helper/chat", s.base))
        .bearer_auth(&t1)
        .json(&json!({"message": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.text().await.unwrap(), super::model::GREETING.concat());
    let bot = yunhu_list().await.into_iter().find(|c| c["chat_type"] == 3).expect("the assistant's session as a bot");
    assert_eq!(
        (bot["chat_id"].as_str(), bot["chat_content"].as_str()),
        (Some("helper"), Some(super::model::GREETING.concat().as_str()))
    );
}
