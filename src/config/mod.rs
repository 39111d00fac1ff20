//! Connection settings: from the page URL
//! (`?server=&name=&protocol=&event=&subprotocols=`) and the connect form.
//! Pure, so every rule is tested natively.

mod error;
pub mod profiles;

pub use error::ConfigError;

use crate::i18n::{t, tf};
use crate::protocol::lines::Lines;
use crate::protocol::session::Format;
use crate::protocol::socketio::{self, Eio};
use crate::protocol::Dialect;

/// The page URL parameters [`from_query`] reads.
pub const QUERY_KEYS: [&str; 18] = [
    "server",
    "name",
    "protocol",
    "event",
    "subprotocols",
    "keep",
    "path",
    "namespace",
    "eio",
    "transport",
    "room",
    "action",
    "lines",
    "format",
    "qos",
    "send",
    "ping",
    "ping_ms",
];

/// Longest name the client will send.
pub const MAX_NAME: usize = 32;

/// What a connection needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// A `ws://` or `wss://` URL.
    pub server: String,
    pub name: String,
    pub dialect: Dialect,
    /// The socket.io event that carries chat lines.
    pub event: String,
    /// WebSocket subprotocols to offer, in order of preference.
    pub subprotocols: Vec<String>,
    /// Lines kept in memory; older ones leave with a marker (`keep=`).
    pub keep: usize,
    /// socket.io: the engine's path (`path=`, default `/socket.io/`), the
    /// namespace (`namespace=`, default from the address's path) and a
    /// forced Engine.IO version (`eio=3|4`, default: told by the server).
    pub path: Option<String>,
    pub namespace: Option<String>,
    pub eio: Option<Eio>,
    /// socket.io: start on HTTP long-polling and upgrade, as socket.io's own
    /// client does (`transport=polling`); by default a WebSocket first.
    pub polling_first: bool,
    /// The topic, destination or channel (`room=`); empty: the dialect's default.
    pub room: String,
    /// Action Cable: the channel action lines go to (`action=`, default `speak`).
    pub action: String,
    /// Whether a text frame's lines are separate messages (`lines=`).
    pub lines: Lines,
    /// Broker dialects: lines as JSON `{id,name,text}` or plain (`format=`).
    pub format: Format,
    /// MQTT: publish at QoS 1 (default) or 0 (`qos=`).
    pub qos: u8,
    /// The address was typed as `http(s)://`: it may be a SockJS endpoint.
    pub typed_http: bool,
    /// Frames sent as typed, in order, first on every connection (a join or
    /// auth message): the repeatable `send=`.
    pub send: Vec<String>,
    /// An application-level ping (`ping=`) sent every `ping_ms` while
    /// connected, for servers that drop quiet sockets.
    pub ping: Option<String>,
    pub ping_ms: u32,
}

impl Config {
    /// Settings for `server` with the defaults for everything else.
    pub fn new(server: impl Into<String>, name: impl Into<String>, dialect: Dialect) -> Self {
        Config {
            server: server.into(),
            name: name.into(),
            dialect,
            event: socketio::DEFAULT_EVENT.into(),
            subprotocols: Vec::new(),
            keep: crate::room::KEEP_LINES,
            path: None,
            namespace: None,
            eio: None,
            polling_first: false,
            room: String::new(),
            action: "speak".into(),
            lines: Lines::Auto,
            format: Format::Json,
            qos: 1,
            typed_http: false,
            send: Vec::new(),
            ping: None,
            ping_ms: PING_MS,
        }
    }

    /// The room to join: `room=`, else the dialect's default.
    pub fn room(&self) -> &str {
        match self.room.as_str() {
            "" => self.dialect.default_room(),
            room => room,
        }
    }

    /// Subprotocols to offer: the user's, else the dialect's own.
    pub fn offered_subprotocols(&self) -> Vec<String> {
        if !self.subprotocols.is_empty() {
            return self.subprotocols.clone();
        }
        self.dialect
            .subprotocols()
            .iter()
            .map(|p| p.to_string())
            .collect()
    }

    /// The Engine.IO revision to ask for: `eio=`, else v4 (a v3 server
    /// answers as v3 whatever is asked).
    pub fn revision(&self) -> Eio {
        self.eio.unwrap_or(Eio::V4)
    }

    /// The WebSocket URL to open.
    pub fn url(&self) -> String {
        match self.dialect {
            Dialect::SocketIo => socketio::url::endpoint(
                &self.server,
                self.path.as_deref(),
                self.revision().number(),
            ),
            _ => self.server.clone(),
        }
    }

    /// socket.io over HTTP long-polling: the engine's URL.
    pub fn polling_url(&self) -> String {
        socketio::url::polling(&self.server, self.path.as_deref(), self.revision().number())
    }

