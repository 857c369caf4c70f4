//! What the app knows of the person's assistant sessions: the list (kept in order as this and
//! other tabs change it), and whether a model is connected at all.

use confab_api::AiSession;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;

#[derive(Clone, Copy)]
pub struct AiState {
    /// The sessions, most recently used first; None until loaded.
    pub sessions: RwSignal<Option<Vec<AiSession>>>,
    /// Why the assistant cannot be used (no model connected, or unreachable): the server's words.
    pub unavailable: RwSignal<Option<String>>,
    /// The newest change another tab made to a session (the open one reloads from it).
    pub changed: RwSignal<Option<AiSession>>,
    /// The id of the session deleted last (the open one closes).
    pub deleted: RwSignal<Option<String>>,
}

impl AiState {
    pub fn new() -> AiState {
        AiState {
            sessions: RwSignal::new(None),
            unavailable: RwSignal::new(None),
            changed: RwSignal::new(None),
            deleted: RwSignal::new(None),
        }
    }

    pub fn load(self) {
        spawn_local(async move {
            match api::ai_sessions().await {
                Ok(list) => {
                    self.unavailable.set(None);
                    self.sessions.set(Some(list));
                }
                Err(e) if e.status == 503 => self.unavailable.set(Some(e.message)),
                Err(_) => {}
            }
        });
    }

    pub fn apply_updated(self, s: AiSession) {
        self.sessions.update(|list| {
            if let Some(list) = list {
                upsert(list, s.clone())
            }
        });
        self.changed.set(Some(s));
    }

    pub fn apply_deleted(self, session_id: String) {
        self.sessions.update(|list| {
            if let Some(list) = list {
                list.retain(|x| x.session_id != session_id)
            }
        });
        self.deleted.set(Some(session_id));
    }

    pub fn clear(self) {
        self.sessions.set(None);
        self.unavailable.set(None);
        self.changed.set(None);
        self.deleted.set(None);
    }
}

impl Default for AiState {
    fn default() -> Self {
        Self::new()
    }
}

/// Puts the session first (the newest used), replacing its old entry.
pub fn upsert(list: &mut Vec<AiSession>, s: AiSession) {
    list.retain(|x| x.session_id != s.session_id);
    list.insert(0, s);
}

/// A fresh session id: time and randomness, in the characters the server accepts.
pub fn new_session_id() -> String {
    let now = js_sys::Date::now() as u64;
    let noise = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("c{now:x}{noise:08x}")
}

/// A reply's text cut into prose and fenced code blocks (```), in order: (is_code, text).
pub fn code_segments(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut code = false;
    let mut current = String::new();
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("```") {
            if !current.is_empty() {
                out.push((code, std::mem::take(&mut current)));
            }
            code = !code;
            continue;
        }
        current.push_str(line);
    }
    if !current.is_empty() {
        out.push((code, current));
    }
    out
}
