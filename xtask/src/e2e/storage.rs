//! Storage under pressure: the outbox is saved first (an old kept log in
//! localStorage makes room for it), a line the browser cannot save says so,
//! and the kept log lives in IndexedDB, where it has room.

use super::*;

/// The reference server's address as the page names it (same origin, `/ws`).
fn ws_server(env: &Env) -> String {
    format!("{}/ws", env.origin.replacen("http://", "ws://", 1))
}

/// Fills this origin's localStorage to the brim with keys that are not
/// Roomcast's (the page may not free them). Returns the bytes written.
const FILL_TO_THE_BRIM: &str = "
    let chunk = 'y'.repeat(1 << 20), i = 0, total = 0;
    while (chunk.length > 0) {
      try { localStorage.setItem('test-fill-' + (i++), chunk); total += chunk.length; }
      catch (e) { chunk = chunk.slice(0, chunk.length >> 1); }
    }
    return total;";

/// A kept log for `server` of as many 4 KB lines as fit (at most 4,000),
/// written as an earlier visit would have, then storage topped up with
/// other keys so that nothing more fits. Returns the lines written.
fn kept_log_filling_storage(s: &Session, server: &str) -> Result<u64> {
    let n = s.exec(&format!(
        "const key = 'roomcast.history:' + {server:?};
         const line = i => ({{ ts: 1700000000000 + i, k: 'p', f: 'bulk',
                              t: 'kept ' + i + ' ' + 'x'.repeat(4000) }});
         const value = n => JSON.stringify({{ seq: null, lines: Array.from({{ length: n }}, (_, i) => line(i)) }});
         let lo = 0, hi = 4000;
         while (hi - lo > 1) {{
           const mid = (lo + hi) >> 1;
           try {{ localStorage.setItem(key, value(mid)); lo = mid; }} catch (e) {{ hi = mid; }}
         }}
         localStorage.setItem(key, value(lo));
         {FILL_TO_THE_BRIM}
         return lo;"
    ))?;
    n.as_u64()
        .ok_or_else(|| format!("filling storage returned {n}").into())
}

fn clear_storage(s: &Session) -> Result<()> {
    s.exec("localStorage.clear(); return null;").map(drop)
}

/// localStorage is full of this server's log as an older Roomcast kept it:
/// lines typed while disconnected are still saved (the log makes room),
/// survive a reload, and arrive once each, in order.
pub fn typed_lines_survive_full_storage(env: &Env) -> Result<()> {
    let server = ws_server(env);
    let fe = join(env, "fe")?;
    let fi = join(env, "fi")?;
    fe.click(".connect button[type=button]")?; // Disconnect
    wait_view(&fe, "Disconnected", |v| v.status == "Disconnected")?;
    let kept = kept_log_filling_storage(&fe, &server)?;
    ensure(kept > 100, || {
        format!("only {kept} kept lines filled the storage")
    })?;
    let typed: Vec<String> = (1..=3)
        .map(|i| format!("typed into full storage {i}"))
        .collect();
    type_while_away(&fe, &typed)?;
    let outbox = js(
        &fe,
        // The page's own outbox: `roomcast.outbox:<server>` and a line with its name.
        &format!(
            "(k => JSON.parse(k ? localStorage.getItem(k) : '[]').map(u => u.text))(
               Object.keys(localStorage).find(k => k.startsWith('roomcast.outbox:' + {server:?} + '\\n')))"
        ),
    )?;
    ensure(outbox == serde_json::json!(typed), || {
        format!("the saved outbox holds {outbox}, typed {typed:?}")
    })?;
    let warnings = js(
        &fe,
        "document.querySelectorAll('[role=log] .unsaved').length",
    )?;
    ensure(warnings == 0, || {
        format!("{warnings} lines say they were not saved, though the kept log could make room")
    })?;
    // Closing the page loses nothing: the reload sends them, once each.
    fe.exec("location.reload(); return null;")?;
    delivered_once(&fe, "restored and delivered", &typed)?;
    receives_exactly(&fi, "typed into full storage", &typed)?;
    clear_storage(&fe)
}

