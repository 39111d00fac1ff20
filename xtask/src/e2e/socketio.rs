//! socket.io beyond the 4.x default namespace: socket.io 2 (Engine.IO v3,
//! the client pings), a namespace typed as the address's path, acks, and
//! images as binary attachments. Each idles past pingInterval + pingTimeout
//! to show the heartbeat holds.

use super::*;

/// Heartbeats short enough to idle past in a test: interval, timeout (ms).
const PING: (&str, &str) = ("1000", "1000");

/// Both pages stay connected through three times pingInterval + pingTimeout
/// of silence, without a "No heartbeat" line.
fn idles_without_a_drop(pages: &[&Session]) -> Result<()> {
    std::thread::sleep(Duration::from_secs(6));
    for page in pages {
        let v = view(page)?;
        ensure(v.status.contains("Connected"), || {
            format!("after idling the page shows {:?}", v.status)
        })?;
        let dropped = v
            .lines
            .iter()
            .any(|l| l.2.contains("No heartbeat") || l.2.contains("connection is dead"));
        ensure(!dropped, || {
            "the page declared the connection dead while idle".into()
        })?;
    }
    Ok(())
}

/// An image from `from` shows at `to`; the sender's copy is delivered once.
fn image_both_ways(env: &Env, a: &Session, b: &Session) -> Result<()> {
    let path = env.artifacts.join("dot.png");
    std::fs::write(&path, PNG)?;
    for (from, to) in [(a, b), (b, a)] {
        let before = image_widths(to, "peer")?.len();
        from.type_into(".composer input[type=file]", &path.to_string_lossy())?;
        to.wait("the image received", Duration::from_secs(10), |s| {
            image_widths(s, "peer")
                .map(|w| (w.len() == before + 1 && w.iter().all(|&x| x == 1)).then_some(()))
        })
        .map_err(|e| {
            format!(
                "{e}; the receiver shows {:?}; the sender {:?}",
                view(to).map(|v| v.lines).ok(),
                view(from).map(|v| v.lines).ok()
            )
        })?;
        from.wait(
            "the image delivered, not doubled",
            Duration::from_secs(10),
            |s| {
                let v = view(s)?;
                let own = image_widths(s, "own")?;
                Ok((v
                    .lines
                    .iter()
                    .filter(|l| l.0.contains("own delivered"))
                    .count()
                    >= 1
                    && !own.is_empty())
                .then_some(()))
            },
        )?;
    }
    let doubled = image_widths(a, "peer")?.len() + image_widths(b, "peer")?.len();
    ensure(doubled == 2, || {
        format!("{doubled} peer images in all: an echo showed as someone else's")
    })
}

/// socket.io 2 (Engine.IO v3), typed as `ws://host:port`: told apart by
/// its unasked connect, pinged by the client, lines delivered by the ack,
/// images both ways, and no drop while idle.
pub fn peer_socketio_v2(env: &Env) -> Result<()> {
    let peer = Peer::start_with("node", "socketio2-chat.js", &[PING.0, PING.1])?;
    let url = ws_url(&peer, "");
    let (a, b) = (
        visit(env, "va", &url, "socketio")?,
        visit(env, "vb", &url, "socketio")?,
    );
    exchange(&a, &b, "hello socket.io 2", "hello socket.io 2", true)?;
    exchange(&b, &a, "hi from v2", "hi from v2", true)?;
    idles_without_a_drop(&[&a, &b])?;
    exchange(
        &a,
        &b,
        "still here after idling",
        "still here after idling",
        true,
    )?;
    image_both_ways(env, &a, &b)
}

/// socket.io 4 with the chat in `io.of('/chat')`, typed as
/// `ws://host:port/chat`: the engine at `/socket.io/`, the namespace
/// joined, the default namespace's traffic not shown, other events in words.
pub fn peer_socketio_namespace(env: &Env) -> Result<()> {
    let peer = Peer::start_with("node", "socketio-namespace.js", &[PING.0, PING.1])?;
    let url = ws_url(&peer, "/chat");
    let (a, b) = (
        visit(env, "na", &url, "socketio")?,
        visit(env, "nb", &url, "socketio")?,
    );
    wait_view(&a, "the welcome event", |v| {
        v.lines
            .iter()
            .any(|l| l.2.contains("welcome") && l.2.contains("you are in /chat"))
    })?;
    exchange(&a, &b, "hello namespace", "hello namespace", true)?;
    exchange(&b, &a, "hi in /chat", "hi in /chat", true)?;
    idles_without_a_drop(&[&a, &b])?;
    let v = view(&a)?;
    ensure(
        !v.lines
            .iter()
            .any(|l| l.2.contains("from the default namespace")),
        || "a line of the default namespace showed in /chat".into(),
    )?;
    image_both_ways(env, &a, &b)
}
