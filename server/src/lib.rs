//! Roomcast's reference broadcast server.
//!
//! One room. Every connection first receives a `welcome` envelope; a client
//! that answers `hello` speaks the JSON envelope of `docs/PROTOCOL.md`, any other
//! client is a plain-text client whose frames are relayed as they are. Each
//! connection renders the room's events in its own format, so plain-text
//! clients see plain text and envelope clients see envelopes. The room lives
//! in a [`store::Store`]: in memory, or in Redis for several processes.

mod limits;
pub mod rooms;
pub mod store;

use axum::{
    extract::{
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
        State,
    },
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use limits::TokenBucket;
use roomcast::protocol::envelope::{self, ClientFrame, ServerFrame};
use rooms::{Room, Rooms};
use std::{
    future::Future,
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use tokio::{
    net::TcpListener,
    sync::{broadcast, mpsc, watch},
};
use tower_http::services::{ServeDir, ServeFile};

/// Events a connection may fall behind by before it is told it missed some.
const BACKLOG: usize = 4096;
/// How long shutdown waits for connections to send their close frames.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);
/// Defaults of [`Settings`].
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(15);
pub const DEFAULT_HISTORY: usize = 1000;
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 64 * 1024;
pub const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long presence changes gather before the list goes out.
const PRESENCE_COALESCE: Duration = Duration::from_millis(100);
/// Close code for a connection that said nothing (not even a pong) for too long.
pub const CLOSE_IDLE: u16 = 4000;

/// Something that happened in the room, rendered once for each format.
#[derive(Clone, Debug)]
pub enum Event {
    Binary(axum::body::Bytes),
    /// A `message`, `join`, `leave` or `presence` frame.
    Room {
        /// What envelope clients get.
        envelope: Utf8Bytes,
        /// What plain-text clients get, if anything.
        plain: Option<Utf8Bytes>,
        /// `(server, connection)` that does not get it (a joiner, about its own join).
        except: Option<(u64, u64)>,
    },
}

impl Event {
    /// Renders `frame` once for every connection; `plain_sender` marks a
    /// message from a plain-text client, which plain clients get verbatim.
    pub fn room(frame: &ServerFrame, plain_sender: bool, except: Option<(u64, u64)>) -> Event {
        let plain = match frame {
            ServerFrame::Message { text, .. } if plain_sender => Some(text.clone()),
            ServerFrame::Message { from, text, .. } => Some(format!("{from}: {text}")),
            ServerFrame::Join { name, .. } => Some(format!("{name} joined")),
            ServerFrame::Leave { name, .. } => Some(format!("{name} left")),
            _ => None,
        };
        Event::Room {
            envelope: frame.to_json().into(),
            plain: plain.map(Utf8Bytes::from),
            except,
        }
    }
}

/// How the server behaves; every field is a flag and an environment variable
/// of `roomcast-server` (see `--help`).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Folder of the built client.
    pub dist: PathBuf,
    /// Interval of the `ping` heartbeat (and of WebSocket pings), announced in `welcome`.
    pub heartbeat: Duration,
    /// How many recent messages are kept and sent with `joined` (0: none).
    pub history: usize,
    /// Where the history is kept across restarts, if anywhere (memory store only).
    pub history_file: Option<PathBuf>,
    /// Largest message accepted; a larger one is answered with close 1009.
    pub max_message_bytes: usize,
    /// Messages a connection may send per second, on average…
    pub rate_per_sec: f64,
    /// …and in one burst; beyond, each one is refused with `rate_limited`.
    pub rate_burst: u32,
    /// Connections beyond this are closed with 1013.
    pub max_connections: usize,
    /// Pages allowed to connect, by `Origin` (empty: any).
    pub allowed_origins: Vec<String>,
    /// A connection that sends nothing, not even a pong, for this long is closed with 4000.
    pub idle_timeout: Duration,
    /// Redis URL: several servers with the same one are one room.
    pub redis: Option<String>,
}

impl Settings {
    /// The defaults, serving the client from `dist`.
    pub fn new(dist: impl Into<PathBuf>) -> Self {
        Settings {
            dist: dist.into(),
            heartbeat: DEFAULT_HEARTBEAT,
            history: DEFAULT_HISTORY,
            history_file: None,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            rate_per_sec: 5.0,
            rate_burst: 20,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            allowed_origins: Vec::new(),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            redis: None,
        }
    }
}

/// Everything connections share.
struct Hub {
    settings: Settings,
    rooms: Rooms,
    next_conn: AtomicU64,
    connections: AtomicUsize,
    shutdown: watch::Receiver<bool>,
    /// Dropped by each connection when it ends; shutdown waits for all.
    alive: mpsc::Sender<()>,
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn io_err(e: String) -> std::io::Error {
    std::io::Error::other(e)
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
        settings: settings.clone(),
        rooms: Rooms::default(),
        next_conn: AtomicU64::new(1),
        connections: AtomicUsize::new(0),
        shutdown: stop_rx,
        alive: alive_tx,
    });
    // The default room opens now: a Redis that cannot be reached is an
    // error at start, not at the first connection.
    hub.rooms.get("", &settings).await.map_err(io_err)?;
    let index = settings.dist.join("index.html");
    let app = Router::new()
        .route("/ws", get(upgrade))
        .route("/ws/{room}", get(upgrade_room))
        .route("/healthz", get(|| async { "ok" }))
        // The release build writes brotli and gzip copies beside each file
        // (tools/precompress.mjs): sent to browsers that accept them.
        .fallback_service(
            ServeDir::new(&settings.dist)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(
                    ServeFile::new(index)
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(hub.clone());
    let rooms_hub = hub.clone();
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
    for room in rooms_hub.rooms.all().await {
        room.store.leave_all().await;
    }
    Ok(())
}

/// `/ws`: the default room.
async fn upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(hub): State<Arc<Hub>>,
) -> Response {
    upgrade_to(ws, headers, hub, String::new()).await
}

/// `/ws/<room>`: a room of its own.
async fn upgrade_room(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    State(hub): State<Arc<Hub>>,
    axum::extract::Path(room): axum::extract::Path<String>,
) -> Response {
    if !rooms::valid_name(&room) {
        let why = "a room name has 1 to 64 letters, digits, - or _";
        return (StatusCode::NOT_FOUND, why).into_response();
    }
    upgrade_to(ws, headers, hub, room).await
}

async fn upgrade_to(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    hub: Arc<Hub>,
    room: String,
) -> Response {
    let allowed = &hub.settings.allowed_origins;
    if !allowed.is_empty() {
        let origin = headers
            .get("origin")
            .and_then(|o| o.to_str().ok())
            .unwrap_or("");
        if !allowed.iter().any(|a| a == origin) {
            tracing::info!(origin, "refused: origin not allowed");
            return (StatusCode::FORBIDDEN, "this page's origin may not connect").into_response();
        }
    }
    // Read a little past the limit so an oversize message gets a close 1009 with a reason.
    let read_limit = hub.settings.max_message_bytes.saturating_mul(2).max(1024);
    // Small buffers: the library's defaults (128 KiB to read) cost that much
    // per connection, idle or not; chat frames are small and buffers grow on demand.
    let room = match hub.rooms.get(&room, &hub.settings).await {
        Ok(room) => room,
        Err(why) => {
            tracing::warn!("cannot open a room: {why}");
            return (StatusCode::SERVICE_UNAVAILABLE, why).into_response();
        }
    };
    ws.max_message_size(read_limit)
        .read_buffer_size(4 * 1024)
        .write_buffer_size(4 * 1024)
        .on_upgrade(move |socket| connection(socket, hub, room))
}

/// How a connection wants the room rendered.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Plain,
    Envelope,
}

