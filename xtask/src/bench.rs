//! `cargo xtask bench`: Roomcast against the tutorial's vanilla-JS client
//! (bench/baseline.html), in the same run, on the same servers, in the same
//! headless Chromium. Measurements are taken inside the page: a script
//! injected before the page's own (Chrome DevTools Protocol) timestamps
//! WebSocket frames, DOM insertions, long tasks and memory, identically for
//! both pages. Prints medians, ratios and PASS/FAIL per budget; writes an SVG
//! of the latency distribution.

mod soak;
mod storage;

use crate::webdriver::{Driver, Session};
use crate::{root, server::Server, tools, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::{io::Write, path::Path, time::Duration};
use tokio_tungstenite::tungstenite::{handshake::server::Request, Message};

/// Rounds unless `cargo xtask bench N` says otherwise.
const ROUNDS: usize = 3;
const INGEST_LINES: usize = 20_000;
const HISTORY_LINES: usize = 100_000;
const LATENCY_LINES: usize = 1_000;

/// Injected into every page before its scripts: the measuring instruments.
const INSTRUMENT: &str = r#"(() => {
  const b = window.__bench = { longTasks: [], received: [], shown: [], newest: 0, sendDelay: [], frames: 0, firstFrame: null, lastFrame: null, longest: 0, seen: {}, lat: [], recv: [], latSeen: new Set(), wasm: null };
  const Native = window.WebSocket;
  function Wrapped(url, protocols) {
    const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
    // How long the page took from the sender's timestamp to handing the line to the socket.
    const send = ws.send.bind(ws);
    ws.send = d => {
      const i = typeof d === 'string' ? d.indexOf('lat ') : -1;
      if (i >= 0) b.sendDelay.push(performance.timeOrigin + performance.now() - parseFloat(d.slice(i + 4)));
      return send(d);
    };
    ws.addEventListener('message', () => {
      const t = performance.now(); b.frames++;
      if (b.firstFrame === null) b.firstFrame = t;
      if (b.frames % 250 === 0) b.received.push([t, b.frames]);
      b.lastFrame = t;
    });
    return ws;
  }
  Wrapped.prototype = Native.prototype;
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
    if (text.includes('b done')) b.seen.done ??= now;
    if (text.includes('b extra')) b.seen.extra ??= now;
    if (text.includes('Connected')) b.seen.connected ??= now;
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
fn wait_for(s: &Session, key: &str, timeout: Duration) -> Result<Value> {
    s.exec_async(
        &format!(
            "const done = arguments[arguments.length - 1];
             const check = () => window.__bench && window.__bench.seen['{key}'] !== undefined
               ? done({{ seen: window.__bench.seen, firstFrame: window.__bench.firstFrame,
                         lastFrame: window.__bench.lastFrame, longest: window.__bench.longest,
                         frames: window.__bench.frames }})
               : setTimeout(check, 20);
             check();"
        ),
        timeout.as_millis() as u64,
    )
}

#[derive(Clone, Copy, PartialEq)]
pub enum Page {
    Roomcast,
    Baseline,
}

struct Env<'a> {
    driver: &'a Driver,
    chrome: &'a Value,
    origin: String,
    load: String,
}

impl Env<'_> {
    fn open(&self, page: Page, server: &str) -> Result<Session> {
        let s = self.driver.session(self.chrome)?;
        s.on_new_document(INSTRUMENT)?;
        // The server URL has its own query: encode it as one value.
        let server: String = server
            .chars()
            .map(|c| match c {
                '%' | '&' | '?' | '=' | '#' | '+' | ' ' => format!("%{:02X}", c as u32),
                c => c.to_string(),
            })
            .collect();
        let url = match page {
            Page::Roomcast => format!("{}/?server={server}&protocol=text&name=bench", self.origin),
            Page::Baseline => format!("{}/bench-baseline.html?server={server}", self.origin),
        };
        s.goto(&url)?;
        Ok(s)
    }
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// Ingest: time from the first frame to the last line in the DOM, and the longest task.
fn ingest(env: &Env, page: Page) -> Result<(f64, f64, Timeline)> {
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
        "    long tasks (start since the first frame, ms): {}",
        s.exec("return JSON.stringify(window.__bench.longTasks);")?
    );
    Ok((
        num(&b["seen"]["done"]) - first,
        num(&b["longest"]),
        timeline,
    ))
}

