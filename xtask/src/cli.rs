//! The command line, with clap: `cargo xtask --help` lists every command
//! and option.

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Roomcast's task runner",
    disable_version_flag = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Install what is missing, build the client, and serve it with the
    /// reference server (open the URL in two tabs)
    Dev {
        /// Build the size-optimized release client
        #[arg(long)]
        release: bool,
        /// Where the reference server listens
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
    },
    /// Formatting, clippy, native tests, short fuzz runs, the release build
    /// and its size, browser tests and end-to-end tests, as one libtest run;
    /// ends with `N passed, N failed`
    Test {
        /// libtest's arguments: a filter (a part of the step's name),
        /// `--list`, `--exact`, `--skip NAME`, `--ignored`
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Only the release build and the end-to-end tests (`e2e NAME` runs the
    /// scenarios whose name contains NAME)
    E2e {
        /// libtest's arguments: a filter, `--list`, `--exact`, `--skip NAME`
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The release build of the client in dist/
    Dist,
    /// Install the tools only
    Setup,
    /// The reference server under load (1,000 clients broadcasting for
    /// 30 s, then 10,000 idle connections); not part of `test`
    Load,
    /// Roomcast against the vanilla-JS baseline in headless Chromium
    /// (ingest, latency, history, startup, soak, storage, size); not part
    /// of `test`
    #[command(args_conflicts_with_subcommands = true)]
    Bench {
        #[command(subcommand)]
        profile: Option<BenchProfile>,
        /// Rounds (default 3)
        rounds: Option<usize>,
        /// Run only the scenarios whose name contains this
        scenario: Option<String>,
    },
    /// Run the cargo-fuzz targets (decode, text_and_config, room, sessions)
    Fuzz {
        /// One target (default: every target)
        target: Option<String>,
        /// Seconds per target (default 60)
        seconds: Option<u32>,
    },
}

#[derive(Subcommand)]
pub enum BenchProfile {
    /// A CPU profile, browser counters and a trace of the receiving page in
    /// the latency scenario
    Profile {
        /// `baseline` profiles the vanilla page; `ingest` traces the ingest
        /// scenario and its long tasks; `history` profiles one more line
        /// after 100,000; `startup` samples the page from navigation to
        /// Connected
        #[arg(value_enum)]
        what: Vec<ProfileWhat>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileWhat {
    Baseline,
    Ingest,
    History,
    Startup,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["xtask", "bench", "1", "soak"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Bench { rounds: Some(1), scenario: Some(ref s), profile: None } if s == "soak"
        ));
        let cli = Cli::try_parse_from(["xtask", "bench", "profile", "baseline", "ingest"]).unwrap();
        assert!(matches!(
            cli.command,
            Command::Bench { profile: Some(BenchProfile::Profile { ref what }), .. } if what.len() == 2
        ));
        assert!(Cli::try_parse_from(["xtask", "nonsense"]).is_err());
    }
}
