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

mod brokers;
mod chaos;
mod peers;
mod profiles;
mod reach;
mod room_ui;
mod safety;
mod scenarios;
mod socketio;
mod startup;
mod storage;
mod tabs;
mod workbench;

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

/// Keeps every download the page starts from here on: blob URLs cannot be
/// fetched under the page's CSP, so each blob is kept as made.
fn capture_downloads(s: &Session) -> Result<()> {
    s.exec(
        "window.__downloads = []; window.__blobs = new Map();
         const make = URL.createObjectURL;
         URL.createObjectURL = b => { const u = make(b); __blobs.set(u, b); return u; };
         HTMLElement.prototype.click = function () {
           if (this.download) window.__downloads.push([this.download, this.href]);
         };
         return null;",
    )
    .map(drop)
}

/// The newest captured download: `[file name, text]`.
fn last_download(s: &Session) -> Result<Value> {
    s.exec_async(
        "const done = arguments[arguments.length - 1];
         const [name, url] = window.__downloads.at(-1) ?? ['', ''];
         const blob = __blobs.get(url);
         blob ? blob.text().then(t => done([name, t])) : done([name, 'no blob for ' + url]);",
        10_000,
    )
}

fn ensure(cond: bool, what: impl FnOnce() -> String) -> Result<()> {
    if cond {
        Ok(())
    } else {
        Err(what().into())
    }
}

pub struct Env<'a> {
    pub driver: &'a Driver,
    /// The browser's options from webdriver.json (Chromium's or Firefox's).
    pub options: &'a Value,
    /// `http://127.0.0.1:PORT` of the reference server serving `dist/`.
    pub origin: &'a str,
    pub artifacts: &'a Path,
    /// The server behind `origin`, for scenarios that kill or freeze it.
    pub server: &'a RefCell<Server>,
}

fn join(env: &Env, name: &str) -> Result<Session> {
    let s = env.driver.session(env.options)?;
    join_in(&s, env, name)?;
    Ok(s)
}

/// [`join`] in a session set up beforehand (or again, as a reload would).
fn join_in(s: &Session, env: &Env, name: &str) -> Result<()> {
    // No `server=`: the page must find the same origin's /ws by itself.
    s.goto(&format!("{}/?name={name}", env.origin))?;
    wait_view(s, &format!("{name} connected"), |v| {
        v.status.contains("Connected") && v.status.contains(&format!("as {name}"))
    })
    .map(drop)
}

/// Types `text` into the composer and presses Enter, through the page (for lines
/// too long to type key by key).
fn send_through_page(s: &Session, text: &str) -> Result<()> {
    s.exec(&format!(
        "const ta = document.querySelector('{COMPOSER}');
         ta.value = {text:?};
         ta.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', bubbles: true, cancelable: true }}));
         return null;"
    ))?;
    Ok(())
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
    // The outage can be long under load (jon's 20 lines go first), so ivy may
    // be several retries into the backoff: its next try can be up to the
    // backoff's ceiling away.
    let ceiling = Duration::from_millis(u64::from(roomcast::room::BACKOFF.cap()));
    wait_view_for(
        &ivy,
        "ivy back after the outage",
        ceiling + Duration::from_secs(10),
        |v| v.status.contains("Connected"),
    )?;
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
    // A burst shows its newest lines first and the window grows back
    // upwards over the next frames (`ui::log::PER_RENDER` a render). Counted
    // as the check below counts them, the burst's own lines: with the "Show
    // earlier messages" row (an item too), 100 of them passed the wait once
    // and failed the check, read under load before the next render.
    wait_view(&s, "the window grown back after the burst", |v| {
        v.lines.iter().filter(|l| l.2.starts_with("flood ")).count() > 100
    })?;
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

/// A server that is not there is explained, not just a dead page, and
/// retried with a countdown.
pub fn unreachable_server_is_explained(env: &Env) -> Result<()> {
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:9/ws&name=eve",
        env.origin
    ))?;
    wait_view(&s, "the explanation and a retry", |v| {
        v.status.starts_with("Reconnecting") && v.lines.iter().any(|l| l.2.contains("never opened"))
    })?;
    Ok(())
}

/// An own line not delivered (queued, sent or failed).
fn undelivered(line: &(String, String, String)) -> bool {
    line.0.contains("own") && !line.0.contains("delivered")
}

/// Every own line delivered (nothing queued, sent or failed).
fn all_delivered(v: &View) -> bool {
    !v.lines.iter().any(undelivered)
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

/// Waits (30 s at most) until `page` is connected and shows each of
/// `typed` once, every own line delivered.
fn delivered_once(page: &Session, what: &str, typed: &[String]) -> Result<View> {
    wait_view_for(page, what, Duration::from_secs(30), |v| {
        v.status.contains("Connected") && typed.iter().all(|t| v.count(t) == 1) && all_delivered(v)
    })
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

/// Opens Roomcast on another server and waits for it to connect.
fn visit(env: &Env, name: &str, server: &str, protocol: &str) -> Result<Session> {
    let s = env.driver.session(env.options)?;
    goto_room(&s, env, name, server, protocol)?;
    wait_view(&s, &format!("{name} connected to {server}"), |v| {
        v.status.contains("Connected")
    })?;
    Ok(s)
}

/// Opens Roomcast in `s` on another server: `?server=…&name=…&protocol=…`.
fn goto_room(s: &Session, env: &Env, name: &str, server: &str, protocol: &str) -> Result<()> {
    s.goto(&format!(
        "{}/?server={server}&name={name}&protocol={protocol}",
        env.origin
    ))
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

pub use scenarios::{Scenario, SCENARIOS};

/// A front (a `tests/peers` script taking `PORT UPSTREAM_PORT APP_PORT`)
/// that serves this run's Roomcast page and forwards to `upstream`, so the
/// page and the server share one origin.
fn front(env: &Env, script: &str, upstream: u16) -> Result<Peer> {
    let app_port = env.origin.rsplit(':').next().unwrap_or_default();
    Peer::start_with("node", script, &[&upstream.to_string(), app_port])
}

/// `value` for a URL's query: everything but RFC 3986's unreserved
/// characters percent-encoded.
fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

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
