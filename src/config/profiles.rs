//! Saved connections (profiles): a name and the page URL's settings. A
//! profile is written as a deployment's `config.json` is, plus its name
//! under `"profile"`, so one reader ([`super::pairs_of`]) takes
//! both, and `from_query` checks a profile as it checks the page URL.

use super::{from_query, pairs_of, Config, ConfigError};
use crate::protocol::lines::Lines;
use crate::protocol::session::Format;
use crate::protocol::Dialect;
use serde_json::{Map, Value};

/// Where the profiles are kept: a JSON array, as exported.
pub const PROFILES_KEY: &str = "roomcast.profiles";

/// Longest profile name.
pub const MAX_PROFILE_NAME: usize = 64;

/// One saved connection: its name and its settings as query pairs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub pairs: Vec<(String, String)>,
}

/// Checks a profile's name as typed.
pub fn parse_profile_name(input: &str) -> Result<String, ConfigError> {
    let name = input.trim();
    if name.is_empty()
        || name.chars().count() > MAX_PROFILE_NAME
        || name.chars().any(char::is_control)
    {
        return Err(ConfigError::BadProfileName);
    }
    Ok(name.into())
}

/// `config` as the page URL's query pairs, leaving out what is the default,
/// so that `from_query` gives `config` back.
pub fn to_pairs(config: &Config) -> Vec<(String, String)> {
    let default = Config::new("", "", Dialect::Auto);
    let mut pairs = Vec::new();
    let mut put = |key: &str, value: String| pairs.push((key.to_string(), value));
    // An address typed as http(s):// may be SockJS: keep it as typed.
    let server = match config.typed_http {
        true => config.server.replacen("ws", "http", 1),
        false => config.server.clone(),
    };
    put("server", server);
    put("name", config.name.clone());
    if config.dialect != default.dialect {
        put("protocol", config.dialect.as_str().into());
    }
    if config.event != default.event {
        put("event", config.event.clone());
    }
    if !config.subprotocols.is_empty() {
        put("subprotocols", config.subprotocols.join(","));
    }
    if config.keep != default.keep {
        put("keep", config.keep.to_string());
    }
    if let Some(path) = &config.path {
        put("path", path.clone());
    }
    if let Some(namespace) = &config.namespace {
        put("namespace", namespace.clone());
    }
    if let Some(eio) = config.eio {
        put("eio", eio.number().to_string());
    }
    if config.polling_first {
        put("transport", "polling".into());
    }
    if !config.room.is_empty() {
        put("room", config.room.clone());
    }
    if config.action != default.action {
        put("action", config.action.clone());
    }
    match config.lines {
        Lines::Auto => {}
        Lines::Split => put("lines", "split".into()),
        Lines::Whole => put("lines", "whole".into()),
    }
    if config.format == Format::Text {
        put("format", "text".into());
    }
    if config.qos == 0 {
        put("qos", "0".into());
    }
    for frame in &config.send {
        put("send", frame.clone());
    }
    if let Some(ping) = &config.ping {
        put("ping", ping.clone());
    }
    if config.ping_ms != default.ping_ms {
        put("ping_ms", config.ping_ms.to_string());
    }
    pairs
}

/// The profiles as JSON: an array of objects, `send` as a list.
pub fn to_json(profiles: &[Profile]) -> String {
    let list = profiles
        .iter()
        .map(|p| {
            let mut object = Map::new();
            object.insert("profile".into(), Value::String(p.name.clone()));
            let mut send = Vec::new();
            for (key, value) in &p.pairs {
                match key.as_str() {
                    "send" => send.push(Value::String(value.clone())),
                    _ => {
                        object.insert(key.clone(), Value::String(value.clone()));
                    }
                }
            }
            if !send.is_empty() {
                object.insert("send".into(), Value::Array(send));
            }
            Value::Object(object)
        })
        .collect();
    crate::protocol::generic::indent(
        &serde_json::to_string(&Value::Array(list)).unwrap_or_default(),
    )
}

/// Reads profiles from JSON (as [`to_json`] writes them). The good ones,
/// and one error per profile that is not (bad settings, no name), or one
/// error for text that is not an array of objects.
pub fn from_json(text: &str) -> (Vec<Profile>, Vec<ConfigError>) {
    let Ok(Value::Array(list)) = serde_json::from_str::<Value>(text) else {
        return (Vec::new(), vec![ConfigError::BadProfiles]);
    };
    let mut profiles: Vec<Profile> = Vec::new();
    let mut errors = Vec::new();
    for item in &list {
        let Some(object) = item.as_object() else {
            errors.push(ConfigError::BadProfiles);
            continue;
        };
        let name = match object.get("profile").and_then(Value::as_str) {
            Some(name) => parse_profile_name(name),
            None => Err(ConfigError::BadProfiles),
        };
        let pairs = pairs_of(object);
        let checked = from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "", "");
        match (name, checked.errors.into_iter().next()) {
            (Err(e), _) | (_, Some(e)) => errors.push(e),
            (Ok(name), None) => put(&mut profiles, Profile { name, pairs }),
        }
    }
    (profiles, errors)
}

