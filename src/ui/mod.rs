//! Yew components: they render the room and dispatch the user's actions to
//! the driver ([`crate::app`]). No protocol or delivery logic lives here.

mod composer;
mod connect_form;
pub mod context;
pub mod crash;
mod frames;
pub mod lang;
mod log;
mod profiles;
mod room_view;
mod status;
mod tabs;

use crate::app::store;
use crate::config::{self, Config, FromQuery};
use crate::i18n::t;
use room_view::RoomView;
use std::cell::RefCell;
use std::rc::Rc;
use tabs::Tab;
use yew::prelude::*;

/// Settings for [`App`]; `None` reads them from the page URL.
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    #[prop_or_default]
    pub query: Option<FromQuery>,
}

/// Whether the page URL names the server or a saved profile (then
/// `config.json` is not needed).
fn url_names_server() -> bool {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    web_sys::UrlSearchParams::new_with_str(&search)
        .is_ok_and(|p| p.has("server") || p.has("profile"))
}

/// The page's settings: `?server=&name=&protocol=`, over `defaults` (from a
/// deployment's `config.json`), over the reference server on this page's
/// own origin.
pub fn query_from_location(defaults: &[(String, String)]) -> FromQuery {
    let location = web_sys::window().map(|w| w.location());
    let protocol = location
        .as_ref()
        .and_then(|l| l.protocol().ok())
        .unwrap_or_default();
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let search = location
        .as_ref()
        .and_then(|l| l.search().ok())
        .unwrap_or_default();
    let default_server = config::same_origin_server(&protocol, &host);
    let default_name = format!("guest-{}", (js_sys::Math::random() * 9000.0) as u32 + 1000);
    let mut pairs: Vec<(String, String)> = defaults.to_vec();
    let mut errors = Vec::new();
    if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
        // `?profile=NAME`: its settings, under what the URL itself says.
        if let Some(name) = params.get("profile") {
            match config::profiles::find(&profiles::saved(), &name) {
                Ok(saved) => pairs.extend_from_slice(saved),
                Err(e) => errors.push(e),
            }
        }
        for key in config::QUERY_KEYS {
            // `send=` repeats: every value, in order.
            for value in params.get_all(key).iter() {
                if let Some(value) = value.as_string() {
                    pairs.push((key.to_string(), value));
                }
            }
        }
    }
    let mut query = config::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &default_server,
        &default_name,
    );
    query.errors.extend(errors);
    query
}

/// Where the chosen theme is kept; absent means "follow the system".
const THEME_KEY: &str = "roomcast.theme";

/// The page's colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// As the operating system prefers (`prefers-color-scheme`).
    System,
    Light,
    Dark,
}

impl Theme {
    /// As kept in localStorage (anything else follows the system).
    fn kept() -> Self {
        match store::get_raw(THEME_KEY).as_deref() {
            Some("light") => Theme::Light,
            Some("dark") => Theme::Dark,
            _ => Theme::System,
        }
    }

