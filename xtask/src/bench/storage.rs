//! Where to keep the log across reloads: localStorage against IndexedDB,
//! measured in the same headless Chromium on the served origin. For each,
//! the main thread's blocked time to save a kept log of 5,000 short lines
//! and of 5,000 large (2 KB) lines, the time until the save is durable, and
//! how much room there is.

use super::Env;
use crate::Result;
use serde_json::Value;

const SCRIPT: &str = r#"
const done = arguments[arguments.length - 1];
(async () => {
  const lines = (n, size) => Array.from({ length: n }, (_, i) =>
    ({ ts: 1700000000000 + i, k: 'p', f: 'bob', t: 'line ' + i + ' ' + 'x'.repeat(size) }));
  const out = {};
  for (const [name, size] of [['short', 40], ['large', 2000]]) {
    const kept = { seq: 1, lines: lines(5000, size) };
    localStorage.clear();
    // localStorage: serializing and writing both block the main thread.
    let t0 = performance.now(), ok = true;
    try { localStorage.setItem('bench.history', JSON.stringify(kept)); } catch (e) { ok = false; }
    out['ls_' + name] = { blocked: performance.now() - t0, durable: performance.now() - t0, ok };
    // IndexedDB: the structured clone blocks; the commit does not.
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('bench', 1);
      r.onupgradeneeded = () => r.result.createObjectStore('history');
      r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error);
    });
    t0 = performance.now();
    const tx = db.transaction('history', 'readwrite');
    tx.objectStore('history').put(kept, 'server');
    const blocked = performance.now() - t0;
    const committed = await new Promise(res => { tx.oncomplete = () => res(true); tx.onerror = () => res(false); });
    out['idb_' + name] = { blocked, durable: performance.now() - t0, ok: committed };
    db.close();
    await new Promise(res => { const d = indexedDB.deleteDatabase('bench'); d.onsuccess = d.onerror = () => res(); });
  }
  // Room: localStorage's quota by filling it; IndexedDB's from the estimate.
  localStorage.clear();
  let chunk = 'y'.repeat(1 << 20), i = 0, total = 0;
  while (chunk.length > 0) {
    try { localStorage.setItem('fill' + (i++), chunk); total += chunk.length; }
    catch (e) { chunk = chunk.slice(0, chunk.length >> 1); }
  }
  localStorage.clear();
  const estimate = navigator.storage && navigator.storage.estimate ? await navigator.storage.estimate() : {};
  out.ls_room_chars = total;
  out.idb_quota = estimate.quota || 0;
  done(out);
})().catch(e => done({ error: String(e) }));
"#;

/// Runs the comparison and prints it; returns the table rows for the results.
pub fn compare(env: &Env) -> Result<String> {
    let s = env.driver.session(env.chrome)?;
    s.goto(&format!("{}/bench-baseline.html", env.origin))?;
    let v: Value = s.exec_async(SCRIPT, 120_000)?;
    if let Some(e) = v.get("error") {
        return Err(format!("storage comparison: {e}").into());
    }
    let f = |k: &str, f: &str| v[k][f].as_f64().unwrap_or(f64::NAN);
    let ok = |k: &str| {
        if v[k]["ok"].as_bool() == Some(true) {
            "saved"
        } else {
            "refused"
        }
    };
    let mut t = String::from(
        "| kept log of 5,000 lines | localStorage: main thread blocked / durable (ms) | IndexedDB: main thread blocked / durable (ms) |\n| --- | --- | --- |\n",
    );
    for (name, label) in [
        ("short", "short lines (~60 B)"),
        ("large", "large lines (~2 KB)"),
    ] {
        t += &format!(
            "| {label} | {:.1} / {:.1} ({}) | {:.1} / {:.1} ({}) |\n",
            f(&format!("ls_{name}"), "blocked"),
            f(&format!("ls_{name}"), "durable"),
            ok(&format!("ls_{name}")),
            f(&format!("idb_{name}"), "blocked"),
            f(&format!("idb_{name}"), "durable"),
            ok(&format!("idb_{name}")),
        );
    }
    t += &format!(
        "| room | {:.1} M characters | {:.0} MB quota (estimate) |\n",
        v["ls_room_chars"].as_f64().unwrap_or(0.0) / 1e6,
        v["idb_quota"].as_f64().unwrap_or(0.0) / 1e6,
    );
    println!("\n{t}");
    Ok(t)
}
