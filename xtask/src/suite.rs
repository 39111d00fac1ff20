//! `cargo xtask test` and `cargo xtask e2e` as one libtest-mimic run: every
//! step (formatting, clippy, native tests, fuzzing, the build and its size,
//! the browser tests, each end-to-end scenario) is a named trial, run in
//! order on this thread, with libtest's filter, `--list`, `--ignored`,
//! `--exact` and summary. What the trials share (the reference server, the
//! WebDriver session host) starts when the first trial needs it.

use crate::{
    bench, build_client, build_server, cargo, e2e, figure, fuzz, peers, run, server, tools,
    webdriver,
};
use crate::{root, Result, FIGURES};
use libtest_mimic::{Arguments, Failed, Trial};
use std::cell::{OnceCell, RefCell};
use std::path::PathBuf;
use std::process::Command;

/// Seconds per fuzz target in `cargo xtask test`.
const FUZZ_SECONDS: u32 = 10;

/// What the trials share, started on first use.
struct Shared {
    artifacts: PathBuf,
    built: OnceCell<std::result::Result<(), String>>,
    fuzz_built: OnceCell<std::result::Result<(), String>>,
    server: OnceCell<RefCell<server::Server>>,
    driver: OnceCell<webdriver::Driver>,
    chrome: OnceCell<serde_json::Value>,
    /// geckodriver and Firefox's options, for the Firefox trials.
    firefox: OnceCell<(webdriver::Driver, serde_json::Value)>,
}

thread_local! {
    // Trials run on this thread only (`test_threads` is 1), so they share
    // this without locks.
    static SHARED: Shared = Shared {
        artifacts: root().join("target/xtask"),
        built: OnceCell::new(),
        fuzz_built: OnceCell::new(),
        server: OnceCell::new(),
        driver: OnceCell::new(),
        chrome: OnceCell::new(),
        firefox: OnceCell::new(),
    };
}

impl Shared {
    /// The release client in dist/, built once.
    fn built(&self) -> Result<()> {
        self.built
            .get_or_init(|| build_client(true).map_err(|e| e.to_string()))
            .clone()
            .map_err(Into::into)
    }

    /// The reference server serving dist/, started once (after the build).
    fn server(&self) -> Result<&RefCell<server::Server>> {
        self.built()?;
        if self.server.get().is_none() {
            let bin = build_server()?;
            clear_history(&self.artifacts);
            let history = self.artifacts.join("history.jsonl");
            let history = history.to_string_lossy().into_owned();
            // A short heartbeat so a frozen server is noticed within seconds;
            // history in a file so what was said survives the restarts the
            // tests cause.
            let server = server::Server::start(
                &bin,
                &["--heartbeat-ms", "500", "--history-file", &history],
                &self.artifacts.join("server.log"),
            )?;
            eprintln!(
                "    reference server at http://{}/ (log: target/xtask/server.log)",
                server.addr
            );
            let _ = self.server.set(RefCell::new(server));
        }
        self.server.get().ok_or_else(|| "no server".into())
    }

    fn driver(&self) -> Result<(&webdriver::Driver, &serde_json::Value)> {
        if self.driver.get().is_none() {
            let driver = webdriver::Driver::start(&tools::chromedriver()?)?;
            let _ = self.driver.set(driver);
            let chrome = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(
                root().join("webdriver.json"),
            )?)?["goog:chromeOptions"]
                .take();
            let _ = self.chrome.set(chrome);
        }
        Ok((
            self.driver.get().ok_or("no driver")?,
            self.chrome.get().ok_or("no browser options")?,
        ))
    }
}

impl Shared {
    /// geckodriver (started once) and `moz:firefoxOptions` of webdriver.json.
    fn firefox(&self) -> Result<(&webdriver::Driver, &serde_json::Value)> {
        if self.firefox.get().is_none() {
            let driver = webdriver::Driver::start_firefox(&tools::geckodriver()?)?;
            let options = serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(
                root().join("webdriver.json"),
            )?)?["moz:firefoxOptions"]
                .take();
            let _ = self.firefox.set((driver, options));
        }
        let (driver, options) = self.firefox.get().ok_or("no geckodriver")?;
        Ok((driver, options))
    }
}

