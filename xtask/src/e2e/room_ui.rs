//! The room UI between two real browsers, config.json defaults, and the
//! axe-core accessibility audit.

use super::*;

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
