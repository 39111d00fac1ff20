//! The browser WebSocket, typed. The only module that touches
//! [`web_sys::WebSocket`] (<https://developer.mozilla.org/en-US/docs/Web/API/WebSocket>).
//!
//! gloo-net's WebSocket is a `Stream`/`Sink` pair with no open event, and no
//! access to the negotiated subprotocol or `bufferedAmount`, which the room
//! needs; so this wraps web-sys directly, with gloo's [`EventListener`] owning
//! every JS closure. A [`Socket`] owns its listeners; dropping it removes them
//! and closes the socket in any state, CONNECTING included (no `.forget()`).

pub mod polling;

use crate::i18n::{t, tf};
use crate::protocol::Frame;
use gloo::events::EventListener;
use js_sys::{ArrayBuffer, JsString, Uint8Array};
use wasm_bindgen::JsCast;
use web_sys::{BinaryType, CloseEvent, MessageEvent, WebSocket};

/// What the browser reports about a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SocketEvent {
    /// The handshake completed; `protocol` is the negotiated subprotocol
    /// (empty if none) and `extensions` the negotiated extensions.
    Opened {
        protocol: String,
        extensions: String,
    },
    Frame(Frame),
    /// Long-polling moved to a WebSocket (the Engine.IO upgrade).
    Upgraded,
    /// The browser's `close` event. 1006 means no close frame was received.
    Closed {
        code: u16,
        reason: String,
        clean: bool,
    },
    /// The browser's `error` event; a `Closed` always follows it.
    Error,
}

/// `WebSocket.readyState` (<https://developer.mozilla.org/en-US/docs/Web/API/WebSocket/readyState>).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadyState {
    Connecting,
    Open,
    Closing,
    Closed,
}

/// Why a socket operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SocketError {
    /// The browser refused to create the socket (bad URL, blocked port…).
    Open(String),
    /// A send while the socket is not open. Browsers silently discard sends on
    /// a closing socket, so this is checked before sending.
    NotOpen(ReadyState),
    /// The browser refused the send.
    Send(String),
}

impl std::fmt::Display for SocketError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocketError::Open(why) => write!(f, "{why}"),
            SocketError::NotOpen(state) => {
                let state = match state {
                    ReadyState::Connecting => t("connecting"),
                    ReadyState::Open => t("open"),
                    ReadyState::Closing => t("closing"),
                    ReadyState::Closed => t("closed"),
                };
                f.write_str(&tf("the connection is {0}, not open", &[&state]))
            }
            SocketError::Send(why) => f.write_str(&tf("the browser refused to send: {0}", &[why])),
        }
    }
}

/// Text of a thrown JS error (`DOMException`s carry their message).
fn js_error(err: &wasm_bindgen::JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| t("unknown error").into())
}

/// An open or opening WebSocket and the listeners that report on it.
pub struct Socket {
    ws: WebSocket,
    _listeners: [EventListener; 4],
}

