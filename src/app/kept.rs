//! The kept log of each server, in IndexedDB: more room than
//! localStorage (which refused a log of 5,000 2 KB lines) and less time on
//! the main thread to save (BENCHMARKS.md, "where the kept log lives"). One
//! record per server, the same JSON as before. A log an older Roomcast kept
//! in localStorage is read once and moved here. (rexie did this for 24 KB
//! gzip; these few web-sys calls cost far less: BENCHMARKS.md.)

use super::{persist, store};
use crate::room::Saved;
use gloo::events::EventListener;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{IdbDatabase, IdbRequest, IdbTransactionMode};

const DB: &str = "roomcast";
const STORE: &str = "history";
/// Whether this browser notes, for each server, that its kept log has a
/// record in IndexedDB (`roomcast.kept:<server>` in localStorage, kept by
/// the pages that write them): a page can then tell at once that a server
/// has nothing kept, and connect without waiting for IndexedDB (which takes
/// 200 to 300 ms to answer the first time in a new browser profile). Noted
/// only by a browser that started with it (its localStorage empty): where an
/// older Roomcast kept logs without the notes, a page waits as before.
const NOTED: &str = "roomcast.kept";

fn note_key(server: &str) -> String {
    format!("{NOTED}:{server}")
}

/// Whether `server` is known to have nothing kept (no record in IndexedDB, no
/// log an older Roomcast kept in localStorage, no tail from a closing page).
pub fn nothing_kept(server: &str) -> bool {
    let noted = store::get_raw(NOTED).is_some()
        || (store::keys().is_empty() && store::set_raw(NOTED, "1").is_ok());
    noted
        && [
            note_key(server),
            persist::history_key(server),
            persist::tail_key(server),
        ]
        .iter()
        .all(|key| store::get_raw(key).is_none())
}

/// Notes (where this browser does) whether `server` has a record. A note
/// that storage refuses (full) ends the notes in this browser: pages wait
/// for IndexedDB again rather than miss a kept log.
fn note(server: &str, kept: bool) {
    if store::get_raw(NOTED).is_some() {
        let key = note_key(server);
        if !kept {
            store::remove(&key);
        } else if store::set_raw(&key, "1").is_err() {
            store::remove(NOTED);
        }
    }
}