/// Waits until an own line says it is not saved, and that it is lost if
/// the page closes.
fn says_not_saved(s: &Session) -> Result<()> {
    let warning = s.wait("the not-saved warning", Duration::from_secs(5), |s| {
        let w = js(
            s,
            "document.querySelector('[role=log] .own .unsaved')?.textContent ?? ''",
        )?;
        Ok(w.as_str()
            .filter(|w| w.contains("not saved: browser storage is full"))
            .map(String::from))
    })?;
    ensure(warning.contains("lost if the page closes"), || {
        format!("the warning says {warning:?}")
    })
}

/// Storage is full of something else: the typed line says on itself that
/// it is not saved, and still goes out (once) when the connection is back.
pub fn unsaved_line_says_so_and_still_goes_out(env: &Env) -> Result<()> {
    let fo = join(env, "fo")?;
    let fu = join(env, "fu")?;
    fo.click(".connect button[type=button]")?; // Disconnect
    wait_view(&fo, "Disconnected", |v| v.status == "Disconnected")?;
    clear_storage(&fo)?;
    fo.exec(FILL_TO_THE_BRIM)?;
    let typed = vec!["nowhere to save this".to_string()];
    type_while_away(&fo, &typed)?;
    says_not_saved(&fo)?;
    fo.click(".connect button[type=submit]")?; // Connect
    wait_view(&fo, "delivered after reconnect", |v| {
        v.line(&typed[0]).is_some_and(|l| l.0.contains("delivered"))
    })?;
    receives_exactly(&fu, "nowhere to save this", &typed)?;
    let left = js(
        &fo,
        "document.querySelectorAll('[role=log] .unsaved').length",
    )?;
    ensure(left == 0, || format!("{left} warnings left after delivery"))?;
    clear_storage(&fo)
}

/// An image attached while disconnected is kept across a reload (its bytes
/// in IndexedDB, localStorage has no room for files) and goes out once
/// connected, before the line typed after it.
pub fn a_queued_file_survives_a_reload(env: &Env) -> Result<()> {
    let path = env.artifacts.join("kept.png");
    std::fs::write(&path, PNG)?;
    let gy = join(env, "gy")?;
    let hu = join(env, "hu")?;
    gy.click(".connect button[type=button]")?; // Disconnect
    wait_view(&gy, "Disconnected", |v| v.status == "Disconnected")?;
    gy.type_into(".composer input[type=file]", &path.to_string_lossy())?;
    let after = vec!["typed after the kept file".to_string()];
    type_while_away(&gy, &after)?;
    gy.wait("the image queued", Duration::from_secs(5), |s| {
        image_widths(s, "own").map(|w| (w == [1]).then_some(()))
    })?;
    gy.exec("location.reload(); return null;")?;
    wait_view(&gy, "restored and delivered", |v| {
        v.status.contains("Connected") && v.count(&after[0]) == 1 && all_delivered(v)
    })?;
    let own = image_widths(&gy, "own")?;
    ensure(own == [1], || {
        format!("after the reload the sender shows images {own:?}")
    })?;
    hu.wait("the image at hu", Duration::from_secs(10), |s| {
        image_widths(s, "peer").map(|w| (w == [1]).then_some(()))
    })?;
    receives_exactly(&hu, "typed after the kept file", &after)?;
    // In order: the image came before the line typed after it.
    let order = hu.exec(
        "const lis = [...document.querySelectorAll('[role=log] li.peer')];
         return [lis.findIndex(li => li.querySelector('img.inline')),
                 lis.findIndex(li => li.textContent.includes('typed after the kept file'))];",
    )?;
    ensure(
        order[0].as_i64().unwrap_or(-1) >= 0 && order[0].as_i64() < order[1].as_i64(),
        || format!("image and line at {order}"),
    )?;
    // Delivered: nothing kept for the next page.
    let left = file_records(&gy)?;
    ensure(left.is_empty(), || {
        format!("file records left after delivery: {left:?}")
    })
}

