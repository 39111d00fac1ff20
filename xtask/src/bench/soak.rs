//! The soak: a million short lines through one Roomcast page. The page's
//! wasm memory and JS heap are read at each quarter, once the page has shown
//! the quarter's newest line and garbage was collected: after the log's
//! memory ceiling they must stay flat. Then a typed line must still be
//! delivered, once. (The vanilla page is not soaked: its DOM would hold a
//! million elements.)

use super::{send_text, Env, Page};
use crate::webdriver::Session;
use crate::Result;
use futures_util::{SinkExt, StreamExt};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

pub const SOAK_LINES: usize = 1_000_000;
const QUARTERS: usize = 4;

/// What the soak measured at each quarter: (lines, wasm MB, JS heap MB).
pub struct Soak {
    pub points: Vec<(usize, f64, f64)>,
    pub seconds: f64,
    pub typed_delivered_once: bool,
}

/// The budget for what memory may grow from the first quarter to the last
/// (MB). Without the log's ceiling the growth would be about 113 B a line,
/// 85 MB over 750,000 lines; allocator steps of a few MB are not per line.
pub const GROWTH_BUDGET_MB: f64 = 4.0;

impl Soak {
    /// Wasm memory plus JS heap at the last quarter minus the first (MB).
    pub fn growth(&self) -> f64 {
        let total = |p: &(usize, f64, f64)| p.1 + p.2;
        match (self.points.first(), self.points.last()) {
            (Some(a), Some(b)) => total(b) - total(a),
            _ => f64::NAN,
        }
    }
}

/// The server side (`/soak?n=N`): a quarter of the lines at a time, the next
/// when the page says "more"; any other text is echoed back, as a plain chat
/// server would.
pub async fn serve<S, R>(mut tx: S, mut rx: R, n: usize)
where
    S: SinkExt<Message> + Unpin,
    R: StreamExt<Item = std::result::Result<Message, tokio_tungstenite::tungstenite::Error>>
        + Unpin,
{
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut next = 1;
    for q in 1..=QUARTERS {
        let end = n * q / QUARTERS;
        while next <= end {
            if tx
                .feed(Message::Text(format!("b {next}").into()))
                .await
                .is_err()
            {
                return;
            }
            next += 1;
        }
        if tx.flush().await.is_err() {
            return;
        }
        // Wait for "more" (echoing whatever else comes).
        while let Some(Ok(frame)) = rx.next().await {
            let Message::Text(t) = frame else { continue };
            if t.contains("more") {
                break;
            }
            if tx.send(Message::Text(t)).await.is_err() {
                return;
            }
        }
    }
    while let Some(Ok(frame)) = rx.next().await {
        if let Message::Text(t) = frame {
            if tx.send(Message::Text(t)).await.is_err() {
                return;
            }
        }
    }
}

/// Waits until the page's log shows line `b {n}` (the newest), up to `limit`.
fn shows(s: &Session, n: usize, limit: Duration) -> Result<()> {
    s.wait(&format!("line b {n} shown"), limit, |s| {
        let v = s.exec(&format!(
            "return [...document.querySelectorAll('[role=log] li .text')].some(e => e.textContent === 'b {n}');"
        ))?;
        Ok(v.as_bool().unwrap_or(false).then_some(()))
    })
}

fn memory(s: &Session) -> Result<(f64, f64)> {
    s.cdp("HeapProfiler.collectGarbage", serde_json::json!({}))?;
    let m = s.exec(
        "return [window.__bench.wasm ? window.__bench.wasm.buffer.byteLength : 0,
                 performance.memory ? performance.memory.usedJSHeapSize : 0];",
    )?;
    let mb = |v: &serde_json::Value| v.as_f64().unwrap_or(f64::NAN) / 1e6;
    Ok((mb(&m[0]), mb(&m[1])))
}

/// Lines in the soak: [`SOAK_LINES`], or `ROOMCAST_SOAK_LINES` to look further.
pub fn soak_lines() -> usize {
    std::env::var("ROOMCAST_SOAK_LINES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(SOAK_LINES)
}

pub fn soak(env: &Env) -> Result<Soak> {
    let lines = soak_lines();
    let s = env.open(Page::Roomcast, &format!("ws://{}/soak?n={lines}", env.load))?;
    let started = Instant::now();
    let mut points = Vec::new();
    for q in 1..=QUARTERS {
        let n = lines * q / QUARTERS;
        shows(&s, n, Duration::from_secs(300))?;
        std::thread::sleep(Duration::from_millis(500));
        let (wasm, heap) = memory(&s)?;
        eprintln!("    soak: {n} lines, wasm {wasm:.1} MB, JS heap {heap:.1} MB");
        points.push((n, wasm, heap));
        if q < QUARTERS {
            send_text(&s, Page::Roomcast, "more")?;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    send_text(&s, Page::Roomcast, "soak typed line")?;
    let delivered = s.wait("the typed line delivered", Duration::from_secs(20), |s| {
        let v = s.exec(
            "const own = [...document.querySelectorAll('[role=log] li.own')]
               .filter(li => li.querySelector('.text')?.textContent === 'soak typed line');
             return own.length ? [own.length, own[0].className.includes('delivered')] : null;",
        )?;
        Ok((v[1].as_bool() == Some(true)).then(|| v[0].as_u64() == Some(1)))
    })?;
    Ok(Soak {
        points,
        seconds,
        typed_delivered_once: delivered,
    })
}
