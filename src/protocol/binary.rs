//! Binary frames: UTF-8 text in disguise, images, or bytes to describe.

use std::fmt::Write as _;

/// The image type of `bytes` by its magic number (PNG, JPEG, GIF, WebP).
pub fn image_mime(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, ..] => Some("image/png"),
        [0xff, 0xd8, 0xff, ..] => Some("image/jpeg"),
        [b'G', b'I', b'F', b'8', b'7' | b'9', b'a', ..] => Some("image/gif"),
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => Some("image/webp"),
        _ => None,
    }
}

/// `"N bytes: 0a 1b …"`: the size and the first 16 bytes in hex.
pub fn describe(bytes: &[u8]) -> String {
    const SHOWN: usize = 16;
    let mut out = crate::text::byte_count(bytes.len());
    if !bytes.is_empty() {
        out.push(':');
    }
    for byte in bytes.iter().take(SHOWN) {
        let _ = write!(out, " {byte:02x}");
    }
    if bytes.len() > SHOWN {
        out.push_str(" \u{2026}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_by_magic() {
        assert_eq!(image_mime(b"\x89PNG\r\n\x1a\n\0\0"), Some("image/png"));
        assert_eq!(image_mime(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(image_mime(b"GIF89a..."), Some("image/gif"));
        assert_eq!(image_mime(b"GIF87a"), Some("image/gif"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_mime(b"RIFF\0\0\0\0WAVE"), None);
        assert_eq!(image_mime(b"\x89PN"), None, "truncated");
        assert_eq!(image_mime(b""), None);
    }

    #[test]
    fn describes_size_and_hex() {
        assert_eq!(describe(&[]), "0 bytes");
        assert_eq!(describe(&[0, 0xff]), "2 bytes: 00 ff");
        let long = describe(&[7; 20]);
        assert!(
            long.starts_with("20 bytes: 07 07") && long.ends_with('\u{2026}'),
            "{long}"
        );
        assert_eq!(long.matches("07").count(), 16);
    }
}
