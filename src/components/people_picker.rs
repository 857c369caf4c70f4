use confab_api::{Id, SearchHit};
use leptos::prelude::*;

use super::avatar::Avatar;
use super::icons::{Icon, Svg};
use super::search::search_people;
use crate::i18n::{fill, use_i18n, K};

fn shown_name(hit: &SearchHit) -> String {
    if hit.display_name.is_empty() {
        hit.user_name.clone()
    } else {
        hit.display_name.clone()
    }
}

/// Search people and pick them: the picked ones show as removable chips.
#[component]
pub fn PeoplePicker(
    picked: RwSignal<Vec<SearchHit>>,
    /// People who cannot be picked (already in the group).
    #[prop(into, optional)]
    exclude: Signal<Vec<Id>>,
    input_id: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(None::<Vec<SearchHit>>);
    let generation = StoredValue::new(0u32);
    let search = move |q: String| search_people(generation, q, hits);
    let shown = move || {
        let (taken, out) = (picked.get(), exclude.get());
        hits.get()
            .unwrap_or_default()
            .into_iter()
            .filter(|h| !out.contains(&h.user_id) && !taken.iter().any(|p| p.user_id == h.user_id))
            .collect::<Vec<_>>()
    };
    view! {
        <div class="picker">
            <ul class="chips" aria-label=i18n.t(K::AddPeople)>
                {move || picked.get().into_iter().map(|p| {
                    let name = shown_name(&p);
                    let user_id = p.user_id;
                    view! {
                        <li class="chip">
                            <span>{name.clone()}</span>
                            <button type="button" class="icon-btn" aria-label=fill(i18n.t(K::RemoveChip), &[("name", &name)])
                                on:click=move |_| picked.update(|l| l.retain(|x| x.user_id != user_id))>
                                <Svg icon=Icon::Close />
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <label class="sr-only" for=input_id>{i18n.t(K::AddPeople)}</label>
            <input id=input_id type="search" autocomplete="off" placeholder=i18n.t(K::SearchToAdd)
                prop:value=move || query.get()
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    query.set(v.clone());
                    search(v);
                } />
            <ul class="search-results picker-results">
                {move || shown().into_iter().map(|hit| {
                    let name = shown_name(&hit);
                    let handle = hit.user_name.clone();
                    view! {
                        <li>
                            <button type="button" class="hit" on:click=move |_| {
                                picked.update(|l| l.push(hit.clone()));
                                query.set(String::new());
                                hits.set(None);
                            }>
                                <Avatar name=name.clone() small=true />
                                <span class="hit-name">{name.clone()}</span>
                                <span class="hit-user">"@"{handle}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
