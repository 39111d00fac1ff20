//! MQTT 3.1.1 over WebSocket (binary frames; packets may be split across
//! frames or share one) as a pure state machine: CONNECT/CONNACK with the
//! refusal codes in words, SUBSCRIBE to the room, PUBLISH at QoS 1 (PUBACK
//! delivers) or 0, incoming PUBLISH as lines, PINGREQ within the keepalive.
//! <https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/mqtt-v3.1.1.html>

use super::session::{Setup, Step};
use super::{decode_json_or_text, Frame, Incoming};
use crate::i18n::{t, tf};
use std::collections::VecDeque;

/// The keepalive we announce, in seconds; we ping at half of it.
pub const KEEPALIVE_S: u16 = 30;
/// Bytes held waiting for a packet's end (the broker's largest packet).
const MAX_BUFFER: usize = 16 << 20;
/// PUBACKs awaited at most (older ones are forgotten: the echo still delivers).
const PENDING: usize = 256;

/// One MQTT control packet as read off the wire (only what a chat needs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Packet {
    ConnAck {
        code: u8,
    },
    Publish {
        topic: String,
        id: Option<u16>,
        payload: Vec<u8>,
    },
    PubAck {
        id: u16,
    },
    SubAck {
        id: u16,
        codes: Vec<u8>,
    },
    PingResp,
    /// A packet a client does not expect (its type number).
    Other(u8),
}

/// Appends MQTT's variable-length "remaining length".
fn put_length(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let mut byte = (n % 128) as u8;
        n /= 128;
        if n > 0 {
            byte |= 0x80;
        }
        out.push(byte);
        if n == 0 {
            return;
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let bytes = &s.as_bytes()[..s.len().min(u16::MAX as usize)];
    out.extend_from_slice(&(bytes.len() as u16).to_be_bytes());
    out.extend_from_slice(bytes);
}

fn packet(first: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(first);
    put_length(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

/// CONNECT with a clean session, `client_id` and the keepalive.
pub fn connect(client_id: &str, keepalive_s: u16) -> Vec<u8> {
    let mut body = Vec::new();
    put_str(&mut body, "MQTT");
    body.push(4); // protocol level 3.1.1
    body.push(0x02); // clean session
    body.extend_from_slice(&keepalive_s.to_be_bytes());
    put_str(&mut body, client_id);
    packet(0x10, &body)
}

pub fn subscribe(id: u16, topic: &str, qos: u8) -> Vec<u8> {
    let mut body = id.to_be_bytes().to_vec();
    put_str(&mut body, topic);
    body.push(qos.min(1));
    packet(0x82, &body)
}

pub fn publish(topic: &str, id: Option<u16>, payload: &[u8]) -> Vec<u8> {
    let mut body = Vec::with_capacity(payload.len() + topic.len() + 4);
    put_str(&mut body, topic);
    if let Some(id) = id {
        body.extend_from_slice(&id.to_be_bytes());
    }
    body.extend_from_slice(payload);
    packet(if id.is_some() { 0x32 } else { 0x30 }, &body)
}

pub fn puback(id: u16) -> Vec<u8> {
    packet(0x40, &id.to_be_bytes())
}

pub const PINGREQ: [u8; 2] = [0xC0, 0];

/// Takes the complete packets off the front of `buf`. `Err` when the
/// length itself is malformed (the buffer is then cleared).
pub fn take_packets(buf: &mut Vec<u8>) -> Result<Vec<Packet>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(&first) = buf.get(at) {
        let (mut len, mut shift, mut i) = (0usize, 0, at + 1);
        loop {
            let Some(&b) = buf.get(i) else {
                buf.drain(..at);
                return Ok(out);
            };
            len |= usize::from(b & 0x7f) << shift;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 21 {
                buf.clear();
                return Err(t("a packet length longer than 4 bytes").into());
            }
        }
        if buf.len() < i.saturating_add(len) {
            break;
        }
        out.push(read(first, &buf[i..i + len]));
        at = i + len;
    }
    buf.drain(..at);
    Ok(out)
}

fn u16_at(body: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*body.get(i)?, *body.get(i + 1)?]))
}

fn read(first: u8, body: &[u8]) -> Packet {
    let kind = first >> 4;
    match kind {
        2 => Packet::ConnAck {
            code: body.get(1).copied().unwrap_or(255),
        },
        3 => {
            let qos = (first >> 1) & 3;
            let Some(n) = u16_at(body, 0).map(usize::from) else {
                return Packet::Other(kind);
            };
            let Some(topic) = body.get(2..2 + n) else {
                return Packet::Other(kind);
            };
            let topic = String::from_utf8_lossy(topic).into_owned();
            let (id, rest) = if qos > 0 {
                (u16_at(body, 2 + n), 4 + n)
            } else {
                (None, 2 + n)
            };
            Packet::Publish {
                topic,
                id,
                payload: body.get(rest..).unwrap_or_default().to_vec(),
            }
        }
        4 => Packet::PubAck {
            id: u16_at(body, 0).unwrap_or(0),
        },
        9 => Packet::SubAck {
            id: u16_at(body, 0).unwrap_or(0),
            codes: body.get(2..).unwrap_or_default().to_vec(),
        },
        13 => Packet::PingResp,
        other => Packet::Other(other),
    }
}

