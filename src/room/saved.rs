//! What the room keeps across reloads: the undelivered messages (the
//! outbox) and the recent log, and how they read back from storage.

use super::{Delivery, Kind, Level, Room};
use crate::i18n::t;
use serde::Serialize;
use std::rc::Rc;

/// A message not yet delivered, as saved across page reloads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unsent {
    pub id: String,
    /// The text, or a file's name.
    pub text: String,
    pub ts: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// A file: its bytes are kept apart (IndexedDB, `app/kept.rs`), not in
    /// this record.
    #[serde(default, skip_serializing_if = "is_false")]
    pub file: bool,
    /// The file's bytes: to keep, or as read back (`None`: not kept).
    #[serde(skip)]
    pub bytes: Option<Rc<[u8]>>,
}

fn is_false(b: &bool) -> bool {
    !b
}

impl Unsent {
    /// A message with no file.
    pub fn plain(id: String, text: String, ts: u64, failed: Option<String>) -> Self {
        Unsent {
            id,
            text,
            ts,
            failed,
            file: false,
            bytes: None,
        }
    }
}

/// A line kept in the browser across reloads (see [`Room::history`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Saved {
    pub ts: u64,
    #[serde(rename = "k")]
    pub kind: SavedKind,
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(rename = "t")]
    pub text: String,
}

/// What a saved line was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum SavedKind {
    #[serde(rename = "o")]
    Own,
    #[serde(rename = "p")]
    Peer,
    #[serde(rename = "j")]
    Json,
}

impl Unsent {
    /// Reads a list saved with serde (`[{id, text, ts, failed?}]`); entries
    /// that do not read are skipped. Hand-written, to keep serde's derived
    /// deserializers out of the browser bundle.
    pub fn list_from_value(value: &serde_json::Value) -> Vec<Unsent> {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .filter_map(|v| {
                Some(Unsent {
                    file: v.get("file").and_then(serde_json::Value::as_bool) == Some(true),
                    ..Unsent::plain(
                        v.get("id")?.as_str()?.to_string(),
                        v.get("text")?.as_str()?.to_string(),
                        v.get("ts")?.as_u64()?,
                        v.get("failed").and_then(|f| f.as_str()).map(String::from),
                    )
                })
            })
            .collect()
    }
}

impl Saved {
    /// Reads a list saved with serde; entries that do not read are skipped.
    pub fn list_from_value(value: &serde_json::Value) -> Vec<Saved> {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .filter_map(|v| {
                let kind = match v.get("k")?.as_str()? {
                    "o" => SavedKind::Own,
                    "p" => SavedKind::Peer,
                    "j" => SavedKind::Json,
                    _ => return None,
                };
                Some(Saved {
                    ts: v.get("ts")?.as_u64()?,
                    kind,
                    from: v.get("f").and_then(|f| f.as_str()).map(String::from),
                    text: v.get("t")?.as_str()?.to_string(),
                })
            })
            .collect()
    }
}

impl Room {
    /// The log an earlier page kept, shown before anything new, and where
    /// the reference server should resume (`seq`).
    pub(super) fn load_history(&mut self, lines: Vec<Saved>, last_seq: Option<u64>, now: u64) {
        let count = lines.len();
        for saved in lines {
            let kind = match saved.kind {
                SavedKind::Own => Kind::Own {
                    client_id: format!("saved-{}", self.log.next_key()),
                    delivery: Delivery::Delivered,
                    file: None,
                    unsaved: false,
                },
                SavedKind::Peer => Kind::Peer { from: saved.from },
                SavedKind::Json => Kind::Json,
            };
            self.push(saved.ts, kind, saved.text);
        }
        if count > 0 {
            self.system(
                now,
                Level::Info,
                crate::i18n::tn(
                    "{0} earlier line, kept in this browser.",
                    "{0} earlier lines, kept in this browser.",
                    count as u64,
                    &[],
                ),
            );
        }
        self.last_seq = self.last_seq.max(last_seq);
    }

    /// The last `max` lines worth keeping across a reload: what was said
    /// (not files or images, too big; not Roomcast's own notes about the
    /// connection; not the undelivered own lines, which the outbox keeps).
    pub fn history(&self, max: usize) -> Vec<Saved> {
        self.history_since(0, max)
    }

    /// [`Room::history`] of the lines after line key `after` only: what a
    /// save that covered the lines up to `after` has not kept yet.
    pub fn history_since(&self, after: u64, max: usize) -> Vec<Saved> {
        let mut saved: Vec<Saved> = self
            .log
            .lines()
            .iter()
            .rev()
            .take_while(|line| line.key > after)
            .filter_map(|line| {
                let (kind, from) = match &line.kind {
                    Kind::Own {
                        delivery: Delivery::Delivered,
                        file: None,
                        ..
                    } => (SavedKind::Own, None),
                    Kind::Peer { from } => (SavedKind::Peer, from.clone()),
                    Kind::Json => (SavedKind::Json, None),
                    // Connection news is about that visit, not worth keeping.
                    _ => return None,
                };
                Some(Saved {
                    ts: line.ts,
                    kind,
                    from,
                    text: line.text.clone(),
                })
            })
            .take(max)
            .collect();
        saved.reverse();
        saved
    }

    /// The undelivered messages, in order, for saving across a reload.
    pub fn unsent(&self) -> Vec<Unsent> {
        self.outbox
            .pending
            .iter()
            .filter_map(|&key| self.log.get(key))
            .filter_map(|line| match &line.kind {
                Kind::Own {
                    client_id,
                    delivery,
                    file,
                    ..
                } => Some(Unsent {
                    failed: match delivery {
                        Delivery::Failed(why) => Some(why.clone()),
                        // A file carries no id: one sent when the page
                        // closed could show twice if sent again, so the
                        // user decides (as after a drop, `requeue`).
                        Delivery::Sent if file.is_some() => {
                            Some(t("the page closed before the server echoed it").into())
                        }
                        _ => None,
                    },
                    file: file.is_some(),
                    bytes: file.as_ref().map(|f| f.bytes.clone()),
                    ..Unsent::plain(client_id.clone(), line.text.clone(), line.ts, None)
                }),
                _ => None,
            })
            .collect()
    }
}
