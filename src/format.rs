//! Pure formatting: times, day separators, sizes, initials, previews. Tested without a DOM.

use confab_api::{Conversation, Id, MessageType, SystemKind, SystemNotice};

use crate::i18n::{fill, text, Lang, K};

/// Milliseconds since the epoch of an RFC 3339 time, via the browser's parser.
pub fn parse_ms(iso: &str) -> f64 {
    js_sys::Date::parse(iso)
}

/// (year, month, day) of a time in the browser's time zone.
fn local_ymd(ms: f64) -> (u32, u32, u32) {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    (d.get_full_year(), d.get_month(), d.get_date())
}

/// Days between two local calendar dates (b - a).
fn day_diff(a_ms: f64, b_ms: f64) -> i64 {
    let day = |ms: f64| {
        let (y, m, d) = local_ymd(ms);
        js_sys::Date::new_with_year_month_day(y, m as i32, d as i32).get_time()
    };
    ((day(b_ms) - day(a_ms)) / 86_400_000.0).round() as i64
}

/// The ways a time is written (the options of `Intl.DateTimeFormat`).
#[derive(Clone, Copy, PartialEq)]
enum Style {
    Clock,
    Weekday,
    Date,
    DayLabel,
}

impl Style {
    fn options(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Style::Clock => &[("hour", "2-digit"), ("minute", "2-digit"), ("hourCycle", "h23")],
            Style::Weekday => &[("weekday", "short")],
            Style::Date => &[("year", "numeric"), ("month", "numeric"), ("day", "numeric")],
            Style::DayLabel => &[("year", "numeric"), ("month", "long"), ("day", "numeric"), ("weekday", "short")],
        }
    }
}

thread_local! {
    /// One formatter per language and style, made on first use: `Date.toLocaleString` builds
    /// one on every call (~0.4 ms in Chromium), once per row as a thread's window is built.
    static FORMATTERS: std::cell::RefCell<Vec<(Lang, Style, js_sys::Function)>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn locale_string(ms: f64, lang: Lang, style: Style) -> String {
    let format = FORMATTERS.with(|made| {
        let mut made = made.borrow_mut();
        if let Some((_, _, f)) = made.iter().find(|(l, s, _)| *l == lang && *s == style) {
            return f.clone();
        }
        let opts = js_sys::Object::new();
        for (k, v) in style.options() {
            let _ = js_sys::Reflect::set(&opts, &(*k).into(), &(*v).into());
        }
        let locales = js_sys::Array::of1(&lang.code().into());
        // `format` is bound to its formatter.
        let f = js_sys::Intl::DateTimeFormat::new(&locales, &opts).format();
        made.push((lang, style, f.clone()));
        f
    });
    format
        .call1(&wasm_bindgen::JsValue::NULL, &wasm_bindgen::JsValue::from_f64(ms))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// "14:05" — the time of a message.
pub fn clock(ms: f64, lang: Lang) -> String {
    locale_string(ms, lang, Style::Clock)
}

/// The conversation list's time: today the clock, yesterday the word, this week the weekday,
/// else the date.
pub fn relative_time(ms: f64, now_ms: f64, lang: Lang) -> String {
    match day_diff(ms, now_ms) {
        i64::MIN..=0 => clock(ms, lang),
        1 => text(lang, K::Yesterday).to_string(),
        2..=6 => locale_string(ms, lang, Style::Weekday),
        _ => locale_string(ms, lang, Style::Date),
    }
}

/// The label of a day separator in the thread.
pub fn day_label(ms: f64, now_ms: f64, lang: Lang) -> String {
    match day_diff(ms, now_ms) {
        0 => text(lang, K::Today).to_string(),
        1 => text(lang, K::Yesterday).to_string(),
        _ => locale_string(ms, lang, Style::DayLabel),
    }
}

/// Whether two times fall on the same local day.
pub fn same_day(a_ms: f64, b_ms: f64) -> bool {
    local_ymd(a_ms) == local_ymd(b_ms)
}

/// "0 B", "1023 B", "1.5 KB", "1.5 MB" (integer arithmetic: no float formatting in the bundle).
pub fn human_size(bytes: u64) -> String {
    let (unit_bytes, unit) = match bytes {
        0..1024 => return format!("{bytes} B"),
        1024..1_048_576 => (1024, "KB"),
        1_048_576..1_073_741_824 => (1_048_576, "MB"),
        _ => (1_073_741_824, "GB"),
    };
    // Tenths, rounded half up; one decimal below 10, none above.
    let tenths = (bytes * 10 + unit_bytes / 2) / unit_bytes;
    if tenths < 100 && !tenths.is_multiple_of(10) {
        format!("{}.{} {unit}", tenths / 10, tenths % 10)
    } else {
        format!("{} {unit}", (tenths + 5) / 10)
    }
}

/// Up to two letters (or one CJK character) for an avatar without a picture.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let first = |w: &str| w.chars().next().map(|c| c.to_ascii_uppercase().to_string()).unwrap_or_default();
    match words.as_slice() {
        [] => "?".into(),
        [one] => {
            let c: Vec<char> = one.chars().collect();
            if c.first().is_some_and(|c| !c.is_ascii()) {
                c[0].to_string()
            } else {
                c.iter().take(2).map(|c| c.to_ascii_uppercase()).collect()
            }
        }
        [a, .., b] => format!("{}{}", first(a), first(b)),
    }
}

/// Avatar colours that all carry white initials at 4.5:1 or better (WCAG AA).
const AVATAR_COLOURS: [&str; 10] =
    ["#2563eb", "#7c3aed", "#be185d", "#c2410c", "#15803d", "#0e7490", "#b91c1c", "#4d7c0f", "#a21caf", "#0369a1"];

/// A stable colour for a name, so each person keeps their avatar colour.
pub fn avatar_colour(name: &str) -> &'static str {
    let h = name.bytes().fold(7u32, |h, b| h.wrapping_mul(31).wrapping_add(b as u32));
    AVATAR_COLOURS[(h % AVATAR_COLOURS.len() as u32) as usize]
}

