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
            .find(|l| l.2.contains("No heartbeat") || l.2.contains("connection is dead"));
        ensure(dropped.is_none(), || {
            format!(
                "the page declared the connection dead while idle: {:?}",
                dropped.map(|l| &l.2)
            )
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

/// Roomcast served by `front` (which refuses WebSocket upgrades) at
/// `?server=…&protocol=socketio`: it falls back to long-polling and says so.
fn visit_behind(env: &Env, front: &Peer, name: &str, path: &str) -> Result<Session> {
    let origin = format!("http://127.0.0.1:{}", front.port);
    let server = format!("ws://127.0.0.1:{}{path}", front.port);
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{origin}/?server={server}&name={name}&protocol=socketio"
    ))?;
    wait_view_for(
        &s,
        &format!("{name} connected over long-polling"),
        Duration::from_secs(20),
        |v| v.status.contains("Connected") && v.status.contains("long-polling"),
    )?;
    Ok(s)
}

/// The same chat behind a front that forwards HTTP and refuses upgrades.
fn chat_behind_front(env: &Env, script: &str, path: &str, names: [&str; 2]) -> Result<()> {
    let sio = Peer::start_with("node", script, &[PING.0, PING.1])?;
    let front = front(env, "upgrade-refusing-front.js", sio.port)?;
    let a = visit_behind(env, &front, names[0], path)?;
    let b = visit_behind(env, &front, names[1], path)?;
    let fell_back = view(&a)?
        .lines
        .iter()
        .any(|l| l.2.contains("trying socket.io over HTTP long-polling"));
    ensure(fell_back, || {
        "no word of the fallback to long-polling".into()
    })?;
    exchange(&a, &b, "polled hello", "polled hello", true)?;
    exchange(&b, &a, "polled answer", "polled answer", true)?;
    idles_without_a_drop(&[&a, &b])?;
    exchange(&a, &b, "polled after idling", "polled after idling", true)
}

/// socket.io 2 behind a front that refuses WebSocket upgrades: chat over
/// Engine.IO v3 long-polling (`len:packet` payloads), client pings.
pub fn socketio_v2_over_long_polling(env: &Env) -> Result<()> {
    chat_behind_front(env, "socketio2-chat.js", "", ["pa", "pb"])
}

/// socket.io 4, chat in /chat, behind the same front: v4 long-polling.
pub fn socketio_v4_over_long_polling(env: &Env) -> Result<()> {
    chat_behind_front(env, "socketio-namespace.js", "/chat", ["pc", "pd"])
}

/// python-socketio 5 (aiohttp): with `cors_allowed_origins` the chat works;
/// with its default origin check, the page says in words that the server
/// refused this page's origin and which origin to allow.
pub fn peer_python_socketio(env: &Env) -> Result<()> {
    let open = Peer::start_with("python", "python-socketio-chat.py", &["cors"])?;
    let url = ws_url(&open, "");
    let (a, b) = (
        visit(env, "ya", &url, "socketio")?,
        visit(env, "yb", &url, "socketio")?,
    );
    exchange(
        &a,
        &b,
        "hello python-socketio",
        "hello python-socketio",
        true,
    )?;
    exchange(&b, &a, "hi from python", "hi from python", true)?;
    drop((a, b));

    let strict = Peer::start("python", "python-socketio-chat.py")?;
    let url = ws_url(&strict, "");
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server={url}&name=yc&protocol=socketio",
        env.origin
    ))?;
    let v = wait_view_for(&s, "the refusal in words", Duration::from_secs(20), |v| {
        v.lines
            .iter()
            .any(|l| l.2.contains("CORS") && l.2.contains(env.origin))
    })?;
    ensure(!v.status.contains("Connected"), || {
        format!("the refused page says {:?}", v.status)
    })
}

/// `transport=polling` starts on long-polling, as socket.io's own client
/// does, then moves to a WebSocket (`2probe`, `3probe`, `5`) where the
/// network allows: the log says so, the status drops "long-polling", and the
/// chat goes on. Both socket.io 2 and 4.
pub fn socketio_upgrades_from_polling(env: &Env) -> Result<()> {
    for (script, path, names) in [
        ("socketio2-chat.js", "", ["ua", "ub"]),
        ("socketio-namespace.js", "/chat", ["uc", "ud"]),
    ] {
        let peer = Peer::start_with("node", script, &[PING.0, PING.1])?;
        let url = format!("{}&transport=polling", ws_url(&peer, path));
        let a = visit(env, names[0], &url, "socketio")?;
        let b = visit(env, names[1], &url, "socketio")?;
        for page in [&a, &b] {
            wait_view(page, &format!("{script}: the upgrade"), |v| {
                v.status.contains("Connected")
                    && !v.status.contains("long-polling")
                    && v.lines
                        .iter()
                        .any(|l| l.2.contains("moved from HTTP long-polling to a WebSocket"))
            })?;
        }
        exchange(&a, &b, "upgraded hello", "upgraded hello", true)?;
        exchange(&b, &a, "upgraded answer", "upgraded answer", true)?;
    }
    Ok(())
}
