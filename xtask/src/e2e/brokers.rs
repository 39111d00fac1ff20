//! Brokers and framework sockets (issue 15), each the real thing on
//! loopback: RabbitMQ's web-stomp, an aedes MQTT broker, npm `sockjs`
//! (plain, and STOMP over SockJS to RabbitMQ), Action Cable under puma,
//! and gorilla's batching chat hub. For each: two pages chat both ways,
//! the server's own official client sees the pages' lines and the pages
//! see its line, and a restart of the broker loses nothing typed.

use super::*;
use crate::brokers::{self, with_rabbit};

/// Opens Roomcast at `query` (after `?`) and waits for `Connected` with `note`.
fn open_at(env: &Env, origin: &str, query: &str, note: &str) -> Result<Session> {
    let s = env.driver.session(env.options)?;
    s.goto(&format!("{origin}/?{query}"))?;
    wait_view_for(
        &s,
        &format!("connected with {note:?} ({query})"),
        Duration::from_secs(30),
        |v| v.status.contains("Connected") && v.status.contains(note),
    )?;
    Ok(s)
}

/// The official client printed a message containing `text`, and the pages
/// show its `line` once each.
fn official_client_both_ways(
    client: &Peer,
    typed: &str,
    line: &str,
    pages: &[&Session],
) -> Result<()> {
    client.wait_output(typed, Duration::from_secs(15))?;
    for page in pages {
        let v = wait_view(page, &format!("the official client's {line:?}"), |v| {
            peer_lines(v, |t| t.ends_with(line)).count() > 0
        })?;
        let copies = peer_lines(&v, |t| t.ends_with(line)).count();
        ensure(copies == 1, || format!("{line:?} shows {copies} times"))?;
    }
    Ok(())
}

/// The broker goes down while `writer` types: its lines wait (queued), and
/// once the broker is back and `reader` subscribed again, they arrive
/// exactly once, in order (`ordered`; Action Cable's async adapter delivers
/// a burst on several threads, so there only once each). The writer holds
/// its lines (Disconnect) until the reader is back: a topic keeps nothing
/// for a subscriber not yet there.
fn restart_loses_nothing(
    writer: &Session,
    reader: &Session,
    prefix: &str,
    ordered: bool,
    down: impl FnOnce() -> Result<()>,
    up: impl FnOnce() -> Result<()>,
) -> Result<()> {
    down()?;
    for page in [writer, reader] {
        wait_view_for(page, "Reconnecting", Duration::from_secs(20), |v| {
            !v.status.contains("Connected")
        })?;
    }
    let typed: Vec<String> = (1..=3).map(|i| format!("{prefix} {i}")).collect();
    type_while_away(writer, &typed[..2])?;
    writer.click(".connect button[type=button]")?; // Disconnect
    wait_view(writer, "Disconnected", |v| v.status == "Disconnected")?;
    type_while_away(writer, &typed[2..])?;
    up()?;
    wait_view_for(reader, "the reader back", Duration::from_secs(60), |v| {
        v.status.contains("Connected")
    })?;
    writer.click(".connect button[type=submit]")?; // Connect
    delivered_once(writer, "delivered after the restart", &typed)?;
    if ordered {
        return receives_exactly(reader, prefix, &typed);
    }
    let got = wait_view(reader, "the three lines", |v| {
        texts_with(v, prefix).len() >= 3
    })?;
    let mut received = texts_with(&got, prefix);
    received.sort();
    ensure(received == typed, || {
        format!("received {received:?}, typed {typed:?} (in any order)")
    })
}

/// RabbitMQ web-stomp: STOMP 1.2 with receipts; @stomp/stompjs both ways;
/// the broker killed and started again.
pub fn peer_rabbitmq_stomp(env: &Env) -> Result<()> {
    let url = with_rabbit(|r| Ok(format!("ws://127.0.0.1:{}/ws", r.web_stomp)))?;
    let q = |name: &str| format!("server={url}&name={name}&protocol=stomp&room=/topic/e2e");
    let a = open_at(env, env.origin, &q("sa"), "STOMP")?;
    let b = open_at(env, env.origin, &q("sb"), "STOMP")?;
    exchange(&a, &b, "hello rabbit", "hello rabbit", true)?;
    exchange(&b, &a, "hi from b", "hi from b", true)?;
    let body = r#"{"name":"stompjs","text":"from the official client"}"#;
    let client = Peer::start_with("node", "stomp-client.js", &[&url, "/topic/e2e", body])?;
    official_client_both_ways(&client, body, "from the official client", &[&a, &b])?;
    exchange(&a, &b, "seen by stompjs", "seen by stompjs", true)?;
    client.wait_output("seen by stompjs", Duration::from_secs(10))?;
    restart_loses_nothing(
        &a,
        &b,
        "typed while RabbitMQ was down",
        true,
        || {
            with_rabbit(|r| {
                r.kill();
                Ok(())
            })
        },
        || with_rabbit(|_| Ok(())),
    )
}

