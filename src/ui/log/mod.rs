//! The message log: a window of the room's lines that follows the bottom,
//! pages back, searches and filters; each line is drawn by [`line`].

mod chunk;
mod line;

use super::context::use_log;
use crate::i18n::{t, tf, tn};
use crate::room::{Kind, Line};
use crate::text;
use crate::ui::th;
use chunk::Chunk;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// Lines rendered while following the bottom, at least: the DOM stays
/// bounded however long the log grows ("Show earlier" pages back).
pub const WINDOW: usize = 200;
/// The window drops old lines this many at a time. Dropping one line per new
/// line would move every other line up on each message, and the browser
/// would lay out and repaint them all; in chunks, most messages only append.
pub const CHUNK: usize = 50;

/// The first line to render of `len`: the last [`WINDOW`] to
/// `WINDOW + CHUNK - 1` while following the bottom (`anchor` None), else from
/// where the reader is.
pub fn window_start(len: usize, anchor: Option<usize>) -> usize {
    match anchor {
        Some(start) => start.min(len),
        None => len.saturating_sub(WINDOW) / CHUNK * CHUNK,
    }
}

/// The positions `start..end` in chunks aligned to multiples of [`CHUNK`]:
/// `(aligned start, from, to)`. Only the first can start after its aligned
/// start (the window grows upwards a line at a time) and only the last can end
/// early; the others hold the same lines from render to render.
pub fn chunks(start: usize, end: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    (start / CHUNK * CHUNK..end)
        .step_by(CHUNK)
        .map(move |aligned| (aligned, aligned.max(start), (aligned + CHUNK).min(end)))
}

/// Lines added to the page in one render, at most, while following the
/// bottom: a burst of thousands of lines shows its newest ones at once, and
/// the window grows back upwards over the next frames, so no render is one
/// long task.
pub const PER_RENDER: usize = 10;

/// The first line to render while following the bottom: `target` (from
/// [`window_start`]) once grown, given the last render showed `before`
/// (first line, lines in the log) and the log now has `len` lines.
pub fn growing_start(target: usize, before: (usize, usize), len: usize) -> usize {
    let (from, had) = before;
    if len < had {
        // Cleared: no lines to keep.
        return target.max(len.saturating_sub(PER_RENDER));
    }
    let new = len - had;
    if new >= PER_RENDER {
        len - PER_RENDER
    } else {
        target.max(from.saturating_sub(PER_RENDER - new))
    }
}

/// How long after a wheel, key or pointer press (mouse, pen, touch, scrollbar) a move away from the
/// bottom counts as the reader's.
const INTENT_MS: f64 = 1000.0;

/// Which lines the log shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    All,
    Own,
    Others,
    System,
}

impl Show {
    const ALL: [(Show, &'static str); 4] = [
        (Show::All, "all"),
        (Show::Own, "own"),
        (Show::Others, "others"),
        (Show::System, "system"),
    ];

    fn label(self) -> &'static str {
        match self {
            Show::All => t("All lines"),
            Show::Own => t("Mine"),
            Show::Others => t("Others'"),
            Show::System => t("Roomcast and server"),
        }
    }

    fn keeps(self, line: &Line) -> bool {
        match self {
            Show::All => true,
            Show::Own => matches!(line.kind, Kind::Own { .. }),
            Show::Others => matches!(line.kind, Kind::Peer { .. } | Kind::Image { .. }),
            Show::System => matches!(line.kind, Kind::System(_) | Kind::Json),
        }
    }
}

/// Where the reader is: following the bottom, or reading further up.
#[derive(Default)]
struct Reading {
    /// Following the bottom: new lines scroll into view.
    stick: bool,
    /// The first line shown while not following (`None`: the newest window).
    anchor: Option<usize>,
    /// How many lines there were when the reader left the bottom.
    left_at: usize,
    /// The first line shown and the number of lines, at the last render.
    shown: (usize, usize),
    /// The window is still growing upwards after a burst: render again.
    growing: bool,
    /// When the reader last scrolled by hand (`Date.now()`).
    intent: f64,
    /// Where the log was last scrolled to while following (`scrollTop`).
    pinned: i32,
    /// The next frame's [`settle`], when one is due.
    frame: Option<gloo::render::AnimationFrame>,
    due: bool,
    /// How many lines had left memory at the last render: positions above
    /// are indices into the lines still kept, so they move down when more go.
    base: usize,
}

impl Reading {
    /// Follows the bottom again, from wherever the reader was.
    fn follow(&mut self) {
        self.stick = true;
        self.pinned = 0;
        self.anchor = None;
    }

