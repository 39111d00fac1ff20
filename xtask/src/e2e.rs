//! End-to-end scenarios: real headless Chromium sessions, driven over
//! WebDriver, using the release build served by the real reference server.

use crate::hostile::{self, HostileServer};
use crate::peers::Peer;
use crate::proxy::Proxy;
use crate::server::Server;
use crate::webdriver::{Driver, Session};
use crate::Result;
use serde_json::Value;
use std::{
    cell::RefCell,
    path::Path,
    time::{Duration, Instant},
};

mod socketio;
mod storage;

const ENTER: &str = "\u{E007}";
const COMPOSER: &str = "textarea[aria-label=Message]";

/// What a page shows: its status and its log lines.
struct View {
    status: String,
    lines: Vec<(String, String, String)>, // (class, from, text)
}

impl View {
    fn count(&self, text: &str) -> usize {
        self.lines.iter().filter(|l| l.2 == text).count()
    }
    fn line(&self, text: &str) -> Option<&(String, String, String)> {
        self.lines.iter().find(|l| l.2 == text)
    }
}

fn view(s: &Session) -> Result<View> {
    let v = s.exec(
        "const t = (e, s) => e.querySelector(s)?.textContent ?? '';
         return { status: t(document, '[role=status]'),
                  lines: [...document.querySelectorAll('[role=log] li')]
                    .map(li => [li.className, t(li, '.from'), t(li, '.text')]) };",
    )?;
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(View {
        status: s(&v["status"]),
        lines: v["lines"]
            .as_array()
            .map(|a| a.iter().map(|l| (s(&l[0]), s(&l[1]), s(&l[2]))).collect())
            .unwrap_or_default(),
    })
}

/// Pages the windowed log back ("Show earlier") until every line is in the DOM.
fn show_all(s: &Session) -> Result<()> {
    s.exec_async(
        "const done = arguments[arguments.length - 1];
         const step = () => {
           const more = document.querySelector('[role=log] .earlier button');
           if (!more) return done(null);
           more.click();
           // As a reader paging back would be: at the top, not following the bottom.
           document.querySelector('[role=log]').scrollTop = 0;
           requestAnimationFrame(() => requestAnimationFrame(step));
         };
         step();",
        30_000,
    )
    .map(drop)
}

fn wait_view(s: &Session, what: &str, ok: impl Fn(&View) -> bool) -> Result<View> {
    wait_view_for(s, what, Duration::from_secs(10), ok)
}

fn wait_view_for(
    s: &Session,
    what: &str,
    limit: Duration,
    ok: impl Fn(&View) -> bool,
) -> Result<View> {
    s.wait(what, limit, |s| view(s).map(|v| ok(&v).then_some(v)))
        .map_err(|e| {
            format!(
                "{e}; page showed: {:?}",
                view(s).map(|v| (v.status, v.lines)).ok()
            )
            .into()
        })
}

fn ensure(cond: bool, what: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(what().into())
    }
}

/// Installed before the page's own scripts: records uncaught errors,
/// console errors, CSP violations and the longest main-thread task.
const WATCH: &str = "
  window.__e2e = { errors: [], csp: [], longest: 0 };
  addEventListener('error', e => __e2e.errors.push('error: ' + e.message));
  addEventListener('unhandledrejection', e => __e2e.errors.push('rejection: ' + e.reason));
  document.addEventListener('securitypolicyviolation',
    e => __e2e.csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')));
  const consoleError = console.error;
  console.error = (...args) => { __e2e.errors.push('console.error: ' + args.join(' ')); consoleError(...args); };
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) __e2e.longest = Math.max(__e2e.longest, e.duration);
  }).observe({ type: 'longtask', buffered: true });
";

/// A session whose pages are watched by [`WATCH`].
fn watched(env: &Env) -> Result<Session> {
    let s = env.driver.session(env.chrome)?;
    s.on_new_document(WATCH)?;
    Ok(s)
}

/// What [`WATCH`] saw: (errors, CSP violations, longest task in ms).
fn watch_report(s: &Session) -> Result<(Vec<String>, Vec<String>, f64)> {
    let v = s.exec("return window.__e2e ?? null")?;
    let list = |key: &str| -> Vec<String> {
        v[key]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap_or("?").to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    ensure(v.is_object(), || "the watch script did not run".into())?;
    Ok((
        list("errors"),
        list("csp"),
        v["longest"].as_f64().unwrap_or(0.0),
    ))
}

pub struct Env<'a> {
    pub driver: &'a Driver,
    pub chrome: &'a Value,
    /// `http://127.0.0.1:PORT` of the reference server serving `dist/`.
    pub origin: &'a str,
    pub artifacts: &'a Path,
    /// The server behind `origin`, for scenarios that kill or freeze it.
    pub server: RefCell<Server>,
}

fn join(env: &Env, name: &str) -> Result<Session> {
    let s = env.driver.session(env.chrome)?;
    // No `server=`: the page must find the same origin's /ws by itself.
    s.goto(&format!("{}/?name={name}", env.origin))?;
    wait_view(&s, &format!("{name} connected"), |v| {
        v.status.contains("Connected") && v.status.contains(&format!("as {name}"))
    })?;
    Ok(s)
}

/// Sends `text` from `from` and checks that `from` sees it once, delivered,
/// and every one of `to` sees it once, under `from_name`.
fn say(from: &Session, from_name: &str, to: &[&Session], text: &str) -> Result<()> {
    from.type_into(COMPOSER, &format!("{text}{ENTER}"))?;
    let mine = wait_view(from, &format!("{text:?} delivered"), |v| {
        v.line(text).is_some_and(|l| l.0.contains("delivered"))
    })?;
    ensure(mine.count(text) == 1, || {
        format!("sender shows {text:?} {} times", mine.count(text))
    })?;
    for peer in to {
        let theirs = wait_view(peer, &format!("{text:?} received"), |v| v.count(text) > 0)?;
        ensure(theirs.count(text) == 1, || {
            format!("peer shows {text:?} {} times", theirs.count(text))
        })?;
        let line = theirs.line(text).cloned().unwrap_or_default();
        ensure(line.0.contains("peer") && line.1 == from_name, || {
            format!("peer shows {text:?} as {line:?}, not from {from_name}")
        })?;
    }
    Ok(())
}

/// Two browsers chat both ways; each sees each line once, with the right sender.
pub fn two_browsers_chat(env: &Env) -> Result<()> {
    let alice = join(env, "alice")?;
    let bob = join(env, "bob")?;
    wait_view(&alice, "bob's arrival", |v| {
        v.lines.iter().any(|l| l.2 == "bob joined.")
    })?;
    say(&alice, "alice", &[&bob], "hello from alice")?;
    say(&bob, "bob", &[&alice], "hi alice, bob here")?;
    let presence = alice.exec("return document.querySelector('.presence')?.textContent ?? ''")?;
    ensure(
        presence
            .as_str()
            .is_some_and(|p| p.contains("alice") && p.contains("bob")),
        || format!("presence shows {presence}"),
    )?;
    alice.screenshot(&env.artifacts.join("two-browsers-alice.png"))?;
    Ok(())
}

