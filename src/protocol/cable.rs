//! Rails' Action Cable (`actioncable-v1-json`) as a pure state machine:
//! `welcome`, then subscribe to the channel; `ping` every 3 s keeps it
//! alive; confirm and reject in words; lines go out with the `message`
//! command and an action (default `speak`); broadcasts come back as lines.
//! <https://guides.rubyonrails.org/action_cable_overview.html>

use super::session::{object, Format, Setup, Step};
use super::{from_json, plain, Frame, Incoming};
use crate::i18n::{t, tf};
use serde_json::Value;

/// Rails pings every 3 s; its own client calls a connection stale after 6.
pub const STALE_MS: u64 = 6_000 + 2_000;

/// One Action Cable connection.
#[derive(Clone, Debug)]
pub struct Session {
    setup: Setup,
    /// The subscription identifier, exactly as sent (the server compares strings).
    identifier: String,
    subscribed: bool,
}

/// The identifier for `room`: a JSON identifier as given, else a channel name.
pub fn identifier(room: &str) -> String {
    let room = room.trim();
    if room.starts_with('{') && serde_json::from_str::<Value>(room).is_ok() {
        return room.to_string();
    }
    object(&[("channel", room)])
}

impl Session {
    pub fn new(setup: Setup) -> Self {
        Session {
            identifier: identifier(&setup.room),
            setup,
            subscribed: false,
        }
    }

    fn command(&self, command: &str, data: Option<&str>) -> Frame {
        let mut fields = vec![
            ("command", command),
            ("identifier", self.identifier.as_str()),
        ];
        fields.extend(data.map(|d| ("data", d)));
        Frame::Text(object(&fields))
    }

    /// The `message` command carrying a line to the channel's action.
    pub fn speak(&mut self, client_id: &str, text: &str) -> Frame {
        // `message` too: the field Rails tutorials read.
        let action = ("action", self.setup.action.as_str());
        let data = match self.setup.format {
            Format::Json => object(&[
                action,
                ("id", client_id),
                ("name", &self.setup.name),
                ("text", text),
                ("message", text),
            ]),
            Format::Text => object(&[action, ("message", text)]),
        };
        self.command("message", Some(&data))
    }

    pub fn receive(&mut self, frame: Frame) -> Step {
        let text = match frame.into_text() {
            Ok(text) => text,
            Err(bytes) => return Step::bytes(bytes),
        };
        let mut step = Step::default();
        let Ok(Value::Object(msg)) = serde_json::from_str::<Value>(&text) else {
            step.incoming.push(Incoming::Notice(tf(
                "Action Cable: not a JSON object: {0}",
                &[&super::socketio::packet::shorten(&text)],
            )));
            return step;
        };
        let ours = msg.get("identifier").and_then(Value::as_str) == Some(&self.identifier);
        match msg.get("type").and_then(Value::as_str) {
            Some("welcome") => {
                step.send.push(self.command("subscribe", None));
                step.incoming.push(Incoming::Beat {
                    dead_after_ms: STALE_MS,
                });
            }
            Some("ping") => {}
            Some("confirm_subscription") if ours && !self.subscribed => {
                self.subscribed = true;
                step.incoming.push(Incoming::Ready(tf(
                    "Subscribed to {0} over Action Cable (action \u{201c}{1}\u{201d}).",
                    &[&self.setup.room, &self.setup.action],
                )));
            }
            Some("reject_subscription") if ours => step.incoming.push(Incoming::ServerClosed(tf(
                "the server rejected the subscription to {0}",
                &[&self.setup.room],
            ))),
            Some("disconnect") => {
                let reason = msg
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or(t("no reason given"));
                let again = msg.get("reconnect").and_then(Value::as_bool) != Some(false);
                step.incoming.push(if again {
                    Incoming::Notice(tf("Action Cable disconnected this client: {0}", &[&reason]))
                } else {
                    Incoming::ServerClosed(tf("the Action Cable server disconnected this client ({0}) and asked it not to reconnect", &[&reason]))
                });
            }
            Some(_) if !ours => {}
            _ => match msg.get("message") {
                Some(Value::String(text)) if ours => step.incoming.push(plain(text.clone())),
                Some(value) if ours => step.incoming.push(from_json(value)),
                _ => {}
            },
        }
        step
    }
}

#[cfg(test)]
mod tests;