fn close(code: u16, reason: String) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

fn text(frame: &ServerFrame) -> Message {
    Message::Text(frame.to_json().into())
}

fn error(code: &str, message: &str, id: Option<String>) -> Message {
    text(&ServerFrame::Error {
        code: code.into(),
        message: message.into(),
        id,
    })
}

/// After sending a close frame, waits (a little) for the client's, so the
/// close handshake completes and the client sees a clean close with our code.
async fn finish_close(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Some(Ok(_)) = socket.recv().await {}
    })
    .await;
}

/// Counts a connection for as long as it lives.
struct Counted<'a>(&'a AtomicUsize);

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// One connection's state.
struct Conn {
    hub: Arc<Hub>,
    room: Arc<Room>,
    id: u64,
    guest: String,
    mode: Mode,
    bucket: TokenBucket,
}

async fn connection(mut socket: WebSocket, hub: Arc<Hub>, room: Arc<Room>) {
    let _alive = hub.alive.clone();
    let count = hub.connections.fetch_add(1, Ordering::Relaxed) + 1;
    let _counted = Counted(&hub.connections);
    if count > hub.settings.max_connections {
        let why = format!(
            "server full ({} connections); try again later",
            hub.settings.max_connections
        );
        if socket.send(close(1013, why)).await.is_ok() {
            finish_close(&mut socket).await;
        }
        return;
    }
    let id = hub.next_conn.fetch_add(1, Ordering::Relaxed);
    let settings = &hub.settings;
    let mut conn = Conn {
        hub: hub.clone(),
        room: room.clone(),
        id,
        guest: format!("guest-{id}"),
        mode: Mode::Plain,
        bucket: TokenBucket::new(settings.rate_per_sec, settings.rate_burst),
    };
    let mut events = room.store.events.subscribe();
    let mut shutdown = hub.shutdown.clone();
    tracing::info!(conn = id, "connected");

    let welcome = ServerFrame::Welcome {
        server: envelope::SERVER_NAME.into(),
        version: envelope::VERSION,
        users: room.store.users().await.unwrap_or_default(),
        heartbeat_ms: Some(settings.heartbeat.as_millis() as u32),
        // Rounded so that a client pacing itself by it is never too fast.
        rate: Some(envelope::RateLimit {
            burst: settings.rate_burst,
            refill_ms: (1000.0 / settings.rate_per_sec.max(0.001))
                .ceil()
                .min(f64::from(u32::MAX)) as u32,
        }),
    };
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + settings.heartbeat,
        settings.heartbeat,
    );
    let mut last_heard = Instant::now();
    if socket.send(text(&welcome)).await.is_err() {
        return;
    }
    loop {
        let outgoing: Vec<Message> = tokio::select! {
            frame = socket.recv() => {
                last_heard = Instant::now();
                match frame {
                    Some(Ok(message)) => conn.on_message(message).await,
                    Some(Err(_)) | None => break,
                }
            }
            event = events.recv() => match event {
                Ok(event) => render(&event, (room.store.server_id, id), conn.mode).into_iter().collect(),
                Err(broadcast::error::RecvError::Lagged(n)) => vec![error(
                    "lagged",
                    &format!("this connection was too slow and missed {n} events; reconnect to catch up"),
                    None,
                )],
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > settings.idle_timeout {
                    let why = format!("idle: nothing received for {} s", settings.idle_timeout.as_secs());
                    vec![close(CLOSE_IDLE, why)]
                } else {
                    // Browsers answer WebSocket pings by themselves; envelope
                    // clients also get `ping` to measure the connection.
                    let mut beats = vec![Message::Ping(Default::default())];
                    if conn.mode == Mode::Envelope {
                        beats.push(text(&ServerFrame::Ping));
                    }
                    beats
                }
            }
            _ = async { shutdown.wait_for(|stop| *stop).await.map(|_| ()) } => {
                vec![close(1001, "server shutting down".into())]
            }
        };
        let mut done = false;
        for message in outgoing {
            let closing = matches!(message, Message::Close(_));
            if socket.send(message).await.is_err() {
                done = true;
                break;
            }
            if closing {
                finish_close(&mut socket).await;
                done = true;
                break;
            }
        }
        if done {
            break;
        }
    }
    tracing::info!(conn = id, "disconnected");
    match room.store.release(id).await {
        Ok(Some(name)) => {
            let leave = ServerFrame::Leave { name, ts: now_ms() };
            let _ = room.store.publish(leave, false, None).await;
            room.presence.notify_one();
        }
        Ok(None) => {}
        Err(e) => tracing::warn!("{e}"),
    }
}

