//! A labelled form field with its error, and a counter where the field has a limit. The limit
//! is never enforced by cutting what was typed or pasted: a longer text stays, the counter
//! says by how much it is over, and the form refuses it in words.

use crate::validation;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

/// Props of [`TextField`].
#[derive(Properties, PartialEq)]
pub struct TextFieldProps {
    /// The field's name (as the API names it in errors).
    pub name: AttrValue,
    /// The label shown.
    pub label: AttrValue,
    /// The current value.
    pub value: AttrValue,
    /// Called with each new value.
    pub oninput: Callback<String>,
    /// The error to show under it.
    #[prop_or_default]
    pub error: Option<String>,
    /// `text`, `email`, `password`, …
    #[prop_or_else(|| "text".into())]
    pub kind: AttrValue,
    /// The most characters allowed (after trimming, as the domain counts them).
    #[prop_or_default]
    pub limit: Option<usize>,
    /// Whether it must be filled in.
    #[prop_or_default]
    pub required: bool,
    /// The browser's autocomplete hint.
    #[prop_or_default]
    pub autocomplete: Option<AttrValue>,
    /// A hint shown under the field.
    #[prop_or_default]
    pub hint: Option<AttrValue>,
    /// A multi-line field.
    #[prop_or_default]
    pub multiline: bool,
}

/// A text input (or text area) with its label and error.
#[function_component(TextField)]
pub fn text_field(props: &TextFieldProps) -> Html {
    let id = format!("field-{}", props.name);
    let error_id = format!("{id}-error");
    let oninput = {
        let callback = props.oninput.clone();
        let multiline = props.multiline;
        Callback::from(move |event: InputEvent| {
            let value = if multiline {
                event.target_unchecked_into::<HtmlTextAreaElement>().value()
            } else {
                event.target_unchecked_into::<HtmlInputElement>().value()
            };
            callback.emit(value);
        })
    };
    let counter_id = format!("{id}-counter");
    let length = validation::length(&props.value);
    let over = props.limit.is_some_and(|limit| length > limit);
    let invalid = props.error.is_some() || over;
    let described = [
        props.limit.map(|_| counter_id.clone()),
        props.error.as_ref().map(|_| error_id.clone()),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let described = (!described.is_empty()).then_some(described);
    html! {
        <div class={classes!("field", invalid.then_some("field-invalid"))}>
            <label for={id.clone()}>{ props.label.clone() }</label>
            if props.multiline {
                <textarea id={id.clone()} name={props.name.clone()} value={props.value.clone()}
                    {oninput} rows="4"
                    aria-invalid={invalid.to_string()}
                    aria-describedby={described.clone()} />
            } else {
                <input id={id.clone()} name={props.name.clone()} type={props.kind.clone()}
                    value={props.value.clone()} {oninput}
                    required={props.required} autocomplete={props.autocomplete.clone()}
                    aria-invalid={invalid.to_string()}
                    aria-describedby={described} />
            }
            if let Some(limit) = props.limit {
                <p class={classes!("field-counter", over.then_some("field-counter-over"))} id={counter_id}
                    data-testid={format!("{}-counter", props.name)}>
                    { format!("{length} / {limit}") }
                    if over {
                        { format!(" · {} too many", length - limit) }
                    }
                </p>
            }
            if let Some(hint) = &props.hint {
                <p class="field-hint">{ hint.clone() }</p>
            }
            if let Some(error) = &props.error {
                <p class="field-error" id={error_id}>{ error.clone() }</p>
            }
        </div>
    }
}
