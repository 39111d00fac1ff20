//! The bench's scenarios, run the same on both pages: ingest, latency, a
//! long history and startup, measured by an instrument injected into the page.

use super::*;

/// Injected into every page before its scripts: the measuring instruments.
pub(super) const INSTRUMENT: &str = r#"(() => {
  const b = window.__bench = { longTasks: [], received: [], shown: [], newest: 0, sendDelay: [], frames: 0, firstFrame: null, lastFrame: null, longest: 0, gap: 0, seen: {}, lat: [], recv: [], latSeen: new Set(), wasm: null };
  // The longest gap between animation frames while a burst flows (from its
  // first frame until its last line shows): how long the page looked frozen.
  let lastRaf = null;
  const raf = t => {
    if (b.firstFrame !== null && b.seen.done === undefined) {
      if (lastRaf !== null && t - lastRaf > b.gap) { b.gap = t - lastRaf; b.gapAt = Math.round(lastRaf - b.firstFrame); }
      lastRaf = t;
    }
    requestAnimationFrame(raf);
  };
  requestAnimationFrame(raf);
  const Native = window.WebSocket;
  // Roomcast's sockets come from boot.js (a worker receives, the page takes
  // the messages in slices): what the page sees of them is measured the same
  // way. Events boot.js hands on again (the early socket's) count once.
  const counted = new WeakSet();
  const watch = ws => {
    // Startup's steps: when the page made its first socket and when it opened.
    b.seen.socket ??= performance.now();
    ws.addEventListener('open', () => { b.seen.open ??= performance.now(); });
    // How long the page took from the sender's timestamp to handing the line to the socket.
    const send = ws.send.bind(ws);
    ws.send = d => {
      const i = typeof d === 'string' ? d.indexOf('lat ') : -1;
      if (i >= 0) b.sendDelay.push(performance.timeOrigin + performance.now() - parseFloat(d.slice(i + 4)));
      return send(d);
    };
    ws.addEventListener('message', e => {
      if (counted.has(e)) return;
      counted.add(e);
      const t = performance.now(); b.frames++;
      if (b.firstFrame === null) b.firstFrame = t;
      if (b.frames % 250 === 0) b.received.push([t, b.frames]);
      b.lastFrame = t;
    });
    return ws;
  };
  // Where the page's sockets ran: Roomcast's in workers, unless one could not start.
  b.sockets = { worker: 0, page: 0 };
  function Wrapped(url, protocols) {
    b.sockets.page++;
    return watch(protocols === undefined ? new Native(url) : new Native(url, protocols));
  }
  let paced;
  Object.defineProperty(window, 'roomcastPaced', {
    get: () => paced,
    set: f => { paced = (...a) => { const ws = f(...a); if (ws) b.sockets.worker++; return ws && watch(ws); }; },
  });
  Wrapped.prototype = Native.prototype;
  // Startup's steps: when IndexedDB (the kept log) first answered.
  if (window.IDBFactory) {
    const open = IDBFactory.prototype.open;
    IDBFactory.prototype.open = function (...a) {
      const r = open.apply(this, a);
      r.addEventListener('success', () => { b.seen.idb ??= performance.now(); });
      return r;
    };
  }
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[k] = Native[k];
  window.WebSocket = Wrapped;
  const keep = r => { const i = r.instance || r; if (i && i.exports && i.exports.memory) b.wasm = i.exports.memory; return r; };
  const streaming = WebAssembly.instantiateStreaming, plain = WebAssembly.instantiate;
  if (streaming) WebAssembly.instantiateStreaming = (...a) => streaming(...a).then(keep);
  WebAssembly.instantiate = (...a) => plain(...a).then(keep);
  try {
    // Long tasks once frames flow (not the page's own start-up).
    new PerformanceObserver(l => {
      for (const e of l.getEntries()) {
        if (b.firstFrame !== null && e.startTime + e.duration >= b.firstFrame) {
          b.longest = Math.max(b.longest, e.duration);
          b.longTasks.push([Math.round(e.startTime - b.firstFrame), e.duration]);
        }
      }
    })
      .observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  const mark = text => {
    const now = performance.now();
    // Until connected only: the queries would otherwise run for every line
    // of the measured bursts.
    if (b.seen.connected === undefined) {
      if (b.seen.render === undefined && document.querySelector('[role=status]')) b.seen.render = now;
      // The status element itself: a node's text includes its descendants',
      // and the baseline's inline script (the word 'Connected' in its source)
      // is in the body's text as soon as it is parsed.
      const status = document.querySelector('[role=status], #status');
      if (status && status.textContent.startsWith('Connected')) b.seen.connected = now;
    }
    if (text.includes('b done')) b.seen.done ??= now;
    if (text.includes('b extra')) b.seen.extra ??= now;
    // The ingest timeline: the newest "b N" line in the DOM, each time it
    // passes a multiple of 250 (a windowed log never shows most lines).
    const n = /b (\d+)$/.exec(text);
    if (n && Math.floor(n[1] / 250) > Math.floor(b.newest / 250)) b.shown.push([now, +n[1]]);
    if (n) b.newest = Math.max(b.newest, +n[1]);
    const i = text.indexOf('lat ');
    if (i >= 0) {
      // A line may show up as an element and again as its text node: count it once.
      const ts = parseFloat(text.slice(i + 4));
      if (ts > 0 && !b.latSeen.has(ts)) {
        b.latSeen.add(ts);
        b.lat.push(performance.timeOrigin + now - ts);
        // The receiving page's own share: from the last frame's arrival to the DOM.
        b.recv.push(now - b.lastFrame);
      }
    }
  };
  new MutationObserver(ms => {
    for (const m of ms) {
      for (const n of m.addedNodes) mark(n.textContent || '');
      if (m.type === 'characterData') mark(m.target.textContent || '');
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
})();"#;

/// Waits (in the page) until `__bench.seen[key]` is set, then returns `__bench`.
pub(super) fn wait_for(s: &Session, key: &str, timeout: Duration) -> Result<Value> {
    s.exec_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             const check = () => window.__bench && window.__bench.seen['{key}'] !== undefined
               ? done({{ seen: window.__bench.seen, firstFrame: window.__bench.firstFrame,
                         lastFrame: window.__bench.lastFrame, longest: window.__bench.longest,
                         gap: window.__bench.gap, frames: window.__bench.frames }})
               : setTimeout(check, 20);
             check();"
        ),
        timeout.as_millis() as u64,
    )
}

