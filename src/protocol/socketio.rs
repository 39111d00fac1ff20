//! socket.io over WebSocket: Engine.IO v4 packets carrying Socket.IO v5
//! packets (<https://socket.io/docs/v4/engine-io-protocol/>,
//! <https://socket.io/docs/v4/socket-io-protocol/>). Only the default
//! namespace, and no binary attachments.

use serde_json::Value;

/// Joins the default namespace (sent after the server's open packet).
pub const CONNECT: &str = "40";
/// Answers the server's ping.
pub const PONG: &str = "3";
/// The event name chat servers use unless told otherwise.
pub const DEFAULT_EVENT: &str = "chat message";

/// One Engine.IO packet, as far as a chat client cares.
#[derive(Clone, Debug, PartialEq)]
pub enum Packet {
    /// The handshake: how often the server pings and how long it waits.
    Open {
        ping_interval_ms: u32,
        ping_timeout_ms: u32,
    },
    Close,
    Ping,
    /// Pong, noop, upgrade, acks: nothing to show.
    Quiet,
    /// The server accepted us into the default namespace.
    Connected,
    /// The server removed us from the namespace.
    Disconnected,
    Event {
        name: String,
        args: Vec<Value>,
    },
    ConnectError(String),
    /// Something Roomcast does not handle, described for the log.
    Unsupported(String),
}

/// The WebSocket endpoint of a socket.io server the user gave as
/// `ws://host:port`: `/socket.io/?EIO=4&transport=websocket` is added when the
/// path is empty or `/socket.io/` without a query; other paths are kept.
pub fn endpoint(server: &str) -> String {
    let (scheme, rest) = server.split_once("://").unwrap_or(("ws", server));
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(cut);
    let query = "EIO=4&transport=websocket";
    match tail {
        "" | "/" | "/socket.io" | "/socket.io/" => format!("{scheme}://{host}/socket.io/?{query}"),
        t if t.starts_with("/socket.io/?") && !t.contains("EIO=") => {
            format!("{scheme}://{host}{t}&{query}")
        }
        t => format!("{scheme}://{host}{t}"),
    }
}

/// `42["event","text"]`: emits `event` with one string.
pub fn emit(event: &str, text: &str) -> String {
    format!(
        "42{}",
        Value::from(vec![Value::from(event), Value::from(text)])
    )
}

/// Parses one text frame.
pub fn parse(frame: &str) -> Packet {
    let mut chars = frame.chars();
    match chars.next() {
        Some('0') => open(chars.as_str()),
        Some('1') => Packet::Close,
        Some('2') => Packet::Ping,
        Some('3' | '5' | '6') => Packet::Quiet,
        Some('4') => socket_packet(chars.as_str()),
        _ => Packet::Unsupported(format!("not an Engine.IO packet: {}", shorten(frame))),
    }
}

fn open(json: &str) -> Packet {
    let Ok(value) = serde_json::from_str::<Value>(json) else {
        return Packet::Unsupported(format!("a malformed open packet: {}", shorten(json)));
    };
    let ms = |key: &str, default: u32| {
        value
            .get(key)
            .and_then(Value::as_u64)
            .map_or(default, |v| v.min(u64::from(u32::MAX)) as u32)
    };
    Packet::Open {
        ping_interval_ms: ms("pingInterval", 25_000),
        ping_timeout_ms: ms("pingTimeout", 20_000),
    }
}

fn socket_packet(packet: &str) -> Packet {
    let kind = packet.chars().next();
    let mut rest = packet.get(1..).unwrap_or_default();
    if rest.starts_with('/') {
        let (namespace, after) = rest.split_once(',').unwrap_or((rest, ""));
        if namespace != "/" {
            return Packet::Unsupported(format!("a packet for namespace {namespace}"));
        }
        rest = after;
    }
    // An ack id may precede the payload; acks are not used here.
    let payload = rest.trim_start_matches(|c: char| c.is_ascii_digit());
    match kind {
        Some('0') => Packet::Connected,
        Some('1') => Packet::Disconnected,
        Some('2') => event(payload),
        Some('3') => Packet::Quiet,
        Some('4') => Packet::ConnectError(
            serde_json::from_str::<Value>(payload)
                .ok()
                .and_then(|v| v.get("message").and_then(Value::as_str).map(String::from))
                .unwrap_or_else(|| shorten(payload)),
        ),
        Some('5' | '6') => Packet::Unsupported("an event with binary attachments".into()),
        _ => Packet::Unsupported(format!("an unknown Socket.IO packet: 4{}", shorten(packet))),
    }
}