/// The pages that have a files record in this origin's IndexedDB (none
/// before the app has made its database, which this makes as the app does,
/// rather than an empty one the app would not add its store to).
fn file_records(s: &Session) -> Result<Vec<String>> {
    let pages = s.exec(
        "return new Promise(done => {
           const r = indexedDB.open('roomcast', 1);
           r.onupgradeneeded = () => r.result.createObjectStore('history');
           r.onsuccess = () => {
             const get = r.result.transaction('history').objectStore('history').getAllKeys();
             get.onsuccess = () => done(get.result.filter(k => k.startsWith('\\u0001files'))
               .map(k => k.slice(k.indexOf('\\n') + 1)));
           };
         });",
    )?;
    Ok(serde_json::from_value(pages)?)
}

/// A files record that no outbox names (a page died between taking
/// another's outbox over and deleting that page's files) is deleted a while
/// after a connect, but only once its page has gone, and only if that page
/// left no outbox as it went: a live tab's records stay.
pub fn a_gone_pages_orphaned_files_are_deleted(env: &Env) -> Result<()> {
    let server = ws_server(env);
    let s = env.driver.session(env.options)?;
    // A page of this origin that is not Roomcast: files records as three
    // pages left them, none named by an outbox. This tab lives on as the
    // pages "alive" and "leaving".
    s.goto(&format!("{}/boot.js", env.origin))?;
    clear_storage(&s)?;
    s.exec_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             for (const page of ['alive', 'leaving'])
               navigator.locks.request('roomcast.page:' + page, () => new Promise(() => {{}}));
             const r = indexedDB.open('roomcast', 1);
             r.onupgradeneeded = () => r.result.createObjectStore('history');
             r.onsuccess = () => {{
               const tx = r.result.transaction('history', 'readwrite'), store = tx.objectStore('history');
               for (const page of ['gone', 'alive', 'leaving'])
                 store.put([['f1', new Uint8Array(1000)]], '\\u0001files ' + {server:?} + '\\n' + page);
               tx.oncomplete = () => done(null);
             }};"
        ),
        5000,
    )?;
    let pages = s.new_tab()?;
    join_in(&s, env, "sw")?;
    let records = |want: &[&str], what: &str| {
        s.wait(what, Duration::from_secs(10), |s| {
            Ok((file_records(s)? == want).then_some(()))
        })?;
        // And they stay so.
        std::thread::sleep(Duration::from_secs(1));
        let left = file_records(&s)?;
        ensure(left == want, || {
            format!("{what}, then the files records are {left:?}")
        })
    };
    records(&["alive", "leaving"], "the gone page's files deleted")?;
    // The tab goes; "leaving" leaves an outbox as it does.
    let this_tab = s.tab()?;
    s.switch_to(&pages)?;
    s.exec(&format!(
        "localStorage.setItem('roomcast.outbox:' + {server:?} + '\\n' + 'leaving', '[]');
         return null;"
    ))?;
    s.close_tab()?;
    s.switch_to(&this_tab)?;
    records(&["leaving"], "the closed tab's files deleted")
}

/// Two tabs of one browser on one server: the second does not take (and
/// send again) what the first still has queued; when the first closes, the
/// second takes its queued line over and sends it, once.
pub fn a_closed_tabs_queued_line_goes_out_from_the_tab_left_open(env: &Env) -> Result<()> {
    let jo = join(env, "jo")?;
    let ivy = join(env, "ivy")?;
    ivy.click(".connect button[type=button]")?; // Disconnect
    wait_view(&ivy, "Disconnected", |v| v.status == "Disconnected")?;
    let typed = vec!["left queued in the first tab".to_string()];
    type_while_away(&ivy, &typed)?;
    let first = ivy.new_tab()?;
    join_in(&ivy, env, "ivo")?;
    // Given time to restore it, the second tab leaves it alone.
    std::thread::sleep(Duration::from_millis(1500));
    let second = view(&ivy)?;
    ensure(second.count(&typed[0]) == 0, || {
        format!(
            "the second tab took the first one's line: {:?}",
            second.lines
        )
    })?;
    let second_tab = ivy.tab()?;
    ivy.switch_to(&first)?;
    ivy.close_tab()?;
    ivy.switch_to(&second_tab)?;
    wait_view(
        &ivy,
        "the first tab's line delivered from the second",
        |v| {
            v.line(&typed[0])
                .is_some_and(|l| l.0.contains("own") && l.0.contains("delivered"))
        },
    )?;
    receives_exactly(&jo, "left queued in the first tab", &typed)
}

