//! `--demo`: a few accounts and conversations, created once, so a new person can try the app.

use confab_api::{OutgoingContent, SendMessageRequest};

use crate::service::{auth, conversations, messages};
use crate::AppState;

pub const DEMO_PASSWORD: &str = "confab-demo";
pub const DEMO_USERS: &[(&str, &str)] =
    &[("alice", "Alice Chen"), ("bob", "Bob Martin"), ("carol", "Carol 王"), ("dave", "Dave Okafor")];

/// Creates the demo data unless it exists; returns whether it did.
pub async fn seed(state: &AppState) -> anyhow::Result<bool> {
    let mut ids = Vec::new();
    for (name, display) in DEMO_USERS {
        match auth::create_user(state, name, display, DEMO_PASSWORD).await.map_err(|e| anyhow::anyhow!(e.message))? {
            Some(user) => ids.push(user.user_id),
            None => return Ok(false), // already seeded
        }
    }
    let (alice, bob, carol, dave) = (ids[0], ids[1], ids[2], ids[3]);
    let script: &[(i64, i64, &str)] = &[
        (bob, alice, "Hi Alice! Are we still on for the design review tomorrow?"),
        (alice, bob, "Yes, 10:00. I'll bring the new mockups."),
        (bob, alice, "Great. Could you also share the flow for first-time sign-in?"),
        (alice, bob, "Sure, I'll send it over tonight 👍"),
        (carol, alice, "下午一起吃饭？"),
        (alice, carol, "好啊，12点楼下见"),
        (carol, alice, "The release notes draft is ready for a look whenever you have a minute."),
        (dave, bob, "Bob, the build is green again."),
    ];
    for (i, (from, to, text)) in script.iter().enumerate() {
        let req = SendMessageRequest::new(
            Some(*to),
            OutgoingContent::Text(text.to_string()),
            None,
            None,
            Some(format!("demo-{i}")),
        );
        messages::send(state, *from, req).await.map_err(|e| anyhow::anyhow!(e.message))?;
    }
    // Alice has read Bob's thread; Carol's stays unread so the badge shows.
    let (bob_chat, _) = conversations::open_private(state, alice, bob).await.map_err(|e| anyhow::anyhow!(e.message))?;
    conversations::mark_read(state, alice, bob_chat.conversation_id).await.map_err(|e| anyhow::anyhow!(e.message))?;

    // A group where Carol @mentions Alice, so the list shows "[@You]".
    let group = crate::service::groups::create(
        state,
        bob,
        confab_api::CreateGroupRequest { name: "Design review".into(), member_ids: vec![alice, carol, dave] },
    )
    .await
    .map_err(|e| anyhow::anyhow!(e.message))?;
    let lines: &[(i64, &str, Vec<i64>)] = &[
        (bob, "Agenda for tomorrow: sign-in flow, empty states, dark theme.", vec![]),
        (dave, "I'll demo the new build at the end.", vec![]),
        (carol, "@Alice Chen could you bring the mockups for the empty states?", vec![alice]),
    ];
    for (i, (from, text, at)) in lines.iter().enumerate() {
        let req = SendMessageRequest {
            at_user_ids: at.clone(),
            ..SendMessageRequest::new(
                None,
                OutgoingContent::Text(text.to_string()),
                None,
                Some(group.conversation_id),
                Some(format!("demo-group-{i}")),
            )
        };
        messages::send(state, *from, req).await.map_err(|e| anyhow::anyhow!(e.message))?;
    }
    Ok(true)
}