    /// A tab's name: the room, else the address without its scheme, at
    /// most 28 characters.
    pub fn label(&self) -> String {
        let name = match self.room.as_str() {
            "" => self
                .server
                .split_once("://")
                .map_or(self.server.as_str(), |(_, rest)| rest),
            room => room,
        };
        match name.char_indices().nth(28) {
            Some((cut, _)) => format!("{}\u{2026}", &name[..cut]),
            None => name.to_string(),
        }
    }

    /// socket.io: the namespace to join.
    pub fn namespace(&self) -> String {
        socketio::url::namespace(
            &self.server,
            self.path.as_deref(),
            self.namespace.as_deref(),
        )
    }
}

/// The page URL's settings, with what was wrong in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromQuery {
    /// Best-effort settings: defaults where a value was missing or wrong.
    pub config: Config,
    /// One sentence per bad value; connect at once only when empty.
    pub errors: Vec<ConfigError>,
}

/// The reference server's endpoint on the page's own origin: `ws://host/ws`
/// for an `http:` page, `wss://host/ws` for `https:`.
pub fn same_origin_server(page_protocol: &str, host: &str) -> String {
    let scheme = if page_protocol == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{host}/ws")
}

/// Checks a server address as typed. `http(s)://` becomes `ws(s)://`; the path
/// and query are kept exactly as typed.
pub fn parse_server(input: &str) -> Result<String, ConfigError> {
    let url = input.trim();
    if url.is_empty() {
        return Err(ConfigError::MissingServer);
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| ConfigError::NotAUrl(url.into()))?;
    let scheme = match scheme.to_ascii_lowercase().as_str() {
        "ws" | "http" => "ws",
        "wss" | "https" => "wss",
        other => {
            return Err(ConfigError::NotWebSocket {
                scheme: other.into(),
            })
        }
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(ConfigError::NoHost(url.into()));
    }
    if rest.contains('#') {
        return Err(ConfigError::Fragment);
    }
    if url.chars().any(char::is_whitespace) {
        return Err(ConfigError::Spaces);
    }
    Ok(format!("{scheme}://{rest}"))
}

/// A warning when `server` (as returned by [`parse_server`]) is reached over
/// plain `ws://` on a host other than this machine: anyone on the way can
/// read and change the messages.
pub fn insecure_warning(server: &str) -> Option<String> {
    let rest = server.strip_prefix("ws://")?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    }
    .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host.ends_with(".localhost")
        || (host.starts_with("127.") && host.chars().all(|c| c.is_ascii_digit() || c == '.'))
        || host == "::1";
    (!loopback).then(|| {
        tf("Not encrypted: plain ws:// to {0}. Anyone on the network path can read and change messages; use wss:// in production.", &[&host])
    })
}

/// Checks `protocol=` (see [`Dialect::parse`]).
pub fn parse_dialect(input: &str) -> Result<Dialect, ConfigError> {
    Dialect::parse(input)
        .ok_or_else(|| ConfigError::UnknownProtocol(input.trim().to_ascii_lowercase()))
}

/// Checks a display name: trimmed, not empty, at most [`MAX_NAME`] characters,
/// no control characters.
pub fn parse_name(input: &str) -> Result<String, ConfigError> {
    let name = input.trim();
    if name.is_empty() {
        return Err(ConfigError::MissingName);
    }
    if name.chars().count() > MAX_NAME {
        return Err(ConfigError::NameTooLong);
    }
    if name.chars().any(char::is_control) {
        return Err(ConfigError::NameControl);
    }
    Ok(name.to_string())
}

/// Checks a socket.io event name: trimmed, empty means the default.
pub fn parse_event(input: &str) -> Result<String, ConfigError> {
    let event = input.trim();
    if event.is_empty() {
        return Ok(socketio::DEFAULT_EVENT.into());
    }
    if event.chars().count() > 100 || event.chars().any(char::is_control) {
        return Err(ConfigError::BadEvent);
    }
    Ok(event.to_string())
}

/// Checks a comma-separated subprotocol list: each one an RFC 6455 token
/// (visible ASCII, no separators), none twice, as browsers require.
pub fn parse_subprotocols(input: &str) -> Result<Vec<String>, ConfigError> {
    const SEPARATORS: &str = "()<>@,;:\\\"/[]?={} \t";
    let mut list: Vec<String> = Vec::new();
    for item in input.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !item
            .chars()
            .all(|c| c.is_ascii_graphic() && !SEPARATORS.contains(c))
        {
            return Err(ConfigError::BadSubprotocol(item.into()));
        }
        if list.iter().any(|p| p == item) {
            return Err(ConfigError::DuplicateSubprotocol(item.into()));
        }
        list.push(item.to_string());
    }
    Ok(list)
}

