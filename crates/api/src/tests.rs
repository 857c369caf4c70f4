//! Every JSON example of seed 000, written out with its field names and sample values,
//! must deserialize into these types unchanged.

use super::*;
use serde_json::json;

fn envelope<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> Envelope<T> {
    serde_json::from_value(v).expect("seed 000 example deserializes")
}

#[test]
fn seed_000_conversation_list() {
    let e: Envelope<ConversationPage> = envelope(json!({
        "code": 200, "message": "success",
        "data": { "list": [{
            "conversationId": 12, "targetUserId": 7, "targetUserName": "李四",
            "targetUserAvatar": "https://example.com/a.png", "lastMessage": "下午一起吃饭？",
            "lastMessageTime": "2026-01-15T09:35:00.000Z", "unreadCount": 2
        }], "total": 1 }
    }));
    let c = &e.data.unwrap().list[0];
    assert_eq!(c.conversation_id, 12);
    assert_eq!(c.target_user_name, "李四");
    assert_eq!(c.unread_count, 2);
    assert_eq!(c.conversation_type, ConversationType::Single);
    assert!(!c.is_pinned);
}

#[test]
fn seed_000_message_history() {
    let e: Envelope<MessagePage> = envelope(json!({
        "code": 200, "message": "success",
        "data": { "list": [{
            "messageId": 2001, "conversationId": 12, "senderId": 7, "receiverId": 3,
            "content": "下午一起吃饭？", "messageType": "text", "isRead": true,
            "createdAt": "2026-01-15T09:35:00.000Z"
        }], "total": 1, "hasMore": false }
    }));
    let page = e.data.unwrap();
    assert!(!page.has_more);
    let m = &page.list[0];
    assert_eq!(m.content.text(), Some("下午一起吃饭？"));
    assert_eq!(m.message_type, MessageType::Text);
    assert_eq!(m.status, MessageStatus::Normal);
}

#[test]
fn seed_000_send_request_and_response() {
    let req: SendMessageRequest = serde_json::from_value(json!({
        "receiverId": 7, "content": "hello", "messageType": "text", "conversationId": 12
    }))
    .unwrap();
    assert_eq!(req.receiver_id, Some(7));
    assert_eq!(req.conversation_id, Some(12));
    assert_eq!(req.content, OutgoingContent::Text("hello".into()));
    // messageType and conversationId are optional in seed 000.
    let req: SendMessageRequest = serde_json::from_value(json!({"receiverId": 7, "content": "hi"})).unwrap();
    assert_eq!(req.message_type, None);

    let e: Envelope<Message> = envelope(json!({
        "code": 201, "message": "success",
        "data": { "messageId": 3001, "conversationId": 12, "senderId": 3, "receiverId": 7,
                  "content": "hello", "messageType": "text", "createdAt": "2026-01-15T09:35:00.000Z" }
    }));
    assert_eq!(e.data.unwrap().message_id, 3001);
}

#[test]
fn seed_000_read_search_unread() {
    let e: Envelope<()> = envelope(json!({"code": 200, "message": "success", "data": null}));
    assert!(e.data.is_none());
    let e: Envelope<Vec<SearchHit>> = envelope(json!({"code": 200, "message": "success", "data": [
        {"userId": 7, "userName": "lisi", "avatar": "", "conversationId": 12},
        {"userId": 8, "userName": "wangwu", "avatar": ""}
    ]}));
    let hits = e.data.unwrap();
    assert_eq!(hits[0].conversation_id, Some(12));
    assert_eq!(hits[1].conversation_id, None);
    let e: Envelope<UnreadCount> = envelope(json!({"code": 200, "message": "success", "data": {"totalUnread": 5}}));
    assert_eq!(e.data.unwrap().total_unread, 5);
}

#[test]
fn seed_000_websocket_new_message() {
    let frame = ServerFrame::parse(
        &json!({"type": "new_message", "seq": 4, "data": {
            "messageId": 3001, "conversationId": 12, "senderId": 7, "senderName": "李四",
            "senderAvatar": "", "content": "hello", "messageType": "text",
            "createdAt": "2026-01-15T09:35:00.000Z"
        }})
        .to_string(),
    )
    .expect("parses");
    match frame {
        ServerFrame::Event(EventFrame { seq, event: Event::NewMessage(m) }) => {
            assert_eq!(seq, 4);
            assert_eq!(m.sender_name, "李四");
        }
        other => panic!("unexpected frame {other:?}"),
    }
}

