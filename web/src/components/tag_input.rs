//! The one tag input of the SPA: the chosen tags as chips, and a combobox that suggests tags
//! from `GET /tags` as you type and offers to create the tag when the name is new. Creating
//! happens here (`POST /tags`, with an idempotency key); when it fails, what was typed stays
//! and the reason is shown under the input. The page decides what choosing and removing a tag
//! does (a draft's list, or a command on the creature).

use crate::api::types::{TagList, TagNameRequest};
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::live::use_live;
use crate::validation;
use domain::values::TagName;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// How many suggestions are shown at once.
const SUGGESTIONS: usize = 8;

/// Props of [`TagInput`].
#[derive(Properties, PartialEq)]
pub struct TagInputProps {
    /// The input's id (its label points at it).
    pub id: AttrValue,
    /// The label.
    pub label: AttrValue,
    /// Whether the label is for screen readers only (a heading above already says it).
    #[prop_or_default]
    pub label_hidden: bool,
    /// The tags chosen so far, by name.
    pub chosen: Vec<String>,
    /// Called with the name of a tag chosen (an existing one, or one just created).
    pub on_add: Callback<String>,
    /// Called with the name of a chip removed.
    pub on_remove: Callback<String>,
    /// While the page is busy with a tag command.
    #[prop_or_default]
    pub disabled: bool,
    /// A refusal to show under the input (for example from the page's own validation).
    #[prop_or_default]
    pub error: Option<String>,
    /// The most tags allowed.
    #[prop_or_default]
    pub limit: Option<usize>,
}

/// What the list offers for the text typed.
#[derive(Clone, Debug, PartialEq)]
enum Offer {
    /// An existing tag, by name.
    Existing(String),
    /// A new tag of this name.
    Create(String),
}

impl Offer {
    fn label(&self) -> String {
        match self {
            Offer::Existing(name) => name.clone(),
            Offer::Create(name) => format!("Create tag “{name}”"),
        }
    }
}

/// What to offer for `text`: existing tags containing it (those starting with it first), not
/// chosen yet, then creating it when no tag has that name.
fn offers(known: &[String], chosen: &[String], text: &str) -> Vec<Offer> {
    let wanted = text.trim();
    if wanted.is_empty() {
        return Vec::new();
    }
    let lower = wanted.to_lowercase();
    let is_chosen = |name: &str| {
        chosen
            .iter()
            .any(|c| c.to_lowercase() == name.to_lowercase())
    };
    let mut matching: Vec<&String> = known
        .iter()
        .filter(|name| name.to_lowercase().contains(&lower) && !is_chosen(name))
        .collect();
    matching.sort_by_key(|name| {
        (
            !name.to_lowercase().starts_with(&lower),
            name.to_lowercase(),
        )
    });
    let mut offers: Vec<Offer> = matching
        .into_iter()
        .take(SUGGESTIONS)
        .map(|name| Offer::Existing(name.clone()))
        .collect();
    let exists = known.iter().any(|name| name.to_lowercase() == lower);
    if !exists && !is_chosen(wanted) {
        offers.push(Offer::Create(wanted.to_owned()));
    }
    offers
}

