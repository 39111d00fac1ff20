//! One line of the log: own (with its delivery state and actions), others',
//! system and JSON lines, images; rendered only when the line changes.

use crate::i18n::{t, tf, tn};
use crate::room::{Attachment, Delivery, Kind, Level, Line};
use crate::text::{self, Piece};
use crate::ui::th;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

thread_local! {
    /// The page language's Intl formatters, made once: the line's time
    /// (`14:05`, `2:05 PM`…) and its tooltip's date and time. A
    /// `toLocaleTimeString` per line made a formatter each time: 0.2 ms a
    /// line (55 ms for 250 lines in the bench's profile).
    static CLOCK: [js_sys::Function; 2] = {
        let locales = js_sys::Array::of1(&crate::i18n::lang().code().into());
        [r#"{"hour":"2-digit","minute":"2-digit"}"#, r#"{"dateStyle":"full","timeStyle":"medium"}"#]
            .map(|options| {
                let options = js_sys::JSON::parse(options).unwrap_or(JsValue::UNDEFINED);
                js_sys::Intl::DateTimeFormat::new(&locales, options.unchecked_ref()).format()
            })
    };
}

/// Makes the formatters now. The first Intl formatter in a page costs 10 to
/// 20 ms (Chromium loads its ICU data): made while the socket opens, the
/// first line (the server's welcome, in the render that says Connected)
/// does not pay it.
pub fn warm_clock() {
    CLOCK.with(|_| ());
}

/// The time for the line and the full date and time for its tooltip, in the
/// page language's format.
fn times(ts: u64) -> (String, String) {
    let date = JsValue::from(js_sys::Date::new(&JsValue::from_f64(ts as f64)));
    CLOCK.with(|[short, long]| {
        let format = |f: &js_sys::Function| {
            f.call1(&JsValue::NULL, &date)
                .ok()
                .and_then(|s| s.as_string())
                .unwrap_or_default()
        };
        (format(short), format(long))
    })
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

#[derive(Properties, PartialEq)]
pub struct LineProps {
    /// The room's own copy: equal props are one pointer comparison.
    pub line: Rc<Line>,
    /// The user's name, for own lines and mentions.
    pub me: AttrValue,
    /// Continues its sender's group: the name is hidden (screen readers still hear it).
    pub cont: bool,
    pub ctl: Rc<crate::app::Controller>,
}

/// One line of the log, rendered when its props change.
#[function_component(LineView)]
pub fn line_view(props: &LineProps) -> Html {
    let LineProps {
        line,
        me,
        cont,
        ctl: room,
    } = props;
    // An image (sent or received) shows through an object URL that this
    // line owns: it is revoked when the line leaves the page.
    let image = match &line.kind {
        Kind::Image { mime, bytes }
        | Kind::Own {
            file:
                Some(Attachment {
                    mime: Some(mime),
                    bytes,
                }),
            ..
        } => Some((bytes.clone(), *mime)),
        _ => None,
    };
    let url = use_memo(image, |image| {
        image.as_ref().map(|(bytes, mime)| {
            gloo::file::ObjectUrl::from(gloo::file::Blob::new_with_options(&bytes[..], Some(mime)))
        })
    });
    let img = html! {
        <img class="inline" src={(*url).as_ref().map(|u| u.to_string())}
            alt={line.text.clone()} title={line.text.clone()} />
    };
    let (short, full) = times(line.ts);
    let time = html! { <time class="ts" title={full}>{ short }</time> };
    let cont = if *cont { " cont" } else { "" };
    let from = |name: &str| html! { <span class="from" dir="auto">{ name.to_string() }</span> };
    match &line.kind {
        Kind::Own {
            client_id,
            delivery,
            file,
            unsaved,
        } => {
            let (label, class) = match delivery {
                Delivery::Queued => (t("queued").to_string(), "queued"),
                Delivery::Sent => (t("sent").to_string(), "sent"),
                Delivery::Delivered => ("\u{2713}".to_string(), "delivered"),
                Delivery::Failed(why) => (tf("not sent: {0}", &[why]), "failed"),
            };
            let actions = matches!(delivery, Delivery::Failed(_)).then(|| {
                let (retry, discard) = (room.clone(), room.clone());
                let (id1, id2) = (client_id.clone(), client_id.clone());
                html! {
                    <>
                        <button type="button" onclick={move |_| retry.retry(id1.clone())}>{ th("Retry") }</button>
                        <button type="button" onclick={move |_| discard.discard(id2.clone())}>{ th("Discard") }</button>
                    </>
                }
            });
            html! {
                <li class={format!("line own {class}{cont}")}>
                    { time }
                    { from(me) }
                    { match file {
                        Some(Attachment { mime: Some(_), .. }) => img,
                        Some(Attachment { bytes, .. }) => html! {
                            <span class="text file">{ format!("\u{1f4ce} {} \u{b7} {} bytes", line.text, bytes.len()) }</span>
                        },
                        None => html! { <span class="text" dir="auto">{ rich(&line.text) }</span> },
                    } }
                    <span class="delivery" title={label.clone()}>{ label }</span>
                    { for actions }
                    if *unsaved && *delivery != Delivery::Delivered {
                        <span class="unsaved" role="alert">
                            { th("not saved: browser storage is full; this line is lost if the page closes") }
                        </span>
                    }
                </li>
            }
        }
        Kind::Peer { from: sender } => {
            let mention = if text::mentions(&line.text, me) {
                " mention"
            } else {
                ""
            };
            html! {
                <li class={format!("line peer{cont}{mention}")}>
                    { time }
                    { from(sender.as_deref().unwrap_or(t("server"))) }
                    <span class="text" dir="auto">{ rich(&line.text) }</span>
                </li>
            }
        }
        Kind::System(level) => html! {
            <li class={if *level == Level::Error { "line system error" } else { "line system" }}>
                { time }
                <span class="text" dir="auto">{ &line.text }</span>
            </li>
        },
        Kind::Image { .. } => html! {
            <li class="line peer image">
                { time }
                { from(t("server")) }
                { img }
            </li>
        },
        Kind::Json => {
            // Short JSON shows whole; longer JSON folds to its first line.
            let first = line.text.lines().next().unwrap_or_default();
            let rows = line.text.lines().count();
            html! {
                <li class="line json">
                    { time }
                    { from(t("server")) }
                    if rows <= 3 {
                        <pre class="text">{ &line.text }</pre>
                    } else {
                        <details class="text">
                            <summary>{ tn("JSON {1} \u{2026} ({0} line)", "JSON {1} \u{2026} ({0} lines)", rows as u64, &[&first]) }</summary>
                            <pre>{ &line.text }</pre>
                        </details>
                    }
                </li>
            }
        }
    }
}
