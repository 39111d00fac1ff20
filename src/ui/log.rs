//! The message log: own, others' and system lines, with delivery states.

use super::controller::use_room;
use crate::room::{Attachment, Delivery, Kind, Level, Line};
use crate::text::{self, Piece};
use std::rc::Rc;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// `HH:MM` for the line, and the full local date for its tooltip.
fn times(ts: u64) -> (String, String) {
    let date = js_sys::Date::new(&JsValue::from_f64(ts as f64));
    (
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes()),
        String::from(date.to_string()),
    )
}

/// Lines rendered while following the bottom: the DOM stays bounded however
/// long the log grows ("Show earlier" pages back).
pub const WINDOW: usize = 200;

/// The first line to render of `len`: the last [`WINDOW`] while following the
/// bottom (`anchor` None), else from where the reader is.
pub fn window_start(len: usize, anchor: Option<usize>) -> usize {
    match anchor {
        Some(start) => start.min(len),
        None => len.saturating_sub(WINDOW),
    }
}

#[function_component(MessageLog)]
pub fn message_log() -> Html {
    let room = use_room();
    let list = use_node_ref();
    let redraw = use_force_update();
    // Stick to the bottom while the reader is there; once they scroll up, the
    // window stays where they are (`anchor`) and new lines do not move it.
    let stick = use_mut_ref(|| true);
    let anchor = use_mut_ref(|| None::<usize>);
    let len = room.room().lines().len();
    let start = window_start(len, *anchor.borrow());
    let onscroll = {
        let (list, stick, anchor) = (list.clone(), stick.clone(), anchor.clone());
        Callback::from(move |_: Event| {
            if let Some(el) = list.cast::<web_sys::Element>() {
                let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
                *stick.borrow_mut() = at_bottom;
                let mut anchor = anchor.borrow_mut();
                if at_bottom {
                    *anchor = None;
                } else if anchor.is_none() {
                    *anchor = Some(start);
                }
            }
        })
    };
    let earlier = {
        let (stick, anchor) = (stick.clone(), anchor.clone());
        Callback::from(move |_| {
            *stick.borrow_mut() = false;
            *anchor.borrow_mut() = Some(start.saturating_sub(WINDOW));
            redraw.force_update();
        })
    };
    use_effect_with((room.version, start), {
        let (list, stick) = (list.clone(), stick.clone());
        move |_| {
            if *stick.borrow() {
                if let Some(el) = list.cast::<web_sys::Element>() {
                    el.set_scroll_top(el.scroll_height());
                }
            }
        }
    });
    let state = room.room();
    let me = state.me().unwrap_or(state.name()).to_string();
    html! {
        <ol class="log" role="log" aria-live="polite" aria-label="Messages" ref={list} {onscroll}>
            if start > 0 {
                <li class="earlier">
                    <button type="button" onclick={earlier}>
                        { format!("Show earlier messages ({start} more)") }
                    </button>
                </li>
            }
            { for (start..state.lines().len()).map(|i| {
                let lines = state.lines();
                render_line(&lines[i], i.checked_sub(1).map(|p| &lines[p]), &me, &room)
            }) }
        </ol>
    }
}

/// Text from the wire as text nodes, with http/https/mailto addresses as
/// links that open in a new tab without telling the target who sent them.
fn rich(text: &str) -> Html {
    html! {
        <>
            { for text::linkify(text).into_iter().map(|piece| match piece {
                Piece::Text(t) => html! { { t } },
                Piece::Link(href) => html! {
                    <a href={href.to_string()} target="_blank" rel="noopener noreferrer nofollow">{ href }</a>
                },
            }) }
        </>
    }
}

