//! Connection settings: from the page URL
//! (`?server=&name=&protocol=&event=&subprotocols=`) and the connect form.
//! Pure, so every rule is tested natively.

mod error;

pub use error::ConfigError;

use crate::protocol::socketio::{self, Eio};
use crate::protocol::Dialect;

/// The page URL parameters [`from_query`] reads.
pub const QUERY_KEYS: [&str; 10] = [
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
        }
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
        format!("Not encrypted: plain ws:// to {host}. Anyone on the network path can read and change messages; use wss:// in production.")
    })
}

/// Checks `protocol=` (see [`Dialect::parse`]).
pub fn parse_dialect(input: &str) -> Result<Dialect, ConfigError> {
    Dialect::parse(input).map_err(|_| ConfigError::UnknownProtocol(input.trim().to_lowercase()))
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
}

/// Checks every field of the connect form; all the problems, or the settings.
pub fn from_form(form: &Form) -> Result<Config, Vec<ConfigError>> {
    let parsed = (
        parse_server(&form.server),
        parse_name(&form.name),
        parse_dialect(&form.dialect),
        parse_event(&form.event),
        parse_subprotocols(&form.subprotocols),
    );
    match parsed {
        (Ok(server), Ok(name), Ok(dialect), Ok(event), Ok(subprotocols)) => Ok(Config {
            server,
            name,
            dialect,
            event,
            subprotocols,
            keep: crate::room::KEEP_LINES,
            path: None,
            namespace: None,
            eio: None,
            polling_first: false,
        }),
        (a, b, c, d, e) => Err([a.err(), b.err(), c.err(), d.err(), e.err()]
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
    let mut config = Config::new(default_server, default_name, Dialect::Auto);
    let mut errors = Vec::new();
    for (key, value) in pairs {
        match key {
            "server" => match parse_server(value) {
                Ok(server) => config.server = server,
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
    let Ok(serde_json::Value::Object(object)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    QUERY_KEYS
        .iter()
        .filter_map(|key| match object.get(*key)? {
            serde_json::Value::String(v) => Some((key.to_string(), v.clone())),
            serde_json::Value::Array(list) => Some((
                key.to_string(),
                list.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_follows_the_page_scheme() {
        assert_eq!(
            same_origin_server("http:", "localhost:8080"),
            "ws://localhost:8080/ws"
        );
        assert_eq!(
            same_origin_server("https:", "chat.example"),
            "wss://chat.example/ws"
        );
    }

    #[test]
    fn server_addresses() {
        assert_eq!(parse_server(" ws://h:1/room ").unwrap(), "ws://h:1/room");
        assert_eq!(parse_server("HTTP://h:1").unwrap(), "ws://h:1");
        assert_eq!(parse_server("https://h/x?y=1").unwrap(), "wss://h/x?y=1");
        for bad in [
            "",
            "localhost:8080",
            "ftp://h",
            "ws://",
            "ws:///x",
            "ws://h/#a",
            "ws://h /x",
        ] {
            assert!(parse_server(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn names() {
        assert_eq!(parse_name("  bob ").unwrap(), "bob");
        assert!(parse_name(" ").is_err());
        assert!(parse_name("a\u{7}b").is_err());
        assert!(parse_name(&"x".repeat(33)).is_err());
        assert!(parse_name(&"é".repeat(32)).is_ok());
    }

    #[test]
    fn the_form_reports_every_problem_at_once() {
        let form = Form {
            server: "ws://h:1".into(),
            name: "ann".into(),
            dialect: "socketio".into(),
            event: "".into(),
            subprotocols: "a, b".into(),
        };
        let config = from_form(&form).unwrap();
        assert_eq!(
            (config.event.as_str(), config.subprotocols.len()),
            ("chat message", 2)
        );
        let bad = Form {
            server: "localhost".into(),
            name: "".into(),
            subprotocols: "a a".into(),
            ..form
        };
        assert_eq!(from_form(&bad).unwrap_err().len(), 3);
    }

    #[test]
    fn every_query_key_is_read() {
        // A bad value for each key is reported: so each one is really read.
        for key in QUERY_KEYS {
            let q = from_query([(key, "\u{7}\u{7} ; ,")], "ws://d/ws", "guest");
            assert_eq!(q.errors.len(), 1, "{key} was ignored");
        }
    }

    #[test]
    fn events_and_subprotocols() {
        assert_eq!(parse_event("  ").unwrap(), "chat message");
        assert_eq!(parse_event(" news ").unwrap(), "news");
        assert!(parse_event("a\nb").is_err());
        assert_eq!(parse_subprotocols("").unwrap(), Vec::<String>::new());
        assert_eq!(
            parse_subprotocols(" mqtt , v2.chat+json,,").unwrap(),
            ["mqtt", "v2.chat+json"]
        );
        assert!(parse_subprotocols("a b")
            .unwrap_err()
            .to_string()
            .contains("a b"));
        assert!(parse_subprotocols("x;y").is_err());
        assert!(parse_subprotocols("é").is_err());
        assert!(parse_subprotocols("a,a")
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }

    #[test]
    fn query_overrides_defaults_and_reports_errors() {
        let q = from_query(
            [
                ("server", "ws://x:1/ws"),
                ("name", "ann"),
                ("protocol", "text"),
                ("other", "?"),
            ],
            "ws://d/ws",
            "guest",
        );
        assert!(q.errors.is_empty());
        assert_eq!(q.config, Config::new("ws://x:1/ws", "ann", Dialect::Text));
        let q = from_query(
            [
                ("protocol", "socketio"),
                ("event", "msg"),
                ("subprotocols", "chat.v2, chat"),
            ],
            "ws://d/ws",
            "guest",
        );
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert_eq!(
            (q.config.dialect, q.config.event.as_str()),
            (Dialect::SocketIo, "msg")
        );
        assert_eq!(q.config.subprotocols, ["chat.v2", "chat"]);
        let q = from_query([("protocol", "carrier-pigeon")], "ws://d/ws", "guest");
        assert_eq!(q.errors.len(), 1);
        assert!(q.errors[0].to_string().contains("carrier-pigeon"));
        assert_eq!(q.config.server, "ws://d/ws");
        assert_eq!(q.config.name, "guest");
    }

    #[test]
    fn plain_ws_is_flagged_unless_loopback() {
        for local in [
            "ws://localhost:8080/ws",
            "ws://127.0.0.1:9/x",
            "ws://[::1]:80/",
            "ws://app.localhost/ws",
            "wss://example.org/ws",
        ] {
            assert_eq!(insecure_warning(local), None, "{local}");
        }
        let warning = insecure_warning("ws://user@chat.example.org:80/ws").unwrap();
        assert!(
            warning.contains("chat.example.org") && warning.contains("wss://"),
            "{warning}"
        );
        assert!(insecure_warning("ws://127.0.0.1.evil.com/").is_some());
        assert!(insecure_warning("ws://192.168.1.5/ws").is_some());
    }

    #[test]
    fn recent_servers_are_newest_first_once_and_bounded() {
        let mut recent = Vec::new();
        for i in 0..10 {
            remember(&mut recent, &format!("ws://h{i}/ws"));
        }
        remember(&mut recent, "ws://h5/ws");
        assert_eq!(recent.len(), MAX_RECENT);
        assert_eq!(recent[0], "ws://h5/ws");
        assert_eq!(recent.iter().filter(|s| *s == "ws://h5/ws").count(), 1);
    }

    #[test]
    fn config_json_gives_defaults_the_url_overrides() {
        let defaults = defaults_from_json(
            r#"{"server":"wss://chat.example/ws","protocol":"json","subprotocols":["a","b"],"theme":"x","name":7}"#,
        );
        let url = [("protocol".to_string(), "text".to_string())];
        let pairs: Vec<(&str, &str)> = defaults
            .iter()
            .chain(url.iter())
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let q = from_query(pairs, "ws://self/ws", "guest");
        assert!(q.errors.is_empty(), "{:?}", q.errors);
        assert_eq!(q.config.server, "wss://chat.example/ws");
        assert_eq!(q.config.dialect, Dialect::Text, "the URL wins");
        assert_eq!(q.config.subprotocols, ["a", "b"]);
        assert_eq!(q.config.name, "guest");
        assert!(defaults_from_json("not json").is_empty());
        assert!(defaults_from_json("[1]").is_empty());
    }

    #[test]
    fn errors_are_values_that_read_as_sentences() {
        assert_eq!(parse_server(""), Err(ConfigError::MissingServer));
        assert_eq!(
            parse_server("ftp://x"),
            Err(ConfigError::NotWebSocket {
                scheme: "ftp".into()
            })
        );
        assert_eq!(parse_keep("7"), Err(ConfigError::BadKeep("7".into())));
        for (err, words) in [
            (parse_server("ftp://x").unwrap_err(), "ftp://"),
            (parse_name("").unwrap_err(), "Enter a name"),
            (parse_keep("7").unwrap_err(), "\u{201c}7\u{201d}"),
            (parse_dialect("Pigeon").unwrap_err(), "pigeon"),
            (parse_path("a b").unwrap_err(), "a b"),
        ] {
            let text = err.to_string();
            assert!(text.contains(words) && text.ends_with('.'), "{text}");
        }
    }
}
