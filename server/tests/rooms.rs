//! Rooms on the reference server: `/ws/<room>` is a room of its own
//! (history, presence, ids), `/ws` the default room; they never mix.

mod common;
use common::*;
use roomcast::protocol::envelope::ServerFrame;

/// Says hello in a room and returns the frames up to the presence list.
async fn enter(addr: &str, path: &str, name: &str) -> (Ws, Vec<ServerFrame>) {
    let mut ws = connect_path(addr, path).await;
    let mut seen = vec![hello(&mut ws, name).await];
    loop {
        let frame = envelope(&mut ws).await;
        let done = matches!(frame, ServerFrame::Presence { .. });
        seen.push(frame);
        if done {
            return (ws, seen);
        }
    }
}

fn texts(frames: &[ServerFrame]) -> Vec<String> {
    frames
        .iter()
        .filter_map(|f| match f {
            ServerFrame::Message { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn rooms_keep_their_own_history_presence_and_lines() {
    let server = start().await;
    let addr = server.addr.to_string();
    let (mut lab, _) = enter(&addr, "/ws/lab", "ann").await;
    let (mut lobby, _) = enter(&addr, "/ws", "bob").await;
    say(&mut lab, "l1", "only in the lab").await;
    say(&mut lobby, "d1", "only in the lobby").await;
    // Each sees its own line come back, and nothing from the other room.
    for (ws, mine) in [
        (&mut lab, "only in the lab"),
        (&mut lobby, "only in the lobby"),
    ] {
        loop {
            match envelope(ws).await {
                ServerFrame::Message { text, .. } => {
                    assert_eq!(text, mine, "a line crossed rooms");
                    break;
                }
                ServerFrame::Presence { users } => {
                    assert_eq!(users.len(), 1, "presence crossed rooms: {users:?}");
                }
                _ => {}
            }
        }
    }
    // A newcomer to each room gets that room's history and presence only.
    let (_, seen) = enter(&addr, "/ws/lab", "cy").await;
    let joined = seen.iter().find_map(|f| match f {
        ServerFrame::Joined { users, history, .. } => Some((users.clone(), history.clone())),
        _ => None,
    });
    let (users, history) = joined.expect("joined");
    assert_eq!(texts(&history), ["only in the lab"]);
    assert!(!users.contains(&"bob".to_string()), "{users:?}");
    let (_, seen) = enter(&addr, "/ws", "di").await;
    let history = seen.iter().find_map(|f| match f {
        ServerFrame::Joined { history, .. } => Some(history.clone()),
        _ => None,
    });
    assert_eq!(texts(&history.expect("joined")), ["only in the lobby"]);
    // Names are per room: "ann" is free in the lobby.
    let (_, seen) = enter(&addr, "/ws", "ann").await;
    assert!(seen
        .iter()
        .any(|f| matches!(f, ServerFrame::Joined { name, .. } if name == "ann")));
    let _ = server.stop.send(());
}

#[tokio::test]
async fn bad_room_names_are_refused() {
    let server = start().await;
    for path in ["/ws/a%20b", "/ws/x*", &format!("/ws/{}", "r".repeat(65))] {
        let url = format!("ws://{}{path}", server.addr);
        let err = tokio_tungstenite::connect_async(url).await.err();
        assert!(err.is_some(), "{path} was accepted");
    }
    let _ = server.stop.send(());
}
