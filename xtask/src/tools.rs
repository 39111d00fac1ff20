//! Installs what building and testing need, when it is missing, and says so.

use crate::{root, run, Result};
use std::{env, ffi::OsString, path::PathBuf, process::Command};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132";
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The release build's toolchain: a pinned nightly, for the flags that make
/// the wasm about 10 KB gzip smaller ([`release_env`]; BENCHMARKS.md, size
/// ledger). Its date is the one this machine kind ships as `nightly`.
pub const RELEASE_NIGHTLY: &str = "nightly-2026-05-20";

/// The `wasm-bindgen` version Cargo.lock resolved: the CLI must match it exactly.
fn locked_wasm_bindgen() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock names no wasm-bindgen version".into())
}

/// What `cmd --version` prints, if it runs.
fn version_of(cmd: &str, path: &OsString) -> Option<String> {
    let out = Command::new(cmd)
        .arg("--version")
        .env("PATH", path)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo_bin() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

/// The folder of project-local tools (wasm-opt from npm), kept out of git.
fn local_bin() -> PathBuf {
    root().join(".tools/node_modules/.bin")
}

/// PATH with the project's tools first, so Trunk (run --offline) finds them.
pub fn path() -> OsString {
    let mut dirs = vec![local_bin(), cargo_bin()];
    dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    env::join_paths(dirs).unwrap_or_default()
}

/// Makes sure the wasm target, wasm-bindgen-cli, Trunk and wasm-opt are here.
pub fn ensure() -> Result<()> {
    let path = path();
    let targets = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()?;
    if !String::from_utf8_lossy(&targets.stdout).contains(WASM_TARGET) {
        step(&format!("adding the Rust target {WASM_TARGET}"));
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    let toolchains = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()?;
    if !String::from_utf8_lossy(&toolchains.stdout).contains(RELEASE_NIGHTLY) {
        step(&format!(
            "installing {RELEASE_NIGHTLY} with rust-src, for release builds (about 20 s)"
        ));
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            RELEASE_NIGHTLY,
            "--profile",
            "minimal",
            "--component",
            "rust-src",
        ]))?;
    }
    fetch_std_sources()?;
    let wbg = locked_wasm_bindgen()?;
    if !version_of("wasm-bindgen", &path).is_some_and(|v| v.contains(&wbg)) {
        step(&format!(
            "installing wasm-bindgen-cli {wbg} (about 3 minutes on 2 cores)"
        ));
        // Not --locked: its lock file names a crate release the registry no longer serves.
        run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wbg]))?;
    }
    if !version_of("trunk", &path).is_some_and(|v| v.contains(TRUNK_VERSION)) {
        step(&format!(
            "installing Trunk {TRUNK_VERSION} (about 7 minutes on 2 cores)"
        ));
        run(Command::new("cargo").args([
            "install",
            "trunk",
            "--locked",
            "--version",
            TRUNK_VERSION,
        ]))?;
    }
    let wasm_opt = local_bin().join("wasm-opt");
    let have_opt = Command::new(&wasm_opt)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(BINARYEN_VERSION));
    if !have_opt {
        step(&format!(
            "installing wasm-opt (npm binaryen@{BINARYEN_VERSION}) into .tools/"
        ));
        let dir = root().join(".tools");
        std::fs::create_dir_all(&dir)?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg(format!("binaryen@{BINARYEN_VERSION}")))?;
    }
    // terser for the JS glue of release builds (Trunk.toml's post_build hook).
    if !root()
        .join(".tools/node_modules/terser/package.json")
        .exists()
    {
        step(&format!("installing terser@{TERSER_VERSION} into .tools/"));
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(root().join(".tools"))
            .arg(format!("terser@{TERSER_VERSION}")))?;
    }
    Ok(())
}

/// The standard library's own dependencies (its `Cargo.lock` in rust-src),
/// downloaded into cargo's cache. `-Zbuild-std` resolves them, and Trunk runs
/// cargo `--offline`: on a machine whose cache has never held them (a fresh
/// CI machine) the release build stopped at "no matching package named
/// `wasip1`". Offline first, so a machine that has them needs no network.
fn fetch_std_sources() -> Result<()> {
    let sysroot = Command::new("rustc")
        .env("RUSTUP_TOOLCHAIN", RELEASE_NIGHTLY)
        .args(["--print", "sysroot"])
        .output()?;
    let manifest = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim())
        .join("lib/rustlib/src/rust/library/Cargo.toml");
    let fetch = || {
        let mut cmd = Command::new("cargo");
        cmd.env("RUSTUP_TOOLCHAIN", RELEASE_NIGHTLY)
            .arg("fetch")
            .arg("--manifest-path")
            .arg(&manifest);
        cmd
    };
    let cached = fetch()
        .arg("--offline")
        .stderr(std::process::Stdio::null())
        .status()?;
    if cached.success() {
        return Ok(());
    }
    step("downloading the standard library's dependencies, for -Zbuild-std");
    run(&mut fetch())
}

/// What a release build of the page sets for cargo (through Trunk): the
/// pinned nightly; the standard library built with the page
/// (`-Zbuild-std`, with its `optimize_for_size` feature), so that it is
/// optimised for size with the rest; no `Debug` output at all
/// (`-Zfmt-debug=none`): the page never shows `Debug` text (the i18n test
/// and the source keep it that way); and a panic that stops at once
/// (`-Cpanic=immediate-abort`): no panic hook, message or formatting, about
/// 8 KB gzip. A panic traps, and `boot.js` shows the crash banner.
pub fn release_env(cmd: &mut Command) -> &mut Command {
    cmd.env("RUSTUP_TOOLCHAIN", RELEASE_NIGHTLY)
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env(
            "RUSTFLAGS",
            "-Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort",
        )
}

/// chromedriver's path: $CHROMEDRIVER, else on PATH.
pub fn chromedriver() -> Result<PathBuf> {
    if let Some(p) = env::var_os("CHROMEDRIVER") {
        return Ok(p.into());
    }
    env::split_paths(&path())
        .map(|d| d.join("chromedriver"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "chromedriver not found: install Chromium and its driver \
             (Debian: apt-get install -y chromium chromium-driver) or set CHROMEDRIVER"
                .into()
        })
}

/// terser minifies the wasm-bindgen glue (tools/minify-glue.mjs).
const TERSER_VERSION: &str = "5.46.0";

/// geckodriver's path: $GECKODRIVER, else on PATH or in cargo's bin folder
/// (`cargo install geckodriver`, as .ci/run does).
pub fn geckodriver() -> Result<PathBuf> {
    if let Some(p) = env::var_os("GECKODRIVER") {
        return Ok(p.into());
    }
    let cargo_bin = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin"));
    env::split_paths(&path())
        .chain(cargo_bin)
        .map(|d| d.join("geckodriver"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "geckodriver not found: install Firefox and geckodriver \
             (Debian: apt-get install -y firefox-esr; cargo install geckodriver) or set GECKODRIVER"
                .into()
        })
}

pub fn step(what: &str) {
    eprintln!("\x1b[1m==> {what}\x1b[0m");
}
