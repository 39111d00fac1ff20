//! The page's words in English, Russian and Chinese, gettext's way: the
//! English text is written where it is used, wrapped in [`t`], [`tf`] or
//! [`tn`], and is its own key. English needs no table; the other languages'
//! catalogues (`i18n/ru.json`, `i18n/zh.json`, English → translation) are
//! fetched only by pages in those languages, so they cost the English page
//! nothing (the size guard counts wasm, JS and CSS). A missing entry shows the
//! English. `src/i18n/tests.rs` checks that every wrapped text has an entry in
//! each catalogue with the same `{0}` placeholders, and no entry is stale.
//! Pure: the web edge picks the language and hands over the catalogue.

use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt::Display;

/// A language the page speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
    Zh,
}

impl Lang {
    /// The BCP 47 code, for `<html lang>`, `?lang=` and the catalogue's name.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Ru => "ru",
            Lang::Zh => "zh",
        }
    }

    /// `ru`, `ru-RU`, `zh-Hans-CN`, `EN`…; `None` for a language not spoken.
    pub fn parse(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?;
        [Lang::En, Lang::Ru, Lang::Zh]
            .into_iter()
            .find(|l| primary.eq_ignore_ascii_case(l.code()))
    }

    /// `?lang=` if it names a language spoken, else the kept choice, else
    /// the first of the browser's languages spoken, else English.
    pub fn pick<'a>(
        asked: Option<&str>,
        kept: Option<&str>,
        browser: impl IntoIterator<Item = &'a str>,
    ) -> Lang {
        asked
            .and_then(Lang::parse)
            .or_else(|| kept.and_then(Lang::parse))
            .or_else(|| browser.into_iter().find_map(Lang::parse))
            .unwrap_or(Lang::En)
    }

    /// Which plural form `n` takes: English one/other, Russian one/few/many
    /// (1 сообщение, 2 сообщения, 5 сообщений, 11 сообщений, 21 сообщение),
    /// Chinese one form.
    pub fn plural(self, n: u64) -> usize {
        match self {
            Lang::En => usize::from(n != 1),
            Lang::Zh => 0,
            Lang::Ru => match (n % 10, n % 100) {
                (1, h) if h != 11 => 0,
                (2..=4, h) if !(12..=14).contains(&h) => 1,
                _ => 2,
            },
        }
    }
}

type Catalogue = &'static Map<String, Value>;

thread_local! {
    static WORDS: Cell<(Lang, Option<Catalogue>)> = const { Cell::new((Lang::En, None)) };
}

/// The page's language from now on, with its catalogue (a JSON object);
/// `None` or bad JSON leaves the English. Meant to be called once, before the
/// first render: the catalogue lives as long as the page.
pub fn set(lang: Lang, catalogue: Option<&str>) {
    // Parsed as a `Value`, whose parser the page has anyway.
    let words = match catalogue.and_then(|json| serde_json::from_str(json).ok()) {
        Some(Value::Object(map)) => Some(&*Box::leak(Box::new(map))),
        _ => None,
    };
    WORDS.with(|w| w.set((lang, words)));
}

/// The page's language.
pub fn lang() -> Lang {
    WORDS.with(|w| w.get().0)
}

fn entry(en: &str) -> Option<&'static Value> {
    WORDS.with(|w| w.get().1).and_then(|m| m.get(en))
}

/// `en` in the page's language.
pub fn t(en: &'static str) -> &'static str {
    match entry(en) {
        Some(Value::String(s)) => s,
        _ => en,
    }
}

/// `en` in the page's language with `{0}`, `{1}`… filled from `args`.
pub fn tf(en: &'static str, args: &[&dyn Display]) -> String {
    fill(t(en), args)
}

/// The form of `one`/`other` that `n` takes in the page's language, `{0}`
/// being `n` and `{1}`… `more`; a translation is a list of forms
/// ([`Lang::plural`]'s order).
pub fn tn(one: &'static str, other: &'static str, n: u64, more: &[&dyn Display]) -> String {
    let form = lang().plural(n);
    let text = match entry(one) {
        Some(Value::Array(forms)) => forms
            .get(form)
            .or(forms.last())
            .and_then(Value::as_str)
            .unwrap_or(one),
        _ if n == 1 => one,
        _ => other,
    };
    let mut args: Vec<&dyn Display> = vec![&n];
    args.extend_from_slice(more);
    fill(text, &args)
}

/// `template` with `{i}` replaced by `args[i]`; other braces kept.
pub fn fill(template: &str, args: &[&dyn Display]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after
            .find('}')
            .and_then(|close| Some((after[..close].parse::<usize>().ok()?, close)))
            .and_then(|(i, close)| Some((args.get(i)?, close)));
        match arg {
            Some((value, close)) => {
                let _ = write!(out, "{value}");
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