impl Socket {
    /// Opens `url`, offering `protocols` (may be empty); every event goes to
    /// `on_event` until the socket is dropped.
    pub fn open(
        url: &str,
        protocols: &[String],
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<Self, SocketError> {
        Self::open_with(url, protocols, std::rc::Rc::new(on_event))
    }

    /// [`Socket::open`], compiled once for its two callers (about 800 B of
    /// wasm each when it was generic).
    fn open_with(
        url: &str,
        protocols: &[String],
        on_event: std::rc::Rc<dyn Fn(SocketEvent)>,
    ) -> Result<Self, SocketError> {
        let list = protocols
            .iter()
            .map(|p| JsString::from(p.as_str()))
            .collect::<js_sys::Array>();
        let ws = match boot_socket(url, &list) {
            Ok(Some(ws)) => Ok(ws),
            // No `boot.js` (the browser tests), or it left this one to us.
            _ => WebSocket::new_with_str_sequence(url, &list),
        }
        .map_err(|e| SocketError::Open(js_error(&e)))?;
        // Blob reads are asynchronous and can reorder frames; ArrayBuffers cannot.
        ws.set_binary_type(BinaryType::Arraybuffer);

        let emit = |f: fn(&WebSocket, &web_sys::Event) -> Option<SocketEvent>| {
            let on_event = on_event.clone();
            let socket = ws.clone();
            move |event: &web_sys::Event| {
                if let Some(e) = f(&socket, event) {
                    on_event(e)
                }
            }
        };
        let listeners = [
            EventListener::new(
                &ws,
                "open",
                emit(|ws, _| {
                    Some(SocketEvent::Opened {
                        protocol: ws.protocol(),
                        extensions: ws.extensions(),
                    })
                }),
            ),
            EventListener::new(
                &ws,
                "message",
                emit(|_, e| frame_of(e).map(SocketEvent::Frame)),
            ),
            EventListener::new(
                &ws,
                "close",
                emit(|_, e| {
                    let e = e.dyn_ref::<CloseEvent>()?;
                    Some(SocketEvent::Closed {
                        code: e.code(),
                        reason: e.reason(),
                        clean: e.was_clean(),
                    })
                }),
            ),
            EventListener::new(&ws, "error", emit(|_, _| Some(SocketEvent::Error))),
        ];
        Ok(Socket {
            ws,
            _listeners: listeners,
        })
    }

    /// The events `boot` kept for the socket it opened early, as a function
    /// that dispatches them to this socket's listeners (once). Called by the
    /// owner once the socket is in place, in the task that took it over, so
    /// that an `open` that came first is in the app's first render.
    pub fn take_replay(&self) -> Option<js_sys::Function> {
        js_sys::Reflect::get(&self.ws, &JsString::from("replay"))
            .ok()?
            .dyn_into()
            .ok()
    }

    pub fn ready_state(&self) -> ReadyState {
        match self.ws.ready_state() {
            WebSocket::CONNECTING => ReadyState::Connecting,
            WebSocket::OPEN => ReadyState::Open,
            WebSocket::CLOSING => ReadyState::Closing,
            _ => ReadyState::Closed,
        }
    }

    /// Sends one frame, or says why it could not.
    pub fn send(&self, frame: &Frame) -> Result<(), SocketError> {
        match self.ready_state() {
            ReadyState::Open => {}
            state => return Err(SocketError::NotOpen(state)),
        }
        match frame {
            Frame::Text(text) => self.ws.send_with_str(text),
            Frame::Binary(bytes) => self.ws.send_with_u8_array(bytes),
        }
        .map_err(|e| SocketError::Send(js_error(&e)))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // Valid in every state (a CONNECTING socket is failed, yew #1783);
        // it only throws for an invalid code, and 1000 is valid.
        let _ = self.ws.close_with_code(1000);
        // The listeners are dropped next, so no event reaches a dead owner.
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// A socket from `boot.js`: the one it opened for the address before the
    /// app loaded, when this first connection asks for the same `url` and no
    /// subprotocol (its events so far are dispatched again once the
    /// caller's listeners are on), else a new one whose messages a worker
    /// receives and the page takes in slices with frames between them. It
    /// looks like a [`WebSocket`] to this module. `None`: open one here.
    #[wasm_bindgen(catch, js_name = roomcastSocket)]
    fn boot_socket(
        url: &str,
        protocols: &js_sys::Array,
    ) -> Result<Option<WebSocket>, wasm_bindgen::JsValue>;
}

/// Closes the socket `boot.js` opened, if nothing took it: the page's
/// settings have errors, so it does not connect.
pub fn decline_early() {
    let _ = boot_socket("", &js_sys::Array::new());
}

fn frame_of(event: &web_sys::Event) -> Option<Frame> {
    let data = event.dyn_ref::<MessageEvent>()?.data();
    if let Some(text) = data.as_string() {
        Some(Frame::Text(text))
    } else {
        let buffer = data.dyn_into::<ArrayBuffer>().ok()?;
        Some(Frame::Binary(Uint8Array::new(&buffer).to_vec()))
    }
}

/// The connection to a server: a WebSocket, or Engine.IO long-polling.
pub enum Transport {
    WebSocket(Socket),
    Polling(polling::Polling),
}

impl Transport {
    pub fn send(&self, frame: &Frame) -> Result<(), SocketError> {
        match self {
            Transport::WebSocket(ws) => ws.send(frame),
            Transport::Polling(p) => p.send(frame),
        }
    }
}

/// Asks a SockJS server's `/info` (through gloo-net) whether it is one.
pub async fn sockjs_info(url: &str) -> Result<bool, String> {
    let response = gloo::net::http::Request::get(url)
        .send()
        .await
        .map_err(|e| net_error(&e))?;
    if !response.ok() {
        return Err(format!("HTTP {}", response.status()));
    }
    let body = response.text().await.map_err(|e| net_error(&e))?;
    crate::protocol::sockjs::parse_info(&body)
}

/// A gloo-net error in words. Not its `Display`: that reaches serde_json's
/// error, and through it every `std::io` error message (about 2 KB of wasm).
pub fn net_error(error: &gloo::net::Error) -> String {
    match error {
        gloo::net::Error::JsError(js) => js.message.clone(),
        gloo::net::Error::GlooError(why) => why.clone(),
        _ => t("the answer could not be read").into(),
    }
}