    /// The toggle's order: system, dark, light.
    fn next(self) -> Self {
        match self {
            Theme::System => Theme::Dark,
            Theme::Dark => Theme::Light,
            Theme::Light => Theme::System,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// Shows it (`data-theme` on the root element) and keeps the choice.
    fn apply(self) {
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = match self {
                Theme::System => root.remove_attribute("data-theme"),
                other => root.set_attribute("data-theme", other.name()),
            };
        }
    }

    fn keep(self) {
        match self {
            Theme::System => store::remove(THEME_KEY),
            other => {
                let _ = store::set_raw(THEME_KEY, other.name());
            }
        }
    }
}

/// A text node of `en` in the page's language ([`crate::i18n::t`]): one
/// call per node, and a static string rather than a copy.
#[inline(never)]
pub(crate) fn th(en: &'static str) -> Html {
    Html::VText(yew::virtual_dom::VText::new(crate::i18n::t(en)))
}

/// The text of a file next to the page, if it is there (gloo-net).
pub(crate) async fn fetch_text(url: &str) -> Option<String> {
    let response = gloo::net::http::Request::get(url).send().await.ok()?;
    if !response.ok() {
        return None;
    }
    response.text().await.ok()
}

/// Settings from a deployment's `config.json` next to the page, if any.
async fn deployment_defaults() -> Vec<(String, String)> {
    fetch_text("config.json")
        .await
        .map_or_else(Vec::new, |text| config::defaults_from_json(&text))
}

/// The whole page: a tab per open room (the URL's first), each with its
/// connect form, status, log and composer.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    // Known at once from the props or a URL naming the server; otherwise
    // after looking for the deployment's config.json.
    let update = use_force_update();
    let query = use_mut_ref({
        let given = props.query.clone();
        move || given.or_else(|| url_names_server().then(|| query_from_location(&[])))
    });
    use_effect_with((), {
        let (query, update) = (query.clone(), update.clone());
        move |_| {
            if query.borrow().is_none() {
                wasm_bindgen_futures::spawn_local(async move {
                    let defaults = deployment_defaults().await;
                    *query.borrow_mut() = Some(query_from_location(&defaults));
                    update.force_update();
                });
            }
        }
    });
    // Light, dark, or the system's choice, kept in localStorage.
    let theme = use_mut_ref(|| {
        let theme = Theme::kept();
        theme.apply();
        theme
    });
    let ontheme = {
        let (theme, update) = (theme.clone(), update.clone());
        Callback::from(move |_| {
            let next = theme.borrow().next();
            next.keep();
            next.apply();
            *theme.borrow_mut() = next;
            update.force_update();
        })
    };
    let theme_label = match *theme.borrow() {
        Theme::System => t("Theme: system"),
        Theme::Light => t("Theme: light"),
        Theme::Dark => t("Theme: dark"),
    };
    // The open rooms and the one shown, once the settings are known.
    let open: Rc<RefCell<(Vec<Tab>, usize)>> = use_mut_ref(|| (Vec::new(), 0));
    if open.borrow().0.is_empty() {
        if let Some(known) = query.borrow().clone() {
            *open.borrow_mut() = tabs::restore(known);
        }
    }
    // Changes the list, keeps it, shows it.
    let change = {
        let (open, update) = (open.clone(), update.clone());
        Rc::new(move |act: &dyn Fn(&mut Vec<Tab>, &mut usize)| {
            let mut guard = open.borrow_mut();
            let (list, shown) = &mut *guard;
            act(list, shown);
            tabs::keep(list, *shown);
            drop(guard);
            update.force_update();
        })
    };
    let on_badge = use_memo((), {
        let (open, update) = (open.clone(), update.clone());
        move |_| {
            Callback::from(move |(id, unread, mentions): (u32, usize, usize)| {
                let mut guard = open.borrow_mut();
                if let Some(tab) = guard.0.iter_mut().find(|t| t.id == id) {
                    if (tab.unread, tab.mentions) != (unread, mentions) {
                        (tab.unread, tab.mentions) = (unread, mentions);
                        drop(guard);
                        update.force_update();
                    }
                }
            })
        }
    });
    let on_config = use_memo((), {
        let (change, open) = (change.clone(), open.clone());
        move |_| {
            Callback::from(move |(id, config): (u32, Config)| {
                let kept = |t: &Tab| t.id == id && t.connect && t.query.config == config;
                if open.borrow().0.iter().any(kept) {
                    return; // the URL's room connecting as it said, or nothing new
                }
                change(&|list, _| {
                    if let Some(tab) = list.iter_mut().find(|t| t.id == id) {
                        tab.query.config = config.clone();
                        tab.connect = true;
                    }
                })
            })
        }
    });
    let select = {
        let change = change.clone();
        Callback::from(move |i: usize| change(&|list, shown| *shown = i.min(list.len() - 1)))
    };
    // Alt+1…9 shows room 1…9.
    use_effect_with((), {
        let select = select.clone();
        move |_| {
            let listener =
                gloo::events::EventListener::new(&gloo::utils::window(), "keydown", move |e| {
                    let Some(e) = wasm_bindgen::JsCast::dyn_ref::<web_sys::KeyboardEvent>(e) else {
                        return;
                    };
                    let digit = e
                        .key()
                        .parse::<usize>()
                        .ok()
                        .filter(|d| (1..=9).contains(d));
                    if let (true, Some(d)) = (e.alt_key() && !e.ctrl_key() && !e.meta_key(), digit)
                    {
                        e.prevent_default();
                        select.emit(d - 1);
                    }
                });
            move || drop(listener)
        }
    });
    let close = {
        let change = change.clone();
        Callback::from(move |i: usize| {
            change(&|list, shown| {
                if list.len() > 1 {
                    tabs::keep_draft(list.remove(i).id, "");
                    *shown = shown
                        .saturating_sub(usize::from(*shown >= i && *shown > 0))
                        .min(list.len() - 1);
                }
            })
        })
    };
    let add = {
        let change = change.clone();
        Callback::from(move |_| {
            change(&|list, shown| {
                let id = list.iter().map(|t| t.id).max().unwrap_or(0) + 1;
                let config = list[*shown].query.config.clone();
                let query = FromQuery {
                    config,
                    errors: Vec::new(),
                };
                list.push(Tab::new(id, query, false));
                *shown = list.len() - 1;
            })
        })
    };
    let guard = open.borrow();
    let (list, shown) = (&guard.0, guard.1);
    if list.is_empty() {
        return html! { <div class="app" aria-busy="true"></div> };
    }
    html! {
        <div class="shell">
            { tabs::strip(list, shown, &select, &close, add) }
            <button type="button" class="theme" onclick={ontheme} title={t("Light, dark, or as the system")}>
                { theme_label }
            </button>
            for (i, tab) in list.iter().enumerate() {
                <RoomView key={tab.id} tab={tab.id} query={tab.query.clone()} connect={tab.connect}
                    active={i == shown} on_badge={(*on_badge).clone()} on_config={(*on_config).clone()} />
            }
        </div>
    }
}