/// A message typed while disconnected waits, visibly, and goes out once on reconnect.
pub fn typed_offline_is_sent_once_on_reconnect(env: &Env) -> Result<()> {
    let carol = join(env, "carol")?;
    let dave = join(env, "dave")?;
    carol.click(".connect button[type=button]")?; // Disconnect
    wait_view(&carol, "Disconnected", |v| {
        v.status.starts_with("Disconnected")
    })?;
    let typed = vec!["written while away".to_string()];
    type_while_away(&carol, &typed)?;
    carol.click(".connect button[type=submit]")?; // Connect
    wait_view(&carol, "delivered after reconnect", |v| {
        v.line(&typed[0]).is_some_and(|l| l.0.contains("delivered"))
    })?;
    receives_exactly(&dave, "written while away", &typed)
}

/// A user's connection is cut (no close frame) while another writes 20 lines;
/// when the network is back, the first user's log has all 20, once each, in
/// order (resumed from the last seq seen).
pub fn missed_lines_arrive_after_an_outage(env: &Env) -> Result<()> {
    let upstream = env.server.borrow().addr.clone();
    let proxy = Proxy::start(&upstream)?;
    let ivy = visit(
        env,
        "ivy",
        &format!("ws://127.0.0.1:{}/ws", proxy.port),
        "auto",
    )?;
    let jon = join(env, "jon")?;
    proxy.cut();
    wait_view(&ivy, "ivy losing the connection", |v| {
        v.status.starts_with("Reconnecting")
    })?;
    let typed: Vec<String> = (1..=20)
        .map(|i| format!("while ivy was away {i}"))
        .collect();
    for line in &typed {
        jon.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
    }
    wait_view(&jon, "jon's 20 lines delivered", |v| {
        v.count(&typed[19]) == 1 && all_delivered(v)
    })?;
    proxy.restore();
    receives_exactly(&ivy, "while ivy was away", &typed)
}

