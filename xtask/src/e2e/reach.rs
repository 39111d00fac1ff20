//! Reach (issue 20): the page in Russian and Chinese, and opening offline
//! through the service worker.

use super::room_ui::axe;
use super::*;
use serde_json::json;

/// The composer in any language (its accessible name is translated).
const ANY_COMPOSER: &str = ".composer textarea";

/// What the page shows in its language: the status, `<html lang>`, the
/// composer's name and placeholder, and the send button.
fn words(s: &Session) -> Result<Vec<String>> {
    let v = js(
        s,
        "(() => { const c = document.querySelector('.composer textarea');
                  return [document.querySelector('[role=status]').textContent,
                          document.documentElement.lang, c.getAttribute('aria-label'),
                          c.placeholder, document.querySelector('.composer button').textContent]; })()",
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
    for (lang, name, connected, message, send, joined) in cases {
        let s = env.driver.session(env.options)?;
        s.goto(&format!("{}/?name={name}&lang={lang}", env.origin))?;
        wait_view(&s, &format!("connected in {lang}"), |v| {
            v.status.starts_with(connected) && v.lines.iter().any(|l| l.2 == joined)
        })?;
        let shown = words(&s)?;
        ensure(
            shown[1] == lang && shown[2] == message && shown[4] == send && !shown[3].is_empty(),
            || format!("{lang}: the page shows {shown:?}"),
        )?;
        let text = format!("{lang} line \u{2603}");
        s.type_into(ANY_COMPOSER, &format!("{text}{ENTER}"))?;
        wait_view(&s, "the line delivered", |v| {
            v.line(&text).is_some_and(|l| l.0.contains("delivered"))
        })?;
        violations.extend(axe(&s, lang)?);
        // Kept: the next visit without `lang=` speaks it too.
        s.goto(&format!("{}/?name={name}", env.origin))?;
        wait_view(&s, &format!("still {lang} without lang="), |v| {
            v.status.starts_with(connected)
        })?;
        ensure(words(&s)?[1] == lang, || {
            format!("<html lang> is not {lang}")
        })?;
        s.goto(&format!("{}/?name={name}&lang=en", env.origin))?;
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

/// Whether the service worker controls the page and keeps the app's wasm.
fn kept_offline(s: &Session) -> Result<bool> {
    let v = s.exec_async(
        "const done = arguments[arguments.length - 1];
         if (!navigator.serviceWorker || !navigator.serviceWorker.controller) return done(false);
         caches.open('roomcast').then(c => c.keys())
           .then(k => done(k.some(r => r.url.endsWith('.wasm'))), () => done(false));",
        10_000,
    )?;
    Ok(v == true)
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
