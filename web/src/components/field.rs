//! A labelled form field with its error, as the API reported it.

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
    /// The most characters allowed.
    #[prop_or_default]
    pub maxlength: Option<usize>,
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
    let invalid = props.error.is_some();
    let maxlength = props.maxlength.map(|max| max.to_string());
    html! {
        <div class={classes!("field", invalid.then_some("field-invalid"))}>
            <label for={id.clone()}>{ props.label.clone() }</label>
            if props.multiline {
                <textarea id={id.clone()} name={props.name.clone()} value={props.value.clone()}
                    {oninput} maxlength={maxlength} rows="4"
                    aria-invalid={invalid.to_string()}
                    aria-describedby={invalid.then(|| error_id.clone())} />
            } else {
                <input id={id.clone()} name={props.name.clone()} type={props.kind.clone()}
                    value={props.value.clone()} {oninput} maxlength={maxlength}
                    required={props.required} autocomplete={props.autocomplete.clone()}
                    aria-invalid={invalid.to_string()}
                    aria-describedby={invalid.then(|| error_id.clone())} />
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
