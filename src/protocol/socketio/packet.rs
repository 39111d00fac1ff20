//! Engine.IO v3/v4 packets carrying Socket.IO v4/v5 packets, parsed and
//! written (<https://socket.io/docs/v4/engine-io-protocol/>,
//! <https://socket.io/docs/v4/socket-io-protocol/>). Pure and stateless: the
//! session in the parent module keeps what spans packets.

use crate::i18n::{t, tf};
use serde_json::Value;

/// One text packet, as far as a chat client cares.
#[derive(Clone, Debug, PartialEq)]
pub enum Packet {
    /// The Engine.IO handshake: how often pings go and how long to wait.
    /// `max_payload` is only sent by Engine.IO v4 servers.
    Open {
        ping_interval_ms: u32,
        ping_timeout_ms: u32,
        max_payload: bool,
    },
    Close,
    Ping,
    Pong,
    /// Noop, upgrade: nothing to do.
    Quiet,
    /// A namespace accepted us.
    Connected {
        nsp: String,
    },
    /// A namespace removed us.
    Disconnected {
        nsp: String,
    },
    Event {
        nsp: String,
        id: Option<u64>,
        name: String,
        args: Vec<Value>,
    },
    /// The answer to an event we sent with ack id `id`.
    Ack {
        nsp: String,
        id: u64,
    },
    /// An event whose `attachments` binary frames follow; the arguments hold
    /// `{"_placeholder":true,"num":N}` where each goes.
    BinaryEvent {
        nsp: String,
        id: Option<u64>,
        attachments: usize,
        name: String,
        args: Vec<Value>,
    },
    ConnectError {
        nsp: String,
        message: String,
    },
    /// Something Roomcast does not handle, described for the log.
    Unsupported(String),
}

/// Parses one text frame.
pub fn parse(frame: &str) -> Packet {
    let mut chars = frame.chars();
    match chars.next() {
        Some('0') => open(chars.as_str()),
        Some('1') => Packet::Close,
        Some('2') => Packet::Ping,
        Some('3') => Packet::Pong,
        Some('5' | '6') => Packet::Quiet,
        Some('4') => socket_packet(chars.as_str()),
        _ => Packet::Unsupported(tf("not an Engine.IO packet: {0}", &[&shorten(frame)])),
    }
}

fn open(json: &str) -> Packet {
    let Ok(value) = serde_json::from_str::<Value>(json) else {
        return Packet::Unsupported(tf("a malformed open packet: {0}", &[&shorten(json)]));
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
        max_payload: value.get("maxPayload").is_some(),
    }
}

/// Splits `[attachments-][/nsp,][id]payload` after the packet type.
fn header(mut rest: &str, binary: bool) -> Option<(usize, String, Option<u64>, &str)> {
    let mut attachments = 0;
    if binary {
        let (n, after) = rest.split_once('-')?;
        attachments = n.parse().ok()?;
        rest = after;
    }
    let mut nsp = "/".to_string();
    if rest.starts_with('/') {
        // The namespace ends at a comma, or with the packet (v2 connect).
        let end = rest.find([',', '[', '{', '"']).unwrap_or(rest.len());
        nsp = rest[..end].to_string();
        rest = rest[end..].strip_prefix(',').unwrap_or(&rest[end..]);
    }
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let id = rest[..digits].parse().ok();
    Some((attachments, nsp, id, &rest[digits..]))
}

fn socket_packet(packet: &str) -> Packet {
    let kind = packet.chars().next();
    let rest = packet.get(1..).unwrap_or_default();
    let binary = matches!(kind, Some('5' | '6'));
    let Some((attachments, nsp, id, payload)) = header(rest, binary) else {
        return Packet::Unsupported(tf(
            "a malformed Socket.IO packet: 4{0}",
            &[&shorten(packet)],
        ));
    };
    match kind {
        Some('0') => Packet::Connected { nsp },
        Some('1') => Packet::Disconnected { nsp },
        Some('2' | '5') => match event(payload) {
            Some((name, args)) if binary => Packet::BinaryEvent {
                nsp,
                id,
                attachments,
                name,
                args,
            },
            Some((name, args)) => Packet::Event {
                nsp,
                id,
                name,
                args,
            },
            None => Packet::Unsupported(tf("a malformed event: {0}", &[&shorten(payload)])),
        },
        Some('3' | '6') => match id {
            Some(id) => Packet::Ack { nsp, id },
            None => Packet::Quiet,
        },
        Some('4') => Packet::ConnectError {
            nsp,
            message: connect_error(payload),
        },
        _ => Packet::Unsupported(tf("an unknown Socket.IO packet: 4{0}", &[&shorten(packet)])),
    }
}

/// v5 sends `{"message": ...}`, v4 (socket.io 2) a JSON string.
fn connect_error(payload: &str) -> String {
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::String(s)) => s,
        Ok(v) => v
            .get("message")
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| shorten(payload)),
        Err(_) if payload.is_empty() => t("refused, without a reason").into(),
        Err(_) => shorten(payload),
    }
}

fn event(payload: &str) -> Option<(String, Vec<Value>)> {
    match serde_json::from_str::<Value>(payload) {
        Ok(Value::Array(mut items)) if items.first().is_some_and(Value::is_string) => {
            let name = items.remove(0).as_str().unwrap_or_default().to_string();
            Some((name, items))
        }
        _ => None,
    }
}

/// `nsp,` as written before the id and payload (nothing for `/`).
fn nsp_prefix(nsp: &str) -> String {
    if nsp == "/" {
        String::new()
    } else {
        format!("{nsp},")
    }
}

