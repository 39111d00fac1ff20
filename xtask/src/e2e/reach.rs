//! Reach (issue 20): the page in Russian and Chinese, and opening offline
//! through the service worker.

use super::room_ui::axe;
use super::*;
use serde_json::json;

/// The composer in any language (its accessible name is translated).
const ANY_COMPOSER: &str = ".composer textarea";

/// What the page shows in its language: the status, `<html lang>`, the
/// composer's name and placeholder, the send button, and the first line's
/// full date (its time's tooltip).
fn words(s: &Session) -> Result<Vec<String>> {
    let v = js(
        s,
        "(() => { const c = document.querySelector('.composer textarea');
                  return [document.querySelector('[role=status]').textContent,
                          document.documentElement.lang, c.getAttribute('aria-label'),
                          c.placeholder, document.querySelector('.composer button').textContent,
                          document.querySelector('[role=log] time')?.title ?? '']; })()",
    )?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default())
}

/// `?lang=ru` and `?lang=zh` show the status, the composer and the system
/// lines in that language with `<html lang>` set, chat works, axe finds
/// nothing; the choice is kept for the next visit without `lang=`, and
/// `?lang=en` goes back.
pub fn languages_follow_the_url_and_stay(env: &Env) -> Result<()> {
    let mut violations = Vec::new();
    let cases = [
        (
            "ru",
            "ivan",
            "Подключено к",
            "Сообщение",
            "Отправить",
            "Вы вошли как ivan.",
        ),
        (
            "zh",
            "lihua",
            "已连接到",
            "消息",
            "发送",
            "你以 lihua 的身份加入。",
        ),
    ];
    // A room of its own: the joined line is the newest, whatever the default
    // room's history holds.
    let nonce = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    for (lang, name, connected, message, send, joined) in cases {
        let server = format!("ws://{}/ws/lang-{lang}-{nonce}", env.server.borrow().addr);
        let s = env.driver.session(env.options)?;
        s.goto(&format!(
            "{}/?server={server}&name={name}&lang={lang}",
            env.origin
        ))?;
        wait_view(&s, &format!("connected in {lang}"), |v| {
            v.status.starts_with(connected) && v.lines.iter().any(|l| l.2 == joined)
        })?;
        // A line's time is written once the clock is made, about 100 ms
        // after Connected (src/clock.rs).
        let shown = s.wait("a line's time", Duration::from_secs(5), |s| {
            Ok(Some(words(s)?).filter(|w| w.get(5).is_some_and(|t| !t.is_empty())))
        })?;
        // The date through Intl in the language: Cyrillic or CJK characters
        // (a weekday, a month), not the English ones.
        let in_script = |c: char| match lang {
            "ru" => ('\u{400}'..='\u{4ff}').contains(&c),
            _ => ('\u{4e00}'..='\u{9fff}').contains(&c),
        };
        ensure(
            shown[1] == lang
                && shown[2] == message
                && shown[4] == send
                && !shown[3].is_empty()
                && shown[5].chars().any(in_script),
            || format!("{lang}: the page shows {shown:?}"),
        )?;
        let text = format!("{lang} line \u{2603}");
        s.type_into(ANY_COMPOSER, &format!("{text}{ENTER}"))?;
        wait_view(&s, "the line delivered", |v| {
            v.line(&text).is_some_and(|l| l.0.contains("delivered"))
        })?;
        violations.extend(axe(&s, lang)?);
        // Kept: the next visit without `lang=` speaks it too.
        s.goto(&format!("{}/?server={server}&name={name}", env.origin))?;
        wait_view(&s, &format!("still {lang} without lang="), |v| {
            v.status.starts_with(connected)
        })?;
        ensure(words(&s)?[1] == lang, || {
            format!("<html lang> is not {lang}")
        })?;
        s.goto(&format!(
            "{}/?server={server}&name={name}&lang=en",
            env.origin
        ))?;
        wait_view(&s, "English again", |v| {
            v.status.starts_with("Connected to")
        })?;
        ensure(words(&s)?[1] == "en", || "<html lang> is not en".into())?;
    }
    ensure(violations.is_empty(), || {
        format!("axe-core found: {violations:#?}")
    })?;
    crate::figure("languages: Russian and Chinese status, composer and system lines, kept across visits; axe-core 0 violations in each".into());
    Ok(())
}

