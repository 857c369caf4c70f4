use confab_api::{Id, PatchConversationRequest, MAX_TEXT_CHARS};
use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::i18n::{fill, use_i18n, K};
use crate::state::everyday::Compose;
use crate::state::use_store;

/// Characters left before the counter shows.
const SHOW_COUNTER_WITHIN: usize = 500;
/// Quiet time before a draft is saved to the server.
const DRAFT_DELAY_MS: u32 = 700;

/// Whether a keydown in the composer should send: Enter alone, never while an input
/// method is composing (Chinese, Japanese…), never with Shift.
pub fn enter_sends(key: &str, shift: bool, composing: bool, key_code: u32) -> bool {
    key == "Enter" && !shift && !composing && key_code != 229
}

/// Whether this text may be sent.
pub fn sendable(text: &str) -> bool {
    !text.trim().is_empty() && text.chars().count() <= MAX_TEXT_CHARS
}

/// An @mention being typed: the byte index of its "@" and what follows up to the caret, when
/// the "@" starts a word and nothing after it is a space.
pub fn mention_query(text: &str, caret: usize) -> Option<(usize, String)> {
    let before = text.get(..caret)?;
    let at = before.rfind('@')?;
    let query = &before[at + 1..];
    let starts_word = before[..at].chars().next_back().is_none_or(char::is_whitespace);
    (starts_word && !query.contains(char::is_whitespace) && query.chars().count() <= 32)
        .then(|| (at, query.to_string()))
}

/// One entry of the @ list: a member, or everyone (id 0).
#[derive(Clone, Debug, PartialEq)]
pub struct MentionCandidate {
    pub user_id: Id,
    pub name: String,
}

/// Members whose name or user name contains the query (case-insensitively), "All" first for
/// those who may use it; at most eight.
pub fn mention_candidates(
    members: &[confab_api::GroupMember],
    me: Id,
    query: &str,
    all_word: Option<&str>,
) -> Vec<MentionCandidate> {
    // ASCII case folding only: Unicode tables would cost more bytes than CJK names need.
    let q = query.to_ascii_lowercase();
    let mut out = Vec::new();
    if let Some(all) = all_word {
        if q.is_empty() || all.to_ascii_lowercase().starts_with(&q) || "all".starts_with(&q) {
            out.push(MentionCandidate { user_id: 0, name: all.to_string() });
        }
    }
    out.extend(
        members
            .iter()
            .filter(|m| m.user_id != me)
            .filter(|m| {
                m.display_name.to_ascii_lowercase().contains(&q) || m.user_name.to_ascii_lowercase().contains(&q)
            })
            .map(|m| MentionCandidate { user_id: m.user_id, name: m.display_name.clone() }),
    );
    out.truncate(8);
    out
}

/// The mentions still in the text when it is sent: member ids, and whether "@All" is there.
pub fn mentions_in(text: &str, picked: &[MentionCandidate]) -> (Vec<Id>, bool) {
    let present = |c: &MentionCandidate| text.contains(&format!("@{}", c.name));
    let mut ids: Vec<Id> = Vec::new();
    for c in picked.iter().filter(|c| c.user_id > 0 && present(c)) {
        if !ids.contains(&c.user_id) {
            ids.push(c.user_id);
        }
    }
    (ids, picked.iter().any(|c| c.user_id == 0 && present(c)))
}

