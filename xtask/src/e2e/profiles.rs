//! Saved connections (issue 17): a profile saved from the connect form
//! opens by `?profile=NAME` after a reload, with its on-connect frames, and
//! survives an export, a delete and an import of the exported file.

use super::*;

/// Saved profile names as the Profiles list shows them.
fn listed(s: &Session) -> Result<Vec<String>> {
    let names = js(
        s,
        "Array.from(document.querySelectorAll('.profiles li a')).map(a => a.textContent)",
    )?;
    Ok(names
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| n.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default())
}

fn alerts(s: &Session) -> Result<String> {
    Ok(js(
        s,
        "Array.from(document.querySelectorAll('[role=alert]')).map(a => a.textContent).join(' | ')",
    )?
    .as_str()
    .unwrap_or_default()
    .to_string())
}

/// Opens the Profiles part of the connect form. Connected, the form is
/// folded into one line: a person focuses it and clicks "Profiles" (its
/// focus keeps the form open), but ChromeDriver blurs the field before it
/// clicks, which folds the form first; so the details are opened directly.
fn open_profiles(s: &Session) -> Result<()> {
    s.exec("document.querySelector('details.profiles').open = true; return null;")
        .map(drop)
}

pub fn profiles_survive_a_reload_and_an_export_import_round_trip(env: &Env) -> Result<()> {
    let recorder = Peer::start("node", "recording-server.js")?;
    let port = recorder.port;
    let join_frame = r#"{"type":"join","as":"pro"}"#;
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:{port}&name=pro&protocol=text&send={}",
        env.origin,
        url_encode(join_frame)
    ))?;
    wait_view(&s, "connected to the recorder", |v| {
        v.status.contains("Connected")
    })?;
    // Save the form's settings as "rec lab" (a space: the link must encode it).
    open_profiles(&s)?;
    s.type_into("input[aria-label='Profile name']", "rec lab")?;
    s.click(".profiles > button:nth-of-type(1)")?;
    s.wait("the profile listed", Duration::from_secs(5), |s| {
        Ok((listed(s)? == ["rec lab"]).then_some(()))
    })?;
    // A new page load by the profile's link: the same settings, the same
    // first frame (the recorder's second connection starts with it).
    s.click(".profiles li a")?;
    recorder.wait_output("connection 2", Duration::from_secs(10))?;
    wait_view(&s, "connected by the profile", |v| {
        v.status.contains("Connected")
    })?;
    let page = js(
        &s,
        "[location.search, document.querySelector('form.connect input[maxlength=\"32\"]').value,
          document.querySelector('form.connect select').value]",
    )?;
    ensure(
        page == serde_json::json!(["?profile=rec%20lab", "pro", "text"]),
        || format!("the link led to {page} (search, name, protocol)"),
    )?;
    let expected = format!("got text {}", serde_json::to_string(join_frame)?);
    recorder.wait_output("connection 2", Duration::from_secs(10))?;
    s.wait("the join frame again", Duration::from_secs(10), |_| {
        let out = recorder.output();
        let after = out
            .iter()
            .filter(|l| !l.starts_with("closed "))
            .skip_while(|l| *l != "connection 2")
            .nth(1);
        Ok((after == Some(&expected)).then_some(()))
    })?;
    capture_downloads(&s)?;
    open_profiles(&s)?;
    s.click(".profiles > button:nth-of-type(2)")?;
    let exported = last_download(&s)?;
    let text = exported[1].as_str().unwrap_or_default().to_string();
    let parsed: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    let first = &parsed[0];
    ensure(
        exported[0] == "roomcast-profiles.json"
            && first["profile"] == "rec lab"
            && first["server"] == format!("ws://127.0.0.1:{port}")
            && first["protocol"] == "text"
            && first["send"] == serde_json::json!([join_frame]),
        || format!("the export read {exported}"),
    )?;
    // Deleted, the profile is gone across a reload: the page says so.
    s.click(".profiles li button")?;
    s.wait("the profile deleted", Duration::from_secs(5), |s| {
        Ok(listed(s)?.is_empty().then_some(()))
    })?;
    s.goto(&format!("{}/?profile=rec%20lab", env.origin))?;
    s.wait("no such profile explained", Duration::from_secs(10), |s| {
        Ok(alerts(s)?
            .contains("No saved profile is named \u{201c}rec lab\u{201d}")
            .then_some(()))
    })?;
    // A file that is not profiles is explained; the exported one comes back.
    let bad = env.artifacts.join("not-profiles.json");
    std::fs::write(&bad, "{\"server\":\"ws://x\"}")?;
    open_profiles(&s)?;
    s.type_into(".profiles input[type=file]", &bad.to_string_lossy())?;
    s.wait("the bad file explained", Duration::from_secs(5), |s| {
        Ok(alerts(s)?
            .contains("not a list of Roomcast profiles")
            .then_some(()))
    })?;
    let file = env.artifacts.join("roomcast-profiles.json");
    std::fs::write(&file, &text)?;
    s.type_into(".profiles input[type=file]", &file.to_string_lossy())?;
    s.wait("the profile imported", Duration::from_secs(5), |s| {
        Ok((listed(s)? == ["rec lab"]).then_some(()))
    })?;
    s.goto(&format!("{}/?profile=rec%20lab", env.origin))?;
    recorder.wait_output("connection 3", Duration::from_secs(10))?;
    wait_view(&s, "connected by the imported profile", |v| {
        v.status.contains("Connected")
    })?;
    Ok(())
}
