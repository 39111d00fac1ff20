//! Roomcast's task runner: `cargo xtask <command>` (see `cargo xtask --help`).

mod bench;
mod cli;
mod e2e;
mod fuzz;
mod hostile;
mod load;
mod peers;
mod proxy;
mod server;
mod stats;
mod tools;
mod webdriver;

use std::{
    env,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, ExitCode, Stdio},
};
use tools::step;

pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// Runs a command with the project's PATH (in the workspace root unless the
/// command names its own directory); fails on a non-zero exit.
pub fn run(cmd: &mut Command) -> Result<()> {
    if cmd.get_current_dir().is_none() {
        cmd.current_dir(root());
    }
    let status = cmd.env("PATH", tools::path()).status()?;
    if status.success() {
        Ok(())
    } else {
        let args: Vec<_> = cmd.get_args().map(|a| a.to_string_lossy()).collect();
        Err(format!(
            "`{} {}` failed ({status})",
            cmd.get_program().to_string_lossy(),
            args.join(" ")
        )
        .into())
    }
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn main() -> ExitCode {
    use clap::Parser;
    use cli::{BenchProfile, Command as Cmd, ProfileWhat};
    let result = match cli::Cli::parse().command {
        Cmd::Dev { release, addr } => dev(release, &addr),
        Cmd::Test => test(true, ""),
        Cmd::E2e { filter } => test(false, filter.as_deref().unwrap_or("")),
        Cmd::Dist => tools::ensure().and_then(|()| build_client(true)),
        Cmd::Setup => tools::ensure(),
        Cmd::Load => load::load(),
        Cmd::Bench {
            profile: Some(BenchProfile::Profile { what }),
            ..
        } => bench::profile(
            if what.contains(&ProfileWhat::Baseline) {
                bench::Page::Baseline
            } else {
                bench::Page::Roomcast
            },
            what.contains(&ProfileWhat::Ingest),
            what.contains(&ProfileWhat::History),
        ),
        Cmd::Bench {
            rounds, scenario, ..
        } => bench::bench(rounds, scenario.as_deref()),
        Cmd::Fuzz { target, seconds } => {
            // `fuzz 30` means every target for 30 s.
            let (target, seconds) = match (target, seconds) {
                (Some(t), None) if t.parse::<u32>().is_ok() => (None, t.parse().ok()),
                other => other,
            };
            fuzz::fuzz(target.as_deref(), seconds.unwrap_or(60)).map(drop)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Seconds per fuzz target in `cargo xtask test`.
const FUZZ_SECONDS: u32 = 10;

/// The short fuzz run of `cargo xtask test`: one outcome per target.
fn fuzz_short() -> Vec<(&'static str, Result<()>)> {
    let setup = fuzz::ensure().and_then(|()| {
        step("building the fuzz targets (nightly, sanitizers)");
        run(Command::new("cargo").args(["+nightly", "fuzz", "build"]))
    });
    if let Err(e) = setup {
        return vec![("build", Err(e))];
    }
    fuzz::TARGETS
        .iter()
        .map(|&target| {
            step(&format!("fuzzing {target} for {FUZZ_SECONDS} s"));
            let outcome = fuzz::run_target(target, FUZZ_SECONDS).map(|runs| {
                figure(format!(
                    "fuzz {target}: {runs} executions in {FUZZ_SECONDS} s, no crash"
                ))
            });
            (target, outcome)
        })
        .collect()
}

pub fn build_client(release: bool) -> Result<()> {
    step(&format!(
        "building the client ({})",
        if release { "release" } else { "debug" }
    ));
    let mut trunk = Command::new("trunk");
    trunk.args(["build", "--offline"]);
    if release {
        trunk.arg("--release");
    }
    run(&mut trunk)
}

pub fn build_server() -> Result<PathBuf> {
    step("building the reference server");
    run(cargo().args(["build", "--quiet", "-p", "roomcast-server"]))?;
    Ok(root().join("target/debug/roomcast-server"))
}

fn dev(release: bool, addr: &str) -> Result<()> {
    tools::ensure()?;
    build_client(release)?;
    let server = build_server()?;
    step(&format!(
        "starting the reference server; open http://{addr}/ in two tabs (Ctrl-C stops it)"
    ));
    run(Command::new(server).args(["--addr", addr, "--dist", "dist"]))
}

/// Figures the tests report (frames tried, fuzz executions, restarts
/// survived...), printed together at the end of the run.
static FIGURES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Prints `line` now and again in the figures at the end of the run.
pub fn figure(line: String) {
    eprintln!("    {line}");
    if let Ok(mut figures) = FIGURES.lock() {
        figures.push(line);
    }
}

/// Passed and failed counts over every step of `cargo xtask test`.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, name: &str, outcome: Result<()>) {
        match outcome {
            Ok(()) => {
                self.passed += 1;
                eprintln!("    {name} ... ok");
            }
            Err(e) => {
                self.failed += 1;
                eprintln!("    {name} ... FAILED: {e}");
                self.failures.push(format!("{name}: {e}"));
            }
        }
    }

    /// A command that passes or fails as a whole (fmt, clippy, a build).
    fn check(&mut self, name: &str, cmd: &mut Command) {
        step(name);
        self.record(name, run(cmd));
    }

    /// A `cargo test` run: counts every test from its `test result:` lines.
    fn tests(&mut self, name: &str, cmd: &mut Command) -> Result<()> {
        step(name);
        let mut child = cmd
            .current_dir(root())
            .env("PATH", tools::path())
            .stdout(Stdio::piped())
            .spawn()?;
        let (mut passed, mut failed) = (0, 0);
        for line in BufReader::new(child.stdout.take().ok_or("no stdout")?).lines() {
            let line = line?;
            println!("{line}");
            if let Some(result) = line.trim().strip_prefix("test result: ") {
                passed += count(result, " passed");
                failed += count(result, " failed");
            }
        }
        let status = child.wait()?;
        self.passed += passed;
        self.failed += failed;
        if failed > 0 {
            self.failures.push(format!("{name}: {failed} failed"));
        } else if !status.success() {
            // It failed before reporting tests (a build error, a crashed runner).
            self.record(name, Err(format!("exited with {status}").into()));
        }
        Ok(())
    }
}

/// The number before `label` in `ok. 24 passed; 0 failed; ...`.
fn count(result: &str, label: &str) -> usize {
    result
        .split(';')
        .find_map(|part| {
            part.trim()
                .trim_start_matches("ok. ")
                .trim_start_matches("FAILED. ")
                .strip_suffix(label.trim_start())
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

fn test(everything: bool, filter: &str) -> Result<()> {
    tools::ensure()?;
    peers::install()?;
    let chromedriver = tools::chromedriver()?;
    let artifacts = root().join("target/xtask");
    std::fs::create_dir_all(&artifacts)?;
    let mut tally = Tally::default();

    if everything {
        tally.check(
            "cargo fmt --check",
            cargo().args(["fmt", "--all", "--", "--check"]),
        );
        tally.check(
            "clippy (native)",
            cargo().args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        );
        tally.check(
            "clippy (wasm)",
            cargo().args([
                "clippy",
                "-p",
                "roomcast",
                "--target",
                tools::WASM_TARGET,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        );
        tally.tests("native tests", cargo().args(["test", "--workspace"]))?;
        for (target, outcome) in fuzz_short() {
            tally.record(&format!("fuzz {target} (short run)"), outcome);
        }
    }
    let server_bin = build_server()?;
    let client = build_client(true);
    tally.record("client release build", client);
    tally.record("size budget (wasm+js+css gzip)", bench::size_check());
    let history = artifacts.join("history.jsonl");
    let _ = std::fs::remove_file(&history);
    let history = history.to_string_lossy().into_owned();
    // A short heartbeat so a frozen server is noticed within seconds; history
    // in a file so what was said survives the restarts the tests cause.
    let server = server::Server::start(
        &server_bin,
        &["--heartbeat-ms", "500", "--history-file", &history],
        &artifacts.join("server.log"),
    )?;
    eprintln!(
        "    reference server at http://{}/ (log: target/xtask/server.log)",
        server.addr
    );

    let ws = format!("ws://{}/ws", server.addr);
    if everything {
        tally.tests(
            "browser tests (wasm-bindgen-test, headless Chromium)",
            cargo()
                .args([
                    "test",
                    "-p",
                    "roomcast",
                    "--target",
                    tools::WASM_TARGET,
                    "--test",
                    "web",
                ])
                .env("CHROMEDRIVER", &chromedriver)
                .env("ROOMCAST_TEST_WS", &ws),
        )?;
    }

    step("end-to-end tests (two headless Chromium sessions over WebDriver)");
    let chrome: serde_json::Value = serde_json::from_str::<serde_json::Value>(
        &std::fs::read_to_string(root().join("webdriver.json"))?,
    )?["goog:chromeOptions"]
        .take();
    let driver = webdriver::Driver::start(&chromedriver)?;
    let origin = format!("http://{}", server.addr);
    let e2e_env = e2e::Env {
        driver: &driver,
        chrome: &chrome,
        origin: &origin,
        artifacts: &artifacts,
        server: std::cell::RefCell::new(server),
    };
    for (name, scenario) in e2e::SCENARIOS
        .into_iter()
        .filter(|(name, _)| name.contains(filter))
    {
        // Each scenario starts with the server up, whatever the last one did.
        let restarted = e2e_env.server.borrow_mut().restart();
        let outcome = restarted.and_then(|()| scenario(&e2e_env));
        tally.record(&format!("e2e {name}"), outcome);
    }
    drop(e2e_env);

    let figures = FIGURES.lock().map(|f| f.clone()).unwrap_or_default();
    if !figures.is_empty() {
        eprintln!("\nfigures:");
        for f in figures {
            eprintln!("    {f}");
        }
    }
    if !tally.failures.is_empty() {
        eprintln!("\nfailures:");
        for f in &tally.failures {
            eprintln!("    {f}");
        }
    }
    println!("{} passed, {} failed", tally.passed, tally.failed);
    if tally.failed > 0 {
        Err(format!("{} failed", tally.failed).into())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_cargo_test_result_lines() {
        let ok =
            "ok. 24 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(
            (super::count(ok, " passed"), super::count(ok, " failed")),
            (24, 0)
        );
        let bad = "FAILED. 4 passed; 1 failed; 0 ignored; 0 filtered out; finished in 0.22s";
        assert_eq!(
            (super::count(bad, " passed"), super::count(bad, " failed")),
            (4, 1)
        );
    }
}
