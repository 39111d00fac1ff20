//! What can be wrong with a setting, as a value (the page shows it in words).

use super::{KEEP_RANGE, MAX_NAME};

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
                write!(f, "Enter a server address, e.g. ws://localhost:8080/ws.")
            }
            ConfigError::NotAUrl(url) => write!(
                f,
                "\u{201c}{url}\u{201d} is not a URL: start it with ws:// or wss://."
            ),
            ConfigError::NotWebSocket { scheme } => write!(
                f,
                "\u{201c}{scheme}://\u{201d} is not a WebSocket address: use ws:// or wss://."
            ),
            ConfigError::NoHost(url) => write!(f, "\u{201c}{url}\u{201d} has no host."),
            ConfigError::Fragment => write!(f, "A WebSocket address cannot contain a #fragment."),
            ConfigError::Spaces => write!(f, "A server address cannot contain spaces."),
            ConfigError::MissingName => write!(f, "Enter a name."),
            ConfigError::NameTooLong => write!(f, "A name has at most {MAX_NAME} characters."),
            ConfigError::NameControl => write!(f, "A name cannot contain control characters."),
            ConfigError::BadEvent => write!(
                f,
                "An event name has at most 100 characters and no control characters."
            ),
            ConfigError::BadSubprotocol(item) => write!(
                f,
                "\u{201c}{item}\u{201d} is not a valid subprotocol name (letters, digits and .-_+ are fine)."
            ),
            ConfigError::DuplicateSubprotocol(item) => {
                write!(f, "The subprotocol \u{201c}{item}\u{201d} is listed twice.")
            }
            ConfigError::UnknownProtocol(value) => write!(
                f,
                "Unknown protocol \u{201c}{}\u{201d}: use auto, text, json, socketio, stomp, mqtt, sockjs or actioncable.",
                short(value, 40)
            ),
            ConfigError::BadPath(path) => write!(
                f,
                "\u{201c}{}\u{201d} is not a path (letters, digits, / - _ . ~).",
                short(path, 40)
            ),
            ConfigError::BadKeep(value) => {
                let (min, max) = KEEP_RANGE;
                write!(
                    f,
                    "keep must be a whole number of lines from {min} to {max}, not \u{201c}{}\u{201d}.",
                    short(value, 20)
                )
            }
            ConfigError::BadEio(value) => write!(
                f,
                "eio must be 3 (socket.io 2) or 4 (socket.io 3 and 4), not \u{201c}{}\u{201d}.",
                short(value, 20)
            ),
            ConfigError::BadFrame => write!(
                f,
                "A frame to send (send=, ping=) has at most 64 KiB and no control characters other than tab and newlines."
            ),
            ConfigError::BadRoom => write!(
                f,
                "A room has at most 500 characters and no control characters."
            ),
            ConfigError::BadChoice {
                key,
                allowed,
                value,
            } => write!(
                f,
                "{key} must be {allowed}, not \u{201c}{}\u{201d}.",
                short(value, 20)
            ),
            ConfigError::BadTransport(value) => write!(
                f,
                "transport must be websocket or polling, not \u{201c}{}\u{201d}.",
                short(value, 20)
            ),
        }
    }
}
