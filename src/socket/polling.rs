//! Engine.IO over HTTP long-polling, through gloo-net: the transport
//! socket.io's own client uses where WebSocket upgrades are refused. To the
//! room it is a socket like the other: `Opened` once the handshake answers,
//! a `Frame` per packet, `Closed` with what the HTTP answer said. When the
//! server offers it, the session moves to a WebSocket (`2probe`, `3probe`,
//! `5`) and says `Upgraded`; where upgrades are refused it stays polling.

use super::{Socket, SocketError, SocketEvent};
use crate::i18n::{t, tf};
use crate::protocol::socketio::{payload, Eio};
use crate::protocol::Frame;
use gloo::net::http::Request;
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

/// One long-polling session; dropping it ends the poll.
pub struct Polling {
    inner: Rc<Inner>,
}

struct Inner {
    /// `http(s)://host/path/?…&EIO=N&transport=polling`.
    url: String,
    /// As asked, until the first answer shows which revision the server speaks.
    eio: Cell<Eio>,
    sid: RefCell<Option<String>>,
    on_event: Box<dyn Fn(SocketEvent)>,
    /// Cancels the poll in flight when the session is dropped.
    abort: Option<web_sys::AbortController>,
    closed: Cell<bool>,
    queue: RefCell<Vec<Frame>>,
    posting: Cell<bool>,
    /// The WebSocket being probed, then the one in use once upgraded.
    probe: RefCell<Option<Socket>>,
    /// The probe answered: no more polls; `5` goes once the poll returns.
    upgrading: Cell<bool>,
    upgraded: Cell<bool>,
}

impl Inner {
    fn request_url(&self) -> String {
        let t = (js_sys::Math::random() * 1e9) as u64;
        match &*self.sid.borrow() {
            Some(sid) => format!("{}&sid={sid}&t={t:x}", self.url),
            None => format!("{}&t={t:x}", self.url),
        }
    }

    fn fail(&self, reason: String) {
        if !self.closed.replace(true) {
            (self.on_event)(SocketEvent::Closed {
                code: 1006,
                reason,
                clean: false,
            });
        }
    }
}

/// What an HTTP refusal says, in words; the browser hides the answer of a
/// server that does not allow this page's origin.
fn refusal(status: Option<u16>, body: &str) -> String {
    let origin = gloo::utils::window()
        .location()
        .origin()
        .unwrap_or_default();
    let body: String = body.trim().chars().take(200).collect();
    match status {
        Some(code) if body.to_ascii_lowercase().contains("origin") => tf("long-polling: the server refused this page's origin (HTTP {0}: {1}); allow {2} in its CORS settings", &[&code, &body, &origin]),
        Some(code) => tf("long-polling: the server answered HTTP {0}: {1}", &[&code, &body]),
        None => tf("long-polling: the request failed ({0}); the server may be down, or not allow {1} in its CORS settings", &[&body, &origin]),
    }
}

impl Polling {
    /// Starts the handshake at `url` (an `http(s)://` engine URL with
    /// `transport=polling`).
    pub fn open(
        url: &str,
        eio: Eio,
        on_event: impl Fn(SocketEvent) + 'static,
    ) -> Result<Self, SocketError> {
        let inner = Rc::new(Inner {
            url: url.to_string(),
            eio: Cell::new(eio),
            sid: RefCell::new(None),
            on_event: Box::new(on_event),
            abort: web_sys::AbortController::new().ok(),
            closed: Cell::new(false),
            queue: RefCell::new(Vec::new()),
            posting: Cell::new(false),
            probe: RefCell::new(None),
            upgrading: Cell::new(false),
            upgraded: Cell::new(false),
        });
        wasm_bindgen_futures::spawn_local(poll(Rc::downgrade(&inner)));
        Ok(Polling { inner })
    }

    /// Queues `frame`; it goes in the next POST, with whatever else is queued.
    pub fn send(&self, frame: &Frame) -> Result<(), SocketError> {
        let inner = &self.inner;
        if inner.closed.get() || inner.sid.borrow().is_none() {
            return Err(SocketError::NotOpen(super::ReadyState::Closed));
        }
        if inner.upgraded.get() {
            if let Some(ws) = &*inner.probe.borrow() {
                return ws.send(frame);
            }
        }
        inner.queue.borrow_mut().push(frame.clone());
        if !inner.posting.replace(true) {
            wasm_bindgen_futures::spawn_local(post(Rc::downgrade(inner)));
        }
        Ok(())
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        self.inner.closed.set(true);
        if let Some(abort) = &self.inner.abort {
            abort.abort();
        }
        self.inner.probe.borrow_mut().take();
    }
}