/// Joins namespace `nsp`.
pub fn connect(nsp: &str) -> String {
    format!("40{}", nsp_prefix(nsp))
}

/// `42[nsp,][id]["event","text"]`.
pub fn emit(nsp: &str, id: Option<u64>, event: &str, text: &str) -> String {
    // Strings through serde_json's one string serializer; no Value to build.
    let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    format!("42{}{id}[{},{}]", nsp_prefix(nsp), json(event), json(text))
}

/// `451-[nsp,][id]["event",{"_placeholder":true,"num":0}]`, to be followed
/// by the one binary frame.
pub fn emit_binary(nsp: &str, id: Option<u64>, event: &str) -> String {
    let event = serde_json::to_string(event).unwrap_or_default();
    let id = id.map(|i| i.to_string()).unwrap_or_default();
    format!(
        "451-{}{id}[{event},{{\"_placeholder\":true,\"num\":0}}]",
        nsp_prefix(nsp)
    )
}

/// Which attachment a placeholder stands for.
pub fn placeholder(value: &Value) -> Option<usize> {
    (value.get("_placeholder")? == &Value::Bool(true))
        .then(|| value.get("num")?.as_u64())
        .flatten()
        .map(|n| n as usize)
}

/// At most 200 characters of wire text, for messages in the log.
pub fn shorten(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}\u{2026}", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn root(name: &str, args: Vec<Value>) -> Packet {
        Packet::Event {
            nsp: "/".into(),
            id: None,
            name: name.into(),
            args,
        }
    }

    #[test]
    fn handshake_and_heartbeat() {
        assert_eq!(
            parse(
                r#"0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#
            ),
            Packet::Open {
                ping_interval_ms: 25_000,
                ping_timeout_ms: 20_000,
                max_payload: true,
            }
        );
        // socket.io 2 (Engine.IO v3): no maxPayload.
        assert_eq!(
            parse(
                r#"0{"sid":"b","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000}"#
            ),
            Packet::Open {
                ping_interval_ms: 25_000,
                ping_timeout_ms: 5_000,
                max_payload: false,
            }
        );
        assert!(matches!(parse("0{oops"), Packet::Unsupported(_)));
        assert_eq!(parse("40"), Packet::Connected { nsp: "/".into() });
        assert_eq!(
            parse(r#"40{"sid":"x"}"#),
            Packet::Connected { nsp: "/".into() }
        );
        assert_eq!(
            parse(r#"40/chat,{"sid":"x"}"#),
            Packet::Connected {
                nsp: "/chat".into()
            }
        );
        // socket.io 2 writes a namespace connect without the comma.
        assert_eq!(
            parse("40/chat"),
            Packet::Connected {
                nsp: "/chat".into()
            }
        );
        assert_eq!(parse("2"), Packet::Ping);
        assert_eq!(parse("3"), Packet::Pong);
        assert_eq!(parse("6"), Packet::Quiet);
        assert_eq!(parse("41"), Packet::Disconnected { nsp: "/".into() });
        assert_eq!(parse("1"), Packet::Close);
    }

    #[test]
    fn connect_errors_in_both_forms() {
        assert_eq!(
            parse(r#"44{"message":"Not authorized"}"#),
            Packet::ConnectError {
                nsp: "/".into(),
                message: "Not authorized".into()
            }
        );
        assert_eq!(
            parse(r#"44/admin,"Invalid namespace""#),
            Packet::ConnectError {
                nsp: "/admin".into(),
                message: "Invalid namespace".into()
            }
        );
    }

    #[test]
    fn events_acks_namespaces_and_attachments() {
        assert_eq!(
            parse(r#"42["chat message","hi"]"#),
            root("chat message", vec![json!("hi")])
        );
        assert_eq!(
            parse(r#"4217["x",1]"#),
            Packet::Event {
                nsp: "/".into(),
                id: Some(17),
                name: "x".into(),
                args: vec![json!(1)]
            }
        );
        assert_eq!(parse(r#"42/,["x"]"#), root("x", vec![]));
        assert_eq!(
            parse(r#"42/chat,["x","y"]"#),
            Packet::Event {
                nsp: "/chat".into(),
                id: None,
                name: "x".into(),
                args: vec![json!("y")]
            }
        );
        assert_eq!(
            parse(r#"43/chat,5["ok"]"#),
            Packet::Ack {
                nsp: "/chat".into(),
                id: 5
            }
        );
        assert_eq!(
            parse(r#"451-["img",{"_placeholder":true,"num":0}]"#),
            Packet::BinaryEvent {
                nsp: "/".into(),
                id: None,
                attachments: 1,
                name: "img".into(),
                args: vec![json!({"_placeholder": true, "num": 0})]
            }
        );
        assert_eq!(
            placeholder(&json!({"_placeholder": true, "num": 2})),
            Some(2)
        );
        assert_eq!(placeholder(&json!({"num": 2})), None);
    }

    #[test]
    fn writes_what_servers_read() {
        assert_eq!(connect("/"), "40");
        assert_eq!(connect("/chat"), "40/chat,");
        assert_eq!(
            emit("/", None, "chat message", "a \"quoted\" line"),
            r#"42["chat message","a \"quoted\" line"]"#
        );
        assert_eq!(emit("/chat", Some(3), "m", "x"), r#"42/chat,3["m","x"]"#);
        assert_eq!(
            emit_binary("/", Some(1), "m"),
            r#"451-1["m",{"_placeholder":true,"num":0}]"#
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
            "45x-[]",
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
