//! Where a socket.io server's engine lives and which namespace to join, from
//! the address the user typed: `http://host:port/chat` is the engine at
//! `/socket.io/` and the namespace `/chat`.

/// The Engine.IO path unless `path=` says otherwise.
pub const DEFAULT_PATH: &str = "/socket.io/";

/// Splits `scheme://host[/path][?query]`.
fn split(server: &str) -> (&str, &str, &str, &str) {
    let (scheme, rest) = server.split_once("://").unwrap_or(("ws", server));
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (host, tail) = rest.split_at(cut);
    let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
    (scheme, host, path, query)
}

/// `path` with one leading and one trailing slash.
fn normal(path: &str) -> String {
    format!("/{}/", path.trim_matches('/')).replace("//", "/")
}

/// The address names the engine itself (its path and an `EIO=` query): kept
/// as typed, for servers mounted anywhere.
fn explicit(query: &str) -> bool {
    query.split('&').any(|p| p.starts_with("EIO="))
}

/// The WebSocket URL of the engine: `path` (default `/socket.io/`), the
/// typed query kept (tokens), then `EIO=` and the transport.
pub fn endpoint(server: &str, path: Option<&str>, eio: u8) -> String {
    let (scheme, host, _, query) = split(server);
    if explicit(query) {
        return server.to_string();
    }
    let path = normal(path.unwrap_or(DEFAULT_PATH));
    let query = if query.is_empty() {
        String::new()
    } else {
        format!("{query}&")
    };
    format!("{scheme}://{host}{path}?{query}EIO={eio}&transport=websocket")
}

/// The long-polling URL of the engine: as [`endpoint`], over `http(s)://`.
pub fn polling(server: &str, path: Option<&str>, eio: u8) -> String {
    // `b64=1`: a v3 server sends binary as base64 text, as v4 always does.
    let ws =
        endpoint(server, path, eio).replacen("transport=websocket", "transport=polling&b64=1", 1);
    match ws.split_once("://") {
        Some(("wss", rest)) => format!("https://{rest}"),
        Some((_, rest)) => format!("http://{rest}"),
        None => ws,
    }
}

/// The namespace to join: `namespace=` if given, else the typed path unless
/// it is the engine's own path (or empty): `/` then.
pub fn namespace(server: &str, path: Option<&str>, namespace: Option<&str>) -> String {
    if let Some(ns) = namespace.filter(|n| !n.trim().is_empty()) {
        return format!("/{}", ns.trim().trim_matches('/'));
    }
    let (_, _, typed, query) = split(server);
    let engine = normal(path.unwrap_or(DEFAULT_PATH));
    if explicit(query) || typed.is_empty() || typed == "/" || normal(typed) == engine {
        return "/".into();
    }
    format!("/{}", typed.trim_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_a_user_types_finds_the_engine() {
        let e = "/socket.io/?EIO=4&transport=websocket";
        assert_eq!(endpoint("ws://h:3000", None, 4), format!("ws://h:3000{e}"));
        assert_eq!(endpoint("wss://h/", None, 4), format!("wss://h{e}"));
        assert_eq!(
            endpoint("ws://h:1/socket.io/", None, 4),
            format!("ws://h:1{e}")
        );
        assert_eq!(endpoint("ws://h:1/chat", None, 4), format!("ws://h:1{e}"));
        assert_eq!(
            endpoint("ws://h:1/socket.io/?token=x", None, 3),
            "ws://h:1/socket.io/?token=x&EIO=3&transport=websocket"
        );
        assert_eq!(
            endpoint("ws://h:1/chat", Some("/api/socket.io"), 4),
            "ws://h:1/api/socket.io/?EIO=4&transport=websocket"
        );
        // Typed whole, it is kept whole.
        assert_eq!(
            endpoint("ws://h:1/custom/?EIO=4&transport=websocket", None, 4),
            "ws://h:1/custom/?EIO=4&transport=websocket"
        );
    }

    #[test]
    fn polling_goes_over_http() {
        assert_eq!(
            polling("ws://h:1/chat", None, 4),
            "http://h:1/socket.io/?EIO=4&transport=polling&b64=1"
        );
        assert_eq!(
            polling("wss://h/?token=a", None, 3),
            "https://h/socket.io/?token=a&EIO=3&transport=polling&b64=1"
        );
    }

    #[test]
    fn a_path_other_than_the_engine_names_the_namespace() {
        assert_eq!(namespace("ws://h:1", None, None), "/");
        assert_eq!(namespace("ws://h:1/", None, None), "/");
        assert_eq!(namespace("ws://h:1/socket.io", None, None), "/");
        assert_eq!(namespace("ws://h:1/chat", None, None), "/chat");
        assert_eq!(namespace("ws://h:1/chat/?token=1", None, None), "/chat");
        assert_eq!(
            namespace("ws://h:1/api/socket.io/", Some("/api/socket.io/"), None),
            "/"
        );
        assert_eq!(namespace("ws://h:1/chat", None, Some("admin")), "/admin");
        assert_eq!(namespace("ws://h:1/x/?EIO=4", None, None), "/");
    }
}
