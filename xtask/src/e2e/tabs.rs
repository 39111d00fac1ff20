//! Several rooms at once (issue 17): a second tab on another room of the
//! reference server, a background room's unread and mention counts, Alt+1,
//! and the rooms and their drafts back after a reload.

use super::*;

/// The shown room's status and log texts, and every tab button's label.
fn shown(s: &Session) -> Result<(String, Vec<String>, Vec<String>)> {
    let v = js(
        s,
        "(() => { const app = document.querySelector('.app:not([hidden])');
           return [app?.querySelector('[role=status]')?.textContent ?? '',
                   [...(app?.querySelectorAll('[role=log] .text') ?? [])].map(e => e.textContent),
                   [...document.querySelectorAll('.tabs li > button:first-child')]
                     .map(b => b.getAttribute('aria-label'))]; })()",
    )?;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    Ok((
        v[0].as_str().unwrap_or_default().to_string(),
        strings(&v[1]),
        strings(&v[2]),
    ))
}

pub fn rooms_open_in_tabs_with_their_own_counts_and_drafts(env: &Env) -> Result<()> {
    let host = env.origin.trim_start_matches("http://");
    let (room_a, room_b) = (
        format!("ws://{host}/ws/tab-a"),
        format!("ws://{host}/ws/tab-b"),
    );
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server={}&name=tia",
        env.origin,
        url_encode(&room_a)
    ))?;
    wait_view(&s, "tia connected", |v| v.status.contains("Connected"))?;
    // A second room: "+" opens a tab with the form, filled as the first.
    s.click(".tabs .add")?;
    s.exec(&format!(
        "const form = document.querySelector('.app:not([hidden]) form.connect');
         form.querySelector('input[inputmode=url]').value = {};
         form.requestSubmit(); return null;",
        serde_json::to_string(&room_b)?
    ))?;
    s.wait("the second room connected", Duration::from_secs(10), |s| {
        let (status, _, tabs) = shown(s)?;
        Ok((status.contains("Connected") && tabs.len() == 2).then_some(tabs))
    })?;
    // Lines for the first room arrive while the second is shown.
    let pat = visit(env, "pat", &room_a, "auto")?;
    say(&pat, "pat", &[], "hello room a")?;
    say(&pat, "pat", &[], "tia, are you there?")?;
    let tabs = s.wait("the first room's counts", Duration::from_secs(10), |s| {
        let (_, _, tabs) = shown(s)?;
        Ok(tabs
            .first()
            .is_some_and(|t| t.contains("2 unread, 1 naming you"))
            .then_some(tabs))
    })?;
    let title = js(&s, "document.title")?;
    ensure(title == "(2) Roomcast", || {
        format!("the title is {title} with tabs {tabs:?}")
    })?;
    let (_, log_b, _) = shown(&s)?;
    ensure(!log_b.iter().any(|l| l.contains("room a")), || {
        format!("room a's line shows in room b: {log_b:?}")
    })?;
    // A draft in the second room; Alt+1 shows the first, its count cleared.
    s.type_into(
        ".app:not([hidden]) textarea[aria-label=Message]",
        "draft in b",
    )?;
    s.type_into(
        ".app:not([hidden]) textarea[aria-label=Message]",
        "\u{E00A}1\u{E000}",
    )?;
    s.wait(
        "the first room shown by Alt+1",
        Duration::from_secs(5),
        |s| {
            let (_, log, tabs) = shown(s)?;
            let seen = log.iter().any(|l| l == "hello room a");
            let cleared = tabs.first().is_some_and(|t| !t.contains("unread"));
            Ok((seen && cleared).then_some(()))
        },
    )?;
    let title = js(&s, "document.title")?;
    ensure(title == "Roomcast", || format!("the title stays {title}"))?;
    // A reload brings both rooms back, the first shown, and the draft.
    s.exec("location.reload(); return null;")?;
    s.wait("both rooms back", Duration::from_secs(15), |s| {
        let (status, _, tabs) = shown(s)?;
        Ok((status.contains("Connected") && tabs.len() == 2).then_some(()))
    })?;
    s.click(".tabs li:nth-child(2) > button:first-child")?;
    s.wait("room b and its draft", Duration::from_secs(10), |s| {
        let v = js(
            s,
            "(() => { const app = document.querySelector('.app:not([hidden])');
               return [app.querySelector('[role=status]').textContent,
                       app.querySelector('form.connect input[inputmode=url]').value,
                       app.querySelector('textarea[aria-label=Message]').value]; })()",
        )?;
        let ok = v[0].as_str().is_some_and(|t| t.contains("Connected"))
            && v[1] == room_b.as_str()
            && v[2] == "draft in b";
        Ok(ok.then_some(()))
    })?;
    Ok(())
}

