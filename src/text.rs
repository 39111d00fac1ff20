//! Text from strangers, made safe to show: clipping, cleaning, links and
//! mentions. Pure (no web-sys), tested natively; the UI renders the pieces as
//! text nodes and `<a>` elements, never as HTML.

use crate::i18n::tf;

/// `1 byte`, `5 bytes`, in the page's language.
pub fn byte_count(bytes: usize) -> String {
    crate::i18n::tn("{0} byte", "{0} bytes", bytes as u64, &[])
}

/// The most of one line's text the log keeps; longer text is clipped with a
/// note of its real size (a 5 MiB frame must not become a 5 MiB DOM node).
pub const MAX_TEXT_BYTES: usize = 8 * 1024;
/// The longest sender name shown.
pub const MAX_NAME_CHARS: usize = 64;

/// `text`, cut to [`MAX_TEXT_BYTES`] at a character boundary with a note of
/// its size when longer.
pub fn clip(mut text: String) -> String {
    if text.len() <= MAX_TEXT_BYTES {
        return text;
    }
    let size = text.len();
    let mut cut = MAX_TEXT_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    text.push_str(&tf(
        "\u{2026} [truncated: {0} of {1}]",
        &[&size_text(cut), &size_text(size)],
    ));
    text
}

/// A byte count for people: `512 bytes`, `8 KiB`, `5 MiB` (rounded up).
pub fn size_text(bytes: usize) -> String {
    const KIB: usize = 1024;
    if bytes < KIB {
        byte_count(bytes)
    } else if bytes < KIB * KIB {
        tf("{0} KiB", &[&bytes.div_ceil(KIB)])
    } else {
        tf("{0} MiB", &[&bytes.div_ceil(KIB * KIB)])
    }
}

// The character classes below are spelled out rather than taken from `char`'s
// Unicode tables: those tables cost the browser bundle about 13 KB gzip.

/// Unicode's control characters (general category Cc), as `char::is_control`.
fn control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Spaces that end a link or trim a name.
fn space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}'
    )
}

/// Letters and digits for word boundaries: ASCII ones, and any non-ASCII
/// character that is not a space (close enough for links and mentions).
fn word(c: char) -> bool {
    c.is_ascii_alphanumeric() || (!c.is_ascii() && !space(c) && !control(c))
}

/// Characters that reorder or hide text: bidi embeddings, overrides and
/// isolates, and zero-width characters. Harmless inside an isolated message,
/// but a name holding them can pass for someone else.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}' | '\u{061c}')
}

