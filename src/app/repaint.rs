//! Repaint scheduling: changes are shown at most once per animation frame,
//! however many frames arrive in between; a lone change shows at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// One frame at 60 Hz: repaints closer together than this are batched.
const FRAME_MS: f64 = 16.0;

/// Changes in one frame that make a burst: more than a few lines that came
/// close together by chance.
const BURST_CHANGES: u32 = 8;

/// How long after a frame that showed a burst the next change still waits
/// for a frame: three frames.
const BURST_MS: f64 = 50.0;

/// `performance.now()`, in ms.
pub fn now_precise() -> f64 {
    gloo::utils::window().performance().map_or(0.0, |p| p.now())
}

/// Owns the repaint callback and the pending animation frame; dropping it
/// cancels the frame.
pub struct Repaint {
    inner: Rc<Inner>,
}

struct Inner {
    frame: RefCell<Option<gloo::render::AnimationFrame>>,
    due: Cell<bool>,
    /// When the last repaint happened (ms, `performance.now()` scale).
    last: Cell<f64>,
    /// Changes scheduled since the last repaint.
    changes: Cell<u32>,
    /// The browser has begun a frame since the last repaint (an animation
    /// frame asked for at each repaint says so): a change now is the first
    /// render of its frame, however soon after the last one it comes.
    drawn: Rc<Cell<bool>>,
    /// That animation frame, while pending.
    tick: RefCell<Option<gloo::render::AnimationFrame>>,
    /// The last frame's repaint showed [`BURST_CHANGES`] or more: a burst is
    /// coming in, and its next change waits for a frame too.
    burst: Cell<bool>,
    paint: Box<dyn Fn()>,
}

impl Inner {
    fn paint(&self) {
        self.last.set(now_precise());
        self.changes.set(0);
        self.drawn.set(false);
        let drawn = self.drawn.clone();
        *self.tick.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| {
            drawn.set(true)
        }));
        (self.paint)();
    }
}

impl Repaint {
    pub fn new(paint: impl Fn() + 'static) -> Self {
        Repaint {
            inner: Rc::new(Inner {
                frame: RefCell::new(None),
                due: Cell::new(false),
                last: Cell::new(f64::NEG_INFINITY),
                changes: Cell::new(0),
                burst: Cell::new(false),
                drawn: Rc::new(Cell::new(false)),
                tick: RefCell::new(None),
                paint: Box::new(paint),
            }),
        }
    }

    /// Repaints now: a user action is shown at once, never batched.
    pub fn now(&self) {
        self.inner.paint();
    }

    /// Repaints at once after a quiet spell or once a frame has been drawn
    /// since the last repaint (a lone message shows without waiting for a
    /// frame, even 10 ms after the one before), else once before the next
    /// frame is drawn (a burst of inputs costs one render per frame, not one
    /// each). While a burst comes in (the last frame showed [`BURST_CHANGES`] or more,
    /// less than [`BURST_MS`] ago), every change waits for a frame: a render in
    /// the task that brought it would be a second one in that frame.
    pub fn schedule(&self) {
        let inner = &self.inner;
        inner.changes.set(inner.changes.get() + 1);
        if inner.due.get() {
            return;
        }
        let since = now_precise() - inner.last.get();
        let quiet = since >= FRAME_MS || inner.drawn.get();
        if quiet && !(inner.burst.get() && since < BURST_MS) {
            inner.burst.set(false);
            return inner.paint();
        }
        self.next_frame();
    }

    /// Repaints once before the next frame is drawn, which is when the change
    /// shows anyway, and not in this task: a frame sent in this task leaves
    /// when the task ends, and Chromium holds it back while the task goes on
    /// (0.1 to 0.5 ms at the median for 1 ms of work after `send`).
    pub fn next_frame(&self) {
        let inner = &self.inner;
        if inner.due.get() {
            return;
        }
        inner.due.set(true);
        let weak = Rc::downgrade(inner);
        // The previous handle already fired; replacing it here, outside its
        // own callback, releases it.
        *inner.frame.borrow_mut() = Some(gloo::render::request_animation_frame(move |_| {
            if let Some(inner) = weak.upgrade() {
                inner.due.set(false);
                inner.burst.set(inner.changes.get() >= BURST_CHANGES);
                inner.paint();
            }
        }));
    }

    /// Drops a pending repaint (unmounting).
    pub fn cancel(&self) {
        self.inner.frame.borrow_mut().take();
        self.inner.tick.borrow_mut().take();
        self.inner.due.set(false);
    }
}
