//! Roomcast's task runner: `cargo xtask <command>` (see `cargo xtask --help`).

mod bench;
mod brokers;
mod cli;
mod e2e;
mod fuzz;
mod hostile;
mod load;
mod peers;
mod proxy;
mod server;
mod stats;
mod suite;
mod tools;
mod webdriver;

use std::{
    env,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
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

/// Copies the folder `from` into `to` (created), with its subfolders (dist/
/// holds i18n/ and icons/).
pub fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().ok_or("no name")?);
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
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
        Cmd::Test { args } => suite::run_suite(true, &args),
        Cmd::E2e { args } => suite::run_suite(false, &args),
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
            what.contains(&ProfileWhat::Startup),
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

pub fn build_client(release: bool) -> Result<()> {
    step(&format!(
        "building the client ({})",
        if release { "release" } else { "debug" }
    ));
    let mut trunk = Command::new("trunk");
    trunk.args(["build", "--offline"]);
    if release {
        trunk.arg("--release");
        tools::release_env(&mut trunk);
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