    /// Older lines left memory (`dropped` in all): shifts the positions kept.
    fn rebase(&mut self, dropped: usize) {
        let gone = dropped.saturating_sub(self.base);
        self.base = dropped;
        if gone > 0 {
            self.anchor = self.anchor.map(|a| a.saturating_sub(gone));
            self.left_at = self.left_at.saturating_sub(gone);
            self.shown = (
                self.shown.0.saturating_sub(gone),
                self.shown.1.saturating_sub(gone),
            );
        }
    }
}

/// Following the bottom, the log goes down to the newest line just before
/// the next paint, once per frame, when the browser lays the page out
/// anyway: reading `scrollHeight` after each render (or in each scroll
/// event) would force one more layout per message. A reader who scrolled up
/// since stops following.
fn settle(reading: &Rc<RefCell<Reading>>, list: &NodeRef, redraw: &UseForceUpdateHandle) {
    let mut r = reading.borrow_mut();
    if !r.stick || r.due {
        return;
    }
    r.due = true;
    let (reading, list, redraw) = (reading.clone(), list.clone(), redraw.clone());
    // The previous frame already fired: replacing its handle here, outside
    // its own callback, releases it.
    r.frame = Some(gloo::render::request_animation_frame(move |_| {
        let mut r = reading.borrow_mut();
        r.due = false;
        let Some(el) = list.cast::<web_sys::Element>().filter(|_| r.stick) else {
            return;
        };
        let top = el.scroll_top();
        // Lines that arrived since the last frame are below, and lines
        // leaving the top can move the view: only a reader who just
        // scrolled (wheel, touch, keys, scrollbar) and went up has left.
        let recent = js_sys::Date::now() - r.intent < INTENT_MS;
        if recent && top < r.pinned - 2 && el.scroll_height() - top - el.client_height() >= 48 {
            r.stick = false;
            r.anchor = Some(r.shown.0);
            r.left_at = r.shown.1;
            drop(r);
            redraw.force_update();
            return;
        }
        el.set_scroll_top(el.scroll_height());
        r.pinned = el.scroll_top();
        if r.growing {
            drop(r);
            redraw.force_update();
        }
    }));
}

