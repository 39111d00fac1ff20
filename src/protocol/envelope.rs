//! The reference server's JSON envelope (see `docs/PROTOCOL.md`).
//!
//! These types are the single definition of the wire format: the client decodes
//! and encodes with them, and `roomcast-server` depends on this module (with the
//! crate's `web` feature off) so both ends cannot drift apart.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Protocol version announced in [`ServerFrame::Welcome`].
pub const VERSION: u32 = 1;

/// The name the reference server gives itself in [`ServerFrame::Welcome`].
pub const SERVER_NAME: &str = "roomcast-server";

/// What a client sends to the reference server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Join the room under a name. Sent once, before any message. A client
    /// coming back sends the highest `seq` it has seen and gets only what
    /// came after it; without `since` it gets the recent history.
    Hello {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<u64>,
    },
    /// A chat line. `id` is chosen by the client and comes back in the broadcast,
    /// so the sender can match the echo to what it sent.
    Message { id: String, text: String },
    /// Answer to the server's `ping`.
    Pong,
    /// The user is typing (sent at most every few seconds while they type).
    Typing,
}

/// What the reference server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// First frame on every connection: who is speaking, and who is here.
    Welcome {
        server: String,
        version: u32,
        users: Vec<String>,
        /// The server sends `ping` this often (ms) once the client said hello;
        /// silence for much longer means the connection is dead.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        heartbeat_ms: Option<u32>,
        /// How fast this connection may send; beyond it frames are refused
        /// with `rate_limited`, so clients pace themselves.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rate: Option<RateLimit>,
    },
    /// Reply to `hello`: the name granted (it may differ from the one asked
    /// for), and the room's recent `message` frames, oldest first.
    Joined {
        name: String,
        users: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        history: Vec<ServerFrame>,
    },
    /// A chat line. `id` is absent for lines relayed from plain-text clients;
    /// `seq` increases with every message the room broadcasts (0: unknown).
    Message {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        #[serde(default, skip_serializing_if = "is_zero")]
        seq: u64,
        from: String,
        text: String,
        ts: u64,
    },
    /// Someone else joined.
    Join { name: String, ts: u64 },
    /// Someone left.
    Leave { name: String, ts: u64 },
    /// Everyone in the room now, after any join, leave or rename.
    Presence { users: Vec<String> },
    /// Heartbeat; the client answers `pong`.
    Ping,
    /// Someone else is typing; shown for a few seconds unless repeated.
    Typing { name: String },
    /// The server refused a frame; the connection stays open. `id` names the
    /// refused message, when it was one.
    Error {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
    },
}

/// A token bucket: `burst` frames at once, then one more every `refill_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub burst: u32,
    pub refill_ms: u32,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl ClientFrame {
    /// Serializes to the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        // Serializing these plain string/number enums cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl ServerFrame {
    /// Serializes to the JSON text sent on the wire.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a frame from parsed JSON: the same result as the derived
    /// `Deserialize` (a test checks they agree), without serde's buffering of
    /// internally tagged enums, which cost the browser bundle about 30 KB,
    /// and without parsing the text twice when it is not an envelope.
    pub fn from_value(value: &Value) -> Option<ServerFrame> {
        let o = value.as_object()?;
        let frame = match o.get("type")?.as_str()? {
            "welcome" => ServerFrame::Welcome {
                server: string(o, "server")?,
                version: u32::try_from(o.get("version")?.as_u64()?).ok()?,
                users: strings(o, "users")?,
                heartbeat_ms: optional(o, "heartbeat_ms", number_u32)?,
                rate: optional(o, "rate", |v| {
                    let r = v.as_object()?;
                    Some(RateLimit {
                        burst: number_u32(r.get("burst")?)?,
                        refill_ms: number_u32(r.get("refill_ms")?)?,
                    })
                })?,
            },
            "joined" => ServerFrame::Joined {
                name: string(o, "name")?,
                users: strings(o, "users")?,
                history: optional(o, "history", |v| {
                    v.as_array()?.iter().map(ServerFrame::from_value).collect()
                })?
                .unwrap_or_default(),
            },
            "message" => ServerFrame::Message {
                id: optional(o, "id", |v| v.as_str().map(String::from))?,
                seq: optional(o, "seq", Value::as_u64)?.unwrap_or(0),
                from: string(o, "from")?,
                text: string(o, "text")?,
                ts: o.get("ts")?.as_u64()?,
            },
            "join" => ServerFrame::Join {
                name: string(o, "name")?,
                ts: o.get("ts")?.as_u64()?,
            },
            "leave" => ServerFrame::Leave {
                name: string(o, "name")?,
                ts: o.get("ts")?.as_u64()?,
            },
            "presence" => ServerFrame::Presence {
                users: strings(o, "users")?,
            },
            "ping" => ServerFrame::Ping,
            "typing" => ServerFrame::Typing {
                name: string(o, "name")?,
            },
            "error" => ServerFrame::Error {
                code: string(o, "code")?,
                message: string(o, "message")?,
                id: optional(o, "id", |v| v.as_str().map(String::from))?,
            },
            _ => return None,
        };
        Some(frame)
    }
}

