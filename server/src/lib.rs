//! Roomcast's reference broadcast server.
//!
//! One room. Every connection first receives a `welcome` envelope; a client
//! that answers `hello` speaks the JSON envelope of `docs/PROTOCOL.md`, any other
//! client is a plain-text client whose frames are relayed as they are. Each
//! connection renders the room's events in its own format, so plain-text
//! clients see plain text and envelope clients see envelopes.

use axum::{
    extract::{
        ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
        State,
    },
    response::IntoResponse,
    routing::get,
    Router,
};
use roomcast::protocol::envelope::{self, ClientFrame, ServerFrame};
use std::{
    collections::{BTreeMap, HashMap, VecDeque},
    future::Future,
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};
use tokio::{
    net::TcpListener,
    sync::{broadcast, mpsc, watch},
};
use tower_http::services::{ServeDir, ServeFile};

/// Events a connection may fall behind by before it is told it missed some.
const BACKLOG: usize = 1024;
/// Largest message accepted from a client; a larger one is answered with
/// close 1009 and a reason.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Hard cap on what is read at all before the size check (memory protection):
/// beyond it the library drops the connection without a close frame.
const READ_LIMIT: usize = 16 * MAX_MESSAGE_BYTES;
/// How often envelope clients get a `ping` unless told otherwise.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
/// How many recent message ids are remembered to drop resent copies.
const RECENT_IDS: usize = 4096;
/// How long shutdown waits for connections to send their close frames.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Something that happened in the room, rendered per connection.
#[derive(Clone, Debug)]
enum Event {
    Chat {
        id: Option<String>,
        from: String,
        text: String,
        ts: u64,
        /// The sender is a plain-text client: plain clients get its text verbatim.
        plain: bool,
    },
    Binary(axum::body::Bytes),
    Join {
        conn: u64,
        name: String,
        ts: u64,
    },
    Leave {
        name: String,
        ts: u64,
    },
    Presence(Vec<String>),
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Folder of the built client.
    pub dist: PathBuf,
    /// Interval of the `ping` heartbeat, announced in `welcome`.
    pub heartbeat: Duration,
}

impl Settings {
    /// The defaults, serving the client from `dist`.
    pub fn new(dist: impl Into<PathBuf>) -> Self {
        Settings {
            dist: dist.into(),
            heartbeat: DEFAULT_HEARTBEAT,
        }
    }
}

/// The last [`RECENT_IDS`] messages by id: a client that lost its connection
/// before the echo sends again with the same id, and gets the original echo
/// back instead of a second broadcast.
#[derive(Default)]
struct RecentIds {
    order: VecDeque<String>,
    frames: HashMap<String, ServerFrame>,
}

impl RecentIds {
    /// The earlier broadcast of `id`, or None after remembering `frame` as it.
    fn seen_or_remember(&mut self, id: &str, frame: &ServerFrame) -> Option<ServerFrame> {
        if let Some(earlier) = self.frames.get(id) {
            return Some(earlier.clone());
        }
        if self.order.len() == RECENT_IDS {
            if let Some(old) = self.order.pop_front() {
                self.frames.remove(&old);
            }
        }
        self.order.push_back(id.to_string());
        self.frames.insert(id.to_string(), frame.clone());
        None
    }
}

/// The room shared by all connections.
struct Hub {
    heartbeat: Duration,
    recent: Mutex<RecentIds>,
    events: broadcast::Sender<Arc<Event>>,
    /// Names of the connections that said hello, by connection number.
    names: Mutex<BTreeMap<u64, String>>,
    next_conn: AtomicU64,
    shutdown: watch::Receiver<bool>,
    /// Dropped by each connection when it ends; shutdown waits for all.
    alive: mpsc::Sender<()>,
}

impl Hub {
    fn names(&self) -> MutexGuard<'_, BTreeMap<u64, String>> {
        // A panic while holding the lock cannot leave the map half-changed.
        self.names.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn users(&self) -> Vec<String> {
        let mut users: Vec<String> = self.names().values().cloned().collect();
        users.sort();
        users
    }

    fn publish(&self, event: Event) {
        // No receivers just means an empty room.
        let _ = self.events.send(Arc::new(event));
    }

