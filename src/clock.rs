//! The page language's clock: the `Intl` formatters for a line's time and
//! its tooltip, made once (`toLocaleTimeString` per line made one each time:
//! 0.2 ms a line, 55 ms for 250 lines in the bench's profile).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Element;

thread_local! {
    /// The line's time (`14:05`, `02:05 PM`…) and its tooltip's date and time.
    static CLOCK: RefCell<Option<[js_sys::Function; 2]>> = const { RefCell::new(None) };
    /// Times drawn before the clock was made: filled in when it is.
    static WAITING: RefCell<Vec<(Element, u64)>> = const { RefCell::new(Vec::new()) };
    static SOON: Cell<bool> = const { Cell::new(false) };
}

fn make() -> [js_sys::Function; 2] {
    let locales = js_sys::Array::of1(&crate::i18n::lang().code().into());
    [
        r#"{"hour":"2-digit","minute":"2-digit"}"#,
        r#"{"dateStyle":"full","timeStyle":"medium"}"#,
    ]
    .map(|options| {
        let options = js_sys::JSON::parse(options).unwrap_or(JsValue::UNDEFINED);
        js_sys::Intl::DateTimeFormat::new(&locales, options.unchecked_ref()).format()
    })
}

fn ready() -> bool {
    CLOCK.with_borrow(Option::is_some)
}

/// As before the clock was made, for the browser tests.
#[doc(hidden)]
pub fn unmake() {
    CLOCK.take();
    SOON.set(false);
}

/// Makes the formatters in a task of their own, 100 ms after the room is
/// connected or its first line is drawn, by when the frame that shows it
/// has normally been drawn; the times drawn before then are filled in. The
/// first `Intl` formatter in a page loads Chromium's ICU data, 35 to 90 ms
/// on a busy two-core machine (BENCHMARKS.md, runs 11 and 13); the sockets'
/// worker (`boot.js`) loads it first, once its socket is open, and then
/// these cost 1 to 5 ms (run 14). Made while
/// the socket opened, it held back an `open` that had come early (the socket
/// `boot.js` opens); made at the `open`, it would hold back a dialect's
/// handshake (socket.io, STOMP, MQTT); made for the first line, it held back
/// the frame that says Connected when a greeting came with the `open`.
pub fn warm() {
    if SOON.replace(true) {
        return;
    }
    gloo::timers::callback::Timeout::new(100, || {
        for (time, ts) in WAITING.take() {
            write(&time, ts);
        }
        CLOCK.with_borrow_mut(|c| {
            c.get_or_insert_with(make);
        });
    })
    .forget();
}

/// Writes a line's time into its `<time>` element (the full date as its
/// tooltip); before the clock is made, once it is ([`warm`]).
pub fn stamp(time: &Element, ts: u64) {
    if ready() {
        write(time, ts);
    } else {
        WAITING.with_borrow_mut(|w| w.push((time.clone(), ts)));
        warm();
    }
}

fn write(time: &Element, ts: u64) {
    let texts = times(ts);
    time.set_text_content(Some(&texts.0));
    let _ = time.set_attribute("title", &texts.1);
}

thread_local! {
    /// The last second formatted, and its two texts: lines that come in the
    /// same second (a burst, a busy room) share them. The two formats cost
    /// about 0.15 ms a line on a busy machine, a tenth of a line's render
    /// (BENCHMARKS.md, runs 9 and 12).
    static LAST: std::cell::RefCell<(u64, Rc<(String, String)>)> = Default::default();
}

/// The time for a line and the full date and time for its tooltip.
pub fn times(ts: u64) -> Rc<(String, String)> {
    let second = ts / 1000 + 1;
    if let Some(hit) = LAST.with_borrow(|(s, texts)| (*s == second).then(|| texts.clone())) {
        return hit;
    }
    let date = JsValue::from(js_sys::Date::new(&JsValue::from_f64(ts as f64)));
    let texts = Rc::new(CLOCK.with_borrow_mut(|clock| {
        let [short, long] = clock.get_or_insert_with(make);
        let format = |f: &js_sys::Function| {
            f.call1(&JsValue::NULL, &date)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        };
        (format(short), format(long))
    }));
    LAST.set((second, texts.clone()));
    texts
}
