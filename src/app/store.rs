//! localStorage, read as JSON values and parsed by hand: serde's derived
//! deserializers would add about 4 KB gzip to the bundle for a few small
//! records. Failures (storage off, full, or garbage in it) read as nothing.

use crate::i18n::t;
use serde::Serialize;
use serde_json::Value;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The raw string under `key`.
pub fn get_raw(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn set_raw(key: &str, value: &str) -> Result<(), String> {
    let storage = storage().ok_or(t("localStorage is not available"))?;
    storage
        .set_item(key, value)
        .map_err(|_| t("localStorage refused it (full or disabled)").to_string())
}

pub fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// The JSON value under `key`, if it parses.
pub fn get(key: &str) -> Option<Value> {
    serde_json::from_str(&get_raw(key)?).ok()
}

pub fn set(key: &str, value: &impl Serialize) -> Result<(), String> {
    let json =
        serde_json::to_string(value).map_err(|_| String::from("could not be written as JSON"))?;
    set_raw(key, &json)
}

/// The strings of a JSON array under `key` (others skipped).
pub fn get_strings(key: &str) -> Vec<String> {
    get(key)
        .as_ref()
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Every key in localStorage.
pub fn keys() -> Vec<String> {
    let Some(storage) = storage() else {
        return Vec::new();
    };
    let len = storage.length().unwrap_or(0);
    (0..len)
        .filter_map(|i| storage.key(i).ok().flatten())
        .collect()
}