impl Conn {
    /// Handles one frame from the client; returns what to send back.
    async fn on_message(&mut self, message: Message) -> Vec<Message> {
        let max = self.hub.settings.max_message_bytes;
        let size = match &message {
            Message::Text(t) => t.len(),
            Message::Binary(b) => b.len(),
            // Pings are answered by the library; pongs only show the client is alive.
            _ => return vec![],
        };
        if size > max {
            return vec![close(
                1009,
                format!("message of {size} bytes is over the limit of {max}"),
            )];
        }
        let parsed = match &message {
            Message::Text(t) => serde_json::from_str::<ClientFrame>(t).ok(),
            _ => None,
        };
        if matches!(parsed, Some(ClientFrame::Pong)) {
            return vec![];
        }
        if !self.bucket.take(Instant::now()) {
            let id = match &parsed {
                Some(ClientFrame::Message { id, .. }) => Some(id.clone()),
                _ => None,
            };
            let why = format!(
                "slow down: at most {} messages at once and {} per second",
                self.hub.settings.rate_burst, self.hub.settings.rate_per_sec
            );
            return vec![error("rate_limited", &why, id)];
        }
        let result = match (message, parsed) {
            (Message::Binary(bytes), _) => {
                self.room.store.publish_binary(bytes).await.map(|()| vec![])
            }
            (_, Some(ClientFrame::Hello { name, since })) => self.hello(&name, since).await,
            (_, Some(ClientFrame::Message { id, text })) => self.chat(id, text).await,
            (_, Some(ClientFrame::Typing)) => self.typing().await,
            (Message::Text(t), _) => {
                // Anything else is a plain-text client's line, relayed as it is.
                let from = self
                    .room
                    .store
                    .name_of(self.id)
                    .unwrap_or_else(|| self.guest.clone());
                self.room
                    .store
                    .chat(None, from, t.to_string(), true)
                    .await
                    .map(|_| vec![])
            }
            _ => Ok(vec![]),
        };
        result.unwrap_or_else(|e| {
            tracing::warn!("{e}");
            vec![error(
                "unavailable",
                "the server could not handle that just now; try again",
                None,
            )]
        })
    }

