//! What can be wrong with a setting, as a value (the page shows it in words).

use super::{KEEP_RANGE, MAX_NAME};
use crate::i18n::{t, tf};

/// One bad setting, from the page URL, `config.json` or the connect form.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    MissingServer,
    NotAUrl(String),
    NotWebSocket {
        scheme: String,
    },
    NoHost(String),
    Fragment,
    Spaces,
    MissingName,
    NameTooLong,
    NameControl,
    BadEvent,
    BadSubprotocol(String),
    DuplicateSubprotocol(String),
    UnknownProtocol(String),
    BadPath(String),
    BadKeep(String),
    BadEio(String),
    BadTransport(String),
    BadRoom,
    BadFrame,
    /// Profiles: a name that is empty, too long or has control characters;
    /// `?profile=` naming none that is saved; a file that is not profiles.
    BadProfileName,
    NoProfile(String),
    BadProfiles,
    /// A setting with a few allowed values got another one.
    BadChoice {
        key: &'static str,
        allowed: &'static str,
        value: String,
    },
}

/// At most `n` characters of what was typed, for a message.
fn short(value: &str, n: usize) -> String {
    value.chars().take(n).collect()
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::MissingServer => {
                f.write_str(t("Enter a server address, e.g. ws://localhost:8080/ws."))
            }
            ConfigError::NotAUrl(url) => f.write_str(&tf("\u{201c}{0}\u{201d} is not a URL: start it with ws:// or wss://.", &[&url])),
            ConfigError::NotWebSocket { scheme } => f.write_str(&tf("\u{201c}{0}://\u{201d} is not a WebSocket address: use ws:// or wss://.", &[&scheme])),
            ConfigError::NoHost(url) => f.write_str(&tf("\u{201c}{0}\u{201d} has no host.", &[&url])),
            ConfigError::Fragment => f.write_str(t("A WebSocket address cannot contain a #fragment.")),
            ConfigError::Spaces => f.write_str(t("A server address cannot contain spaces.")),
            ConfigError::MissingName => f.write_str(t("Enter a name.")),
            ConfigError::NameTooLong => f.write_str(&tf("A name has at most {0} characters.", &[&MAX_NAME])),
            ConfigError::NameControl => f.write_str(t("A name cannot contain control characters.")),
            ConfigError::BadEvent => f.write_str(t("An event name has at most 100 characters and no control characters.")),
            ConfigError::BadSubprotocol(item) => f.write_str(&tf("\u{201c}{0}\u{201d} is not a valid subprotocol name (letters, digits and .-_+ are fine).", &[&item])),
            ConfigError::DuplicateSubprotocol(item) => {
                f.write_str(&tf("The subprotocol \u{201c}{0}\u{201d} is listed twice.", &[&item]))
            }
            ConfigError::UnknownProtocol(value) => f.write_str(&tf("Unknown protocol \u{201c}{0}\u{201d}: use auto, text, json, socketio, stomp, mqtt, sockjs or actioncable.", &[&short(value, 40)])),
            ConfigError::BadPath(path) => f.write_str(&tf("\u{201c}{0}\u{201d} is not a path (letters, digits, / - _ . ~).", &[&short(path, 40)])),
            ConfigError::BadKeep(value) => {
                let (min, max) = KEEP_RANGE;
                f.write_str(&tf("keep must be a whole number of lines from {0} to {1}, not \u{201c}{2}\u{201d}.", &[&min, &max, &short(value, 20)]))
            }
            ConfigError::BadEio(value) => f.write_str(&tf("eio must be 3 (socket.io 2) or 4 (socket.io 3 and 4), not \u{201c}{0}\u{201d}.", &[&short(value, 20)])),
            ConfigError::BadFrame => f.write_str(t("A frame to send (send=, ping=) has at most 64 KiB and no control characters other than tab and newlines.")),
            ConfigError::BadRoom => f.write_str(t("A room has at most 500 characters and no control characters.")),
            ConfigError::BadChoice {
                key,
                allowed,
                value,
            } => f.write_str(&tf("{0} must be {1}, not \u{201c}{2}\u{201d}.", &[&key, &allowed, &short(value, 20)])),
            ConfigError::BadProfileName => f.write_str(t("A profile name has 1 to 64 characters and no control characters.")),
            ConfigError::NoProfile(name) => f.write_str(&tf("No saved profile is named \u{201c}{0}\u{201d}.", &[&short(name, 64)])),
            ConfigError::BadProfiles => f.write_str(t("This is not a list of Roomcast profiles (a JSON array of objects, each with a \"profile\" name).")),
            ConfigError::BadTransport(value) => f.write_str(&tf("transport must be websocket or polling, not \u{201c}{0}\u{201d}.", &[&short(value, 20)])),
        }
    }
}
