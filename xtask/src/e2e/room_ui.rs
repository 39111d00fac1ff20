//! The room UI between two real browsers, config.json defaults, and the
//! axe-core accessibility audit.

use super::*;

const ARROW_UP: &str = "\u{E013}";

/// The reader scrolls the log to the top by hand (the wheel is what says it
/// is the reader, not lines coming and going).
const SCROLL_UP: &str = "const l = document.querySelector('[role=log]');
    l.dispatchEvent(new WheelEvent('wheel', { bubbles: true, deltaY: -1000 }));
    l.scrollTop = 0; l.dispatchEvent(new Event('scroll')); return null;";
const AT_BOTTOM: &str = "(() => { const l = document.querySelector('[role=log]'); return l.scrollHeight - l.scrollTop - l.clientHeight < 48; })()";

/// Two people in the room, `a` and `b`, each joined in a browser of its own.
fn two(env: &Env, a: &str, b: &str) -> Result<(Session, Session)> {
    let first = join(env, a)?;
    let second = join(env, b)?;
    wait_view(&first, &format!("{b}'s arrival"), |v| {
        v.lines.iter().any(|l| l.2 == format!("{b} joined."))
    })?;
    Ok((first, second))
}

/// Grouping: bo's consecutive lines sit under one name; a mention of ada is
/// highlighted; markup from the wire stays text.
pub fn room_groups_lines_and_highlights_mentions(env: &Env) -> Result<()> {
    let (ada, bo) = two(env, "ada", "bo")?;
    for line in ["first of three", "second of three", "hey ada, <b>look</b>"] {
        bo.type_into(COMPOSER, &format!("{line}{ENTER}"))?;
    }
    let v = wait_view(&ada, "bo's three lines", |v| {
        v.count("hey ada, <b>look</b>") == 1 && v.count("first of three") == 1
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
    )
}

/// Typing shows at the other end, and goes when the line is sent.
pub fn room_shows_who_is_typing(env: &Env) -> Result<()> {
    let (cy, dee) = two(env, "cy", "dee")?;
    dee.type_into(COMPOSER, "half a thought")?;
    cy.wait("dee is typing", Duration::from_secs(5), |s| {
        Ok(
            (js(s, "document.querySelector('.typing')?.textContent ?? ''")?
                == "dee is typing\u{2026}")
                .then_some(()),
        )
    })?;
    dee.type_into(COMPOSER, ENTER)?;
    wait_view(&cy, "the typed line", |v| v.count("half a thought") == 1)?;
    ensure(
        js(&cy, "!document.querySelector('.typing')")? == true,
        || "the typing indicator stayed after the line came".into(),
    )
}

/// A hidden tab: the title counts unseen lines, the divider marks the first,
/// and the title comes back when the tab is shown.
pub fn room_counts_unread_while_hidden(env: &Env) -> Result<()> {
    let (eve, fay) = two(env, "eve", "fay")?;
    set_hidden(&eve, true)?;
    say(&fay, "fay", &[&eve], "while eve was away 1")?;
    say(&fay, "fay", &[&eve], "while eve was away 2")?;
    let title = js(&eve, "document.title")?;
    ensure(title == "(2) Roomcast", || format!("hidden title {title}"))?;
    let divider_next = js(
        &eve,
        "document.querySelector('[role=log] .divider')?.nextElementSibling?.querySelector('.text')?.textContent",
    )?;
    ensure(divider_next == "while eve was away 1", || {
        format!("the divider sits before {divider_next}")
    })?;
    set_hidden(&eve, false)?;
    ensure(js(&eve, "document.title")? == "Roomcast", || {
        "title not restored".into()
    })
}

/// Search by text (ASCII case-insensitive); export as JSON and as text,
/// read back from the blobs the page made.
pub fn room_searches_and_exports(env: &Env) -> Result<()> {
    let (gus, hal) = two(env, "gus", "hal")?;
    say(&hal, "hal", &[&gus], "hey gus, <b>look</b>")?;
    say(&hal, "hal", &[&gus], "while gus was away 1")?;
    say(&hal, "hal", &[&gus], "while gus was away 2")?;
    gus.type_into("input[type=search]", "GUS WAS away")?;
    let shown = gus.wait("the search to apply", Duration::from_secs(5), |s| {
        let v = view(s)?;
        let texts: Vec<String> = v
            .lines
            .iter()
            .filter(|l| l.0.contains("line"))
            .map(|l| l.2.clone())
            .collect();
        Ok((texts.len() == 2).then_some(texts))
    })?;
    ensure(shown.iter().all(|t| t.contains("gus was away")), || {
        format!("search shows {shown:?}")
    })?;
    gus.exec(
        "const box = document.querySelector('input[type=search]');
         box.value = ''; box.dispatchEvent(new InputEvent('input', { bubbles: true })); return null;",
    )?;
    capture_downloads(&gus)?;
    // Each export's link lives until the next export: read each at once.
    let read_export = |button: usize| -> Result<Value> {
        gus.click(&format!(".tools button:nth-of-type({button})"))?;
        last_download(&gus)
    };
    let exported = [read_export(1)?, read_export(2)?]; // JSON, then text
    let json_text = exported[0][1].as_str().unwrap_or_default();
    let parsed: Value = serde_json::from_str(json_text).unwrap_or(Value::Null);
    let has_line = parsed.as_array().is_some_and(|a| {
        a.iter().any(|l| {
            l["from"] == "hal" && l["text"] == "hey gus, <b>look</b>" && l["kind"] == "peer"
        })
    });
    ensure(exported[0][0] == "roomcast-log.json" && has_line, || {
        format!("JSON export: {}", &json_text[..json_text.len().min(300)])
    })?;
    let plain = exported[1][1].as_str().unwrap_or_default();
    ensure(
        exported[1][0] == "roomcast-log.txt" && plain.contains("] hal: while gus was away 2\n"),
        || format!("text export: {}", &plain[..plain.len().min(300)]),
    )
}

/// The log sticks to the bottom; once the reader scrolls up, new lines do
/// not move the view and a button counts them; it brings the reader back;
/// sending jumps to the bottom too.
pub fn room_follows_the_bottom_and_counts_new_lines(env: &Env) -> Result<()> {
    let (ivy, jo) = two(env, "ivy", "jo")?;
    for i in 1..=25 {
        jo.type_into(COMPOSER, &format!("filler {i}{ENTER}"))?;
    }
    wait_view(&ivy, "the filler", |v| v.count("filler 25") == 1)?;
    ensure(js(&ivy, AT_BOTTOM)? == true, || {
        "the log did not follow the bottom".into()
    })?;
    ivy.exec(SCROLL_UP)?;
    for i in 1..=3 {
        say(&jo, "jo", &[&ivy], &format!("while ivy scrolled up {i}"))?;
    }
    let button = ivy.wait("the new-messages button", Duration::from_secs(5), |s| {
        let t = js(s, "document.querySelector('.jump')?.textContent ?? ''")?;
        Ok(t.as_str().filter(|t| !t.is_empty()).map(String::from))
    })?;
    ensure(button.starts_with("3 new messages"), || {
        format!("button says {button:?}")
    })?;
    ensure(
        js(&ivy, "document.querySelector('[role=log]').scrollTop")? == 0,
        || "new lines moved the reader's view".into(),
    )?;
    ivy.click(".jump")?;
    ivy.wait("back at the bottom", Duration::from_secs(5), |s| {
        Ok(
            (js(s, AT_BOTTOM)? == true && js(s, "!document.querySelector('.jump')")? == true)
                .then_some(()),
        )
    })?;
    ivy.exec(SCROLL_UP)?;
    say(&ivy, "ivy", &[&jo], "sent from up there")?;
    ivy.wait("sending to jump down", Duration::from_secs(5), |s| {
        Ok((js(s, AT_BOTTOM)? == true).then_some(()))
    })
    .map(drop)
}

/// Up in the empty composer recalls the last message sent.
pub fn room_recalls_the_last_line(env: &Env) -> Result<()> {
    let (kim, lu) = two(env, "kim", "lu")?;
    say(&kim, "kim", &[&lu], "a line to recall")?;
    kim.type_into(COMPOSER, ARROW_UP)?;
    let recalled = js(
        &kim,
        "document.querySelector('textarea[aria-label=Message]').value",
    )?;
    ensure(recalled == "a line to recall", || {
        format!("Up recalled {recalled}")
    })
}

/// The theme toggle goes system, dark, light, system, and the page's
/// computed colours follow (the headless browser prefers light, so system
/// looks light); the server is remembered as a recent one.
pub fn room_toggles_the_theme_and_remembers_the_server(env: &Env) -> Result<()> {
    let mo = join(env, "mo")?;
    let colours = "(() => { const s = getComputedStyle(document.body);
        return [document.documentElement.dataset.theme ?? '', s.backgroundColor, s.color]; })()";
    let system = js(&mo, colours)?;
    mo.click(".theme")?;
    let dark = js(&mo, colours)?;
    mo.click(".theme")?;
    let light = js(&mo, colours)?;
    mo.click(".theme")?;
    let back = js(&mo, colours)?;
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
    let recent = js(
        &mo,
        "[...document.querySelectorAll('#recent-servers option')].map(o => o.value)",
    )?;
    ensure(recent.as_array().is_some_and(|r| !r.is_empty()), || {
        format!("recent servers {recent}")
    })
}

