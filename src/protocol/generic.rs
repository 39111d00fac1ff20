//! JSON from servers that are not Roomcast's: chat objects with common field
//! names become messages, anything else is shown pretty-printed.

use serde_json::{Map, Value};

const TEXT: [&str; 5] = ["text", "message", "msg", "body", "content"];
const SENDER: [&str; 6] = ["user", "name", "from", "author", "nick", "username"];
const TIME: [&str; 3] = ["ts", "time", "timestamp"];

/// A chat message found in a JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chat {
    pub id: Option<String>,
    pub from: Option<String>,
    pub text: String,
    pub ts: Option<u64>,
}

fn field<'a>(object: &'a Map<String, Value>, names: &[&str]) -> Option<&'a Value> {
    names.iter().find_map(|n| object.get(*n))
}

/// A sender is a string, or an object with a `name`/`username`/`nick`.
fn sender(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => field(o, &["name", "username", "nick"])
            .and_then(Value::as_str)
            .map(String::from),
        _ => None,
    }
}

/// Epoch milliseconds; numbers below 10^11 are taken as seconds.
fn time(value: &Value) -> Option<u64> {
    let n = value.as_f64().filter(|n| n.is_finite() && *n > 0.0)?;
    let ms = if n < 1e11 { n * 1000.0 } else { n };
    (ms < 1e15).then_some(ms as u64)
}

/// The chat message in `value`, if it is an object with a string text field.
pub fn chat(value: &Value) -> Option<Chat> {
    let object = value.as_object()?;
    let text = field(object, &TEXT)?.as_str()?.to_string();
    let id = object.get("id").and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    });
    Some(Chat {
        id,
        from: field(object, &SENDER).and_then(sender),
        text,
        ts: field(object, &TIME).and_then(time),
    })
}

/// Pretty-printed JSON for reading, as `serde_json::to_string_pretty`
/// writes it (two spaces, `"key": value`). Indents the compact text rather
/// than serializing again with a second formatter: one Value serializer in
/// the wasm instead of two.
pub fn pretty(value: &Value) -> String {
    // Serializing a Value cannot fail.
    indent(&serde_json::to_string(value).unwrap_or_default())
}

/// Indents compact JSON text (strings are copied as they are).
pub fn indent(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let (mut in_string, mut escaped) = (false, false);
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    let mut chars = compact.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => {
                in_string = true;
                out.push(c);
            }
            '{' | '[' => {
                out.push(c);
                // Empty objects and arrays stay `{}` and `[]`.
                if matches!(chars.peek(), Some('}' | ']')) {
                    if let Some(close) = chars.next() {
                        out.push(close);
                    }
                } else {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            '}' | ']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(c);
            }
            ',' => {
                out.push(c);
                newline(&mut out, depth);
            }
            ':' => out.push_str(": "),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn common_chat_shapes() {
        let c = chat(&json!({"user": "ann", "message": "hi", "timestamp": 1_700_000_000})).unwrap();
        assert_eq!(
            c,
            Chat {
                id: None,
                from: Some("ann".into()),
                text: "hi".into(),
                ts: Some(1_700_000_000_000)
            }
        );
        let c = chat(
            &json!({"id": 7, "author": {"name": "bo"}, "body": "yo", "ts": 1_700_000_000_123u64}),
        )
        .unwrap();
        assert_eq!(
            (c.id.as_deref(), c.from.as_deref(), c.ts),
            (Some("7"), Some("bo"), Some(1_700_000_000_123))
        );
        assert_eq!(chat(&json!({"text": "plain"})).unwrap().from, None);
    }

    #[test]
    fn pretty_reads_as_serde_json_writes_it() {
        for case in [
            json!({"a": [1, {"b": "x, y: {z}"}], "e": {}, "f": [], "g": "say \"hi\"\\"}),
            json!([]),
            json!("text"),
            json!([[1, 2], {"k": null}]),
        ] {
            assert_eq!(pretty(&case), serde_json::to_string_pretty(&case).unwrap());
        }
    }

    #[test]
    fn not_chat() {
        assert_eq!(chat(&json!({"attribute": "connected"})), None);
        assert_eq!(chat(&json!({"text": 5})), None, "text must be a string");
        assert_eq!(chat(&json!(["text", "x"])), None);
        assert_eq!(
            chat(&json!({"text": "x", "ts": "yesterday"})).unwrap().ts,
            None
        );
        assert_eq!(chat(&json!({"text": "x", "ts": -5})).unwrap().ts, None);
        assert_eq!(chat(&json!({"text": "x", "ts": 1e300})).unwrap().ts, None);
    }
}
