//! One line of the log: own (with its delivery state and actions), others',
//! system and JSON lines, images; rendered only when the line changes.

use crate::i18n::{t, tf, tn};
use crate::room::{Attachment, Delivery, Kind, Level, Line};
use crate::text::{self, Piece};
use std::rc::Rc;
use wasm_bindgen::UnwrapThrowExt;
use web_sys::Element;
use yew::prelude::*;

/// A new `tag` element with `class` (none if empty), appended to `parent`.
/// Element names here are constants, which `createElement` always takes.
fn add(parent: Option<&Element>, tag: &str, class: &str) -> Element {
    let el = gloo::utils::document()
        .create_element(tag)
        .expect_throw("an element");
    if !class.is_empty() {
        el.set_class_name(class);
    }
    if let Some(parent) = parent {
        let _ = parent.append_child(&el);
    }
    el
}

/// `add` with attributes and a text.
fn add_with(
    parent: &Element,
    tag: &str,
    class: &str,
    attrs: &[(&str, &str)],
    text: &str,
) -> Element {
    let el = add(Some(parent), tag, class);
    for (name, value) in attrs {
        let _ = el.set_attribute(name, value);
    }
    if !text.is_empty() {
        el.set_text_content(Some(text));
    }
    el
}

/// Text from the wire as text nodes, with http/https/mailto addresses as
/// links that open in a new tab without telling the target who sent them.
fn rich(parent: &Element, text: &str) {
    for piece in text::linkify(text) {
        match piece {
            Piece::Text(t) => {
                let _ = parent.append_with_str_1(t);
            }
            Piece::Link(href) => {
                add_with(
                    parent,
                    "a",
                    "",
                    &[
                        ("href", href),
                        ("target", "_blank"),
                        ("rel", "noopener noreferrer nofollow"),
                    ],
                    href,
                );
            }
        }
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

/// One line of the log, rendered when its props change. Its element is built
/// directly, not through Yew's virtual DOM: a line is made once and never
/// patched (a change makes a new one), and building it through the virtual
/// DOM cost about 0.25 ms a line (the bench's profile), the largest part of
/// a new message's render.
#[function_component(LineView)]
pub fn line_view(props: &LineProps) -> Html {
    let LineProps {
        line,
        me,
        cont,
        ctl,
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
    // The Retry and Discard buttons' listeners, for as long as they show.
    let listeners = use_mut_ref(Vec::<gloo::events::EventListener>::new);
    let li = add(None, "li", "");
    crate::clock::stamp(&add(Some(&li), "time", "ts"), line.ts);
    let from = |name: &str| add_with(&li, "span", "from", &[("dir", "auto")], name);
    let img = || {
        let src = (*url).as_ref().map(|u| u.to_string()).unwrap_or_default();
        let text = line.text.as_str();
        add_with(
            &li,
            "img",
            "inline",
            &[("src", &src), ("alt", text), ("title", text)],
            "",
        );
    };
    let rich_text = || {
        rich(
            &add_with(&li, "span", "text", &[("dir", "auto")], ""),
            &line.text,
        )
    };
    let cont = if *cont { " cont" } else { "" };
    let mut actions = Vec::new();
    let class = match &line.kind {
        Kind::Own {
            client_id,
            delivery,
            file,
            unsaved,
        } => {
            from(me);
            match file {
                Some(Attachment { mime: Some(_), .. }) => img(),
                Some(Attachment { bytes, .. }) => {
                    let text = format!("\u{1f4ce} {} \u{b7} {} bytes", line.text, bytes.len());
                    add_with(&li, "span", "text file", &[], &text);
                }
                None => rich_text(),
            }
            let (label, class) = match delivery {
                Delivery::Queued => (t("queued").to_string(), "queued"),
                Delivery::Sent => (t("sent").to_string(), "sent"),
                Delivery::Delivered => ("\u{2713}".to_string(), "delivered"),
                Delivery::Failed(why) => (tf("not sent: {0}", &[why]), "failed"),
            };
            add_with(&li, "span", "delivery", &[("title", &label)], &label);
            if matches!(delivery, Delivery::Failed(_)) {
                let retry: fn(&crate::app::Controller, String) = |c, id| c.retry(id);
                let discard: fn(&crate::app::Controller, String) = |c, id| c.discard(id);
                for (word, act) in [(t("Retry"), retry), (t("Discard"), discard)] {
                    let button = add_with(&li, "button", "", &[("type", "button")], word);
                    let (ctl, id) = (ctl.clone(), client_id.clone());
                    actions.push(gloo::events::EventListener::new(
                        &button,
                        "click",
                        move |_| act(&ctl, id.clone()),
                    ));
                }
            }
            if *unsaved && *delivery != Delivery::Delivered {
                add_with(
                    &li,
                    "span",
                    "unsaved",
                    &[("role", "alert")],
                    t("not saved: browser storage is full; this line is lost if the page closes"),
                );
            }
            format!("line own {class}{cont}")
        }
        Kind::Peer { from: sender } => {
            from(sender.as_deref().unwrap_or(t("server")));
            rich_text();
            let mention = if text::mentions(&line.text, me) {
                " mention"
            } else {
                ""
            };
            format!("line peer{cont}{mention}")
        }
        Kind::System(level) => {
            add_with(&li, "span", "text", &[("dir", "auto")], &line.text);
            if *level == Level::Error {
                "line system error"
            } else {
                "line system"
            }
            .to_string()
        }
        Kind::Image { .. } => {
            from(t("server"));
            img();
            "line peer image".to_string()
        }
        Kind::Json => {
            from(t("server"));
            // Short JSON shows whole; longer JSON folds to its first line.
            let first = line.text.lines().next().unwrap_or_default();
            let rows = line.text.lines().count();
            if rows <= 3 {
                add_with(&li, "pre", "text", &[], &line.text);
            } else {
                let details = add(Some(&li), "details", "text");
                let summary = tn(
                    "JSON {1} \u{2026} ({0} line)",
                    "JSON {1} \u{2026} ({0} lines)",
                    rows as u64,
                    &[&first],
                );
                add_with(&details, "summary", "", &[], &summary);
                add_with(&details, "pre", "", &[], &line.text);
            }
            "line json".to_string()
        }
    };
    li.set_class_name(&class);
    *listeners.borrow_mut() = actions;
    Html::VRef(li.into())
}
