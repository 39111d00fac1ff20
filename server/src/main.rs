//! `roomcast-server`: see `roomcast_server` and `docs/PROTOCOL.md`.

use clap::Parser;
use roomcast_server::{
    Settings, DEFAULT_HISTORY, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGE_BYTES,
};
use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

/// Roomcast's reference broadcast server: serves the built client and one chat
/// room over WebSocket at /ws (protocol: docs/PROTOCOL.md). Every option can
/// also be set by the environment variable shown.
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, env = "ROOMCAST_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Folder of the built client (`cargo xtask dist` writes `dist`).
    #[arg(long, env = "ROOMCAST_DIST", default_value = "dist")]
    dist: PathBuf,
    /// Milliseconds between heartbeats: `ping` to envelope clients and a
    /// WebSocket ping to all (announced in `welcome`).
    #[arg(long, env = "ROOMCAST_HEARTBEAT_MS", default_value_t = 15_000,
          value_parser = clap::value_parser!(u64).range(50..=600_000))]
    heartbeat_ms: u64,
    /// How many recent messages are kept and sent to each client that joins.
    #[arg(long, env = "ROOMCAST_HISTORY", default_value_t = DEFAULT_HISTORY)]
    history: usize,
    /// Keep the history in this file (JSON lines) so it survives restarts
    /// (without --redis).
    #[arg(long, env = "ROOMCAST_HISTORY_FILE")]
    history_file: Option<PathBuf>,
    /// Largest message a client may send, in bytes; larger ones get close 1009.
    #[arg(long, env = "ROOMCAST_MAX_MESSAGE_BYTES", default_value_t = DEFAULT_MAX_MESSAGE_BYTES)]
    max_message_bytes: usize,
    /// Messages per second one connection may send on average…
    #[arg(long, env = "ROOMCAST_RATE", default_value_t = 5.0)]
    rate: f64,
    /// …and in one burst; beyond, each is refused with a `rate_limited` error.
    #[arg(long, env = "ROOMCAST_BURST", default_value_t = 20)]
    burst: u32,
    /// Connections beyond this are closed with 1013 (try again later).
    #[arg(long, env = "ROOMCAST_MAX_CONNECTIONS", default_value_t = DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Comma-separated page origins allowed to connect, e.g.
    /// https://chat.example.com (default: any; set it in production).
    #[arg(long, env = "ROOMCAST_ALLOWED_ORIGINS", value_delimiter = ',')]
    allowed_origins: Vec<String>,
    /// Seconds a connection may stay silent (not even a pong) before it is
    /// closed with 4000.
    #[arg(long, env = "ROOMCAST_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    idle_timeout_secs: u64,
    /// Redis URL (redis://host:port): servers sharing it form one room, with
    /// history and presence kept in Redis.
    #[arg(long, env = "ROOMCAST_REDIS")]
    redis: Option<String>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "ROOMCAST_LOG_JSON")]
    log_json: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,tower_http=warn".into());
    // Logs go to stderr: stdout carries only the "listening on" line.
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if args.log_json {
        logs.json().init();
    } else {
        logs.init();
    }
    let settings = Settings {
        dist: args.dist,
        heartbeat: Duration::from_millis(args.heartbeat_ms),
        history: args.history,
        history_file: args.history_file,
        max_message_bytes: args.max_message_bytes,
        rate_per_sec: args.rate,
        rate_burst: args.burst,
        max_connections: args.max_connections,
        allowed_origins: args
            .allowed_origins
            .into_iter()
            .filter(|o| !o.is_empty())
            .collect(),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs),
        redis: args.redis,
    };
    let listener = match tokio::net::TcpListener::bind(args.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("roomcast-server: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    if !settings.dist.join("index.html").is_file() {
        tracing::warn!(
            dist = %settings.dist.display(),
            "no built client here (index.html missing): only /ws works; build with `cargo xtask dist`"
        );
    }
    tracing::info!(?settings, "limits and settings");
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    // xtask and the tests read this line to learn the port.
    println!("roomcast-server listening on http://{addr}/ (WebSocket at ws://{addr}/ws)");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    match roomcast_server::serve(listener, settings, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("roomcast-server: {e}");
            ExitCode::FAILURE
        }
    }
}
