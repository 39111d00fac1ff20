//! Browser tests (wasm-bindgen-test in headless Chromium) against a real
//! reference server on loopback. `cargo xtask test` starts the server and
//! passes its address at compile time in `ROOMCAST_TEST_WS`.
#![cfg(target_arch = "wasm32")]

use roomcast::config::{Config, FromQuery};
use roomcast::protocol::{envelope::ServerFrame, Dialect, Frame};
use roomcast::socket::{ReadyState, Socket, SocketError, SocketEvent};
use roomcast::ui::{App, AppProps};
use std::{cell::RefCell, rc::Rc, time::Duration};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn server() -> String {
    match option_env!("ROOMCAST_TEST_WS") {
        Some(url) => url.to_string(),
        None => panic!("ROOMCAST_TEST_WS is not set: run these tests with `cargo xtask test`"),
    }
}

/// Waits up to 5 s for `check` to give a value.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    for _ in 0..500 {
        if let Some(value) = check() {
            return value;
        }
        gloo::timers::future::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

type Events = Rc<RefCell<Vec<SocketEvent>>>;

fn open(url: &str) -> (Socket, Events) {
    let events: Events = Rc::default();
    let sink = events.clone();
    let socket = Socket::open(url, &[], move |e| sink.borrow_mut().push(e)).expect("socket opens");
    (socket, events)
}

/// The envelope frames received so far.
fn envelopes(events: &Events) -> Vec<ServerFrame> {
    events
        .borrow()
        .iter()
        .filter_map(|e| match e {
            SocketEvent::Frame(Frame::Text(t)) => serde_json::from_str(t).ok(),
            _ => None,
        })
        .collect()
}

#[wasm_bindgen_test]
async fn socket_opens_receives_welcome_and_gets_its_message_back() {
    let (socket, events) = open(&server());
    assert!(matches!(
        socket.send(&Frame::Text("too early".into())),
        Err(SocketError::NotOpen(ReadyState::Connecting))
    ));
    eventually("open", || {
        events
            .borrow()
            .iter()
            .any(|e| matches!(e, SocketEvent::Opened { .. }))
            .then_some(())
    })
    .await;
    assert_eq!(socket.ready_state(), ReadyState::Open);
    eventually("welcome", || {
        matches!(
            envelopes(&events).first(),
            Some(ServerFrame::Welcome { .. })
        )
        .then_some(())
    })
    .await;
    socket
        .send(&Frame::Text(
            r#"{"type":"hello","name":"socket-test"}"#.into(),
        ))
        .unwrap();
    socket
        .send(&Frame::Text(
            r#"{"type":"message","id":"w-1","text":"from wasm"}"#.into(),
        ))
        .unwrap();
    let (from, text) = eventually("our message back", || {
        envelopes(&events).into_iter().find_map(|f| match f {
            ServerFrame::Message {
                id: Some(id),
                from,
                text,
                ..
            } if id == "w-1" => Some((from, text)),
            _ => None,
        })
    })
    .await;
    assert_eq!((from.as_str(), text.as_str()), ("socket-test", "from wasm"));
    // Binary frames arrive as bytes (ArrayBuffer), in order.
    socket.send(&Frame::Binary(vec![0xff, 0x00, 0x01])).unwrap();
    eventually("binary echo", || {
        events
            .borrow()
            .iter()
            .any(|e| *e == SocketEvent::Frame(Frame::Binary(vec![0xff, 0x00, 0x01])))
            .then_some(())
    })
    .await;
}

#[wasm_bindgen_test]
async fn socket_to_a_closed_port_reports_1006_and_never_opens() {
    // Port 9 (discard) is closed on loopback here.
    let (_socket, events) = open("ws://127.0.0.1:9/ws");
    let (code, clean) = eventually("close", || {
        events.borrow().iter().find_map(|e| match e {
            SocketEvent::Closed { code, clean, .. } => Some((*code, *clean)),
            _ => None,
        })
    })
    .await;
    assert_eq!((code, clean), (1006, false));
    assert!(!events
        .borrow()
        .iter()
        .any(|e| matches!(e, SocketEvent::Opened { .. })));
}

#[wasm_bindgen_test]
fn socket_refuses_a_bad_url_with_an_error_not_a_panic() {
    let err = Socket::open("ftp://not-a-websocket", &[], |_| {})
        .err()
        .expect("refused");
    assert!(matches!(err, SocketError::Open(_)), "{err:?}");
}

/// An app mounted for one test: destroyed, and its element removed, when the
/// test ends, so no test sees another's page (or its socket).
struct Mounted {
    root: web_sys::Element,
    app: Option<yew::AppHandle<App>>,
}