#[test]
fn frames_round_trip() {
    let frame = EventFrame {
        seq: 9,
        event: Event::Read(ReadReceipt {
            conversation_id: 1,
            reader_id: 2,
            last_read_message_id: 3,
            previous_read_message_id: 0,
        }),
    };
    let text = serde_json::to_string(&frame).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).unwrap(),
        json!({"type": "read", "seq": 9, "data": {"conversationId": 1, "readerId": 2, "lastReadMessageId": 3}})
    );
    assert_eq!(ServerFrame::parse(&text), Some(ServerFrame::Event(frame)));
    assert_eq!(ServerFrame::parse(r#"{"type":"pong"}"#), Some(ServerFrame::Control(ControlFrame::Pong)));
    assert_eq!(
        ServerFrame::parse(r#"{"type":"resync","seq":3}"#),
        Some(ServerFrame::Control(ControlFrame::Resync { seq: 3 }))
    );
    assert_eq!(serde_json::to_string(&ControlFrame::Ping).unwrap(), r#"{"type":"ping"}"#);
}

#[test]
fn ids_accept_numeric_strings_and_refuse_nonsense() {
    let r: CreatePrivateRequest = serde_json::from_value(json!({"id": "67890"})).unwrap();
    assert_eq!(r.user_id, 67890);
    let r: CreatePrivateRequest = serde_json::from_value(json!({"userId": 5})).unwrap();
    assert_eq!(r.user_id, 5);
    assert!(serde_json::from_value::<CreatePrivateRequest>(json!({"userId": "abc"})).is_err());
    assert!(serde_json::from_value::<CreatePrivateRequest>(json!({"userId": -1})).is_err());
    assert!(serde_json::from_value::<CreatePrivateRequest>(json!({"userId": true})).is_err());
    let s: SendMessageRequest =
        serde_json::from_value(json!({"receiverId": "7", "content": "x", "conversationId": null})).unwrap();
    assert_eq!((s.receiver_id, s.conversation_id), (Some(7), None));
}

#[test]
fn file_content_and_previews() {
    let m: Message = serde_json::from_value(json!({
        "messageId": 1, "conversationId": 1, "senderId": 1, "messageType": "file",
        "createdAt": "2026-01-15T09:35:00.000Z",
        "content": {"fileId": 4, "fileName": "doc.pdf", "fileUrl": "/api/files/4/doc.pdf?sig=x",
                    "fileSize": 12345, "fileType": "application/pdf"}
    }))
    .unwrap();
    let f = m.content.file().expect("file content");
    assert_eq!(f.file_size, 12345);
    assert_eq!(preview_text(MessageType::File, false, &m.content), "[File] doc.pdf");
    assert_eq!(preview_text(MessageType::Image, false, &m.content), "[Image]");
    assert_eq!(preview_text(MessageType::Text, true, &MessageContent::default()), "[Recalled]");
    let s: SendMessageRequest = serde_json::from_value(json!({
        "receiverId": 2, "messageType": "image", "content": {"fileId": "4", "fileName": "ignored.png"}
    }))
    .unwrap();
    assert_eq!(s.content, OutgoingContent::FileRef(FileRef { file_id: 4 }));
}

#[test]
fn device_summaries_name_browser_and_system() {
    use crate::device_summary;
    let chrome_linux =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
    assert_eq!(device_summary(chrome_linux), "Chrome · Linux");
    let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";
    assert_eq!(device_summary(safari_iphone), "Safari · iOS");
    let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0";
    assert_eq!(device_summary(edge), "Edge · Windows");
    assert_eq!(
        device_summary("Mozilla/5.0 (Macintosh; Intel Mac OS X 14.1; rv:120.0) Gecko/20100101 Firefox/120.0"),
        "Firefox · macOS"
    );
    assert_eq!(device_summary("curl/8.5.0"), "curl/8.5.0");
    assert_eq!(device_summary(""), "?");
}

#[test]
fn assistant_session_ids_are_plain_and_short() {
    assert!(valid_session_id("s_1732-abc"));
    assert!(valid_session_id(&"a".repeat(64)));
    assert!(!valid_session_id(""));
    assert!(!valid_session_id(&"a".repeat(65)));
    assert!(!valid_session_id("../x"));
    assert!(!valid_session_id("a b"));
    assert!(!valid_session_id("会话"));
}

#[test]
fn assistant_fields_keep_their_snake_case_names() {
    let s = AiSession {
        session_id: "s1".into(),
        title: "会话 2026-11-26 01:00".into(),
        created_at: "2026-11-26T01:00:00.000Z".into(),
        updated_at: "2026-11-26T01:00:00.000Z".into(),
        message_count: 2,
        last_message: None,
    };
    let v = serde_json::to_value(&s).unwrap();
    for key in ["session_id", "title", "created_at", "updated_at", "message_count", "last_message"] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    let m: AiMessage = serde_json::from_str(r#"{"role":"human","content":"hi","time":"t"}"#).unwrap();
    assert_eq!((m.role, m.status), (AiRole::Human, None));
    let stopped = AiMessage {
        role: AiRole::Assistant,
        content: "par".into(),
        time: "t".into(),
        status: Some(AiReplyStatus::Stopped),
    };
    assert_eq!(serde_json::to_value(&stopped).unwrap()["status"], "stopped");
    let frame = ServerFrame::parse(r#"{"type":"ai_session_deleted","seq":4,"data":{"session_id":"s1"}}"#);
    assert_eq!(
        frame,
        Some(ServerFrame::Event(EventFrame {
            seq: 4,
            event: Event::AiSessionDeleted(AiSessionGone { session_id: "s1".into() })
        }))
    );
}

#[test]
fn streamed_text_keeps_characters_split_between_pieces() {
    let text = "你好, world 👋";
    let bytes = text.as_bytes();
    for cut in 0..=bytes.len() {
        let mut pieces = Utf8Pieces::default();
        let mut out = pieces.push(&bytes[..cut]);
        out.push_str(&pieces.push(&bytes[cut..]));
        out.push_str(&pieces.finish());
        assert_eq!(out, text, "cut at {cut}");
    }
    let mut one_by_one = Utf8Pieces::default();
    let out: String = bytes.iter().map(|b| one_by_one.push(&[*b])).collect();
    assert_eq!(out, text);
    let mut bad = Utf8Pieces::default();
    assert_eq!(bad.push(b"a\xffb"), "a\u{fffd}b");
}
