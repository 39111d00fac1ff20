//! Files and binary frames: images shown, files sent as one frame, their echo.

use super::*;

#[test]
fn binary_images_become_image_lines_and_other_bytes_are_described() {
    let mut room = open(Dialect::Text);
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    room.handle(Input::Frame(Frame::Binary(png.clone())), 0);
    match &room.lines()[0].kind {
        Kind::Image { mime, bytes } => assert_eq!((*mime, &bytes[..]), ("image/png", &png[..])),
        other => panic!("{other:?}"),
    }
    room.handle(Input::Frame(Frame::Binary(vec![0xff, 0x00])), 0);
    assert_eq!(room.lines()[1].text, "Binary frame, 2 bytes: ff 00");
}

#[test]
fn files_go_as_one_binary_frame_and_their_echo_is_matched_by_bytes() {
    let mut room = open(Dialect::Json);
    let png = b"\x89PNG\r\n\x1a\nrest".to_vec();
    let fx = attach(&mut room, "f1", &png);
    assert!(fx.contains(&Effect::Transmit {
        frame: Frame::Binary(png.clone()),
        client_id: Some("f1".into())
    }));
    match &room.lines()[0].kind {
        Kind::Own {
            file: Some(file), ..
        } => assert_eq!(file.mime, Some("image/png")),
        other => panic!("{other:?}"),
    }
    assert_eq!(room.lines()[0].text, "f1.bin");
    // The reference server relays the bytes to everyone, the sender included.
    room.handle(Input::Frame(Frame::Binary(png.clone())), 2);
    assert_eq!(
        deliveries(&room),
        vec![("f1.bin".into(), Delivery::Delivered)]
    );
    assert_eq!(room.lines().len(), 1, "the echo is not a second line");
    // Someone else sending the same bytes later is a peer image.
    room.handle(Input::Frame(Frame::Binary(png)), 3);
    assert!(matches!(room.lines()[1].kind, Kind::Image { .. }));
    // A file in flight is saved for a reload as failed: it has no id, so
    // sending it again could show it twice (tests/saved.rs).
    attach(&mut room, "f2", b"\xff\x00");
    assert_eq!(room.unsent().len(), 1);
    assert!(room.unsent()[0].file && room.unsent()[0].failed.is_some());
    assert_eq!(room.outstanding(), 1);
}

#[test]
fn files_over_the_limit_are_refused_with_a_reason() {
    let mut room = open(Dialect::Text);
    let fx = attach(&mut room, "big", &vec![0u8; MAX_FILE_BYTES + 1]);
    assert!(fx.is_empty());
    assert_eq!(room.lines().len(), 1);
    assert_eq!(room.lines()[0].kind, Kind::System(Level::Error));
    assert!(room.lines()[0].text.contains("too big") && room.lines()[0].text.contains("1024 KiB"));
}

#[test]
fn unconfirmed_files_fail_on_a_drop_instead_of_being_resent() {
    let mut room = open(Dialect::Json);
    attach(&mut room, "f1", b"\xff\x01");
    compose(&mut room, "c1", "text");
    close(&mut room, 1006, 0);
    let d = deliveries(&room);
    assert!(matches!(&d[0].1, Delivery::Failed(why) if why.contains("before the server echoed")));
    assert_eq!(d[1].1, Delivery::Queued, "text with an id is resent");
}
