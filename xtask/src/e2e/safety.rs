//! Safety end to end: a whole session under the strict CSP with a
//! violation listener, and a misbehaving server sending the hostile corpus.

use super::*;

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
    let s = env.driver.session(env.options)?;
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

/// A bug that stops the app leaves a banner, not a dead page. A panic traps
/// in the release build, and `boot.js` takes over: the banner says so, the
/// composer is disabled, what was typed in it is kept, and the reloaded page
/// puts it back. Yew panics when the browser will not make an element it
/// renders: here `cloneNode` (replaced before the app takes its own
/// reference to it; Yew makes elements by cloning one it keeps for each
/// tag) fails, and the Frames panel opens. In Russian, the banner's words
/// are there for `boot.js` too.
pub fn a_crash_shows_a_banner_and_keeps_the_draft(env: &Env) -> Result<()> {
    let s = env.driver.session(env.options)?;
    s.on_new_document(
        "const clone = Node.prototype.cloneNode;
         Node.prototype.cloneNode = function (...a) {
           if (window.__refuse) throw new DOMException('refused by the test', 'NotSupportedError');
           return clone.apply(this, a);
         };",
    )?;
    join_in(&s, env, "cass")?;
    s.type_into(COMPOSER, "half a thought")?;
    s.exec("window.__refuse = true; return null;")?;
    s.click(".frames-toggle")?;
    let seen = s.wait("the crash banner", Duration::from_secs(10), |s| {
        let v = s.exec(&format!(
            "const b = document.querySelector('.crash[role=alert]');
             return b && {{ text: b.textContent, reload: b.querySelector('a[href]') !== null,
                            disabled: document.querySelector({COMPOSER:?}).disabled,
                            kept: localStorage.getItem('roomcast.draft') }};"
        ))?;
        Ok((!v.is_null()).then_some(v))
    })?;
    let text = seen["text"].as_str().unwrap_or_default();
    ensure(
        text.contains("Roomcast stopped: reload the page.")
            && text.contains("what you were typing are kept")
            && text.contains("RuntimeError"),
        || format!("the banner reads {text:?}"),
    )?;
    ensure(seen["reload"] == true && seen["disabled"] == true, || {
        format!("no reload link or the composer still enabled: {seen}")
    })?;
    ensure(seen["kept"] == "half a thought", || {
        format!("the draft kept for the next page: {}", seen["kept"])
    })?;
    join_in(&s, env, "cass")?;
    let draft = s.exec(&format!(
        "return document.querySelector({COMPOSER:?}).value;"
    ))?;
    ensure(draft == "half a thought", || {
        format!("the reloaded composer holds {draft}")
    })?;
    // In another language the banner's words come from the app.
    s.goto(&format!("{}/?name=cass&lang=ru", env.origin))?;
    s.wait(
        "the banner's words in Russian",
        Duration::from_secs(10),
        |s| {
            let words = s.exec("return document.documentElement.dataset.crash ?? null;")?;
            Ok(words
                .as_str()
                .is_some_and(|w| w.starts_with("Roomcast остановился") && w.lines().count() == 3)
                .then_some(()))
        },
    )
}