/// An aedes MQTT broker over `ws`: QoS 1 with PUBACK; npm `mqtt` both ways;
/// the broker restarted on its port.
pub fn peer_mqtt_aedes(env: &Env) -> Result<()> {
    let broker = RefCell::new(Some(Peer::start("node", "mqtt-broker.js")?));
    let port = broker.borrow().as_ref().map(|p| p.port).unwrap_or_default();
    let url = format!("ws://127.0.0.1:{port}");
    // Auto-detected from the address's /mqtt? aedes answers on any path.
    let q = |name: &str| format!("server={url}/mqtt&name={name}&room=e2e/chat");
    let a = open_at(env, env.origin, &q("ma"), "MQTT, detected")?;
    let b = open_at(env, env.origin, &q("mb"), "MQTT, detected")?;
    exchange(&a, &b, "hello mqtt", "hello mqtt", true)?;
    exchange(&b, &a, "hi over mqtt", "hi over mqtt", true)?;
    let body = r#"{"name":"mqttjs","text":"from mqtt.js"}"#;
    let client = Peer::start_with("node", "mqtt-client.js", &[&url, "e2e/chat", body])?;
    official_client_both_ways(&client, body, "from mqtt.js", &[&a, &b])?;
    exchange(&b, &a, "seen by mqtt.js", "seen by mqtt.js", true)?;
    client.wait_output("seen by mqtt.js", Duration::from_secs(10))?;
    drop(client);
    restart_loses_nothing(
        &a,
        &b,
        "typed while aedes was down",
        true,
        || {
            broker.borrow_mut().take();
            Ok(())
        },
        || {
            *broker.borrow_mut() = Some(Peer::start_on(port, "node", "mqtt-broker.js", &[])?);
            Ok(())
        },
    )
}

/// npm `sockjs`'s broadcast chat, typed as `http://host/chat` with the
/// protocol on auto: the `/info` probe finds SockJS; sockjs-client both
/// ways; the server restarted.
pub fn peer_sockjs_chat(env: &Env) -> Result<()> {
    let server = RefCell::new(Some(Peer::start_with("node", "sockjs-chat.js", &["chat"])?));
    let port = server.borrow().as_ref().map(|p| p.port).unwrap_or_default();
    let url = format!("http://127.0.0.1:{port}/chat");
    let q = |name: &str| format!("server={url}&name={name}");
    let a = open_at(env, env.origin, &q("ja"), "SockJS")?;
    let b = open_at(env, env.origin, &q("jb"), "SockJS")?;
    exchange(&a, &b, "hello sockjs", "hello sockjs", true)?;
    exchange(&b, &a, "hi through sockjs", "hi through sockjs", true)?;
    let client = Peer::start_with("node", "sockjs-client.js", &[&url, "from sockjs-client"])?;
    official_client_both_ways(
        &client,
        "from sockjs-client",
        "from sockjs-client",
        &[&a, &b],
    )?;
    exchange(
        &a,
        &b,
        "seen by sockjs-client",
        "seen by sockjs-client",
        true,
    )?;
    client.wait_output("seen by sockjs-client", Duration::from_secs(10))?;
    drop(client);
    restart_loses_nothing(
        &a,
        &b,
        "typed while sockjs was down",
        true,
        || {
            server.borrow_mut().take();
            Ok(())
        },
        || {
            *server.borrow_mut() = Some(Peer::start_on(port, "node", "sockjs-chat.js", &["chat"])?);
            Ok(())
        },
    )?;
    // A page opened while the server is down finds SockJS once it is back:
    // each attempt asks /info again until a socket opens (a plain socket to
    // the prefix would never open).
    server.borrow_mut().take();
    let c = env.driver.session(env.options)?;
    c.goto(&format!("{}/?{}", env.origin, q("jc")))?;
    wait_view_for(&c, "jc retrying", Duration::from_secs(20), |v| {
        v.status.contains("Reconnecting")
    })?;
    *server.borrow_mut() = Some(Peer::start_on(port, "node", "sockjs-chat.js", &["chat"])?);
    wait_view_for(
        &c,
        "jc connected over SockJS once it is back",
        Duration::from_secs(30),
        |v| v.status.contains("Connected") && v.status.contains("SockJS"),
    )?;
    // ja lost the server too: back before the line goes (no history here).
    wait_view_for(&a, "ja back", Duration::from_secs(30), |v| {
        v.status.contains("Connected")
    })?;
    exchange(&c, &a, "jc after the outage", "jc after the outage", true)
}