/// A reload shows the log kept in the browser, each line once, with a note.
pub fn room_keeps_its_log_across_a_reload(env: &Env) -> Result<()> {
    let (max, ned) = two(env, "max", "ned")?;
    let said = ["kept line one", "kept line two"];
    for line in said {
        say(&ned, "ned", &[&max], line)?;
    }
    say(&max, "max", &[&ned], "my own kept line")?;
    max.goto(&format!("{}/?name=max", env.origin))?;
    let v = wait_view(&max, "max back with his log", |v| {
        v.status.contains("Connected") && v.count("my own kept line") >= 1
    })?;
    ensure(
        v.lines.iter().any(|l| l.2.contains("kept in this browser")),
        || "no note of the kept log".into(),
    )?;
    show_all(&max)?;
    let all = view(&max)?;
    for text in said.into_iter().chain(["my own kept line"]) {
        ensure(all.count(text) == 1, || {
            format!("after the reload {text:?} shows {} times", all.count(text))
        })?;
    }
    Ok(())
}

/// A deployment's config.json next to index.html sets the defaults; the
/// page URL still overrides them.
pub fn config_json_sets_defaults(env: &Env) -> Result<()> {
    let path = crate::root().join("dist/config.json");
    std::fs::write(&path, r#"{"name": "configured", "protocol": "json"}"#)?;
    let outcome = (|| -> Result<()> {
        let s = env.driver.session(env.options)?;
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

/// axe-core's violations on the page as it is now, each labelled `label`
/// (axe-core from npm, tests/peers, loaded into the page once).
pub(super) fn axe(s: &Session, label: &str) -> Result<Vec<String>> {
    if js(s, "typeof axe === 'object'")? != true {
        let axe = std::fs::read_to_string(
            crate::root().join("tests/peers/node_modules/axe-core/axe.min.js"),
        )?;
        s.exec(&format!("{axe}\nreturn null;"))?;
    }
    let found = s.exec_async(
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
                .map(|v| format!("[{label}] {}", v.as_str().unwrap_or("?")))
                .collect()
        })
        .unwrap_or_default())
}

/// axe-core (from npm, tests/peers) audits the running app in headless
/// Chromium: light and dark themes, connected and disconnected, with a
/// conversation on screen. Zero violations allowed. The connected light view
/// is also the README's screenshot (`ROOMCAST_SCREENSHOT=1` writes it to
/// docs/screenshot.png).
pub fn accessibility_audit(env: &Env) -> Result<()> {
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
    let audit = |state: &str, theme: &str| -> Result<Vec<String>> {
        alba.exec(&format!(
            "document.documentElement.dataset.theme = '{theme}'; return null;"
        ))?;
        axe(&alba, &format!("{state}, {theme}"))
    };
    let mut violations = Vec::new();
    for theme in ["light", "dark"] {
        violations.extend(audit("connected", theme)?);
    }
    // The Frames panel open, with frames listed.
    alba.click(".frames-toggle")?;
    say(&alba, "alba", &[&bram], "With the frames panel open.")?;
    for theme in ["light", "dark"] {
        violations.extend(audit("frames panel", theme)?);
    }
    alba.click(".frames-toggle")?;
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
    crate::figure("accessibility: axe-core, 0 violations in light and dark, connected, with the Frames panel open and disconnected, and on a 390 px screen".into());
    Ok(())
}

/// A page opened by `?server=` alone connects before its first render, as a
/// random guest: the name the room joined with is the one the form shows.
pub fn a_guest_joins_under_the_name_the_form_shows(env: &Env) -> Result<()> {
    let host = env.origin.trim_start_matches("http://");
    let s = env.driver.session(env.options)?;
    s.goto(&format!("{}/?server=ws://{host}/ws", env.origin))?;
    // (A first status may say "Connected to …" when the server's welcome
    // comes after `auto` settled on text; the welcome then switches it.)
    let v = wait_view(&s, "a guest connected", |v| {
        v.status.contains("Connected") && v.status.contains(" as ")
    })?;
    let shown = js(
        &s,
        "document.querySelector('form.connect input[maxlength=\"32\"]').value",
    )?;
    let name = shown.as_str().unwrap_or_default();
    ensure(
        name.starts_with("guest-") && v.status.contains(&format!("as {name}")),
        || {
            format!(
                "the form says {shown}, the status {:?}, lines {:?}",
                v.status, v.lines
            )
        },
    )
}

/// A line too big for the server (it closes with 1009) is marked failed on
/// itself, with Retry (sent again: the server refuses it again) and Discard
/// (it leaves the log and the outbox); the room reconnects meanwhile.
pub fn a_line_too_big_fails_with_retry_and_discard(env: &Env) -> Result<()> {
    let lee = join(env, "lee")?;
    let big = format!("big{}", " word".repeat(14_000));
    send_through_page(&lee, &big)?;
    let refusals = |v: &View| v.lines.iter().filter(|l| l.2.contains("1009")).count();
    let failed = |v: &View| v.line(&big).is_some_and(|l| l.0.contains("failed"));
    let v = wait_view(&lee, "the big line failed, and the room back", |v| {
        failed(v) && v.status.contains("Connected")
    })?;
    let before = refusals(&v);
    // Kept as failed: after a reload it is failed still, and not sent again
    // (which would make the server close once more).
    lee.exec("location.reload(); return null;")?;
    wait_view(&lee, "the failed line after a reload", |v| {
        failed(v) && v.status.contains("Connected")
    })?;
    std::thread::sleep(Duration::from_millis(1500));
    let v = view(&lee)?;
    ensure(refusals(&v) <= before && failed(&v), || {
        format!(
            "after a reload: {} refusals (before: {before}), the line {:?}",
            refusals(&v),
            v.line(&big).map(|l| &l.0)
        )
    })?;
    let before = refusals(&v);
    let buttons = lee.exec(
        "return [...document.querySelectorAll('[role=log] li.failed button')].map(b => b.textContent);",
    )?;
    ensure(buttons == serde_json::json!(["Retry", "Discard"]), || {
        format!("the failed line's buttons: {buttons}")
    })?;
    // Clicked in the page: WebDriver's own click lands elsewhere while the
    // log, following the bottom, scrolls back under it.
    let click = |css: &str| {
        lee.exec(&format!(
            "document.querySelector({css:?}).click(); return null;"
        ))
    };
    click("[role=log] li.failed button")?; // Retry
    wait_view(&lee, "the retried line refused again", |v| {
        refusals(v) > before && failed(v) && v.status.contains("Connected")
    })?;
    click("[role=log] li.failed button + button")?; // Discard
    wait_view(&lee, "the big line discarded", |v| v.line(&big).is_none())?;
    // Gone from the outbox too: a reload does not bring it back.
    lee.goto(&format!("{}/?name=lee", env.origin))?;
    let after = wait_view(&lee, "lee back", |v| v.status.contains("Connected"))?;
    ensure(after.line(&big).is_none(), || {
        "the discarded line came back".into()
    })
}