fn event(payload: &str) -> Packet {
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::Array(mut items)) if items.first().is_some_and(Value::is_string) => {
            let name = items.remove(0).as_str().unwrap_or_default().to_string();
            Packet::Event { name, args: items }
        }
        _ => Packet::Unsupported(format!("a malformed event: {}", shorten(payload))),
    }
}

/// At most 200 characters of wire text, for messages in the log.
fn shorten(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}\u{2026}", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints() {
        let e = "/socket.io/?EIO=4&transport=websocket";
        assert_eq!(endpoint("ws://h:3000"), format!("ws://h:3000{e}"));
        assert_eq!(endpoint("wss://h/"), format!("wss://h{e}"));
        assert_eq!(endpoint("ws://h:1/socket.io/"), format!("ws://h:1{e}"));
        assert_eq!(
            endpoint("ws://h:1/socket.io/?token=x"),
            "ws://h:1/socket.io/?token=x&EIO=4&transport=websocket"
        );
        assert_eq!(
            endpoint("ws://h:1/custom/?EIO=4&transport=websocket"),
            "ws://h:1/custom/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn handshake_and_heartbeat() {
        assert_eq!(
            parse(
                r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            ),
            Packet::Open {
                ping_interval_ms: 25_000,
                ping_timeout_ms: 20_000
            }
        );
        assert_eq!(
            parse("0{}"),
            Packet::Open {
                ping_interval_ms: 25_000,
                ping_timeout_ms: 20_000
            }
        );
        assert!(matches!(parse("0{oops"), Packet::Unsupported(_)));
        assert_eq!(parse("40"), Packet::Connected);
        assert_eq!(parse(r#"40{"sid":"x"}"#), Packet::Connected);
        assert_eq!(parse("2"), Packet::Ping);
        assert_eq!(parse("3"), Packet::Quiet);
        assert_eq!(parse("6"), Packet::Quiet);
        assert_eq!(parse("41"), Packet::Disconnected);
        assert_eq!(parse("1"), Packet::Close);
        assert_eq!(
            parse(r#"44{"message":"Not authorized"}"#),
            Packet::ConnectError("Not authorized".into())
        );
    }

    #[test]
    fn events() {
        assert_eq!(
            parse(r#"42["chat message","hi"]"#),
            Packet::Event {
                name: "chat message".into(),
                args: vec![json!("hi")]
            }
        );
        // With an ack id, or the default namespace spelled out.
        assert_eq!(
            parse(r#"4217["x",1]"#),
            Packet::Event {
                name: "x".into(),
                args: vec![json!(1)]
            }
        );
        assert_eq!(
            parse(r#"42/,["x"]"#),
            Packet::Event {
                name: "x".into(),
                args: vec![]
            }
        );
        assert!(
            matches!(parse(r#"42/admin,["x"]"#), Packet::Unsupported(s) if s.contains("/admin"))
        );
        assert!(matches!(
            parse(r#"451-["img",{"_placeholder":true,"num":0}]"#),
            Packet::Unsupported(_)
        ));
        assert_eq!(
            emit("chat message", "a \"quoted\" line"),
            r#"42["chat message","a \"quoted\" line"]"#
        );
    }

    #[test]
    fn partial_and_garbage_packets_are_described_not_fatal() {
        for bad in [
            "",
            "x",
            "4",
            "42",
            "42[",
            r#"42["unterminated"#,
            "42[1,2]",
            "42{}",
            "49",
        ] {
            assert!(
                matches!(parse(bad), Packet::Unsupported(_)),
                "{bad:?} -> {:?}",
                parse(bad)
            );
        }
        let long = format!("42[{}", "a".repeat(500));
        match parse(&long) {
            Packet::Unsupported(s) => assert!(s.chars().count() < 260, "{}", s.len()),
            other => panic!("{other:?}"),
        }
    }
}