#[component]
pub fn Composer(
    #[prop(into)] conversation_id: Signal<Id>,
    /// Sends the text with its @mentions (member ids, everyone); the app's optimistic send,
    /// tests pass their own.
    #[prop(into)]
    on_send: Callback<(String, Vec<Id>, bool)>,
    /// Files chosen or pasted.
    #[prop(into)]
    on_files: Callback<Vec<web_sys::File>>,
) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let text = RwSignal::new(String::new());
    let area = NodeRef::<leptos::html::Textarea>::new();
    let edits = StoredValue::new(0u32);

    let resize = move || {
        // Also runs a frame later, when the composer may be gone.
        if let Some(el) = area.try_get_untracked().flatten() {
            let style = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&el).style();
            let _ = style.set_property("height", "auto");
            let _ = style.set_property("height", &format!("{}px", el.scroll_height().min(200)));
        }
    };

    // Switching conversations (or the list arriving after a reload) restores the draft;
    // later list updates must not overwrite what is being typed.
    Effect::new(move |_| {
        let id = conversation_id.get();
        store.list_loaded.track();
        let draft = store.conversation_now(id).map(|c| c.draft_text).unwrap_or_default();
        text.set(draft);
        edits.set_value(0);
        request_animation_frame(resize);
    });
    // "Edit again" after a recall puts the text back.
    Effect::new(move |_| {
        if let Some((id, t)) = store.composer_refill.get() {
            if id == conversation_id.get_untracked() {
                text.set(t);
                store.composer_refill.set(None);
                if let Some(el) = area.get_untracked() {
                    let _ = el.focus();
                }
                request_animation_frame(resize);
            }
        }
    });

    let save_draft_later = move |id: Id| {
        let n = edits.get_value() + 1;
        edits.set_value(n);
        gloo_timers::callback::Timeout::new(DRAFT_DELAY_MS, move || {
            if edits.get_value() != n || conversation_id.get_untracked() != id {
                return;
            }
            // Whitespace is not a draft.
            let current = text.get_untracked();
            let current = if current.trim().is_empty() { String::new() } else { current };
            let saved = store.conversation_now(id).map(|c| c.draft_text).unwrap_or_default();
            if current != saved {
                store.patch(id, PatchConversationRequest { draft_text: Some(current), ..Default::default() });
            }
        })
        .forget();
    };

    // @ autocomplete (groups): the "@" being completed, the list, the highlighted entry, and
    // what was picked (checked against the text when it is sent).
    let mention = RwSignal::new(None::<(usize, String)>);
    let active = RwSignal::new(0usize);
    let picked = StoredValue::new(Vec::<MentionCandidate>::new());
    let candidates = Memo::new(move |_| {
        let Some((_, q)) = mention.get() else { return Vec::new() };
        let id = conversation_id.get();
        let Some(c) = store.conversation(id).filter(|c| c.conversation_type == confab_api::ConversationType::Group)
        else {
            return Vec::new();
        };
        let may_all = matches!(c.my_role, Some(confab_api::GroupRole::Owner | confab_api::GroupRole::Admin));
        let all_word = may_all.then(|| i18n.t(K::AllMembers));
        store
            .members
            .with(|m| mention_candidates(m.get(&id).map(Vec::as_slice).unwrap_or(&[]), store.my_id(), &q, all_word))
    });
    let caret = move || area.get_untracked().and_then(|el| el.selection_start().ok().flatten()).unwrap_or(0) as usize;
    let track_mention = move || {
        let t = text.get_untracked();
        // The caret counts UTF-16 units; the text is indexed in bytes.
        let units = caret();
        let byte = t
            .char_indices()
            .scan(0usize, |u, (i, ch)| {
                let at = *u;
                *u += ch.len_utf16();
                Some((at, i))
            })
            .find(|(u, _)| *u >= units)
            .map(|(_, i)| i)
            .unwrap_or(t.len());
        mention.set(mention_query(&t, byte));
        active.set(0);
    };
    let pick = move |c: MentionCandidate| {
        let Some((at, q)) = mention.get_untracked() else { return };
        let inserted = format!("@{} ", c.name);
        let mut t = text.get_untracked();
        let end = (at + 1 + q.len()).min(t.len());
        t.replace_range(at..end, &inserted);
        text.set(t);
        picked.update_value(|p| p.push(c));
        mention.set(None);
        if let Some(el) = area.get_untracked() {
            let pos = (at + inserted.len()) as u32;
            let pos = text.with_untracked(|t| t[..pos as usize].encode_utf16().count()) as u32;
            el.set_value(&text.get_untracked());
            let _ = el.set_selection_range(pos, pos);
            let _ = el.focus();
        }
    };

    // A reply or an edit of this conversation's (set from a message's menu, or Up for an edit).
    let compose = Memo::new(move |_| {
        let id = conversation_id.get();
        store.daily.compose.get().filter(|c| c.message().conversation_id == id)
    });
    // What was being written before an edit began comes back after it.
    let stash = StoredValue::new(String::new());
    Effect::new(move |prev: Option<bool>| {
        let editing = matches!(compose.get(), Some(Compose::Edit(_)));
        if let Some(Compose::Edit(m)) = compose.get_untracked() {
            if prev != Some(true) {
                stash.set_value(text.get_untracked());
            }
            text.set(m.content.text().unwrap_or_default().to_string());
            request_animation_frame(resize);
        } else if prev == Some(true) && !editing {
            text.set(stash.get_value());
            request_animation_frame(resize);
        }
        editing
    });
    let cancel_compose = move || store.daily.compose.set(None);

    let send = move || {
        let t = text.get_untracked();
        if !sendable(&t) {
            return;
        }
        let id = conversation_id.get_untracked();
        if let Some(Compose::Edit(m)) = compose.get_untracked() {
            store.edit_message(&m, t);
            stash.set_value(String::new());
            store.daily.compose.set(None);
            return;
        }
        let (at, all) = picked.with_value(|p| mentions_in(&t, p));
        picked.set_value(Vec::new());
        mention.set(None);
        on_send.run((t, at, all));
        text.set(String::new());
        edits.update_value(|n| *n += 1);
        if store.conversation_now(id).is_some_and(|c| !c.draft_text.is_empty()) {
            store.patch(id, PatchConversationRequest { draft_text: Some(String::new()), ..Default::default() });
        }
        request_animation_frame(resize);
    };

    let count = Memo::new(move |_| text.with(|t| t.chars().count()));
    let over = move || count.get().saturating_sub(MAX_TEXT_CHARS);
    let can_send = move || text.with(|t| sendable(t));

    let bar = move || {
        compose.get().map(|c| {
            let (label, quote) = match &c {
                Compose::Reply(m) => {
                    let quote = match &m.content {
                        confab_api::MessageContent::Text(t) => confab_api::excerpt(t),
                        confab_api::MessageContent::File(f) => f.file_name.clone(),
                    };
                    (fill(i18n.t(K::ReplyingTo), &[("name", &m.sender_name)]), quote)
                }
                Compose::Edit(_) => (i18n.t(K::Editing).to_string(), String::new()),
            };
            view! {
                <div class="compose-bar" role="status">
                    <div class="compose-what">
                        <strong>{label}</strong>
                        {(!quote.is_empty()).then(|| view! { <span class="compose-quote">{quote}</span> })}
                    </div>
                    <button type="button" class="icon-btn" aria-label=i18n.t(K::CancelCompose) title=i18n.t(K::CancelCompose)
                        on:click=move |_| cancel_compose()>
                        <Svg icon=Icon::Close />
                    </button>
                </div>
            }
        })
    };

    view! {
        {bar}
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <label class="icon-btn attach" title=i18n.t(K::Attach)>
                <span class="sr-only">{i18n.t(K::Attach)}</span>
                <input type="file" multiple class="sr-only" on:change=move |ev| {
                    let input: web_sys::HtmlInputElement = event_target(&ev);
                    if let Some(list) = input.files() {
                        let files: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
                        if !files.is_empty() { on_files.run(files); }
                    }
                    input.set_value("");
                } />
                <Svg icon=Icon::Attach />
            </label>
            {move || {
                let list = candidates.get();
                (!list.is_empty()).then(|| view! {
                    <ul id="mention-list" class="mention-list" role="listbox" aria-label=i18n.t(K::MentionList)>
                        {list.into_iter().enumerate().map(|(i, c)| {
                            let label = format!("@{}", c.name);
                            view! {
                                <li id=format!("mention-{i}") role="option" aria-selected=move || (active.get() == i).to_string()
                                    class:active=move || active.get() == i
                                    on:mousedown=move |ev| { ev.prevent_default(); pick(c.clone()); }>{label}</li>
                            }
                        }).collect_view()}
                    </ul>
                })
            }}
            <textarea
                node_ref=area
                rows="1"
                aria-label=i18n.t(K::MessageLabel)
                aria-describedby="composer-count"
                aria-autocomplete="list"
                aria-controls=move || (!candidates.with(Vec::is_empty)).then_some("mention-list")
                aria-activedescendant=move || (!candidates.with(Vec::is_empty)).then(|| format!("mention-{}", active.get()))
                placeholder=i18n.t(K::MessagePlaceholder)
                prop:value=move || text.get()
                // The @ list closes when focus leaves (picking keeps focus: mousedown is held).
                on:blur=move |_| mention.set(None)
                on:input=move |ev| {
                    text.set(event_target_value(&ev));
                    resize();
                    track_mention();
                    if !text.with_untracked(String::is_empty) {
                        store.typing_now(conversation_id.get_untracked());
                    }
                    if compose.with_untracked(|c| !matches!(c, Some(Compose::Edit(_)))) {
                        save_draft_later(conversation_id.get_untracked());
                    }
                }
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    let n = candidates.with_untracked(Vec::len);
                    // An input method composing (Chinese, Japanese…) owns the keys: never pick then.
                    if n > 0 && !ev.is_composing() && ev.key_code() != 229 {
                        match ev.key().as_str() {
                            "ArrowDown" => { ev.prevent_default(); active.update(|a| *a = (*a + 1) % n); return; }
                            "ArrowUp" => { ev.prevent_default(); active.update(|a| *a = (*a + n - 1) % n); return; }
                            "Enter" | "Tab" => {
                                ev.prevent_default();
                                if let Some(c) = candidates.with_untracked(|l| l.get(active.get_untracked()).cloned()) { pick(c); }
                                return;
                            }
                            "Escape" => { ev.prevent_default(); mention.set(None); return; }
                            _ => {}
                        }
                    }
                    let composing = ev.is_composing() || ev.key_code() == 229;
                    if ev.key() == "Escape" && !composing && compose.with_untracked(Option::is_some) {
                        ev.prevent_default();
                        cancel_compose();
                        return;
                    }
                    // Up in an empty box edits my last message, as in most chat apps.
                    if ev.key() == "ArrowUp" && !composing && text.with_untracked(String::is_empty) {
                        if let Some(m) = store.last_editable(conversation_id.get_untracked()) {
                            ev.prevent_default();
                            store.daily.compose.set(Some(Compose::Edit(m)));
                            return;
                        }
                    }
                    if enter_sends(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                        ev.prevent_default();
                        send();
                    }
                }
                on:paste=move |ev: web_sys::ClipboardEvent| {
                    let files: Vec<web_sys::File> = ev.clipboard_data().and_then(|d| d.files())
                        .map(|l| (0..l.length()).filter_map(|i| l.get(i)).collect()).unwrap_or_default();
                    if !files.is_empty() {
                        ev.prevent_default();
                        on_files.run(files);
                    }
                }
            ></textarea>
            <span id="composer-count" class="counter" class:over=move || { count.get() > MAX_TEXT_CHARS } aria-live="polite">
                {move || {
                    let n = count.get();
                    if over() > 0 {
                        fill(i18n.t(K::TooLong), &[("n", &over().to_string())])
                    } else if n + SHOW_COUNTER_WITHIN > MAX_TEXT_CHARS {
                        format!("{n}/{MAX_TEXT_CHARS}")
                    } else {
                        String::new()
                    }
                }}
            </span>
            <button type="submit" class="send" disabled=move || !can_send() aria-label=i18n.t(K::Send) title=i18n.t(K::Send)>
                <Svg icon=Icon::Send />
            </button>
        </form>
    }
}