fn string(o: &Map<String, Value>, key: &str) -> Option<String> {
    o.get(key)?.as_str().map(String::from)
}

fn strings(o: &Map<String, Value>, key: &str) -> Option<Vec<String>> {
    o.get(key)?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(String::from))
        .collect()
}

fn number_u32(v: &Value) -> Option<u32> {
    u32::try_from(v.as_u64()?).ok()
}

/// A field that may be absent or null (`Some(None)`), but if present must
/// read (`None` when it does not, like serde's error).
fn optional<T>(
    o: &Map<String, Value>,
    key: &str,
    read: impl Fn(&Value) -> Option<T>,
) -> Option<Option<T>> {
    match o.get(key) {
        None | Some(Value::Null) => Some(None),
        Some(v) => read(v).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_have_the_documented_shape() {
        let hello = ClientFrame::Hello {
            name: "alice".into(),
            since: None,
        };
        assert_eq!(hello.to_json(), r#"{"type":"hello","name":"alice"}"#);
        let back = ClientFrame::Hello {
            name: "alice".into(),
            since: Some(41),
        };
        assert_eq!(
            back.to_json(),
            r#"{"type":"hello","name":"alice","since":41}"#
        );
        let msg = ClientFrame::Message {
            id: "c1".into(),
            text: "hi".into(),
        };
        assert_eq!(msg.to_json(), r#"{"type":"message","id":"c1","text":"hi"}"#);
    }

    #[test]
    fn server_message_without_id_omits_it() {
        let m = ServerFrame::Message {
            id: None,
            seq: 0,
            from: "guest-1".into(),
            text: "yo".into(),
            ts: 5,
        };
        assert_eq!(
            m.to_json(),
            r#"{"type":"message","from":"guest-1","text":"yo","ts":5}"#
        );
        let back: ServerFrame = serde_json::from_str(&m.to_json()).unwrap();
        assert_eq!(back, m);
    }

    /// `from_value` must read exactly what the derived `Deserialize` reads.
    #[test]
    fn from_value_agrees_with_serde() {
        let cases = [
            r#"{"type":"welcome","server":"s","version":1,"users":["a"],"heartbeat_ms":20000,"rate":{"burst":20,"refill_ms":200}}"#,
            r#"{"type":"welcome","server":"s","version":1,"users":[]}"#,
            r#"{"type":"welcome","server":"s","version":1,"users":[],"rate":null}"#,
            r#"{"type":"joined","name":"a","users":["a","b"],"history":[{"type":"message","id":"x","seq":3,"from":"b","text":"hi","ts":1}]}"#,
            r#"{"type":"joined","name":"a","users":[]}"#,
            r#"{"type":"joined","name":"a","users":[],"history":[{"type":"nope"}]}"#,
            r#"{"type":"message","from":"b","text":"hi","ts":1}"#,
            r#"{"type":"message","from":"b","text":"hi","ts":-1}"#,
            r#"{"type":"message","from":"b","text":7,"ts":1}"#,
            r#"{"type":"message","id":5,"from":"b","text":"hi","ts":1}"#,
            r#"{"type":"message","from":"b","text":"hi","ts":1,"extra":[1,2]}"#,
            r#"{"type":"join","name":"c","ts":2}"#,
            r#"{"type":"leave","name":"c","ts":2}"#,
            r#"{"type":"presence","users":["a",1]}"#,
            r#"{"type":"presence","users":["a"]}"#,
            r#"{"type":"ping"}"#,
            r#"{"type":"pong"}"#,
            r#"{"type":"typing","name":"bo"}"#,
            r#"{"type":"typing"}"#,
            r#"{"type":"error","code":"too_big","message":"m","id":"c1"}"#,
            r#"{"type":"error","code":"too_big"}"#,
            r#"{"type":"welcome","server":"s","version":4294967296,"users":[]}"#,
            r#"{"text":"no type"}"#,
            r#"["type","message"]"#,
        ];
        for case in cases {
            let value: Value = serde_json::from_str(case).unwrap();
            let derived = serde_json::from_str::<ServerFrame>(case).ok();
            assert_eq!(ServerFrame::from_value(&value), derived, "{case}");
        }
    }
}
