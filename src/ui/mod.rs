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
mod status;

use crate::app::{store, Controller};
use crate::config::{self, Config, FromQuery};
use crate::i18n::t;
use composer::Composer;
use connect_form::ConnectForm;
use context::{FramesContext, LogContext, RoomHandle, StatusContext, Versions};
use log::MessageLog;
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

/// The whole page: connect form, status, log and composer around one room.
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
    // What changed in the room, as a reducer: the controller dispatches.
    let versions = use_reducer(Versions::default);
    let ctl = use_memo((), {
        let dispatcher = versions.dispatcher();
        move |_| Controller::new(move |changed| dispatcher.dispatch(changed))
    });
    // The status again every second while it shows a countdown; the
    // interval is dropped with the effect.
    let counting = matches!(ctl.room().conn(), crate::room::Conn::Reconnecting { .. });
    use_effect_with(counting, {
        let ctl = (*ctl).clone();
        move |counting| {
            let interval = counting.then(|| {
                let status = crate::app::Changed {
                    status: true,
                    ..Default::default()
                };
                gloo::timers::callback::Interval::new(1000, move || ctl.refresh(status))
            });
            move || drop(interval)
        }
    });
    let known = query.borrow().clone();
    // Connects as soon as the settings are known, in this render. An effect
    // runs after the whole first render, and Yew yields to the browser when a
    // render takes over 16 ms (a new browser's first one does): the socket was
    // made up to 100 ms later that way (BENCHMARKS.md, run 5).
    use_memo(known.is_some(), {
        let ctl = (*ctl).clone();
        let query = known.clone();
        move |_| {
            if let Some(query) = query.filter(|q| q.errors.is_empty()) {
                ctl.connect(query.config);
                // While the socket opens: the first Intl formatter (10 to 20 ms).
                gloo::timers::callback::Timeout::new(0, log::warm_clock).forget();
            }
        }
    });
    // The connection lives as long as the App: unmounting closes it.
    use_effect_with((), {
        let ctl = (*ctl).clone();
        move |_| move || ctl.release()
    });
    let Some(query) = known else {
        return html! { <div class="app" aria-busy="true"></div> };
    };
    let handle = |version| RoomHandle {
        ctl: (*ctl).clone(),
        version,
    };
    let log = LogContext(handle(versions.log));
    let status = StatusContext(handle(versions.status));
    let frames = FramesContext(handle(versions.frames));
    let initial: Config = query.config.clone();
    html! {
        <ContextProvider<StatusContext> context={status}>
        <ContextProvider<LogContext> context={log}>
        <ContextProvider<FramesContext> context={frames}>
            <div class="app">
                <header class="top">
                    <h1 class="brand">{ "Roomcast" }</h1>
                    <ConnectForm {initial} errors={query.errors.clone()} />
                    <button type="button" class="theme" onclick={ontheme} title={t("Light, dark, or as the system")}>
                        { theme_label }
                    </button>
                    <frames::FramesToggle />
                </header>
                <main class="room">
                    <status::StatusBar />
                    <frames::FramesPanel />
                    <MessageLog />
                    <Composer />
                </main>
            </div>
        </ContextProvider<FramesContext>>
        </ContextProvider<LogContext>>
        </ContextProvider<StatusContext>>
    }
}
