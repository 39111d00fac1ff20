//! Just enough of the W3C WebDriver protocol to drive headless Chromium
//! through chromedriver, and headless Firefox through geckodriver:
//! sessions, navigation, typing, clicking, scripts and screenshots
//! (<https://www.w3.org/TR/webdriver2/>).
//!
//! Why not fantoccini or thirtyfour: both are async (tokio). Taking one would
//! remove about 200 lines here but turn every scenario (about 2,000 lines,
//! blocking today) into async code, and the bench would still need this
//! file's Chrome DevTools calls (traces, performance logs, CDP commands).

use crate::Result;
use serde_json::{json, Value};
use std::{
    net::TcpListener,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver (or geckodriver) process on a loopback port, stopped on drop.
pub struct Driver {
    child: Child,
    base: String,
    /// geckodriver holds one session at a time: for Firefox this driver only
    /// checks that geckodriver starts, and each session gets one of its own.
    firefox: Option<std::path::PathBuf>,
}

impl Driver {
    pub fn start(chromedriver: &Path) -> Result<Driver> {
        Driver::launch(chromedriver, None)
    }

    /// geckodriver, for headless Firefox.
    pub fn start_firefox(geckodriver: &Path) -> Result<Driver> {
        Driver::launch(geckodriver, Some(geckodriver.to_path_buf()))
    }

    fn launch(program: &Path, firefox: Option<std::path::PathBuf>) -> Result<Driver> {
        let chromedriver = program;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromedriver.display()))?;
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            firefox,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Ok(r) = ureq::get(&format!("{}/status", driver.base)).call() {
                if r.into_json::<Value>()?["value"]["ready"] == true {
                    return Ok(driver);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("{} did not become ready in 15 s", program.display()).into())
    }

    /// Stops chromedriver now (for an owner that is never dropped).
    pub fn stop(&self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
    }

    /// A new browser, with the browser's options of `webdriver.json`
    /// (`goog:chromeOptions`, or `moz:firefoxOptions` for geckodriver).
    pub fn session(&self, options: &Value) -> Result<Session> {
        if let Some(geckodriver) = &self.firefox {
            let own = Driver::launch(geckodriver, None)?;
            let mut session = own.session_with(json!({
                "browserName": "firefox",
                "moz:firefoxOptions": options,
            }))?;
            session.driver = Some(Box::new(own));
            return Ok(session);
        }
        self.session_with(json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
        }))
    }

    /// A new browser that records the renderer's trace events
    /// (`devtools.timeline`, and any more categories in
    /// `BENCH_TRACE_CATEGORIES`, e.g. `v8.wasm`), read back with [`Session::trace`].
    pub fn traced_session(&self, chrome_options: &Value) -> Result<Session> {
        let mut options = chrome_options.clone();
        let mut categories = "devtools.timeline,disabled-by-default-devtools.timeline".to_string();
        if let Ok(more) = std::env::var("BENCH_TRACE_CATEGORIES") {
            categories = format!("{categories},{more}");
        }
        options["perfLoggingPrefs"] = json!({
            "enableNetwork": false,
            "enablePage": false,
            "traceCategories": categories,
        });
        self.session_with(json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "goog:loggingPrefs": {"performance": "ALL"},
        }))
    }

    fn session_with(&self, always: Value) -> Result<Session> {
        let caps = json!({"capabilities": {"alwaysMatch": always}});
        let value = post(&format!("{}/session", self.base), caps)?;
        let id = value["sessionId"]
            .as_str()
            .ok_or("no session id")?
            .to_string();
        Ok(Session {
            url: format!("{}/session/{id}", self.base),
            driver: None,
            preload: Default::default(),
        })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn post(url: &str, body: Value) -> Result<Value> {
    match ureq::post(url).send_json(body) {
        Ok(r) => Ok(r.into_json::<Value>()?["value"].take()),
        Err(ureq::Error::Status(code, r)) => {
            let v: Value = r.into_json().unwrap_or_default();
            Err(format!("WebDriver {code}: {}", v["value"]["message"]).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// One browser window; closed on drop.
pub struct Session {
    url: String,
    /// A driver of its own (geckodriver), stopped after the session ends.
    driver: Option<Box<Driver>>,
    /// Firefox: scripts of [`Session::on_new_document`], run after each `goto`.
    preload: std::cell::RefCell<Vec<String>>,
}

impl Session {
    pub fn goto(&self, url: &str) -> Result<()> {
        post(&format!("{}/url", self.url), json!({ "url": url }))?;
        for source in self.preload.borrow().iter() {
            self.exec(&format!("{source}\nreturn null;"))?;
        }
        Ok(())
    }

    /// Runs `script` (a function body) in the page and returns its result.
    pub fn exec(&self, script: &str) -> Result<Value> {
        post(
            &format!("{}/execute/sync", self.url),
            json!({"script": script, "args": []}),
        )
    }

    /// Runs `script` (a function body whose last argument is a callback) and
    /// waits for it to call back, for up to `timeout_ms`.
    pub fn exec_async(&self, script: &str, timeout_ms: u64) -> Result<Value> {
        post(
            &format!("{}/timeouts", self.url),
            json!({ "script": timeout_ms }),
        )?;
        post(
            &format!("{}/execute/async", self.url),
            json!({"script": script, "args": []}),
        )
    }

    /// Opens a new tab in this browser (its storage shared with the other
    /// tabs) and switches to it; returns the tab that was current.
    pub fn new_tab(&self) -> Result<String> {
        let was = self.tab()?;
        let tab = post(&format!("{}/window/new", self.url), json!({"type": "tab"}))?;
        self.switch_to(tab["handle"].as_str().ok_or("no new tab")?)?;
        Ok(was)
    }

    /// The current tab's handle.
    pub fn tab(&self) -> Result<String> {
        ureq::get(&format!("{}/window", self.url))
            .call()?
            .into_json::<Value>()?["value"]
            .as_str()
            .map(String::from)
            .ok_or_else(|| "no current tab".into())
    }

    /// Makes tab `handle` the one commands go to.
    pub fn switch_to(&self, handle: &str) -> Result<()> {
        post(&format!("{}/window", self.url), json!({ "handle": handle })).map(drop)
    }

    /// Closes the current tab (switch to another after).
    pub fn close_tab(&self) -> Result<()> {
        ureq::delete(&format!("{}/window", self.url)).call()?;
        Ok(())
    }

    /// Resizes the browser window (CSS pixels at the default zoom).
    pub fn set_window(&self, width: u32, height: u32) -> Result<()> {
        post(
            &format!("{}/window/rect", self.url),
            json!({"width": width, "height": height}),
        )
        .map(drop)
    }

    /// The trace events recorded since the last call (traced sessions only).
    pub fn trace(&self) -> Result<Vec<Value>> {
        let entries = post(
            &format!("{}/se/log", self.url),
            json!({"type": "performance"}),
        )?;
        Ok(entries
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| serde_json::from_str::<Value>(e["message"].as_str()?).ok())
                    .filter(|m| m["message"]["method"] == "Tracing.dataCollected")
                    .map(|mut m| m["message"]["params"].take())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Sends a Chrome DevTools Protocol command to this session's page.
    pub fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        post(
            &format!("{}/goog/cdp/execute", self.url),
            json!({"cmd": cmd, "params": params}),
        )
    }

    /// Runs `source` in every new document of this session before its own
    /// scripts (Chrome DevTools Protocol through chromedriver). Firefox has
    /// no CDP through geckodriver: there it runs right after each `goto`, so
    /// it misses what happens while the page loads.
    pub fn on_new_document(&self, source: &str) -> Result<()> {
        if self.driver.is_some() {
            self.preload.borrow_mut().push(source.to_string());
            return Ok(());
        }
        post(
            &format!("{}/goog/cdp/execute", self.url),
            json!({"cmd": "Page.addScriptToEvaluateOnNewDocument", "params": {"source": source}}),
        )
        .map(drop)
    }

    fn find(&self, css: &str) -> Result<String> {
        let v = post(
            &format!("{}/element", self.url),
            json!({"using": "css selector", "value": css}),
        )?;
        v[ELEMENT]
            .as_str()
            .map(String::from)
            .ok_or_else(|| format!("no element {css}").into())
    }

    /// Types `text` into the element (WebDriver key codes: `\u{E007}` is Enter).
    pub fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let el = self.find(css)?;
        post(
            &format!("{}/element/{el}/value", self.url),
            json!({ "text": text }),
        )
        .map(drop)
    }

    pub fn click(&self, css: &str) -> Result<()> {
        let el = self.find(css)?;
        post(&format!("{}/element/{el}/click", self.url), json!({})).map(drop)
    }

    pub fn screenshot(&self, to: &Path) -> Result<()> {
        let v: Value = ureq::get(&format!("{}/screenshot", self.url))
            .call()?
            .into_json()?;
        let png = base64_decode(v["value"].as_str().ok_or("no screenshot")?)?;
        std::fs::write(to, png)?;
        Ok(())
    }

    /// Polls `probe` until it gives a value, for up to `limit`.
    pub fn wait<T>(
        &self,
        what: &str,
        limit: Duration,
        mut probe: impl FnMut(&Session) -> Result<Option<T>>,
    ) -> Result<T> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = probe(self)? {
                return Ok(v);
            }
            if Instant::now() > deadline {
                return Err(
                    format!("timed out after {} s waiting for {what}", limit.as_secs()).into(),
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.url).call();
    }
}

fn base64_decode(s: &str) -> Result<Vec<u8>> {
    let value = |c: u8| -> Result<u32> {
        Ok(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err("bad base64".into()),
        } as u32)
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..chunk.len()]);
    }
    Ok(out)
}