/// The connect form's fields, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Form {
    pub server: String,
    pub name: String,
    pub dialect: String,
    pub event: String,
    pub subprotocols: String,
    /// Topic, destination or channel; empty for the dialect's default.
    pub room: String,
}

/// Checks every field of the connect form; all the problems, or the
/// settings: the form's fields over `base` (what the page URL set that the
/// form has no field for, such as `keep=` or `lines=`, stays).
pub fn from_form(form: &Form, base: &Config) -> Result<Config, Vec<ConfigError>> {
    let parsed = (
        parse_server(&form.server),
        parse_name(&form.name),
        parse_dialect(&form.dialect),
        parse_event(&form.event),
        parse_subprotocols(&form.subprotocols),
        parse_room(&form.room),
    );
    match parsed {
        (Ok(server), Ok(name), Ok(dialect), Ok(event), Ok(subprotocols), Ok(room)) => Ok(Config {
            event,
            subprotocols,
            room,
            // The URL's `http://` became `ws://` in the field: the same
            // address is still the one typed as http (a SockJS endpoint).
            typed_http: typed_http(&form.server) || (base.typed_http && server == base.server),
            server,
            name,
            dialect,
            ..base.clone()
        }),
        (a, b, c, d, e, f) => Err([a.err(), b.err(), c.err(), d.err(), e.err(), f.err()]
            .into_iter()
            .flatten()
            .collect()),
    }
}

/// Reads the decoded query pairs of the page URL. Missing values take the
/// defaults; bad ones are reported and also replaced by the defaults.
pub fn from_query<'a>(
    pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    default_server: &str,
    default_name: &str,
) -> FromQuery {
    read_pairs(&mut pairs.into_iter(), default_server, default_name)
}

/// [`from_query`]'s one body: the page URL, `config.json`, saved profiles
/// and kept tabs all come through here, so it is compiled once, not once
/// per kind of iterator (about 3 KB of wasm each).
#[inline(never)]
fn read_pairs<'a>(
    pairs: &mut dyn Iterator<Item = (&'a str, &'a str)>,
    default_server: &str,
    default_name: &str,
) -> FromQuery {
    let mut config = Config::new(default_server, default_name, Dialect::Auto);
    let mut errors = Vec::new();
    for (key, value) in pairs {
        match key {
            "server" => match parse_server(value) {
                Ok(server) => {
                    config.server = server;
                    config.typed_http = typed_http(value);
                }
                Err(e) => errors.push(e),
            },
            "name" => match parse_name(value) {
                Ok(name) => config.name = name,
                Err(e) => errors.push(e),
            },
            "protocol" => match parse_dialect(value) {
                Ok(dialect) => config.dialect = dialect,
                Err(e) => errors.push(e),
            },
            "event" => match parse_event(value) {
                Ok(event) => config.event = event,
                Err(e) => errors.push(e),
            },
            "subprotocols" => match parse_subprotocols(value) {
                Ok(list) => config.subprotocols = list,
                Err(e) => errors.push(e),
            },
            "keep" => match parse_keep(value) {
                Ok(keep) => config.keep = keep,
                Err(e) => errors.push(e),
            },
            "path" => match parse_path(value) {
                Ok(path) => config.path = path,
                Err(e) => errors.push(e),
            },
            "namespace" => match parse_path(value) {
                Ok(ns) => config.namespace = ns,
                Err(e) => errors.push(e),
            },
            "transport" => match value.trim() {
                "polling" => config.polling_first = true,
                "" | "websocket" => config.polling_first = false,
                other => errors.push(ConfigError::BadTransport(other.into())),
            },
            "room" => match parse_room(value) {
                Ok(room) => config.room = room,
                Err(e) => errors.push(e),
            },
            "action" => match parse_room(value) {
                Ok(action) if action.is_empty() => config.action = "speak".into(),
                Ok(action) => config.action = action,
                Err(e) => errors.push(e),
            },
            "lines" => match Lines::parse(value) {
                Some(lines) => config.lines = lines,
                None => errors.push(ConfigError::BadChoice {
                    key: "lines",
                    allowed: t("auto, split or whole"),
                    value: value.into(),
                }),
            },
            "format" => match value.trim() {
                "" | "json" => config.format = Format::Json,
                "text" => config.format = Format::Text,
                other => errors.push(ConfigError::BadChoice {
                    key: "format",
                    allowed: t("json or text"),
                    value: other.into(),
                }),
            },
            "qos" => match value.trim() {
                "" | "1" => config.qos = 1,
                "0" => config.qos = 0,
                other => errors.push(ConfigError::BadChoice {
                    key: "qos",
                    allowed: t("0 or 1"),
                    value: other.into(),
                }),
            },
            "send" => match parse_frame(value) {
                Ok(frame) => config.send.push(frame),
                Err(e) => errors.push(e),
            },
            "ping" => match parse_frame(value) {
                Ok(frame) if frame.is_empty() => config.ping = None,
                Ok(frame) => config.ping = Some(frame),
                Err(e) => errors.push(e),
            },
            "ping_ms" => match value.trim().parse::<u32>() {
                Ok(ms) if (1000..=3_600_000).contains(&ms) => config.ping_ms = ms,
                _ => errors.push(ConfigError::BadChoice {
                    key: "ping_ms",
                    allowed: t("a number of milliseconds from 1000 to 3600000"),
                    value: value.into(),
                }),
            },
            "eio" => match value.trim() {
                "3" => config.eio = Some(Eio::V3),
                "4" => config.eio = Some(Eio::V4),
                "" | "auto" => config.eio = None,
                other => errors.push(ConfigError::BadEio(other.into())),
            },
            _ => {}
        }
    }
    FromQuery { config, errors }
}