/// A burst of 20,000 lines: every one is processed, in order, and the log's
/// DOM stays bounded (the windowed list), so the page stays light.
pub fn burst_keeps_the_dom_bounded(env: &Env) -> Result<()> {
    const LINES: usize = 20_000;
    let peer = Peer::start_with("node", "flood.js", &[&LINES.to_string()])?;
    let started = Instant::now();
    let s = visit(env, "kay", &ws_url(&peer, ""), "text")?;
    wait_view_for(
        &s,
        "the last line of the burst",
        Duration::from_secs(60),
        |v| v.count("flood done") == 1,
    )?;
    let elapsed = started.elapsed();
    let shown = s.exec(
        "const lines = [...document.querySelectorAll('[role=log] li .text')].map(e => e.textContent);
         return { elements: document.querySelectorAll('[role=log] *').length,
                  all: document.querySelectorAll('*').length,
                  lines, earlier: document.querySelector('[role=log] .earlier')?.textContent ?? '' };",
    )?;
    let elements = shown["elements"].as_u64().unwrap_or(u64::MAX);
    let lines: Vec<&str> = shown["lines"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    eprintln!(
        "    burst: {LINES} lines shown in {:.1} s (with page load); log DOM {elements} elements, page {}",
        elapsed.as_secs_f64(),
        shown["all"]
    );
    ensure(elements <= 2_000, || {
        format!("the log has {elements} elements for {LINES} lines")
    })?;
    // The window holds the newest lines, in order, with nothing lost before them.
    let tail: Vec<String> = (LINES - lines.len() + 2..=LINES)
        .map(|i| format!("flood {i}"))
        .collect();
    ensure(
        lines.len() > 100 && lines[..lines.len() - 1] == tail[..],
        || {
            format!(
                "window: {:?} … {:?}",
                &lines[..3.min(lines.len())],
                lines.last()
            )
        },
    )?;
    let earlier = shown["earlier"].as_str().unwrap_or_default();
    // Every frame became a line: the ones before the window are all counted.
    let before = LINES + 1 - lines.len();
    ensure(
        earlier.contains(&format!("Show earlier messages ({before} more)")),
        || format!("earlier lines: {earlier:?}, expected {before}"),
    )
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// The widths of the decoded images in the log's peer / own lines.
fn image_widths(s: &Session, class: &str) -> Result<Vec<u64>> {
    let v = s.exec(&format!(
        "return [...document.querySelectorAll('[role=log] li.{class} img.inline')]
           .filter(i => i.complete).map(i => i.naturalWidth);"
    ))?;
    Ok(v.as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default())
}

/// An image attached with the file picker goes as one binary frame: the
/// other side shows it inline, the sender's copy is delivered, not doubled.
pub fn image_sent_as_a_file(env: &Env) -> Result<()> {
    let path = env.artifacts.join("dot.png");
    std::fs::write(&path, PNG)?;
    let gil = join(env, "gil")?;
    let hal = join(env, "hal")?;
    gil.type_into(".composer input[type=file]", &path.to_string_lossy())?;
    hal.wait("the image at hal", Duration::from_secs(10), |s| {
        image_widths(s, "peer").map(|w| (w == [1]).then_some(()))
    })?;
    wait_view(&gil, "gil's file delivered", |v| {
        v.lines.iter().any(|l| l.0.contains("own delivered"))
    })?;
    let own = image_widths(&gil, "own")?;
    ensure(own == [1] && image_widths(&gil, "peer")?.is_empty(), || {
        format!("gil shows own images {own:?} and peer copies")
    })
}

/// The page's strict CSP holds through a whole session: connect, chat with a
/// link, an image sent as a file (a blob: URL), a server restart and the
/// reconnection, with no violation reported. Then a positive control: an
/// inline script is refused and reported, so the listener does hear violations.
pub fn csp_holds_through_a_session(env: &Env) -> Result<()> {
    let path = env.artifacts.join("dot.png");
    std::fs::write(&path, PNG)?;
    let watch_join = |name: &str| -> Result<Session> {
        let s = watched(env)?;
        s.goto(&format!("{}/?name={name}", env.origin))?;
        wait_view(&s, &format!("{name} connected"), |v| {
            v.status.contains("Connected")
        })?;
        Ok(s)
    };
    let (ann, ben) = (watch_join("ann")?, watch_join("ben")?);
    say(
        &ann,
        "ann",
        &[&ben],
        "see https://example.org/docs?q=1 and <b>this</b>",
    )?;
    ann.type_into(".composer input[type=file]", &path.to_string_lossy())?;
    ben.wait("the image at ben", Duration::from_secs(10), |s| {
        image_widths(s, "peer").map(|w| (w == [1]).then_some(()))
    })?;
    env.server.borrow_mut().restart()?;
    wait_view(&ben, "ben back after the restart", |v| {
        v.status.contains("Connected")
    })?;
    say(&ben, "ben", &[&ann], "back again")?;
    let link = ben.exec(
        "const a = document.querySelector('[role=log] a');
         return a ? [a.getAttribute('href'), a.rel, a.target] : null;",
    )?;
    ensure(
        link == serde_json::json!([
            "https://example.org/docs?q=1",
            "noopener noreferrer nofollow",
            "_blank"
        ]),
        || format!("the link renders as {link}"),
    )?;
    for (name, s) in [("ann", &ann), ("ben", &ben)] {
        let (errors, csp, _) = watch_report(s)?;
        ensure(csp.is_empty() && errors.is_empty(), || {
            format!("{name}: CSP violations {csp:?}, errors {errors:?}")
        })?;
    }
    // Positive control: an inline script inserted into the page is refused
    // and reported, so a silent listener means a clean session.
    ann.exec(
        "const s = document.createElement('script');
         s.textContent = 'window.__inline_ran = true';
         document.head.append(s);
         return null;",
    )?;
    let (_, csp, _) = ann.wait("the inline-script violation", Duration::from_secs(5), |s| {
        watch_report(s).map(|r| (!r.1.is_empty()).then_some(r))
    })?;
    let ran = ann.exec("return window.__inline_ran ?? false")?;
    ensure(
        ran == false && csp.iter().any(|v| v.starts_with("script-src")),
        || format!("the policy is not in force: inline script ran {ran}, violations {csp:?}"),
    )?;
    crate::figure("csp: a full session (chat, link, image, server restart) with 0 violations; an inserted inline script refused and reported".into());
    Ok(())
}

/// A misbehaving server sends the whole hostile corpus (giant frames, broken
/// and deep JSON, markup and javascript: URLs in every field, control and
/// bidi characters), a burst of 10,000 frames and a text frame that is not
/// UTF-8. The page stays alive and reconnects (the last ordinary line shows),
/// no script ran, no error reached the console, nothing froze for a second,
/// and giant content shows clipped with its size.
pub fn hostile_server_cannot_break_the_page(env: &Env) -> Result<()> {
    let server = HostileServer::start()?;
    let s = watched(env)?;
    let started = Instant::now();
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:{}/&name=target&protocol=auto",
        env.origin, server.port
    ))?;
    wait_view_for(&s, "the last ordinary line", Duration::from_secs(60), |v| {
        v.count(hostile::LAST_LINE) >= 1
    })?;
    let survived = started.elapsed();
    let page = s.exec(
        "const log = document.querySelector('[role=log]');
         const texts = [...log.querySelectorAll('li')].map(e => e.textContent);
         return {
           pwned: window.__pwned ?? null,
           bad_elements: [...log.querySelectorAll('script, iframe, svg, object, embed, img:not(.inline), [onerror], [onload], [onclick], [style]')].map(e => e.outerHTML.slice(0, 80)),
           bad_links: [...log.querySelectorAll('a')].map(a => a.getAttribute('href')).filter(h => !/^(https?:|mailto:)/i.test(h)),
           links_without_rel: [...log.querySelectorAll('a')].filter(a => !/noopener/.test(a.rel) || !/noreferrer/.test(a.rel)).length,
           longest: Math.max(0, ...texts.map(t => t.length)),
           clipped_5mib: texts.filter(t => t.includes('[truncated: 8 KiB of 5 MiB]')).length,
           binary_16mib: texts.filter(t => t.includes('16777216 bytes')).length,
           first_frame_shown: texts.some(t => t.includes('\"from\":\"a\",\"te')),
           tail: texts.slice(-8).map(t => t.slice(0, 120)),
           alive: !!document.querySelector('textarea[aria-label=Message]') && !document.querySelector('.crash'),
         };",
    )?;
    let (errors, csp, longest) = watch_report(&s)?;
    ensure(page["pwned"].is_null(), || {
        "a script from the wire ran".into()
    })?;
    ensure(page["bad_elements"] == serde_json::json!([]), || {
        format!(
            "markup from the wire became elements: {}",
            page["bad_elements"]
        )
    })?;
    ensure(
        page["bad_links"] == serde_json::json!([]) && page["links_without_rel"] == 0,
        || {
            format!(
                "unsafe links: {} ({} without noopener noreferrer)",
                page["bad_links"], page["links_without_rel"]
            )
        },
    )?;
    ensure(errors.is_empty() && csp.is_empty(), || {
        format!("errors {errors:?}, CSP violations {csp:?}")
    })?;
    ensure(longest < 1000.0, || {
        format!("the page froze for {longest} ms")
    })?;
    let longest_text = page["longest"].as_u64().unwrap_or(u64::MAX);
    ensure(longest_text < 9_000, || {
        format!("a line of {longest_text} characters was rendered whole")
    })?;
    ensure(
        page["clipped_5mib"].as_u64() >= Some(1) && page["binary_16mib"].as_u64() >= Some(1),
        || format!("giant frames not shown clipped with their size: {page}"),
    )?;
    ensure(
        page["first_frame_shown"] == true && page["alive"] == true,
        || format!("the corpus is not all in view, or the page is not alive: {page}"),
    )?;
    // The whole burst is in the log, its end included: searching finds all
    // 10,000 lines, and "burst 10000" exactly once.
    for (term, want) in [("burst ", "10000 of "), ("burst 10000", "1 of ")] {
        s.exec(&format!(
            "const box = document.querySelector('input[type=search]');
             box.value = '{term}';
             box.dispatchEvent(new InputEvent('input', {{ bubbles: true }}));
             return null;"
        ))?;
        let found = s.wait(
            &format!("the search for {term:?}"),
            Duration::from_secs(10),
            |s| {
                let m = js(s, "document.querySelector('.matches')?.textContent ?? ''")?;
                Ok(m.as_str().filter(|m| m.starts_with(want)).map(String::from))
            },
        );
        ensure(found.is_ok(), || {
            format!(
                "searching {term:?} does not show {want:?}…: {:?}",
                js(&s, "document.querySelector('.matches')?.textContent ?? ''").ok()
            )
        })?;
    }
    let sent = server.sent.load(std::sync::atomic::Ordering::Relaxed);
    crate::figure(format!(
        "hostile: {sent} frames from a misbehaving server ({} in the corpus, a 10,000-frame burst, \
         invalid UTF-8), page alive after {:.1} s; longest task {longest:.0} ms; \
         0 scripts ran, 0 errors, 0 CSP violations",
        roomcast::protocol::hostile::corpus(false).len() + 3,
        survived.as_secs_f64()
    ));
    Ok(())
}

/// A server that is not there is explained, not just a dead page, and
/// retried with a countdown.
pub fn unreachable_server_is_explained(env: &Env) -> Result<()> {
    let s = env.driver.session(env.chrome)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:9/ws&name=eve",
        env.origin
    ))?;
    wait_view(&s, "the explanation and a retry", |v| {
        v.status.starts_with("Reconnecting") && v.lines.iter().any(|l| l.2.contains("never opened"))
    })?;
    Ok(())
}

