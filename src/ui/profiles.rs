//! Saved connections in the connect form: open one (`?profile=NAME`), save
//! the form's settings under a name, delete, export and import them as
//! JSON. The rules live in [`crate::config::profiles`].

use crate::app::{download, store};
use crate::config::profiles::{self, Profile, PROFILES_KEY};
use crate::config::{Config, ConfigError};
use crate::i18n::tf;
use crate::ui::th;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The profiles kept in this browser (none when storage is off or holds
/// something else).
pub fn saved() -> Vec<Profile> {
    store::get_raw(PROFILES_KEY).map_or_else(Vec::new, |text| profiles::from_json(&text).0)
}

/// Keeps `list`, or says why it could not (storage full or off).
fn keep(list: &[Profile]) -> Result<(), String> {
    store::set_raw(PROFILES_KEY, &profiles::to_json(list))
}

#[derive(Properties, PartialEq)]
pub struct ProfilesProps {
    /// The connect form's settings as they stand, or what is wrong in them.
    pub current: Callback<(), Result<Config, Vec<ConfigError>>>,
}

#[function_component(Profiles)]
pub fn profiles_panel(props: &ProfilesProps) -> Html {
    let list = use_mut_ref(saved);
    // What went wrong with the last action, as sentences.
    let problems = use_mut_ref(Vec::<String>::new);
    let exported = use_mut_ref(|| None);
    let name = use_node_ref();
    let redraw = use_force_update();
    // Stores the list after a change, or shows why not; then redraws.
    let commit = {
        let (list, problems, redraw) = (list.clone(), problems.clone(), redraw.clone());
        move |mut found: Vec<String>| {
            if let Err(why) = keep(&list.borrow()) {
                found.push(why);
            }
            *problems.borrow_mut() = found;
            redraw.force_update();
        }
    };
    let onsave = {
        let (list, name, current, commit) = (
            list.clone(),
            name.clone(),
            props.current.clone(),
            commit.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let typed = name
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            match (profiles::parse_profile_name(&typed), current.emit(())) {
                (Ok(name), Ok(config)) => {
                    let pairs = profiles::to_pairs(&config);
                    profiles::put(&mut list.borrow_mut(), Profile { name, pairs });
                    commit(Vec::new());
                }
                (named, config) => {
                    let mut found: Vec<String> =
                        named.err().into_iter().map(|e| e.to_string()).collect();
                    found.extend(config.err().into_iter().flatten().map(|e| e.to_string()));
                    commit(found);
                }
            }
        })
    };
    let onexport = {
        let list = list.clone();
        Callback::from(move |_: MouseEvent| {
            let json = profiles::to_json(&list.borrow());
            *exported.borrow_mut() =
                download::save(&json, "application/json", "roomcast-profiles.json");
        })
    };
    let onimport = {
        let (list, commit) = (list.clone(), commit.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            let (list, commit) = (list.clone(), commit.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let file = gloo::file::File::from(file);
                // As bytes, the one reader the page has (attachments use it).
                let bytes = gloo::file::futures::read_as_bytes(&file)
                    .await
                    .unwrap_or_default();
                let text = String::from_utf8_lossy(&bytes);
                let (found, errors) = profiles::from_json(&text);
                for profile in found {
                    profiles::put(&mut list.borrow_mut(), profile);
                }
                commit(errors.iter().map(ToString::to_string).collect());
            });
        })
    };
    let item = |profile: &Profile| {
        let ondelete = {
            let (list, commit, gone) = (list.clone(), commit.clone(), profile.name.clone());
            Callback::from(move |_: MouseEvent| {
                list.borrow_mut().retain(|p| p.name != gone);
                commit(Vec::new());
            })
        };
        let href = format!("?profile={}", js_sys::encode_uri_component(&profile.name));
        html! {
            <li>
                <a {href}>{ profile.name.clone() }</a>
                <button type="button" onclick={ondelete}
                    aria-label={tf("Delete profile {0}", &[&profile.name])}>{ "\u{d7}" }</button>
            </li>
        }
    };
    html! {
        <details class="profiles extra">
            <summary>{ th("Profiles") }</summary>
            <ul>{ for list.borrow().iter().map(item) }</ul>
            <input ref={name} type="text" aria-label={crate::i18n::t("Profile name")} maxlength="64" />
            <button type="button" onclick={onsave}>{ th("Save profile") }</button>
            <button type="button" onclick={onexport}>{ th("Export profiles") }</button>
            <label>{ th("Import profiles") }
                <input type="file" accept=".json,application/json" onchange={onimport} />
            </label>
            if !problems.borrow().is_empty() {
                <ul class="errors" role="alert">
                    { for problems.borrow().iter().map(|p| html! { <li>{ p.clone() }</li> }) }
                </ul>
            }
        </details>
    }
}