pub(super) fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Ingest: time from the first frame to the last line in the DOM, the
/// longest task, and the longest gap between animation frames meanwhile.
pub(super) fn ingest(env: &Env, page: Page) -> Result<(f64, f64, f64, Timeline)> {
    let s = env.open(page, &format!("ws://{}/flood?n={INGEST_LINES}", env.load))?;
    let b = wait_for(&s, "done", Duration::from_secs(120))?;
    let first = num(&b["firstFrame"]);
    let points = |name: &str| -> Result<Vec<(f64, f64)>> {
        let v = s.exec(&format!("return window.__bench.{name};"))?;
        Ok(v.as_array()
            .map(|a| a.iter().map(|p| (num(&p[0]) - first, num(&p[1]))).collect())
            .unwrap_or_default())
    };
    let timeline = Timeline {
        received: points("received")?,
        shown: points("shown")?,
    };
    eprintln!(
        "    long tasks (start since the first frame, ms): {}; the longest frame gap began at {} ms; sockets: {}",
        s.exec("return JSON.stringify(window.__bench.longTasks);")?,
        s.exec("return window.__bench.gapAt;")?,
        s.exec("return JSON.stringify(window.__bench.sockets);")?
    );
    Ok((
        num(&b["seen"]["done"]) - first,
        num(&b["longest"]),
        num(&b["gap"]),
        timeline,
    ))
}

/// When frames arrived and when their lines reached the DOM during ingest:
/// (ms since the first frame, lines so far).
#[derive(Default)]
pub(super) struct Timeline {
    pub(super) received: Vec<(f64, f64)>,
    pub(super) shown: Vec<(f64, f64)>,
}

/// Long history: after 100,000 lines, the time to show one more, the page's
/// elements and memory (JS heap plus wasm memory).
pub(super) fn history(env: &Env, page: Page) -> Result<(f64, f64, f64)> {
    let s = env.open(
        page,
        &format!("ws://{}/flood?n={HISTORY_LINES}&extra=1", env.load),
    )?;
    wait_for(&s, "done", Duration::from_secs(300))?;
    // The page has shown the whole flood; let it settle, then ask for one more.
    std::thread::sleep(Duration::from_secs(1));
    send_text(&s, page, "more")?;
    let b = wait_for(&s, "extra", Duration::from_secs(30))?;
    let one_more = num(&b["seen"]["extra"]) - num(&b["lastFrame"]);
    let page_state = s.exec(
        "return { elements: document.querySelectorAll('*').length,
                  heap: (performance.memory ? performance.memory.usedJSHeapSize : 0)
                        + (window.__bench.wasm ? window.__bench.wasm.buffer.byteLength : 0) };",
    )?;
    Ok((
        one_more,
        num(&page_state["elements"]),
        num(&page_state["heap"]) / 1e6,
    ))
}