/// The kept log lives in IndexedDB: a log an older Roomcast kept in
/// localStorage (as many 4 KB lines as it holds) moves there on the first
/// visit and leaves localStorage; with 50 more large lines it is kept whole,
/// though localStorage refuses a value that size.
pub fn kept_log_moves_to_indexeddb_and_keeps_more(env: &Env) -> Result<()> {
    let server = ws_server(env);
    let s = env.driver.session(env.options)?;
    // A page of this origin that is not Roomcast (unknown paths serve the
    // app, which would save its own log over the setup when it leaves).
    s.goto(&format!("{}/boot.js", env.origin))?;
    clear_storage(&s)?;
    kept_log_filling_storage(&s, &server)?;
    s.exec("for (let i = 0; i < 64; i++) localStorage.removeItem('test-fill-' + i); return null;")?;
    s.goto(&format!("{}/?name=ka", env.origin))?;
    let shown = wait_view(&s, "the kept log shown", |v| {
        v.status.contains("Connected")
            && v.lines
                .iter()
                .any(|l| l.2.ends_with("earlier lines, kept in this browser."))
    })?;
    let loaded: u64 = shown
        .lines
        .iter()
        .find_map(|l| l.2.strip_suffix(" earlier lines, kept in this browser."))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    ensure(loaded > 100, || format!("only {loaded} kept lines loaded"))?;
    let legacy = js(
        &s,
        &format!("localStorage.getItem('roomcast.history:' + {server:?})"),
    )?;
    ensure(legacy.is_null(), || {
        "the old copy is still in localStorage".into()
    })?;
    // 50 more large lines, delivered, then the tab is hidden: the log is saved.
    let big = |i: usize| format!("big line {i} {}", "z".repeat(4000));
    for i in 1..=50 {
        send_through_page(&s, &big(i))?;
    }
    wait_view_for(
        &s,
        "the big lines delivered",
        Duration::from_secs(30),
        |v| v.line(&big(50)).is_some_and(|l| l.0.contains("delivered")),
    )?;
    set_hidden(&s, true)?;
    let read = format!(
        "const done = arguments[arguments.length - 1];
         const r = indexedDB.open('roomcast');
         r.onsuccess = () => {{
           const get = r.result.transaction('history').objectStore('history').get({server:?});
           get.onsuccess = () => {{
             const value = get.result ?? '{{\"lines\":[]}}', v = JSON.parse(value);
             // Would localStorage take it? (It is emptied first.)
             localStorage.clear();
             let fits = true;
             try {{ localStorage.setItem('probe', value); }} catch (e) {{ fits = false; }}
             localStorage.clear();
             done([v.lines.length, v.lines.length ? v.lines[v.lines.length - 1].t : '', fits, value.length]);
           }};
           get.onerror = () => done([0, 'read failed']);
         }};
         r.onerror = () => done([0, 'open failed']);"
    );
    let last = big(50);
    let saved = s.wait("the log saved in IndexedDB", Duration::from_secs(10), |s| {
        let v = s.exec_async(&read, 5000)?;
        Ok((v[1].as_str() == Some(last.as_str())).then_some(v))
    })?;
    let count = saved[0].as_u64().unwrap_or(0);
    ensure(count >= loaded + 50, || {
        format!("IndexedDB keeps {count} lines of the {loaded} + 50")
    })?;
    ensure(saved[2] == false, || {
        format!(
            "localStorage would have taken the whole log ({} characters)",
            saved[3]
        )
    })?;
    crate::figure(format!(
        "kept log: {count} lines ({} M characters) kept in IndexedDB; localStorage refuses that much",
        saved[3].as_f64().unwrap_or(0.0) / 1e6
    ));
    Ok(())
}

