//! Registering a creature, or editing one: fields with counters, a traits editor, the domain's
//! rules checked before anything is sent, and the API's refusals shown under the fields they
//! concern.

use crate::api::types::{CreateCreatureRequest, CreatureView, UpdateCreatureRequest};
use crate::api::{ApiFailure, CommandRequest, FieldErrors, IdempotencyKeys};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::components::tag_input::TagInput;
use crate::format;
use crate::pages::login::LoginQuery;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use crate::validation;
use domain::creature::MAX_TAGS;
use domain::values::{CreatureName, Description, Species, TagName, Traits};
use serde_json::{Map, Value};
use std::collections::BTreeSet;
use std::rc::Rc;
use web_sys::HtmlInputElement;
use yew::prelude::*;
use yew_router::prelude::*;

/// Props of [`CreatureForm`].
#[derive(Properties, PartialEq)]
pub struct CreatureFormProps {
    /// The creature to edit; `None` registers a new one.
    pub id: Option<String>,
}

#[derive(Clone, Default, PartialEq)]
struct Draft {
    name: String,
    species: String,
    description: String,
    traits: Vec<(String, String)>,
    tags: Vec<String>,
    version: Option<i64>,
}

/// A change to the draft, applied to the draft as it is when it runs (not as it was when the
/// callback was made), so a change that arrives late, after a tag was created, keeps what was
/// typed meanwhile.
struct Change(Box<dyn FnOnce(&mut Draft)>);

impl Reducible for Draft {
    type Action = Change;

    fn reduce(self: Rc<Self>, change: Change) -> Rc<Self> {
        let mut next = (*self).clone();
        (change.0)(&mut next);
        Rc::new(next)
    }
}

impl Draft {
    fn from_view(view: &CreatureView) -> Self {
        Draft {
            name: view.name.clone(),
            species: view.species.clone(),
            description: view.description.clone(),
            traits: view
                .traits
                .as_object()
                .into_iter()
                .flatten()
                .map(|(key, value)| (key.clone(), format::trait_value(value)))
                .collect(),
            tags: Vec::new(),
            version: Some(i64::from(view.version)),
        }
    }

    fn traits_value(&self) -> Value {
        let map: Map<String, Value> = self
            .traits
            .iter()
            .map(|(key, value)| (key.trim().to_owned(), format::parse_trait_value(value)))
            .collect();
        Value::Object(map)
    }

    /// What the domain would refuse, by field (`trait-N` for the Nth trait row): nothing is
    /// sent while this is not empty, and no row is dropped to make it so.
    fn refusals(&self, creating: bool) -> FieldErrors {
        let mut errors = FieldErrors::new();
        validation::check(&mut errors, "name", CreatureName::parse(&self.name));
        validation::check(&mut errors, "species", Species::parse(&self.species));
        validation::check(
            &mut errors,
            "description",
            Description::parse(&self.description),
        );
        let mut names = BTreeSet::new();
        for (index, (key, value)) in self.traits.iter().enumerate() {
            let name = key.trim();
            let refusal = if name.is_empty() {
                Some("Give this trait a name, or remove it.".to_owned())
            } else if !names.insert(name) {
                Some(format!("Another trait is already named “{name}”."))
            } else if validation::length(name) > Traits::MAX_KEY_CHARS {
                Some(format!(
                    "A trait name can be at most {} characters.",
                    Traits::MAX_KEY_CHARS
                ))
            } else if validation::length(value) > Traits::MAX_TEXT_CHARS {
                Some(format!(
                    "A trait value can be at most {} characters.",
                    Traits::MAX_TEXT_CHARS
                ))
            } else {
                None
            };
            if let Some(refusal) = refusal {
                errors.insert(format!("trait-{index}"), refusal);
            }
        }
        if errors.keys().all(|field| !field.starts_with("trait-")) {
            validation::check(&mut errors, "traits", Traits::parse(&self.traits_value()));
        }
        if creating {
            for tag in &self.tags {
                validation::check(&mut errors, "tags", TagName::parse(tag));
            }
        }
        errors
    }
}

