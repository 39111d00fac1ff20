//! Repaint scheduling: changes are shown at most once per animation frame,
//! however many frames arrive in between; a lone change shows at once.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// One frame at 60 Hz: repaints closer together than this are batched.
const FRAME_MS: f64 = 16.0;

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
    paint: Box<dyn Fn()>,
}

impl Inner {
    fn paint(&self) {
        self.last.set(now_precise());
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
                paint: Box::new(paint),
            }),
        }
    }

    /// Repaints now: a user action is shown at once, never batched.
    pub fn now(&self) {
        self.inner.paint();
    }

    /// Repaints at once after a quiet spell (a lone message shows without
    /// waiting for a frame), else once before the next frame is drawn (a
    /// burst of inputs costs one render per frame, not one each).
    pub fn schedule(&self) {
        let inner = &self.inner;
        if inner.due.get() {
            return;
        }
        if now_precise() - inner.last.get() >= FRAME_MS {
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
                inner.paint();
            }
        }));
    }

    /// Drops a pending repaint (unmounting).
    pub fn cancel(&self) {
        self.inner.frame.borrow_mut().take();
        self.inner.due.set(false);
    }
}