/// Waits for `ok` or `error` on an IndexedDB request or transaction; the
/// listeners go when it returns.
async fn settled(target: &web_sys::EventTarget, ok: &'static str) -> Result<(), String> {
    let (tx, rx) = futures_channel::oneshot::channel();
    let tx = Rc::new(RefCell::new(Some(tx)));
    let on = |event: &'static str, result: bool| {
        let tx = tx.clone();
        EventListener::once(target, event, move |_| {
            if let Some(tx) = tx.borrow_mut().take() {
                let _ = tx.send(result);
            }
        })
    };
    let _listeners = [on(ok, true), on("error", false), on("abort", false)];
    match rx.await {
        Ok(true) => Ok(()),
        _ => Err("IndexedDB refused it".into()),
    }
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = gloo::utils::window()
        .indexed_db()
        .ok()
        .flatten()
        .ok_or("no IndexedDB here")?;
    let request = factory
        .open_with_u32(DB, 1)
        .map_err(|_| "IndexedDB would not open")?;
    // First use: make the one store.
    let upgrade = EventListener::once(&request, "upgradeneeded", {
        let request = request.clone();
        move |_| {
            if let Some(db) = request
                .result()
                .ok()
                .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
            {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    settled(&request, "success").await?;
    drop(upgrade);
    request
        .result()
        .ok()
        .and_then(|r| r.dyn_into::<IdbDatabase>().ok())
        .ok_or_else(|| "IndexedDB gave no database".into())
}

/// The record under `key` (undefined when there is none).
async fn read(db: &IdbDatabase, key: &str) -> Result<JsValue, String> {
    let tx = db
        .transaction_with_str(STORE)
        .map_err(|_| "no transaction")?;
    let store = tx.object_store(STORE).map_err(|_| "no store")?;
    let request: IdbRequest = store
        .get(&JsValue::from_str(key))
        .map_err(|_| "get refused")?;
    settled(&request, "success").await?;
    Ok(request.result().unwrap_or(JsValue::UNDEFINED))
}

async fn get(db: &IdbDatabase, server: &str) -> Result<Option<String>, String> {
    Ok(read(db, server).await?.as_string())
}

/// Starts writing (or with `None` deleting) the record under `key`; the
/// transaction, to wait for its commit.
fn write(
    db: &IdbDatabase,
    key: &str,
    value: Option<&JsValue>,
) -> Result<web_sys::IdbTransaction, String> {
    let tx = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(|_| "no transaction")?;
    let store = tx.object_store(STORE).map_err(|_| "no store")?;
    let key = JsValue::from_str(key);
    match value {
        Some(v) => store.put_with_key(v, &key).map(drop),
        None => store.delete(&key).map(drop),
    }
    .map_err(|_| "write refused")?;
    Ok(tx)
}

/// Writes (or with `None` deletes) the record of `server`, until committed.
async fn put(db: &IdbDatabase, server: &str, value: Option<&str>) -> Result<(), String> {
    let tx = write(db, server, value.map(JsValue::from_str).as_ref())?;
    // Listed before the write commits: a page that starts meanwhile waits
    // for IndexedDB rather than missing the record.
    if value.is_some() {
        note(server, true);
    }
    settled(&tx, "complete").await?;
    if value.is_none() {
        note(server, false);
    }
    Ok(())
}

/// Where the files waiting to be sent to `server` are kept: one record
/// beside its log, `[[id, bytes], …]`, under a key no address can be. The
/// outbox in localStorage says which of its messages are files.
pub fn files_key(server: &str, page: &str) -> String {
    format!("\u{1}files {server}\n{page}")
}

/// The files kept for the outbox of page `page` for `server`, by id.
async fn load_files(db: &IdbDatabase, server: &str, page: &str) -> Vec<(String, Rc<[u8]>)> {
    let record = read(db, &files_key(server, page)).await.unwrap_or_default();
    // None kept (undefined), or not what this page writes: nothing.
    let Ok(record) = record.dyn_into::<js_sys::Array>() else {
        return Vec::new();
    };
    record
        .iter()
        .filter_map(|pair| {
            let pair = pair.dyn_into::<js_sys::Array>().ok()?;
            let id = pair.get(0).as_string()?;
            let bytes = pair.get(1).dyn_into::<js_sys::Uint8Array>().ok()?;
            Some((id, bytes.to_vec().into()))
        })
        .collect()
}

/// The files page `page` kept for its outbox for `server`, by id (none
/// without IndexedDB).
pub async fn files(server: &str, page: &str) -> Vec<(String, Rc<[u8]>)> {
    match open().await {
        Ok(db) => load_files(&db, server, page).await,
        Err(_) => Vec::new(),
    }
}

/// Keeps `files` as the files of page `page`'s outbox for `server` (none:
/// the record goes).
pub async fn save_files(
    server: String,
    page: String,
    files: Vec<(String, Rc<[u8]>)>,
) -> Result<(), String> {
    let db = open().await?;
    let record = (!files.is_empty()).then(|| {
        files
            .iter()
            .map(|(id, bytes)| {
                js_sys::Array::of2(&id.into(), &js_sys::Uint8Array::from(&bytes[..]))
            })
            .collect::<js_sys::Array>()
            .into()
    });
    let tx = write(&db, &files_key(&server, &page), record.as_ref())?;
    settled(&tx, "complete").await
}

/// What is kept for `server`.
#[derive(Default)]
pub struct Kept {
    pub lines: Vec<Saved>,
    /// Where the reference server should resume.
    pub seq: Option<u64>,
    /// Lines saved while an earlier page closed were added (they are not in
    /// IndexedDB yet).
    pub merged: bool,
    /// The files of the outboxes asked for, by id.
    pub files: Vec<(String, Rc<[u8]>)>,
}

/// The log kept for `server`, and the files of the outboxes of `pages`.
pub async fn load(server: &str, pages: &[String]) -> Kept {
    let legacy = persist::history_key(server);
    let mut kept_files = Vec::new();
    let text = match open().await {
        Ok(db) => {
            for page in pages {
                kept_files.extend(load_files(&db, server, page).await);
            }
            let kept = get(&db, server).await.ok().flatten();
            // An older Roomcast kept it in localStorage: move it here.
            match (kept, store::get_raw(&legacy)) {
                (Some(kept), _) => {
                    store::remove(&legacy);
                    Some(kept)
                }
                (None, Some(old)) => {
                    if put(&db, server, Some(&old)).await.is_ok() {
                        store::remove(&legacy);
                    }
                    Some(old)
                }
                (None, None) => None,
            }
        }
        // No IndexedDB (some private modes): whatever localStorage has.
        Err(_) => store::get_raw(&legacy),
    };
    let value: serde_json::Value = text
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let mut lines = Saved::list_from_value(&value["lines"]);
    let mut seq = value["seq"].as_u64();
    // What the last page wrote as it closed, after what IndexedDB has.
    let tail_key = persist::tail_key(server);
    let tail = store::get(&tail_key);
    store::remove(&tail_key);
    let merged = match tail {
        Some(tail) => {
            seq = seq.max(tail["seq"].as_u64());
            append_new(&mut lines, Saved::list_from_value(&tail["lines"]));
            true
        }
        None => false,
    };
    Kept {
        lines,
        seq,
        merged,
        files: kept_files,
    }
}

/// Appends the lines of `tail` that `lines` does not end with already (an
/// IndexedDB save started as the page closed may have finished after all).
fn append_new(lines: &mut Vec<Saved>, tail: Vec<Saved>) {
    let recent = lines.len().saturating_sub(2 * tail.len());
    let fresh: Vec<Saved> = tail
        .into_iter()
        .filter(|t| !lines[recent..].contains(t))
        .collect();
    lines.extend(fresh);
}

/// Saves the newest `lines` (at most [`persist::HISTORY_LINES`]) for
/// `server`; when the browser refuses them all, the largest tail it takes.
/// Returns how many lines were kept; `None` without IndexedDB.
pub async fn save(server: String, seq: Option<u64>, lines: Vec<Saved>) -> Option<usize> {
    let db = open().await.ok()?;
    let lines = &lines[lines.len().saturating_sub(persist::HISTORY_LINES)..];
    let parts: Vec<String> = lines
        .iter()
        .filter_map(|l| serde_json::to_string(l).ok())
        .collect();
    let seq = seq.map_or("null".to_string(), |s| s.to_string());
    let body = |n: usize| {
        let tail = parts[parts.len() - n..].join(",");
        format!("{{\"seq\":{seq},\"lines\":[{tail}]}}")
    };
    if put(&db, &server, Some(&body(parts.len()))).await.is_ok() {
        return Some(parts.len());
    }
    // Full: the longest tail that fits (`lo` fits or is 0, `hi` does not).
    let _ = put(&db, &server, None).await;
    let (mut lo, mut hi) = (0, parts.len());
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if put(&db, &server, Some(&body(mid))).await.is_ok() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(lo)
}

/// What the kept log has not saved yet (lines after `after`), written
/// synchronously to localStorage as the page closes; [`load`] adds it back.
pub fn save_tail(server: &str, seq: Option<u64>, lines: &[Saved]) {
    let key = persist::tail_key(server);
    if lines.is_empty() {
        return store::remove(&key);
    }
    #[derive(serde::Serialize)]
    struct Tail<'a> {
        seq: Option<u64>,
        lines: &'a [Saved],
    }
    // Best effort: the outbox was saved first, and has the room it needs.
    let _ = store::set(&key, &Tail { seq, lines });
}

/// Forgets the log kept for `server` ("Clear").
pub async fn clear(server: String) {
    store::remove(&persist::history_key(&server));
    store::remove(&persist::tail_key(&server));
    if let Ok(db) = open().await {
        let _ = put(&db, &server, None).await;
    }
}