/// Checks a socket.io path or namespace: `/`-separated URL path characters;
/// empty means the default.
pub fn parse_path(input: &str) -> Result<Option<String>, ConfigError> {
    let path = input.trim();
    if path.is_empty() {
        return Ok(None);
    }
    if path.len() > 200
        || !path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-_.~".contains(c))
    {
        return Err(ConfigError::BadPath(path.into()));
    }
    Ok(Some(format!("/{}", path.trim_start_matches('/'))))
}

/// How often `ping=` is sent unless `ping_ms=` says otherwise.
pub const PING_MS: u32 = 30_000;

/// Checks a frame typed for `send=` or `ping=`: sent as typed, so only
/// its size and control characters (other than tab and newlines) are checked.
pub fn parse_frame(input: &str) -> Result<String, ConfigError> {
    if input.len() > 64 * 1024
        || input
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(ConfigError::BadFrame);
    }
    Ok(input.to_string())
}

/// Whether an address was typed as `http://` or `https://`.
pub fn typed_http(input: &str) -> bool {
    let lower = input.trim_start().to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Checks `room=` (or `action=`): at most 500 characters, no control characters.
pub fn parse_room(input: &str) -> Result<String, ConfigError> {
    let room = input.trim();
    if room.chars().count() > 500 || room.chars().any(char::is_control) {
        return Err(ConfigError::BadRoom);
    }
    Ok(room.to_string())
}

/// The fewest and most lines `keep=` may ask to hold in memory.
pub const KEEP_RANGE: (usize, usize) = (100, 1_000_000);

/// Checks `keep=`: how many lines the tab holds in memory.
pub fn parse_keep(input: &str) -> Result<usize, ConfigError> {
    let (min, max) = KEEP_RANGE;
    match input.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(ConfigError::BadKeep(input.trim().into())),
    }
}

/// How many recent servers are remembered.
pub const MAX_RECENT: usize = 8;

/// Puts `server` first in the recent list, once, keeping at most [`MAX_RECENT`].
pub fn remember(recent: &mut Vec<String>, server: &str) {
    recent.retain(|s| s != server);
    recent.insert(0, server.to_string());
    recent.truncate(MAX_RECENT);
}

/// The settings of a deployment's `config.json` (an object with any of the
/// URL's keys: `server`, `name`, `protocol`, `event`, `subprotocols`) as
/// query pairs, which the page URL's own pairs then override. Anything else
/// is ignored; text that is not a JSON object gives nothing.
pub fn defaults_from_json(text: &str) -> Vec<(String, String)> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(object)) => pairs_of(&object),
        _ => Vec::new(),
    }
}

/// The URL's keys in a JSON object (a `config.json` or a saved profile) as
/// query pairs: strings and numbers as they are, a list joined by commas,
/// `send` one pair per frame.
pub fn pairs_of(object: &serde_json::Map<String, serde_json::Value>) -> Vec<(String, String)> {
    use serde_json::Value;
    let mut pairs = Vec::new();
    for key in QUERY_KEYS {
        let value = match object.get(key) {
            Some(Value::String(v)) => v.clone(),
            Some(Value::Number(n)) => n.to_string(),
            Some(Value::Array(list)) => {
                let items = list.iter().filter_map(Value::as_str);
                if key == "send" {
                    pairs.extend(items.map(|v| (key.to_string(), v.to_string())));
                    continue;
                }
                items.collect::<Vec<_>>().join(",")
            }
            _ => continue,
        };
        pairs.push((key.to_string(), value));
    }
    pairs
}

#[cfg(test)]
mod tests;
