//! Engine.IO over HTTP long-polling: one body carries several packets. v4
//! joins them with the record separator `\x1e`; v3 writes each as
//! `<length>:<packet>` (length in UTF-16 units, as JavaScript counts).
//! Binary messages travel as base64: `b<data>` in v4, `b4<data>` in v3.

use super::Eio;
use crate::i18n::{t, tf};
use crate::protocol::base64;
use crate::protocol::Frame;

const SEPARATOR: char = '\u{1e}';

/// The revision a response body is written in: v3 bodies start with a
/// length and a colon (`96:0{…}`), v4 bodies with a packet.
pub fn revision(body: &str) -> Eio {
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && body.as_bytes().get(digits) == Some(&b':') {
        Eio::V3
    } else {
        Eio::V4
    }
}

/// The frames of one polling response body.
pub fn decode(body: &str, eio: Eio) -> Result<Vec<Frame>, String> {
    match eio {
        Eio::V4 => Ok(body
            .split(SEPARATOR)
            .filter(|p| !p.is_empty())
            .map(|p| frame(p, "b"))
            .collect()),
        Eio::V3 => {
            let mut frames = Vec::new();
            let mut rest = body;
            while !rest.is_empty() {
                let (len, after) = rest.split_once(':').ok_or_else(|| {
                    tf(
                        "a v3 payload without a length: {0}",
                        &[&super::packet::shorten(rest)],
                    )
                })?;
                let len: usize = len.parse().map_err(|_| {
                    tf(
                        "a v3 payload length that is not a number: {0}",
                        &[&super::packet::shorten(len)],
                    )
                })?;
                // `len` counts UTF-16 units.
                let mut units = 0;
                let end = after
                    .char_indices()
                    .find(|(_, c)| {
                        let done = units >= len;
                        units += c.len_utf16();
                        done
                    })
                    .map_or(after.len(), |(i, _)| i);
                if units < len {
                    return Err(t("a v3 payload shorter than it says").into());
                }
                frames.push(frame(&after[..end], "b4"));
                rest = &after[end..];
            }
            Ok(frames)
        }
    }
}

fn frame(packet: &str, binary: &str) -> Frame {
    match packet.strip_prefix(binary) {
        Some(data) => match base64::decode(data).ok_or(()) {
            Ok(bytes) => Frame::Binary(bytes),
            Err(_) => Frame::Text(packet.to_string()),
        },
        None => Frame::Text(packet.to_string()),
    }
}

/// One request body carrying `frames`.
pub fn encode(frames: &[Frame], eio: Eio) -> String {
    let packets = frames.iter().map(|f| match (f, eio) {
        (Frame::Text(t), _) => t.clone(),
        // Binary frames for v3 already carry the message type 4 in front.
        (Frame::Binary(b), Eio::V3) => {
            format!("b4{}", base64::encode(b.strip_prefix(&[4]).unwrap_or(b)))
        }
        (Frame::Binary(b), Eio::V4) => format!("b{}", base64::encode(b)),
    });
    match eio {
        Eio::V4 => packets.collect::<Vec<_>>().join("\u{1e}"),
        Eio::V3 => packets
            .map(|p| format!("{}:{p}", p.encode_utf16().count()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Frame {
        Frame::Text(s.into())
    }

    #[test]
    fn the_revision_shows_in_the_body() {
        assert_eq!(revision("96:0{\"sid\":1}2:40"), Eio::V3);
        assert_eq!(revision("0{\"sid\":1}\u{1e}40"), Eio::V4);
        assert_eq!(revision("40"), Eio::V4);
    }

    #[test]
    fn v4_payloads() {
        let body = "0{\"sid\":\"x\"}\u{1e}40\u{1e}bAQID";
        assert_eq!(
            decode(body, Eio::V4),
            Ok(vec![
                t("0{\"sid\":\"x\"}"),
                t("40"),
                Frame::Binary(vec![1, 2, 3])
            ])
        );
        assert_eq!(
            encode(&[t("40"), Frame::Binary(vec![1, 2, 3])], Eio::V4),
            "40\u{1e}bAQID"
        );
    }

    #[test]
    fn v3_payloads_count_utf16_units() {
        // "é" is one unit, "😀" two.
        let body = "2:402:4é5:42😀x6:b4AQID";
        assert_eq!(
            decode(body, Eio::V3),
            Ok(vec![
                t("40"),
                t("4é"),
                t("42😀x"),
                Frame::Binary(vec![1, 2, 3])
            ])
        );
        assert_eq!(
            encode(
                &[t("40"), t("42😀"), Frame::Binary(vec![4, 1, 2, 3])],
                Eio::V3
            ),
            "2:404:42😀6:b4AQID"
        );
        for bad in ["x", "5:40", "a:40", "2"] {
            assert!(decode(bad, Eio::V3).is_err(), "{bad}");
        }
    }
}
