//! The gallery: avatar cards, full-text search, filters by tag and species, and paging that
//! keeps its place in the address (so reloads, links and the back button return to it).

use crate::api::ApiFailure;
use crate::api::types::{CreaturePage, CreatureView, TagList};
use crate::app::use_api;
use crate::components::avatar::Avatar;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::live::use_live;
use crate::route::{GalleryQuery, Route};
use crate::session::use_session;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

/// Creatures per page.
const PAGE_SIZE: usize = 12;

/// The gallery page.
#[function_component(Gallery)]
pub fn gallery() -> Html {
    let api = use_api();
    let session = use_session();
    let live = use_live();
    let navigator = use_navigator();
    let query = use_location()
        .and_then(|location| location.query::<GalleryQuery>().ok())
        .unwrap_or_default();
    let page = use_state(|| None::<Result<CreaturePage, ApiFailure>>);
    let tags = use_state(Vec::new);
    let reload = use_state(|| 0u32);

    {
        let api = api.clone();
        let page = page.clone();
        use_effect_with(
            (query.clone(), live.creatures, *reload),
            move |(query, _, _)| {
                let path = format!("/creatures?{}", query.api_query(PAGE_SIZE));
                wasm_bindgen_futures::spawn_local(async move {
                    page.set(Some(api.get::<CreaturePage>(&path).await));
                });
            },
        );
    }
    {
        let api = api.clone();
        let tags = tags.clone();
        use_effect_with(live.tags, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api.get::<TagList>("/tags").await {
                    tags.set(list.tags);
                }
            });
        });
    }

    let go = {
        let navigator = navigator.clone();
        Callback::from(move |query: GalleryQuery| {
            if let Some(navigator) = &navigator {
                let _ = navigator.push_with_query(&Route::Gallery, &query);
            }
        })
    };
    let search_ref = use_node_ref();
    let species_ref = use_node_ref();
    let tag_ref = use_node_ref();
    let onsubmit = {
        let go = go.clone();
        let query = query.clone();
        let (search_ref, species_ref, tag_ref) =
            (search_ref.clone(), species_ref.clone(), tag_ref.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let text = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .filter(|value| !value.trim().is_empty())
            };
            let tag = tag_ref
                .cast::<HtmlSelectElement>()
                .map(|select| select.value())
                .filter(|value| !value.is_empty());
            go.emit(GalleryQuery {
                q: text(&search_ref),
                species: text(&species_ref),
                tag,
                ..query.first_page()
            });
        })
    };
    let onchange_tag = {
        let go = go.clone();
        let query = query.clone();
        Callback::from(move |event: Event| {
            let value = event.target_unchecked_into::<HtmlSelectElement>().value();
            go.emit(GalleryQuery {
                tag: (!value.is_empty()).then_some(value),
                ..query.first_page()
            });
        })
    };
    let filtered = query.q.is_some() || query.tag.is_some() || query.species.is_some();
    let clear = {
        let go = go.clone();
        Callback::from(move |_| go.emit(GalleryQuery::default()))
    };

    let body = match &*page {
        None => html! { <Loading label="Loading creatures…" /> },
        Some(Err(failure)) => {
            let reload = reload.clone();
            html! { <ErrorBanner message={failure.message()} retry={Callback::from(move |_| reload.set(*reload + 1))} /> }
        }
        Some(Ok(found)) if found.items.is_empty() => {
            if filtered {
                html! {
                    <Empty title="No creature matches">
                        <p>{"Try other words, or "}<button class="link-button" onclick={clear.clone()}>{"clear the filters"}</button>{"."}</p>
                    </Empty>
                }
            } else {
                html! {
                    <Empty title="The bestiary is empty">
                        if session.me.is_some() {
                            <p><Link<Route> to={Route::NewCreature} classes="button">{"Describe the first creature"}</Link<Route>></p>
                        } else {
                            <p><Link<Route> to={Route::Register}>{"Register"}</Link<Route>>{" to describe the first creature."}</p>
                        }
                    </Empty>
                }
            }
        }
        Some(Ok(found)) => html! {
            <>
                <ul class="cards" data-testid="gallery">
                    { for found.items.iter().map(|creature| card(creature, &go, &query)) }
                </ul>
                <nav class="pager" aria-label="Pages">
                    {
                        match query.previous() {
                            Some(previous) => {
                                let go = go.clone();
                                html! { <button class="button button-ghost" onclick={Callback::from(move |_| go.emit(previous.clone()))}>{"← Previous"}</button> }
                            }
                            None => html! { <span></span> },
                        }
                    }
                    <span class="pager-page">{ format!("Page {}", query.page_number()) }</span>
                    {
                        match &found.next_cursor {
                            Some(next) => {
                                let next = query.next(next);
                                let go = go.clone();
                                html! { <button class="button button-ghost" onclick={Callback::from(move |_| go.emit(next.clone()))}>{"Next →"}</button> }
                            }
                            None => html! { <span></span> },
                        }
                    }
                </nav>
            </>
        },
    };

    html! {
        <section>
            <div class="page-head">
                <h1>{"Gallery"}</h1>
                if session.me.is_some() {
                    <Link<Route> to={Route::NewCreature} classes="button">{"+ New creature"}</Link<Route>>
                }
            </div>
            <form class="filters" role="search" {onsubmit} key={format!("{:?}", (&query.q, &query.species))}>
                <label class="sr-only" for="search">{"Search"}</label>
                <input id="search" ref={search_ref} type="search" name="q" placeholder="Search names and descriptions…"
                    value={query.q.clone().unwrap_or_default()} />
                <label class="sr-only" for="species">{"Species"}</label>
                <input id="species" ref={species_ref} name="species" placeholder="Species"
                    value={query.species.clone().unwrap_or_default()} />
                <label class="sr-only" for="tag-filter">{"Tag"}</label>
                <select id="tag-filter" ref={tag_ref} name="tag" onchange={onchange_tag}>
                    <option value="" selected={query.tag.is_none()}>{"All tags"}</option>
                    { for tags.iter().map(|tag| {
                        let name = tag.name.clone();
                        html! {
                            <option value={name.clone()} selected={query.tag.as_deref() == Some(name.as_str())}>
                                { format!("{name} ({})", tag.creature_count) }
                            </option>
                        }
                    }) }
                </select>
                <button class="button" type="submit">{"Search"}</button>
                if filtered {
                    <button class="button button-ghost" type="button" onclick={clear}>{"Clear"}</button>
                }
            </form>
            { body }
        </section>
    }
}

fn card(creature: &CreatureView, go: &Callback<GalleryQuery>, query: &GalleryQuery) -> Html {
    let id = creature.id.to_string();
    html! {
        <li class="card" key={id.clone()} data-testid="creature-card" data-id={id.clone()}>
            <Link<Route> to={Route::Creature { id }} classes="card-link">
                <Avatar avatar={creature.avatar.clone()} name={creature.name.clone()} />
                <div class="card-body">
                    <h2 class="card-title">{ creature.name.as_str() }</h2>
                    <p class="card-species">{ creature.species.as_str() }</p>
                </div>
            </Link<Route>>
            if !creature.tags.is_empty() {
                <ul class="chips">
                    { for creature.tags.iter().map(|tag| {
                        let name = tag.clone();
                        let go = go.clone();
                        let next = GalleryQuery { tag: Some(name.clone()), ..query.first_page() };
                        html! {
                            <li><button class="chip" title={format!("Only creatures tagged {name}")}
                                onclick={Callback::from(move |_| go.emit(next.clone()))}>{ name.clone() }</button></li>
                        }
                    }) }
                </ul>
            }
        </li>
    }
}