/// When frames arrived and when their lines reached the DOM during ingest:
/// (ms since the first frame, lines so far).
#[derive(Default)]
struct Timeline {
    received: Vec<(f64, f64)>,
    shown: Vec<(f64, f64)>,
}

/// Long history: after 100,000 lines, the time to show one more, the page's
/// elements and memory (JS heap plus wasm memory).
fn history(env: &Env, page: Page) -> Result<(f64, f64, f64)> {
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
fn latency(env: &Env, page: Page) -> Result<Vec<f64>> {
    let relay = format!("ws://{}/relay", env.load);
    let (a, b) = (env.open(page, &relay)?, env.open(page, &relay)?);
    for s in [&a, &b] {
        // Both pages show "Connected" when open; the instruments mark it.
        wait_for(s, "connected", Duration::from_secs(20))
            .map_err(|e| format!("the page did not connect: {e}"))?;
    }
    send_lines(&a, page, LATENCY_LINES)?;
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
fn send_text(s: &Session, page: Page, text: &str) -> Result<Value> {
    s.exec(&format!(
        "const text = '{text}'; {} return null;",
        send_script(page)
    ))
}

/// The script that sends `text` from the page.
fn send_script(page: Page) -> &'static str {
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
fn send_lines(s: &Session, page: Page, n: usize) -> Result<Value> {
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

/// Startup: navigation to `Connected` on loopback, with a cold cache.
fn startup(env: &Env, page: Page) -> Result<f64> {
    let server = format!("ws://{}/ws", env.origin.trim_start_matches("http://"));
    let s = env.open(page, &server)?;
    let b = wait_for(&s, "connected", Duration::from_secs(20))?;
    Ok(num(&b["seen"]["connected"]))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.retain(|x| x.is_finite());
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    v[v.len() / 2]
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// Bytes of wasm + JS + CSS in dist/: raw, gzip and brotli.
fn sizes(dist: &Path) -> Result<(usize, usize, usize)> {
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !["wasm", "js", "css"].contains(&ext) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        raw += bytes.len();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        g.write_all(&bytes)?;
        gz += g.finish()?.len();
        let mut b = Vec::new();
        brotli::BrotliCompress(
            &mut &bytes[..],
            &mut b,
            &brotli::enc::BrotliEncoderParams::default(),
        )?;
        br += b.len();
    }
    Ok((raw, gz, br))
}

/// The budget check, as the test suite runs it too (bytes are deterministic).
pub const SIZE_BUDGET_GZIP: usize = 200_000;

pub fn size_check() -> Result<()> {
    let (raw, gz, br) = sizes(&root().join("dist"))?;
    eprintln!("    size: wasm+js+css {raw} B raw, {gz} B gzip, {br} B brotli (budget {SIZE_BUDGET_GZIP} B gzip)");
    if gz <= SIZE_BUDGET_GZIP {
        Ok(())
    } else {
        Err(format!("{gz} B gzip is over the budget of {SIZE_BUDGET_GZIP} B").into())
    }
}

/// Runs the bench: `rounds` rounds (default [`ROUNDS`]) of the scenarios
/// whose name contains `only` (all by default).
pub fn bench(rounds: Option<usize>, only: Option<&str>) -> Result<()> {
    let rounds = rounds.unwrap_or(ROUNDS).max(1);
    let wanted = |name: &str| only.is_none_or(|o| name.contains(o));
    tools::ensure()?;
    crate::build_client(true)?;
    let server_bin = crate::build_server()?;
    let out = root().join("target/bench");
    let dist = out.join("dist");
    std::fs::create_dir_all(&dist)?;
    for entry in std::fs::read_dir(root().join("dist"))? {
        let path = entry?.path();
        std::fs::copy(&path, dist.join(path.file_name().ok_or("no name")?))?;
    }
    std::fs::copy(
        root().join("bench/baseline.html"),
        dist.join("bench-baseline.html"),
    )?;
    let server = Server::start_serving(
        &server_bin,
        &dist,
        &["--rate", "1000", "--burst", "1000"],
        &out.join("server.log"),
    )?;

    let load = spawn_load_server()?;
    let chrome = chrome_options()?;
    let driver = Driver::start(&tools::chromedriver()?)?;
    let env = Env {
        driver: &driver,
        chrome: &chrome,
        origin: format!("http://{}", server.addr),
        load,
    };
    type Samples = [Vec<f64>; 2];
    let (mut ingest_ms, mut longest, mut one_more, mut elements, mut memory, mut start): (
        Samples,
        Samples,
        Samples,
        Samples,
        Samples,
        Samples,
    ) = Default::default();
    let mut lat: Samples = Default::default();
    // The last round's ingest timelines, for the chart.
    let mut timelines: [Timeline; 2] = Default::default();
    for round in 1..=rounds {
        tools::step(&format!("round {round} of {rounds}"));
        for (i, page) in [Page::Roomcast, Page::Baseline].into_iter().enumerate() {
            let who = if page == Page::Roomcast {
                "Roomcast"
            } else {
                "baseline"
            };
            if wanted("ingest") {
                let (t, l, timeline) =
                    ingest(&env, page).map_err(|e| format!("{who} ingest: {e}"))?;
                timelines[i] = timeline;
                eprintln!("    {who}: ingest {t:.0} ms, longest task {l:.0} ms");
                ingest_ms[i].push(t);
                longest[i].push(l);
            }
            if wanted("latency") {
                let samples = latency(&env, page).map_err(|e| format!("{who} latency: {e}"))?;
                eprintln!("    {who}: {} latency samples", samples.len());
                lat[i].extend(samples);
            }
            if wanted("history") {
                let (o, e, mem) = history(&env, page).map_err(|e| format!("{who} history: {e}"))?;
                eprintln!("    {who}: one more line {o:.1} ms, {e} elements, {mem:.0} MB");
                one_more[i].push(o);
                elements[i].push(e);
                memory[i].push(mem);
            }
            if wanted("startup") {
                let st = startup(&env, page).map_err(|e| format!("{who} startup: {e}"))?;
                eprintln!("    {who}: startup {st:.0} ms");
                start[i].push(st);
            }
        }
    }
    // Once per run, Roomcast alone: a million lines through one page.
    let soaked = if wanted("soak") {
        tools::step("soak: 1,000,000 lines through one Roomcast page");
        Some(soak::soak(&env).map_err(|e| format!("soak: {e}"))?)
    } else {
        None
    };
    // Once per run: where the kept log should live.
    let stored = if wanted("storage") {
        tools::step("storage: localStorage against IndexedDB for the kept log");
        Some(storage::compare(&env)?)
    } else {
        None
    };
    for l in &mut lat {
        l.sort_by(f64::total_cmp);
    }
    let (raw, gz, br) = sizes(&root().join("dist"))?;
    let m = |s: &Samples| (median(s[0].clone()), median(s[1].clone()));
    let rows: Vec<(&str, (f64, f64), String, bool)> = {
        let (ri, bi) = m(&ingest_ms);
        let (rl, bl) = m(&longest);
        let (p50r, p50b) = (pct(&lat[0], 0.5), pct(&lat[1], 0.5));
        let (p99r, p99b) = (pct(&lat[0], 0.99), pct(&lat[1], 0.99));
        let (ro, bo) = m(&one_more);
        let (re, be) = m(&elements);
        let (rm, bm) = m(&memory);
        let (rs, bs) = m(&start);
        vec![
            (
                "ingest 20,000 lines (ms)",
                (ri, bi),
                "<= 1.0x baseline".into(),
                ri <= bi,
            ),
            (
                "longest task during ingest (ms)",
                (rl, bl),
                "<= 50".into(),
                rl <= 50.0,
            ),
            (
                "latency p50 (ms)",
                (p50r, p50b),
                "<= 1.2x baseline and <= 5".into(),
                p50r <= 1.2 * p50b && p50r <= 5.0,
            ),
            (
                "latency p99 (ms)",
                (p99r, p99b),
                "<= 20".into(),
                p99r <= 20.0,
            ),
            (
                "one more line at 100,000 (ms)",
                (ro, bo),
                "<= 4".into(),
                ro <= 4.0,
            ),
            (
                "page elements at 100,000 lines",
                (re, be),
                "<= 2,000".into(),
                re <= 2000.0,
            ),
            (
                "memory at 100,000 lines (MB)",
                (rm, bm),
                "<= 80".into(),
                rm <= 80.0,
            ),
            (
                "startup to Connected (ms)",
                (rs, bs),
                "<= 300".into(),
                rs <= 300.0,
            ),
        ]
    };
    let mut table = String::from("| measure | Roomcast | baseline | ratio | budget | result |\n| --- | --- | --- | --- | --- | --- |\n");
    for (name, (r, b), budget, pass) in &rows {
        if r.is_nan() {
            table += &format!("| {name} | — | — | — | {budget} | not run |\n");
            continue;
        }
        table += &format!(
            "| {name} | {r:.1} | {b:.1} | {:.2} | {budget} | {} |\n",
            r / b,
            if *pass { "PASS" } else { "FAIL" }
        );
    }
    table += &format!(
        "| size: wasm+js+css (bytes) | {raw} raw, {gz} gzip, {br} brotli | — | — | <= {SIZE_BUDGET_GZIP} gzip | {} |\n",
        if gz <= SIZE_BUDGET_GZIP { "PASS" } else { "FAIL" }
    );
    println!(
        "\n{rounds} rounds, medians (latency: all {} samples per page)\n\n{table}",
        lat[0].len()
    );
    if let Some(soak) = &soaked {
        let mut t = String::from(
            "| lines through the page | wasm memory (MB) | JS heap (MB) |\n| --- | --- | --- |\n",
        );
        for (n, wasm, heap) in &soak.points {
            t += &format!("| {n} | {wasm:.1} | {heap:.1} |\n");
        }
        let growth = soak.growth();
        t += &format!(
            "\nsoak: {} lines in {:.0} s; memory growth from the first quarter to the last: {growth:.1} MB (budget <= {} MB: {}); \
             a typed line delivered once after it: {}\n",
            soak::soak_lines(),
            soak.seconds,
            soak::GROWTH_BUDGET_MB,
            if growth <= soak::GROWTH_BUDGET_MB { "PASS" } else { "FAIL" },
            if soak.typed_delivered_once { "PASS" } else { "FAIL" },
        );
        println!("{t}");
        table += &format!("\n{t}");
    }
    if let Some(stored) = &stored {
        table += &format!("\n{stored}");
    }
    std::fs::write(out.join("results.md"), &table)?;
    if only.is_none() {
        std::fs::write(root().join("bench/latency.svg"), latency_svg(&lat))?;
        std::fs::write(root().join("bench/ingest.svg"), ingest_svg(&timelines))?;
        println!("wrote target/bench/results.md, bench/latency.svg and bench/ingest.svg");
    }
    drop(server);
    Ok(())
}

/// The latency distributions (CDF) of both pages as an SVG.
fn latency_svg(lat: &[Vec<f64>; 2]) -> String {
    let max = lat
        .iter()
        .filter_map(|l| l.last())
        .fold(1.0f64, |a, b| a.max(*b))
        .min(200.0);
    let cdf = |series: &Vec<f64>| -> Vec<(f64, f64)> {
        let n = series.len().max(1) as f64;
        series
            .iter()
            .enumerate()
            .map(|(i, v)| (v.min(max), (i + 1) as f64 / n))
            .collect()
    };
    chart_svg(
        "Send to rendered latency, 1,000 lines at 50/s (CDF; x: ms, y: share of lines)",
        (max, 1.0),
        &[
            ("Roomcast".into(), "#2457c5", "", cdf(&lat[0])),
            ("baseline (vanilla JS)".into(), "#b3261e", "", cdf(&lat[1])),
        ],
    )
}

/// The ingest timelines of both pages as an SVG: frames received and lines
/// in the DOM against the time since the first frame.
fn ingest_svg(timelines: &[Timeline; 2]) -> String {
    let x_max = timelines
        .iter()
        .flat_map(|t| t.received.iter().chain(&t.shown))
        .fold(1.0f64, |a, p| a.max(p.0));
    chart_svg(
        &format!(
            "Ingest: {INGEST_LINES} lines sent at once (x: ms since the first frame, y: lines)"
        ),
        (x_max, INGEST_LINES as f64),
        &[("Roomcast", "#2457c5"), ("baseline", "#b3261e")]
            .iter()
            .zip(timelines)
            .flat_map(|(&(page, color), t)| {
                [
                    (page, "frames received", color, "4 3", t.received.clone()),
                    (page, "lines in the DOM", color, "", t.shown.clone()),
                ]
            })
            .map(|(page, what, color, dash, points)| {
                (format!("{page}: {what}"), color, dash, points)
            })
            .collect::<Vec<_>>(),
    )
}

/// Prints the functions with the most self time in a CDP CPU profile.
fn print_profile(profile: &Value, what: &str) {
    let (start, end) = (num(&profile["startTime"]), num(&profile["endTime"]));
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let total: f64 = nodes.iter().map(|n| num(&n["hitCount"])).sum();
    let ms_per_hit = (end - start) / 1000.0 / total.max(1.0);
    let mut by_name: std::collections::HashMap<String, f64> = Default::default();
    for n in &nodes {
        let name = n["callFrame"]["functionName"].as_str().unwrap_or("?");
        let name = if name.is_empty() { "(anonymous)" } else { name };
        *by_name.entry(name.chars().take(110).collect()).or_default() +=
            num(&n["hitCount"]) * ms_per_hit;
    }
    let mut top: Vec<_> = by_name.into_iter().collect();
    top.sort_by(|x, y| y.1.total_cmp(&x.1));
    println!(
        "profile of the page over {:.0} ms ({what}):",
        (end - start) / 1000.0
    );
    for (name, ms) in top.iter().take(40) {
        println!("{ms:9.1} ms  {name}");
    }
}

/// One line of a chart: label, colour, dash pattern and points.
type Series<'a> = (String, &'a str, &'a str, Vec<(f64, f64)>);

/// A line chart: `series` of (label, colour, dash pattern, points) on axes
/// from 0 to `max` (x, y).
fn chart_svg(title: &str, max: (f64, f64), series: &[Series]) -> String {
    let (w, h, pad) = (640.0, 360.0, 48.0);
    let mut svg = format!(
        "<svg xmlns='http://www.w3.org/2000/svg' width='{w}' height='{h}' font-family='sans-serif' font-size='12'>\
         <rect width='100%' height='100%' fill='white'/>\
         <text x='{pad}' y='20'>{title}</text>\
         <line x1='{pad}' y1='{}' x2='{}' y2='{}' stroke='black'/><line x1='{pad}' y1='{pad}' x2='{pad}' y2='{}' stroke='black'/>",
        h - pad, w - pad, h - pad, h - pad
    );
    for i in 0..=4 {
        let x = pad + (w - 2.0 * pad) * f64::from(i) / 4.0;
        let y = h - pad - (h - 2.0 * pad) * f64::from(i) / 4.0;
        svg += &format!(
            "<text x='{x}' y='{}' text-anchor='middle'>{}</text><text x='{}' y='{y}' text-anchor='end'>{}</text>",
            h - pad + 16.0,
            tick(max.0 * f64::from(i) / 4.0),
            pad - 4.0,
            tick(max.1 * f64::from(i) / 4.0),
        );
    }
    for (i, (label, color, dash, points)) in series.iter().enumerate() {
        let points: String = points
            .iter()
            .map(|(x, y)| {
                let x = pad + (w - 2.0 * pad) * (x / max.0);
                let y = h - pad - (h - 2.0 * pad) * (y / max.1);
                format!("{x:.1},{y:.1} ")
            })
            .collect();
        svg += &format!(
            "<polyline fill='none' stroke='{color}' stroke-width='2' stroke-dasharray='{dash}' points='{points}'/>\
             <text x='{}' y='{}' fill='{color}'>{label}</text>",
            w - 240.0,
            h - pad - 10.0 - 16.0 * (series.len() - 1 - i) as f64,
        );
    }
    svg + "</svg>"
}

/// An axis label: whole numbers as such, fractions with two decimals.
fn tick(v: f64) -> String {
    if v.fract() == 0.0 || v >= 10.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// Starts the load server on its own thread; returns its address.
fn spawn_load_server() -> Result<String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let load = listener.local_addr()?.to_string();
    listener.set_nonblocking(true)?;
    std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
        {
            runtime.block_on(load_server(listener));
        }
    });
    Ok(load)
}

/// The Chromium options of `webdriver.json`.
fn chrome_options() -> Result<Value> {
    Ok(
        serde_json::from_str::<Value>(&std::fs::read_to_string(root().join("webdriver.json"))?)?
            ["goog:chromeOptions"]
            .take(),
    )
}

/// Floods (`/flood?n=N[&extra=1]`: N lines after 800 ms, then `b done`, and
/// `b extra` 500 ms after the client sends "more") or relays (`/relay`: every
/// text to every client).
async fn load_server(listener: std::net::TcpListener) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let (relay, _) = tokio::sync::broadcast::channel::<String>(65_536);
    while let Ok((stream, _)) = listener.accept().await {
        let relay = relay.clone();
        tokio::spawn(async move {
            let mut path = String::new();
            // tungstenite's callback type fixes the large error variant.
            #[allow(clippy::result_large_err)]
            let callback = |req: &Request, resp| {
                path = req.uri().to_string();
                Ok(resp)
            };
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            if path.starts_with("/soak") {
                let n = path
                    .split(['?', '&'])
                    .find_map(|p| p.strip_prefix("n="))
                    .and_then(|v| v.parse::<usize>().ok())
                    .unwrap_or(soak::SOAK_LINES);
                soak::serve(tx, rx, n).await;
            } else if path.starts_with("/flood") {
                let arg = |k: &str| {
                    path.split(['?', '&'])
                        .find_map(|p| p.strip_prefix(&format!("{k}=")))
                        .and_then(|v| v.parse::<usize>().ok())
                };
                tokio::time::sleep(Duration::from_millis(800)).await;
                for i in 1..=arg("n").unwrap_or(1000) {
                    if tx
                        .feed(Message::Text(format!("b {i}").into()))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                let _ = tx.send(Message::Text("b done".into())).await;
                // One more line when the page asks for it (it has caught up
                // with the flood), half a second later.
                while let Some(Ok(frame)) = rx.next().await {
                    if arg("extra").is_some()
                        && matches!(&frame, Message::Text(t) if t.contains("more"))
                    {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        let _ = tx.send(Message::Text("b extra".into())).await;
                    }
                }
            } else {
                let mut sub = relay.subscribe();
                loop {
                    tokio::select! {
                        frame = rx.next() => match frame {
                            Some(Ok(Message::Text(t))) => { let _ = relay.send(t.to_string()); }
                            Some(Ok(_)) => {}
                            _ => return,
                        },
                        line = sub.recv() => match line {
                            Ok(line) => if tx.send(Message::Text(line.into())).await.is_err() { return },
                            Err(_) => return,
                        },
                    }
                }
            }
        });
    }
}

/// `cargo xtask bench profile`: a CPU profile of the receiving Roomcast page
/// in the latency scenario, printed as the functions with the most self time.
/// The client is built with wasm function names kept (wasm-opt `-g`).
pub fn profile(page: Page, ingest: bool, history: bool) -> Result<()> {
    tools::ensure()?;
    let out = root().join("target/bench");
    let dist = out.join("profile-dist");
    let html = root().join(".profile.html");
    let index = std::fs::read_to_string(root().join("index.html"))?;
    std::fs::write(
        &html,
        index.replace("data-wasm-opt-params=\"", "data-wasm-opt-params=\"-g "),
    )?;
    tools::step("building the client with function names");
    let built = crate::run(std::process::Command::new("trunk").args([
        "build",
        "--offline",
        "--release",
        "--dist",
        &dist.to_string_lossy(),
        ".profile.html",
    ]));
    std::fs::remove_file(&html)?;
    built?;
    std::fs::copy(
        root().join("bench/baseline.html"),
        dist.join("bench-baseline.html"),
    )?;
    let server_bin = crate::build_server()?;
    let server = Server::start_serving(&server_bin, &dist, &[], &out.join("server.log"))?;
    let load = spawn_load_server()?;
    let chrome = chrome_options()?;
    let driver = Driver::start(&tools::chromedriver()?)?;
    let env = Env {
        driver: &driver,
        chrome: &chrome,
        origin: format!("http://{}", server.addr),
        load,
    };
    let traced = |server: &str| -> Result<Session> {
        let s = env.driver.traced_session(env.chrome)?;
        s.on_new_document(INSTRUMENT)?;
        s.goto(&match page {
            Page::Roomcast => format!("{}/?server={server}&protocol=text&name=bench", env.origin),
            Page::Baseline => format!("{}/bench-baseline.html?server={server}", env.origin),
        })?;
        Ok(s)
    };
    if history {
        // One more line after 100,000: profiled from the end of the flood.
        let s = env.open(
            page,
            &format!("ws://{}/flood?n={HISTORY_LINES}&extra=1", env.load),
        )?;
        wait_for(&s, "done", Duration::from_secs(300))?;
        std::thread::sleep(Duration::from_secs(1));
        s.cdp("Profiler.enable", serde_json::json!({}))?;
        s.cdp(
            "Profiler.setSamplingInterval",
            serde_json::json!({"interval": 50}),
        )?;
        s.cdp("Profiler.start", serde_json::json!({}))?;
        send_text(&s, page, "more")?;
        let b = wait_for(&s, "extra", Duration::from_secs(30))?;
        let profile = s.cdp("Profiler.stop", serde_json::json!({}))?;
        print_profile(
            &profile["profile"],
            "from the end of the flood to one more line",
        );
        println!(
            "one more line: {:.1} ms",
            num(&b["seen"]["extra"]) - num(&b["lastFrame"])
        );
        return Ok(());
    }
    if ingest {
        // The ingest scenario, traced: where its long tasks go.
        let s = traced(&format!("ws://{}/flood?n={INGEST_LINES}", env.load))?;
        // The flood starts 800 ms after the connection opens.
        s.cdp("Profiler.enable", serde_json::json!({}))?;
        s.cdp("Profiler.start", serde_json::json!({}))?;
        let b = wait_for(&s, "done", Duration::from_secs(120))?;
        std::thread::sleep(Duration::from_secs(2));
        let profile = s.cdp("Profiler.stop", serde_json::json!({}))?;
        print_profile(&profile["profile"], "start-up, ingest and 2 s after");
        println!(
            "after ingest: {}",
            s.exec("return { lines: document.querySelectorAll('[role=log] li').length, jump: !!document.querySelector('.jump') };")?
        );
        std::fs::write(
            out.join("ingest-trace.json"),
            serde_json::to_string(&s.trace()?)?,
        )?;
        println!(
            "ingest {:.0} ms; long tasks (start since the first frame, ms): {}; trace in target/bench/ingest-trace.json",
            num(&b["seen"]["done"]) - num(&b["firstFrame"]),
            s.exec("return JSON.stringify(window.__bench.longTasks);")?
        );
        return Ok(());
    }
    let relay = format!("ws://{}/relay", env.load);
    let a = env.open(page, &relay)?;
    let b = traced(&relay)?;
    for s in [&a, &b] {
        wait_for(s, "connected", Duration::from_secs(20))?;
    }
    // Fill the window first, then profile the steady state.
    let send = |n: usize| send_lines(&a, page, n);
    let wait = |n: usize| {
        b.exec_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const check = () => window.__bench.lat.length >= {n} ? done(null) : setTimeout(check, 50);
                 check();"
            ),
            60_000,
        )
    };
    send(250)?;
    wait(250)?;
    b.cdp("Profiler.enable", serde_json::json!({}))?;
    b.cdp(
        "Profiler.setSamplingInterval",
        serde_json::json!({"interval": 100}),
    )?;
    b.cdp("Performance.enable", serde_json::json!({}))?;
    let metrics = || -> Result<std::collections::HashMap<String, f64>> {
        let m = b.cdp("Performance.getMetrics", serde_json::json!({}))?;
        Ok(m["metrics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| {
                        (
                            m["name"].as_str().unwrap_or("").to_string(),
                            num(&m["value"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    };
    let idle = metrics()?;
    std::thread::sleep(Duration::from_secs(3));
    let now = metrics()?;
    println!(
        "idle for 3 s: {:.0} ms of tasks",
        (now["TaskDuration"] - idle["TaskDuration"]) * 1000.0
    );
    // The browser's own counters first, without the profiler's overhead.
    let before = metrics()?;
    send(250)?;
    wait(500)?;
    let after = metrics()?;
    println!("the receiving page's main thread over 250 lines (no profiler):");
    for name in [
        "TaskDuration",
        "ScriptDuration",
        "LayoutDuration",
        "RecalcStyleDuration",
        "LayoutCount",
        "RecalcStyleCount",
    ] {
        let d = after.get(name).copied().unwrap_or(f64::NAN)
            - before.get(name).copied().unwrap_or(f64::NAN);
        let shown = if name.ends_with("Duration") {
            format!("{:.0} ms", d * 1000.0)
        } else {
            format!("{d:.0}")
        };
        println!("  {name}: {shown}");
    }
    let mut by_event: std::collections::HashMap<String, (f64, usize)> = Default::default();
    let events = b.trace()?;
    std::fs::write(out.join("trace.json"), serde_json::to_string(&events)?)?;
    // The renderer's main thread: the thread of its "RunTask"s with most time.
    let mut threads: std::collections::HashMap<(i64, i64), f64> = Default::default();
    for e in &events {
        if e["name"] == "RunTask" {
            *threads
                .entry((
                    e["pid"].as_i64().unwrap_or(0),
                    e["tid"].as_i64().unwrap_or(0),
                ))
                .or_default() += num(&e["dur"]);
        }
    }
    let main = threads
        .into_iter()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|t| t.0);
    for e in &events {
        let at = (
            e["pid"].as_i64().unwrap_or(0),
            e["tid"].as_i64().unwrap_or(0),
        );
        if Some(at) == main && e["ph"] == "X" {
            let entry = by_event
                .entry(e["name"].as_str().unwrap_or("?").to_string())
                .or_default();
            entry.0 += num(&e["dur"]) / 1000.0;
            entry.1 += 1;
        }
    }
    let mut by_event: Vec<_> = by_event.into_iter().collect();
    by_event.sort_by(|x, y| y.1 .0.total_cmp(&x.1 .0));
    println!(
        "main-thread trace events since the page opened (inclusive ms, count; {} events):",
        events.len()
    );
    for (name, (ms, n)) in by_event.iter().take(25) {
        println!("  {ms:9.1} ms {n:6}  {name}");
    }
    b.cdp("Profiler.start", serde_json::json!({}))?;
    send(250)?;
    wait(750)?;
    let profile = b.cdp("Profiler.stop", serde_json::json!({}))?;
    print_profile(&profile["profile"], "250 lines at 50/s");
    let moves = b.exec(
        "const c = { added: {}, removed: {}, attrs: 0, text: 0 };
         const o = new MutationObserver(ms => { for (const m of ms) {
           for (const n of m.addedNodes) c.added[n.nodeName] = (c.added[n.nodeName] || 0) + 1;
           for (const n of m.removedNodes) c.removed[n.nodeName] = (c.removed[n.nodeName] || 0) + 1;
           if (m.type === 'attributes') c.attrs++; if (m.type === 'characterData') c.text++; } });
         o.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
         window.__moves = c; return null;",
    )?;
    let _ = moves;
    send(20)?;
    wait(770)?;
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "DOM mutations for 20 lines: {}",
        b.exec("return window.__moves;")?
    );
    println!(
        "following the bottom: {}",
        b.exec("return !document.querySelector('.jump');")?
    );
    drop(server);
    Ok(())
}