/// The end-to-end scenarios that also run in headless Firefox: connect and
/// chat both ways, reconnect through a server restart, the strict CSP.
const FIREFOX_SMOKE: [&str; 8] = [
    "two_browsers_chat",
    "server_killed_while_typing",
    "csp_holds_through_a_session",
    // Issue 20: the catalogues, Intl and <html lang> in Firefox too.
    "languages_follow_the_url_and_stay",
    // Issue 18: the socket boot.js opens, taken over by the app.
    "the_socket_boot_opens_is_taken_over_with_what_came_first",
    // A file's bytes kept in IndexedDB across a reload: each engine's own.
    "a_queued_file_survives_a_reload",
    // Web Locks tell a closed tab from a live one: each engine's own.
    "a_closed_tabs_queued_line_goes_out_from_the_tab_left_open",
    // A gone page's files that no outbox names are deleted; a live one's stay.
    "a_gone_pages_orphaned_files_are_deleted",
];

/// A trial that runs `f` on the shared state.
fn trial(name: &str, f: impl FnOnce(&Shared) -> Result<()> + Send + 'static) -> Trial {
    Trial::test(name, move || {
        SHARED
            .with(|shared| f(shared))
            .map_err(|e| Failed::from(e.to_string()))
    })
}

/// A command that passes or fails as a whole.
fn command(name: &str, make: fn() -> Command) -> Trial {
    trial(name, move |_| run(&mut make()))
}

fn steps() -> Vec<Trial> {
    let mut trials = vec![
        command("cargo fmt --check", || {
            let mut c = cargo();
            c.args(["fmt", "--all", "--", "--check"]);
            c
        }),
        command("clippy (native)", || {
            let mut c = cargo();
            c.args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]);
            c
        }),
        command("clippy (wasm)", || {
            let mut c = cargo();
            c.args([
                "clippy",
                "-p",
                "roomcast",
                "--target",
                tools::WASM_TARGET,
                "--all-targets",
            ])
            .args(["--", "-D", "warnings"]);
            c
        }),
        command("native tests", || {
            let mut c = cargo();
            c.args(["test", "--workspace"]);
            c
        }),
    ];
    for target in fuzz::TARGETS.iter().copied() {
        trials.push(trial(
            &format!("fuzz {target} (short run)"),
            move |shared| {
                shared
                    .fuzz_built
                    .get_or_init(|| {
                        fuzz::ensure()
                            .and_then(|()| {
                                tools::step("building the fuzz targets (nightly, sanitizers)");
                                run(Command::new("cargo").args(["+nightly", "fuzz", "build"]))
                            })
                            .map_err(|e| e.to_string())
                    })
                    .clone()?;
                tools::step(&format!("fuzzing {target} for {FUZZ_SECONDS} s"));
                let runs = fuzz::run_target(target, FUZZ_SECONDS)?;
                figure(format!(
                    "fuzz {target}: {runs} executions in {FUZZ_SECONDS} s, no crash"
                ));
                Ok(())
            },
        ));
    }
    trials
}

/// tests/web.rs in the browser whose driver is `driver` (`var` names it to
/// wasm-bindgen-test-runner; `other`, the other browser's, is unset so the
/// runner cannot pick that one), against the shared reference server.
fn browser_tests(shared: &Shared, var: &str, driver: PathBuf, other: &str) -> Result<()> {
    let ws = format!("ws://{}/ws", shared.server()?.borrow().addr);
    run(cargo()
        .args(["test", "-p", "roomcast", "--target", tools::WASM_TARGET])
        .args(["--test", "web"])
        .env(var, driver)
        .env_remove(other)
        .env("ROOMCAST_TEST_WS", &ws))
}

