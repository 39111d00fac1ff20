//! What a WebSocket close code means to a person.
//! Codes: <https://developer.mozilla.org/en-US/docs/Web/API/CloseEvent/code>.

/// One sentence for the log: the code, the server's reason, and what it means.
pub fn explain_close(code: u16, reason: &str, opened: bool) -> String {
    let meaning = match code {
        1000 => "the server closed the connection normally",
        1001 => "the server is going away (restarting or shutting down)",
        1002 => "the server saw a protocol error",
        1003 => "the server cannot accept this kind of data",
        1005 => "no close code was given",
        1006 if !opened => {
            "the connection never opened: the server may be down, the address wrong, \
             or the server refused this page's origin (browsers report all of these as 1006)"
        }
        1006 => "the connection dropped without a close frame (network or server failure)",
        1007 => "the server received data it could not decode",
        1008 => "the server's policy refused this connection",
        1009 => "a message was too big for the server",
        1010 => "the server did not offer a required extension",
        1011 => "the server hit an internal error",
        1012 => "the server is restarting",
        1013 => "the server is overloaded; try again later",
        1015 => "the TLS handshake failed",
        3000..=3999 => "closed by the server's library or framework",
        4000..=4999 => "closed by the application on the server",
        _ => "the connection closed",
    };
    let reason = reason.trim();
    if reason.is_empty() {
        format!("Disconnected (code {code}): {meaning}.")
    } else {
        format!("Disconnected (code {code}, \u{201c}{reason}\u{201d}): {meaning}.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_opened_1006_mentions_origin() {
        let s = explain_close(1006, "", false);
        assert!(s.contains("never opened") && s.contains("origin"), "{s}");
        assert!(!explain_close(1006, "", true).contains("never opened"));
    }

    #[test]
    fn reason_and_code_are_shown() {
        let s = explain_close(4001, "kicked", true);
        assert!(
            s.contains("4001") && s.contains("kicked") && s.contains("application"),
            "{s}"
        );
        assert!(explain_close(1001, " ", true).contains("going away"));
    }
}