/// Every own line delivered (nothing queued, sent or failed).
fn all_delivered(v: &View) -> bool {
    v.lines
        .iter()
        .all(|l| !l.0.contains("own") || l.0.contains("delivered"))
}

/// The texts of the log's lines that start with `prefix`, in order.
fn texts_with(v: &View, prefix: &str) -> Vec<String> {
    v.lines
        .iter()
        .filter(|l| l.2.starts_with(prefix))
        .map(|l| l.2.clone())
        .collect()
}

/// Types each line (Enter sends it) into a page that is not connected and
/// waits until all of them show as queued.
fn type_while_away(s: &Session, lines: &[String]) -> Result<()> {
    for line in lines {
        s.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
    }
    wait_view(s, "the lines queued", |v| {
        lines
            .iter()
            .all(|t| v.line(t).is_some_and(|l| l.0.contains("queued")))
    })
    .map(drop)
}

/// Waits until `peer` shows as many lines starting with `prefix` as were
/// typed, then checks they are exactly those, once each, in order.
fn receives_exactly(peer: &Session, prefix: &str, typed: &[String]) -> Result<()> {
    let got = wait_view(peer, &format!("{} lines {prefix:?}", typed.len()), |v| {
        v.status.contains("Connected") && texts_with(v, prefix).len() >= typed.len()
    })?;
    let received = texts_with(&got, prefix);
    ensure(received == typed, || {
        format!("received {received:?}, typed {typed:?}")
    })
}

/// The server is killed while alice types three messages: she sees
/// Reconnecting, then Connected, and bob gets the three once each, in order.
pub fn server_killed_while_typing(env: &Env) -> Result<()> {
    let ann = join(env, "ann")?;
    let ben = join(env, "ben")?;
    env.server.borrow_mut().stop("KILL")?;
    wait_view(&ann, "Reconnecting", |v| {
        v.status.starts_with("Reconnecting")
    })?;
    let typed: Vec<String> = (1..=3)
        .map(|i| format!("typed during the outage {i}"))
        .collect();
    type_while_away(&ann, &typed)?;
    env.server.borrow_mut().restart()?;
    wait_view(&ann, "Connected and delivered", |v| {
        v.status.contains("Connected") && v.count(&typed[2]) == 1 && all_delivered(v)
    })?;
    receives_exactly(&ben, "typed during the outage", &typed)
}

/// A server that stops answering without closing (frozen) is found dead by
/// the heartbeat, and the room comes back when it thaws.
pub fn frozen_server_is_noticed(env: &Env) -> Result<()> {
    let fay = join(env, "fay")?;
    env.server.borrow().signal("STOP")?;
    let verdict = wait_view(&fay, "the heartbeat verdict", |v| {
        v.status.starts_with("Reconnecting") && v.lines.iter().any(|l| l.2.contains("No heartbeat"))
    });
    env.server.borrow().signal("CONT")?;
    verdict?;
    wait_view_for(&fay, "Connected again", Duration::from_secs(20), |v| {
        v.status.contains("Connected")
    })?;
    Ok(())
}

/// Messages typed while disconnected survive a page reload and go out once,
/// in order, when the reloaded page connects.
pub fn unsent_survive_a_reload(env: &Env) -> Result<()> {
    let cy = join(env, "cy")?;
    let di = join(env, "di")?;
    cy.click(".connect button[type=button]")?; // Disconnect
    wait_view(&cy, "Disconnected", |v| v.status == "Disconnected")?;
    let typed: Vec<String> = (1..=2)
        .map(|i| format!("kept across the reload {i}"))
        .collect();
    type_while_away(&cy, &typed)?;
    cy.exec("location.reload(); return null;")?;
    wait_view(&cy, "restored and delivered", |v| {
        v.status.contains("Connected") && typed.iter().all(|t| v.count(t) == 1) && all_delivered(v)
    })?;
    receives_exactly(&di, "kept across the reload", &typed)
}

/// Undoes a disruption when its time is up.
type Heal<'e> = Box<dyn FnOnce() -> Result<()> + 'e>;

/// A small xorshift for random moments (seeded from the clock).
struct Jitter(u64);

impl Jitter {
    /// Seeded from `ROOMCAST_CHAOS_SEED` to replay a run, else from the
    /// clock; the seed is printed either way.
    fn new(what: &str) -> Self {
        let seed = std::env::var("ROOMCAST_CHAOS_SEED")
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            })
            | 1;
        crate::figure(format!(
            "{what}: seed {seed} (replay with ROOMCAST_CHAOS_SEED={seed})"
        ));
        Jitter(seed)
    }
    fn ms(&mut self, lo: u64, hi: u64) -> Duration {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        Duration::from_millis(lo + self.0 % (hi - lo))
    }
}

/// Two clients each type a line every 200 ms while `disrupt` breaks things
/// `events` times at random moments (each disruption returns how long it
/// lasts and how to heal it), within `limit`. Then, once both settle, each
/// must have received every line the other typed exactly once, in order, and
/// have every own line delivered (nobody stuck needing a reload).
fn chaos<'e>(
    what: &str,
    (a, b): (&Session, &Session),
    events: usize,
    limit: Duration,
    mut disrupt: impl FnMut(usize, &mut Jitter) -> Result<(Duration, Heal<'e>)>,
) -> Result<()> {
    let started = Instant::now();
    let mut jitter = Jitter::new(what);
    let (mut typed_a, mut typed_b) = (Vec::new(), Vec::new());
    let mut done = 0;
    let mut next_event = Instant::now() + jitter.ms(800, 2000);
    let mut healing: Option<(Instant, Heal)> = None;
    while done < events {
        let n = typed_a.len() + 1;
        for (session, name, typed) in [(a, "a", &mut typed_a), (b, "b", &mut typed_b)] {
            let line = format!("{what} {name} {n}");
            session.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
            typed.push(line);
        }
        std::thread::sleep(Duration::from_millis(200));
        let now = Instant::now();
        match healing.take() {
            Some((at, heal)) if now >= at => {
                heal()?;
                done += 1;
                next_event = now + jitter.ms(800, 2200);
            }
            Some(pending) => healing = Some(pending),
            None if now >= next_event => {
                let (lasts, heal) = disrupt(done, &mut jitter)?;
                healing = Some((now + lasts, heal));
            }
            None => {}
        }
        ensure(started.elapsed() < limit, || {
            format!("{what}: only {done} of {events} disruptions within {limit:?}")
        })?;
    }
    let chaos_time = started.elapsed();
    let settle = Duration::from_secs(45);
    let last_a = typed_a.last().cloned().unwrap_or_default();
    let last_b = typed_b.last().cloned().unwrap_or_default();
    wait_view_for(b, "a's last line and b delivered", settle, |v| {
        v.status.contains("Connected") && v.count(&last_a) > 0 && all_delivered(v)
    })?;
    wait_view_for(a, "b's last line and a delivered", settle, |v| {
        v.status.contains("Connected") && v.count(&last_b) > 0 && all_delivered(v)
    })?;
    // The log renders a window of the newest lines: page back to see them all.
    show_all(b)?;
    show_all(a)?;
    let (seen_by_b, seen_by_a) = (view(b)?, view(a)?);
    ensure(
        all_delivered(&seen_by_a) && all_delivered(&seen_by_b),
        || "an own line further back is not delivered".into(),
    )?;
    let got_b = texts_with(&seen_by_b, &format!("{what} a "));
    let got_a = texts_with(&seen_by_a, &format!("{what} b "));
    let dups =
        |got: &[String]| got.len() - got.iter().collect::<std::collections::HashSet<_>>().len();
    crate::figure(format!(
        "{what}: {done} disruptions survived in {:.0} s; a sent {}, b received {} \
         ({} duplicates); b sent {}, a received {} ({} duplicates)",
        chaos_time.as_secs_f64(),
        typed_a.len(),
        got_b.len(),
        dups(&got_b),
        typed_b.len(),
        got_a.len(),
        dups(&got_a),
    ));
    ensure(got_b == typed_a, || {
        format!("b's copy of a's lines differs: {got_b:?}")
    })?;
    ensure(got_a == typed_b, || {
        format!("a's copy of b's lines differs: {got_a:?}")
    })
}

