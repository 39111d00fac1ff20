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
    path::{Path, PathBuf},
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
/// How many recent messages a joining client gets, unless told otherwise.
pub const DEFAULT_HISTORY: usize = 1000;
/// How long shutdown waits for connections to send their close frames.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Something that happened in the room, rendered per connection.
#[derive(Clone, Debug)]
enum Event {
    Binary(axum::body::Bytes),
    /// A `message`, `join`, `leave` or `presence` frame.
    Room {
        frame: ServerFrame,
        /// A message from a plain-text client: plain clients get its text verbatim.
        plain: bool,
        /// The connection that does not get it (a joiner, about its own join).
        except: Option<u64>,
    },
}

/// How the server behaves.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Folder of the built client.
    pub dist: PathBuf,
    /// Interval of the `ping` heartbeat, announced in `welcome`.
    pub heartbeat: Duration,
    /// How many recent messages are kept and sent with `joined` (0: none).
    pub history: usize,
    /// Where the history is kept across restarts, if anywhere.
    pub history_file: Option<PathBuf>,
}

impl Settings {
    /// The defaults, serving the client from `dist`.
    pub fn new(dist: impl Into<PathBuf>) -> Self {
        Settings {
            dist: dist.into(),
            heartbeat: DEFAULT_HEARTBEAT,
            history: DEFAULT_HISTORY,
            history_file: None,
        }
    }
}

/// The room's recent messages, sent to every client that joins, and indexed
/// by id: a client that lost its connection before the echo sends again with
/// the same id and gets the original echo back instead of a second broadcast.
/// With a file it survives restarts (one JSON frame per line, compacted at start).
struct History {
    limit: usize,
    frames: VecDeque<ServerFrame>,
    by_id: HashMap<String, ServerFrame>,
    file: Option<std::fs::File>,
}

impl History {
    fn open(limit: usize, path: Option<&Path>) -> std::io::Result<History> {
        let mut history = History {
            limit,
            frames: VecDeque::new(),
            by_id: HashMap::new(),
            file: None,
        };
        if let Some(path) = path {
            if let Ok(text) = std::fs::read_to_string(path) {
                for line in text.lines() {
                    if let Ok(frame) = serde_json::from_str::<ServerFrame>(line) {
                        history.remember(frame);
                    }
                }
            }
            let mut compacted = String::new();
            for frame in &history.frames {
                compacted.push_str(&frame.to_json());
                compacted.push('\n');
            }
            std::fs::write(path, compacted)?;
            history.file = Some(std::fs::OpenOptions::new().append(true).open(path)?);
        }
        Ok(history)
    }

    fn remember(&mut self, frame: ServerFrame) {
        if self.limit == 0 {
            return;
        }
        if self.frames.len() == self.limit {
            if let Some(ServerFrame::Message { id: Some(old), .. }) = self.frames.pop_front() {
                self.by_id.remove(&old);
            }
        }
        if let ServerFrame::Message { id: Some(id), .. } = &frame {
            self.by_id.insert(id.clone(), frame.clone());
        }
        self.frames.push_back(frame);
    }

    /// Records a broadcast message (and appends it to the file).
    fn push(&mut self, frame: ServerFrame) {
        if let Some(file) = &mut self.file {
            use std::io::Write;
            if let Err(e) = writeln!(file, "{}", frame.to_json()) {
                tracing::warn!("history file: {e}");
            }
        }
        self.remember(frame);
    }
}

/// The room shared by all connections.
struct Hub {
    heartbeat: Duration,
    history: Mutex<History>,
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

    fn history(&self) -> MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Broadcasts a chat line and records it, unless a message with this id
    /// was broadcast already: then returns that one.
    fn chat(
        &self,
        id: Option<String>,
        from: String,
        text: String,
        plain: bool,
    ) -> Option<ServerFrame> {
        // Holding the history lock while publishing keeps history and broadcast in one order.
        let mut history = self.history();
        if let Some(earlier) = id.as_ref().and_then(|id| history.by_id.get(id)) {
            return Some(earlier.clone());
        }
        let frame = ServerFrame::Message {
            id,
            from,
            text,
            ts: now_ms(),
        };
        history.push(frame.clone());
        self.publish(frame, plain, None);
        None
    }

    fn publish(&self, frame: ServerFrame, plain: bool, except: Option<u64>) {
        let event = Event::Room {
            frame,
            plain,
            except,
        };
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
        history: Mutex::new(History::open(
            settings.history,
            settings.history_file.as_deref(),
        )?),
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
                    let _ = hub.events.send(Arc::new(Event::Binary(bytes)));
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
        hub.publish(ServerFrame::Leave { name, ts: now_ms() }, false, None);
        hub.publish(ServerFrame::Presence { users: hub.users() }, false, None);
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
                history: hub.history().frames.iter().cloned().collect(),
            };
            hub.publish(ServerFrame::Join { name, ts: now_ms() }, false, Some(conn));
            hub.publish(ServerFrame::Presence { users: hub.users() }, false, None);
            Some(Message::Text(joined.to_json().into()))
        }
        Ok(ClientFrame::Message { id, text }) => {
            let Some(from) = hub.names().get(&conn).cloned() else {
                return reply("not_joined", "send hello with a name before messages");
            };
            // A resend of a message already broadcast: confirm it to its sender only.
            hub.chat(Some(id), from, text.to_string(), false)
                .map(|earlier| Message::Text(earlier.to_json().into()))
        }
        Ok(ClientFrame::Pong) => None,
        // Anything else is a plain-text client's line, relayed as it is.
        Err(_) => {
            let from = hub
                .names()
                .get(&conn)
                .cloned()
                .unwrap_or_else(|| guest.to_string());
            hub.chat(None, from, text.to_string(), true);
            None
        }
    }
}

/// How connection `conn` in `mode` sees `event` (None: it does not).
fn render(event: &Event, conn: u64, mode: Mode) -> Option<Message> {
    let (frame, plain) = match event {
        Event::Binary(bytes) => return Some(Message::Binary(bytes.clone())),
        Event::Room {
            except: Some(c), ..
        } if *c == conn => return None,
        Event::Room { frame, plain, .. } => (frame, *plain),
    };
    let text = match (mode, frame) {
        (Mode::Envelope, frame) => frame.to_json(),
        (Mode::Plain, ServerFrame::Message { text, .. }) if plain => text.clone(),
        (Mode::Plain, ServerFrame::Message { from, text, .. }) => format!("{from}: {text}"),
        (Mode::Plain, ServerFrame::Join { name, .. }) => format!("{name} joined"),
        (Mode::Plain, ServerFrame::Leave { name, .. }) => format!("{name} left"),
        (Mode::Plain, _) => return None,
    };
    Some(Message::Text(text.into()))
}
