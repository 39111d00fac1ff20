//! The servers of PEERS.md (first wave): each chats with Roomcast both ways
//! as its users expect.

use super::*;

/// The `ws` broadcast example: greeting shown, binary UTF-8 broadcasts as text,
/// each side's line once (local echo and server echo are one).
pub fn peer_ws_broadcast(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "ws-broadcast.js")?;
    let a = visit(env, "wa", &ws_url(&peer, ""), "auto")?;
    // ws picks the first subprotocol offered: the status shows what was negotiated.
    let b = visit(
        env,
        "wb&subprotocols=roomcast.test,other",
        &ws_url(&peer, ""),
        "auto",
    )?;
    let details =
        b.exec("return document.querySelector('.statusbar .details')?.textContent ?? ''")?;
    ensure(details == "subprotocol roomcast.test", || {
        format!("status details: {details}")
    })?;
    for s in [&a, &b] {
        wait_view(s, "the greeting", |v| {
            peer_lines(v, |t| t == "something").count() == 1
        })?;
    }
    exchange(&a, &b, "hello over ws", "hello over ws", true)?;
    exchange(&b, &a, "and back over ws", "and back over ws", true)
}

/// A `ws` server greeting with JSON that is not chat: shown as JSON, then text relayed.
pub fn peer_ws_json_greeting(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "ws-json-greeting.js")?;
    let (a, b) = (
        visit(env, "ja", &ws_url(&peer, ""), "auto")?,
        visit(env, "jb", &ws_url(&peer, ""), "auto")?,
    );
    wait_view(&a, "the JSON greeting", |v| {
        v.lines
            .iter()
            .any(|l| l.0.contains("json") && l.2.contains("\"attribute\": \"connected\""))
    })?;
    // This server relays to the others only: the sender's line stays "sent".
    exchange(
        &a,
        &b,
        "plain text to a JSON greeter",
        "plain text to a JSON greeter",
        false,
    )?;
    exchange(&b, &a, "and back", "and back", false)
}

/// The nodejs-websocket chat room: its rewritten lines show as they are.
pub fn peer_nodejs_websocket(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "nodejs-websocket-chat.js")?;
    let (a, b) = (
        visit(env, "na", &ws_url(&peer, ""), "auto")?,
        visit(env, "nb", &ws_url(&peer, ""), "auto")?,
    );
    wait_view(&a, "the arrival lines", |v| {
        peer_lines(v, |t| t.ends_with(" comes in")).count() == 2
    })?;
    exchange(&a, &b, "hi node", "says: hi node", false)?;
    exchange(&b, &a, "hi back", "says: hi back", false)
}

/// The socket.io chat: the user types only ws://host:port and picks socket.io.
pub fn peer_socketio(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "socketio-chat.js")?;
    let url = ws_url(&peer, "");
    let (a, b) = (
        visit(env, "sa", &url, "socketio")?,
        visit(env, "sb", &url, "socketio")?,
    );
    wait_view(&a, "the namespace", |v| {
        v.lines
            .iter()
            .any(|l| l.2.starts_with("Joined the socket.io chat"))
    })?;
    exchange(&a, &b, "hello socket.io", "hello socket.io", true)?;
    exchange(
        &b,
        &a,
        "hi from the other tab",
        "hi from the other tab",
        true,
    )
}

/// The em-websocket echo: the path is sent as typed; replies show as server lines.
pub fn peer_em_websocket(env: &Env) -> Result<()> {
    let peer = Peer::start("ruby", "em-websocket-echo.rb")?;
    let a = visit(env, "ea", &ws_url(&peer, "/room"), "auto")?;
    wait_view(&a, "the greeting with the path", |v| {
        peer_lines(v, |t| t == "Hello Client, you connected to /room").count() == 1
    })?;
    exchange(&a, &a, "ping me", "Pong: ping me", false)
}

/// Python `websockets` broadcast (no greeting: auto settles on text by itself).
pub fn peer_python_websockets(env: &Env) -> Result<()> {
    let peer = Peer::start("python", "websockets-broadcast.py")?;
    let (a, b) = (
        visit(env, "pa", &ws_url(&peer, ""), "auto")?,
        visit(env, "pb", &ws_url(&peer, ""), "auto")?,
    );
    exchange(
        &a,
        &b,
        "hello from python's room",
        "hello from python's room",
        true,
    )?;
    exchange(&b, &a, "and back", "and back", true)
}
