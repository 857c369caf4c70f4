use confab_api::{Id, MessageHit, MessageSearchPage, SearchHit, HIT_END, HIT_START};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::avatar::Avatar;
use crate::api;
use crate::i18n::{use_i18n, K};
use crate::state::use_store;

/// Searches people for `q` after a short pause in typing; `hits` gets the answer unless a newer
/// query (counted by `generation`) came since. An empty query clears it at once.
pub fn search_people(generation: StoredValue<u32>, q: String, hits: RwSignal<Option<Vec<SearchHit>>>) {
    let gen = generation.get_value() + 1;
    generation.set_value(gen);
    if q.trim().is_empty() {
        hits.set(None);
        return;
    }
    gloo_timers::callback::Timeout::new(200, move || {
        if generation.get_value() != gen {
            return;
        }
        spawn_local(async move {
            let result = api::search(q.trim()).await.unwrap_or_default();
            if generation.get_value() == gen {
                hits.set(Some(result));
            }
        });
    })
    .forget();
}

/// A snippet's pieces: (text, matched).
pub fn snippet_parts(snippet: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut marked = false;
    for c in snippet.chars() {
        if c == HIT_START || c == HIT_END {
            if !current.is_empty() {
                out.push((std::mem::take(&mut current), marked));
            }
            marked = c == HIT_START;
        } else {
            current.push(c);
        }
    }
    if !current.is_empty() {
        out.push((current, marked));
    }
    out
}

/// Found messages from `before` on. The server looks at a bounded number of matches per page, so
/// a word common in other people's chats can give a short or empty page that says where to go
/// on: such pages are followed, a few at most, until a screenful is found.
async fn pages_from(q: &str, before: Option<Id>) -> api::ApiResult<MessageSearchPage> {
    let mut page = api::search_messages(q, before).await?;
    for _ in 1..4 {
        let Some(next_before) = page.next_before_message_id.filter(|_| page.list.len() < 20) else {
            break;
        };
        let Ok(next) = api::search_messages(q, Some(next_before)).await else {
            break;
        };
        page.list.extend(next.list);
        page.has_more = next.has_more;
        page.next_before_message_id = next.next_before_message_id;
    }
    Ok(page)
}

/// Messages found, after the same pause; `more` adds the next page to what is there.
fn search_messages(generation: StoredValue<u32>, q: String, found: RwSignal<Option<MessageSearchPage>>) {
    let gen = generation.get_value();
    if q.trim().is_empty() {
        found.set(None);
        return;
    }
    gloo_timers::callback::Timeout::new(250, move || {
        if generation.get_value() != gen {
            return;
        }
        spawn_local(async move {
            let page = pages_from(q.trim(), None).await.ok();
            if generation.get_value() == gen {
                found.set(page);
            }
        });
    })
    .forget();
}

/// Finds people by name and opens (or starts) the chat with them; finds messages and jumps to
/// them in their conversation.
#[component]
pub fn SearchBox() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Vec<SearchHit>>);
    let found = RwSignal::new(None::<MessageSearchPage>);
    let generation = StoredValue::new(0u32);

    let run_search = move |q: String| {
        search_people(generation, q.clone(), hits);
        search_messages(generation, q, found);
    };
    let clear = move || {
        query.set(String::new());
        hits.set(None);
        found.set(None);
    };
    let go_to = move |hit: MessageHit| {
        clear();
        store.daily.seek.set(Some((hit.conversation_id, hit.message_id)));
        crate::router::navigate(&format!("/c/{}", hit.conversation_id));
    };
    let more = move || {
        let Some(next_before) = found.with_untracked(|f| f.as_ref().and_then(|p| p.next_before_message_id)) else {
            return;
        };
        let q = query.get_untracked();
        spawn_local(async move {
            if let Ok(next) = pages_from(q.trim(), Some(next_before)).await {
                crate::state::edit(
                    found,
                    Box::new(move |f| {
                        if let Some(f) = f {
                            f.list.extend(next.list);
                            f.has_more = next.has_more;
                            f.next_before_message_id = next.next_before_message_id;
                        }
                    }),
                );
            }
        });
    };
    let open = move |hit: SearchHit| {
        spawn_local(async move {
            let id = match hit.conversation_id {
                Some(id) => Some(id),
                None => store.start_chat(hit.user_id).await.ok(),
            };
            if let Some(id) = id {
                clear();
                crate::router::navigate(&format!("/c/{id}"));
            }
        });
    };

    view! {
        <div class="search">
            <label class="sr-only" for="search-people">{i18n.t(K::Search)}</label>
            <input
                id="search-people"
                type="search"
                autocomplete="off"
                placeholder=i18n.t(K::SearchPlaceholder)
                prop:value=move || query.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    query.set(v.clone());
                    run_search(v);
                }
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        clear();
                    }
                }
            />
            <div class="search-panel" class:open=move || hits.with(Option::is_some) || found.with(Option::is_some)>
            {move || hits.get().map(|list| {
                view! {
                    <ul class="search-results" aria-label=i18n.t(K::Search)>
                        {if list.is_empty() {
                            view! { <li class="empty">{i18n.t(K::NoResults)}</li> }.into_any()
                        } else {
                            list.into_iter().map(|hit| {
                                let name = if hit.display_name.is_empty() { hit.user_name.clone() } else { hit.display_name.clone() };
                                let (n1, n2, user, avatar) = (name.clone(), name, hit.user_name.clone(), hit.avatar.clone());
                                view! {
                                    <li>
                                        <button type="button" class="hit" on:click=move |_| open(hit.clone())>
                                            <Avatar name=n1 url=avatar small=true />
                                            <span class="hit-name">{n2}</span>
                                            <span class="hit-user">"@"{user}</span>
                                        </button>
                                    </li>
                                }
                            }).collect_view().into_any()
                        }}
                    </ul>
                }
            })}
            {move || found.get().map(|page| {
                let lang = i18n.lang();
                let now = js_sys::Date::now();
                let page_empty = page.list.is_empty();
                view! {
                    <section class="messages-found" aria-labelledby="messages-found">
                        <h2 id="messages-found" class="results-title">{i18n.t(K::SearchMessages)}</h2>
                        {(page_empty && !page.has_more).then(|| view! { <p class="empty">{i18n.t(K::NoMessagesFound)}</p> })}
                        <ul>
                            {page.list.into_iter().map(|hit| {
                                let when = crate::format::relative_time(crate::format::parse_ms(&hit.created_at), now, lang);
                                let parts = snippet_parts(&hit.snippet);
                                let (title, sender) = (hit.conversation_name.clone(), hit.sender_name.clone());
                                view! {
                                    <li>
                                        <button type="button" class="hit message-hit" on:click=move |_| go_to(hit.clone())>
                                            <span class="hit-head"><span class="hit-name">{title}</span><time>{when}</time></span>
                                            <span class="hit-snippet">
                                                <span class="hit-sender">{sender}": "</span>
                                                {parts.into_iter().map(|(text, marked)| if marked {
                                                    view! { <mark>{text}</mark> }.into_any()
                                                } else {
                                                    text.into_any()
                                                }).collect_view()}
                                            </span>
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                        {page.has_more.then(|| {
                            let label = if page_empty { K::SearchOlder } else { K::MoreResults };
                            view! {
                                <button type="button" class="link-btn more-results" on:click=move |_| more()>{i18n.t(label)}</button>
                            }
                        })}
                    </section>
                }
            })}
            </div>
        </div>
    }
}