#[function_component(MessageLog)]
pub fn message_log() -> Html {
    let room = use_log();
    let list = use_node_ref();
    let redraw = use_force_update();
    let reading = use_mut_ref(|| Reading {
        stick: true,
        ..Reading::default()
    });
    // The search text and the kind of lines shown.
    let filter = use_mut_ref(|| (String::new(), Show::All));
    let state = room.room();
    let lines = state.lines();
    let dropped = state.dropped();
    reading.borrow_mut().rebase(dropped);
    if room.take_jump() {
        // Sending jumps to the bottom, wherever the reader was.
        let mut r = reading.borrow_mut();
        r.follow();
    }
    // The lines that pass the search and the filter (all of them, cheaply,
    // when neither is set).
    let (search, show) = filter.borrow().clone();
    let filtering = !search.is_empty() || show != Show::All;
    let shown: Option<Vec<usize>> = filtering.then(|| {
        (0..lines.len())
            .filter(|&i| {
                let line = &lines[i];
                show.keeps(line)
                    && (text::contains_ignoring_case(&line.text, &search)
                        || match &line.kind {
                            Kind::Peer { from: Some(from) } => {
                                text::contains_ignoring_case(from, &search)
                            }
                            _ => false,
                        })
            })
            .collect()
    });
    let total = shown.as_ref().map_or(lines.len(), Vec::len);
    let target = window_start(total, reading.borrow().anchor);
    // While following (and not searching), a burst grows the window over a
    // few frames; see [`growing_start`].
    let start = {
        let r = reading.borrow();
        if r.anchor.is_none() && !filtering {
            growing_start(target, r.shown, lines.len())
        } else {
            target
        }
    };
    let unseen = {
        let r = reading.borrow();
        if r.stick {
            0
        } else {
            lines.len().saturating_sub(r.left_at)
        }
    };
    {
        let mut r = reading.borrow_mut();
        r.shown = (start, lines.len());
        r.growing = start > target;
    }
    let following = reading.borrow().stick;
    // The reader's hand on the log: only then does moving up leave the bottom.
    let intent = {
        let reading = reading.clone();
        move |_: Event| reading.borrow_mut().intent = js_sys::Date::now()
    };
    // (A touch is a pointer too.)
    let (onwheel, onkeydown, onpointerdown) = (intent.clone(), intent.clone(), intent);
    let onscroll = {
        let (list, reading, redraw) = (list.clone(), reading.clone(), redraw.clone());
        Callback::from(move |_: Event| {
            if reading.borrow().stick {
                // Whether the reader left is looked at in the next frame.
                return settle(&reading, &list, &redraw);
            }
            let Some(el) = list.cast::<web_sys::Element>() else {
                return;
            };
            if el.scroll_height() - el.scroll_top() - el.client_height() < 48 {
                let mut r = reading.borrow_mut();
                r.follow();
                drop(r);
                redraw.force_update();
            }
        })
    };
    let earlier = {
        let (reading, redraw) = (reading.clone(), redraw.clone());
        let len = lines.len();
        Callback::from(move |_| {
            let mut r = reading.borrow_mut();
            if r.stick {
                r.left_at = len;
            }
            r.stick = false;
            r.anchor = Some(start.saturating_sub(WINDOW));
            drop(r);
            redraw.force_update();
        })
    };
    let to_bottom = {
        let (reading, redraw) = (reading.clone(), redraw.clone());
        Callback::from(move |_| {
            let mut r = reading.borrow_mut();
            r.follow();
            drop(r);
            redraw.force_update();
        })
    };
    // Settles after every render that changed the lines, the window, or
    // whether the log follows the bottom (the jump button, sending).
    use_effect_with((room.version, start, total, following), {
        let (list, reading, redraw) = (list.clone(), reading.clone(), redraw.clone());
        move |_| settle(&reading, &list, &redraw)
    });
    // A new search or filter starts at the newest matching lines.
    let refilter = {
        let (filter, reading, redraw) = (filter.clone(), reading.clone(), redraw.clone());
        move |change: &dyn Fn(&mut (String, Show))| {
            let mut r = reading.borrow_mut();
            r.follow();
            drop(r);
            change(&mut filter.borrow_mut());
            redraw.force_update();
        }
    };
    let oninput = {
        let refilter = refilter.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            refilter(&|f| f.0 = input.value());
        })
    };
    let onshow = Callback::from(move |e: Event| {
        let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
        let chosen = Show::ALL
            .iter()
            .find(|(_, v)| *v == select.value())
            .map_or(Show::All, |(s, _)| *s);
        refilter(&|f| f.1 = chosen);
    });
    let (export_json, export_text, clear) = (room.clone(), room.clone(), room.clone());
    let me = AttrValue::from(state.me().unwrap_or(state.name()).to_string());
    let divider = room.unread().from_key;
    let index = |position: usize| shown.as_ref().map_or(position, |s| s[position]);
    // Every child of the list has a key (notes by name, chunks by a line's
    // key): one unkeyed child would make Yew diff the list by position,
    // rebuilding every chunk whenever the window slides.
    // Reading further up, lines that arrive are counted by the jump button
    // rather than all added below: a flood while the reader is away from the
    // bottom does not grow the page without bound.
    let end = match &*reading.borrow() {
        Reading {
            anchor: Some(_),
            left_at,
            ..
        } if !filtering => total.min((*left_at).max(start + 2 * WINDOW)),
        _ => total,
    };
    let mut notes: Vec<Html> = Vec::new();
    if start == 0 && dropped > 0 {
        notes.push(html! {
            <li key="dropped" class="line system dropped">
                { tn("{0} older line is no longer kept in this tab \u{2014} export to keep it.", "{0} older lines are no longer kept in this tab \u{2014} export to keep them.", dropped as u64, &[]) }
            </li>
        });
    }
    if start > 0 {
        notes.push(html! {
            <li key="earlier" class="earlier">
                <button type="button" onclick={earlier}>
                    { tf("Show earlier messages ({0} more)", &[&start]) }
                </button>
            </li>
        });
    }
    let mut items: Vec<Html> = Vec::with_capacity(end.saturating_sub(start) / CHUNK + 3);
    if !notes.is_empty() {
        items.push(html! { <ol key="notes" class="notes">{ for notes }</ol> });
    }
    // The window in chunks (see [`chunks`]), keyed by the line at their
    // aligned start: a new line renders the last chunk.
    for (aligned, from, to) in chunks(start, end) {
        let chunk: Rc<[Rc<Line>]> = (from..to).map(|p| lines[index(p)].clone()).collect();
        let divider = divider.filter(|d| chunk.iter().any(|l| l.key == *d));
        items.push(html! {
            <Chunk key={lines[index(aligned)].key} lines={chunk} divider={divider}
                before={from.checked_sub(1).map(|p| lines[index(p)].clone())}
                me={me.clone()} ctl={room.ctl.clone()} />
        });
    }
    html! {
        <section class="logpane" aria-label={t("Message log")}>
            <div class="tools" role="search">
                <input type="search" aria-label={t("Search messages")} placeholder={t("Search text or sender")}
                    value={search.clone()} {oninput} />
                <select aria-label={t("Show")} onchange={onshow}>
                    { for Show::ALL.iter().map(|(s, value)| html! {
                        <option value={*value} selected={*s == show}>{ s.label() }</option>
                    }) }
                </select>
                if filtering {
                    <span class="matches" role="status">{ match dropped {
                        0 => tn("{1} of {0} line", "{1} of {0} lines", lines.len() as u64, &[&total]),
                        _ => tn("{1} of the last {0} line kept in this tab", "{1} of the last {0} lines kept in this tab", lines.len() as u64, &[&total]),
                    } }</span>
                }
                <button type="button" onclick={move |_| export_json.export(true)}>{ th("Export JSON") }</button>
                <button type="button" onclick={move |_| export_text.export(false)}>{ th("Export text") }</button>
                <button type="button" onclick={move |_| clear.clear_log()}>{ th("Clear") }</button>
            </div>
            <div class={if following { "log following" } else { "log" }} role="log" aria-live="polite" aria-label={t("Messages")} ref={list} {onscroll}
                tabindex="0" onwheel={move |e: WheelEvent| onwheel(e.into())}
                onkeydown={move |e: KeyboardEvent| onkeydown(e.into())}
                onpointerdown={move |e: PointerEvent| onpointerdown(e.into())}>
                <div class="lines">{ for items }</div>
            </div>
            if unseen > 0 {
                <button type="button" class="jump" onclick={to_bottom}>
                    { tn("{0} new message \u{2193}", "{0} new messages \u{2193}", unseen as u64, &[]) }
                </button>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_shows_its_newest_lines_and_the_window_grows_back_upwards() {
        // A quiet log: one new line, nothing else changes.
        let t = window_start(220, None);
        assert_eq!(growing_start(t, (t, 219), 220), t);
        // 10,000 lines at once: only the newest PER_RENDER are added...
        let mut shown = (0, 100);
        let mut from = growing_start(window_start(10_100, None), shown, 10_100);
        assert_eq!(from, 10_100 - PER_RENDER);
        // ...and each later render adds PER_RENDER more above, up to the window.
        let target = window_start(10_100, None);
        let mut renders = 0;
        while from > target {
            shown = (from, 10_100);
            let next = growing_start(target, shown, 10_100);
            assert!(next < from && from - next <= PER_RENDER);
            from = next;
            renders += 1;
        }
        assert_eq!(from, target);
        assert!(renders <= WINDOW / PER_RENDER + 1);
        // A few new lines while growing share the budget.
        let few = PER_RENDER / 2;
        assert_eq!(
            growing_start(0, (500, 1000), 1000 + few),
            500 - (PER_RENDER - few)
        );
        // A cleared log starts again.
        assert_eq!(growing_start(0, (500, 1000), 3), 0);
    }

    #[test]
    fn the_window_is_cut_into_aligned_chunks_that_stay_put_as_lines_arrive() {
        assert_eq!(chunks(0, 0).count(), 0);
        assert_eq!(chunks(0, 10).collect::<Vec<_>>(), [(0, 0, 10)]);
        assert_eq!(
            chunks(120, 260).collect::<Vec<_>>(),
            [
                (100, 120, 150),
                (150, 150, 200),
                (200, 200, 250),
                (250, 250, 260)
            ]
        );
        // One more line changes only the last chunk.
        let before: Vec<_> = chunks(120, 260).collect();
        let after: Vec<_> = chunks(120, 261).collect();
        assert_eq!(before[..3], after[..3]);
        assert_eq!(after[3], (250, 250, 261));
        // Every window position is in exactly one chunk, in order.
        for (start, end) in [(0, 1), (7, 300), (49, 50), (50, 51), (99_950, 100_200)] {
            let covered: Vec<usize> = chunks(start, end).flat_map(|(_, f, t)| f..t).collect();
            assert_eq!(covered, (start..end).collect::<Vec<_>>());
            assert!(chunks(start, end)
                .all(|(a, f, t)| a % CHUNK == 0 && a <= f && f < t && t - a <= CHUNK));
        }
    }

    #[test]
    fn the_window_follows_the_bottom_or_stays_where_the_reader_is() {
        assert_eq!(window_start(10, None), 0);
        assert_eq!(window_start(WINDOW, None), 0);
        assert_eq!(window_start(WINDOW + CHUNK - 1, None), 0);
        assert_eq!(window_start(WINDOW + CHUNK, None), CHUNK);
        assert_eq!(window_start(100_000, None), 100_000 - WINDOW);
        for len in 0..1000 {
            let shown = len - window_start(len, None);
            assert!(shown == len || (WINDOW..WINDOW + CHUNK).contains(&shown));
        }
        assert_eq!(window_start(100_000, Some(500)), 500);
        assert_eq!(window_start(10, Some(500)), 10, "never past the end");
    }
}
