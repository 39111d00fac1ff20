//! The Frames panel's side of the driver: a record of every frame in and
//! out (only while the panel is open), and raw frames sent as typed.

use super::{now, Controller};
use crate::inspect::{self, Dir, FrameLog, RawKind};
use crate::protocol::Frame;
use crate::room::Input;
use std::cell::Ref;

impl Controller {
    /// Records a frame, if the panel is open.
    pub(super) fn record(&self, dir: Dir, frame: &Frame) {
        if let Some(log) = self.frames.borrow_mut().as_mut() {
            let dialect = self.room.borrow().dialect();
            log.record(dir, frame, dialect, now());
        }
    }

    /// What the panel shows changed (0 while it is closed).
    pub(super) fn frames_rev(&self) -> u64 {
        self.frames.borrow().as_ref().map_or(0, |l| l.rev() + 1)
    }

    /// Opens the panel (recording starts empty) or closes it (the record goes).
    pub fn show_frames(&self, open: bool) {
        *self.frames.borrow_mut() = open.then(FrameLog::default);
        self.repaint.now();
    }

    /// The record, while the panel is open.
    pub fn frames(&self) -> Ref<'_, Option<FrameLog>> {
        self.frames.borrow()
    }

    pub fn pause_frames(&self, paused: bool) {
        if let Some(log) = self.frames.borrow_mut().as_mut() {
            log.paused = paused;
        }
        self.repaint.now();
    }

    /// Sends what the user typed as one frame, bypassing the dialect; `Err`
    /// says why the input is not a frame.
    pub fn send_raw(&self, kind: RawKind, input: &str) -> Result<(), String> {
        let frame = inspect::parse_raw(kind, input)?;
        self.act(Input::RawSend(frame));
        Ok(())
    }
}