    /// Grants `wanted`, or `wanted2`, `wanted3`… if it is taken.
    fn claim(&self, conn: u64, wanted: &str) -> String {
        let mut names = self.names();
        let taken = |n: &str| names.iter().any(|(c, v)| *c != conn && v == n);
        let mut name = wanted.to_string();
        let mut n = 2;
        while taken(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        names.insert(conn, name.clone());
        name
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Serves the client from `dist` and the room at `/ws` on `listener` until
/// `shutdown` resolves; then tells every client (close 1001) and returns once
/// they are told or [`SHUTDOWN_GRACE`] has passed.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let (alive_tx, mut alive_rx) = mpsc::channel::<()>(1);
    let hub = Arc::new(Hub {
        heartbeat: settings.heartbeat,
        recent: Mutex::new(RecentIds::default()),
        events: broadcast::channel(BACKLOG).0,
        names: Mutex::new(BTreeMap::new()),
        next_conn: AtomicU64::new(1),
        shutdown: stop_rx,
        alive: alive_tx,
    });
    let dist = settings.dist;
    let index = dist.join("index.html");
    let app = Router::new()
        .route("/ws", get(upgrade))
        .route("/healthz", get(|| async { "ok" }))
        .fallback_service(ServeDir::new(&dist).fallback(ServeFile::new(index)))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(hub.clone());
    drop(hub);
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing every connection with 1001");
            let _ = stop_tx.send(true);
        })
        .await?;
    // Every connection holds a clone of `alive`; recv() ends when all are gone.
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, alive_rx.recv()).await;
    Ok(())
}

async fn upgrade(ws: WebSocketUpgrade, State(hub): State<Arc<Hub>>) -> impl IntoResponse {
    ws.max_message_size(READ_LIMIT)
        .on_upgrade(move |socket| connection(socket, hub))
}

/// How a connection wants the room rendered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Envelope,
}