/// The create or edit form.
#[function_component(CreatureForm)]
pub fn creature_form(props: &CreatureFormProps) -> Html {
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let draft = use_reducer(Draft::default);
    let loaded = use_state(|| props.id.is_none());
    let errors = use_state(FieldErrors::new);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let keys = use_mut_ref(IdempotencyKeys::default);
    // Whose creature is being edited, whether it is archived, and its name.
    let editing_view = use_state(|| None::<(domain::UserId, bool, String)>);
    use_page_title(match (props.id.is_some(), *loaded) {
        (_, false) => "Loading the creature",
        (true, true) => "Edit creature",
        (false, true) => "New creature",
    });

    {
        let (api, draft, loaded, failure, editing_view) = (
            api.clone(),
            draft.clone(),
            loaded.clone(),
            failure.clone(),
            editing_view.clone(),
        );
        use_effect_with(props.id.clone(), move |id| {
            if let Some(id) = id.clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    match api.get::<CreatureView>(&format!("/creatures/{id}")).await {
                        Ok(view) => {
                            editing_view.set(Some((
                                view.owner.id,
                                view.archived,
                                view.name.as_str().to_owned(),
                            )));
                            let loaded = Draft::from_view(&view);
                            draft.dispatch(Change(Box::new(move |draft| *draft = loaded)));
                        }
                        Err(error) => failure.set(Some(error)),
                    }
                    loaded.set(true);
                });
            }
        });
    }

    if session.me.is_none() {
        let here = match &props.id {
            Some(id) => Route::EditCreature { id: id.clone() }.to_path(),
            None => Route::NewCreature.to_path(),
        };
        return html! {
            <section class="narrow">
                <h1>{ if props.id.is_some() { "Edit a creature" } else { "New creature" } }</h1>
                <p>{"You need to "}<Link<Route, LoginQuery> to={Route::Login} query={Some(LoginQuery::returning_to(&here))}>{"log in"}</Link<Route, LoginQuery>>{" first."}</p>
            </section>
        };
    }
    if !*loaded {
        return html! { <Loading label="Loading the creature…" /> };
    }
    // Only its owner or an admin may edit a creature, and nobody an archived one: say so
    // plainly instead of offering a form the API would refuse.
    if let (Some(id), Some((owner, archived, name))) = (&props.id, &*editing_view) {
        let refusal = if !session.may_change(*owner) {
            Some(format!(
                "Only the one who described {name}, or an admin, can edit it."
            ))
        } else if *archived {
            Some(format!(
                "{name} is archived, so it can no longer be edited."
            ))
        } else {
            None
        };
        if let Some(refusal) = refusal {
            return html! {
                <div data-testid="edit-refused">
                    <Empty title={format!("You cannot edit {name}")} page=true>
                        <p>{ refusal }{" "}<Link<Route> to={Route::Creature { id: id.clone() }}>{"Back to the creature"}</Link<Route>></p>
                    </Empty>
                </div>
            };
        }
    }

    let set = |update: fn(&mut Draft, String)| {
        let draft = draft.clone();
        Callback::from(move |value: String| {
            draft.dispatch(Change(Box::new(move |draft| update(draft, value))));
        })
    };
    let set_trait = |index: usize, is_key: bool| {
        let draft = draft.clone();
        Callback::from(move |event: InputEvent| {
            let value = event.target_unchecked_into::<HtmlInputElement>().value();
            draft.dispatch(Change(Box::new(move |draft| {
                if let Some(row) = draft.traits.get_mut(index) {
                    if is_key { row.0 = value } else { row.1 = value }
                }
            })));
        })
    };
    let add_trait = {
        let draft = draft.clone();
        Callback::from(move |_| {
            draft.dispatch(Change(Box::new(|draft| {
                draft.traits.push((String::new(), String::new()));
            })));
        })
    };
    let remove_trait = |index: usize| {
        let draft = draft.clone();
        Callback::from(move |_| {
            draft.dispatch(Change(Box::new(move |draft| {
                if index < draft.traits.len() {
                    draft.traits.remove(index);
                }
            })));
        })
    };

    let onsubmit = {
        let (api, session, navigator, draft, errors, failure, busy, keys, id) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            draft.clone(),
            errors.clone(),
            failure.clone(),
            busy.clone(),
            keys.clone(),
            props.id.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            let refusals = draft.refusals(id.is_none());
            if !refusals.is_empty() {
                errors.set(refusals);
                failure.set(None);
                return;
            }
            let mut command = match &id {
                None => CommandRequest::with_body(
                    "POST",
                    "/creatures",
                    &CreateCreatureRequest {
                        name: draft.name.clone(),
                        species: draft.species.clone(),
                        description: draft.description.clone(),
                        traits: draft.traits_value(),
                        tags: draft.tags.clone(),
                    },
                ),
                Some(id) => {
                    let mut command = CommandRequest::with_body(
                        "PATCH",
                        format!("/creatures/{id}"),
                        &UpdateCreatureRequest {
                            name: Some(draft.name.clone()),
                            species: Some(draft.species.clone()),
                            description: Some(draft.description.clone()),
                            traits: Some(draft.traits_value()),
                        },
                    );
                    command.if_match = draft.version;
                    command
                }
            };
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, navigator, errors, failure, busy, keys, id) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                errors.clone(),
                failure.clone(),
                busy.clone(),
                keys.clone(),
                id.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                busy.set(false);
                match outcome {
                    Ok(committed) => {
                        keys.borrow_mut().settled();
                        let target = committed.id.or(id).unwrap_or_default();
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Creature { id: target });
                        }
                    }
                    Err(error) => {
                        if !error.is_transient() {
                            keys.borrow_mut().settled();
                        }
                        if error.status == 401 {
                            session.dispatch(SessionAction::Expired);
                        }
                        errors.set(error.field_errors());
                        failure.set(Some(error));
                    }
                }
            });
        })
    };

    let editing = props.id.is_some();
    let banner = failure.as_ref().map(|error| {
        if error.status == 409 && error.problem_type.ends_with("version-conflict") {
            "Someone changed this creature while you were editing. Reload the page to see their change, then edit again.".to_owned()
        } else if !error.errors.is_empty() {
            "Some fields need another look.".to_owned()
        } else {
            error.message()
        }
    });
    let banner = banner
        .or_else(|| (!errors.is_empty()).then(|| "Some fields need another look.".to_owned()));
    html! {
        <section class="narrow">
            <h1>{ if editing { "Edit creature" } else { "New creature" } }</h1>
            if let Some(message) = banner {
                <ErrorBanner {message} />
            }
            <form class="form" onsubmit={onsubmit} novalidate=true>
                <TextField name="name" label="Name" value={draft.name.clone()} oninput={set(|draft, value| draft.name = value)}
                    error={errors.get("name").cloned()} limit={CreatureName::MAX_CHARS} required=true />
                <TextField name="species" label="Species" value={draft.species.clone()} oninput={set(|draft, value| draft.species = value)}
                    error={errors.get("species").cloned()} limit={Species::MAX_CHARS} required=true
                    hint="dragon, owl, kraken…" />
                <TextField name="description" label="Description" value={draft.description.clone()} multiline=true
                    oninput={set(|draft, value| draft.description = value)}
                    error={errors.get("description").cloned()} limit={Description::MAX_CHARS} />
                <fieldset class={classes!("traits-editor", errors.contains_key("traits").then_some("field-invalid"))}>
                    <legend>{"Traits"}</legend>
                    { for draft.traits.iter().enumerate().map(|(index, (key, value))| {
                        let refusal = errors.get(&format!("trait-{index}")).cloned();
                        let error_id = format!("trait-{index}-error");
                        html! {
                            <div class={classes!("trait-row", refusal.is_some().then_some("field-invalid"))} key={index}
                                data-testid="trait-row">
                                <input aria-label={format!("Trait {} name", index + 1)} placeholder="wings" value={key.clone()}
                                    aria-invalid={refusal.is_some().to_string()}
                                    aria-describedby={refusal.is_some().then(|| error_id.clone())}
                                    oninput={set_trait(index, true)} />
                                <input aria-label={format!("Trait {} value", index + 1)} placeholder="2" value={value.clone()}
                                    oninput={set_trait(index, false)} />
                                <button type="button" class="button button-ghost button-small" aria-label={format!("Remove trait {}", index + 1)}
                                    onclick={remove_trait(index)}>{"Remove"}</button>
                                if let Some(refusal) = refusal {
                                    <p class="field-error trait-error" id={error_id}>{ refusal }</p>
                                }
                            </div>
                        }
                    }) }
                    if draft.traits.len() < Traits::MAX_COUNT {
                        <button type="button" class="button button-ghost button-small" onclick={add_trait}>{"+ Add a trait"}</button>
                    }
                    if let Some(error) = errors.get("traits") {
                        <p class="field-error">{ error.clone() }</p>
                    }
                </fieldset>
                if !editing {
                    <TagInput id="field-tags" label="Tags" chosen={draft.tags.clone()} limit={MAX_TAGS}
                        on_add={set(|draft, name| draft.tags.push(name))}
                        on_remove={set(|draft, name| draft.tags.retain(|tag| *tag != name))}
                        error={errors.get("tags").cloned()} disabled={*busy} />
                }
                <div class="actions">
                    <button class="button" type="submit" disabled={*busy}>
                        { if *busy { "Saving…" } else if editing { "Save changes" } else { "Register creature" } }
                    </button>
                    {
                        match &props.id {
                            Some(id) => html! { <Link<Route> to={Route::Creature { id: id.clone() }} classes="button button-ghost">{"Cancel"}</Link<Route>> },
                            None => html! { <Link<Route> to={Route::Gallery} classes="button button-ghost">{"Cancel"}</Link<Route>> },
                        }
                    }
                </div>
            </form>
        </section>
    }
}
