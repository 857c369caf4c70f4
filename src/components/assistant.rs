//! The assistant: the person's sessions (`/assistant`) and one session's chat
//! (`/assistant/{id}`), in the same visual language as conversations. A reply grows on screen
//! as it streams; Stop cancels it (the server stops the model), Retry asks again.

use confab_api::{AiChatRequest, AiMessage, AiReplyStatus, AiRole, AiSession, MAX_AI_MESSAGE_CHARS};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

use super::composer::enter_sends;
use super::icons::{Icon, Svg};
use super::{Keyed, KeyedList};
use crate::api;
use crate::format::{clock, day_label, parse_ms, relative_time};
use crate::i18n::{fill, use_i18n, I18n, K};
use crate::state::assistant::{code_segments, new_session_id};
use crate::state::use_store;

/// How the session is shown: its own title, or the default "会话 time" in the reader's words.
fn shown_title(i18n: I18n, title: &str, created_at: &str) -> String {
    if !title.starts_with("会话 ") {
        return title.to_string();
    }
    let ms = parse_ms(created_at);
    let lang = i18n.lang();
    format!("{} · {} {}", i18n.t(K::AiChat), day_label(ms, js_sys::Date::now(), lang), clock(ms, lang))
}

/// The server's reason when no model is connected, under a sentence in the reader's language.
#[component]
fn Unavailable(why: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="ai-note" role="status">
            <p><strong>{i18n.t(K::AiUnavailable)}</strong></p>
            <p class="ai-detail">{why}</p>
        </div>
    }
}

/// `/assistant`: the sessions, newest used first.
#[component]
pub fn AssistantHome() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let ai = store.ai;
    store.active.set(None);
    ai.load();
    let deleting = RwSignal::new(None::<AiSession>);
    view! {
        <section class="thread ai">
            <AiHeader title=i18n.t(K::Assistant).to_string() on_delete=None />
            <div class="ai-body">
                {move || if let Some(why) = ai.unavailable.get() {
                    view! { <Unavailable why=why /> }.into_any()
                } else {
                    match ai.sessions.get() {
                        None => ().into_any(),
                        Some(list) if list.is_empty() => view! { <p class="placeholder">{i18n.t(K::AiEmpty)}</p> }.into_any(),
                        Some(list) => view! {
                            <ul class="ai-sessions" aria-label=i18n.t(K::AiSessions)>
                                <KeyedList rows=Box::new(move || list.iter().cloned().map(|s| Keyed {
                                    key: format!("{}|{}|{}", s.session_id, s.updated_at, s.title),
                                    view: Box::new(move || view! { <SessionRow s=s deleting=deleting /> }.into_any()),
                                }).collect()) />
                            </ul>
                        }.into_any(),
                    }
                }}
            </div>
            {move || deleting.get().map(|s| {
                let name = shown_title(i18n, &s.title, &s.created_at);
                view! { <ConfirmDeleteChat session_id=s.session_id name=name on_done=Callback::new(move |_| deleting.set(None)) /> }
            })}
        </section>
    }
}

#[component]
fn SessionRow(s: AiSession, deleting: RwSignal<Option<AiSession>>) -> impl IntoView {
    let i18n = use_i18n();
    let title = shown_title(i18n, &s.title, &s.created_at);
    let when = relative_time(parse_ms(&s.updated_at), js_sys::Date::now(), i18n.lang());
    let label = fill(i18n.t(K::AiDeleteNamed), &[("name", &title)]);
    let (href, preview) = (format!("/assistant/{}", s.session_id), s.last_message.clone().unwrap_or_default());
    view! {
        <li class="conv ai-session">
            <A href=href attr:class="conv-link">
                <span class="ai-avatar" aria-hidden="true"><Svg icon=Icon::Sparkle /></span>
                <span class="conv-main">
                    <span class="conv-top">
                        <span class="conv-name">{title}</span>
                        <span class="conv-time">{when}</span>
                    </span>
                    <span class="conv-bottom"><span class="conv-preview">{preview}</span></span>
                </span>
            </A>
            <span class="conv-actions">
                <button type="button" class="icon-btn" aria-label=label.clone() title=label on:click=move |_| deleting.set(Some(s.clone()))>
                    <Svg icon=Icon::Trash />
                </button>
            </span>
        </li>
    }
}