    async fn hello(&mut self, name: &str, since: Option<u64>) -> store::StoreResult<Vec<Message>> {
        if self.mode == Mode::Envelope {
            return Ok(vec![error(
                "already_joined",
                "hello was already sent on this connection",
                None,
            )]);
        }
        let wanted = match roomcast::config::parse_name(name) {
            Ok(name) => name,
            Err(why) => return Ok(vec![error("bad_name", &why.to_string(), None)]),
        };
        let store = &self.room.store;
        self.mode = Mode::Envelope;
        let name = store.claim(self.id, &wanted).await?;
        let users = store.users().await?;
        let joined = ServerFrame::Joined {
            name: name.clone(),
            users: users.clone(),
            history: store.history(since).await?,
        };
        store
            .publish(
                ServerFrame::Join { name, ts: now_ms() },
                false,
                Some((store.server_id, self.id)),
            )
            .await?;
        self.room.presence.notify_one();
        Ok(vec![text(&joined)])
    }

    /// Tells the others (envelope clients only) that this user is typing.
    async fn typing(&mut self) -> store::StoreResult<Vec<Message>> {
        let store = &self.room.store;
        if let Some(name) = store.name_of(self.id) {
            store
                .publish(
                    ServerFrame::Typing { name },
                    false,
                    Some((store.server_id, self.id)),
                )
                .await?;
        }
        Ok(vec![])
    }

    async fn chat(&mut self, id: String, text_: String) -> store::StoreResult<Vec<Message>> {
        let store = &self.room.store;
        let Some(from) = store.name_of(self.id) else {
            return Ok(vec![error(
                "not_joined",
                "send hello with a name before messages",
                Some(id),
            )]);
        };
        // A resend of a message already broadcast: confirm it to its sender only.
        Ok(store
            .chat(Some(id), from, text_, false)
            .await?
            .map(|earlier| text(&earlier))
            .into_iter()
            .collect())
    }
}

/// How connection `me` in `mode` sees `event` (None: it does not).
fn render(event: &Event, me: (u64, u64), mode: Mode) -> Option<Message> {
    match event {
        Event::Binary(bytes) => Some(Message::Binary(bytes.clone())),
        Event::Room {
            except: Some(c), ..
        } if *c == me => None,
        Event::Room { envelope, .. } if mode == Mode::Envelope => {
            Some(Message::Text(envelope.clone()))
        }
        Event::Room { plain, .. } => plain.clone().map(Message::Text),
    }
}