/// The GET loop: each answer is a payload of packets.
async fn poll(weak: Weak<Inner>) {
    loop {
        let Some((url, signal, eio)) = weak.upgrade().filter(|i| !i.closed.get()).map(|i| {
            (
                i.request_url(),
                i.abort.as_ref().map(|a| a.signal()),
                i.eio.get(),
            )
        }) else {
            return;
        };
        let answer = Request::get(&url)
            .abort_signal(signal.as_ref())
            .send()
            .await;
        let body = match answer {
            Ok(response) => {
                let status = response.status();
                let ok = response.ok();
                let text = response.text().await.unwrap_or_default();
                if ok {
                    Ok(text)
                } else {
                    Err(refusal(Some(status), &text))
                }
            }
            Err(err) => Err(refusal(None, &super::net_error(&err))),
        };
        let Some(inner) = weak.upgrade().filter(|i| !i.closed.get()) else {
            return;
        };
        let frames = match body.and_then(|b| {
            // A socket.io 2 server answers in v3 whatever was asked.
            let eio = if inner.sid.borrow().is_none() {
                payload::revision(&b)
            } else {
                eio
            };
            inner.eio.set(eio);
            payload::decode(&b, eio)
        }) {
            Ok(frames) => frames,
            Err(why) => return inner.fail(why),
        };
        for frame in frames {
            if inner.closed.get() {
                return;
            }
            if let Frame::Text(packet) = &frame {
                if inner.sid.borrow().is_none() {
                    if let Some((sid, upgrade)) = open_sid(packet) {
                        *inner.sid.borrow_mut() = Some(sid);
                        (inner.on_event)(SocketEvent::Opened {
                            protocol: String::new(),
                            extensions: String::new(),
                        });
                        if upgrade {
                            probe(&inner, &weak);
                        }
                    }
                }
                // The server's noop that ends a poll during the upgrade.
                if packet == "6" {
                    continue;
                }
                if packet == "1" {
                    return inner.fail(t("long-polling: the server closed the session").into());
                }
            }
            (inner.on_event)(SocketEvent::Frame(frame));
        }
        if inner.sid.borrow().is_none() {
            return inner
                .fail(t("long-polling: the server's first answer was not a handshake").into());
        }
        // The probe answered: the poll has returned, so the WebSocket takes over.
        if inner.upgrading.get() {
            let upgraded = match &*inner.probe.borrow() {
                Some(ws) => ws.send(&Frame::Text("5".into())).is_ok(),
                None => false,
            };
            if upgraded {
                inner.upgraded.set(true);
                (inner.on_event)(SocketEvent::Upgraded);
                return;
            }
            inner.upgrading.set(false);
            inner.probe.borrow_mut().take();
        }
    }
}

/// The session id of an open packet, and whether it offers a WebSocket.
fn open_sid(packet: &str) -> Option<(String, bool)> {
    let json: serde_json::Value = serde_json::from_str(packet.strip_prefix('0')?).ok()?;
    let upgrade = json
        .get("upgrades")
        .and_then(|u| u.as_array())
        .is_some_and(|u| u.iter().any(|t| t == "websocket"));
    Some((json.get("sid")?.as_str()?.to_string(), upgrade))
}

/// Opens a WebSocket on the same session and sends `2probe`; on `3probe`
/// the next poll's return hands over. Any failure leaves it polling.
fn probe(inner: &Inner, weak: &Weak<Inner>) {
    let Some(sid) = inner.sid.borrow().clone() else {
        return;
    };
    let url = inner
        .url
        .replacen("transport=polling", "transport=websocket", 1)
        .replacen("http", "ws", 1);
    let url = format!("{url}&sid={sid}");
    let weak = weak.clone();
    let socket = Socket::open(&url, &[], move |event| {
        let Some(inner) = weak.upgrade().filter(|i| !i.closed.get()) else {
            return;
        };
        match event {
            SocketEvent::Opened { .. } => {
                if let Some(ws) = &*inner.probe.borrow() {
                    let _ = ws.send(&Frame::Text("2probe".into()));
                }
            }
            SocketEvent::Frame(Frame::Text(t)) if t == "3probe" && !inner.upgraded.get() => {
                inner.upgrading.set(true);
            }
            SocketEvent::Frame(frame) if inner.upgraded.get() => {
                (inner.on_event)(SocketEvent::Frame(frame));
            }
            SocketEvent::Closed {
                code,
                reason,
                clean,
            } if inner.upgraded.get() => {
                inner.closed.set(true);
                (inner.on_event)(SocketEvent::Closed {
                    code,
                    reason,
                    clean,
                });
            }
            // Refused or dropped before the upgrade: stay on polling.
            SocketEvent::Closed { .. } => {
                inner.upgrading.set(false);
                let gone = inner.probe.borrow_mut().take();
                // Dropped outside this socket's own listener call.
                wasm_bindgen_futures::spawn_local(async move { drop(gone) });
            }
            _ => {}
        }
    });
    *inner.probe.borrow_mut() = socket.ok();
}

/// Sends what is queued, one POST at a time, until the queue is empty.
async fn post(weak: Weak<Inner>) {
    loop {
        let Some((url, body)) = weak.upgrade().filter(|i| !i.closed.get()).and_then(|i| {
            let frames = std::mem::take(&mut *i.queue.borrow_mut());
            if frames.is_empty() {
                i.posting.set(false);
                return None;
            }
            Some((i.request_url(), payload::encode(&frames, i.eio.get())))
        }) else {
            return;
        };
        let sent = match Request::post(&url)
            .header("Content-Type", "text/plain;charset=UTF-8")
            .body(body)
        {
            Ok(request) => request
                .send()
                .await
                .map_err(|e| super::net_error(&e))
                .and_then(|r| {
                    if r.ok() {
                        Ok(())
                    } else {
                        Err(format!("HTTP {}", r.status()))
                    }
                }),
            Err(e) => Err(super::net_error(&e)),
        };
        if let Err(why) = sent {
            if let Some(inner) = weak.upgrade() {
                inner.fail(tf(
                    "long-polling: a message could not be sent ({0})",
                    &[&why],
                ));
            }
            return;
        }
    }
}
