//! `cargo xtask bench`: Roomcast against the tutorial's vanilla-JS client
//! (bench/baseline.html), in the same run, on the same servers, in the same
//! headless Chromium. Measurements are taken inside the page: a script
//! injected before the page's own (Chrome DevTools Protocol) timestamps
//! WebSocket frames, DOM insertions, long tasks and memory, identically for
//! both pages. Prints medians, ratios and PASS/FAIL per budget; writes an SVG
//! of the latency distribution.

mod charts;
mod load_server;
mod profile;
mod scenarios;
mod soak;
mod storage;

use charts::*;
use load_server::*;
pub use profile::profile;
use scenarios::*;

use crate::stats::{median, percentile as pct};
use crate::webdriver::{Driver, Session};
use crate::{root, server::Server, tools, Result};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use std::{io::Write, path::Path, time::Duration};
use tokio_tungstenite::tungstenite::{handshake::server::Request, Message};

/// Rounds unless `cargo xtask bench N` says otherwise.
const ROUNDS: usize = 3;
const INGEST_LINES: usize = 20_000;
const HISTORY_LINES: usize = 100_000;
const LATENCY_LINES: usize = 1_000;

#[derive(Clone, Copy, PartialEq)]
pub enum Page {
    Roomcast,
    Baseline,
}

struct Env<'a> {
    driver: &'a Driver,
    chrome: &'a Value,
    origin: String,
    load: String,
}

impl Env<'_> {
    fn open(&self, page: Page, server: &str) -> Result<Session> {
        let s = self.driver.session(self.chrome)?;
        s.on_new_document(INSTRUMENT)?;
        // `BENCH_RTT=50` (ms) and `BENCH_MBPS=10` (megabits a second, down
        // and up): Chromium's network emulation, for every request and socket
        // of the page, as over a real network, where loopback hides what the
        // page does while its files arrive.
        let knob = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
        let (rtt, mbps) = (knob("BENCH_RTT"), knob("BENCH_MBPS"));
        if rtt.is_some() || mbps.is_some() {
            let bytes = mbps.map_or(-1.0, |m| m * 1e6 / 8.0);
            s.cdp("Network.enable", serde_json::json!({}))?;
            s.cdp(
                "Network.emulateNetworkConditions",
                serde_json::json!({ "offline": false, "latency": rtt.unwrap_or(0.0),
                    "downloadThroughput": bytes, "uploadThroughput": bytes }),
            )?;
        }
        s.goto(&self.url(page, server))?;
        Ok(s)
    }

    /// The address of `page` connecting to `server`.
    fn url(&self, page: Page, server: &str) -> String {
        // The server URL has its own query: encode it as one value.
        let server: String = server
            .chars()
            .map(|c| match c {
                '%' | '&' | '?' | '=' | '#' | '+' | ' ' => format!("%{:02X}", c as u32),
                c => c.to_string(),
            })
            .collect();
        match page {
            Page::Roomcast => format!("{}/?server={server}&protocol=text&name=bench", self.origin),
            Page::Baseline => format!("{}/bench-baseline.html?server={server}", self.origin),
        }
    }

    /// The reference server's own room, on the origin that serves the pages.
    fn own_server(&self) -> String {
        format!("ws://{}/ws", self.origin.trim_start_matches("http://"))
    }
}

