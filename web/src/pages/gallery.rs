//! The gallery: avatar cards, search as you type, filters by tag and species, and paging that
//! keeps its place in the address (so reloads, links and the back button return to it). A card
//! that arrives live is marked for a moment.

use crate::api::ApiFailure;
use crate::api::types::{CreaturePage, CreatureView, TagList};
use crate::app::use_api;
use crate::components::avatar::Avatar;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::live::use_live;
use crate::route::{GalleryQuery, Route};
use crate::session::{SessionAction, use_session};
use gloo_timers::callback::Timeout;
use std::collections::HashSet;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

/// How long typing pauses before the gallery searches for it.
const SEARCH_PAUSE_MILLIS: u32 = 300;

/// How long a card that arrived live stays marked.
const ARRIVAL_MARK_MILLIS: u32 = 3_000;

/// The cards marked as just arrived.
#[derive(Default, PartialEq)]
struct Arrivals(HashSet<String>);

enum Arrival {
    /// These cards appeared in a live update.
    Came(HashSet<String>),
    /// Their mark has been shown long enough.
    Settled(HashSet<String>),
}

impl Reducible for Arrivals {
    type Action = Arrival;

    fn reduce(self: std::rc::Rc<Self>, action: Arrival) -> std::rc::Rc<Self> {
        let mut marked = self.0.clone();
        match action {
            Arrival::Came(ids) => marked.extend(ids),
            Arrival::Settled(ids) => marked.retain(|id| !ids.contains(id)),
        }
        Arrivals(marked).into()
    }
}

/// Creatures per page: whole rows of the grid at 4, 3 or 2 columns (see `.cards`).
const PAGE_SIZE: usize = 24;

/// The gallery page.
#[function_component(Gallery)]
pub fn gallery() -> Html {
    use_page_title("Gallery");
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
    // The cards of the last answer for this query, and those that were new in it.
    let shown = use_mut_ref(|| (String::new(), HashSet::<String>::new()));
    let arrived = use_reducer(Arrivals::default);
    // A notice the session holds for the gallery (an account just forgotten) is shown while
    // this page stays open, and only once.
    let notice = use_state(|| session.notice.clone());
    {
        let session = session.clone();
        use_effect_with((), move |()| {
            if session.notice.is_some() {
                session.dispatch(SessionAction::NoticeShown);
            }
        });
    }

    {
        let (api, page, shown, arrived) =
            (api.clone(), page.clone(), shown.clone(), arrived.clone());
        use_effect_with(
            (query.clone(), live.creatures, *reload),
            move |(query, _, _)| {
                let path = format!("/creatures?{}", query.api_query(PAGE_SIZE));
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = api.get::<CreaturePage>(&path).await;
                    if let Ok(found) = &answer {
                        let ids: HashSet<String> =
                            found.items.iter().map(|item| item.id.to_string()).collect();
                        let mut last = shown.borrow_mut();
                        // Only a change of the same query is an arrival, not a new search.
                        let fresh = if last.0 == path && !last.1.is_empty() {
                            ids.difference(&last.1).cloned().collect()
                        } else {
                            HashSet::new()
                        };
                        *last = (path, ids);
                        if !fresh.is_empty() {
                            arrived.dispatch(Arrival::Came(fresh.clone()));
                            let arrived = arrived.clone();
                            Timeout::new(ARRIVAL_MARK_MILLIS, move || {
                                arrived.dispatch(Arrival::Settled(fresh));
                            })
                            .forget();
                        }
                    }
                    page.set(Some(answer));
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
    // What the filters say now, as a query of the first page.
    let typed = {
        let query = query.clone();
        let (search_ref, species_ref, tag_ref) =
            (search_ref.clone(), species_ref.clone(), tag_ref.clone());
        move || {
            // Untrimmed, so the address never rewrites what is being typed ("red " stays).
            let text = |node: &NodeRef| {
                node.cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .filter(|value| !value.trim().is_empty())
            };
            let tag = tag_ref
                .cast::<HtmlSelectElement>()
                .map(|select| select.value())
                .filter(|value| !value.is_empty());
            GalleryQuery {
                q: text(&search_ref),
                species: text(&species_ref),
                tag,
                ..query.first_page()
            }
        }
    };
    let onsubmit = {
        let (go, typed) = (go.clone(), typed.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            go.emit(typed());
        })
    };
    // Typing searches once the typist pauses; the address is replaced, not pushed, so the back
    // button does not step through every prefix.
    let pending = use_mut_ref(|| None::<Timeout>);
    let oninput = {
        let (navigator, typed, pending, current) = (
            navigator.clone(),
            typed.clone(),
            pending.clone(),
            query.clone(),
        );
        Callback::from(move |_: InputEvent| {
            let (navigator, typed, current) = (navigator.clone(), typed.clone(), current.clone());
            *pending.borrow_mut() = Some(Timeout::new(SEARCH_PAUSE_MILLIS, move || {
                let next = typed();
                if (&next.q, &next.species) != (&current.q, &current.species)
                    && let Some(navigator) = &navigator
                {
                    let _ = navigator.replace_with_query(&Route::Gallery, &next);
                }
            }));
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
            html! { <ErrorBanner message={failure.message()} retry={Callback::from(move |()| reload.set(*reload + 1))} /> }
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
                <p class="result-count" role="status" data-testid="result-count">{ result_count(found, &query) }</p>
                <ul class="cards" data-testid="gallery">
                    { for found.items.iter().map(|creature| card(creature, &go, &query, arrived.0.contains(&creature.id.to_string()))) }
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
            if let Some(message) = &*notice {
                <p class="banner banner-ok" role="status" data-testid="notice">{ message.clone() }</p>
            }
            <form class="filters" role="search" {onsubmit}>
                <label class="sr-only" for="search">{"Search"}</label>
                <input id="search" ref={search_ref} type="search" name="q" placeholder="Search names and descriptions…"
                    value={query.q.clone().unwrap_or_default()} oninput={oninput.clone()} />
                <label class="sr-only" for="species">{"Species"}</label>
                <input id="species" ref={species_ref} name="species" placeholder="Species"
                    value={query.species.clone().unwrap_or_default()} {oninput} />
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

/// "24 creatures on page 2" and the like: how many this page shows, and whether there are more.
fn result_count(found: &CreaturePage, query: &GalleryQuery) -> String {
    let count = found.items.len();
    let noun = if count == 1 { "creature" } else { "creatures" };
    let more = if found.next_cursor.is_some() {
        ", more on the next page"
    } else {
        ""
    };
    match query.page_number() {
        1 => format!("{count} {noun}{more}"),
        page => format!("{count} {noun} on page {page}{more}"),
    }
}

fn card(
    creature: &CreatureView,
    go: &Callback<GalleryQuery>,
    query: &GalleryQuery,
    arrived: bool,
) -> Html {
    let id = creature.id.to_string();
    html! {
        <li class={classes!("card", arrived.then_some("card-arrived"))} key={id.clone()} data-testid="creature-card" data-id={id.clone()}>
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
