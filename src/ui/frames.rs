//! The Frames panel: every frame in and out with its time, kind, size and
//! what the dialect made of it; totals and rates; filters, pause, copy;
//! (closing and opening the panel starts it afresh);
//! and a raw frame sent as typed. It records only while open.

use super::context::use_frames;
use crate::app::now;
use crate::i18n::t;
use crate::inspect::{Dir, RawKind, Record};
use crate::ui::th;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Rows rendered at most (the newest that match).
const SHOWN: usize = 200;

/// Local `HH:MM:SS.mmm` (time zones differ by whole minutes: the seconds
/// and milliseconds come from the epoch time itself).
fn clock(ms: u64) -> String {
    let d = js_sys::Date::new(&(ms as f64).into());
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        d.get_hours(),
        d.get_minutes(),
        ms / 1000 % 60,
        ms % 1000
    )
}

/// Whether `record` passes the text filter: a substring (any case), or a
/// regular expression written `/like this/`.
fn matches(record: &Record, filter: &str) -> bool {
    if filter.is_empty() {
        return true;
    }
    let shown = record.shown();
    if let Some(re) = filter.strip_prefix('/').and_then(|f| f.strip_suffix('/')) {
        let re = js_sys::RegExp::new(re, "i");
        return re.test(&shown) || re.test(&record.summary);
    }
    // Through JS: Rust's to_lowercase would add its Unicode tables (~8 KB).
    let lower = |s: &str| js_sys::JsString::from(s).to_lower_case();
    let filter = String::from(lower(filter));
    lower(&shown).includes(&filter, 0) || lower(&record.summary).includes(&filter, 0)
}

fn copy(text: String) {
    let clipboard = gloo::utils::window().navigator().clipboard();
    let _ = clipboard.write_text(&text);
}

/// The "Frames" button (in the page's header): opens and closes the panel.
#[function_component(FramesToggle)]
pub fn frames_toggle() -> Html {
    let ctl = use_frames();
    let open = ctl.frames().is_some();
    let onclick = Callback::from(move |_| ctl.show_frames(!open));
    html! {
        <button type="button" class="frames-toggle" aria-expanded={open.to_string()}
            aria-controls="frames" {onclick}>{ th("Frames") }</button>
    }
}

#[function_component(FramesPanel)]
pub fn frames_panel() -> Html {
    let ctl = use_frames();
    // What the panel's own controls chose: direction, text filter, the raw
    // frame's error (kept as the rest of the UI keeps such state).
    let chosen = use_mut_ref(|| (None::<Dir>, String::new(), None::<String>));
    let redraw = use_force_update();
    let raw_text = use_node_ref();
    let raw_kind = use_node_ref();
    let frames = ctl.frames();
    let Some(log) = frames.as_ref() else {
        return Html::default();
    };
    let at = now();
    let totals = |name: &str, dir: &crate::inspect::Totals| {
        format!(
            "{name}: {} ({} B, {}/s)",
            dir.frames,
            dir.bytes,
            dir.rate(at)
        )
    };
    let (wanted, filter, raw_error) = chosen.borrow().clone();
    let rows: Vec<&Record> = log
        .records()
        .rev()
        .filter(|r| wanted.is_none_or(|d| r.dir == d) && matches(r, &filter))
        .take(SHOWN)
        .collect();
    let row = |r: &&Record| {
        let body = r.shown();
        let (dir, arrow) = match r.dir {
            Dir::In => ("in", t("\u{2193} in")),
            Dir::Out => ("out", t("\u{2191} out")),
        };
        let oncopy = {
            let body = body.clone();
            Callback::from(move |_| copy(body.clone()))
        };
        // One line of facts: few nodes per row keeps the panel cheap to build.
        let kind = if r.binary { t("binary") } else { t("text") };
        let head = format!(
            "{arrow} {} {kind} {} B \u{b7} {}",
            clock(r.at),
            r.size,
            r.summary
        );
        html! {
            <li key={r.n} class={classes!("frame", dir)}>
                { head }
                <button type="button" onclick={oncopy}>{ th("Copy") }</button>
                <pre>{ body.chars().take(2000).collect::<String>() }</pre>
            </li>
        }
    };
    let ondirection = {
        let (chosen, redraw) = (chosen.clone(), redraw.clone());
        Callback::from(move |e: Event| {
            if let Some(s) = e.target_dyn_into::<HtmlSelectElement>() {
                chosen.borrow_mut().0 = match s.value().as_str() {
                    "in" => Some(Dir::In),
                    "out" => Some(Dir::Out),
                    _ => None,
                };
                redraw.force_update();
            }
        })
    };
    let onfilter = {
        let (chosen, redraw) = (chosen.clone(), redraw.clone());
        Callback::from(move |e: InputEvent| {
            if let Some(i) = e.target_dyn_into::<HtmlInputElement>() {
                chosen.borrow_mut().1 = i.value();
                redraw.force_update();
            }
        })
    };
    let paused = log.paused;
    let onpause = {
        let ctl = ctl.clone();
        Callback::from(move |_| ctl.pause_frames(!paused))
    };
    let onraw = {
        let (ctl, raw_text, raw_kind, chosen, redraw) = (
            ctl.clone(),
            raw_text.clone(),
            raw_kind.clone(),
            chosen.clone(),
            redraw.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(text) = raw_text.cast::<HtmlTextAreaElement>() else {
                return;
            };
            let kind = raw_kind
                .cast::<HtmlSelectElement>()
                .map_or(RawKind::Text, |s| RawKind::parse(&s.value()));
            chosen.borrow_mut().2 = ctl.send_raw(kind, &text.value()).err();
            redraw.force_update();
        })
    };
    html! {
        <section id="frames" class="frames" role="region" aria-label={t("Frames")}>
            <div class="tools">
                <select aria-label={t("Direction")} onchange={ondirection}>
                    <option value="">{ th("In and out") }</option>
                    <option value="in">{ th("In") }</option>
                    <option value="out">{ th("Out") }</option>
                </select>
                <input type="search" aria-label={t("Filter frames")} placeholder={t("text or /regex/")}
                    value={filter.clone()} oninput={onfilter} />
                <button type="button" aria-pressed={paused.to_string()} onclick={onpause}>
                    { if paused { th("Resume") } else { th("Pause") } }
                </button>
                <span class="totals">{ totals(t("In"), &log.inbound) }{ " \u{b7} " }{ totals(t("Out"), &log.outbound) }</span>
            </div>
            <ol class="frame-list">{ for rows.iter().rev().map(row) }</ol>
            <form class="raw" aria-label={t("Raw frame")} onsubmit={onraw}>
                <textarea ref={raw_text} aria-label={t("Frame to send")} rows="2" spellcheck="false" />
                <select ref={raw_kind} aria-label={t("Raw frame format")}>
                    <option value="text">{ th("Text") }</option>
                    <option value="hex">{ "Hex" }</option>
                    <option value="base64">{ "Base64" }</option>
                </select>
                <button type="submit">{ th("Send raw") }</button>
                if let Some(why) = &raw_error {
                    <p class="errors" role="alert">{ why }</p>
                }
            </form>
        </section>
    }
}
