//! What goes in and out of the room: the [`Input`]s the edges feed it, the
//! [`Effect`]s they carry out, and the [`Timer`]s it asks for.

use super::{Saved, Unsent};
use crate::config::Config;
use crate::protocol::Frame;

/// The timers the room asks for; starting one replaces the running one of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Timer {
    Probe,
    ConnectTimeout,
    Reconnect,
    /// Checks the server's heartbeat.
    Heartbeat,
    /// Sends more of the queue once the server's rate limit allows.
    Flush,
    /// Forgets who stopped typing.
    Typing,
    /// The dialect's own timer (socket.io: the version wait, v3 pings).
    Dialect,
    /// The application-level ping of `ping=`.
    AppPing,
}

/// Something that happened, fed to [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The user (or the page URL) asks for a connection.
    Connect(Config),
    /// The browser refused to create the socket (the address is unusable).
    ConnectFailed {
        reason: String,
    },
    /// The handshake completed with this subprotocol and these extensions.
    Opened {
        protocol: String,
        extensions: String,
    },
    Frame(Frame),
    /// socket.io's long-polling moved to a WebSocket.
    Upgraded,
    /// What a SockJS `/info` answered: whether WebSockets are on, or why
    /// it is no SockJS answer (see [`crate::protocol::sockjs::parse_info`]).
    SockJsInfo(Result<bool, String>),
    Closed {
        code: u16,
        reason: String,
        clean: bool,
    },
    Timer(Timer),
    /// The user closes the connection: no retries until they connect again.
    Disconnect,
    /// The user skips the wait.
    ReconnectNow,
    /// The browser's `online` / `offline` events.
    Online,
    Offline,
    /// The user sends a frame as typed, bypassing the dialect (the Frames
    /// panel's raw send).
    RawSend(Frame),
    /// The user typed a message.
    Compose {
        client_id: String,
        text: String,
    },
    /// The user attached a file (picker, paste or drop), sent as a binary frame.
    ComposeFile {
        client_id: String,
        name: String,
        bytes: Vec<u8>,
    },
    /// A file the edges did not read: over [`MAX_FILE_BYTES`] (`size`), or unreadable.
    FileRefused {
        name: String,
        size: u64,
        unreadable: Option<String>,
    },
    /// The socket refused a frame of a [`Effect::Transmit`].
    SendFailed {
        client_id: String,
        reason: String,
    },
    Retry {
        client_id: String,
    },
    Discard {
        client_id: String,
    },
    /// Messages saved by an earlier page, to send again.
    Restore(Vec<Unsent>),
    /// The log an earlier page kept, shown before anything new, and where
    /// the reference server should resume (`seq`).
    History {
        lines: Vec<Saved>,
        last_seq: Option<u64>,
    },
    /// The user clears the log; undelivered own lines stay.
    ClearLog,
    /// The outbox was saved, except these undelivered lines (by client id):
    /// the browser had no room for them.
    OutboxSaved {
        unsaved: Vec<String>,
    },
}

/// What the edges must do after [`Room::handle`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Drop any current socket and open one to `url`, offering `protocols`.
    Open {
        url: String,
        protocols: Vec<String>,
    },
    /// Drop any current socket and start Engine.IO long-polling at `url`
    /// (an `http(s)://` URL), asking for protocol revision `eio` (the
    /// transport follows the server's answer).
    OpenPolling {
        url: String,
        eio: crate::protocol::socketio::Eio,
    },
    /// Drop the current socket (closing it in any state).
    Close,
    /// Send this frame; if it carries a message, report failure with
    /// [`Input::SendFailed`].
    Transmit {
        frame: Frame,
        client_id: Option<String>,
    },
    /// Feed `Input::Timer(timer)` after `ms`, replacing a running one.
    StartTimer {
        timer: Timer,
        ms: u32,
    },
    CancelTimer(Timer),
    /// The undelivered messages changed: save [`Room::unsent`].
    SaveOutbox,
    /// Ask a SockJS server's `/info` (an `http(s)://` URL) whether it is one
    /// and takes WebSockets; answer with [`Input::SockJsInfo`].
    ProbeSockJs {
        url: String,
    },
}
