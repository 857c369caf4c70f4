use std::collections::HashSet;

use super::common::TestServer;

#[tokio::test]
async fn paging_back_with_before_message_id_yields_every_message_once_in_order() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut sent = Vec::new();
    let mut cid = 0;
    for i in 0..125 {
        let token = if i % 3 == 0 { &b } else { &a };
        let to = if i % 3 == 0 { a_id } else { b_id };
        let m = s.send_text(token, to, &format!("message {i}")).await;
        cid = m["conversationId"].as_i64().unwrap();
        sent.push(m["messageId"].as_i64().unwrap());
    }

    let mut seen: Vec<i64> = Vec::new();
    let mut before: Option<i64> = None;
    let mut pages = 0;
    loop {
        let path = match before {
            Some(id) => format!("/api/conversations/{cid}/messages?pageSize=50&beforeMessageId={id}"),
            None => format!("/api/conversations/{cid}/messages?pageSize=50"),
        };
        let (_, page) = s.get(&path, &a).await;
        let data = &page["data"];
        assert_eq!(data["total"], 125);
        let ids: Vec<i64> = data["list"].as_array().unwrap().iter().map(|m| m["messageId"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first within a page");
        seen.splice(0..0, ids.iter().copied());
        pages += 1;
        if data["hasMore"] == false {
            break;
        }
        before = ids.first().copied();
        assert!(pages < 10, "paging never ends");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, sent, "every message exactly once, in order");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 125);

    // page/pageSize without a cursor walks back the same way.
    let (_, p3) = s.get(&format!("/api/conversations/{cid}/messages?page=3&pageSize=50"), &a).await;
    let ids: Vec<i64> =
        p3["data"]["list"].as_array().unwrap().iter().map(|m| m["messageId"].as_i64().unwrap()).collect();
    assert_eq!(ids, sent[..25]);
    assert_eq!(p3["data"]["hasMore"], false);
    // pageSize is clamped to 100.
    let (_, big) = s.get(&format!("/api/conversations/{cid}/messages?pageSize=1000"), &a).await;
    assert_eq!(big["data"]["list"].as_array().unwrap().len(), 100);
    assert_eq!(big["data"]["hasMore"], true);
}