#[component]
fn AiHeader(#[prop(into)] title: Signal<String>, on_delete: Option<Callback<()>>) -> impl IntoView {
    let i18n = use_i18n();
    let (back, back_label) = if on_delete.is_some() { ("/assistant", K::AiBack) } else { ("/", K::Back) };
    view! {
        <header class="thread-header">
            <button type="button" class="icon-btn back" aria-label=i18n.t(back_label) on:click=move |_| crate::router::navigate(back)>
                <Svg icon=Icon::Back />
            </button>
            <span class="ai-avatar small" aria-hidden="true"><Svg icon=Icon::Sparkle /></span>
            <div class="thread-names"><h2 class="thread-title">{title}</h2></div>
            <span class="spacer"></span>
            {on_delete.map(|d| view! {
                <button type="button" class="icon-btn" aria-label=i18n.t(K::AiDelete) title=i18n.t(K::AiDelete) on:click=move |_| d.run(())>
                    <Svg icon=Icon::Trash />
                </button>
            })}
            <button type="button" class="btn new-chat" aria-label=i18n.t(K::NewChat) on:click=move |_| crate::router::navigate(&format!("/assistant/{}", new_session_id()))>
                <Svg icon=Icon::Plus /><span class="label">{i18n.t(K::NewChat)}</span>
            </button>
        </header>
    }
}

