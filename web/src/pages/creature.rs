//! A creature's page: its large avatar, details, traits and tags (attach and detach for its
//! owner and admins), edit, new avatar and archive, and its history.

use super::history::HistoryTimeline;
use crate::api::types::{CreatureView, History};
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::components::avatar::Avatar;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::components::tag_input::TagInput;
use crate::format;
use crate::live::use_live;
use crate::route::{GalleryQuery, Route, encode};
use crate::session::{SessionAction, use_session};
use domain::creature::MAX_TAGS;
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`CreaturePage`].
#[derive(Properties, PartialEq)]
pub struct CreaturePageProps {
    /// The creature's id.
    pub id: String,
}

/// The creature page's place in its history: `?version=N` shows the state as of version N.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VersionQuery {
    /// The version whose state is shown (the latest when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

/// The creature page.
#[function_component(CreaturePage)]
pub fn creature_page(props: &CreaturePageProps) -> Html {
    let api = use_api();
    let session = use_session();
    let live = use_live();
    let navigator = use_navigator();
    let creature = use_state(|| None::<Result<CreatureView, ApiFailure>>);
    let history = use_state(|| None::<History>);
    let reload = use_state(|| 0u32);
    let busy = use_state(|| false);
    let failure = use_state(|| None::<ApiFailure>);
    let keys = use_mut_ref(IdempotencyKeys::default);
    // Archived from this page just now: its notice offers "Undo" rather than "Restore".
    let just_archived = use_state(|| false);
    let as_of = use_location()
        .and_then(|location| location.query::<VersionQuery>().ok())
        .unwrap_or_default();
    let pick_version = {
        let (navigator, id) = (navigator.clone(), props.id.clone());
        Callback::from(move |version: i64| {
            if let Some(navigator) = &navigator {
                let _ = navigator.replace_with_query(
                    &Route::Creature { id: id.clone() },
                    &VersionQuery {
                        version: Some(version),
                    },
                );
            }
        })
    };
    use_page_title(match &*creature {
        Some(Ok(found)) => found.name.as_str(),
        Some(Err(error)) if error.status == 404 => "No such creature",
        _ => "Creature",
    });

    {
        let (api, creature, history) = (api.clone(), creature.clone(), history.clone());
        use_effect_with(
            (props.id.clone(), live.creatures, *reload),
            move |(id, _, _)| {
                let id = id.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    creature.set(Some(
                        api.get::<CreatureView>(&format!("/creatures/{id}")).await,
                    ));
                    if let Ok(found) = api
                        .get::<History>(&format!("/creatures/{id}/history"))
                        .await
                    {
                        history.set(Some(found));
                    }
                });
            },
        );
    }

    // Runs a command, then reloads; a retry of the same command reuses its key.
    let run: Rc<dyn Fn(CommandRequest, Option<Route>)> = {
        let (api, session, reload, busy, failure, keys, navigator) = (
            api.clone(),
            session.clone(),
            reload.clone(),
            busy.clone(),
            failure.clone(),
            keys.clone(),
            navigator.clone(),
        );
        Rc::new(move |mut command: CommandRequest, then: Option<Route>| {
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, reload, busy, failure, keys, navigator) = (
                api.clone(),
                session.clone(),
                reload.clone(),
                busy.clone(),
                failure.clone(),
                keys.clone(),
                navigator.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                busy.set(false);
                match outcome {
                    Ok(_) => {
                        keys.borrow_mut().settled();
                        failure.set(None);
                        match (then, &navigator) {
                            (Some(route), Some(navigator)) => navigator.push(&route),
                            _ => reload.set(*reload + 1),
                        }
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
    };

    let creature_view = match &*creature {
        None => return html! { <Loading label="Loading the creature…" /> },
        Some(Err(error)) if error.status == 404 => {
            return html! {
                <Empty title="No such creature" page=true>
                    <p><Link<Route> to={Route::Gallery}>{"Back to the gallery"}</Link<Route>></p>
                </Empty>
            };
        }
        Some(Err(error)) => {
            let reload = reload.clone();
            return html! { <ErrorBanner message={error.message()} retry={Callback::from(move |()| reload.set(*reload + 1))} /> };
        }
        Some(Ok(found)) => found.clone(),
    };

    let id = creature_view.id.to_string();
    let may_change = session.may_change(creature_view.owner.id) && !creature_view.archived;

    let attach = {
        let (run, id) = (run.clone(), id.clone());
        Callback::from(move |name: String| {
            run(
                CommandRequest::new(
                    "PUT",
                    format!("/creatures/{id}/tags/{}", encode(&name)),
                    None,
                ),
                None,
            );
        })
    };
    let detach = {
        let (run, id) = (run.clone(), id.clone());
        Callback::from(move |name: String| {
            run(
                CommandRequest::new(
                    "DELETE",
                    format!("/creatures/{id}/tags/{}", encode(&name)),
                    None,
                ),
                None,
            );
        })
    };
    let new_avatar = {
        let (run, id) = (run.clone(), id.clone());
        Callback::from(move |_| {
            run(
                CommandRequest::new("POST", format!("/creatures/{id}/avatar"), None),
                None,
            );
        })
    };
    // Archiving asks nothing first: it says what happened and offers to undo it.
    let archive = {
        let (run, id, just_archived) = (run.clone(), id.clone(), just_archived.clone());
        Callback::from(move |_| {
            just_archived.set(true);
            run(
                CommandRequest::new("DELETE", format!("/creatures/{id}"), None),
                None,
            );
        })
    };
    let restore = {
        let (run, id, just_archived) = (run.clone(), id.clone(), just_archived.clone());
        Callback::from(move |_| {
            just_archived.set(false);
            run(
                CommandRequest::new("POST", format!("/creatures/{id}/restore"), None),
                None,
            );
        })
    };
    let may_restore = session.may_change(creature_view.owner.id) && creature_view.archived;

    let owner_name = match &creature_view.owner {
        owner if owner.forgotten => "a forgotten user".to_owned(),
        owner => owner
            .display_name
            .clone()
            .unwrap_or_else(|| "someone".into()),
    };
    html! {
        <article class="creature" data-testid="creature-page" data-id={id.clone()}>
            if let Some(error) = &*failure {
                <ErrorBanner message={error.message()} />
            }
            if may_restore {
                <div class="banner banner-info" role="status" data-testid="archived-notice">
                    <span>
                        { if *just_archived {
                            format!("{} is archived: it has left the gallery. Its page and history stay.", creature_view.name)
                        } else {
                            format!("{} is archived: it is not listed in the gallery.", creature_view.name)
                        } }
                    </span>
                    <button class="button button-small" onclick={restore} disabled={*busy}>
                        { if *just_archived { "Undo" } else { "Restore" } }
                    </button>
                </div>
            }
            <div class="creature-hero">
                <Avatar avatar={creature_view.avatar.clone()} name={creature_view.name.clone()} size="large" />
                <div class="creature-summary">
                    <p class="eyebrow">{ creature_view.species.as_str() }</p>
                    <h1 data-testid="creature-name">{ creature_view.name.as_str() }</h1>
                    if creature_view.archived {
                        <p class="pill pill-muted">{"Archived"}</p>
                    }
                    <p class="muted">{ format!("Described by {owner_name} · {}", format::when(&creature_view.created_at)) }</p>
                    <p class="avatar-status" data-testid="avatar-status">
                        { avatar_status(&creature_view) }
                    </p>
                    if !creature_view.description.is_empty() {
                        <p class="description">{ creature_view.description.as_str() }</p>
                    }
                    <h2 class="section-title">{"Tags"}</h2>
                    if may_change {
                        <TagInput id="new-tag" label="Add a tag" label_hidden=true chosen={creature_view.tags.clone()} limit={MAX_TAGS}
                            on_add={attach} on_remove={detach} disabled={*busy} />
                    } else {
                        <ul class="chips" data-testid="creature-tags">
                            { for creature_view.tags.iter().map(|tag| {
                                let filter = GalleryQuery { tag: Some(tag.clone()), ..GalleryQuery::default() };
                                html! {
                                    <li class="chip chip-static">
                                        <Link<Route, GalleryQuery> to={Route::Gallery} query={Some(filter)} classes="chip-label">{ tag.clone() }</Link<Route, GalleryQuery>>
                                    </li>
                                }
                            }) }
                            if creature_view.tags.is_empty() {
                                <li class="muted">{"No tags yet."}</li>
                            }
                        </ul>
                    }
                    if may_change {
                        <div class="actions">
                            <Link<Route> to={Route::EditCreature { id: id.clone() }} classes="button button-ghost">{"Edit"}</Link<Route>>
                            <button class="button button-ghost" onclick={new_avatar} disabled={*busy}>{"New avatar"}</button>
                            <button class="button button-danger" onclick={archive} disabled={*busy}>{"Archive"}</button>
                        </div>
                    }
                </div>
            </div>
            if creature_view.traits.as_object().is_some_and(|traits| !traits.is_empty()) {
                <section class="panel">
                    <h2 class="section-title">{"Traits"}</h2>
                    <dl class="traits">
                        { for creature_view.traits.as_object().into_iter().flatten().map(|(key, value)| html! {
                            <div class="trait"><dt>{ key.clone() }</dt><dd>{ format::trait_value(value) }</dd></div>
                        }) }
                    </dl>
                </section>
            }
            <section class="panel">
                <h2 class="section-title">{"History"}</h2>
                {
                    match &*history {
                        Some(history) => html! {
                            <HistoryTimeline creature={id.clone()} events={history.events.clone()}
                                owner={creature_view.owner.id}
                                owner_name={owner_name.clone()}
                                me={session.me.as_ref().map(|me| me.id)}
                                version={as_of.version}
                                on_select={pick_version} />
                        },
                        None => html! { <Loading label="Loading the history…" /> },
                    }
                }
            </section>
        </article>
    }
}

fn avatar_status(creature: &CreatureView) -> String {
    match creature.avatar.state.as_str() {
        "ready" => "Avatar ready".into(),
        "pending" => "Avatar being painted…".into(),
        "failed" => format!(
            "Avatar failed: {}",
            creature
                .avatar
                .failure
                .clone()
                .unwrap_or_else(|| "unknown reason".into())
        ),
        _ => "No avatar asked for yet".into(),
    }
}