/// The URLs the service worker keeps.
fn kept_urls(s: &Session) -> Result<Vec<String>> {
    let v = s.exec_async(
        "const done = arguments[arguments.length - 1];
         caches.open('roomcast').then(c => c.keys()).then(k => done(k.map(r => r.url)), () => done([]));",
        10_000,
    )?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

/// Whether the service worker controls the page and keeps the app's wasm.
fn kept_offline(s: &Session) -> Result<bool> {
    let controlled = js(s, "!!navigator.serviceWorker?.controller")? == true;
    Ok(controlled && kept_urls(s)?.iter().any(|u| u.ends_with(".wasm")))
}

fn network(s: &Session, offline: bool) -> Result<()> {
    s.cdp("Network.enable", json!({}))?;
    s.cdp(
        "Network.emulateNetworkConditions",
        json!({"offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}),
    )
    .map(drop)
}

/// After one visit the page opens with no network (the server that served
/// it is gone too): it shows the composer and says it is offline; lines typed
/// then go out once when the network and the server are back.
pub fn opens_offline_and_sends_once_back_online(env: &Env) -> Result<()> {
    let olga = join(env, "olga")?;
    let petr = join(env, "petr")?;
    olga.wait(
        "the service worker keeping the app",
        Duration::from_secs(20),
        |s| kept_offline(s).map(|ok| ok.then_some(())),
    )?;
    env.server.borrow_mut().stop("KILL")?;
    network(&olga, true)?;
    olga.exec("location.reload(); return null;")?;
    wait_view_for(
        &olga,
        "the page opened offline",
        Duration::from_secs(20),
        |v| v.status.starts_with("Offline"),
    )?;
    let typed: Vec<String> = (1..=2).map(|i| format!("typed offline {i}")).collect();
    type_while_away(&olga, &typed)?;
    env.server.borrow_mut().restart()?;
    network(&olga, false)?;
    delivered_once(&olga, "back online and delivered", &typed)?;
    receives_exactly(&petr, "typed offline", &typed)?;
    crate::figure("offline: a visited page reloads with no network and no server, says Offline, and sends what was typed once when back".into());
    Ok(())
}

/// Which release of the stylesheet the page shows (`--release` on :root).
fn release(s: &Session) -> Result<String> {
    Ok(js(
        s,
        "getComputedStyle(document.documentElement).getPropertyValue('--release').trim()",
    )?
    .as_str()
    .unwrap_or_default()
    .to_string())
}

/// The release build on a plain static host at a sub-path (`/app/`): it is
/// kept for offline there; a new release (a new hashed stylesheet) replaces
/// the kept one on the next online load, the old file leaves the cache, and
/// offline the page opens as the new release, never a mix.
pub fn a_new_release_replaces_the_kept_one_at_a_sub_path(env: &Env) -> Result<()> {
    let root = crate::root().join("target/xtask/subpath");
    let app = root.join("app");
    let _ = std::fs::remove_dir_all(&root);
    crate::copy_dir(&crate::root().join("dist"), &app)?;
    let root_arg = root.to_string_lossy().to_string();
    let host = Peer::start_with("node", "static-host.js", &[&root_arg])?;
    let ws = format!("ws://{}/ws", env.server.borrow().addr);
    let page = format!("http://127.0.0.1:{}/app/?server={ws}&name=subby", host.port);
    let s = env.driver.session(env.options)?;
    s.goto(&page)?;
    wait_view(&s, "connected from /app/", |v| {
        v.status.contains("Connected")
    })?;
    s.wait(
        "the service worker keeping /app/",
        Duration::from_secs(20),
        |s| kept_offline(s).map(|ok| ok.then_some(())),
    )?;
    // Release 2: the same page with a new stylesheet under a new hashed name.
    let index = std::fs::read_to_string(app.join("index.html"))?;
    let old_css = index
        .split(['=', ' ', '"', '>'])
        .find(|w| w.starts_with("./app-") && w.ends_with(".css"))
        .ok_or("no stylesheet in index.html")?
        .trim_start_matches("./")
        .to_string();
    let new_css = "app-feedfacefeedface.css";
    let css = std::fs::read_to_string(app.join(&old_css))?;
    std::fs::write(app.join(new_css), format!("{css}\n:root{{--release:2}}"))?;
    let linked = index.replacen(&old_css, new_css, 1);
    // Its integrity hash named the old file's bytes.
    let at = linked.find(new_css).ok_or("no new link")?;
    let tail = &linked[at..];
    let integrity = tail
        .find("integrity=")
        .filter(|&i| i < tail.find('>').unwrap_or(0))
        .map(|i| {
            let attr = &tail[i..];
            &attr[..attr.find([' ', '>']).unwrap_or(attr.len())]
        })
        .unwrap_or("");
    std::fs::write(app.join("index.html"), linked.replacen(integrity, "", 1))?;
    s.exec("location.reload(); return null;")?;
    s.wait("release 2 shown", Duration::from_secs(20), |s| {
        Ok((release(s)? == "2").then_some(()))
    })?;
    s.wait(
        "release 2 kept, release 1's stylesheet gone",
        Duration::from_secs(20),
        |s| {
            let urls = kept_urls(s)?;
            let new = urls.iter().any(|u| u.ends_with(&format!("/app/{new_css}")));
            let old = urls.iter().any(|u| u.ends_with(&old_css));
            Ok((new && !old).then_some(()))
        },
    )?;
    drop(host);
    network(&s, true)?;
    s.exec("location.reload(); return null;")?;
    let offline = wait_view_for(&s, "release 2 offline", Duration::from_secs(20), |v| {
        v.status.starts_with("Offline")
    });
    let shown = release(&s);
    network(&s, false)?;
    offline?;
    ensure(shown? == "2", || {
        "offline, the page showed release 1's stylesheet".into()
    })?;
    crate::figure("offline at a sub-path: a new release replaces the kept one on the next load (the old stylesheet leaves the cache) and opens offline".into());
    Ok(())
}
