use reqwest::{Method, StatusCode};

use super::common::{Api, TestServer};

#[tokio::test]
async fn reconnecting_with_since_seq_replays_exactly_what_was_missed() {
    let s = TestServer::start().await;
    let (a, a_id) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    s.send_text(&a, b_id, "before").await;

    let mut ws = s.socket(&b, None).await;
    let (replayed, seq) = ws.until_ready().await;
    assert!(replayed.is_empty(), "a fresh connection gets no history");
    assert!(seq >= 1);
    ws.send_text(r#"{"type":"ping"}"#).await;
    assert_eq!(ws.next().await["type"], "pong");
    ws.close().await;

    // While B is away: three messages, a recall and a pin from B's other device.
    let mut missed = Vec::new();
    for text in ["one", "two", "three"] {
        missed.push(s.send_text(&a, b_id, text).await["messageId"].as_i64().unwrap());
    }
    s.call(Method::POST, &format!("/api/messages/{}/recall", missed[1]), Some(&a), None).await;
    let cid = s.send_text(&b, a_id, "reply").await["conversationId"].as_i64().unwrap();
    s.call(Method::PATCH, &format!("/api/conversations/{cid}"), Some(&b), Some(serde_json::json!({"isPinned": true})))
        .await;

    let mut ws = s.socket(&b, Some(seq)).await;
    let (events, ready) = ws.until_ready().await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["new_message", "new_message", "new_message", "message_recalled", "new_message", "conversation_updated"]
    );
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((seq + 1)..=(seq + 6)).collect::<Vec<_>>(), "in order, nothing twice, nothing skipped");
    assert_eq!(ready, seq + 6);
    let ids: Vec<i64> = events[..3].iter().map(|e| e["data"]["messageId"].as_i64().unwrap()).collect();
    assert_eq!(ids, missed);
    assert_eq!(events[5]["data"]["isPinned"], true);

    // Then live ones, continuing the sequence.
    s.send_text(&a, b_id, "live").await;
    let live = ws.next().await;
    assert_eq!(live["seq"], ready + 1);
    assert_eq!(live["data"]["content"], "live");
    ws.expect_quiet().await;

    // Catching up from where we are replays nothing.
    let mut again = s.socket(&b, Some(ready + 1)).await;
    let (events, _) = again.until_ready().await;
    assert!(events.is_empty());
}

/// A `sinceSeq` that is negative or not a number is refused before the upgrade, with a clear
/// 400, and the person's log is as it was: a good socket still replays what they missed.
#[tokio::test]
async fn a_bad_since_seq_is_refused_and_changes_nothing() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (_, start) = s.socket(&b, None).await.until_ready().await;
    s.send_text(&a, b_id, "while away").await;
    let host = s.base.trim_start_matches("http://");
    for bad in ["-1", "abc", "1e3", "99999999999999999999"] {
        let url = format!("ws://{host}/api/ws/chat?token={b}&sinceSeq={bad}");
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 400, "sinceSeq={bad}");
                let body = String::from_utf8_lossy(response.body().as_deref().unwrap_or_default()).to_string();
                assert!(body.contains("sinceSeq"), "sinceSeq={bad}: {body}");
            }
            other => panic!("sinceSeq={bad}: expected a 400, got {other:?}"),
        }
    }
    let (replayed, _) = s.socket(&b, Some(start)).await.until_ready().await;
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    assert_eq!(replayed[0]["data"]["content"], "while away");
}

#[tokio::test]
async fn a_since_seq_the_server_cannot_serve_asks_for_a_resync() {
    let s = TestServer::start().await;
    let (b, _) = s.register("bob").await;
    let mut ws = s.socket(&b, Some(1000)).await;
    let frame = ws.next().await;
    assert_eq!(frame["type"], "resync");
    assert_eq!(ws.next().await["type"], "ready");
}

