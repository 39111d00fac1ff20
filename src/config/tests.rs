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
        room: "/topic/x".into(),
    };
    // What only the page URL sets stays; the form's fields win.
    let base = from_query(
        [("keep", "500"), ("lines", "split"), ("room", "old")],
        "",
        "",
    )
    .config;
    let config = from_form(&form, &base).unwrap();
    assert_eq!(
        (config.event.as_str(), config.subprotocols.len()),
        ("chat message", 2)
    );
    assert_eq!(
        (config.keep, config.lines, config.room.as_str()),
        (500, Lines::Split, "/topic/x")
    );
    let bad = Form {
        server: "localhost".into(),
        name: "".into(),
        subprotocols: "a a".into(),
        ..form
    };
    assert_eq!(
        from_form(&bad, &Config::new("", "", Dialect::Auto))
            .unwrap_err()
            .len(),
        3
    );
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
        r#"{"server":"wss://chat.example/ws","protocol":"json","subprotocols":["a","b"],"theme":"x","name":true,"keep":1000}"#,
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
    assert_eq!(q.config.name, "guest", "not a string: ignored");
    assert_eq!(q.config.keep, 1000, "a number as written");
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

#[test]
fn on_connect_frames_repeat_and_the_ping_has_bounds() {
    let q = from_query(
        [
            ("send", "{\"join\":1}"),
            ("send", "/nick a"),
            ("ping", "p"),
            ("ping_ms", "5000"),
        ],
        "ws://d/ws",
        "guest",
    );
    assert!(q.errors.is_empty(), "{:?}", q.errors);
    assert_eq!(q.config.send, ["{\"join\":1}", "/nick a"]);
    assert_eq!(
        (q.config.ping.as_deref(), q.config.ping_ms),
        (Some("p"), 5000)
    );
    assert_eq!(from_query([("ping_ms", "10")], "", "").errors.len(), 1);
    let json = defaults_from_json(r#"{"send": ["a", "b"], "ping": "p"}"#);
    assert_eq!(json.iter().filter(|(k, _)| k == "send").count(), 2);
}

#[test]
fn a_tab_is_named_by_its_room_or_its_address() {
    let mut c = Config::new("wss://chat.example.org/ws/lab", "a", Dialect::Auto);
    assert_eq!(c.label(), "chat.example.org/ws/lab");
    c.room = "/topic/builds".into();
    assert_eq!(c.label(), "/topic/builds");
    c.room = "\u{e9}".repeat(40);
    assert_eq!(c.label(), format!("{}\u{2026}", "\u{e9}".repeat(28)));
}
