//! "My creatures": the signed-in user's creatures, listed or archived (`?archived=true`), with a
//! restore button on each archived one.

use crate::api::types::{CreaturePage, CreatureView};
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::components::avatar::Avatar;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::live::use_live;
use crate::pages::login::LoginQuery;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use serde::{Deserialize, Serialize};
use yew::prelude::*;
use yew_router::prelude::*;

/// How many creatures a page of the list holds.
const PAGE_SIZE: i64 = 48;

/// Which of the user's creatures are shown.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MineQuery {
    /// The archived ones instead of the listed ones.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

/// The page.
#[function_component(Mine)]
pub fn mine() -> Html {
    use_page_title("My creatures");
    let api = use_api();
    let session = use_session();
    let live = use_live();
    let query = use_location()
        .and_then(|location| location.query::<MineQuery>().ok())
        .unwrap_or_default();
    let page = use_state(|| None::<Result<CreaturePage, ApiFailure>>);
    let more = use_state(Vec::<CreatureView>::new);
    let reload = use_state(|| 0u32);
    let notice = use_state(|| None::<String>);
    let failure = use_state(|| None::<ApiFailure>);
    let keys = use_mut_ref(IdempotencyKeys::default);
    let owner = session.me.as_ref().map(|me| me.id.to_string());

    {
        let (api, page, more) = (api.clone(), page.clone(), more.clone());
        use_effect_with(
            (owner.clone(), query.archived, live.creatures, *reload),
            move |(owner, archived, _, _)| {
                let path = owner.as_ref().map(|owner| {
                    format!("/creatures?owner={owner}&archived={archived}&limit={PAGE_SIZE}")
                });
                if let Some(path) = path {
                    wasm_bindgen_futures::spawn_local(async move {
                        let answer = api.get::<CreaturePage>(&path).await;
                        more.set(Vec::new());
                        page.set(Some(answer));
                    });
                }
            },
        );
    }

    let Some(owner) = owner else {
        let back = LoginQuery {
            next: Some("/mine".into()),
        };
        return html! {
            <Empty title="My creatures" page=true>
                <p>
                    <Link<Route, LoginQuery> to={Route::Login} query={Some(back)}>{"Log in"}</Link<Route, LoginQuery>>
                    {" to see the creatures you described."}
                </p>
            </Empty>
        };
    };

    let restore = {
        let (api, session, keys, notice, failure, reload) = (
            api.clone(),
            session.clone(),
            keys.clone(),
            notice.clone(),
            failure.clone(),
            reload.clone(),
        );
        move |creature: &CreatureView| {
            let (api, session, keys, notice, failure, reload) = (
                api.clone(),
                session.clone(),
                keys.clone(),
                notice.clone(),
                failure.clone(),
                reload.clone(),
            );
            let (id, name) = (creature.id.to_string(), creature.name.clone());
            Callback::from(move |_| {
                let mut command =
                    CommandRequest::new("POST", format!("/creatures/{id}/restore"), None);
                command.key = keys.borrow_mut().key_for(&command.fingerprint());
                let (api, session, keys, notice, failure, reload, name) = (
                    api.clone(),
                    session.clone(),
                    keys.clone(),
                    notice.clone(),
                    failure.clone(),
                    reload.clone(),
                    name.clone(),
                );
                wasm_bindgen_futures::spawn_local(async move {
                    match api.send(&command).await {
                        Ok(_) => {
                            keys.borrow_mut().settled();
                            failure.set(None);
                            notice.set(Some(format!("{name} is restored: it is listed again.")));
                            reload.set(*reload + 1);
                        }
                        Err(error) => {
                            if !error.is_transient() {
                                keys.borrow_mut().settled();
                            }
                            if error.status == 401 {
                                session.dispatch(SessionAction::Expired);
                            }
                            failure.set(Some(error));
                        }
                    }
                });
            })
        }
    };
    let load_more = {
        let (api, page, more) = (api.clone(), page.clone(), more.clone());
        let (owner, archived) = (owner.clone(), query.archived);
        Callback::from(move |_| {
            let Some(Ok(found)) = &*page else {
                return;
            };
            let Some(cursor) = found.next_cursor.clone() else {
                return;
            };
            let path = format!(
                "/creatures?owner={owner}&archived={archived}&limit={PAGE_SIZE}&cursor={cursor}"
            );
            let (api, page, more) = (api.clone(), page.clone(), more.clone());
            let mut shown = (*more).clone();
            shown.extend(found.items.iter().cloned());
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api.get::<CreaturePage>(&path).await;
                if answer.is_ok() {
                    more.set(shown);
                }
                page.set(Some(answer));
            });
        })
    };

    let tab = |archived: bool, label: &str| {
        let current = query.archived == archived;
        html! {
            <Link<Route, MineQuery> to={Route::Mine} query={Some(MineQuery { archived })}
                classes={classes!("tab", current.then_some("tab-current"))}>
                <span aria-current={current.then_some("page")}>{ label.to_owned() }</span>
            </Link<Route, MineQuery>>
        }
    };
    let body = match &*page {
        None => html! { <Loading label="Loading your creatures…" /> },
        Some(Err(error)) => {
            let reload = reload.clone();
            html! { <ErrorBanner message={error.message()} retry={Callback::from(move |()| reload.set(*reload + 1))} /> }
        }
        Some(Ok(found)) if found.items.is_empty() && more.is_empty() => {
            if query.archived {
                html! { <Empty title="Nothing archived"><p>{"Creatures you archive wait here, ready to be restored."}</p></Empty> }
            } else {
                html! {
                    <Empty title="No creatures yet">
                        <p><Link<Route> to={Route::NewCreature}>{"Describe your first creature"}</Link<Route>></p>
                    </Empty>
                }
            }
        }
        Some(Ok(found)) => {
            let creatures: Vec<&CreatureView> = more.iter().chain(found.items.iter()).collect();
            let count = creatures.len();
            let noun = if count == 1 { "creature" } else { "creatures" };
            html! {
                <>
                    <p class="result-count" role="status" data-testid="mine-count">
                        { format!("{count} {noun}{}", if found.next_cursor.is_some() { ", more below" } else { "" }) }
                    </p>
                    <ul class="cards" data-testid="mine">
                        { for creatures.into_iter().map(|creature| {
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
                                    if creature.archived {
                                        <div class="card-actions">
                                            <button class="button button-small" onclick={restore(creature)}
                                                aria-label={format!("Restore {}", creature.name)}>{"Restore"}</button>
                                        </div>
                                    }
                                </li>
                            }
                        }) }
                    </ul>
                    if found.next_cursor.is_some() {
                        <div class="pager"><button class="button button-ghost" onclick={load_more}>{"Show more"}</button></div>
                    }
                </>
            }
        }
    };
    html! {
        <section>
            <h1>{"My creatures"}</h1>
            <nav class="tabs" aria-label="Which creatures">
                { tab(false, "Listed") }
                { tab(true, "Archived") }
            </nav>
            if let Some(message) = &*notice {
                <p class="banner banner-ok" role="status" data-testid="notice">{ message.clone() }</p>
            }
            if let Some(error) = &*failure {
                <ErrorBanner message={error.message()} />
            }
            { body }
        </section>
    }
}