/// The reference server is killed (no close frame) or stopped (1001) and
/// restarted 20 times at random moments within two minutes while two clients
/// type.
pub fn chaos_restarts(env: &Env) -> Result<()> {
    let a = join(env, "chaos-a")?;
    let b = join(env, "chaos-b")?;
    chaos(
        "chaos",
        (&a, &b),
        20,
        Duration::from_secs(120),
        |n, jitter| {
            env.server
                .borrow_mut()
                .stop(if n % 2 == 0 { "KILL" } else { "INT" })?;
            let heal: Heal = Box::new(|| env.server.borrow_mut().restart());
            Ok((jitter.ms(200, 1000), heal))
        },
    )
}

/// Each client reaches the server through its own TCP proxy, which cuts its
/// connection (no close frame, new ones refused for a while) or stalls it
/// (bytes stop, nothing closes: only the heartbeat can tell) at random
/// moments while both type.
pub fn chaos_network(env: &Env) -> Result<()> {
    let upstream = env.server.borrow().addr.clone();
    let (pa, pb) = (Proxy::start(&upstream)?, Proxy::start(&upstream)?);
    let via = |p: &Proxy| format!("ws://127.0.0.1:{}/ws", p.port);
    let a = visit(env, "net-a", &via(&pa), "auto")?;
    let b = visit(env, "net-b", &via(&pb), "auto")?;
    let (pa, pb) = (&pa, &pb);
    chaos(
        "network",
        (&a, &b),
        10,
        Duration::from_secs(120),
        |n, jitter| {
            let proxy = if n % 2 == 0 { pa } else { pb };
            if n % 4 < 2 {
                proxy.cut();
                let heal: Heal = Box::new(move || {
                    proxy.restore();
                    Ok(())
                });
                Ok((jitter.ms(300, 1500), heal))
            } else {
                proxy.stall();
                let heal: Heal = Box::new(move || {
                    proxy.release();
                    Ok(())
                });
                Ok((jitter.ms(2500, 4000), heal))
            }
        },
    )
}

/// Opens Roomcast on another server: `?server=…&name=…&protocol=…`.
fn visit(env: &Env, name: &str, server: &str, protocol: &str) -> Result<Session> {
    let s = env.driver.session(env.chrome)?;
    s.goto(&format!(
        "{}/?server={server}&name={name}&protocol={protocol}",
        env.origin
    ))?;
    wait_view(&s, &format!("{name} connected to {server}"), |v| {
        v.status.contains("Connected")
    })?;
    Ok(s)
}

fn peer_lines<'v>(
    v: &'v View,
    pred: impl Fn(&str) -> bool + 'v,
) -> impl Iterator<Item = &'v (String, String, String)> {
    v.lines
        .iter()
        .filter(move |l| l.0.contains("peer") && pred(&l.2))
}

/// `typed` from `from` reaches `to` once, as a line ending with `seen`; the
/// sender shows its own line once and never a second copy of it; with
/// `echoed`, the server's echo marks it delivered.
fn exchange(from: &Session, to: &Session, typed: &str, seen: &str, echoed: bool) -> Result<()> {
    from.type_into(COMPOSER, &format!("{typed}{ENTER}"))?;
    let theirs = wait_view(to, &format!("{seen:?} received"), |v| {
        peer_lines(v, |t| t.ends_with(seen)).count() > 0
    })?;
    let copies = peer_lines(&theirs, |t| t.ends_with(seen)).count();
    ensure(copies == 1, || format!("{seen:?} arrived {copies} times"))?;
    let mine = wait_view(from, &format!("{typed:?} shown as sent"), |v| {
        v.line(typed)
            .is_some_and(|l| l.0.contains(if echoed { "delivered" } else { "sent" }))
    })?;
    let own = mine
        .lines
        .iter()
        .filter(|l| l.0.contains("own") && l.2 == typed)
        .count();
    let doubled = peer_lines(&mine, |t| t == typed).count();
    ensure(own == 1 && doubled == 0, || {
        format!("the sender shows {typed:?} {own} times, plus {doubled} copies")
    })
}

fn ws_url(peer: &Peer, path: &str) -> String {
    format!("ws://127.0.0.1:{}{path}", peer.port)
}

/// The `ws` broadcast example: greeting shown, binary UTF-8 broadcasts as text,
/// each side's line once (local echo and server echo are one).
pub fn peer_ws_broadcast(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "ws-broadcast.js")?;
    let a = visit(env, "wa", &ws_url(&peer, ""), "auto")?;
    // ws picks the first subprotocol offered: the status shows what was negotiated.
    let b = visit(
        env,
        "wb&subprotocols=roomcast.test,other",
        &ws_url(&peer, ""),
        "auto",
    )?;
    let details =
        b.exec("return document.querySelector('.statusbar .details')?.textContent ?? ''")?;
    ensure(details == "subprotocol roomcast.test", || {
        format!("status details: {details}")
    })?;
    for s in [&a, &b] {
        wait_view(s, "the greeting", |v| {
            peer_lines(v, |t| t == "something").count() == 1
        })?;
    }
    exchange(&a, &b, "hello over ws", "hello over ws", true)?;
    exchange(&b, &a, "and back over ws", "and back over ws", true)
}

