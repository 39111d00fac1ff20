//! `roomcast-server`: see `roomcast_server` and `docs/PROTOCOL.md`.

use clap::Parser;
use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

/// Roomcast's reference broadcast server: serves the built client and one chat
/// room over WebSocket at /ws (protocol: docs/PROTOCOL.md).
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "ROOMCAST_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder of the built client (`trunk build --release` writes `dist`).
    #[arg(long, env = "ROOMCAST_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Milliseconds between `ping` heartbeats to envelope clients (announced
    /// in `welcome`; clients treat long silence as a dead connection).
    #[arg(long, env = "ROOMCAST_HEARTBEAT_MS", default_value_t = 15_000,
          value_parser = clap::value_parser!(u64).range(50..=600_000))]
    heartbeat_ms: u64,
    /// How many recent messages are kept and sent to each client that joins.
    #[arg(long, env = "ROOMCAST_HISTORY", default_value_t = roomcast_server::DEFAULT_HISTORY)]
    history: usize,
    /// Keep the history in this file (JSON lines) so it survives restarts.
    #[arg(long, env = "ROOMCAST_HISTORY_FILE")]
    history_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=warn".into()),
        )
        .init();
    let args = Args::parse();
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("roomcast-server: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    if !args.dist.join("index.html").is_file() {
        tracing::warn!(
            dist = %args.dist.display(),
            "no built client here (index.html missing): only /ws works; build with `cargo xtask dev`"
        );
    }
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // xtask and the tests read this line to learn the port.
    println!("roomcast-server listening on http://{addr}/ (WebSocket at ws://{addr}/ws)");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let settings = roomcast_server::Settings {
        dist: args.dist,
        heartbeat: std::time::Duration::from_millis(args.heartbeat_ms),
        history: args.history,
        history_file: args.history_file,
    };
    match roomcast_server::serve(listener, settings, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roomcast-server: {e}");
            ExitCode::FAILURE
        }
    }
}