/// Adds `profile`, or replaces the one of the same name where it stands.
pub fn put(profiles: &mut Vec<Profile>, profile: Profile) {
    match profiles.iter_mut().find(|p| p.name == profile.name) {
        Some(same) => *same = profile,
        None => profiles.push(profile),
    }
}

/// The pairs of the profile named `name`.
pub fn find<'a>(
    profiles: &'a [Profile],
    name: &str,
) -> Result<&'a [(String, String)], ConfigError> {
    profiles
        .iter()
        .find(|p| p.name == name.trim())
        .map(|p| p.pairs.as_slice())
        .ok_or_else(|| ConfigError::NoProfile(name.trim().into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::socketio::Eio;

    fn full() -> Config {
        let mut c = Config::new(
            "wss://chat.example/ws?token=abc",
            "alice",
            Dialect::SocketIo,
        );
        c.event = "msg".into();
        c.subprotocols = vec!["v1.chat".into(), "token.abc".into()];
        c.keep = 1000;
        c.path = Some("/io/".into());
        c.namespace = Some("/lab".into());
        c.eio = Some(Eio::V3);
        c.polling_first = true;
        c.room = "lab".into();
        c.action = "say".into();
        c.lines = Lines::Split;
        c.format = Format::Text;
        c.qos = 0;
        c.send = vec![
            r#"{"type":"join","room":"lab"}"#.into(),
            "/nick alice".into(),
        ];
        c.ping = Some("ping".into());
        c.ping_ms = 5000;
        c
    }

    fn back(pairs: &[(String, String)]) -> Config {
        let read = from_query(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())), "", "");
        assert_eq!(read.errors, vec![]);
        read.config
    }

    #[test]
    fn every_setting_survives_pairs_and_json() {
        let mut http = Config::new("ws://127.0.0.1:9999/chat", "bo", Dialect::SockJs);
        http.typed_http = true;
        for config in [full(), Config::new("ws://h/ws", "bo", Dialect::Auto), http] {
            let pairs = to_pairs(&config);
            assert_eq!(back(&pairs), config);
            let saved = vec![Profile {
                name: "lab".into(),
                pairs: pairs.clone(),
            }];
            let (read, errors) = from_json(&to_json(&saved));
            assert_eq!(errors, vec![]);
            assert_eq!(read.len(), 1);
            assert_eq!(read[0].name, "lab");
            assert_eq!(back(&read[0].pairs), config);
        }
        // Defaults stay out of the file.
        let plain = to_pairs(&Config::new("ws://h/ws", "bo", Dialect::Auto));
        assert_eq!(plain.len(), 2);
    }

    #[test]
    fn bad_files_and_bad_profiles_are_reported() {
        assert_eq!(from_json("{}"), (vec![], vec![ConfigError::BadProfiles]));
        assert_eq!(
            from_json("not json"),
            (vec![], vec![ConfigError::BadProfiles])
        );
        let (good, errors) = from_json(
            r#"[{"profile":"ok","server":"ws://h/ws","name":"a"},
                {"server":"ws://h/ws"},
                {"profile":"bad","server":"ftp://h","name":"a"},
                {"profile":"","server":"ws://h/ws","name":"a"},
                3]"#,
        );
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].name, "ok");
        assert_eq!(
            errors,
            vec![
                ConfigError::BadProfiles,
                ConfigError::NotWebSocket {
                    scheme: "ftp".into()
                },
                ConfigError::BadProfileName,
                ConfigError::BadProfiles,
            ]
        );
        assert!(errors.iter().all(|e| !e.to_string().is_empty()));
    }

    #[test]
    fn a_profile_of_the_same_name_is_replaced_in_place() {
        let p = |name: &str, server: &str| Profile {
            name: name.into(),
            pairs: vec![("server".into(), server.into())],
        };
        let mut list = vec![p("a", "ws://1"), p("b", "ws://2")];
        put(&mut list, p("a", "ws://3"));
        put(&mut list, p("c", "ws://4"));
        assert_eq!(
            list,
            vec![p("a", "ws://3"), p("b", "ws://2"), p("c", "ws://4")]
        );
        assert_eq!(find(&list, " b ").unwrap()[0].1, "ws://2");
        assert_eq!(find(&list, "zz"), Err(ConfigError::NoProfile("zz".into())));
        assert_eq!(parse_profile_name(" x "), Ok("x".into()));
        assert_eq!(
            parse_profile_name("a\u{7}"),
            Err(ConfigError::BadProfileName)
        );
        assert_eq!(
            parse_profile_name(&"n".repeat(65)),
            Err(ConfigError::BadProfileName)
        );
    }
}