/// Control characters other than line breaks and tabs become U+FFFD, so they
/// show as something rather than nothing (or a terminal escape).
pub fn clean(text: String) -> String {
    if !text.chars().any(|c| control(c) && c != '\n' && c != '\t') {
        return text;
    }
    text.chars()
        .map(|c| {
            if control(c) && c != '\n' && c != '\t' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// A sender's name as shown: no control, bidi or zero-width characters, one
/// line, at most [`MAX_NAME_CHARS`]; `?` when nothing is left.
pub fn name(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|&c| !control(c) && !invisible(c))
        .take(MAX_NAME_CHARS)
        .collect();
    let trimmed = cleaned.trim_matches(space);
    if trimmed.is_empty() {
        "?".into()
    } else {
        trimmed.to_string()
    }
}

/// A piece of a line: plain text, or a link whose target is the text itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// An `http:`, `https:` or `mailto:` address; nothing else becomes a link.
    Link(&'a str),
}

const SCHEMES: [&str; 3] = ["https://", "http://", "mailto:"];

/// The scheme `rest` starts with (case-insensitive), if it is one we link.
fn scheme_at(rest: &str) -> Option<usize> {
    SCHEMES.iter().find_map(|s| {
        rest.get(..s.len())
            .filter(|head| head.eq_ignore_ascii_case(s))
            .map(|_| s.len())
    })
}

/// The end of a link starting at the beginning of `rest` (after its scheme of
/// `scheme_len` bytes), or None when there is no address after the scheme.
fn link_end(rest: &str, scheme_len: usize) -> Option<usize> {
    let mut end = rest
        .char_indices()
        .find(|&(_, c)| space(c) || control(c) || matches!(c, '<' | '>' | '"' | '`'))
        .map_or(rest.len(), |(i, _)| i);
    // Trailing punctuation belongs to the sentence, and a closing bracket to
    // the text around the link unless the link opened one.
    while let Some(last) = rest[..end].chars().next_back() {
        let strip = match last {
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '*' => true,
            ')' => rest[..end].matches('(').count() < rest[..end].matches(')').count(),
            _ => false,
        };
        if !strip || end <= scheme_len {
            break;
        }
        end -= last.len_utf8();
    }
    let address = &rest[scheme_len..end];
    let ok = if rest[..scheme_len].eq_ignore_ascii_case("mailto:") {
        address.contains('@') && !address.starts_with('@')
    } else {
        address.chars().next().is_some_and(|c| word(c) || c == '[')
    };
    ok.then_some(end)
}

/// Splits `text` into plain pieces and links. A link starts at a word
/// boundary with `http://`, `https://` or `mailto:`; `javascript:` and every
/// other scheme stay text.
pub fn linkify(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain = 0;
    let mut i = 0;
    while i < text.len() {
        let at_boundary = text[..i].chars().next_back().is_none_or(|c| !word(c));
        if at_boundary {
            if let Some(len) = scheme_at(&text[i..]) {
                if let Some(end) = link_end(&text[i..], len) {
                    if plain < i {
                        pieces.push(Piece::Text(&text[plain..i]));
                    }
                    pieces.push(Piece::Link(&text[i..i + end]));
                    i += end;
                    plain = i;
                    continue;
                }
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    if plain < text.len() {
        pieces.push(Piece::Text(&text[plain..]));
    }
    pieces
}

/// Whether `text` mentions `name` as a word (`@name` or `name`), ignoring
/// ASCII case.
pub fn mentions(text: &str, name: &str) -> bool {
    let name = name.trim_matches(space);
    if name.is_empty() || name == "?" {
        return false;
    }
    let near = |c: Option<char>| c.is_some_and(|c| word(c) || c == '_' || c == '-');
    text.char_indices().any(|(i, _)| {
        text.get(i..i + name.len())
            .is_some_and(|m| m.eq_ignore_ascii_case(name))
            && !near(text[..i].chars().next_back())
            && !near(text[i + name.len()..].chars().next())
    })
}

/// Whether `haystack` contains `needle`, ignoring ASCII case (search).
pub fn contains_ignoring_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack.char_indices().any(|(i, _)| {
            haystack
                .get(i..i + needle.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(needle))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_clipped_with_its_size() {
        assert_eq!(clip("short".into()), "short");
        let big = "é".repeat(3 * 1024 * 1024); // 6 MiB, two bytes per char
        let clipped = clip(big);
        assert!(clipped.len() < MAX_TEXT_BYTES + 64, "{}", clipped.len());
        assert!(
            clipped.ends_with("[truncated: 8 KiB of 6 MiB]"),
            "{}",
            &clipped[clipped.len() - 40..]
        );
        assert_eq!(size_text(5), "5 bytes");
        assert_eq!(size_text(1025), "2 KiB");
    }

    #[test]
    fn control_characters_show_and_names_lose_tricks() {
        assert_eq!(clean("a\u{1b}[31mb\n\tc".into()), "a\u{fffd}[31mb\n\tc");
        assert_eq!(clean("plain".into()), "plain");
        assert_eq!(name("ad\u{202e}nimda\u{200b}"), "adnimda");
        assert_eq!(name("  \u{0}\u{202e} "), "?");
        assert_eq!(name(&"x".repeat(500)).len(), MAX_NAME_CHARS);
        assert_eq!(name("bob\nsmith"), "bobsmith");
    }

    #[test]
    fn only_http_https_and_mailto_become_links() {
        use Piece::*;
        assert_eq!(
            linkify("see https://example.com/a?b=1. ok"),
            [
                Text("see "),
                Link("https://example.com/a?b=1"),
                Text(". ok")
            ]
        );
        assert_eq!(
            linkify("javascript:alert(1)"),
            [Text("javascript:alert(1)")]
        );
        assert_eq!(
            linkify("x JavaScript:alert(1) data:text/html,<b> vbscript:x"),
            [Text("x JavaScript:alert(1) data:text/html,<b> vbscript:x")]
        );
        assert_eq!(
            linkify("mailto:a@b.org!"),
            [Link("mailto:a@b.org"), Text("!")]
        );
        assert_eq!(linkify("mailto:nobody"), [Text("mailto:nobody")]);
        assert_eq!(linkify("http:// nothing"), [Text("http:// nothing")]);
        assert_eq!(
            linkify("xhttps://a.b"),
            [Text("xhttps://a.b")],
            "not mid-word"
        );
        assert_eq!(
            linkify("(see HTTP://a.org/x_(y))"),
            [Text("(see "), Link("HTTP://a.org/x_(y)"), Text(")")]
        );
        assert_eq!(
            linkify("<a href=\"https://e.com\">x</a>"),
            [Text("<a href=\""), Link("https://e.com"), Text("\">x</a>")]
        );
        assert_eq!(linkify(""), []);
        assert_eq!(linkify("héllo wörld"), [Text("héllo wörld")]);
    }

    #[test]
    fn search_ignores_ascii_case() {
        assert!(contains_ignoring_case("Hello World", "wORLD"));
        assert!(contains_ignoring_case("anything", ""));
        assert!(!contains_ignoring_case("héllo", "HÉLLO"), "ASCII only");
        assert!(contains_ignoring_case("ça va", "VA"));
    }

    #[test]
    fn mentions_are_whole_words() {
        assert!(mentions("hey @Alice, look", "alice"));
        assert!(mentions("alice: hi", "alice"));
        assert!(!mentions("malice aforethought", "alice"));
        assert!(!mentions("alice_2 here", "alice"));
        assert!(!mentions("anything", ""));
        assert!(mentions("ça va, Zoë?", "zoë"), "ASCII case folding only");
        assert!(!mentions("ZOË", "zoë"));
    }
}
