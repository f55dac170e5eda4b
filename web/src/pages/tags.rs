//! Tags with their counts; users create tags, admins rename and delete them.

use crate::api::types::{TagList, TagNameRequest, TagView};
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::live::use_live;
use crate::route::{GalleryQuery, Route};
use crate::session::{SessionAction, use_session};
use domain::values::TagName;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

/// The tags page.
#[function_component(Tags)]
pub fn tags() -> Html {
    use_page_title("Tags");
    let api = use_api();
    let session = use_session();
    let live = use_live();
    let list = use_state(|| None::<Result<Vec<TagView>, ApiFailure>>);
    let failure = use_state(|| None::<ApiFailure>);
    let reload = use_state(|| 0u32);
    let keys = use_mut_ref(IdempotencyKeys::default);
    let new_name = use_node_ref();

    {
        let (api, list) = (api.clone(), list.clone());
        use_effect_with((live.tags, *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(
                    api.get::<TagList>("/tags").await.map(|found| found.tags),
                ));
            });
        });
    }

    let run: Rc<dyn Fn(CommandRequest)> = {
        let (api, session, failure, reload, keys) = (
            api.clone(),
            session.clone(),
            failure.clone(),
            reload.clone(),
            keys.clone(),
        );
        Rc::new(move |mut command: CommandRequest| {
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, failure, reload, keys) = (
                api.clone(),
                session.clone(),
                failure.clone(),
                reload.clone(),
                keys.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api.send(&command).await {
                    Ok(_) => {
                        keys.borrow_mut().settled();
                        failure.set(None);
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
    };

    let create = {
        let (run, new_name) = (run.clone(), new_name.clone());
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if let Some(input) = new_name.cast::<HtmlInputElement>() {
                let name = input.value().trim().to_owned();
                if !name.is_empty() {
                    input.set_value("");
                    run(CommandRequest::with_body(
                        "POST",
                        "/tags",
                        &TagNameRequest { name },
                    ));
                }
            }
        })
    };
    let rename = |tag: &TagView| {
        let (run, id, old) = (run.clone(), tag.id.to_string(), tag.name.clone());
        Callback::from(move |_| {
            let answer = web_sys::window()
                .and_then(|window| {
                    window
                        .prompt_with_message_and_default(&format!("Rename the tag {old} to:"), &old)
                        .ok()
                })
                .flatten();
            if let Some(name) = answer
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty() && *name != old)
            {
                run(CommandRequest::with_body(
                    "PATCH",
                    format!("/tags/{id}"),
                    &TagNameRequest { name },
                ));
            }
        })
    };
    let delete = |tag: &TagView| {
        let (run, id, name) = (run.clone(), tag.id.to_string(), tag.name.clone());
        Callback::from(move |_| {
            let confirmed = web_sys::window()
                .and_then(|window| {
                    window
                        .confirm_with_message(&format!(
                            "Delete the tag {name}? It is removed from every creature."
                        ))
                        .ok()
                })
                .unwrap_or(false);
            if confirmed {
                run(CommandRequest::new("DELETE", format!("/tags/{id}"), None));
            }
        })
    };

    let body = match &*list {
        None => html! { <Loading label="Loading tags…" /> },
        Some(Err(error)) => {
            let reload = reload.clone();
            html! { <ErrorBanner message={error.message()} retry={Callback::from(move |()| reload.set(*reload + 1))} /> }
        }
        Some(Ok(tags)) if tags.is_empty() => html! {
            <Empty title="No tags yet">
                <p>{"Tags group creatures: fire, forest, friendly…"}</p>
            </Empty>
        },
        Some(Ok(tags)) => html! {
            <table class="table" data-testid="tags-table">
                <thead><tr><th scope="col">{"Tag"}</th><th scope="col" class="numeric">{"Creatures"}</th>
                    if session.is_admin() { <th scope="col"><span class="sr-only">{"Actions"}</span></th> }</tr></thead>
                <tbody>
                    { for tags.iter().map(|tag| {
                        let filter = GalleryQuery { tag: Some(tag.name.clone()), ..GalleryQuery::default() };
                        html! {
                            <tr key={tag.id.to_string()}>
                                <td><Link<Route, GalleryQuery> to={Route::Gallery} query={Some(filter)}>{ tag.name.as_str() }</Link<Route, GalleryQuery>></td>
                                <td class="numeric">{ tag.creature_count }</td>
                                if session.is_admin() {
                                    <td><div class="row-actions">
                                        <button class="button button-ghost button-small" onclick={rename(tag)}>{"Rename"}</button>
                                        <button class="button button-danger button-small" onclick={delete(tag)}>{"Delete"}</button>
                                    </div></td>
                                }
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    };

    html! {
        <section class="narrow">
            <h1>{"Tags"}</h1>
            if let Some(error) = &*failure {
                <ErrorBanner message={error.message()} />
            }
            if session.me.is_some() {
                <form class="inline-form" onsubmit={create}>
                    <label class="sr-only" for="tag-name">{"New tag"}</label>
                    <input id="tag-name" ref={new_name} placeholder="New tag" maxlength={TagName::MAX_CHARS.to_string()} />
                    <button class="button" type="submit">{"Create tag"}</button>
                </form>
            }
            { body }
        </section>
    }
}
