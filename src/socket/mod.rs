//! The browser WebSocket, typed, run in a Worker. The only module that
//! touches the WebSocket API (<https://developer.mozilla.org/en-US/docs/Web/API/WebSocket>).
//!
//! The sockets live in one dedicated worker ([`WORKER`]) that hands the page
//! their events in batches, at most one per 16 ms while frames flow (a lone
//! frame at once). On the page each frame was a task of its own, and while a
//! flood of them ran Chromium put rendering off for about 100 ms at a time
//! (BENCHMARKS.md, run 5); one task per batch lets frames be drawn.
//!
//! gloo-net's WebSocket is a `Stream`/`Sink` pair with no open event, and no
//! access to the negotiated subprotocol, which the room needs; so the worker
//! speaks to the WebSocket API directly. A [`Socket`] is a handle: dropping
//! it closes the socket in any state, CONNECTING included, and no event
//! reaches its owner afterwards.

pub mod polling;

use crate::i18n::{t, tf};
use crate::protocol::Frame;
use gloo::events::EventListener;
use js_sys::{Array, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};

/// The worker's source, started from a `blob:` URL (the page's CSP allows
/// `worker-src blob:`), so it needs no file of its own wherever the page is
/// served, tests included. Page to worker: `[id, "open", url, protocols]`,
/// `[id, "send", data]`, `[id, "close"]`. Worker to page: a list of
/// `[id, "open", protocol, extensions]`, `[id, "m", data]`,
/// `[id, "close", code, reason, clean]`, `[id, "error"]`, `[id, "fail", why]`.
/// `q` is the batch, `x` the buffers it transfers, `t` the pending post,
/// `l` when the last batch went.
const WORKER: &str = r#"const S=new Map;let q=[],x=[],t=0,l=-1e9;
const f=()=>{t=0;l=performance.now();if(q.length){postMessage(q,x);q=[];x=[]}};
const put=(e,b)=>{q.push(e);b&&x.push(b);if(!t){const w=l+16-performance.now();w>0?t=setTimeout(f,w):f()}};
onmessage=({data:[id,op,a,b]})=>{let s=S.get(id);
if(op=="open"){try{s=new WebSocket(a,b)}catch(e){return put([id,"fail",e.message])}
s.binaryType="arraybuffer";S.set(id,s);
s.onopen=()=>put([id,"open",s.protocol,s.extensions]);
s.onmessage=e=>put([id,"m",e.data],e.data.byteLength&&e.data);
s.onerror=()=>put([id,"error"]);
s.onclose=e=>{S.delete(id);put([id,"close",e.code,e.reason,e.wasClean])}}
else if(op=="send")s&&s.send(a);
else if(s){S.delete(id);s.onopen=s.onmessage=s.onerror=s.onclose=null;s.close(1000)}}"#;

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
    /// The browser refused to create the socket (a bad URL, a blocked
    /// port…); nothing follows it.
    Failed(String),
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
    /// The browser could not start the socket's worker.
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
                    ReadyState::Connecting => "Connecting",
                    ReadyState::Open => "Open",
                    ReadyState::Closing => "Closing",
                    ReadyState::Closed => "Closed",
                };
                f.write_str(&tf("the connection is {0}, not open", &[&state]))
            }
            SocketError::Send(why) => f.write_str(&tf("the browser refused to send: {0}", &[why])),
        }
    }
}

/// Text of a thrown JS error (`DOMException`s carry their message).
fn js_error(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| err.as_string())
        .unwrap_or_else(|| t("unknown error").into())
}

/// A socket's owner, as the hub knows it.
struct Entry {
    state: Rc<Cell<ReadyState>>,
    on_event: Rc<dyn Fn(SocketEvent)>,
}

/// The worker and the sockets it runs for this page.
struct Hub {
    worker: web_sys::Worker,
    /// By id; a page has one or two at a time (a list beats a map in size).
    sockets: Vec<(u32, Entry)>,
    next: u32,
    _url: gloo::file::ObjectUrl,
    _listener: EventListener,
}

thread_local! {
    static HUB: RefCell<Option<Hub>> = const { RefCell::new(None) };
}

/// Runs `f` with the hub, starting the worker the first time (only
/// opening a socket does).
fn with_hub<R>(f: impl FnOnce(&mut Hub) -> R) -> Result<R, SocketError> {
    HUB.with(|hub| {
        let mut hub = hub.borrow_mut();
        if hub.is_none() {
            let url = gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(
                WORKER,
                Some("text/javascript"),
            ));
            let worker = web_sys::Worker::new(&url).map_err(|e| SocketError::Open(js_error(&e)))?;
            let listener = EventListener::new(&worker, "message", |event| {
                if let Some(batch) = event.dyn_ref::<web_sys::MessageEvent>() {
                    dispatch(batch.data().unchecked_into());
                }
            });
            *hub = Some(Hub {
                worker,
                sockets: Vec::new(),
                next: 0,
                _url: url,
                _listener: listener,
            });
        }
        Ok(f(hub.as_mut().expect("started above")))
    })
}