#[component]
fn ConfirmDeleteChat(session_id: String, name: String, #[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let on_confirm = move |_| {
        let id = session_id.clone();
        spawn_local(async move {
            // Shown here at once; other tabs follow from the socket's event.
            if api::ai_delete(&id).await.is_ok() {
                store.ai.apply_deleted(id);
            }
        });
    };
    view! {
        <super::dialog::Confirm text=fill(i18n.t(K::AiConfirmDelete), &[("name", &name)]) action=i18n.t(K::AiDelete)
            on_confirm=on_confirm on_done=on_done />
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Phase {
    /// Asked; nothing has arrived yet (the typing indicator).
    Waiting,
    Streaming,
}

/// `/assistant/{id}`: one session — its history, the reply being written, the composer.
#[component]
pub fn AssistantChat(id: String) -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let ai = store.ai;
    store.active.set(None);
    let session = StoredValue::new(id);
    let messages = RwSignal::new(Vec::<AiMessage>::new());
    let header = RwSignal::new(None::<(String, String)>);
    let live = RwSignal::new(None::<(Phase, String)>);
    let error = RwSignal::new(None::<String>);
    let text = RwSignal::new(String::new());
    let deleting = RwSignal::new(false);
    let abort = StoredValue::new_local(None::<web_sys::AbortController>);
    let scroller = NodeRef::<leptos::html::Div>::new();
    let following = StoredValue::new(true);
    // Where the view was last: only a move up (the person scrolling) stops the following, not
    // the reply growing between two frames.
    let last_top = StoredValue::new(0);
    let area = NodeRef::<leptos::html::Textarea>::new();

    let to_bottom = move || {
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                if following.get_value() {
                    el.set_scroll_top(el.scroll_height());
                    last_top.set_value(el.scroll_top());
                }
            }
        })
    };
    let load = move || {
        spawn_local(async move {
            match api::ai_history(&session.get_value()).await {
                Ok(h) => {
                    header.set(Some((h.title, h.created_at)));
                    messages.set(h.messages);
                }
                Err(e) if e.status == 503 => ai.unavailable.set(Some(e.message)),
                // Not made yet: a new chat, made by its first message.
                Err(_) => {}
            }
            to_bottom();
        })
    };
    load();
    // Another tab chatted here or deleted this session.
    Effect::new(move |first: Option<()>| {
        let Some(s) = ai.changed.get().filter(|s| s.session_id == session.get_value()) else { return };
        // A new chat gets its title once the server made the session.
        header.set(Some((s.title.clone(), s.created_at.clone())));
        // (This tab's own chats come back here too: those change no count.)
        let changed = s.message_count != messages.with_untracked(Vec::len) as i64;
        if first.is_some() && changed && live.with_untracked(Option::is_none) {
            load();
        }
    });
    Effect::new(move |_| {
        if ai.deleted.get().is_some_and(|d| d == session.get_value()) {
            crate::router::navigate("/assistant");
        }
    });
    on_cleanup(move || {
        if let Some(Some(c)) = abort.try_get_value() {
            c.abort();
        }
    });

    let ask = move |message: String, retry: bool| {
        let Ok(controller) = web_sys::AbortController::new() else { return };
        abort.set_value(Some(controller.clone()));
        error.set(None);
        if retry {
            // The failed or stopped reply is replaced.
            messages.update(|m| {
                if m.last().is_some_and(|x| x.role == AiRole::Assistant && x.status.is_some()) {
                    m.pop();
                }
            });
        } else {
            let now = js_sys::Date::new_0().to_iso_string().into();
            messages.update(|m| {
                m.push(AiMessage { role: AiRole::Human, content: message.clone(), time: now, status: None })
            });
        }
        live.set(Some((Phase::Waiting, String::new())));
        following.set_value(true);
        to_bottom();
        spawn_local(async move {
            let req = AiChatRequest { message, retry };
            let result = api::ai_chat(&session.get_value(), &req, &controller.signal(), move |piece| {
                live.update(|l| {
                    if let Some((phase, t)) = l {
                        *phase = Phase::Streaming;
                        t.push_str(&piece);
                    }
                });
                to_bottom();
            })
            .await;
            let stopped = controller.signal().aborted();
            let written = live.try_update(Option::take).flatten().map(|(_, t)| t).unwrap_or_default();
            let status = match &result {
                Ok(()) => None,
                Err(_) if stopped => Some(AiReplyStatus::Stopped),
                Err(_) => Some(AiReplyStatus::Failed),
            };
            if !written.is_empty() || status.is_none() {
                let now = js_sys::Date::new_0().to_iso_string().into();
                messages.update(|m| m.push(AiMessage { role: AiRole::Assistant, content: written, time: now, status }));
            }
            // Refused before anything was kept (all but an unreachable model, 502): the
            // question goes back into the composer instead of standing unanswered.
            if let Err(e) = &result {
                if !retry && !stopped && e.status != 0 && e.status != 502 {
                    messages.update(|m| {
                        if let Some(q) = m.pop() {
                            if text.with_untracked(String::is_empty) {
                                text.set(q.content);
                            }
                        }
                    });
                }
            }
            match result {
                Err(e) if e.status == 503 => ai.unavailable.set(Some(e.message)),
                Err(e) if !stopped => error.set(Some(if e.message.is_empty() {
                    i18n.t(if e.is_network() { K::AiInterrupted } else { K::ErrorGeneric }).to_string()
                } else {
                    e.message
                })),
                _ => {}
            }
            to_bottom();
        });
    };
    let streaming = move || live.with(Option::is_some);
    let send = move || {
        let t = text.get_untracked();
        if streaming() || t.trim().is_empty() || t.chars().count() > MAX_AI_MESSAGE_CHARS {
            return;
        }
        text.set(String::new());
        ask(t, false);
    };
    let stop = move || {
        if let Some(c) = abort.get_value() {
            c.abort();
        }
    };
    // Retry is offered when the newest message went unanswered, or its answer broke off.
    let unanswered = move || {
        if streaming() {
            return None;
        }
        messages.with(|m| match m.last() {
            Some(x) if x.role == AiRole::Human => Some(x.content.clone()),
            Some(x) if x.status.is_some() => {
                m.iter().rev().find(|y| y.role == AiRole::Human).map(|y| y.content.clone())
            }
            _ => None,
        })
    };
    let retry = move || {
        if let Some(t) = unanswered() {
            ask(t, true);
        }
    };
    let title = Signal::derive(move || match header.get() {
        Some((t, created)) => shown_title(i18n, &t, &created),
        None => i18n.t(K::NewChat).to_string(),
    });
    let on_delete = Callback::new(move |_| deleting.set(true));
    let on_scroll = move || {
        if let Some(el) = scroller.get_untracked() {
            let top = el.scroll_top();
            if el.scroll_height() - top - el.client_height() < 40 {
                following.set_value(true);
            } else if top < last_top.get_value() {
                following.set_value(false);
            }
            last_top.set_value(top);
        }
    };

    view! {
        <section class="thread ai">
            <AiHeader title=title on_delete=Some(on_delete) />
            <div class="scroller" node_ref=scroller on:scroll=move |_| on_scroll()>
                <div class="rows" role="log" aria-live="polite" aria-busy=move || streaming().to_string() aria-label=move || title.get()>
                    {move || (messages.with(Vec::is_empty) && !streaming()).then(|| view! {
                        <p class="history-note">{i18n.t(K::AiIntro)}</p>
                    })}
                    <KeyedList rows=Box::new(move || messages.get().into_iter().enumerate().map(|(i, m)| Keyed {
                        key: format!("{i}|{}|{:?}", m.content.len(), m.status),
                        view: Box::new(move || view! { <AiBubble m=m /> }.into_any()),
                    }).collect()) />
                    {move || live.get().map(|(phase, t)| view! {
                        <div class="msg ai-reply">
                            <span class="ai-avatar small" aria-hidden="true"><Svg icon=Icon::Sparkle /></span>
                            <div class="bubble-wrap"><div class="bubble">
                                {if phase == Phase::Waiting {
                                    view! { <span class="typing" role="status" aria-label=i18n.t(K::AiThinking)><i></i><i></i><i></i></span> }.into_any()
                                } else {
                                    view! { <Reply text=t /> }.into_any()
                                }}
                            </div></div>
                        </div>
                    })}
                    {move || {
                        let retry_btn = unanswered().map(|_| view! {
                            <button type="button" class="link-btn" on:click=move |_| retry()>{i18n.t(K::Retry)}</button>
                        });
                        match error.get() {
                            Some(why) if !streaming() => Some(view! {
                                <div class="failed-line ai-retry" role="alert"><Svg icon=Icon::Alert />{why}{retry_btn}</div>
                            }.into_any()),
                            _ => retry_btn.map(|b| view! { <div class="ai-retry history-note">{b}</div> }.into_any()),
                        }
                    }}
                </div>
            </div>
            {move || ai.unavailable.get().map(|why| view! { <Unavailable why=why /> })}
            <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <textarea node_ref=area rows="1" aria-label=i18n.t(K::AiAsk) placeholder=i18n.t(K::AiAsk)
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        if let Some(a) = area.get_untracked() {
                            let style = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&a).style();
                            let _ = style.set_property("height", "auto");
                            let _ = style.set_property("height", &format!("{}px", a.scroll_height().min(200)));
                        }
                    }
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        if enter_sends(&ev.key(), ev.shift_key(), ev.is_composing(), ev.key_code()) {
                            ev.prevent_default();
                            send();
                        }
                    }></textarea>
                <button type=move || if streaming() { "button" } else { "submit" } class="send" class:stop=streaming
                    aria-label=move || i18n.t(if streaming() { K::AiStop } else { K::Send })
                    title=move || i18n.t(if streaming() { K::AiStop } else { K::Send })
                    disabled=move || !streaming() && text.with(|t| t.trim().is_empty() || t.chars().count() > MAX_AI_MESSAGE_CHARS)
                    on:click=move |ev| if streaming() { ev.prevent_default(); stop(); }>
                    {move || view! { <Svg icon=if streaming() { Icon::Stop } else { Icon::Send } /> }}
                </button>
            </form>
            {move || deleting.get().then(|| {
                let name = title.get_untracked();
                view! { <ConfirmDeleteChat session_id=session.get_value() name=name on_done=Callback::new(move |_| deleting.set(false)) /> }
            })}
        </section>
    }
}

