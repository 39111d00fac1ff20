//! Fuzzing with cargo-fuzz (libFuzzer, nightly): every dialect decoder, the
//! URL/config parsing and text safety functions, and the room reducer fed
//! arbitrary event sequences (targets in `fuzz/fuzz_targets/`). `cargo xtask
//! test` runs each target for a few seconds; `cargo xtask fuzz [TARGET]
//! [SECONDS]` runs longer. A crash leaves its input in
//! `fuzz/artifacts/TARGET/`; turn it into a regression test in the module it
//! broke (as `room::tests::an_error_about_a_delivered_message_changes_nothing`).

use crate::{root, run, tools::step, Result};
use roomcast::protocol::{hostile, Frame};
use std::process::Command;

pub const TARGETS: [&str; 4] = ["decode", "text_and_config", "room", "sessions"];

/// The nightly toolchain and cargo-fuzz, installed when missing.
pub fn ensure() -> Result<()> {
    let toolchains = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()?;
    if !String::from_utf8_lossy(&toolchains.stdout).contains("nightly") {
        step("installing the nightly toolchain (for cargo-fuzz)");
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            "nightly",
            "--profile",
            "minimal",
        ]))?;
    }
    let have = Command::new("cargo")
        .args(["fuzz", "--version"])
        .env("PATH", crate::tools::path())
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        step("installing cargo-fuzz (about 1 minute)");
        run(Command::new("cargo").args(["install", "cargo-fuzz", "--locked"]))?;
    }
    Ok(())
}

/// Seeds for `decode`: the hostile corpus, each frame behind the byte that
/// picks its dialect and kind (see `fuzz/fuzz_targets/decode.rs`).
fn seed_decode() -> Result<std::path::PathBuf> {
    let dir = root().join("target/fuzz-seeds/decode");
    std::fs::create_dir_all(&dir)?;
    for (i, (_, frame)) in hostile::corpus(false).into_iter().enumerate() {
        for dialect in 0u8..4 {
            let (kind, bytes) = match &frame {
                Frame::Text(t) => (0u8, t.as_bytes()),
                Frame::Binary(b) => (0x80, b.as_slice()),
            };
            // Keep seeds small: libFuzzer mutates within -max_len anyway.
            let mut seed = vec![dialect | kind];
            seed.extend_from_slice(&bytes[..bytes.len().min(4096)]);
            std::fs::write(dir.join(format!("{i}-{dialect}")), seed)?;
        }
    }
    Ok(dir)
}

/// Runs `target` for `seconds`; returns the number of executions.
pub fn run_target(target: &str, seconds: u32) -> Result<u64> {
    let corpus = root().join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus)?;
    let mut cmd = Command::new("cargo");
    cmd.args(["+nightly", "fuzz", "run", target])
        .arg(&corpus)
        .current_dir(root())
        .env("PATH", crate::tools::path());
    if target == "decode" {
        cmd.arg(seed_decode()?);
    }
    cmd.args([
        "--",
        &format!("-max_total_time={seconds}"),
        "-max_len=8192",
        "-timeout=10",
        "-rss_limit_mb=4096",
        "-print_final_stats=1",
    ]);
    let out = cmd.output()?;
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!("fuzz target {target} failed:\n{}", tail.join("\n")).into());
    }
    log.lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("fuzz target {target}: no execution count in its output").into())
}

/// Builds the targets, then runs each (or only `only`) for `seconds`.
pub fn fuzz(only: Option<&str>, seconds: u32) -> Result<Vec<(String, u64)>> {
    ensure()?;
    step("building the fuzz targets (nightly, sanitizers)");
    run(Command::new("cargo").args(["+nightly", "fuzz", "build"]))?;
    let mut results = Vec::new();
    for target in TARGETS.iter().filter(|t| only.is_none_or(|o| o == **t)) {
        step(&format!("fuzzing {target} for {seconds} s"));
        let runs = run_target(target, seconds)?;
        crate::figure(format!(
            "fuzz {target}: {runs} executions in {seconds} s, no crash"
        ));
        results.push((target.to_string(), runs));
    }
    Ok(results)
}