/// A `ws` server greeting with JSON that is not chat: shown as JSON, then text relayed.
pub fn peer_ws_json_greeting(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "ws-json-greeting.js")?;
    let (a, b) = (
        visit(env, "ja", &ws_url(&peer, ""), "auto")?,
        visit(env, "jb", &ws_url(&peer, ""), "auto")?,
    );
    wait_view(&a, "the JSON greeting", |v| {
        v.lines
            .iter()
            .any(|l| l.0.contains("json") && l.2.contains("\"attribute\": \"connected\""))
    })?;
    // This server relays to the others only: the sender's line stays "sent".
    exchange(
        &a,
        &b,
        "plain text to a JSON greeter",
        "plain text to a JSON greeter",
        false,
    )?;
    exchange(&b, &a, "and back", "and back", false)
}

/// The nodejs-websocket chat room: its rewritten lines show as they are.
pub fn peer_nodejs_websocket(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "nodejs-websocket-chat.js")?;
    let (a, b) = (
        visit(env, "na", &ws_url(&peer, ""), "auto")?,
        visit(env, "nb", &ws_url(&peer, ""), "auto")?,
    );
    wait_view(&a, "the arrival lines", |v| {
        peer_lines(v, |t| t.ends_with(" comes in")).count() == 2
    })?;
    exchange(&a, &b, "hi node", "says: hi node", false)?;
    exchange(&b, &a, "hi back", "says: hi back", false)
}

/// The socket.io chat: the user types only ws://host:port and picks socket.io.
pub fn peer_socketio(env: &Env) -> Result<()> {
    let peer = Peer::start("node", "socketio-chat.js")?;
    let url = ws_url(&peer, "");
    let (a, b) = (
        visit(env, "sa", &url, "socketio")?,
        visit(env, "sb", &url, "socketio")?,
    );
    wait_view(&a, "the namespace", |v| {
        v.lines
            .iter()
            .any(|l| l.2.starts_with("Joined the socket.io chat"))
    })?;
    exchange(&a, &b, "hello socket.io", "hello socket.io", true)?;
    exchange(
        &b,
        &a,
        "hi from the other tab",
        "hi from the other tab",
        true,
    )
}

/// The em-websocket echo: the path is sent as typed; replies show as server lines.
pub fn peer_em_websocket(env: &Env) -> Result<()> {
    let peer = Peer::start("ruby", "em-websocket-echo.rb")?;
    let a = visit(env, "ea", &ws_url(&peer, "/room"), "auto")?;
    wait_view(&a, "the greeting with the path", |v| {
        peer_lines(v, |t| t == "Hello Client, you connected to /room").count() == 1
    })?;
    exchange(&a, &a, "ping me", "Pong: ping me", false)
}

/// Python `websockets` broadcast (no greeting: auto settles on text by itself).
pub fn peer_python_websockets(env: &Env) -> Result<()> {
    let peer = Peer::start("python", "websockets-broadcast.py")?;
    let (a, b) = (
        visit(env, "pa", &ws_url(&peer, ""), "auto")?,
        visit(env, "pb", &ws_url(&peer, ""), "auto")?,
    );
    exchange(
        &a,
        &b,
        "hello from python's room",
        "hello from python's room",
        true,
    )?;
    exchange(&b, &a, "and back", "and back", true)
}

/// One end-to-end scenario.
pub type Scenario = fn(&Env) -> Result<()>;

/// Every scenario, by name.
pub const SCENARIOS: [(&str, Scenario); 31] = [
    ("two_browsers_chat", two_browsers_chat),
    (
        "typed_offline_is_sent_once_on_reconnect",
        typed_offline_is_sent_once_on_reconnect,
    ),
    (
        "unreachable_server_is_explained",
        unreachable_server_is_explained,
    ),
    ("server_killed_while_typing", server_killed_while_typing),
    ("frozen_server_is_noticed", frozen_server_is_noticed),
    ("unsent_survive_a_reload", unsent_survive_a_reload),
    (
        "typed_lines_survive_full_storage",
        storage::typed_lines_survive_full_storage,
    ),
    (
        "unsaved_line_says_so_and_still_goes_out",
        storage::unsaved_line_says_so_and_still_goes_out,
    ),
    (
        "kept_log_moves_to_indexeddb_and_keeps_more",
        storage::kept_log_moves_to_indexeddb_and_keeps_more,
    ),
    ("room_ui", room_ui),
    ("accessibility_audit", accessibility_audit),
    ("config_json_sets_defaults", config_json_sets_defaults),
    ("chaos_restarts", chaos_restarts),
    ("chaos_network", chaos_network),
    (
        "missed_lines_arrive_after_an_outage",
        missed_lines_arrive_after_an_outage,
    ),
    ("image_sent_as_a_file", image_sent_as_a_file),
    ("csp_holds_through_a_session", csp_holds_through_a_session),
    (
        "hostile_server_cannot_break_the_page",
        hostile_server_cannot_break_the_page,
    ),
    ("burst_keeps_the_dom_bounded", burst_keeps_the_dom_bounded),
    ("peer_ws_broadcast", peer_ws_broadcast),
    ("peer_ws_json_greeting", peer_ws_json_greeting),
    ("peer_nodejs_websocket", peer_nodejs_websocket),
    ("peer_socketio", peer_socketio),
    ("peer_socketio_v2", socketio::peer_socketio_v2),
    ("peer_socketio_namespace", socketio::peer_socketio_namespace),
    ("peer_python_socketio", socketio::peer_python_socketio),
    (
        "peer_socketio_upgrades_from_polling",
        socketio::socketio_upgrades_from_polling,
    ),
    (
        "peer_socketio_v2_over_long_polling",
        socketio::socketio_v2_over_long_polling,
    ),
    (
        "peer_socketio_v4_over_long_polling",
        socketio::socketio_v4_over_long_polling,
    ),
    ("peer_em_websocket", peer_em_websocket),
    ("peer_python_websockets", peer_python_websockets),
];

/// A JS expression's value in `s`.
fn js(s: &Session, expr: &str) -> Result<Value> {
    s.exec(&format!("return {expr};"))
}

/// Pretends the tab is hidden or shown again (headless tabs are always
/// visible): `document.hidden` is overridden and `visibilitychange` fired,
/// which is all Roomcast listens to.
fn set_hidden(s: &Session, hidden: bool) -> Result<()> {
    s.exec(&format!(
        "Object.defineProperty(document, 'hidden', {{ configurable: true, get: () => {hidden} }});
         document.dispatchEvent(new Event('visibilitychange'));
         return null;"
    ))
    .map(drop)
}

const ARROW_UP: &str = "\u{E013}";