/// A CONNACK refusal, in words.
pub fn refusal(code: u8) -> String {
    match code {
        1 => t("the broker does not speak MQTT 3.1.1").into(),
        2 => t("the broker refused the client id").into(),
        3 => t("the MQTT service is unavailable").into(),
        4 => t("bad user name or password").into(),
        5 => t("not authorized").into(),
        other => tf("refused with code {0}", &[&other]),
    }
}

/// One MQTT connection.
#[derive(Clone, Debug)]
pub struct Session {
    setup: Setup,
    buf: Vec<u8>,
    connected: bool,
    next_id: u16,
    /// Packet ids of our QoS 1 PUBLISHes and the client id each carries.
    pending: VecDeque<(u16, String)>,
}

impl Session {
    pub fn new(setup: Setup) -> Self {
        Session {
            setup,
            buf: Vec::new(),
            connected: false,
            next_id: 0,
            pending: VecDeque::new(),
        }
    }

    /// The client speaks first: CONNECT.
    pub fn opened(&mut self) -> Step {
        let id = format!("roomcast-{:012x}", self.setup.seed & 0xffff_ffff_ffff);
        Step {
            send: vec![Frame::Binary(connect(&id, KEEPALIVE_S))],
            ..Step::default()
        }
    }

    fn id(&mut self) -> u16 {
        self.next_id = self.next_id.checked_add(1).unwrap_or(1);
        self.next_id
    }

    pub fn receive(&mut self, frame: Frame) -> Step {
        let mut step = Step::default();
        match frame {
            Frame::Binary(bytes) => self.buf.extend_from_slice(&bytes),
            // MQTT is binary only; text is a broker's way of saying something else.
            Frame::Text(text) => {
                step.incoming.push(Incoming::Notice(tf(
                    "MQTT: a text frame, which MQTT never sends: {0}",
                    &[&super::socketio::packet::shorten(&text)],
                )));
                return step;
            }
        }
        match take_packets(&mut self.buf) {
            Ok(packets) => packets.into_iter().for_each(|p| self.packet(p, &mut step)),
            Err(what) => step
                .incoming
                .push(Incoming::Notice(format!("MQTT: {what}"))),
        }
        if self.buf.len() > MAX_BUFFER {
            self.buf.clear();
            step.incoming.push(Incoming::Notice(
                t("MQTT: a packet over 16 MB; dropped").into(),
            ));
        }
        step
    }

    /// Time to show the broker we are here.
    pub fn on_timer(&mut self) -> Step {
        Step {
            send: vec![Frame::Binary(PINGREQ.to_vec())],
            timer: Some(u32::from(KEEPALIVE_S) * 500),
            ..Step::default()
        }
    }

    /// The PUBLISH carrying a line (`text`: wrapped in the body format) or a file.
    pub fn publish(&mut self, client_id: &str, payload: &[u8], text: bool) -> Frame {
        let body = match (text, std::str::from_utf8(payload)) {
            (true, Ok(line)) => self
                .setup
                .format
                .body(client_id, &self.setup.name, line)
                .into_bytes(),
            _ => payload.to_vec(),
        };
        let id = (self.setup.qos > 0).then(|| self.id());
        if let Some(id) = id {
            if self.pending.len() >= PENDING {
                self.pending.pop_front();
            }
            self.pending.push_back((id, client_id.to_string()));
        }
        Frame::Binary(publish(&self.setup.room, id, &body))
    }

    fn packet(&mut self, packet: Packet, step: &mut Step) {
        match packet {
            Packet::ConnAck { code: 0 } if !self.connected => {
                self.connected = true;
                let id = self.id();
                step.send
                    .push(Frame::Binary(subscribe(id, &self.setup.room, 1)));
                step.timer = Some(u32::from(KEEPALIVE_S) * 500);
                step.incoming.push(Incoming::Beat {
                    dead_after_ms: u64::from(KEEPALIVE_S) * 1500,
                });
            }
            Packet::ConnAck { code } => step.incoming.push(Incoming::ServerClosed(tf(
                "the MQTT broker refused the connection: {0}",
                &[&refusal(code)],
            ))),
            Packet::SubAck { codes, .. } if codes.iter().any(|&c| c >= 0x80) => {
                step.incoming.push(Incoming::ServerError {
                    code: "SUBACK".into(),
                    message: tf(
                        "the broker refused the subscription to {0}",
                        &[&self.setup.room],
                    ),
                    id: None,
                })
            }
            Packet::SubAck { .. } => step.incoming.push(Incoming::Ready(tf(
                "Subscribed to {0} over MQTT 3.1.1.",
                &[&self.setup.room],
            ))),
            Packet::Publish { id, payload, .. } => {
                if let Some(id) = id {
                    step.send.push(Frame::Binary(puback(id)));
                }
                step.incoming.push(match String::from_utf8(payload) {
                    Ok(text) => decode_json_or_text(text),
                    Err(e) => Incoming::Binary(e.into_bytes()),
                });
            }
            Packet::PubAck { id } => {
                if let Some(i) = self.pending.iter().position(|(p, _)| *p == id) {
                    if let Some((_, client_id)) = self.pending.remove(i) {
                        step.incoming.push(Incoming::Acked { client_id });
                    }
                }
            }
            Packet::PingResp => {}
            Packet::Other(kind) => step.incoming.push(Incoming::Notice(tf(
                "MQTT: an unexpected packet of type {0}",
                &[&kind],
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
