//! `cargo xtask bench profile`: where a page's time goes (CPU profile,
//! Chromium's counters, DOM mutations, a trace).

use super::*;

/// Prints the functions with the most self time in a CDP CPU profile.
pub(super) fn print_profile(profile: &Value, what: &str) {
    let (start, end) = (num(&profile["startTime"]), num(&profile["endTime"]));
    let nodes = profile["nodes"].as_array().cloned().unwrap_or_default();
    let total: f64 = nodes.iter().map(|n| num(&n["hitCount"])).sum();
    let ms_per_hit = (end - start) / 1000.0 / total.max(1.0);
    let mut by_name: std::collections::HashMap<String, f64> = Default::default();
    for n in &nodes {
        let name = n["callFrame"]["functionName"].as_str().unwrap_or("?");
        let name = if name.is_empty() { "(anonymous)" } else { name };
        *by_name.entry(name.chars().take(110).collect()).or_default() +=
            num(&n["hitCount"]) * ms_per_hit;
    }
    let mut top: Vec<_> = by_name.into_iter().collect();
    top.sort_by(|x, y| y.1.total_cmp(&x.1));
    println!(
        "profile of the page over {:.0} ms ({what}):",
        (end - start) / 1000.0
    );
    for (name, ms) in top.iter().take(40) {
        println!("{ms:9.1} ms  {name}");
    }
}

/// Starts the page's CPU sampler, a sample every `interval_us`.
fn start_sampler(s: &Session, interval_us: u32) -> Result<()> {
    s.cdp("Profiler.enable", serde_json::json!({}))?;
    s.cdp(
        "Profiler.setSamplingInterval",
        serde_json::json!({ "interval": interval_us }),
    )?;
    s.cdp("Profiler.start", serde_json::json!({}))?;
    Ok(())
}

/// Writes the session's trace (see `traced_session`) to `path` as JSON.
fn save_trace(s: &Session, path: &std::path::Path) -> Result<()> {
    std::fs::write(path, serde_json::to_string(&s.trace()?)?)?;
    Ok(())
}

