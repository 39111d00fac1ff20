//! The log as a download: JSON (one object per line) or plain text.

use super::{Delivery, Kind, Line};
use serde::Serialize;
use std::borrow::Borrow;

/// `2026-11-23T08:47:29Z` for `ms` since the Unix epoch (UTC).
pub fn iso_utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's days-to-civil algorithm.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Who a line is from, and its kind, as exported.
fn who<'a>(line: &'a Line, me: &'a str) -> (&'a str, &'static str) {
    match &line.kind {
        Kind::Own { .. } => (me, "own"),
        Kind::Peer { from } => (from.as_deref().unwrap_or("server"), "peer"),
        Kind::System(_) => ("roomcast", "system"),
        Kind::Json => ("server", "json"),
        Kind::Image { .. } => ("server", "image"),
    }
}

/// What an export says when `dropped` older lines had left memory.
pub fn dropped_note(dropped: usize) -> String {
    format!("{dropped} older lines were no longer kept in this tab and are not in this export.")
}

/// One `[time] sender: text` per line, after a note when `dropped` older
/// lines had left memory.
pub fn text<L: Borrow<Line>>(lines: &[L], me: &str, dropped: usize) -> String {
    let mut out = String::new();
    if dropped > 0 {
        out.push_str(&format!("[{}]\n", dropped_note(dropped)));
    }
    for line in lines {
        let line = line.borrow();
        let (from, _) = who(line, me);
        out.push_str(&format!("[{}] {from}: {}\n", iso_utc(line.ts), line.text));
    }
    out
}

/// One entry of the JSON export (a typed struct, not `json!`: no map to
/// build per line, and the one Value-free serializer).
#[derive(Serialize)]
struct Entry<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time: Option<String>,
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    delivery: Option<&'a str>,
}

/// A JSON array of `{ts, time, kind, from, text, delivery?}`, first a
/// `{kind: "note", dropped, text}` when `dropped` older lines had left memory.
pub fn json<L: Borrow<Line>>(lines: &[L], me: &str, dropped: usize) -> String {
    let note_text = dropped_note(dropped);
    let note = (dropped > 0).then(|| Entry {
        ts: None,
        time: None,
        kind: "note",
        dropped: Some(dropped),
        from: None,
        text: &note_text,
        delivery: None,
    });
    let items: Vec<Entry> = note
        .into_iter()
        .chain(lines.iter().map(|line| {
            let line = line.borrow();
            let (from, kind) = who(line, me);
            let delivery = match &line.kind {
                Kind::Own { delivery, .. } => Some(match delivery {
                    Delivery::Queued => "queued",
                    Delivery::Sent => "sent",
                    Delivery::Delivered => "delivered",
                    Delivery::Failed(_) => "failed",
                }),
                _ => None,
            };
            Entry {
                ts: Some(line.ts),
                time: Some(iso_utc(line.ts)),
                kind,
                dropped: None,
                from: Some(from.to_string()),
                text: &line.text,
                delivery,
            }
        }))
        .collect();
    // Indented like JSON messages: one pretty printer in the bundle.
    crate::protocol::generic::indent(&serde_json::to_string(&items).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::Level;
    use serde_json::Value;

    #[test]
    fn dates_are_utc_iso() {
        assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso_utc(951_782_400_000), "2000-02-29T00:00:00Z");
        assert_eq!(iso_utc(1_795_423_649_000), "2026-11-23T08:47:29Z");
    }

    #[test]
    fn exports_say_who_when_and_what() {
        let lines = [
            Line {
                key: 1,
                ts: 0,
                kind: Kind::Peer {
                    from: Some("bob".into()),
                },
                text: "hi <b>".into(),
            },
            Line {
                key: 2,
                ts: 1000,
                kind: Kind::Own {
                    client_id: "c".into(),
                    delivery: Delivery::Delivered,
                    file: None,
                    unsaved: false,
                },
                text: "yo\nthere".into(),
            },
            Line {
                key: 3,
                ts: 2000,
                kind: Kind::System(Level::Info),
                text: "left.".into(),
            },
        ];
        assert_eq!(
            text(&lines, "me", 0),
            "[1970-01-01T00:00:00Z] bob: hi <b>\n[1970-01-01T00:00:01Z] me: yo\nthere\n[1970-01-01T00:00:02Z] roomcast: left.\n"
        );
        let parsed: Value = serde_json::from_str(&json(&lines, "me", 0)).unwrap();
        assert_eq!(parsed[1]["delivery"], "delivered");
        assert_eq!(parsed[1]["from"], "me");
        assert_eq!(parsed[0]["text"], "hi <b>");
        assert_eq!(parsed[2]["kind"], "system");
    }

    #[test]
    fn an_export_says_when_older_lines_had_left_memory() {
        let lines = [Line {
            key: 9,
            ts: 0,
            kind: Kind::Peer { from: None },
            text: "newest".into(),
        }];
        let plain = text(&lines, "me", 1234);
        assert!(
            plain.starts_with("[1234 older lines were no longer kept in this tab"),
            "{plain}"
        );
        let parsed: Value = serde_json::from_str(&json(&lines, "me", 1234)).unwrap();
        assert_eq!(parsed[0]["kind"], "note");
        assert_eq!(parsed[0]["dropped"], 1234);
        assert_eq!(parsed[1]["text"], "newest");
        assert!(!text(&lines, "me", 0).contains("older lines"));
    }
}
