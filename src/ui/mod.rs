//! Yew components: they render the room and dispatch the user's actions to the
//! [`controller`]. No protocol or delivery logic lives here.

mod composer;
mod connect_form;
pub mod controller;
pub mod crash;
mod log;
mod status;

use crate::config::{self, Config, FromQuery};
use composer::Composer;
use connect_form::ConnectForm;
use controller::{Controller, RoomHandle};
use log::MessageLog;
use status::StatusBar;
use yew::prelude::*;

/// Settings for [`App`]; `None` reads them from the page URL.
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    #[prop_or_default]
    pub query: Option<FromQuery>,
}

/// The page's settings: `?server=&name=&protocol=`, defaulting to the
/// reference server on this page's own origin.
pub fn query_from_location() -> FromQuery {
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
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Ok(params) = web_sys::UrlSearchParams::new_with_str(&search) {
        for key in config::QUERY_KEYS {
            if let Some(value) = params.get(key) {
                pairs.push((key.to_string(), value));
            }
        }
    }
    config::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &default_server,
        &default_name,
    )
}

/// The whole page: connect form, status, log and composer around one room.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let query = use_memo((), {
        let given = props.query.clone();
        move |_| given.unwrap_or_else(query_from_location)
    });
    let update = use_force_update();
    let ctl = use_memo((), move |_| Controller::new(move || update.force_update()));
    use_effect_with((), {
        let ctl = (*ctl).clone();
        let query = (*query).clone();
        move |_| {
            if query.errors.is_empty() {
                ctl.connect(query.config);
            }
            // The connection lives as long as this effect: cleanup closes it.
            move || ctl.release()
        }
    });
    let handle = RoomHandle {
        ctl: (*ctl).clone(),
        version: ctl.version(),
    };
    let initial: Config = query.config.clone();
    html! {
        <ContextProvider<RoomHandle> context={handle}>
            <div class="app">
                <header class="top">
                    <h1 class="brand">{ "Roomcast" }</h1>
                    <ConnectForm {initial} errors={query.errors.clone()} />
                </header>
                <StatusBar />
                <MessageLog />
                <Composer />
            </div>
        </ContextProvider<RoomHandle>>
    }
}