/// Events older than the retention are dropped, each person's oldest first: a socket asking
/// from before what is kept is told to resync; one asking from after gets the newer events.
#[tokio::test]
async fn old_events_are_dropped_and_what_is_kept_still_replays() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    s.send_text(&a, b_id, "old one").await;
    s.send_text(&a, b_id, "old two").await;
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let mark = std::time::Instant::now();
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    s.send_text(&a, b_id, "new one").await;
    let (logged, _) = s.socket(&b, Some(0)).await.until_ready().await;
    let seq_of = |text: &str| logged.iter().find(|f| f["data"]["content"] == text).unwrap()["seq"].as_i64().unwrap();
    let (old, new) = (seq_of("old two"), seq_of("new one"));

    let state = s.server.as_ref().unwrap().state.clone();
    let mut config = (*state.config).clone();
    config.event_retention = mark.elapsed();
    confab_server::service::maintenance::tidy(&state.with_config(config)).await.unwrap();

    let mut ws = s.socket(&b, Some(old - 1)).await;
    assert_eq!(ws.next().await["type"], "resync", "the old events are gone");
    let (replayed, seq) = s.socket(&b, Some(old)).await.until_ready().await;
    assert_eq!(seq, new);
    assert_eq!(replayed.len(), 1, "{replayed:?}");
    assert_eq!(replayed[0]["data"]["content"], "new one");
    // The sender's copies went the same way.
    let (mine, _) = s.socket(&a, Some(0)).await.until_ready().await;
    assert_eq!(mine.first().map(|f| f["type"].clone()), Some("resync".into()), "{mine:?}");
}

/// The log keeps a reference to each new message, not a copy: a message is replayed exactly as
/// it was pushed live if nothing changed, and as it now is if it was recalled since.
#[tokio::test]
async fn a_missed_message_is_replayed_as_pushed_or_as_it_now_is() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut live = s.socket(&b, None).await;
    let (_, start) = live.until_ready().await;
    let kept = s.send_text(&a, b_id, "stays as it was").await;
    let pushed = live.next().await;
    assert_eq!(pushed["data"]["messageId"], kept["messageId"]);
    let gone = s.send_text(&a, b_id, "taken back").await;
    let id = gone["messageId"].as_i64().unwrap();
    let (status, _) = s.call(Method::POST, &format!("/api/messages/{id}/recall"), Some(&a), None).await;
    assert_eq!(status, StatusCode::OK);

    let (replayed, _) = s.socket(&b, Some(start)).await.until_ready().await;
    assert_eq!(replayed[0], pushed, "an unchanged message is replayed as it was pushed");
    assert_eq!(replayed[1]["type"], "new_message");
    assert_eq!(replayed[1]["data"]["messageId"], id);
    assert_eq!(replayed[1]["data"]["status"], "recalled");
    assert_eq!(replayed[1]["data"]["content"], "");
    assert_eq!(replayed[2]["type"], "message_recalled");
    assert_eq!(replayed.len(), 3, "{replayed:?}");
}

#[tokio::test]
async fn the_socket_refuses_a_bad_token() {
    let s = TestServer::start().await;
    // A browser cannot read the status of a refused upgrade, so the socket opens and closes with
    // 4001, which tells the app to stop reconnecting and sign in again.
    let (mut ws, _) =
        tokio_tungstenite::connect_async(format!("ws://{}/api/ws/chat?token=nope", s.addr())).await.unwrap();
    assert_eq!(super::common::close_code(&mut ws).await, Some(4001));
    // Without an upgrade it is a plain 401 envelope.
    let (status, _) = s.call(reqwest::Method::GET, "/api/ws/chat?token=nope", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let err = tokio_tungstenite::connect_async(format!("ws://{}/api/ws/chat", s.addr())).await.unwrap_err();
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(_)));
}

#[tokio::test]
async fn many_quick_sends_arrive_once_each_in_order() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut ws = s.socket(&b, None).await;
    let (_, start) = ws.until_ready().await;
    let sends = (0..30).map(|i| {
        let (s, a) = (&s, a.clone());
        async move { s.send_text(&a, b_id, &format!("burst {i}")).await }
    });
    let sent: Vec<_> = futures_util::future::join_all(sends).await;
    let mut got = Vec::new();
    for _ in 0..30 {
        let f = ws.next().await;
        got.push((f["seq"].as_i64().unwrap(), f["data"]["messageId"].as_i64().unwrap()));
    }
    let seqs: Vec<i64> = got.iter().map(|g| g.0).collect();
    assert_eq!(seqs, ((start + 1)..=(start + 30)).collect::<Vec<_>>());
    let mut ids: Vec<i64> = got.iter().map(|g| g.1).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "delivered in message order");
    ids.sort();
    let mut want: Vec<i64> = sent.iter().map(|m| m["messageId"].as_i64().unwrap()).collect();
    want.sort();
    assert_eq!(ids, want);
    ws.expect_quiet().await;
}