impl std::ops::Deref for Mounted {
    type Target = web_sys::Element;
    fn deref(&self) -> &web_sys::Element {
        &self.root
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

fn mount(query: FromQuery) -> Mounted {
    let document = gloo::utils::document();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let app =
        yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { query: Some(query) })
            .render();
    Mounted {
        root,
        app: Some(app),
    }
}

fn text_of(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .ok()
        .flatten()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn app_connects_sends_on_enter_and_shows_its_line_once_delivered() {
    let root = mount(FromQuery {
        config: Config::new(server(), "wasm-app", Dialect::Auto),
        errors: vec![],
    });
    yew::scheduler::flush().await;
    eventually("Connected", || {
        text_of(&root, "[role=status]")
            .contains("Connected")
            .then_some(())
    })
    .await;
    // The granted name follows with the server's `joined` reply.
    eventually("joined", || {
        text_of(&root, "[role=status]")
            .contains("as wasm-app")
            .then_some(())
    })
    .await;

    let area: web_sys::HtmlTextAreaElement = root
        .query_selector("textarea[aria-label=Message]")
        .unwrap()
        .expect("a textbox named Message")
        .dyn_into()
        .unwrap();
    // Unique per run: the server's history may hold an earlier run's line
    // (the Chromium and Firefox runs share one reference server).
    let line = format!("hello from the app {}", js_sys::Math::random());
    area.set_value(&line);
    let init = web_sys::KeyboardEventInit::new();
    init.set_key("Enter");
    init.set_bubbles(true);
    init.set_cancelable(true);
    let enter =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    area.dispatch_event(&enter).unwrap();
    assert_eq!(area.value(), "", "the box empties on send");

    eventually("delivered", || {
        root.query_selector("[role=log] .own.delivered")
            .ok()
            .flatten()
            .map(|_| ())
    })
    .await;
    let log = text_of(&root, "[role=log]");
    assert_eq!(log.matches(&line).count(), 1, "{log}");
}

#[wasm_bindgen_test]
async fn app_shows_url_errors_and_does_not_connect() {
    let root = mount(roomcast::config::from_query(
        [("server", "ws://127.0.0.1:1/ws"), ("protocol", "pigeon")],
        "ws://unused/ws",
        "x",
    ));
    yew::scheduler::flush().await;
    let alert = text_of(&root, "[role=alert]");
    assert!(alert.contains("pigeon"), "{alert}");
    assert_eq!(text_of(&root, "[role=status]"), "Not connected");
}

fn mount_to(server: &str) -> Mounted {
    mount(FromQuery {
        config: Config::new(server, "retrier", Dialect::Auto),
        errors: vec![],
    })
}

/// The retry number the status shows, if it shows one.
fn retry_shown(root: &web_sys::Element) -> Option<u32> {
    let status = text_of(root, "[role=status]");
    let n = status.split("(retry ").nth(1)?.split(')').next()?;
    n.parse().ok()
}

fn click(root: &web_sys::Element, selector: &str) {
    let button: web_sys::HtmlElement = root
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .dyn_into()
        .unwrap();
    button.click();
}

#[wasm_bindgen_test]
async fn app_to_a_dead_port_explains_once_and_retries_with_a_countdown() {
    let root = mount_to("ws://127.0.0.1:9/ws");
    eventually("the explanation", || {
        text_of(&root, "[role=log]")
            .contains("never opened")
            .then_some(())
    })
    .await;
    eventually("a countdown", || {
        let status = text_of(&root, "[role=status]");
        (status.starts_with("Reconnecting in") && status.contains(" s ")).then_some(())
    })
    .await;
    assert!(
        root.query_selector(".statusbar button.reconnect")
            .unwrap()
            .is_some(),
        "Reconnect now"
    );
    // Retries keep coming (full jitter under 0.5 s, 1 s, 2 s ceilings; Firefox
    // also holds back a failed WebSocket's next attempt to the same host, so
    // allow it 10 s)…
    let mut highest = 0;
    for _ in 0..1000 {
        highest = highest.max(retry_shown(&root).unwrap_or(0));
        if highest >= 3 {
            break;
        }
        gloo::timers::future::sleep(Duration::from_millis(10)).await;
    }
    assert!(highest >= 3, "only {highest} retries in 10 s");
    // …and the outage is explained once, not once per retry.
    let log = text_of(&root, "[role=log]");
    assert_eq!(log.matches("Disconnected").count(), 1, "{log}");
    // Reconnect now starts an attempt at once.
    click(&root, ".statusbar button.reconnect");
    yew::scheduler::flush().await;
    assert!(
        text_of(&root, "[role=status]").starts_with("Reconnecting to"),
        "{}",
        text_of(&root, "[role=status]")
    );
}

#[wasm_bindgen_test]
async fn disconnect_stops_every_retry() {
    let root = mount_to("ws://127.0.0.1:9/ws");
    eventually("a retry planned", || {
        text_of(&root, "[role=status]")
            .starts_with("Reconnecting")
            .then_some(())
    })
    .await;
    click(&root, "form.connect button[type=button]"); // Disconnect
    yew::scheduler::flush().await;
    assert_eq!(text_of(&root, "[role=status]"), "Disconnected");
    // Longer than the longest delay so far: nothing restarts.
    gloo::timers::future::sleep(Duration::from_millis(1500)).await;
    yew::scheduler::flush().await;
    assert_eq!(text_of(&root, "[role=status]"), "Disconnected");
}

#[wasm_bindgen_test]
async fn offline_pauses_retries_and_online_retries_at_once() {
    let root = mount_to("ws://127.0.0.1:9/ws");
    eventually("a retry planned", || {
        text_of(&root, "[role=status]")
            .starts_with("Reconnecting in")
            .then_some(())
    })
    .await;
    let window = gloo::utils::window();
    window
        .dispatch_event(&web_sys::Event::new("offline").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[role=status]"),
        "Offline: waiting for the network"
    );
    gloo::timers::future::sleep(Duration::from_millis(800)).await;
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[role=status]"),
        "Offline: waiting for the network",
        "no retries while offline"
    );
    window
        .dispatch_event(&web_sys::Event::new("online").unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let status = text_of(&root, "[role=status]");
    assert!(
        status.starts_with("Connecting to") || status.starts_with("Reconnecting to"),
        "{status}"
    );
}

/// The draft `boot.js` keeps when the app stops (the crash banner itself is
/// the e2e test `a_crash_shows_a_banner_and_keeps_the_draft`, a real panic
/// in the release build): the next page's composer gets it back, once.
#[wasm_bindgen_test]
async fn a_draft_kept_by_the_crash_banner_comes_back_once() {
    roomcast::app::store::set_raw(roomcast::ui::crash::DRAFT_KEY, "half typed <b>line</b>")
        .unwrap();
    let again = mount_to("ws://127.0.0.1:9/ws");
    let restored = eventually("restored draft", || {
        again
            .query_selector("textarea[aria-label=Message]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            .map(|a| a.value())
            .filter(|v| !v.is_empty())
    })
    .await;
    assert_eq!(restored, "half typed <b>line</b>");
    assert_eq!(roomcast::ui::crash::take_draft(), None, "taken once");
    again.remove();
}

/// The kept log's notes: a browser that starts with an empty localStorage
/// knows at once which servers have nothing kept (no wait for IndexedDB);
/// saving a log notes its server and clearing it takes the note away; a
/// browser whose localStorage an older Roomcast used keeps waiting.
#[wasm_bindgen_test]
async fn the_kept_log_is_noted_so_a_server_with_nothing_kept_connects_at_once() {
    use roomcast::app::kept;
    use roomcast::room::Saved;
    let storage = gloo::utils::window().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let (a, b) = ("ws://127.0.0.1:9/noted-a", "ws://127.0.0.1:9/noted-b");
    assert!(kept::nothing_kept(a), "a new browser: nothing kept");
    let lines = Saved::list_from_value(&serde_json::json!([{"ts": 1, "k": "o", "t": "kept line"}]));
    assert_eq!(lines.len(), 1);
    assert_eq!(kept::save(a.into(), Some(7), lines).await, Some(1));
    assert!(
        !kept::nothing_kept(a),
        "a saved log is noted: its page waits for it"
    );
    assert!(
        kept::nothing_kept(b),
        "another server still has nothing kept"
    );
    let back = kept::load(a, &[]).await;
    assert_eq!((back.lines.len(), back.seq), (1, Some(7)));
    // A page's queued files, beside the log: back as they went in, and gone
    // once none wait.
    let files: Vec<(String, std::rc::Rc<[u8]>)> = vec![("f1".into(), vec![0, 1, 255].into())];
    kept::save_files(a.into(), "p1".into(), files.clone())
        .await
        .unwrap();
    assert_eq!(kept::files(a, "p1").await, files);
    assert!(
        kept::files(a, "p2").await.is_empty(),
        "another page's are its own"
    );
    assert_eq!(kept::load(a, &["p1".into()]).await.files, files);
    kept::save_files(a.into(), "p1".into(), Vec::new())
        .await
        .unwrap();
    assert!(kept::files(a, "p1").await.is_empty());
    kept::clear(a.into()).await;
    assert!(kept::nothing_kept(a), "cleared: the note went with it");
    // An older Roomcast's localStorage, without the notes: wait as before.
    storage.clear().unwrap();
    storage.set_item("roomcast.theme", "dark").unwrap();
    assert!(!kept::nothing_kept(b));
    storage.clear().unwrap();
}

/// A line drawn before the clock is made (the first `Intl` formatter costs
/// 35 to 90 ms) shows no time at first, and its time and tooltip soon after,
/// without another render; once made, a time is written at once.
#[wasm_bindgen_test]
async fn a_time_drawn_before_the_clock_is_made_comes_soon_after() {
    use roomcast::clock::{stamp, times, unmake};
    let ts = 1_700_000_123_000;
    let time = || gloo::utils::document().create_element("time").unwrap();
    unmake();
    let early = time();
    stamp(&early, ts);
    assert_eq!(early.text_content().unwrap_or_default(), "", "not yet");
    let texts = times(ts);
    eventually("the time filled in", || {
        (early.text_content()? == texts.0).then_some(())
    })
    .await;
    assert_eq!(early.get_attribute("title").as_ref(), Some(&texts.1));
    let later = time();
    stamp(&later, ts + 60_000);
    assert_eq!(later.text_content(), Some(times(ts + 60_000).0.clone()));
}

/// A line's time and its tooltip's full date are formatted once a second:
/// lines of the same second share them, the next second has its own, and
/// they are the page's Intl formats of that moment.
#[wasm_bindgen_test]
fn a_lines_times_are_shared_within_a_second() {
    use roomcast::clock::times;
    let second = 1_700_000_000_000;
    let first = times(second + 120);
    assert!(Rc::ptr_eq(&first, &times(second + 999)), "the same second");
    let next = times(second + 1_000);
    assert!(!Rc::ptr_eq(&first, &next), "the next second");
    // The tooltip has the seconds; the time alone does not.
    assert_ne!(first.1, next.1);
    assert_eq!(first.0, next.0);
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64((second + 1_000) as f64));
    let locale = roomcast::i18n::lang().code();
    let expected = |options: &str| {
        let options = js_sys::JSON::parse(options).unwrap();
        let format = js_sys::Intl::DateTimeFormat::new(
            &js_sys::Array::of1(&locale.into()),
            options.unchecked_ref(),
        )
        .format();
        format
            .call1(&wasm_bindgen::JsValue::NULL, &date)
            .unwrap()
            .as_string()
            .unwrap()
    };
    assert_eq!(next.0, expected(r#"{"hour":"2-digit","minute":"2-digit"}"#));
    assert_eq!(
        next.1,
        expected(r#"{"dateStyle":"full","timeStyle":"medium"}"#)
    );
    // Back to the first second: formatted again, the same texts.
    assert_eq!(*times(second + 5), *first);
}

/// The next animation frame (resolves in its callbacks).
async fn animation_frame() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        gloo::utils::window()
            .request_animation_frame(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(frame).await.unwrap();
}

/// A change repaints at once when the browser has drawn a frame since the
/// last repaint, however soon after it comes (a line 10 ms after the one
/// before waited up to a frame: the latency's p99, BENCHMARKS.md run 17);
/// a second change before the next frame waits for it.
#[wasm_bindgen_test]
async fn a_change_after_a_drawn_frame_repaints_at_once() {
    use roomcast::app::repaint::{now_precise, Repaint};
    let count = Rc::new(std::cell::Cell::new(0));
    let repaint = Repaint::new({
        let count = count.clone();
        move || count.set(count.get() + 1)
    });
    // Late in a frame, so that the next frame comes well within 16 ms.
    animation_frame().await;
    gloo::timers::future::sleep(Duration::from_millis(9)).await;
    let painted = now_precise();
    repaint.schedule();
    assert_eq!(count.get(), 1, "the first change repaints at once");
    animation_frame().await;
    let since = now_precise() - painted;
    repaint.schedule();
    assert_eq!(
        count.get(),
        2,
        "a frame was drawn {since:.1} ms after the last repaint: at once"
    );
    repaint.schedule();
    assert_eq!(
        count.get(),
        2,
        "a second change before the next frame waits"
    );
    animation_frame().await;
    assert_eq!(count.get(), 3, "and shows in the next frame");
}
