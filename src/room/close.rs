//! What a WebSocket close code means to a person.
//! Codes: <https://developer.mozilla.org/en-US/docs/Web/API/CloseEvent/code>.

use crate::i18n::{t, tf};

/// One sentence for the log: the code, the server's reason, and what it means.
pub fn explain_close(code: u16, reason: &str, opened: bool) -> String {
    let meaning = match code {
        1000 => t("the server closed the connection normally"),
        1001 => t("the server is going away (restarting or shutting down)"),
        1002 => t("the server saw a protocol error"),
        1003 => t("the server cannot accept this kind of data"),
        1005 => t("no close code was given"),
        1006 if !opened => t(
            "the connection never opened: the server may be down, the address wrong, \
             or the server refused this page's origin (browsers report all of these as 1006)",
        ),
        1006 => t("the connection dropped without a close frame (network or server failure)"),
        1007 => t("the server received data it could not decode"),
        1008 => t("the server's policy refused this connection"),
        1009 => t("a message was too big for the server"),
        1010 => t("the server did not offer a required extension"),
        1011 => t("the server hit an internal error"),
        1012 => t("the server is restarting"),
        1013 => t("the server is overloaded; try again later"),
        1015 => t("the TLS handshake failed"),
        3000..=3999 => t("closed by the server's library or framework"),
        4000..=4999 => t("closed by the application on the server"),
        _ => t("the connection closed"),
    };
    let reason = reason.trim();
    if reason.is_empty() {
        tf("Disconnected (code {0}): {1}.", &[&code, &meaning])
    } else {
        tf(
            "Disconnected (code {0}, \u{201c}{1}\u{201d}): {2}.",
            &[&code, &reason, &meaning],
        )
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