/// `cargo xtask bench profile`: a CPU profile of the receiving Roomcast page
/// in the latency scenario, printed as the functions with the most self time.
/// The client is built with wasm function names kept (wasm-opt `-g`).
pub fn profile(page: Page, ingest: bool, history: bool, startup: bool) -> Result<()> {
    tools::ensure()?;
    let out = root().join("target/bench");
    let dist = out.join("profile-dist");
    let html = root().join(".profile.html");
    let index = std::fs::read_to_string(root().join("index.html"))?;
    std::fs::write(
        &html,
        index.replace("data-wasm-opt-params=\"", "data-wasm-opt-params=\"-g "),
    )?;
    tools::step("building the client with function names");
    let built = crate::run(std::process::Command::new("trunk").args([
        "build",
        "--offline",
        "--release",
        "--dist",
        &dist.to_string_lossy(),
        ".profile.html",
    ]));
    std::fs::remove_file(&html)?;
    built?;
    std::fs::copy(
        root().join("bench/baseline.html"),
        dist.join("bench-baseline.html"),
    )?;
    let server_bin = crate::build_server()?;
    let server = Server::start_serving(&server_bin, &dist, &[], &out.join("server.log"))?;
    let load = spawn_load_server()?;
    let chrome = chrome_options()?;
    let driver = Driver::start(&tools::chromedriver()?)?;
    let env = Env {
        driver: &driver,
        chrome: &chrome,
        origin: format!("http://{}", server.addr),
        load,
    };
    let traced = |server: &str| -> Result<Session> {
        let s = env.driver.traced_session(env.chrome)?;
        s.on_new_document(INSTRUMENT)?;
        s.goto(&env.url(page, server))?;
        Ok(s)
    };
    if startup && std::env::var("BENCH_PROFILE").as_deref() == Ok("trace") {
        // The start as a trace (no sampler): each task of the page's main
        // thread, its layouts and paints, in order.
        let s = traced(&env.own_server())?;
        let b = wait_for(&s, "connected", Duration::from_secs(20))?;
        // And the second after it: what the page does once connected (the
        // clock's first `Intl` formatter, run 14).
        std::thread::sleep(Duration::from_secs(1));
        save_trace(&s, &out.join("startup-trace.json"))?;
        println!(
            "Connected at {} ms; trace in target/bench/startup-trace.json",
            num(&b["seen"]["connected"])
        );
        return Ok(());
    }
    if startup {
        // The sampler starts on a page of the same origin (one renderer
        // process), which then navigates to the page: the whole start.
        let s = env.driver.session(env.chrome)?;
        s.on_new_document(INSTRUMENT)?;
        s.goto(&format!("{}/manifest.webmanifest", env.origin))?;
        start_sampler(&s, 100)?;
        s.exec(&format!(
            "location.href = {:?}; return null;",
            env.url(page, &env.own_server())
        ))?;
        // The old page goes first: a script run in it would end with it.
        std::thread::sleep(Duration::from_millis(300));
        let b = wait_for(&s, "connected", Duration::from_secs(20))?;
        let profile = s.cdp("Profiler.stop", serde_json::json!({}))?;
        std::fs::write(out.join("cpu.json"), profile["profile"].to_string())?;
        print_profile(&profile["profile"], "navigation to Connected and after");
        println!("Connected at {} ms", num(&b["seen"]["connected"]));
        return Ok(());
    }
    if history {
        // One more line after 100,000: profiled from the end of the flood.
        let s = env.open(
            page,
            &format!("ws://{}/flood?n={HISTORY_LINES}&extra=1", env.load),
        )?;
        wait_for(&s, "done", Duration::from_secs(300))?;
        std::thread::sleep(Duration::from_secs(1));
        start_sampler(&s, 50)?;
        send_text(&s, page, "more")?;
        let b = wait_for(&s, "extra", Duration::from_secs(30))?;
        let profile = s.cdp("Profiler.stop", serde_json::json!({}))?;
        print_profile(
            &profile["profile"],
            "from the end of the flood to one more line",
        );
        println!(
            "one more line: {:.1} ms",
            num(&b["seen"]["extra"]) - num(&b["lastFrame"])
        );
        return Ok(());
    }
    if ingest {
        // The ingest scenario, traced: where its long tasks go.
        let s = traced(&format!("ws://{}/flood?n={INGEST_LINES}", env.load))?;
        // The flood starts 800 ms after the connection opens. Sampled every
        // 100 us: a frame costs the page tens of microseconds. The sampler
        // slows the page down (wasm most): `BENCH_PROFILE=trace` leaves it
        // off, for the trace's own timings.
        let sample = std::env::var("BENCH_PROFILE").as_deref() != Ok("trace");
        if sample {
            start_sampler(&s, 100)?;
        }
        let b = wait_for(&s, "done", Duration::from_secs(120))?;
        std::thread::sleep(Duration::from_secs(2));
        if sample {
            let profile = s.cdp("Profiler.stop", serde_json::json!({}))?;
            std::fs::write(out.join("cpu.json"), profile["profile"].to_string())?;
            print_profile(&profile["profile"], "start-up, ingest and 2 s after");
        }
        println!(
            "after ingest: {}",
            s.exec("return { lines: document.querySelectorAll('[role=log] li').length, jump: !!document.querySelector('.jump') };")?
        );
        save_trace(&s, &out.join("ingest-trace.json"))?;
        println!(
            "ingest {:.0} ms; long tasks (start since the first frame, ms): {}; trace in target/bench/ingest-trace.json",
            num(&b["seen"]["done"]) - num(&b["firstFrame"]),
            s.exec("return JSON.stringify(window.__bench.longTasks);")?
        );
        return Ok(());
    }
    let relay = format!("ws://{}/relay", env.load);
    // `BENCH_PROFILE=sender`: the page that sends is the one traced.
    let sender = std::env::var("BENCH_PROFILE").as_deref() == Ok("sender");
    let (a, b) = if sender {
        let a = traced(&relay)?;
        (a, env.open(page, &relay)?)
    } else {
        let a = env.open(page, &relay)?;
        (a, traced(&relay)?)
    };
    let p = if sender { &a } else { &b };
    for s in [&a, &b] {
        wait_for(s, "connected", Duration::from_secs(20))?;
    }
    // Fill the window first, then profile the steady state.
    let send = |n: usize| send_lines(&a, page, n);
    let wait = |n: usize| {
        b.exec_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 const check = () => window.__bench.lat.length >= {n} ? done(null) : setTimeout(check, 50);
                 check();"
            ),
            60_000,
        )
    };
    send(250)?;
    wait(250)?;
    p.cdp("Profiler.enable", serde_json::json!({}))?;
    p.cdp(
        "Profiler.setSamplingInterval",
        serde_json::json!({"interval": 100}),
    )?;
    p.cdp("Performance.enable", serde_json::json!({}))?;
    let metrics = || -> Result<std::collections::HashMap<String, f64>> {
        let m = p.cdp("Performance.getMetrics", serde_json::json!({}))?;
        Ok(m["metrics"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|m| {
                        (
                            m["name"].as_str().unwrap_or("").to_string(),
                            num(&m["value"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    };
    let idle = metrics()?;
    std::thread::sleep(Duration::from_secs(3));
    let now = metrics()?;
    println!(
        "idle for 3 s: {:.0} ms of tasks",
        (now["TaskDuration"] - idle["TaskDuration"]) * 1000.0
    );
    // The browser's own counters first, without the profiler's overhead.
    let before = metrics()?;
    send(250)?;
    wait(500)?;
    let after = metrics()?;
    println!("the receiving page's main thread over 250 lines (no profiler):");
    for name in [
        "TaskDuration",
        "ScriptDuration",
        "LayoutDuration",
        "RecalcStyleDuration",
        "LayoutCount",
        "RecalcStyleCount",
    ] {
        let d = after.get(name).copied().unwrap_or(f64::NAN)
            - before.get(name).copied().unwrap_or(f64::NAN);
        let shown = if name.ends_with("Duration") {
            format!("{:.0} ms", d * 1000.0)
        } else {
            format!("{d:.0}")
        };
        println!("  {name}: {shown}");
    }
    let mut by_event: std::collections::HashMap<String, (f64, usize)> = Default::default();
    let events = p.trace()?;
    std::fs::write(out.join("trace.json"), serde_json::to_string(&events)?)?;
    // The renderer's main thread: the thread of its "RunTask"s with most time.
    let mut threads: std::collections::HashMap<(i64, i64), f64> = Default::default();
    for e in &events {
        if e["name"] == "RunTask" {
            *threads
                .entry((
                    e["pid"].as_i64().unwrap_or(0),
                    e["tid"].as_i64().unwrap_or(0),
                ))
                .or_default() += num(&e["dur"]);
        }
    }
    let main = threads
        .into_iter()
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|t| t.0);
    for e in &events {
        let at = (
            e["pid"].as_i64().unwrap_or(0),
            e["tid"].as_i64().unwrap_or(0),
        );
        if Some(at) == main && e["ph"] == "X" {
            let entry = by_event
                .entry(e["name"].as_str().unwrap_or("?").to_string())
                .or_default();
            entry.0 += num(&e["dur"]) / 1000.0;
            entry.1 += 1;
        }
    }
    let mut by_event: Vec<_> = by_event.into_iter().collect();
    by_event.sort_by(|x, y| y.1 .0.total_cmp(&x.1 .0));
    println!(
        "main-thread trace events since the page opened (inclusive ms, count; {} events):",
        events.len()
    );
    for (name, (ms, n)) in by_event.iter().take(25) {
        println!("  {ms:9.1} ms {n:6}  {name}");
    }
    p.cdp("Profiler.start", serde_json::json!({}))?;
    send(250)?;
    wait(750)?;
    let profile = p.cdp("Profiler.stop", serde_json::json!({}))?;
    std::fs::write(out.join("cpu.json"), profile["profile"].to_string())?;
    print_profile(&profile["profile"], "250 lines at 50/s");
    let moves = b.exec(
        "const c = { added: {}, removed: {}, attrs: 0, text: 0 };
         const o = new MutationObserver(ms => { for (const m of ms) {
           for (const n of m.addedNodes) c.added[n.nodeName] = (c.added[n.nodeName] || 0) + 1;
           for (const n of m.removedNodes) c.removed[n.nodeName] = (c.removed[n.nodeName] || 0) + 1;
           if (m.type === 'attributes') c.attrs++; if (m.type === 'characterData') c.text++; } });
         o.observe(document, { childList: true, subtree: true, attributes: true, characterData: true });
         window.__moves = c; return null;",
    )?;
    let _ = moves;
    send(20)?;
    wait(770)?;
    std::thread::sleep(Duration::from_millis(500));
    println!(
        "DOM mutations for 20 lines: {}",
        b.exec("return window.__moves;")?
    );
    println!(
        "following the bottom: {}",
        b.exec("return !document.querySelector('.jump');")?
    );
    drop(server);
    Ok(())
}