/// Chips and a combobox with suggestions.
#[function_component(TagInput)]
pub fn tag_input(props: &TagInputProps) -> Html {
    let api = use_api();
    let live = use_live();
    let known = use_state(Vec::<String>::new);
    let text = use_state(String::new);
    let open = use_state(|| false);
    let active = use_state(|| None::<usize>);
    let creating = use_state(|| false);
    let failure = use_state(|| None::<String>);
    let keys = use_mut_ref(IdempotencyKeys::default);
    let input = use_node_ref();

    {
        let (api, known) = (api.clone(), known.clone());
        use_effect_with(live.tags, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(list) = api.get::<TagList>("/tags").await {
                    known.set(list.tags.into_iter().map(|tag| tag.name).collect());
                }
            });
        });
    }

    let list = offers(&known, &props.chosen, &text);
    let full = props.limit.is_some_and(|limit| props.chosen.len() >= limit);

    let choose = {
        let (api, known, text, open, active, creating, failure, keys, on_add, input) = (
            api.clone(),
            known.clone(),
            text.clone(),
            open.clone(),
            active.clone(),
            creating.clone(),
            failure.clone(),
            keys.clone(),
            props.on_add.clone(),
            input.clone(),
        );
        Callback::from(move |offer: Offer| {
            active.set(None);
            match offer {
                Offer::Existing(name) => {
                    text.set(String::new());
                    failure.set(None);
                    open.set(false);
                    on_add.emit(name);
                }
                Offer::Create(name) => {
                    if let Err(refusal) = TagName::parse(&name) {
                        failure.set(Some(validation::sentence("tags", &refusal.message)));
                        return;
                    }
                    let mut create = CommandRequest::with_body(
                        "POST",
                        "/tags",
                        &TagNameRequest { name: name.clone() },
                    );
                    create.key = keys.borrow_mut().key_for(&create.fingerprint());
                    let (api, known, text, open, creating, failure, keys, on_add, input) = (
                        api.clone(),
                        known.clone(),
                        text.clone(),
                        open.clone(),
                        creating.clone(),
                        failure.clone(),
                        keys.clone(),
                        on_add.clone(),
                        input.clone(),
                    );
                    creating.set(true);
                    wasm_bindgen_futures::spawn_local(async move {
                        let outcome = api.send(&create).await;
                        creating.set(false);
                        match outcome {
                            Ok(_) => {
                                keys.borrow_mut().settled();
                                let mut names = (*known).clone();
                                names.push(name.clone());
                                known.set(names);
                                text.set(String::new());
                                failure.set(None);
                                open.set(false);
                                on_add.emit(name);
                            }
                            Err(error) => {
                                if !error.is_transient() {
                                    keys.borrow_mut().settled();
                                }
                                // What was typed stays, to fix or try again.
                                failure.set(Some(create_refusal(&name, &error)));
                                if let Some(field) = input.cast::<HtmlInputElement>() {
                                    let _ = field.focus();
                                }
                            }
                        }
                    });
                }
            }
        })
    };

    let oninput = {
        let (text, open, active, failure) =
            (text.clone(), open.clone(), active.clone(), failure.clone());
        Callback::from(move |event: InputEvent| {
            text.set(event.target_unchecked_into::<HtmlInputElement>().value());
            open.set(true);
            active.set(None);
            failure.set(None);
        })
    };
    // A field emptied without typing (a browser's autofill or clear) says so only by `change`.
    let onchange = {
        let text = text.clone();
        Callback::from(move |event: Event| {
            text.set(event.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let onkeydown = {
        let (list, active, open, choose, text) = (
            list.clone(),
            active.clone(),
            open.clone(),
            choose.clone(),
            text.clone(),
        );
        let (chosen, on_remove) = (props.chosen.clone(), props.on_remove.clone());
        Callback::from(move |event: KeyboardEvent| match event.key().as_str() {
            "ArrowDown" if !list.is_empty() => {
                event.prevent_default();
                open.set(true);
                active.set(Some(active.map_or(0, |at| (at + 1) % list.len())));
            }
            "ArrowUp" if !list.is_empty() => {
                event.prevent_default();
                open.set(true);
                active.set(Some(
                    active.map_or(list.len() - 1, |at| (at + list.len() - 1) % list.len()),
                ));
            }
            "Enter" => {
                event.prevent_default();
                let exact = list.iter().find(|offer| {
                    matches!(offer, Offer::Existing(name) if name.to_lowercase() == text.trim().to_lowercase())
                });
                let pick = active
                    .and_then(|at| list.get(at))
                    .or(exact)
                    .or_else(|| list.iter().find(|offer| matches!(offer, Offer::Create(_))));
                if let Some(offer) = pick {
                    choose.emit(offer.clone());
                }
            }
            "Escape" => {
                open.set(false);
                active.set(None);
            }
            "Backspace" if text.is_empty() => {
                if let Some(last) = chosen.last() {
                    on_remove.emit(last.clone());
                }
            }
            _ => {}
        })
    };
    let onblur = {
        let (open, active) = (open.clone(), active.clone());
        Callback::from(move |_: FocusEvent| {
            open.set(false);
            active.set(None);
        })
    };

    let listbox = format!("{}-options", props.id);
    let error_id = format!("{}-error", props.id);
    let shown = *open && !list.is_empty();
    let message = (*failure).clone().or_else(|| props.error.clone());
    let busy = props.disabled || *creating;
    html! {
        <div class={classes!("field", "tag-input", message.is_some().then_some("field-invalid"))} data-testid="tag-input">
            <label for={props.id.clone()} class={classes!(props.label_hidden.then_some("sr-only"))}>{ props.label.clone() }</label>
            <ul class="chips" data-testid="chosen-tags">
                { for props.chosen.iter().map(|name| {
                    let (remove, name) = (props.on_remove.clone(), name.clone());
                    let label = format!("Remove tag {name}");
                    html! {
                        <li class="chip chip-static" key={name.clone()}>
                            <span class="chip-label">{ name.clone() }</span>
                            <button type="button" class="chip-remove" aria-label={label} disabled={busy}
                                onclick={Callback::from(move |_| remove.emit(name.clone()))}>{"×"}</button>
                        </li>
                    }
                }) }
            </ul>
            if !full {
                <div class="combobox">
                    <input id={props.id.clone()} ref={input} type="text" autocomplete="off"
                        role="combobox" aria-autocomplete="list" aria-expanded={shown.to_string()}
                        aria-controls={listbox.clone()}
                        aria-activedescendant={active.filter(|_| shown).map(|at| format!("{listbox}-{at}"))}
                        aria-invalid={message.is_some().to_string()}
                        aria-describedby={message.as_ref().map(|_| error_id.clone())}
                        placeholder="Type to find or create a tag"
                        value={(*text).clone()} {oninput} {onchange} {onkeydown} {onblur} disabled={*creating} />
                    if shown {
                        <ul class="combobox-options" id={listbox.clone()} role="listbox" aria-label="Tags">
                            { for list.iter().enumerate().map(|(at, offer)| {
                                let pick = {
                                    let (choose, offer) = (choose.clone(), offer.clone());
                                    // On mousedown, before the input's blur closes the list.
                                    Callback::from(move |event: MouseEvent| {
                                        event.prevent_default();
                                        choose.emit(offer.clone());
                                    })
                                };
                                let is_active = *active == Some(at);
                                html! {
                                    <li id={format!("{listbox}-{at}")} role="option" aria-selected={is_active.to_string()}
                                        class={classes!("combobox-option", is_active.then_some("active"),
                                            matches!(offer, Offer::Create(_)).then_some("combobox-create"))}
                                        onmousedown={pick}>{ offer.label() }</li>
                                }
                            }) }
                        </ul>
                    }
                </div>
            }
            if *creating {
                <p class="field-hint" role="status">{ format!("Creating “{}”…", text.trim()) }</p>
            }
            if let Some(message) = message {
                <p class="field-error" id={error_id}>{ message }</p>
            }
        </div>
    }
}

/// Why creating the tag `name` failed, in words.
fn create_refusal(name: &str, error: &ApiFailure) -> String {
    if error.status == 409 {
        format!("A tag named “{name}” already exists; choose it from the list.")
    } else if let Some(field) = error.errors.first() {
        field.message.clone()
    } else {
        format!("“{name}” could not be created: {}", error.message())
    }
}

#[cfg(test)]
mod tests {
    use super::{Offer, offers};

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn typing_suggests_matching_tags_prefix_first_then_offers_to_create_a_new_one() {
        let known = names(&["Fire", "Bonfire", "Ice", "fireproof"]);
        assert_eq!(
            offers(&known, &[], "fir"),
            vec![
                Offer::Existing("Fire".into()),
                Offer::Existing("fireproof".into()),
                Offer::Existing("Bonfire".into()),
                Offer::Create("fir".into()),
            ]
        );
        assert_eq!(
            offers(&known, &names(&["Fire"]), "FIRE"),
            vec![
                Offer::Existing("fireproof".into()),
                Offer::Existing("Bonfire".into())
            ],
            "a chosen tag is not offered, and an existing name is not offered for creation"
        );
        assert!(offers(&known, &[], "  ").is_empty());
    }
}
