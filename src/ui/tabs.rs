//! Several rooms at once. The page URL's room is the first tab; "+" opens
//! another with the form. The list is kept in `sessionStorage`, so a reload
//! brings this browser tab's rooms (and their drafts) back, and a new
//! browser tab starts from its own URL. Alt+1…9 switches.

use crate::config::profiles::{self, Profile};
use crate::config::{from_query, FromQuery};
use crate::i18n::{t, tf};
use yew::prelude::*;

/// The kept rooms besides the URL's own, as profiles named by tab id.
const TABS_KEY: &str = "roomcast.tabs";
/// The tab shown, by id.
const SHOWN_KEY: &str = "roomcast.tab";

/// One open room.
#[derive(Clone)]
pub struct Tab {
    pub id: u32,
    pub query: FromQuery,
    /// Connected once (or opened from the URL or the kept list): it
    /// connects on a reload. A new tab is not kept until it connects.
    pub connect: bool,
    pub unread: usize,
    pub mentions: usize,
}

impl Tab {
    pub fn new(id: u32, query: FromQuery, connect: bool) -> Self {
        Tab {
            id,
            query,
            connect,
            unread: 0,
            mentions: 0,
        }
    }
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    session()?.get_item(key).ok().flatten()
}

fn set(key: &str, value: &str) {
    if let Some(s) = session() {
        let _ = s.set_item(key, value);
    }
}

/// The URL's room first, then the rooms this browser tab had open; and the
/// index of the one shown.
pub fn restore(first: FromQuery) -> (Vec<Tab>, usize) {
    let mut tabs = vec![Tab::new(0, first, true)];
    let kept = get(TABS_KEY).map(|text| profiles::from_json(&text).0);
    for profile in kept.unwrap_or_default() {
        let Some(id) = profile.name.parse().ok().filter(|id| *id != 0) else {
            continue;
        };
        let pairs = profile.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        tabs.push(Tab::new(id, from_query(pairs, "", ""), true));
    }
    let shown = get(SHOWN_KEY).and_then(|id| tabs.iter().position(|t| t.id.to_string() == id));
    (tabs, shown.unwrap_or(0))
}

/// Keeps the rooms to bring back on a reload, and which one is shown.
pub fn keep(tabs: &[Tab], shown: usize) {
    // The URL's own room (id 0) comes back from the URL.
    let list: Vec<Profile> = tabs
        .iter()
        .filter(|tab| tab.connect && tab.id != 0)
        .map(|tab| Profile {
            name: tab.id.to_string(),
            pairs: profiles::to_pairs(&tab.query.config),
        })
        .collect();
    set(TABS_KEY, &profiles::to_json(&list));
    set(SHOWN_KEY, &tabs.get(shown).map_or(0, |t| t.id).to_string());
}

fn draft_key(tab: u32) -> String {
    format!("roomcast.draft.{tab}")
}

/// What was being typed in tab `tab` before a reload.
pub fn draft(tab: u32) -> Option<String> {
    get(&draft_key(tab))
}

/// Keeps what is being typed in tab `tab` (nothing: forgets it).
pub fn keep_draft(tab: u32, text: &str) {
    match (text.is_empty(), session()) {
        (true, Some(s)) => drop(s.remove_item(&draft_key(tab))),
        _ => set(&draft_key(tab), text),
    }
}

/// The strip: a button per room with its unread and mention counts, and "+".
pub fn strip(
    tabs: &[Tab],
    shown: usize,
    select: &Callback<usize>,
    close: &Callback<usize>,
    add: Callback<MouseEvent>,
) -> Html {
    let item = |(i, tab): (usize, &Tab)| {
        let name = tab.query.config.label();
        let described = match tab.unread {
            0 => name.clone(),
            n => tf(
                "{0}: {1} unread, {2} naming you",
                &[&name, &n, &tab.mentions],
            ),
        };
        let onclick = select.reform(move |_: MouseEvent| i);
        let onclose = close.reform(move |_: MouseEvent| i);
        html! {
            <li>
                <button type="button" aria-current={(i == shown).then_some("true")}
                    aria-label={described} title={format!("Alt+{}", i + 1)} {onclick}>
                    { name.clone() }
                    if tab.unread > 0 { <span class="unread">{ tab.unread }</span> }
                    if tab.mentions > 0 { <span class="unread mention">{ format!("@{}", tab.mentions) }</span> }
                </button>
                if tabs.len() > 1 {
                    <button type="button" class="close" onclick={onclose}
                        aria-label={tf("Close {0}", &[&name])}>{ "\u{d7}" }</button>
                }
            </li>
        }
    };
    html! {
        <nav class="tabs" aria-label={t("Rooms")}>
            <ul>{ for tabs.iter().enumerate().map(item) }</ul>
            <button type="button" class="add" onclick={add} aria-label={t("New room")}>{ "+" }</button>
        </nav>
    }
}
