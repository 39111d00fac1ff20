//! URL/config parsing and the text safety functions on arbitrary input: no
//! panic, and the invariants the UI relies on.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcast::config::{self, QUERY_KEYS};
use roomcast::text::{self, Piece};

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);

    // The page URL's query: pairs split the way a browser would hand them over.
    let pairs: Vec<(&str, &str)> = input
        .split('&')
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .collect();
    let query = config::from_query(pairs.iter().copied(), "ws://127.0.0.1:8080/ws", "guest");
    if query.errors.is_empty() {
        assert!(config::parse_server(&query.config.server).is_ok());
    }
    let _ = QUERY_KEYS;
    if let Ok(server) = config::parse_server(&input) {
        assert!(server.starts_with("ws://") || server.starts_with("wss://"));
        let _ = config::insecure_warning(&server);
    }
    let _ = config::parse_name(&input);
    let _ = config::parse_event(&input);
    let _ = config::parse_subprotocols(&input);

    // Links: the pieces put back together are the text, and nothing but
    // http, https and mailto becomes a link.
    let pieces = text::linkify(&input);
    let mut joined = String::new();
    for piece in &pieces {
        match piece {
            Piece::Text(t) => joined.push_str(t),
            Piece::Link(l) => {
                let lower = l.to_ascii_lowercase();
                assert!(
                    lower.starts_with("http://")
                        || lower.starts_with("https://")
                        || lower.starts_with("mailto:"),
                    "{l:?}"
                );
                joined.push_str(l);
            }
        }
    }
    assert_eq!(joined, input);

    let name = text::name(&input);
    assert!(!name.is_empty() && name.chars().count() <= text::MAX_NAME_CHARS);
    let clipped = text::clip(input.to_string());
    assert!(clipped.len() <= text::MAX_TEXT_BYTES + 64);
    let _ = text::clean(input.to_string());
    let _ = text::mentions(&input, &name);
});
