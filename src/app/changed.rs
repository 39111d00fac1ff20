//! What changed between two repaints, so each part of the page re-renders
//! only for its own: the log's revision, and a key of what the status shows.

use super::now;
use crate::room::{Conn, Room};

/// What changed since the last repaint: the log, the status (connection,
/// presence, typing, round trip, settings), or both. Each part of the page
/// re-renders only for its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    pub log: bool,
    pub status: bool,
    /// The Frames panel's record (only while it is open).
    pub frames: bool,
}

impl Changed {
    pub const ALL: Changed = Changed {
        log: true,
        status: true,
        frames: true,
    };
}

/// What the status shows, compared at each repaint to tell whether it changed.
#[derive(Clone, Default, PartialEq)]
pub(super) struct StatusKey {
    conn: Option<Conn>,
    me: Option<String>,
    users: Vec<String>,
    typists: usize,
    rtt: Option<u64>,
    negotiated: Option<(String, String)>,
    polling: bool,
}

impl StatusKey {
    pub(super) fn of(room: &Room) -> Self {
        StatusKey {
            conn: Some(room.conn().clone()),
            me: room.me().map(String::from),
            users: room.users().to_vec(),
            typists: room.typists(now()).len(),
            rtt: room.rtt_ms(),
            negotiated: room
                .negotiated()
                .map(|(p, e)| (p.to_string(), e.to_string())),
            polling: room.polling(),
        }
    }
}