/// Posts `[id, op, data]` to a started worker, after `f` has seen the
/// sockets (sending and closing never start it).
fn post(
    id: u32,
    op: &str,
    data: &JsValue,
    f: impl FnOnce(&mut Vec<(u32, Entry)>),
) -> Result<(), JsValue> {
    HUB.with(|hub| {
        let mut hub = hub.borrow_mut();
        let hub = hub.as_mut().ok_or(JsValue::UNDEFINED)?;
        f(&mut hub.sockets);
        hub.worker
            .post_message(&Array::of3(&id.into(), &op.into(), data))
    })
}

/// Hands a batch of the worker's events to their sockets, in order. The
/// hub is not borrowed while an owner runs: it may open or drop sockets.
fn dispatch(batch: Array) {
    for event in batch.iter() {
        let event: Array = event.unchecked_into();
        let id = event.get(0).as_f64().unwrap_or(-1.0) as u32;
        let text = |i| event.get(i).as_string().unwrap_or_default();
        let (state, socket_event) = match text(1).as_str() {
            "open" => (
                ReadyState::Open,
                SocketEvent::Opened {
                    protocol: text(2),
                    extensions: text(3),
                },
            ),
            "m" => {
                let data = event.get(2);
                // Not text: an ArrayBuffer (the worker's binaryType).
                let frame = match data.as_string() {
                    Some(text) => Frame::Text(text),
                    None => Frame::Binary(Uint8Array::new(&data).to_vec()),
                };
                (ReadyState::Open, SocketEvent::Frame(frame))
            }
            "close" => (
                ReadyState::Closed,
                SocketEvent::Closed {
                    code: event.get(2).as_f64().unwrap_or(1006.0) as u16,
                    reason: text(3),
                    clean: event.get(4).is_truthy(),
                },
            ),
            "fail" => (ReadyState::Closed, SocketEvent::Failed(text(2))),
            _ => (ReadyState::Closing, SocketEvent::Error),
        };
        let owner = HUB.with(|hub| {
            let hub = hub.borrow();
            let (_, entry) = hub.as_ref()?.sockets.iter().find(|(i, _)| *i == id)?;
            if socket_event != SocketEvent::Error {
                entry.state.set(state);
            }
            Some(entry.on_event.clone())
        });
        if let Some(on_event) = owner {
            on_event(socket_event);
        }
    }
}

/// An open or opening WebSocket (in the worker); its events go to its owner.
pub struct Socket {
    id: u32,
    state: Rc<Cell<ReadyState>>,
}

impl Socket {
    /// Opens `url`, offering `protocols` (may be empty); every event goes to
    /// `on_event` until the socket is dropped. A URL the browser refuses is
    /// reported as [`SocketEvent::Failed`].
    pub fn open(
        url: &str,
        protocols: &[String],
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<Self, SocketError> {
        Socket::start(url, protocols, Rc::new(on_event))
    }

    /// [`Socket::open`], once for every kind of owner.
    fn start(
        url: &str,
        protocols: &[String],
        on_event: Rc<dyn Fn(SocketEvent)>,
    ) -> Result<Self, SocketError> {
        let state = Rc::new(Cell::new(ReadyState::Connecting));
        let entry = Entry {
            state: state.clone(),
            on_event,
        };
        let protocols: Array = protocols
            .iter()
            .map(|p| JsValue::from(p.as_str()))
            .collect();
        let id = with_hub(|hub| {
            hub.next += 1;
            let id = hub.next;
            hub.sockets.push((id, entry));
            let message = Array::of4(&id.into(), &"open".into(), &url.into(), &protocols);
            hub.worker.post_message(&message).map(|_| id)
        })?
        .map_err(|e| SocketError::Open(js_error(&e)))?;
        Ok(Socket { id, state })
    }

    pub fn ready_state(&self) -> ReadyState {
        self.state.get()
    }

    /// Sends one frame, or says why it could not.
    pub fn send(&self, frame: &Frame) -> Result<(), SocketError> {
        match self.ready_state() {
            ReadyState::Open => {}
            state => return Err(SocketError::NotOpen(state)),
        }
        let data = match frame {
            Frame::Text(text) => JsValue::from(text.as_str()),
            Frame::Binary(bytes) => Uint8Array::from(&bytes[..]).into(),
        };
        post(self.id, "send", &data, |_| {}).map_err(|e| SocketError::Send(js_error(&e)))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        // The worker closes it with 1000 in any state (a CONNECTING socket
        // is failed, yew #1783); no event reaches the owner from here on.
        let id = self.id;
        let _ = post(id, "close", &JsValue::UNDEFINED, |sockets| {
            sockets.retain(|(i, _)| *i != id)
        });
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
