//! The workbench (issue 17): the Frames panel, raw frames, and the frames a
//! connection sends first, against real servers.

use super::*;

/// The Frames panel's rows: (head, body).
fn frame_rows(s: &Session) -> Result<Vec<(String, String)>> {
    let rows = js(
        s,
        "Array.from(document.querySelectorAll('[role=region][aria-label=Frames] li.frame')).map(li =>
            [li.firstChild.textContent, li.querySelector('pre').textContent])",
    )?;
    Ok(rows
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    let part = |i: usize| r[i].as_str().unwrap_or_default().to_string();
                    (part(0), part(1))
                })
                .collect()
        })
        .unwrap_or_default())
}

/// The UTF-8 size a row's head claims: `… N B · …`.
fn claimed_size(head: &str) -> Option<usize> {
    let before = head.split(" B \u{b7} ").next()?;
    before.rsplit(' ').next()?.parse().ok()
}

/// A typed line shows in the Frames panel going out and, echoed by the
/// reference server, coming in, each with its size in bytes and what the
/// envelope calls it; the totals count both ways.
pub fn frames_panel_lists_a_line_out_and_its_echo_in(env: &Env) -> Result<()> {
    let s = join(env, "fina")?;
    s.click(".frames-toggle")?;
    s.type_into(COMPOSER, &format!("inspect me \u{2603}{ENTER}"))?;
    let rows = s.wait(
        "the frame out and its echo in",
        Duration::from_secs(10),
        |s| {
            let rows = frame_rows(s)?;
            let out = rows
                .iter()
                .any(|(h, b)| h.starts_with("\u{2191} out") && b.contains("inspect me"));
            let back = rows
                .iter()
                .any(|(h, b)| h.starts_with("\u{2193} in") && b.contains("inspect me"));
            Ok((out && back).then_some(rows))
        },
    )?;
    for (head, body) in rows.iter().filter(|(_, b)| b.contains("inspect me")) {
        ensure(claimed_size(head) == Some(body.len()), || {
            format!(
                "{head:?} does not give the {} bytes of {body:?}",
                body.len()
            )
        })?;
        ensure(
            head.ends_with("\u{b7} message") && head.contains(" text "),
            || format!("{head:?} does not say it is a text `message` frame"),
        )?;
    }
    // Recorded since the panel opened (the line, its echo, and whatever else
    // went by, such as a typing notice): the totals count what the list shows.
    let seen = js(
        &s,
        "[document.querySelector('.totals').textContent,
          document.querySelectorAll('li.frame.in').length,
          document.querySelectorAll('li.frame.out').length]",
    )?;
    let totals = seen[0].as_str().unwrap_or_default();
    let count = |dir: &str| {
        totals
            .split(&format!("{dir}: "))
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse::<u64>().ok())
    };
    ensure(
        count("In") == seen[1].as_u64()
            && count("Out") == seen[2].as_u64()
            && count("Out") >= Some(1),
        || {
            format!(
                "the totals read {totals:?}; the list shows {} in, {} out",
                seen[1], seen[2]
            )
        },
    )?;
    // A filter that matches nothing, then the direction.
    s.type_into("input[aria-label='Filter frames']", "no such frame")?;
    s.wait("the filter applied", Duration::from_secs(5), |s| {
        Ok(frame_rows(s)?.is_empty().then_some(()))
    })?;
    Ok(())
}

