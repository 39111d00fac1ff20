//! Startup (issue 18): the socket `boot.js` opens before the app has loaded.

use super::*;

/// A plain `?server=…&protocol=text` page: `boot.js` opens the socket while
/// the wasm loads and the app takes it over. The server sees one connection,
/// not two, and what it said before the app was there (it greets the moment
/// a connection opens) reaches the log, in order; the socket then carries
/// the page's own lines. A page whose settings have an error does not
/// connect: the socket boot.js opened is closed at once.
pub fn the_socket_boot_opens_is_taken_over_with_what_came_first(env: &Env) -> Result<()> {
    let recorder = Peer::start_with("node", "recording-server.js", &["greet"])?;
    let s = env.driver.session(env.options)?;
    goto_room(&s, env, "early", &ws_url(&recorder, ""), "text")?;
    wait_view(&s, "the greeting in the log", |v| {
        v.status.contains("Connected") && v.count("hello 1") == 1 && v.count("hello 2") == 1
    })?;
    let v = view(&s)?;
    let at = |text: &str| v.lines.iter().position(|l| l.2 == text);
    ensure(at("hello 1") < at("hello 2"), || {
        format!("the greeting out of order: {:?}", v.lines)
    })?;
    s.type_into(COMPOSER, &format!("after the handover{ENTER}"))?;
    recorder.wait_output("got text \"after the handover\"", Duration::from_secs(10))?;
    std::thread::sleep(Duration::from_millis(500));
    let connections: Vec<String> = recorder
        .output()
        .into_iter()
        .filter(|l| l.starts_with("connection "))
        .collect();
    ensure(connections == ["connection 1"], || {
        format!("the server saw {connections:?}: the early socket was not the one used")
    })?;
    let bad = env.driver.session(env.options)?;
    goto_room(&bad, env, &"n".repeat(40), &ws_url(&recorder, ""), "text")?;
    wait_view(&bad, "the name's error", |v| {
        !v.status.contains("Connected")
    })?;
    // Closed well before boot.js's own 20 s limit: the server saw it close,
    // or never saw it, when the close came while its handshake was still on
    // the way (a worker's socket starts a little later than the page's).
    let closed = recorder
        .wait_output("closed 2", Duration::from_secs(5))
        .is_ok();
    let out = recorder.output();
    ensure(closed || !out.iter().any(|l| l == "connection 2"), || {
        format!("the declined socket was still open after 5 s: {out:?}")
    })?;
    ensure(
        !recorder
            .output()
            .iter()
            .any(|l| l.starts_with("got ") && l.contains("hello")),
        || "the declined page sent something".into(),
    )
}

/// On a real network the app's files take longer than a socket's handshake:
/// the socket boot.js opened is open before the app starts. The app then
/// takes its `open` in the task that took the socket, and its first render
/// already says Connected, with no "Connecting" shown in between. Here the
/// app's wasm is held back (its instantiation waits) until that socket has
/// opened, and every text the status element ever had is recorded.
pub fn an_early_open_is_in_the_first_render(env: &Env) -> Result<()> {
    let recorder = Peer::start_with("node", "recording-server.js", &["greet"])?;
    let s = env.driver.session(env.options)?;
    s.on_new_document(
        "window.__statuses = [];
         let opened; const open = new Promise((r) => (opened = r));
         let paced;
         Object.defineProperty(window, 'roomcastPaced', {
           get: () => paced,
           set: (f) => { paced = (...a) => { const ws = f(...a); ws?.addEventListener('open', () => opened()); return ws; }; },
         });
         for (const name of ['instantiateStreaming', 'instantiate']) {
           const real = WebAssembly[name];
           WebAssembly[name] = async (...a) => { await open; return real.apply(WebAssembly, a); };
         }
         new MutationObserver(() => {
           const text = document.querySelector('[role=status]')?.textContent;
           if (text !== undefined && window.__statuses.at(-1) !== text) window.__statuses.push(text);
         }).observe(document, { childList: true, subtree: true, characterData: true });",
    )?;
    goto_room(&s, env, "first", &ws_url(&recorder, ""), "text")?;
    wait_view(&s, "the greeting in the log", |v| {
        v.status.contains("Connected") && v.count("hello 2") == 1
    })?;
    let statuses = s.exec("return window.__statuses;")?;
    let first = statuses[0].as_str().unwrap_or_default();
    ensure(first.starts_with("Connected"), || {
        format!("the first render did not say Connected; the status went {statuses}")
    })
}

/// Where no worker can start (a host whose Content-Security-Policy forbids
/// `blob:` workers makes `new Worker` throw; a worker can also fail once
/// started), the app's sockets are the page's own WebSockets: the page
/// connects, shows what the server said first and sends. A worker that
/// failed once is not tried again.
pub fn sockets_fall_back_to_the_page_when_no_worker_starts(env: &Env) -> Result<()> {
    let recorder = Peer::start_with("node", "recording-server.js", &["greet"])?;
    let workers = [
        // Refused at once, as a CSP does.
        ("refused", "function () { window.__workers++; throw new DOMException('blocked', 'SecurityError'); }"),
        // Started, then failed.
        (
            "failed",
            "class { constructor() { window.__workers++; setTimeout(() => this.onerror?.(new Event('error')), 50); }
                     postMessage() {} terminate() {} }",
        ),
    ];
    for (i, (how, worker)) in workers.into_iter().enumerate() {
        let s = env.driver.session(env.options)?;
        s.on_new_document(&format!("window.__workers = 0; window.Worker = {worker};"))?;
        goto_room(&s, env, &format!("w{i}"), &ws_url(&recorder, ""), "text")?;
        wait_view(
            &s,
            &format!("a worker {how}: connected, the greeting shown"),
            |v| v.status.contains("Connected") && v.count("hello 1") == 1,
        )?;
        let text = format!("through the page {how}");
        s.type_into(COMPOSER, &format!("{text}{ENTER}"))?;
        recorder.wait_output(&format!("got text \"{text}\""), Duration::from_secs(10))?;
        // The page asked for a worker: the path under test was taken.
        let asked = js(&s, "window.__workers")?;
        ensure(asked.as_u64().is_some_and(|n| n >= 1), || {
            format!("a worker {how}: the page never asked for a worker ({asked})")
        })?;
        if how == "failed" {
            ensure(asked == 1, || {
                format!("the page tried {asked} workers after the first one failed")
            })?;
        }
    }
    Ok(())
}
