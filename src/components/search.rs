use confab_api::SearchHit;
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

/// Finds people by name and opens (or starts) the chat with them.
#[component]
pub fn SearchBox() -> impl IntoView {
    let store = use_store();
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Vec<SearchHit>>);
    let generation = StoredValue::new(0u32);

    let run_search = move |q: String| search_people(generation, q, hits);
    let open = move |hit: SearchHit| {
        spawn_local(async move {
            let id = match hit.conversation_id {
                Some(id) => Some(id),
                None => store.start_chat(hit.user_id).await.ok(),
            };
            if let Some(id) = id {
                query.set(String::new());
                hits.set(None);
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
                        query.set(String::new());
                        hits.set(None);
                    }
                }
            />
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
        </div>
    }
}