fn render_line(
    line: &Line,
    previous: Option<&Line>,
    me: &str,
    room: &super::controller::RoomHandle,
) -> Html {
    let (short, full) = times(line.ts);
    let time = html! { <time class="ts" title={full}>{ short }</time> };
    // A line that continues its sender's group hides the name (screen readers
    // still hear it).
    let cont = previous
        .is_some_and(|p| line.continues(p))
        .then_some("cont");
    let from = |name: &str| html! { <span class="from" dir="auto">{ name.to_string() }</span> };
    match &line.kind {
        Kind::Own {
            client_id,
            delivery,
            file,
        } => {
            let (label, class) = match delivery {
                Delivery::Queued => ("queued".to_string(), "queued"),
                Delivery::Sent => ("sent".to_string(), "sent"),
                Delivery::Delivered => ("\u{2713}".to_string(), "delivered"),
                Delivery::Failed(why) => (format!("not sent: {why}"), "failed"),
            };
            let actions = matches!(delivery, Delivery::Failed(_)).then(|| {
                let (retry, discard) = (room.clone(), room.clone());
                let (id1, id2) = (client_id.clone(), client_id.clone());
                html! {
                    <>
                        <button type="button" onclick={move |_| retry.retry(id1.clone())}>{ "Retry" }</button>
                        <button type="button" onclick={move |_| discard.discard(id2.clone())}>{ "Discard" }</button>
                    </>
                }
            });
            html! {
                <li key={line.key} class={classes!("line", "own", class, cont)}>
                    { time }
                    { from(me) }
                    { match file {
                        Some(Attachment { mime: Some(mime), bytes }) => html! {
                            <InlineImage bytes={bytes.clone()} mime={*mime} alt={line.text.clone()} />
                        },
                        Some(Attachment { bytes, .. }) => html! {
                            <span class="text file">{ format!("\u{1f4ce} {} \u{b7} {} bytes", line.text, bytes.len()) }</span>
                        },
                        None => html! { <span class="text" dir="auto">{ rich(&line.text) }</span> },
                    } }
                    <span class="delivery" title={label.clone()}>{ label }</span>
                    { for actions }
                </li>
            }
        }
        Kind::Peer { from: sender } => {
            let mention = text::mentions(&line.text, me).then_some("mention");
            html! {
                <li key={line.key} class={classes!("line", "peer", cont, mention)}>
                    { time }
                    { from(sender.as_deref().unwrap_or("server")) }
                    <span class="text" dir="auto">{ rich(&line.text) }</span>
                </li>
            }
        }
        Kind::System(level) => html! {
            <li key={line.key} class={classes!("line", "system", (*level == Level::Error).then_some("error"))}>
                { time }
                <span class="text" dir="auto">{ &line.text }</span>
            </li>
        },
        Kind::Image { mime, bytes } => html! {
            <li key={line.key} class="line peer image">
                { time }
                { from("server") }
                <InlineImage bytes={bytes.clone()} mime={*mime} alt={line.text.clone()} />
            </li>
        },
        Kind::Json => {
            // Short JSON shows whole; longer JSON folds to its first line.
            let first = line.text.lines().next().unwrap_or_default();
            let rows = line.text.lines().count();
            html! {
                <li key={line.key} class="line json">
                    { time }
                    { from("server") }
                    if rows <= 3 {
                        <pre class="text">{ &line.text }</pre>
                    } else {
                        <details class="text">
                            <summary>{ format!("JSON {first} \u{2026} ({rows} lines)") }</summary>
                            <pre>{ &line.text }</pre>
                        </details>
                    }
                </li>
            }
        }
    }
}

#[derive(Properties, PartialEq)]
struct InlineImageProps {
    bytes: Rc<[u8]>,
    mime: &'static str,
    alt: String,
}

/// An image from a binary frame, shown through an object URL that this
/// component owns: it is revoked when the line leaves the page.
#[function_component(InlineImage)]
fn inline_image(props: &InlineImageProps) -> Html {
    let url = use_memo((props.bytes.clone(), props.mime), |(bytes, mime)| {
        gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(&bytes[..], Some(mime)))
    });
    html! { <img class="inline" src={url.to_string()} alt={props.alt.clone()} title={props.alt.clone()} /> }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_bottom_or_stays_where_the_reader_is() {
        assert_eq!(window_start(10, None), 0);
        assert_eq!(window_start(100_000, None), 100_000 - WINDOW);
        assert_eq!(window_start(100_000, Some(500)), 500);
        assert_eq!(window_start(10, Some(500)), 10, "never past the end");
    }
}