#[tokio::test]
async fn signing_out_closes_the_sockets_of_that_token() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let mut ws = s.socket(&b, None).await;
    ws.until_ready().await;
    let (status, _) = s.call(Method::POST, "/api/auth/logout", Some(&b), None).await;
    assert_eq!(status, StatusCode::OK);
    s.send_text(&a, b_id, "after sign-out").await;
    assert!(ws.closed_without_text().await, "a revoked token's socket must not receive messages");
}

/// A socket opened from `sinceSeq=0` just as someone's first event is written still brings it.
/// (The log's bounds were read in two statements; an event committed between them made the
/// empty log look pruned, and the socket asked for a resync past the event.) Each of many new
/// people is sent their first message while several sockets of theirs open, so some opens land
/// on it.
#[tokio::test]
async fn a_socket_opened_as_the_first_event_arrives_brings_it() {
    const SOCKETS: usize = 8;
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let mut people = Vec::new();
    for i in 0..40 {
        people.push(s.register(&format!("newcomer{i}")).await);
    }
    let tries = people.into_iter().map(|(token, id)| {
        let (s, a) = (s.api.clone(), a.clone());
        tokio::spawn(async move {
            let send = async {
                tokio::time::sleep(std::time::Duration::from_micros(300 * (id as u64 % 7))).await;
                s.send_text(&a, id, "welcome").await
            };
            let watch = |s: Api, token: String| async move {
                let mut ws = s.socket(&token, Some(0)).await;
                loop {
                    let f = ws.next().await;
                    if f["type"] == "new_message" || f["type"] == "resync" {
                        return f;
                    }
                }
            };
            let watching = futures_util::future::join_all((0..SOCKETS).map(|_| watch(s.clone(), token.clone())));
            tokio::join!(send, watching).1
        })
    });
    for t in tries {
        for first in t.await.unwrap() {
            assert_eq!(first["type"], "new_message", "a new person's socket from 0 never needs a resync: {first}");
            assert_eq!(first["seq"], 1, "their first event");
        }
    }
}

/// The list and the socket meet exactly: a list page says which event it reflects (`seq`),
/// and a socket opened from there brings every message after it. Taken while messages keep
/// arriving, the unread count in the list plus the messages the socket brings is always the
/// number sent: none missed between the two, none counted twice.
#[tokio::test]
async fn the_list_says_which_event_it_reflects_and_the_socket_goes_on_from_there() {
    let s = TestServer::start().await;
    let (a, _) = s.register("alice").await;
    let (b, b_id) = s.register("bob").await;
    let (status, empty) = s.get("/api/conversations", &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(empty["data"]["seq"], 0, "nothing has happened to bob yet");

    const SENT: usize = 60;
    let sender = {
        let (s, a) = (s.api.clone(), a.clone());
        tokio::spawn(async move {
            for i in 0..SENT {
                s.send_text(&a, b_id, &format!("m{i}")).await;
            }
        })
    };
    let mut views = Vec::new();
    // (At most 12 at once: a person may hold 16 sockets.)
    while (!sender.is_finished() || views.is_empty()) && views.len() < 12 {
        let (status, page) = s.get("/api/conversations", &b).await;
        assert_eq!(status, StatusCode::OK);
        let unread = page["data"]["list"].get(0).map_or(0, |c| c["unreadCount"].as_i64().unwrap());
        let seq = page["data"]["seq"].as_i64().unwrap();
        let mut ws = s.socket(&b, Some(seq)).await;
        let (replayed, ready) = ws.until_ready().await;
        assert!(ready >= seq);
        views.push((unread, seq, ws, replayed));
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    sender.await.unwrap();
    let (_, last) = s.get("/api/conversations", &b).await;
    assert_eq!(last["data"]["list"][0]["unreadCount"], SENT as i64);
    let newest = last["data"]["seq"].as_i64().unwrap();
    assert_eq!(newest, SENT as i64, "one event per message");
    assert!(views.len() >= 3, "the list was taken while messages arrived ({} times)", views.len());
    for (unread, seq, mut ws, mut events) in views {
        let mut upto = events.last().map_or(seq, |e| e["seq"].as_i64().unwrap());
        while upto < newest {
            let e = ws.next().await;
            upto = e["seq"].as_i64().unwrap();
            events.push(e);
        }
        let brought = events.iter().filter(|e| e["type"] == "new_message").count() as i64;
        assert_eq!(unread + brought, SENT as i64, "list at seq {seq} counted {unread}, the socket brought {brought}");
        let first = events.first().map(|e| e["seq"].as_i64().unwrap());
        assert!(first.is_none_or(|f| f == seq + 1), "the socket goes on right after the list");
    }
}
