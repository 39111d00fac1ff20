//! Hubs that batch: gorilla/websocket's chat example joins the messages
//! queued for a client with `\n` into one text frame. Whether a frame's
//! lines are one message or several is told by `lines=` or by the room
//! (it sees its own single-line message come back inside a batch).

/// How a text frame with several lines is shown (`lines=`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lines {
    /// One message until the server shows that it batches.
    #[default]
    Auto,
    /// Every line its own message.
    Split,
    /// One message, however many lines.
    Whole,
}

impl Lines {
    /// Reads `lines=`.
    pub fn parse(value: &str) -> Option<Lines> {
        match value.trim() {
            "" | "auto" => Some(Lines::Auto),
            "split" => Some(Lines::Split),
            "whole" => Some(Lines::Whole),
            _ => None,
        }
    }
}

/// The messages of a batched frame: its lines, without `\r` and without
/// the empty ones a trailing newline leaves.
pub fn split(text: &str) -> Vec<String> {
    text.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_split() {
        assert_eq!(Lines::parse("split"), Some(Lines::Split));
        assert_eq!(Lines::parse(""), Some(Lines::Auto));
        assert_eq!(Lines::parse("whole"), Some(Lines::Whole));
        assert_eq!(Lines::parse("lines"), None);
        assert_eq!(split("a\r\nb\n\nc\n"), vec!["a", "b", "c"]);
        assert_eq!(split("one"), vec!["one"]);
    }
}