/// The room UI end to end, between two real browsers: grouping, mentions, no
/// markup from the wire, the unread count and divider while hidden, search,
/// export contents, sticking to the bottom and the "new messages" button,
/// Up to recall, the theme toggle, recent servers, and the log kept across
/// a reload without duplicates.
pub fn room_ui(env: &Env) -> Result<()> {
    let ada = join(env, "ada")?;
    let bo = join(env, "bo")?;
    // Grouping: bo's consecutive lines sit under one name.
    for line in ["first of three", "second of three", "hey ada, <b>look</b>"] {
        bo.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
    }
    let v = wait_view(&ada, "bo's three lines", |v| {
        v.count("hey ada, <b>look</b>") == 1
    })?;
    let class = |t: &str| v.line(t).map(|l| l.0.clone()).unwrap_or_default();
    ensure(
        !class("first of three").contains("cont")
            && class("second of three").contains("cont")
            && class("hey ada, <b>look</b>").contains("cont"),
        || format!("grouping classes: {:?}", v.lines),
    )?;
    ensure(class("hey ada, <b>look</b>").contains("mention"), || {
        "a mention of ada is not highlighted".into()
    })?;
    ensure(
        js(&ada, "document.querySelectorAll('[role=log] b').length")? == 0,
        || "markup from the wire became an element".into(),
    )?;

    // Typing shows at the other end, and goes when the line is sent.
    bo.type_into(COMPOSER, "half a thought")?;
    ada.wait("bo is typing", Duration::from_secs(5), |s| {
        Ok(
            (js(s, "document.querySelector('.typing')?.textContent ?? ''")?
                == "bo is typing\u{2026}")
                .then_some(()),
        )
    })?;
    bo.type_into(COMPOSER, ENTER)?;
    wait_view(&ada, "the typed line", |v| v.count("half a thought") == 1)?;
    ensure(
        js(&ada, "!document.querySelector('.typing')")? == true,
        || "the typing indicator stayed after the line came".into(),
    )?;

    // Hidden tab: the title counts, the divider marks the first unseen line.
    set_hidden(&ada, true)?;
    say(&bo, "bo", &[&ada], "while ada was away 1")?;
    say(&bo, "bo", &[&ada], "while ada was away 2")?;
    let title = js(&ada, "document.title")?;
    ensure(title == "(2) Roomcast", || format!("hidden title {title}"))?;
    let divider_next = js(
        &ada,
        "document.querySelector('[role=log] .divider')?.nextElementSibling?.querySelector('.text')?.textContent",
    )?;
    ensure(divider_next == "while ada was away 1", || {
        format!("the divider sits before {divider_next}")
    })?;
    set_hidden(&ada, false)?;
    ensure(js(&ada, "document.title")? == "Roomcast", || {
        "title not restored".into()
    })?;

    // Search by text, then by sender.
    ada.type_into("input[type=search]", "ADA WAS away")?; // case-insensitive
    let shown = ada.wait("the search to apply", Duration::from_secs(5), |s| {
        let v = view(s)?;
        let texts: Vec<String> = v
            .lines
            .iter()
            .filter(|l| l.0.contains("line"))
            .map(|l| l.2.clone())
            .collect();
        Ok((texts.len() == 2).then_some(texts))
    })?;
    ensure(shown.iter().all(|t| t.contains("away")), || {
        format!("search shows {shown:?}")
    })?;
    ada.exec(
        "const box = document.querySelector('input[type=search]');
         box.value = ''; box.dispatchEvent(new InputEvent('input', { bubbles: true })); return null;",
    )?;

    // Export: capture the download link, read what it holds.
    // (Blob URLs cannot be fetched under the page's CSP, so the blob itself
    // is kept as it is made.)
    ada.exec(
        "window.__downloads = []; window.__blobs = new Map();
         const make = URL.createObjectURL;
         URL.createObjectURL = b => { const u = make(b); __blobs.set(u, b); return u; };
         HTMLElement.prototype.click = function () {
           if (this.download) window.__downloads.push([this.download, this.href]);
         };
         return null;",
    )?;
    // Each export's link lives until the next export: read each at once.
    let read_export = |button: usize| -> Result<Value> {
        ada.click(&format!(".tools button:nth-of-type({button})"))?;
        ada.exec_async(
            "const done = arguments[arguments.length - 1];
             const [name, url] = window.__downloads.at(-1) ?? ['', ''];
             const blob = __blobs.get(url);
             blob ? blob.text().then(t => done([name, t])) : done([name, 'no blob for ' + url]);",
            10_000,
        )
    };
    let exported = [read_export(1)?, read_export(2)?]; // JSON, then text
    let json_text = exported[0][1].as_str().unwrap_or_default();
    let parsed: Value = serde_json::from_str(json_text).unwrap_or(Value::Null);
    let has_line = parsed.as_array().is_some_and(|a| {
        a.iter().any(|l| {
            l["from"] == "bo" && l["text"] == "hey ada, <b>look</b>" && l["kind"] == "peer"
        })
    });
    ensure(exported[0][0] == "roomcast-log.json" && has_line, || {
        format!("JSON export: {}", &json_text[..json_text.len().min(300)])
    })?;
    let plain = exported[1][1].as_str().unwrap_or_default();
    ensure(
        exported[1][0] == "roomcast-log.txt" && plain.contains("] bo: while ada was away 2\n"),
        || format!("text export: {}", &plain[..plain.len().min(300)]),
    )?;

    // The reader scrolls the log to the top by hand (the wheel is what says
    // it is the reader, not lines coming and going).
    const SCROLL_UP: &str = "const l = document.querySelector('[role=log]');
        l.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: -1000 }));
        l.scrollTop = 0; l.dispatchEvent(new Event('scroll')); return null;";
    // Stick to the bottom; once scrolled up, new lines do not move the view
    // and a button counts them; it brings the reader back down.
    for i in 1..=25 {
        bo.type_into(COMPOSER, &format!("filler {i}{ENTER}"))?;
    }
    wait_view(&ada, "the filler", |v| v.count("filler 25") == 1)?;
    let at_bottom = "(() => { const l = document.querySelector('[role=log]'); return l.scrollHeight - l.scrollTop - l.clientHeight < 48; })()";
    ensure(js(&ada, at_bottom)? == true, || {
        "the log did not follow the bottom".into()
    })?;
    ada.exec(SCROLL_UP)?;
    for i in 1..=3 {
        say(&bo, "bo", &[&ada], &format!("while scrolled up {i}"))?;
    }
    let button = ada.wait("the new-messages button", Duration::from_secs(5), |s| {
        let t = js(s, "document.querySelector('.jump')?.textContent ?? ''")?;
        Ok(t.as_str().filter(|t| !t.is_empty()).map(String::from))
    })?;
    ensure(button.starts_with("3 new messages"), || {
        format!("button says {button:?}")
    })?;
    ensure(
        js(&ada, "document.querySelector('[role=log]').scrollTop")? == 0,
        || "new lines moved the reader's view".into(),
    )?;
    ada.click(".jump")?;
    ada.wait("back at the bottom", Duration::from_secs(5), |s| {
        Ok(
            (js(s, at_bottom)? == true && js(s, "!document.querySelector('.jump')")? == true)
                .then_some(()),
        )
    })?;
    // Scrolled up again, sending jumps to the bottom.
    ada.exec(SCROLL_UP)?;
    say(&ada, "ada", &[&bo], "sent from up there")?;
    ada.wait("sending to jump down", Duration::from_secs(5), |s| {
        Ok((js(s, at_bottom)? == true).then_some(()))
    })?;

    // Up in the empty composer recalls the last message.
    ada.type_into(COMPOSER, ARROW_UP)?;
    let recalled = js(
        &ada,
        "document.querySelector('textarea[aria-label=Message]').value",
    )?;
    ensure(recalled == "sent from up there", || {
        format!("Up recalled {recalled}")
    })?;
    ada.exec("document.querySelector('textarea[aria-label=Message]').value = ''; return null;")?;

    // Theme toggle: system, dark, light, system; the page's colours follow
    // (the headless browser prefers light, so system looks light).
    let colours = "(() => { const s = getComputedStyle(document.body);
        return [document.documentElement.dataset.theme ?? '', s.backgroundColor, s.color]; })()";
    let system = js(&ada, colours)?;
    ada.click(".theme")?;
    let dark = js(&ada, colours)?;
    ada.click(".theme")?;
    let light = js(&ada, colours)?;
    ada.click(".theme")?;
    let back = js(&ada, colours)?;
    ensure(
        dark[0] == "dark" && light[0] == "light" && back[0] == "",
        || format!("the toggle went {system} -> {dark} -> {light} -> {back}"),
    )?;
    ensure(
        dark[1] != light[1] && dark[2] != light[2] && back[1] == system[1],
        || {
            format!("the colours did not change: dark {dark}, light {light}, system {system} then {back}")
        },
    )?;
    // The server is remembered as a recent one.
    let recent = js(
        &ada,
        "[...document.querySelectorAll('#recent-servers option')].map(o => o.value)",
    )?;
    ensure(recent.as_array().is_some_and(|r| !r.is_empty()), || {
        format!("recent servers {recent}")
    })?;

    // A reload shows the log kept in the browser, each line once.
    ada.goto(&format!("{}/?name=ada", env.origin))?;
    let v = wait_view(&ada, "ada back with her log", |v| {
        v.status.contains("Connected") && v.count("hey ada, <b>look</b>") >= 1
    })?;
    show_all(&ada)?;
    let v2 = view(&ada)?;
    for text in [
        "hey ada, <b>look</b>",
        "while scrolled up 3",
        "sent from up there",
    ] {
        ensure(v2.count(text) == 1, || {
            format!("after the reload {text:?} shows {} times", v2.count(text))
        })?;
    }
    ensure(
        v.lines.iter().any(|l| l.2.contains("kept in this browser")),
        || "no note of the kept log".into(),
    )?;
    crate::figure("room ui: grouping, mention, unread title and divider, search, export, new-messages button, recall, reload kept the log once".into());
    Ok(())
}