/// A tab keeping at most 100 lines (`keep=100`) that receives 250 holds
/// only the newest, shows the newest, says at the top that older lines left
/// memory, and its search says it covers only the lines still kept.
pub fn older_lines_leave_memory_with_a_marker(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "ws-broadcast.js")?;
    let url = format!("{}&keep=100", ws_url(&peer, ""));
    let small = visit(env, "ka", &url, "text")?;
    let sender = visit(env, "kb", &ws_url(&peer, ""), "text")?;
    sender.exec(&format!(
        "const area = document.querySelector('{COMPOSER}');
         for (let i = 1; i <= 250; i++) {{
           area.value = 'ceiling line ' + i;
           area.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', bubbles: true }}));
         }}
         return null;"
    ))?;
    wait_view_for(&small, "the newest line", Duration::from_secs(20), |v| {
        v.count("ceiling line 250") == 1
    })?;
    small.type_into("input[type=search]", "ceiling line")?;
    let matches = small.wait(
        "the search to say what it covers",
        Duration::from_secs(5),
        |s| {
            let m = js(s, "document.querySelector('.matches')?.textContent ?? ''")?;
            Ok(m.as_str()
                .filter(|m| m.contains("of the last"))
                .map(String::from))
        },
    )?;
    let found: usize = matches
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    ensure((90..=110).contains(&found), || {
        format!("with keep=100 the search found {found} of 250 lines: {matches:?}")
    })?;
    small.exec(
        "const box = document.querySelector('input[type=search]');
         box.value = ''; box.dispatchEvent(new InputEvent('input', { bubbles: true })); return null;",
    )?;
    show_all(&small)?;
    let marker = js(
        &small,
        "document.querySelector('[role=log] li.dropped')?.textContent ?? ''",
    )?;
    ensure(
        marker
            .as_str()
            .is_some_and(|m| m.contains("older lines are no longer kept in this tab")),
        || format!("no marker at the top of the log: {marker}"),
    )?;
    let oldest_kept = view(&small)?;
    ensure(oldest_kept.count("ceiling line 1") == 0, || {
        "the oldest line is still in memory".into()
    })
}

/// The browser refuses to keep a file's bytes (IndexedDB over its quota,
/// set small through the DevTools protocol, so Chromium only): the file's
/// line says it is not saved until storage has room again, and it goes
/// out, once, when the connection is back.
pub fn a_file_the_browser_will_not_keep_says_so_and_still_goes_out(env: &Env) -> Result<()> {
    // An image with 40 KB after its end (browsers ignore it): over the quota.
    let path = env.artifacts.join("unkept.png");
    std::fs::write(&path, [PNG, &[0; 40_000]].concat())?;
    // Less than the file, before the page first writes to IndexedDB: set
    // after that (a file kept, then the quota lowered), it refused no write.
    let ka = env.driver.session(env.options)?;
    let origin = env.origin.trim_end_matches('/');
    ka.cdp(
        "Storage.overrideQuotaForOrigin",
        serde_json::json!({ "origin": origin, "quotaSize": 20_000 }),
    )?;
    join_in(&ka, env, "ka")?;
    let ko = join(env, "ko")?;
    ka.click(".connect button[type=button]")?; // Disconnect
    wait_view(&ka, "Disconnected", |v| v.status == "Disconnected")?;
    ka.type_into(".composer input[type=file]", &path.to_string_lossy())?;
    says_not_saved(&ka)?;
    // Room again: the next change keeps the file, and the warning goes.
    ka.cdp(
        "Storage.overrideQuotaForOrigin",
        serde_json::json!({ "origin": origin }),
    )?;
    type_while_away(&ka, &["typed once there was room".to_string()])?;
    ka.wait("the warning gone", Duration::from_secs(5), |s| {
        let n = js(s, "document.querySelectorAll('[role=log] .unsaved').length")?;
        Ok((n == 0).then_some(()))
    })?;
    ka.click(".connect button[type=submit]")?; // Connect
    wait_view(&ka, "delivered after reconnect", |v| {
        v.status.contains("Connected") && all_delivered(v)
    })?;
    ko.wait("the image at ko", Duration::from_secs(10), |s| {
        image_widths(s, "peer").map(|w| (w == [1]).then_some(()))
    })?;
    let left = js(
        &ka,
        "document.querySelectorAll('[role=log] .unsaved').length",
    )?;
    ensure(left == 0, || format!("{left} warnings left after delivery"))
}
