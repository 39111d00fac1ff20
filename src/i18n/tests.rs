//! The catalogues against the source: every wrapped English text has an
//! entry in each language with the same placeholders (plurals: one form per
//! class), and no entry is stale. Then the lookup, plurals and filling.

use super::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const CATALOGUES: [(Lang, &str); 2] = [
    (Lang::Ru, include_str!("../../i18n/ru.json")),
    (Lang::Zh, include_str!("../../i18n/zh.json")),
];

/// A Rust string literal's text (the escapes the source uses).
fn unescape(lit: &str) -> String {
    let mut out = String::new();
    let mut chars = lit.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
            }
            Some('\n') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The string literal at the start of `s` (after spaces), and the rest.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().strip_prefix('"')?;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some((unescape(&s[..i]), &s[i + 1..])),
            _ => escaped = false,
        }
    }
    None
}

/// Every text wrapped in `t(`, `tf(`, `tn(` or `th(` (a text node, in
/// ui/) under src/ (test code aside),
/// with its plural's `other` form for `tn`.
/// Every page source file under `src/` (not the tests) without its test module.
fn page_code() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                if name != "tests" {
                    dirs.push(path);
                }
                continue;
            }
            if !name.ends_with(".rs") || name == "tests.rs" {
                continue;
            }
            let source = std::fs::read_to_string(&path).unwrap();
            let code = source.split("#[cfg(test)]\nmod tests {").next().unwrap();
            files.push((path.display().to_string(), code.to_string()));
        }
    }
    files
}

/// The release build prints no `Debug` output (`-Zfmt-debug=none`, see
/// xtask's `release_env`): page code must not format with `{:?}`, or a
/// sentence would lose its words.
#[test]
fn page_code_formats_nothing_with_debug() {
    for (path, code) in page_code() {
        for bad in [":?}", ":#?}", "dbg!("] {
            assert!(!code.contains(bad), "{path} formats with {bad}");
        }
    }
}

fn wrapped() -> BTreeMap<String, Option<String>> {
    let mut found = BTreeMap::new();
    for (_, code) in page_code() {
        {
            for (at, _) in code.match_indices('(') {
                let start = code[..at]
                    .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or(0, |i| i + 1);
                let Some((en, rest)) = literal(&code[at + 1..]) else {
                    continue;
                };
                match &code[start..at] {
                    "t" | "tf" | "th" => {
                        found.insert(en, None);
                    }
                    "tn" => {
                        let rest = rest.trim_start().strip_prefix(',').unwrap();
                        found.insert(en, Some(literal(rest).unwrap().0));
                    }
                    _ => {}
                }
            }
        }
    }
    found
}

/// `{0}`, `{1}`… in `text`.
fn holes(text: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        rest = &rest[open + 1..];
        if let Some(close) = rest.find('}') {
            if rest[..close].parse::<usize>().is_ok() {
                set.insert(rest[..close].to_string());
            }
        }
    }
    set
}

#[test]
fn every_wrapped_text_is_in_every_catalogue_and_nothing_else() {
    let wrapped = wrapped();
    assert!(wrapped.len() > 150, "found only {} texts", wrapped.len());
    assert!(wrapped.contains_key("Offline: waiting for the network"));
    for (lang, json) in CATALOGUES {
        let catalogue: Map<String, Value> = serde_json::from_str(json).unwrap();
        let forms = [Lang::Ru, Lang::Zh]
            .iter()
            .position(|&l| l == lang)
            .map(|i| [3, 1][i])
            .unwrap();
        for (en, other) in &wrapped {
            let entry = catalogue
                .get(en)
                .unwrap_or_else(|| panic!("{lang:?}: no entry for {en:?}"));
            let want = holes(en);
            match (other, entry) {
                (None, Value::String(s)) => assert_eq!(holes(s), want, "{lang:?}: {en:?} → {s:?}"),
                (Some(other), Value::Array(list)) => {
                    assert_eq!(holes(other), want, "{en:?} and {other:?} differ");
                    assert_eq!(list.len(), forms, "{lang:?}: {en:?} needs {forms} forms");
                    for form in list {
                        let form = form.as_str().unwrap();
                        assert_eq!(holes(form), want, "{lang:?}: {en:?} → {form:?}");
                    }
                }
                _ => panic!("{lang:?}: {en:?} has the wrong kind of entry: {entry}"),
            }
        }
        let stale: Vec<&String> = catalogue
            .keys()
            .filter(|k| !wrapped.contains_key(*k))
            .collect();
        assert!(
            stale.is_empty(),
            "{lang:?}: entries no text uses: {stale:?}"
        );
    }
}

#[test]
fn russian_plurals_take_one_few_and_many() {
    let forms: Vec<usize> = [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 0]
        .iter()
        .map(|&n| Lang::Ru.plural(n))
        .collect();
    assert_eq!(forms, [0, 1, 1, 2, 2, 2, 2, 0, 1, 2, 0, 2, 2]);
    assert_eq!(
        (Lang::En.plural(1), Lang::En.plural(0), Lang::Zh.plural(7)),
        (0, 1, 0)
    );
}

#[test]
fn a_catalogue_translates_fills_and_pluralises() {
    let ru = CATALOGUES[0].1;
    set(Lang::Ru, Some(ru));
    assert_eq!(t("Send"), "Отправить");
    assert_eq!(
        tf("Connecting to {0}\u{2026}", &[&"ws://x"]),
        "Подключение к ws://x\u{2026}"
    );
    let unseen: Vec<String> = [1, 2, 5, 21]
        .iter()
        .map(|&n| {
            tn(
                "{0} new message \u{2193}",
                "{0} new messages \u{2193}",
                n,
                &[],
            )
        })
        .collect();
    assert_eq!(
        unseen,
        [
            "1 новое сообщение ↓",
            "2 новых сообщения ↓",
            "5 новых сообщений ↓",
            "21 новое сообщение ↓"
        ]
    );
    // Not in the catalogue: the English, with English plurals.
    assert_eq!(t("not a key"), "not a key");
    assert_eq!(tn("{0} thing", "{0} things", 3, &[]), "3 things");
    set(Lang::En, None);
    assert_eq!(t("Send"), "Send");
    assert_eq!(
        tn(
            "{0} new message \u{2193}",
            "{0} new messages \u{2193}",
            1,
            &[]
        ),
        "1 new message \u{2193}"
    );
}

#[test]
fn bad_catalogue_json_leaves_english() {
    set(Lang::Zh, Some("{not json"));
    assert_eq!((lang(), t("Send")), (Lang::Zh, "Send"));
    set(Lang::En, None);
}

#[test]
fn fill_replaces_numbered_holes_and_keeps_other_braces() {
    assert_eq!(fill("{1} of {0}", &[&3, &"x"]), "x of 3");
    assert_eq!(fill("{\"a\":{0}} {x} {9} {", &[&1]), "{\"a\":1} {x} {9} {");
}

#[test]
fn the_language_comes_from_the_url_then_the_kept_choice_then_the_browser() {
    assert_eq!(Lang::pick(Some("zh"), Some("ru"), ["en-US"]), Lang::Zh);
    assert_eq!(Lang::pick(Some("xx"), Some("ru"), ["en-US"]), Lang::Ru);
    assert_eq!(
        Lang::pick(None, None, ["de-DE", "zh-Hans-CN", "ru"]),
        Lang::Zh
    );
    assert_eq!(Lang::pick(None, None, ["de", "fr"]), Lang::En);
    assert_eq!(Lang::parse("RU_ru"), Some(Lang::Ru));
}
