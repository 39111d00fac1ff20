//! SockJS framing over a WebSocket: the `/info` probe, the framed endpoint
//! `<prefix>/<server>/<session>/websocket` (`o`, `h`, `a[...]`, `c[...]`
//! from the server, `["..."]` from the client) and the raw
//! `<prefix>/websocket`. What travels inside is another dialect's text
//! (plain lines, JSON, STOMP), so this layer composes with them.
//! <https://sockjs.github.io/sockjs-protocol/sockjs-protocol-0.3.3.html>

use crate::i18n::t;
use serde_json::Value;

/// SockJS servers send `h` every 25 s by default.
pub const DEAD_AFTER_MS: u64 = 60_000;

/// What one server frame means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Open,
    Heartbeat,
    /// The messages of an `a[...]` (or old `m"..."`) frame, in order.
    Messages(Vec<String>),
    Close {
        code: u16,
        reason: String,
    },
    /// Not a SockJS frame.
    Garbage(String),
}

/// Reads one server frame.
pub fn parse(text: &str) -> Event {
    let Some(kind) = text.chars().next() else {
        return Event::Garbage(String::new());
    };
    let rest = &text[kind.len_utf8()..];
    match kind {
        'o' if rest.is_empty() => Event::Open,
        'h' if rest.is_empty() => Event::Heartbeat,
        // Read as a Value (the one JSON reader already in the wasm), then
        // taken apart: SockJS messages are strings, always.
        'a' | 'm' | 'c' => match (kind, serde_json::from_str::<Value>(rest)) {
            ('a', Ok(Value::Array(list))) => list
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect::<Option<Vec<String>>>()
                .map_or_else(|| Event::Garbage(text.to_string()), Event::Messages),
            ('m', Ok(Value::String(s))) => Event::Messages(vec![s]),
            ('c', Ok(Value::Array(pair))) => match pair.as_slice() {
                [Value::Number(code), Value::String(reason)] => match code.as_u64() {
                    Some(code) if code <= u64::from(u16::MAX) => Event::Close {
                        code: code as u16,
                        reason: reason.clone(),
                    },
                    _ => Event::Garbage(text.to_string()),
                },
                _ => Event::Garbage(text.to_string()),
            },
            _ => Event::Garbage(text.to_string()),
        },
        _ => Event::Garbage(text.to_string()),
    }
}

/// The client frame carrying one message.
pub fn wrap(message: &str) -> String {
    format!("[{}]", serde_json::to_string(message).unwrap_or_default())
}

/// The address without its query, and without a trailing `/`.
fn prefix(server: &str) -> &str {
    server
        .split('?')
        .next()
        .unwrap_or(server)
        .trim_end_matches('/')
}

/// The framed WebSocket endpoint for a three-digit `server_id` and a session id.
pub fn framed_url(server: &str, server_id: u16, session: &str) -> String {
    format!(
        "{}/{:03}/{session}/websocket",
        prefix(server),
        server_id % 1000
    )
}

/// The raw WebSocket endpoint: no framing, one message per frame.
pub fn raw_url(server: &str) -> String {
    format!("{}/websocket", prefix(server))
}

/// The `/info` URL over HTTP for a `ws(s)://` address.
pub fn info_url(server: &str) -> String {
    let base = prefix(server);
    let base = match base.split_once("://") {
        Some(("wss", rest)) => format!("https://{rest}"),
        Some((_, rest)) => format!("http://{rest}"),
        None => base.to_string(),
    };
    format!("{base}/info")
}

/// A session id from a seed: eight lowercase letters and digits.
pub fn session_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut n = seed;
    (0..8)
        .map(|_| {
            let c = ALPHABET[(n % 36) as usize] as char;
            n /= 36;
            c
        })
        .collect()
}

/// What `/info` answered: whether the WebSocket transport is on. `Err`
/// when the body is not a SockJS info object.
pub fn parse_info(body: &str) -> Result<bool, String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(info)) if info.contains_key("websocket") => {
            Ok(info.get("websocket").and_then(Value::as_bool) != Some(false))
        }
        _ => Err(t("not a SockJS /info answer").into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_frames() {
        assert_eq!(parse("o"), Event::Open);
        assert_eq!(parse("h"), Event::Heartbeat);
        assert_eq!(
            parse(r#"a["hi","{\"text\":\"x\"}"]"#),
            Event::Messages(vec!["hi".into(), r#"{"text":"x"}"#.into()])
        );
        assert_eq!(parse(r#"m"old""#), Event::Messages(vec!["old".into()]));
        assert_eq!(
            parse(r#"c[3000,"Go away!"]"#),
            Event::Close {
                code: 3000,
                reason: "Go away!".into()
            }
        );
        for bad in ["", "x", "a[", "c[1]", "oo", "a{}"] {
            assert!(matches!(parse(bad), Event::Garbage(_)), "{bad:?}");
        }
    }

    #[test]
    fn client_frames_escape_what_json_escapes() {
        assert_eq!(wrap("say \"hi\"\n\0"), r#"["say \"hi\"\n\u0000"]"#);
    }

    #[test]
    fn endpoints() {
        assert_eq!(
            framed_url("ws://h:9/echo/?x=1", 7, "abc"),
            "ws://h:9/echo/007/abc/websocket"
        );
        assert_eq!(raw_url("wss://h/chat"), "wss://h/chat/websocket");
        assert_eq!(info_url("wss://h/chat"), "https://h/chat/info");
        assert_eq!(info_url("ws://h:8080/ws"), "http://h:8080/ws/info");
        let id = session_id(42);
        assert_eq!(id.len(), 8);
        assert_ne!(id, session_id(43));
    }

    #[test]
    fn info_answers() {
        assert_eq!(
            parse_info(r#"{"websocket":true,"origins":["*:*"],"cookie_needed":false,"entropy":1}"#),
            Ok(true)
        );
        assert_eq!(parse_info(r#"{"websocket":false}"#), Ok(false));
        assert!(parse_info("<html>").is_err());
        assert!(parse_info("{}").is_err());
    }
}
