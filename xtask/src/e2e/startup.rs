//! Startup (issue 18): the socket `boot.js` opens before the app has loaded.

use super::*;

/// A plain `?server=…&protocol=text` page: `boot.js` opens the socket while
/// the wasm loads and the app takes it over. The server sees one connection,
/// not two, and what it said before the app was there (it greets the moment
/// a connection opens) reaches the log, in order; the socket then carries
/// the page's own lines. A page whose settings have an error does not
/// connect: the socket boot.js opened is closed at once.
pub fn the_socket_boot_opens_is_taken_over_with_what_came_first(env: &Env) -> Result<()> {
    let recorder = Peer::start_with("node", "recording-server.js", &["greet"])?;
    let s = env.driver.session(env.options)?;
    s.goto(&format!(
        "{}/?server=ws://127.0.0.1:{}&name=early&protocol=text",
        env.origin, recorder.port
    ))?;
    wait_view(&s, "the greeting in the log", |v| {
        v.status.contains("Connected") && v.count("hello 1") == 1 && v.count("hello 2") == 1
    })?;
    let v = view(&s)?;
    let at = |text: &str| v.lines.iter().position(|l| l.2 == text);
    ensure(at("hello 1") < at("hello 2"), || {
        format!("the greeting out of order: {:?}", v.lines)
    })?;
    s.type_into(COMPOSER, &format!("after the handover{ENTER}"))?;
    recorder.wait_output("got text \"after the handover\"", Duration::from_secs(10))?;
    std::thread::sleep(Duration::from_millis(500));
    let connections: Vec<String> = recorder
        .output()
        .into_iter()
        .filter(|l| l.starts_with("connection "))
        .collect();
    ensure(connections == ["connection 1"], || {
        format!("the server saw {connections:?}: the early socket was not the one used")
    })?;
    let bad = env.driver.session(env.options)?;
    bad.goto(&format!(
        "{}/?server=ws://127.0.0.1:{}&name={}&protocol=text",
        env.origin,
        recorder.port,
        "n".repeat(40)
    ))?;
    wait_view(&bad, "the name's error", |v| {
        !v.status.contains("Connected")
    })?;
    // Closed well before boot.js's own 20 s limit: the server saw it close,
    // or never saw it, when the close came while its handshake was still on
    // the way (a worker's socket starts a little later than the page's).
    let closed = recorder
        .wait_output("closed 2", Duration::from_secs(5))
        .is_ok();
    let out = recorder.output();
    ensure(closed || !out.iter().any(|l| l == "connection 2"), || {
        format!("the declined socket was still open after 5 s: {out:?}")
    })?;
    ensure(
        !recorder
            .output()
            .iter()
            .any(|l| l.starts_with("got ") && l.contains("hello")),
        || "the declined page sent something".into(),
    )
}
