//! The line model and the log that holds it: what a line is, and the
//! ordered, keyed list of lines with its memory ceiling.

use crate::text;
use std::rc::Rc;

/// Where one of the user's own messages is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Typed, waiting for an open connection.
    Queued,
    /// Handed to the socket; the server has not echoed it yet.
    Sent,
    /// The server echoed it back (matched by id, or by text on plain servers).
    Delivered,
    /// Not delivered, for the reason given; Retry or Discard.
    Failed(String),
}

/// How serious a system line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Error,
}

/// What kind of line this is, for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Typed (or attached) here.
    Own {
        client_id: String,
        delivery: Delivery,
        /// A file sent as a binary frame; the line's text is its name.
        file: Option<Attachment>,
        /// Undelivered, and the browser had no room to save it: lost if
        /// the page closes before it goes out.
        unsaved: bool,
    },
    /// From someone else (or from a server that does not say who).
    Peer { from: Option<String> },
    /// Said by Roomcast itself or the server about the room.
    System(Level),
    /// JSON that is not a chat message, pretty-printed.
    Json,
    /// A binary frame holding an image; the text describes it.
    Image { mime: &'static str, bytes: Rc<[u8]> },
}

/// A file the user sends as one binary frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// The image type, when the bytes are an image.
    pub mime: Option<&'static str>,
    pub bytes: Rc<[u8]>,
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Increasing along the log and unique within a room, for keyed rendering.
    pub key: u64,
    /// Milliseconds since the Unix epoch: the server's time where it says, else ours.
    pub ts: u64,
    pub kind: Kind,
    pub text: String,
}

/// Lines from one sender closer together than this are grouped under one name.
pub const GROUP_MS: u64 = 5 * 60 * 1000;

impl Line {
    /// Who said it, for grouping: `Some(None)` is the user, `Some(Some(name))`
    /// a peer; system, JSON and image lines stand alone (`None`).
    pub fn sender(&self) -> Option<Option<&str>> {
        match &self.kind {
            Kind::Own { .. } => Some(None),
            Kind::Peer { from } => Some(Some(from.as_deref().unwrap_or(""))),
            _ => None,
        }
    }

    /// Whether this line continues `previous`'s group: same sender, within
    /// [`GROUP_MS`], in order.
    pub fn continues(&self, previous: &Line) -> bool {
        self.sender().is_some()
            && self.sender() == previous.sender()
            && self.ts >= previous.ts
            && self.ts - previous.ts <= GROUP_MS
    }

    /// The delivery of an own line.
    pub fn delivery(&self) -> Option<&Delivery> {
        match &self.kind {
            Kind::Own { delivery, .. } => Some(delivery),
            _ => None,
        }
    }
}

/// Lines kept in memory by default: at about 110 B a short line, 50,000
/// lines are a few MB; older lines leave memory (export keeps them).
pub const KEEP_LINES: usize = 50_000;

/// The log: lines in key order, shared with the views that show them (a
/// line that changes is copied with `Rc::make_mut`, so a view knows a line
/// changed by its pointer). Holds at most `keep` lines plus one chunk; the
/// oldest leave a chunk at a time, so appending stays amortized O(1).
#[derive(Clone, Debug)]
pub struct Log {
    lines: Vec<Rc<Line>>,
    next_key: u64,
    keep: usize,
    /// Lines that left memory since the room began (or was cleared).
    dropped: usize,
    /// Increases with every change to the log: what re-renders its view.
    rev: u64,
}

impl Log {
    pub fn new(keep: usize) -> Self {
        Log {
            lines: Vec::new(),
            next_key: 0,
            keep: keep.max(1),
            dropped: 0,
            rev: 0,
        }
    }

    pub fn lines(&self) -> &[Rc<Line>] {
        &self.lines
    }

    /// How many older lines left memory because of the ceiling.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    /// Increases with every change to the log (a line added, changed or gone).
    pub fn rev(&self) -> u64 {
        self.rev
    }

    pub fn keep(&self) -> usize {
        self.keep
    }

    pub fn set_keep(&mut self, keep: usize) {
        self.keep = keep.max(1);
    }

    pub fn index(&self, key: u64) -> Option<usize> {
        self.lines.binary_search_by_key(&key, |l| l.key).ok()
    }

    pub fn get(&self, key: u64) -> Option<&Line> {
        self.index(key).map(|i| &*self.lines[i])
    }

    /// A line to change (copied if a view still holds it).
    pub fn get_mut(&mut self, key: u64) -> Option<&mut Line> {
        let idx = self.index(key)?;
        self.rev += 1;
        Some(Rc::make_mut(&mut self.lines[idx]))
    }

    pub fn delivery(&self, key: u64) -> Option<&Delivery> {
        self.get(key)?.delivery()
    }

    pub fn set_delivery(&mut self, key: u64, to: Delivery) {
        if self.delivery(key).is_some_and(|d| *d != to) {
            if let Some(Kind::Own { delivery, .. }) = self.get_mut(key).map(|l| &mut l.kind) {
                *delivery = to;
            }
        }
    }

    pub fn remove(&mut self, key: u64) {
        if let Some(idx) = self.index(key) {
            self.lines.remove(idx);
            self.rev += 1;
        }
    }

    /// Keeps only the lines `keep` says yes to (and forgets what was dropped).
    pub fn retain(&mut self, keep: impl Fn(&Line) -> bool) {
        self.lines.retain(|l| keep(l));
        self.dropped = 0;
        self.rev += 1;
    }

    /// Appends a line and returns its key. Text from the wire is clipped and
    /// cleaned here, once (the user's own lines are theirs to see whole).
    /// Past the ceiling, the oldest lines leave, except `pinned` ones (the
    /// undelivered own lines), which stay until they are delivered.
    pub fn push(&mut self, ts: u64, kind: Kind, text: String, pinned: &[u64]) -> u64 {
        let text = match kind {
            Kind::Own { .. } => text,
            _ => text::clean(text::clip(text)),
        };
        self.next_key += 1;
        self.rev += 1;
        self.lines.push(Rc::new(Line {
            key: self.next_key,
            ts,
            kind,
            text,
        }));
        self.trim(pinned);
        self.next_key
    }

    /// Past the ceiling (`keep` and a tenth), the oldest lines leave down to
    /// `keep`, in one go; the `pinned` ones (undelivered) stay.
    pub fn trim(&mut self, pinned: &[u64]) {
        let chunk = (self.keep / 10).max(1);
        if self.lines.len() >= self.keep + chunk {
            let excess = self.lines.len() - self.keep;
            let before = self.lines.len();
            let mut seen = 0;
            self.lines.retain(|l| {
                seen += 1;
                seen > excess || pinned.contains(&l.key)
            });
            self.dropped += before - self.lines.len();
        }
    }

    /// The key the next line will get.
    pub fn next_key(&self) -> u64 {
        self.next_key + 1
    }

    /// The key of the oldest line still in memory (0 when empty).
    pub fn first_key(&self) -> u64 {
        self.lines.first().map_or(0, |l| l.key)
    }
}
