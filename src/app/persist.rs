//! What the browser keeps in localStorage, per server: the outbox (the
//! promise "saved until delivered", saved on every change) and the recent
//! servers. The kept log lives in IndexedDB ([`super::kept`]); logs an older
//! Roomcast kept here make room for the outbox when storage is full.

use super::store;
use crate::room::{Saved, Unsent};
use serde::Serialize;

/// Where page `page` keeps its undelivered messages for `server` across
/// reloads (each page its own, see [`super::outbox`]; `""`: where an older
/// Roomcast kept them for every page).
pub fn outbox_key(server: &str, page: &str) -> String {
    match page {
        "" => format!("roomcast.outbox:{server}"),
        _ => format!("roomcast.outbox:{server}\n{page}"),
    }
}

/// The page whose outbox for the server of `legacy` (its key with no page)
/// `key` is.
pub fn outbox_page<'k>(key: &'k str, legacy: &str) -> Option<&'k str> {
    match key.strip_prefix(legacy)? {
        "" => Some(""),
        rest => rest.strip_prefix('\n'),
    }
}

/// The pages that kept an outbox for `server`.
pub fn outbox_pages(server: &str) -> Vec<String> {
    let legacy = outbox_key(server, "");
    store::keys()
        .iter()
        .filter_map(|k| outbox_page(k, &legacy).map(String::from))
        .collect()
}

pub fn remove_outbox(server: &str, page: &str) {
    store::remove(&outbox_key(server, page));
}

/// Where an older Roomcast kept the log of `server` (now in IndexedDB).
pub fn history_key(server: &str) -> String {
    format!("roomcast.history:{server}")
}

const HISTORY_PREFIX: &str = "roomcast.history:";

/// Where the lines the kept log had not saved yet go, synchronously, when
/// the page is closing (an IndexedDB write started then may not finish).
pub fn tail_key(server: &str) -> String {
    format!("roomcast.tail:{server}")
}

/// The recent servers, newest first.
pub const RECENT_KEY: &str = "roomcast.recent";
/// Lines of each server's log kept in the browser, at most.
pub const HISTORY_LINES: usize = 5000;
/// How long changes wait before the log is saved (also on hide and
/// pagehide). Saving 5,000 lines to IndexedDB holds the main thread a few ms.
pub const HISTORY_SAVE_MS: u32 = 5_000;

/// A server's log as kept in localStorage.
#[derive(Serialize)]
struct KeptLog<'a> {
    seq: Option<u64>,
    lines: &'a [Saved],
}

/// The undelivered messages page `page` kept for `server`.
pub fn load_outbox(server: &str, page: &str) -> Vec<Unsent> {
    let outbox = store::get(&outbox_key(server, page)).unwrap_or_default();
    Unsent::list_from_value(&outbox)
}

/// Whether the outbox page `page` kept for `server` has files (their
/// bytes are in IndexedDB). Outside a string, `"file":true` is the field: a
/// quote inside one is escaped.
pub fn outbox_has_files(server: &str, page: &str) -> bool {
    store::get_raw(&outbox_key(server, page)).is_some_and(|s| s.contains(r#""file":true"#))
}

/// Saves the outbox of `server`. When storage is full, kept logs make room,
/// oldest lines first: this server's log shrinks by halves, then other
/// servers' logs go. `Err` only when even an empty storage of logs has no
/// room for it.
pub fn save_outbox(server: &str, page: &str, unsent: &[Unsent]) -> Result<(), String> {
    let key = outbox_key(server, page);
    if unsent.is_empty() {
        store::remove(&key);
        return Ok(());
    }
    let json =
        serde_json::to_string(unsent).map_err(|_| String::from("could not be written as JSON"))?;
    let mut error = match store::set_raw(&key, &json) {
        Ok(()) => return Ok(()),
        Err(e) => e,
    };
    let own = history_key(server);
    let mut logs = vec![own.clone()];
    logs.extend(
        store::keys()
            .into_iter()
            .filter(|k| k.starts_with(HISTORY_PREFIX) && *k != own),
    );
    for log in logs {
        while shrink_log(&log) {
            match store::set_raw(&key, &json) {
                Ok(()) => return Ok(()),
                Err(e) => error = e,
            }
        }
    }
    Err(error)
}

/// Drops the older half of the kept log under `key` (all of it when short).
/// Returns whether anything was freed.
fn shrink_log(key: &str) -> bool {
    let Some(kept) = store::get(key) else {
        let present = store::get_raw(key).is_some();
        store::remove(key);
        return present;
    };
    let lines = Saved::list_from_value(&kept["lines"]);
    if lines.len() < 2 {
        store::remove(key);
        return true;
    }
    let tail = &lines[lines.len() / 2..];
    let seq = kept["seq"].as_u64();
    // The old value counts against the quota while a new one is written
    // (in Chromium): it goes first.
    store::remove(key);
    let _ = store::set(key, &KeptLog { seq, lines: tail });
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_page_has_its_own_outbox_key_and_an_older_one_is_nobodys() {
        let legacy = outbox_key("ws://h/ws", "");
        assert_eq!(legacy, "roomcast.outbox:ws://h/ws");
        let mine = outbox_key("ws://h/ws", "a1");
        assert_eq!(outbox_page(&mine, &legacy), Some("a1"));
        assert_eq!(outbox_page(&legacy, &legacy), Some(""));
        // Another server whose address starts the same is not this one's.
        assert_eq!(outbox_page("roomcast.outbox:ws://h/ws2", &legacy), None);
        assert_eq!(outbox_page(&outbox_key("ws://h/ws2", "a1"), &legacy), None);
        assert_eq!(outbox_page("roomcast.history:ws://h/ws", &legacy), None);
    }
}