/// A long file name shortened in the middle, the extension kept: "quarterly-rep…2026.pdf".
pub fn middle_ellipsis(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_string();
    }
    let ext_len = name.rfind('.').map(|i| name[i..].chars().count()).filter(|n| *n <= 8).unwrap_or(0);
    let tail_len = (ext_len + 4).min(max / 2);
    let head_len = max.saturating_sub(tail_len + 1);
    let head: String = chars[..head_len].iter().collect();
    let tail: String = chars[chars.len() - tail_len..].iter().collect();
    format!("{head}…{tail}")
}

/// "30 s", "5 min": a burn-after-reading duration.
pub fn duration_label(secs: i64, lang: Lang) -> String {
    if secs >= 60 && secs % 60 == 0 {
        fill(text(lang, K::Minutes), &[("n", &(secs / 60).to_string())])
    } else {
        fill(text(lang, K::Seconds), &[("n", &secs.to_string())])
    }
}

/// "0:27": what is left of a countdown, rounded up to the second.
pub fn countdown(ms_left: f64) -> String {
    let secs = (ms_left.max(0.0) / 1000.0).ceil() as i64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

/// A group change (or a chat setting) in the reader's words; `me` is written "You".
pub fn system_text(n: &SystemNotice, me: Id, lang: Lang) -> String {
    let name = |id: Id, name: &str| if id == me { text(lang, K::You).to_string() } else { name.to_string() };
    let actor = name(n.actor_id, &n.actor_name);
    let sep = if lang == Lang::Zh { "、" } else { ", " };
    let names = n.targets.iter().map(|t| name(t.user_id, &t.name)).collect::<Vec<_>>().join(sep);
    let value = n.text.clone().unwrap_or_default();
    let (key, value) = match n.kind {
        SystemKind::Created => (K::SysCreated, value),
        SystemKind::Added => (K::SysAdded, value),
        SystemKind::Removed => (K::SysRemoved, value),
        SystemKind::Left => (K::SysLeft, value),
        SystemKind::Renamed => (K::SysRenamed, value),
        SystemKind::Announcement => (K::SysAnnouncement, value),
        SystemKind::AdminAdded => (K::SysAdminAdded, value),
        SystemKind::AdminRemoved => (K::SysAdminRemoved, value),
        SystemKind::OwnerChanged => (K::SysOwnerChanged, value),
        SystemKind::BurnAfterReading => match value.parse::<i64>() {
            Ok(secs) => (K::SysBurnOn, duration_label(secs, lang)),
            Err(_) => (K::SysBurnOff, value),
        },
    };
    fill(text(lang, key), &[("actor", &actor), ("names", &names), ("text", &value), ("time", &value)])
}

/// Pieces of a message's text: plain, or an @mention (`Some(true)` when it mentions me).
/// Mentions are "@" + a mentioned member's name (or "@" + the word for everyone).
pub fn mention_spans(body: &str, names: &[(String, bool)]) -> Vec<(String, Option<bool>)> {
    let mut out: Vec<(String, Option<bool>)> = Vec::new();
    let mut rest = body;
    let mut plain = String::new();
    while let Some(at) = rest.find('@') {
        plain.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        // The longest name that follows, so "Ann Lee" wins over "Ann".
        let hit =
            names.iter().filter(|(n, _)| !n.is_empty() && after.starts_with(n.as_str())).max_by_key(|(n, _)| n.len());
        match hit {
            Some((n, is_me)) => {
                if !plain.is_empty() {
                    out.push((std::mem::take(&mut plain), None));
                }
                out.push((format!("@{n}"), Some(*is_me)));
                rest = &after[n.len()..];
            }
            None => {
                plain.push('@');
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push((plain, None));
    }
    out
}

/// The list's preview of a conversation's last message, in the reader's language.
pub fn preview(c: &Conversation, me: Id, lang: Lang) -> String {
    if c.last_message_recalled {
        return text(lang, K::PreviewRecalled).to_string();
    }
    if let Some(n) = &c.last_message_system {
        return system_text(n, me, lang);
    }
    match c.last_message_type {
        Some(MessageType::Image) => text(lang, K::PreviewImage).to_string(),
        Some(MessageType::File) => {
            let name = c.last_message.strip_prefix("[File] ").unwrap_or(&c.last_message);
            fill(text(lang, K::PreviewFile), &[("name", name)])
        }
        _ => c.last_message.clone(),
    }
}

/// The kind of file, for its icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    Pdf,
    Document,
    Spreadsheet,
    Archive,
    Audio,
    Video,
    Image,
    Other,
}

impl FileKind {
    pub fn of(mime: &str, name: &str) -> FileKind {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        let m = mime.to_ascii_lowercase();
        if m == "application/pdf" || ext == "pdf" {
            FileKind::Pdf
        } else if m.starts_with("audio/") {
            FileKind::Audio
        } else if m.starts_with("video/") {
            FileKind::Video
        } else if m.starts_with("image/") {
            FileKind::Image
        } else if m.contains("spreadsheet")
            || m.contains("excel")
            || m == "text/csv"
            || ["xls", "xlsx", "csv", "ods", "numbers"].contains(&ext.as_str())
        {
            FileKind::Spreadsheet
        } else if m.contains("zip")
            || m.contains("compressed")
            || m.contains("tar")
            || m.contains("rar")
            || ["zip", "gz", "tgz", "7z", "rar", "tar", "bz2", "xz"].contains(&ext.as_str())
        {
            FileKind::Archive
        } else if m.contains("word")
            || m.contains("document")
            || m.starts_with("text/")
            || ["doc", "docx", "odt", "rtf", "txt", "md", "pages"].contains(&ext.as_str())
        {
            FileKind::Document
        } else {
            FileKind::Other
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Document => "doc",
            FileKind::Spreadsheet => "sheet",
            FileKind::Archive => "archive",
            FileKind::Audio => "audio",
            FileKind::Video => "video",
            FileKind::Image => "image",
            FileKind::Other => "other",
        }
    }

    /// A short label inside the icon.
    pub fn label(self, name: &str) -> String {
        match self {
            FileKind::Pdf => "PDF".into(),
            FileKind::Audio => "♪".into(),
            FileKind::Video => "▶".into(),
            FileKind::Archive => "ZIP".into(),
            _ => name
                .rsplit_once('.')
                .map(|(_, e)| e.chars().take(4).map(|c| c.to_ascii_uppercase()).collect::<String>())
                .unwrap_or_else(|| "FILE".into()),
        }
    }
}