/// A deployment's config.json next to index.html sets the defaults; the
/// page URL still overrides them.
pub fn config_json_sets_defaults(env: &Env) -> Result<()> {
    let path = crate::root().join("dist/config.json");
    std::fs::write(&path, r#"{"name": "configured", "protocol": "json"}"#)?;
    let outcome = (|| -> Result<()> {
        let s = env.driver.session(env.chrome)?;
        s.goto(&format!("{}/", env.origin))?;
        wait_view(&s, "connected with config.json's name", |v| {
            v.status.contains("Connected") && v.status.contains("as configured")
        })?;
        let dialect = js(&s, "document.querySelector('.connect select').value")?;
        ensure(dialect == "json", || {
            format!("protocol from config.json: {dialect}")
        })?;
        s.goto(&format!("{}/?name=overridden", env.origin))?;
        wait_view(&s, "the URL's name winning", |v| {
            v.status.contains("as overridden")
        })?;
        Ok(())
    })();
    let _ = std::fs::remove_file(&path);
    outcome
}

/// axe-core (from npm, tests/peers) audits the running app in headless
/// Chromium: light and dark themes, connected and disconnected, with a
/// conversation on screen. Zero violations allowed. The connected light view
/// is also the README's screenshot (`ROOMCAST_SCREENSHOT=1` writes it to
/// docs/screenshot.png).
pub fn accessibility_audit(env: &Env) -> Result<()> {
    let axe = std::fs::read_to_string(
        crate::root().join("tests/peers/node_modules/axe-core/axe.min.js"),
    )?;
    let alba = join(env, "alba")?;
    let bram = join(env, "bram")?;
    say(
        &bram,
        "bram",
        &[&alba],
        "Morning alba! The notes are at https://example.org/notes",
    )?;
    say(&bram, "bram", &[&alba], "Shall we go through them at ten?")?;
    say(
        &alba,
        "alba",
        &[&bram],
        "Yes, ten works. I'll bring the draft.",
    )?;
    say(
        &bram,
        "bram",
        &[&alba],
        "{\"agenda\": [\"notes\", \"draft\"], \"room\": 4}",
    )?;
    let shot = env.artifacts.join("room.png");
    alba.screenshot(&shot)?;
    if std::env::var_os("ROOMCAST_SCREENSHOT").is_some() {
        std::fs::copy(&shot, crate::root().join("docs/screenshot.png"))?;
    }
    alba.exec(&format!("{axe}\nreturn null;"))?;
    let audit = |state: &str, theme: &str| -> Result<Vec<String>> {
        alba.exec(&format!(
            "document.documentElement.dataset.theme = '{theme}'; return null;"
        ))?;
        let found = alba.exec_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' +
                   v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))),
                     e => done(['axe failed: ' + e]));",
            60_000,
        )?;
        Ok(found
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|v| format!("[{state}, {theme}] {}", v.as_str().unwrap_or("?")))
                    .collect()
            })
            .unwrap_or_default())
    };
    let mut violations = Vec::new();
    for theme in ["light", "dark"] {
        violations.extend(audit("connected", theme)?);
    }
    alba.click(".connect button[type=button]")?; // Disconnect
    wait_view(&alba, "Disconnected", |v| {
        v.status.starts_with("Disconnected")
    })?;
    for theme in ["light", "dark"] {
        violations.extend(audit("disconnected", theme)?);
    }
    // A phone-sized screen: nothing wider than the screen, the composer in
    // view, and still no violations.
    alba.set_window(390, 844)?;
    alba.click(".connect button[type=submit]")?; // Connect again
    wait_view(&alba, "reconnected on a phone-sized screen", |v| {
        v.status.contains("Connected")
    })?;
    let fits = js(
        &alba,
        "(() => { const c = document.querySelector('textarea[aria-label=Message]').getBoundingClientRect();
                  return document.documentElement.scrollWidth <= innerWidth + 1
                      && c.right <= innerWidth + 1 && c.bottom <= innerHeight + 1 && c.width > 150; })()",
    )?;
    ensure(fits == true, || {
        "the page does not fit a 390 px wide screen".into()
    })?;
    violations.extend(audit("phone", "light")?);
    ensure(violations.is_empty(), || {
        format!("axe-core found: {violations:#?}")
    })?;
    crate::figure("accessibility: axe-core, 0 violations in light and dark, connected and disconnected, and on a 390 px screen".into());
    Ok(())
}