/// STOMP over SockJS (Spring's default), typed as `http://host/ws` with a
/// destination: the pages find SockJS, then speak STOMP inside it, to a
/// real broker (npm `sockjs` piping to RabbitMQ's STOMP port).
pub fn peer_stomp_over_sockjs(env: &Env) -> Result<()> {
    let stomp = with_rabbit(|r| Ok(r.stomp))?;
    let bridge = Peer::start_with("node", "sockjs-chat.js", &["stomp", &stomp.to_string()])?;
    let url = format!("http://127.0.0.1:{}/ws", bridge.port);
    let q = |name: &str| format!("server={url}&name={name}&room=/topic/public");
    let a = open_at(env, env.origin, &q("ka"), "STOMP over SockJS, detected")?;
    let b = open_at(env, env.origin, &q("kb"), "STOMP over SockJS, detected")?;
    exchange(&a, &b, "hello spring-style", "hello spring-style", true)?;
    exchange(&b, &a, "hi over stomp+sockjs", "hi over stomp+sockjs", true)?;
    let body = r#"{"name":"stompjs","text":"stompjs over sockjs"}"#;
    let client = Peer::start_with("node", "stomp-client.js", &[&url, "/topic/public", body])?;
    official_client_both_ways(&client, body, "stompjs over sockjs", &[&a, &b])
}

/// gorilla/websocket's chat example behind a same-origin front: its hub
/// joins queued messages with `\n`. 20 lines sent at once (typed while
/// disconnected, then connected) come back batched; the sender finds the
/// batching by its own lines and shows every line once; a page with
/// `lines=split` shows them apart from the start; the raw client's bursts
/// show as lines too.
pub fn peer_gorilla_batched_lines(env: &Env) -> Result<()> {
    let hub = brokers::gorilla_chat()?;
    let front = front(env, "same-origin-front.js", hub.port)?;
    let origin = format!("http://127.0.0.1:{}", front.port);
    let ws = format!("ws://127.0.0.1:{}/ws", front.port);
    let a = open_at(
        env,
        &origin,
        &format!("server={ws}&name=ga&protocol=text"),
        "",
    )?;
    let c = open_at(
        env,
        &origin,
        &format!("server={ws}&name=gc&protocol=text&lines=split"),
        "",
    )?;
    a.click(".connect button[type=button]")?; // Disconnect
    wait_view(&a, "Disconnected", |v| v.status == "Disconnected")?;
    let typed: Vec<String> = (1..=20).map(|i| format!("all at once {i}")).collect();
    type_while_away(&a, &typed)?;
    a.click(".connect button[type=submit]")?;
    wait_view_for(&a, "the batch delivered", Duration::from_secs(20), |v| {
        typed.iter().all(|t| v.count(t) == 1) && all_delivered(v)
    })?;
    let v = view(&a)?;
    ensure(
        v.lines
            .iter()
            .any(|l| l.2.contains("joins messages into one frame")),
        || "the sender did not find the batching (no batch came back with its own lines?)".into(),
    )?;
    ensure(peer_lines(&v, |t| t.contains('\n')).count() == 0, || {
        "a batch showed as one line on the sender".into()
    })?;
    receives_exactly(&c, "all at once", &typed)?;
    let client = Peer::start_with("node", "burst-client.js", &[&ws, "5"])?;
    client.wait_output("done", Duration::from_secs(10))?;
    let bursts: Vec<String> = (1..=5)
        .flat_map(|b| (1..=20).map(move |n| format!("burst {b}.{n}")))
        .collect();
    receives_exactly(&c, "burst ", &bursts)?;
    receives_exactly(&a, "burst ", &bursts)
}

/// Action Cable (Debian's ruby-actioncable under puma, async adapter),
/// typed as `ws://host/cable` on auto: the subscription confirmed in words,
/// lines to `speak`, @rails/actioncable both ways, puma restarted.
pub fn peer_action_cable(env: &Env) -> Result<()> {
    let cable = RefCell::new(Some(brokers::action_cable(None)?));
    let port = cable.borrow().as_ref().map(|c| c.port).unwrap_or_default();
    let url = format!("ws://127.0.0.1:{port}/cable");
    let q = |name: &str| format!("server={url}&name={name}");
    let a = open_at(env, env.origin, &q("ca"), "Action Cable, detected")?;
    let b = open_at(env, env.origin, &q("cb"), "Action Cable, detected")?;
    ensure(
        view(&a)?
            .lines
            .iter()
            .any(|l| l.2.contains("Subscribed to ChatChannel")),
        || "no word of the confirmed subscription".into(),
    )?;
    exchange(&a, &b, "hello cable", "hello cable", true)?;
    exchange(&b, &a, "hi from the cable", "hi from the cable", true)?;
    let client = Peer::start_with("node", "cable-client.js", &[&url, "from actioncable.js"])?;
    official_client_both_ways(
        &client,
        "from actioncable.js",
        "from actioncable.js",
        &[&a, &b],
    )?;
    exchange(
        &a,
        &b,
        "seen by actioncable.js",
        "seen by actioncable.js",
        true,
    )?;
    client.wait_output("seen by actioncable.js", Duration::from_secs(10))?;
    drop(client);
    restart_loses_nothing(
        &a,
        &b,
        "typed while puma was down",
        false,
        || {
            cable.borrow_mut().take();
            Ok(())
        },
        || {
            *cable.borrow_mut() = Some(brokers::action_cable(Some(port))?);
            Ok(())
        },
    )
}