#[component]
fn AiBubble(m: AiMessage) -> impl IntoView {
    let i18n = use_i18n();
    let mine = m.role == AiRole::Human;
    let time = clock(parse_ms(&m.time), i18n.lang());
    let mark = match m.status {
        Some(AiReplyStatus::Stopped) => Some(K::AiStopped),
        Some(AiReplyStatus::Failed) => Some(K::AiBroken),
        None => None,
    };
    view! {
        <div class="msg" class:mine=mine class:ai-reply=!mine>
            {(!mine).then(|| view! { <span class="ai-avatar small" aria-hidden="true"><Svg icon=Icon::Sparkle /></span> })}
            <div class="bubble-wrap">
                <div class="bubble" tabindex="0">
                    {if mine { view! { <p class="text">{m.content}</p> }.into_any() } else { view! { <Reply text=m.content /> }.into_any() }}
                    <span class="meta">
                        {mark.map(|k| view! { <span class="ai-mark">{i18n.t(k)}</span> })}
                        <time>{time}</time>
                    </span>
                </div>
            </div>
        </div>
    }
}

/// A reply: prose with its line breaks, fenced code in monospace.
#[component]
fn Reply(text: String) -> impl IntoView {
    code_segments(&text)
        .into_iter()
        .map(|(code, t)| {
            if code {
                view! { <pre class="code"><code>{t}</code></pre> }.into_any()
            } else {
                view! { <p class="text">{t}</p> }.into_any()
            }
        })
        .collect_view()
}
