//! STOMP 1.0–1.2 (RabbitMQ web-stomp, Spring's broker relay and simple
//! broker) as a pure state machine: CONNECT with heart-beat negotiation,
//! SUBSCRIBE to the room, SEND with a receipt, MESSAGE as a line, ERROR in
//! words. Frames may arrive split or several to a WebSocket message.
//! <https://stomp.github.io/stomp-specification-1.2.html>

use super::session::{Setup, Step};
use super::{decode_json_or_text, Frame, Incoming};
use crate::i18n::{t, tf};
use std::collections::VecDeque;

/// What we can send and want to hear, in ms (the client's `heart-beat`).
pub const HEART_BEAT: (u32, u32) = (10_000, 10_000);
/// Bytes held waiting for a frame's end; more means the peer is not STOMP.
const MAX_BUFFER: usize = 4 << 20;
/// Receipts awaited at most (older ones are forgotten: the echo still delivers).
const RECEIPTS: usize = 256;

/// One STOMP frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StompFrame {
    pub command: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl StompFrame {
    pub fn new(command: &str, headers: &[(&str, &str)], body: &str) -> Self {
        StompFrame {
            command: command.into(),
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.into(),
        }
    }

    /// The first value of header `name` (the spec: the first one wins).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The frame as text, NUL-terminated; header values escaped (not in CONNECT).
    pub fn encode(&self) -> String {
        let escape = self.command != "CONNECT";
        let mut out = String::with_capacity(self.body.len() + 64);
        out.push_str(&self.command);
        out.push('\n');
        for (k, v) in &self.headers {
            let (k, v) = if escape {
                (escape_header(k), escape_header(v))
            } else {
                (k.clone(), v.clone())
            };
            out.push_str(&k);
            out.push(':');
            out.push_str(&v);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.body);
        out.push('\0');
        out
    }
}

fn escape_header(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            ':' => out.push_str("\\c"),
            c => out.push(c),
        }
    }
    out
}