async fn connection(mut socket: WebSocket, hub: Arc<Hub>) {
    let _alive = hub.alive.clone();
    let conn = hub.next_conn.fetch_add(1, Ordering::Relaxed);
    let guest = format!("guest-{conn}");
    let mut events = hub.events.subscribe();
    let mut shutdown = hub.shutdown.clone();
    let mut mode = Mode::Plain;
    tracing::info!(conn, "connected");

    let welcome = ServerFrame::Welcome {
        server: envelope::SERVER_NAME.into(),
        version: envelope::VERSION,
        users: hub.users(),
        heartbeat_ms: Some(hub.heartbeat.as_millis() as u32),
    };
    let first_ping = tokio::time::Instant::now() + hub.heartbeat;
    let mut heartbeat = tokio::time::interval_at(first_ping, hub.heartbeat);
    if socket
        .send(Message::Text(welcome.to_json().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        let outgoing = tokio::select! {
            frame = socket.recv() => match frame {
                Some(Ok(Message::Text(t))) if t.len() > MAX_MESSAGE_BYTES => Some(too_big(t.len())),
                Some(Ok(Message::Binary(b))) if b.len() > MAX_MESSAGE_BYTES => Some(too_big(b.len())),
                Some(Ok(Message::Text(text))) => on_text(&hub, conn, &guest, &mut mode, text.as_str()),
                Some(Ok(Message::Binary(bytes))) => {
                    hub.publish(Event::Binary(bytes));
                    None
                }
                Some(Ok(_)) => None, // ping/pong are answered by the library
                Some(Err(_)) | None => break,
            },
            event = events.recv() => match event {
                Ok(event) => render(&event, conn, mode),
                Err(broadcast::error::RecvError::Lagged(n)) => Some(Message::Text(
                    ServerFrame::Error {
                        code: "lagged".into(),
                        message: format!("this connection was too slow and missed {n} events"),
                    }
                    .to_json()
                    .into(),
                )),
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = heartbeat.tick(), if mode == Mode::Envelope => {
                Some(Message::Text(ServerFrame::Ping.to_json().into()))
            }
            _ = async { shutdown.wait_for(|stop| *stop).await.map(|_| ()) } => {
                let _ = socket
                    .send(Message::Close(Some(CloseFrame {
                        code: 1001,
                        reason: "server shutting down".into(),
                    })))
                    .await;
                break;
            }
        };
        if let Some(message) = outgoing {
            let closing = matches!(message, Message::Close(_));
            if socket.send(message).await.is_err() || closing {
                break;
            }
        }
    }
    let name = hub.names().remove(&conn);
    tracing::info!(conn, "disconnected");
    if let Some(name) = name {
        hub.publish(Event::Leave { name, ts: now_ms() });
        hub.publish(Event::Presence(hub.users()));
    }
}

fn too_big(len: usize) -> Message {
    Message::Close(Some(CloseFrame {
        code: 1009,
        reason: format!("message of {len} bytes is over the limit of {MAX_MESSAGE_BYTES}").into(),
    }))
}

/// Handles a text frame from connection `conn`; returns a direct reply, if any.
fn on_text(hub: &Hub, conn: u64, guest: &str, mode: &mut Mode, text: &str) -> Option<Message> {
    let reply = |code: &str, message: &str| {
        Some(Message::Text(
            ServerFrame::Error {
                code: code.into(),
                message: message.into(),
            }
            .to_json()
            .into(),
        ))
    };
    match serde_json::from_str::<ClientFrame>(text) {
        Ok(ClientFrame::Hello { name }) => {
            if *mode == Mode::Envelope {
                return reply(
                    "already_joined",
                    "hello was already sent on this connection",
                );
            }
            let wanted = match roomcast::config::parse_name(&name) {
                Ok(name) => name,
                Err(why) => return reply("bad_name", &why),
            };
            *mode = Mode::Envelope;
            let name = hub.claim(conn, &wanted);
            let joined = ServerFrame::Joined {
                name: name.clone(),
                users: hub.users(),
            };
            hub.publish(Event::Join {
                conn,
                name,
                ts: now_ms(),
            });
            hub.publish(Event::Presence(hub.users()));
            Some(Message::Text(joined.to_json().into()))
        }
        Ok(ClientFrame::Message { id, text }) => {
            let Some(from) = hub.names().get(&conn).cloned() else {
                return reply("not_joined", "send hello with a name before messages");
            };
            let ts = now_ms();
            let frame = ServerFrame::Message {
                id: Some(id.clone()),
                from: from.clone(),
                text: text.clone(),
                ts,
            };
            let earlier = hub
                .recent
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .seen_or_remember(&id, &frame);
            if let Some(earlier) = earlier {
                // A resend: confirm it to its sender only.
                return Some(Message::Text(earlier.to_json().into()));
            }
            hub.publish(Event::Chat {
                id: Some(id),
                from,
                text,
                ts,
                plain: false,
            });
            None
        }
        Ok(ClientFrame::Pong) => None,
        // Anything else is a plain-text client's line, relayed as it is.
        Err(_) => {
            let from = hub
                .names()
                .get(&conn)
                .cloned()
                .unwrap_or_else(|| guest.to_string());
            hub.publish(Event::Chat {
                id: None,
                from,
                text: text.to_string(),
                ts: now_ms(),
                plain: true,
            });
            None
        }
    }
}

/// How connection `conn` in `mode` sees `event` (None: it does not).
fn render(event: &Event, conn: u64, mode: Mode) -> Option<Message> {
    let frame = match (event, mode) {
        (Event::Binary(bytes), _) => return Some(Message::Binary(bytes.clone())),
        (
            Event::Chat {
                text, plain: true, ..
            },
            Mode::Plain,
        ) => text.clone(),
        (Event::Chat { from, text, .. }, Mode::Plain) => format!("{from}: {text}"),
        (Event::Join { conn: joiner, .. }, _) if *joiner == conn => return None,
        (Event::Join { name, .. }, Mode::Plain) => format!("{name} joined"),
        (Event::Leave { name, .. }, Mode::Plain) => format!("{name} left"),
        (Event::Presence(_), Mode::Plain) => return None,
        (
            Event::Chat {
                id, from, text, ts, ..
            },
            Mode::Envelope,
        ) => ServerFrame::Message {
            id: id.clone(),
            from: from.clone(),
            text: text.clone(),
            ts: *ts,
        }
        .to_json(),
        (Event::Join { name, ts, .. }, Mode::Envelope) => ServerFrame::Join {
            name: name.clone(),
            ts: *ts,
        }
        .to_json(),
        (Event::Leave { name, ts }, Mode::Envelope) => ServerFrame::Leave {
            name: name.clone(),
            ts: *ts,
        }
        .to_json(),
        (Event::Presence(users), Mode::Envelope) => ServerFrame::Presence {
            users: users.clone(),
        }
        .to_json(),
    };
    Some(Message::Text(frame.into()))
}