/// Bytes of wasm + JS + CSS in dist/: raw, gzip and brotli.
fn sizes(dist: &Path) -> Result<(usize, usize, usize)> {
    let (mut raw, mut gz, mut br) = (0, 0, 0);
    for entry in std::fs::read_dir(dist)? {
        let path = entry?.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !["wasm", "js", "css"].contains(&ext) {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        raw += bytes.len();
        let mut g = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        g.write_all(&bytes)?;
        gz += g.finish()?.len();
        let mut b = Vec::new();
        brotli::BrotliCompress(
            &mut &bytes[..],
            &mut b,
            &brotli::enc::BrotliEncoderParams::default(),
        )?;
        br += b.len();
    }
    Ok((raw, gz, br))
}

/// The budget check, as the test suite runs it too (bytes are deterministic).
pub const SIZE_BUDGET_GZIP: usize = 200_000;

pub fn size_check() -> Result<()> {
    let (raw, gz, br) = sizes(&root().join("dist"))?;
    eprintln!("    size: wasm+js+css {raw} B raw, {gz} B gzip, {br} B brotli (budget {SIZE_BUDGET_GZIP} B gzip)");
    if gz <= SIZE_BUDGET_GZIP {
        Ok(())
    } else {
        Err(format!("{gz} B gzip is over the budget of {SIZE_BUDGET_GZIP} B").into())
    }
}

/// Runs the bench: `rounds` rounds (default [`ROUNDS`]) of the scenarios
/// whose name contains `only` (all by default).
pub fn bench(rounds: Option<usize>, only: Option<&str>) -> Result<()> {
    let rounds = rounds.unwrap_or(ROUNDS).max(1);
    let wanted = |name: &str| only.is_none_or(|o| name.contains(o));
    tools::ensure()?;
    crate::build_client(true)?;
    let server_bin = crate::build_server()?;
    let out = root().join("target/bench");
    let dist = out.join("dist");
    crate::copy_dir(&root().join("dist"), &dist)?;
    std::fs::copy(
        root().join("bench/baseline.html"),
        dist.join("bench-baseline.html"),
    )?;
    let server = Server::start_serving(
        &server_bin,
        &dist,
        &["--rate", "1000", "--burst", "1000"],
        &out.join("server.log"),
    )?;

    let load = spawn_load_server()?;
    let chrome = chrome_options()?;
    let driver = Driver::start(&tools::chromedriver()?)?;
    let env = Env {
        driver: &driver,
        chrome: &chrome,
        origin: format!("http://{}", server.addr),
        load,
    };
    type Samples = [Vec<f64>; 2];
    let (mut ingest_ms, mut longest, mut one_more, mut elements, mut memory, mut start): (
        Samples,
        Samples,
        Samples,
        Samples,
        Samples,
        Samples,
    ) = Default::default();
    let mut lat: Samples = Default::default();
    let mut gaps: Samples = Default::default();
    let mut restart: Samples = Default::default();
    // The last round's ingest timelines, for the chart.
    let mut timelines: [Timeline; 2] = Default::default();
    for round in 1..=rounds {
        tools::step(&format!("round {round} of {rounds}"));
        for (i, page) in [Page::Roomcast, Page::Baseline].into_iter().enumerate() {
            let who = if page == Page::Roomcast {
                "Roomcast"
            } else {
                "baseline"
            };
            if wanted("ingest") {
                let (t, l, g, timeline) =
                    ingest(&env, page).map_err(|e| format!("{who} ingest: {e}"))?;
                timelines[i] = timeline;
                eprintln!(
                    "    {who}: ingest {t:.0} ms, longest task {l:.0} ms, longest frame gap {g:.0} ms"
                );
                ingest_ms[i].push(t);
                longest[i].push(l);
                gaps[i].push(g);
            }
            if wanted("latency") {
                let samples = latency(&env, page).map_err(|e| format!("{who} latency: {e}"))?;
                eprintln!("    {who}: {} latency samples", samples.len());
                lat[i].extend(samples);
            }
            if wanted("history") {
                let (o, e, mem) = history(&env, page).map_err(|e| format!("{who} history: {e}"))?;
                eprintln!("    {who}: one more line {o:.1} ms, {e} elements, {mem:.0} MB");
                one_more[i].push(o);
                elements[i].push(e);
                memory[i].push(mem);
            }
            if wanted("startup") {
                let (st, again, steps) =
                    startup(&env, page).map_err(|e| format!("{who} startup: {e}"))?;
                eprintln!("    {who}: startup {st:.0} ms ({steps})");
                start[i].push(st);
                restart[i].push(again);
            }
        }
    }
    // Once per run, Roomcast alone: a million lines through one page.
    let soaked = if wanted("soak") {
        tools::step("soak: 1,000,000 lines through one Roomcast page");
        Some(soak::soak(&env).map_err(|e| format!("soak: {e}"))?)
    } else {
        None
    };
    // Once per run: where the kept log should live.
    let stored = if wanted("storage") {
        tools::step("storage: localStorage against IndexedDB for the kept log");
        Some(storage::compare(&env)?)
    } else {
        None
    };
    for l in &mut lat {
        l.sort_by(f64::total_cmp);
    }
    let (raw, gz, br) = sizes(&root().join("dist"))?;
    let m = |s: &Samples| (median(s[0].clone()), median(s[1].clone()));
    // A measure, Roomcast's and the baseline's figures, its budget, and
    // whether it holds (`None`: a figure with no budget).
    type Row = (&'static str, (f64, f64), String, Option<bool>);
    let rows: Vec<Row> = {
        let (ri, bi) = m(&ingest_ms);
        let (rl, bl) = m(&longest);
        let (rg, bg) = m(&gaps);
        let (p50r, p50b) = (pct(&lat[0], 0.5), pct(&lat[1], 0.5));
        let (p99r, p99b) = (pct(&lat[0], 0.99), pct(&lat[1], 0.99));
        let (ro, bo) = m(&one_more);
        let (re, be) = m(&elements);
        let (rm, bm) = m(&memory);
        let (rs, bs) = m(&start);
        let (rr, br) = m(&restart);
        vec![
            (
                "ingest 20,000 lines (ms)",
                (ri, bi),
                "<= 1.0x baseline".into(),
                Some(ri <= bi),
            ),
            (
                "longest task during ingest (ms)",
                (rl, bl),
                "<= 50".into(),
                Some(rl <= 50.0),
            ),
            (
                "longest gap between animation frames in the burst (ms)",
                (rg, bg),
                "<= 50".into(),
                Some(rg <= 50.0),
            ),
            (
                "latency p50 (ms)",
                (p50r, p50b),
                "<= 1.1x baseline and <= 5".into(),
                Some(p50r <= 1.1 * p50b && p50r <= 5.0),
            ),
            (
                "latency p99 (ms)",
                (p99r, p99b),
                "<= 1.5x baseline and <= 20".into(),
                Some(p99r <= 1.5 * p99b && p99r <= 20.0),
            ),
            (
                "one more line at 100,000 (ms)",
                (ro, bo),
                "<= 4".into(),
                Some(ro <= 4.0),
            ),
            (
                "page elements at 100,000 lines",
                (re, be),
                "<= 2,000".into(),
                Some(re <= 2000.0),
            ),
            (
                "memory at 100,000 lines (MB)",
                (rm, bm),
                "<= 80".into(),
                Some(rm <= 80.0),
            ),
            (
                "startup to Connected (ms)",
                (rs, bs),
                "<= 1.5x baseline".into(),
                Some(rs <= 1.5 * bs),
            ),
            (
                "startup to Connected, a second visit (ms)",
                (rr, br),
                "none (a returning user's)".into(),
                None,
            ),
        ]
    };
    let mut table = String::from("| measure | Roomcast | baseline | ratio | budget | result |\n| --- | --- | --- | --- | --- | --- |\n");
    for (name, (r, b), budget, pass) in &rows {
        if r.is_nan() {
            table += &format!("| {name} | — | — | — | {budget} | not run |\n");
            continue;
        }
        table += &format!(
            "| {name} | {r:.1} | {b:.1} | {:.2} | {budget} | {} |\n",
            r / b,
            match pass {
                Some(true) => "PASS",
                Some(false) => "FAIL",
                None => "—",
            }
        );
    }
    table += &format!(
        "| size: wasm+js+css (bytes) | {raw} raw, {gz} gzip, {br} brotli | — | — | <= {SIZE_BUDGET_GZIP} gzip | {} |\n",
        if gz <= SIZE_BUDGET_GZIP { "PASS" } else { "FAIL" }
    );
    println!(
        "\n{rounds} rounds, medians (latency: all {} samples per page)\n\n{table}",
        lat[0].len()
    );
    if let Some(soak) = &soaked {
        let mut t = String::from(
            "| lines through the page | wasm memory (MB) | JS heap (MB) |\n| --- | --- | --- |\n",
        );
        for (n, wasm, heap) in &soak.points {
            t += &format!("| {n} | {wasm:.1} | {heap:.1} |\n");
        }
        let growth = soak.growth();
        t += &format!(
            "\nsoak: {} lines in {:.0} s; memory growth from the first quarter to the last: {growth:.1} MB (budget <= {} MB: {}); \
             a typed line delivered once after it: {}\n",
            soak::soak_lines(),
            soak.seconds,
            soak::GROWTH_BUDGET_MB,
            if growth <= soak::GROWTH_BUDGET_MB { "PASS" } else { "FAIL" },
            if soak.typed_delivered_once { "PASS" } else { "FAIL" },
        );
        println!("{t}");
        table += &format!("\n{t}");
    }
    if let Some(stored) = &stored {
        table += &format!("\n{stored}");
    }
    std::fs::write(out.join("results.md"), &table)?;
    if only.is_none() {
        std::fs::write(root().join("bench/latency.svg"), latency_svg(&lat))?;
        std::fs::write(root().join("bench/ingest.svg"), ingest_svg(&timelines))?;
        println!("wrote target/bench/results.md, bench/latency.svg and bench/ingest.svg");
    }
    drop(server);
    Ok(())
}

/// The Chromium options of `webdriver.json`.
fn chrome_options() -> Result<Value> {
    Ok(
        serde_json::from_str::<Value>(&std::fs::read_to_string(root().join("webdriver.json"))?)?
            ["goog:chromeOptions"]
            .take(),
    )
}