fn unescape_header(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('c') => out.push(':'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Takes the complete frames off the front of `buf`; heart-beat EOLs between
/// frames are skipped. `Err` names what is wrong with a malformed frame
/// (it is dropped from the buffer).
pub fn take_frames(buf: &mut String) -> Vec<Result<StompFrame, String>> {
    let mut out = Vec::new();
    loop {
        let start = buf.len() - buf.trim_start_matches(['\n', '\r']).len();
        if start > 0 {
            buf.drain(..start);
        }
        if buf.is_empty() {
            return out;
        }
        let Some(head_end) = buf
            .find("\n\n")
            .map(|i| (i, 2))
            .or_else(|| buf.find("\r\n\r\n").map(|i| (i, 4)))
        else {
            return out;
        };
        let (head_len, sep) = head_end;
        let head = buf[..head_len].replace('\r', "");
        let mut lines = head.split('\n');
        let command = lines.next().unwrap_or_default().trim().to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (unescape_header(k), unescape_header(v)))
            .collect();
        let body_start = head_len + sep;
        let length = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.trim().parse::<usize>().ok());
        let body_end = match length.map(|n| body_start.saturating_add(n)) {
            Some(end) if buf.len() > end => end,
            Some(_) => return out,
            None => match buf[body_start..].find('\0') {
                Some(i) => body_start + i,
                None => return out,
            },
        };
        let body = buf.get(body_start..body_end).map(str::to_string);
        let nul_ok = buf.as_bytes().get(body_end) == Some(&0);
        // Past the NUL; a content-length that points inside a character
        // drops the rest of that character too (drain needs a boundary).
        let mut end = (body_end + 1).min(buf.len());
        while !buf.is_char_boundary(end) {
            end += 1;
        }
        buf.drain(..end);
        out.push(match body {
            Some(body) if nul_ok && !command.is_empty() => Ok(StompFrame {
                command,
                headers,
                body,
            }),
            _ => Err(tf(
                "a malformed frame ({0})",
                &[&super::socketio::packet::shorten(&command)],
            )),
        });
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Connecting,
    Connected,
}

/// One STOMP connection.
#[derive(Clone, Debug)]
pub struct Session {
    setup: Setup,
    stage: Stage,
    buf: String,
    /// How often we must send a heart-beat, once negotiated (0: never).
    beat_ms: u32,
    next_receipt: u64,
    /// Receipt ids of our SENDs and the client id of the line each carries.
    receipts: VecDeque<(String, String)>,
}

impl Session {
    pub fn new(setup: Setup) -> Self {
        Session {
            setup,
            stage: Stage::Connecting,
            buf: String::new(),
            beat_ms: 0,
            next_receipt: 0,
            receipts: VecDeque::new(),
        }
    }

    /// The client speaks first: CONNECT, offering every version and our beats.
    pub fn opened(&mut self) -> Step {
        let beats = format!("{},{}", HEART_BEAT.0, HEART_BEAT.1);
        let connect = StompFrame::new(
            "CONNECT",
            &[("accept-version", "1.2,1.1,1.0"), ("heart-beat", &beats)],
            "",
        );
        Step {
            send: vec![Frame::Text(connect.encode())],
            ..Step::default()
        }
    }

    pub fn receive(&mut self, frame: Frame) -> Step {
        let text = match frame.into_text() {
            Ok(text) => text,
            Err(bytes) => return Step::bytes(bytes),
        };
        let mut step = Step::default();
        self.buf.push_str(&text);
        for frame in take_frames(&mut self.buf) {
            match frame {
                Ok(frame) => self.frame(frame, &mut step),
                Err(what) => step
                    .incoming
                    .push(Incoming::Notice(format!("STOMP: {what}"))),
            }
        }
        if self.buf.len() > MAX_BUFFER {
            self.buf.clear();
            step.incoming.push(Incoming::Notice(
                t("STOMP: more than 4 MB without a frame's end; dropped").into(),
            ));
        }
        step
    }

    /// Our heart-beat is due: an EOL.
    pub fn on_timer(&mut self) -> Step {
        if self.beat_ms == 0 {
            return Step::default();
        }
        Step {
            send: vec![Frame::Text("\n".into())],
            timer: Some(self.beat_ms),
            ..Step::default()
        }
    }

    /// The SEND carrying a chat line, with a receipt to deliver it on.
    pub fn send(&mut self, client_id: &str, text: &str) -> Frame {
        let receipt = format!("r-{}", self.next_receipt);
        self.next_receipt += 1;
        if self.receipts.len() >= RECEIPTS {
            self.receipts.pop_front();
        }
        self.receipts
            .push_back((receipt.clone(), client_id.to_string()));
        let body = self.setup.format.body(client_id, &self.setup.name, text);
        let kind = match self.setup.format {
            super::session::Format::Json => "application/json",
            super::session::Format::Text => "text/plain",
        };
        let send = StompFrame::new(
            "SEND",
            &[
                ("destination", &self.setup.room),
                ("content-type", kind),
                ("receipt", &receipt),
            ],
            &body,
        );
        Frame::Text(send.encode())
    }

    fn frame(&mut self, frame: StompFrame, step: &mut Step) {
        match frame.command.as_str() {
            "CONNECTED" if self.stage == Stage::Connecting => {
                self.stage = Stage::Connected;
                let version = frame.header("version").unwrap_or("1.0").to_string();
                let (sx, sy) = parse_beats(frame.header("heart-beat"));
                let (cx, cy) = HEART_BEAT;
                self.beat_ms = if cx == 0 || sy == 0 { 0 } else { cx.max(sy) };
                let expect = if cy == 0 || sx == 0 { 0 } else { cy.max(sx) };
                let subscribe = StompFrame::new(
                    "SUBSCRIBE",
                    &[
                        ("id", "roomcast-0"),
                        ("destination", &self.setup.room),
                        ("ack", "auto"),
                    ],
                    "",
                );
                step.send.push(Frame::Text(subscribe.encode()));
                if self.beat_ms > 0 {
                    step.timer = Some(self.beat_ms);
                }
                if expect > 0 {
                    step.incoming.push(Incoming::Beat {
                        dead_after_ms: 2 * u64::from(expect) + 1000,
                    });
                }
                step.incoming.push(Incoming::Ready(tf(
                    "Subscribed to {0} over STOMP {1}.",
                    &[&self.setup.room, &version],
                )));
            }
            "MESSAGE" => step.incoming.push(decode_json_or_text(frame.body)),
            "RECEIPT" => {
                let id = frame.header("receipt-id").unwrap_or_default();
                if let Some(i) = self.receipts.iter().position(|(r, _)| r == id) {
                    if let Some((_, client_id)) = self.receipts.remove(i) {
                        step.incoming.push(Incoming::Acked { client_id });
                    }
                }
            }
            "ERROR" => {
                let message = frame.header("message").unwrap_or("error").to_string();
                let detail = frame.body.trim();
                let message = if detail.is_empty() || detail == message {
                    message
                } else {
                    format!("{message}: {}", super::socketio::packet::shorten(detail))
                };
                // A refused SEND names its receipt: that line failed.
                let id = frame
                    .header("receipt-id")
                    .and_then(|r| self.receipts.iter().find(|(x, _)| x == r))
                    .map(|(_, c)| c.clone());
                step.incoming.push(Incoming::ServerError {
                    code: "STOMP ERROR".into(),
                    message,
                    id,
                });
            }
            other => step.incoming.push(Incoming::Notice(tf(
                "STOMP: an unexpected {0} frame",
                &[&super::socketio::packet::shorten(other)],
            ))),
        }
    }
}

/// A `heart-beat:x,y` header; absent or bad means `0,0` (none).
fn parse_beats(value: Option<&str>) -> (u32, u32) {
    let Some((x, y)) = value.and_then(|v| v.split_once(',')) else {
        return (0, 0);
    };
    (x.trim().parse().unwrap_or(0), y.trim().parse().unwrap_or(0))
}

#[cfg(test)]
mod tests;