/// The page opened with two `send=` frames: a recording server gets them
/// first and in order, and again after it restarts; raw text, hex and
/// base64 frames typed in the Frames panel reach it byte-exact.
pub fn on_connect_and_raw_frames_reach_a_recording_server(env: &Env) -> Result<()> {
    let recorder = Peer::start("node", "recording-server.js")?;
    let port = recorder.port;
    let join_frame = r#"{"type":"join","room":"lab"}"#;
    let q = url_encode;
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:{port}&name=rec&protocol=text&send={}&send={}",
        env.origin,
        q(join_frame),
        q("/nick rec")
    ))?;
    wait_view(&s, "connected to the recorder", |v| {
        v.status.contains("Connected")
    })?;
    let first_two = |peer: &Peer| -> Result<Vec<String>> {
        peer.wait_output("/nick rec", Duration::from_secs(10))?;
        Ok(peer
            .output()
            .into_iter()
            .filter(|l| l.starts_with("got "))
            .take(2)
            .collect())
    };
    let expected = vec![
        format!("got text {}", serde_json::to_string(join_frame)?),
        "got text \"/nick rec\"".to_string(),
    ];
    let got = first_two(&recorder)?;
    ensure(got == expected, || {
        format!("first frames {got:?}, wanted {expected:?}")
    })?;
    s.click(".frames-toggle")?;
    let raw = |text: &str, format: &str| -> Result<()> {
        s.exec(&format!(
            "const t = document.querySelector('textarea[aria-label=\"Frame to send\"]');
             t.value = {};
             document.querySelector('select[aria-label=\"Raw frame format\"]').value = '{format}';
             return null;",
            serde_json::to_string(text)?
        ))?;
        s.click("form.raw button[type=submit]")
    };
    raw("raw \u{2603} text\nline two", "text")?;
    raw("00 ff:10 AB", "hex")?;
    raw("3q2+7w==", "base64")?;
    let peer = &recorder;
    peer.wait_output("got binary deadbeef", Duration::from_secs(10))?;
    let out = peer.output();
    for want in [
        format!(
            "got text {}",
            serde_json::to_string("raw \u{2603} text\nline two")?
        ),
        "got binary 00ff10ab".to_string(),
        "got binary deadbeef".to_string(),
    ] {
        ensure(out.contains(&want), || {
            format!("the recorder printed {out:?}, not {want:?}")
        })?;
    }
    let v = view(&s)?;
    ensure(
        v.lines
            .iter()
            .any(|l| l.2.contains("Sent a raw binary frame (4 bytes)")),
        || "the log does not say a raw frame was sent".into(),
    )?;
    // The server restarts: the setup frames again, first.
    drop(recorder);
    let recorder = Peer::start_on(port, "node", "recording-server.js", &[])?;
    let got = first_two(&recorder)?;
    ensure(got == expected, || {
        format!("after the restart the first frames were {got:?}")
    })
}

/// On a 390 px screen, once connected, the connection form folds into one
/// line (server, name, Disconnect) and the header with it; focusing the
/// server field unfolds it for editing.
pub fn connection_form_folds_once_connected(env: &Env) -> Result<()> {
    let s = env.driver.session(env.options)?;
    s.set_window(390, 844)?;
    s.goto(&format!("{}/?name=fold", env.origin))?;
    wait_view(&s, "connected", |v| v.status.contains("Connected"))?;
    let measure = || -> Result<Value> {
        js(
            &s,
            "(() => { const f = document.querySelector('form.connect');
                      const p = document.querySelector('form.connect select');
                      return [f.getBoundingClientRect().height, p.offsetParent !== null,
                              document.querySelector('header.top').getBoundingClientRect().height]; })()",
        )
    };
    let folded = s.wait("the form folded", Duration::from_secs(5), |_| {
        let m = measure()?;
        Ok((m[1] == false && m[0].as_f64().unwrap_or(999.0) <= 48.0).then_some(m))
    })?;
    let header = folded[2].as_f64().unwrap_or(999.0);
    s.click("form.connect input[inputmode=url]")?;
    let unfolded = measure()?;
    ensure(unfolded[1] == true, || {
        format!("focusing the server field did not unfold the form: {unfolded}")
    })?;
    ensure(unfolded[0].as_f64().unwrap_or_default() > 48.0, || {
        format!("unfolded, the form is still one line: {unfolded}")
    })?;
    ensure(header <= 64.0, || {
        format!("folded, the header still takes {header} px of 844")
    })
}

/// Two rooms on the reference server (`/ws/lab` and the default `/ws`):
/// each page chats in its own room, and no line crosses.
pub fn rooms_on_the_reference_server_never_mix(env: &Env) -> Result<()> {
    let host = env.origin.trim_start_matches("http://");
    let lab = format!("ws://{host}/ws/lab");
    let (a, b) = (
        visit(env, "labA", &lab, "auto")?,
        visit(env, "labB", &lab, "auto")?,
    );
    let lobby = join(env, "lobbyC")?;
    say(&a, "labA", &[&b], "only for the lab")?;
    say(&lobby, "lobbyC", &[], "only for the lobby")?;
    std::thread::sleep(Duration::from_millis(500));
    let lobby_view = view(&lobby)?;
    ensure(lobby_view.count("only for the lab") == 0, || {
        "a line of /ws/lab reached /ws".into()
    })?;
    for page in [&a, &b] {
        let v = view(page)?;
        ensure(v.count("only for the lobby") == 0, || {
            "a line of /ws reached /ws/lab".into()
        })?;
        let here = js(
            page,
            "document.querySelector('.presence')?.textContent ?? ''",
        )?;
        let here = here.as_str().unwrap_or_default().to_string();
        ensure(here.contains("labB") && !here.contains("lobbyC"), || {
            format!("the lab's presence reads {here:?}")
        })?;
    }
    Ok(())
}