/// A page in a hidden browser tab still takes a burst whole: its title
/// counts every line and nothing waits for the page to be shown. A hidden
/// tab draws no frames, and the sockets' pacing (boot.js) waits for one
/// between slices; here `document.hidden` is true before the page starts
/// and no animation frame ever comes, as in a background tab (headless
/// tabs are always visible).
pub fn a_hidden_page_takes_a_burst_whole(env: &Env) -> Result<()> {
    const LINES: usize = 20_000;
    let peer = Peer::start_with("node", "flood.js", &[&LINES.to_string()])?;
    let s = env.driver.session(env.options)?;
    s.on_new_document(
        "Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
         window.requestAnimationFrame = () => 0;",
    )?;
    goto_room(&s, env, "hid", &ws_url(&peer, ""), "text")?;
    // The burst and its last line, all counted as unread.
    let want = format!("({}) Roomcast", LINES + 1);
    s.wait(
        "every line counted in the title",
        Duration::from_secs(60),
        |s| {
            let title = js(s, "document.title")?;
            Ok((title == want.as_str()).then_some(()))
        },
    )
    .map_err(|e| {
        let title = js(&s, "document.title").unwrap_or_default();
        format!("{e}; the title reads {title}").into()
    })
}

/// A page hidden in the middle of a burst goes on taking it. The sockets'
/// pacing waits for an animation frame between slices, and a tab hidden
/// while it waits never gets that frame (Chromium holds a hidden tab's frames
/// back): the wait ends after 100 ms all the same. Here the page hides
/// itself once it has taken 1,000 lines, and from then on no animation frame
/// reaches it; every line must still be taken while it stays hidden.
pub fn a_page_hidden_mid_burst_goes_on_taking_it(env: &Env) -> Result<()> {
    const LINES: usize = 20_000;
    let peer = Peer::start_with("node", "flood.js", &[&LINES.to_string()])?;
    let s = env.driver.session(env.options)?;
    s.on_new_document(
        "let hidden = false, paced;
         window.__taken = 0;
         Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
         const raf = window.requestAnimationFrame.bind(window);
         window.requestAnimationFrame = f => raf(t => { if (!hidden) f(t); });
         // Each message the page takes once (boot.js hands the early
         // socket's first ones on again).
         const seen = new WeakSet();
         Object.defineProperty(window, 'roomcastPaced', {
           get: () => paced,
           set: f => { paced = (...a) => {
             const ws = f(...a);
             ws?.addEventListener('message', e => {
               if (seen.has(e)) return;
               seen.add(e);
               if (++window.__taken === 1000) {
                 hidden = true;
                 document.dispatchEvent(new Event('visibilitychange'));
               }
             });
             return ws;
           }; },
         });",
    )?;
    goto_room(&s, env, "mid", &ws_url(&peer, ""), "text")?;
    // The burst and its last line.
    let want = LINES as u64 + 1;
    s.wait(
        "every line taken while hidden",
        Duration::from_secs(60),
        |s| {
            let taken = js(s, "window.__taken")?;
            Ok((taken.as_u64() == Some(want)).then_some(()))
        },
    )
    .map_err(|e| {
        let taken = js(&s, "window.__taken").unwrap_or_default();
        format!("{e}; the page took {taken} lines").into()
    })
}