/// Latency: 1,000 lines at 50 per second from A to B; send→rendered in B.
pub(super) fn latency(env: &Env, page: Page) -> Result<Vec<f64>> {
    let relay = format!("ws://{}/relay", env.load);
    // `BENCH_SENDER=baseline` (or `roomcast`) sends from that page whatever
    // page receives: whose time the latency is.
    let sender = match std::env::var("BENCH_SENDER").as_deref() {
        Ok("baseline") => Page::Baseline,
        Ok("roomcast") => Page::Roomcast,
        _ => page,
    };
    let (a, b) = (env.open(sender, &relay)?, env.open(page, &relay)?);
    for s in [&a, &b] {
        // Both pages show "Connected" when open; the instruments mark it.
        wait_for(s, "connected", Duration::from_secs(20))
            .map_err(|e| format!("the page did not connect: {e}"))?;
    }
    send_lines(&a, sender, LATENCY_LINES)?;
    let lat = b.exec_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             const check = () => window.__bench.lat.length >= {LATENCY_LINES}
               ? done([window.__bench.lat, window.__bench.recv]) : setTimeout(check, 50);
             check();"
        ),
        60_000,
    )?;
    let series = |i: usize| -> Vec<f64> {
        lat[i]
            .as_array()
            .map(|a| a.iter().map(num).collect())
            .unwrap_or_default()
    };
    let mut sending = a
        .exec("return window.__bench.sendDelay;")?
        .as_array()
        .map(|a| a.iter().map(num).collect::<Vec<f64>>())
        .unwrap_or_default();
    sending.sort_by(f64::total_cmp);
    eprintln!(
        "    sending page, timestamp to WebSocket.send: p50 {:.2} ms, p99 {:.2} ms",
        pct(&sending, 0.5),
        pct(&sending, 0.99)
    );
    let mut recv = series(1);
    // Before the receiving page got the frame: the sender, the server, and
    // the receiving page's main thread being busy when the frame came.
    let mut before: Vec<f64> = series(0).iter().zip(&recv).map(|(l, r)| l - r).collect();
    recv.sort_by(f64::total_cmp);
    before.sort_by(f64::total_cmp);
    eprintln!(
        "    receiving page's share (frame arrival to DOM): p50 {:.1} ms, p99 {:.1} ms; before the frame event: p50 {:.1} ms, p99 {:.1} ms",
        pct(&recv, 0.5),
        pct(&recv, 0.99),
        pct(&before, 0.5),
        pct(&before, 0.99)
    );
    Ok(series(0))
}

/// Makes the page send `text` the way a user would.
pub(super) fn send_text(s: &Session, page: Page, text: &str) -> Result<Value> {
    s.exec(&format!(
        "const text = '{text}'; {} return null;",
        send_script(page)
    ))
}

/// The script that sends `text` from the page.
pub(super) fn send_script(page: Page) -> &'static str {
    match page {
        Page::Roomcast => {
            "const ta = document.querySelector('textarea[aria-label=Message]');
             ta.value = text;
             ta.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));"
        }
        Page::Baseline => "window.__send(text);",
    }
}

/// Makes the page send `n` lines at 50 per second, each stamped with the
/// time it was sent, the way a user would (Roomcast: Enter in the composer).
pub(super) fn send_lines(s: &Session, page: Page, n: usize) -> Result<Value> {
    let send = send_script(page);
    s.exec(&format!(
        "let i = 0;
         const id = setInterval(() => {{
           if (i++ >= {n}) {{ clearInterval(id); return; }}
           const text = 'lat ' + (performance.timeOrigin + performance.now());
           {send}
         }}, 20);
         return null;"
    ))
}

/// Startup: navigation to `Connected` on loopback, with a cold cache, and
/// where the time went: the page's files (the last script or wasm to
/// arrive), the first render (a status element in the page), the socket
/// made and opened, the first frame.
pub(super) fn startup(env: &Env, page: Page) -> Result<(f64, f64, String)> {
    let s = env.open(page, &env.own_server())?;
    let at = |v: &Value| match v.as_f64() {
        Some(ms) => format!("{ms:.0}"),
        None => "-".into(),
    };
    let steps = || -> Result<(f64, String)> {
        let b = wait_for(&s, "connected", Duration::from_secs(20))?;
        let files = s.exec(
            "return Math.max(0, ...performance.getEntriesByType('resource')
               .filter(e => /[.](js|wasm)$/.test(e.name)).map(e => e.responseEnd));",
        )?;
        let seen = &b["seen"];
        Ok((
            num(&seen["connected"]),
            format!(
                "files {}, render {}, kept log {}, socket {}, open {}, first frame {}, Connected {} ms",
                at(&files),
                at(&seen["render"]),
                at(&seen["idb"]),
                at(&seen["socket"]),
                at(&seen["open"]),
                at(&b["firstFrame"]),
                at(&seen["connected"]),
            ),
        ))
    };
    let (first, first_steps) = steps()?;
    // The second after: the longest task once frames came (the longtask
    // observer's, 50 ms or more), which the page's first `Intl` formatter
    // was (run 14).
    std::thread::sleep(Duration::from_secs(1));
    let after = s.exec("return Math.max(0, ...window.__bench.longTasks.map(t => t[1]));")?;
    // A second visit, a few seconds later, as a returning user's: the HTTP
    // cache (and Roomcast's service worker, installed a second after the
    // first visit settled) has the files, and V8 may have kept the code.
    std::thread::sleep(Duration::from_secs(4));
    s.goto(&env.url(page, &env.own_server()))?;
    let (second, second_steps) = steps()?;
    Ok((
        first,
        second,
        format!(
            "{first_steps}; then the longest task {} ms; a second visit: {second_steps}",
            at(&after)
        ),
    ))
}
