//! End-to-end scenarios: real headless Chromium sessions, driven over
//! WebDriver, using the release build served by the real reference server.

use crate::webdriver::{Driver, Session};
use crate::Result;
use serde_json::Value;
use std::path::Path;

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
                  lines: [...document.querySelectorAll('[role=log] > li')]
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

fn wait_view(s: &Session, what: &str, ok: impl Fn(&View) -> bool) -> Result<View> {
    s.wait(what, |s| view(s).map(|v| ok(&v).then_some(v)))
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

pub struct Env<'a> {
    pub driver: &'a Driver,
    pub chrome: &'a Value,
    /// `http://127.0.0.1:PORT` of the reference server serving `dist/`.
    pub origin: &'a str,
    pub artifacts: &'a Path,
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
    carol.type_into(COMPOSER, &format!("written while away{ENTER}"))?;
    wait_view(&carol, "the line queued", |v| {
        v.line("written while away")
            .is_some_and(|l| l.0.contains("queued"))
    })?;
    carol.click(".connect button[type=submit]")?; // Connect
    wait_view(&carol, "delivered after reconnect", |v| {
        v.line("written while away")
            .is_some_and(|l| l.0.contains("delivered"))
    })?;
    let d = wait_view(&dave, "the line", |v| v.count("written while away") > 0)?;
    ensure(d.count("written while away") == 1, || {
        "dave got it more than once".into()
    })?;
    Ok(())
}

/// A server that is not there is explained, not just a dead page.
pub fn unreachable_server_is_explained(env: &Env) -> Result<()> {
    let s = env.driver.session(env.chrome)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:9/ws&name=eve",
        env.origin
    ))?;
    wait_view(&s, "the explanation", |v| {
        v.status.starts_with("Disconnected") && v.lines.iter().any(|l| l.2.contains("never opened"))
    })?;
    Ok(())
}

/// One end-to-end scenario.
pub type Scenario = fn(&Env) -> Result<()>;

/// Every scenario, by name.
pub const SCENARIOS: [(&str, Scenario); 3] = [
    ("two_browsers_chat", two_browsers_chat),
    (
        "typed_offline_is_sent_once_on_reconnect",
        typed_offline_is_sent_once_on_reconnect,
    ),
    (
        "unreachable_server_is_explained",
        unreachable_server_is_explained,
    ),
];