fn build_and_browser(everything: bool) -> Vec<Trial> {
    let mut trials = vec![
        trial("client release build", |shared| shared.built()),
        trial("size budget (wasm+js+css gzip)", |shared| {
            shared.built()?;
            bench::size_check()
        }),
    ];
    if everything {
        trials.push(trial(
            "browser tests (wasm-bindgen-test, headless Chromium)",
            |shared| {
                browser_tests(
                    shared,
                    "CHROMEDRIVER",
                    tools::chromedriver()?,
                    "GECKODRIVER",
                )
            },
        ));
        trials.push(trial(
            "browser tests (wasm-bindgen-test, headless Firefox)",
            |shared| browser_tests(shared, "GECKODRIVER", tools::geckodriver()?, "CHROMEDRIVER"),
        ));
    }
    trials
}

fn scenarios() -> Vec<Trial> {
    let chromium = e2e::SCENARIOS.into_iter().map(|(name, scenario)| {
        trial(&format!("e2e {name}"), move |shared| {
            let (driver, options) = shared.driver()?;
            run_scenario(shared, driver, options, scenario, false)
        })
    });
    let firefox = e2e::SCENARIOS
        .into_iter()
        .filter(|(name, _)| FIREFOX_SMOKE.contains(name))
        .map(|(name, scenario)| {
            trial(&format!("firefox e2e {name}"), move |shared| {
                let (driver, options) = shared.firefox()?;
                // The same scenario ran in Chromium with the same names: a
                // server history without that run's lines.
                run_scenario(shared, driver, options, scenario, true)
            })
        });
    chromium.chain(firefox).collect()
}

/// Removes the reference server's history files: the default room's
/// (`history.jsonl`) and each other room's (`history.<room>.jsonl`). A room's
/// file left by an earlier run would replay that run's lines to this one.
fn clear_history(artifacts: &std::path::Path) {
    for entry in std::fs::read_dir(artifacts).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("history.") && name.ends_with(".jsonl") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn run_scenario(
    shared: &Shared,
    driver: &webdriver::Driver,
    options: &serde_json::Value,
    scenario: e2e::Scenario,
    fresh_history: bool,
) -> Result<()> {
    let server = shared.server()?;
    if fresh_history {
        // Not running (a scenario left it down) is fine too.
        let _ = server.borrow_mut().stop("TERM");
        clear_history(&shared.artifacts);
    }
    // Each scenario starts with the server up, whatever the last one did.
    server.borrow_mut().restart()?;
    let origin = format!("http://{}", server.borrow().addr);
    scenario(&e2e::Env {
        driver,
        options,
        origin: &origin,
        artifacts: &shared.artifacts,
        server,
    })
}

/// Runs the suite (`everything`: the whole of `cargo xtask test`; else the
/// build and the end-to-end scenarios) with libtest's `args`.
pub fn run_suite(everything: bool, args: &[String]) -> Result<()> {
    let mut args =
        Arguments::from_iter(std::iter::once("xtask".to_string()).chain(args.iter().cloned()));
    args.test_threads = Some(1);
    if !args.list {
        tools::ensure()?;
        peers::install()?;
        std::fs::create_dir_all(root().join("target/xtask"))?;
    }
    let mut trials = if everything { steps() } else { Vec::new() };
    trials.extend(build_and_browser(everything));
    trials.extend(scenarios());
    let conclusion = libtest_mimic::run(&args, trials);
    // The shared server and browser host stop before the summary (a
    // thread-local is not sure to be dropped at exit).
    SHARED.with(|shared| {
        if let Some(server) = shared.server.get() {
            server.borrow_mut().stop("TERM").ok();
        }
        if let Some(driver) = shared.driver.get() {
            driver.stop();
        }
        if let Some((driver, _)) = shared.firefox.get() {
            driver.stop();
        }
    });
    crate::brokers::stop_all();
    let figures = FIGURES.lock().map(|f| f.clone()).unwrap_or_default();
    if !figures.is_empty() && !args.list {
        eprintln!("\nfigures:");
        for f in figures {
            eprintln!("    {f}");
        }
    }
    if args.list {
        return Ok(());
    }
    println!(
        "{} passed, {} failed",
        conclusion.num_passed, conclusion.num_failed
    );
    if conclusion.has_failed() {
        Err(format!("{} failed", conclusion.num_failed).into())
    } else {
        Ok(())
    }
}
