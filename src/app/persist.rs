//! What the browser keeps across reloads, per server: the outbox (always
//! first: it is the promise "saved until delivered") and the recent log,
//! sized to what storage has room for.

use super::store;
use crate::room::{Saved, Unsent};
use serde::Serialize;

/// Where the undelivered messages for `server` are kept across reloads.
pub fn outbox_key(server: &str) -> String {
    format!("roomcast.outbox:{server}")
}

/// Where the log of `server` is kept across reloads.
pub fn history_key(server: &str) -> String {
    format!("roomcast.history:{server}")
}

const HISTORY_PREFIX: &str = "roomcast.history:";

/// The recent servers, newest first.
pub const RECENT_KEY: &str = "roomcast.recent";
/// Lines of each server's log kept in the browser, at most.
pub const HISTORY_LINES: usize = 5000;
/// How long changes wait before the log is saved. Saving 5,000 lines is one
/// synchronous task of tens of ms, so it is rare: also on hide and pagehide.
pub const HISTORY_SAVE_MS: u32 = 30_000;

/// A server's log as kept in localStorage.
#[derive(Serialize)]
struct KeptLog<'a> {
    seq: Option<u64>,
    lines: &'a [Saved],
}

/// What an earlier page kept for `server`: its log, where to resume, and
/// the undelivered messages.
pub fn load(server: &str) -> (Vec<Saved>, Option<u64>, Vec<Unsent>) {
    let kept = store::get(&history_key(server)).unwrap_or_default();
    let outbox = store::get(&outbox_key(server)).unwrap_or_default();
    (
        Saved::list_from_value(&kept["lines"]),
        kept["seq"].as_u64(),
        Unsent::list_from_value(&outbox),
    )
}

/// Saves the outbox of `server`. When storage is full, kept logs make room,
/// oldest lines first: this server's log shrinks by halves, then other
/// servers' logs go. `Err` only when even an empty storage of logs has no
/// room for it.
pub fn save_outbox(server: &str, unsent: &[Unsent]) -> Result<(), String> {
    let key = outbox_key(server);
    if unsent.is_empty() {
        store::remove(&key);
        return Ok(());
    }
    let json = serde_json::to_string(unsent).map_err(|e| e.to_string())?;
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

/// Saves the largest tail of `lines` (at most [`HISTORY_LINES`]) that fits
/// beside everything else, so a log of large lines keeps what it can rather
/// than nothing. Each line is serialized once; a full storage costs a binary
/// search of writes (about 13 for 5,000 lines). Returns how many lines were kept.
pub fn save_history(server: &str, seq: Option<u64>, lines: &[Saved]) -> usize {
    let key = history_key(server);
    let lines = &lines[lines.len().saturating_sub(HISTORY_LINES)..];
    let parts: Vec<String> = lines
        .iter()
        .filter_map(|l| serde_json::to_string(l).ok())
        .collect();
    let seq = seq.map_or("null".to_string(), |s| s.to_string());
    let fits = |n: usize| {
        let tail = parts[parts.len() - n..].join(",");
        store::set_raw(&key, &format!("{{\"seq\":{seq},\"lines\":[{tail}]}}")).is_ok()
    };
    if fits(parts.len()) {
        return parts.len();
    }
    // The longest tail that fits: `lo` fits (or is 0), `hi` does not. The
    // old value counts against the quota while a new one is written (in
    // Chromium), so each try starts from no value.
    let (mut lo, mut hi) = (0, parts.len() + 1);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        store::remove(&key);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    store::remove(&key);
    if lo > 0 && !fits(lo) {
        lo = 0;
    }
    lo
}
