//! A creature's avatar: the image once it is ready, otherwise what is happening to it.

use crate::api::types::AvatarView;
use crate::app::use_api;
use yew::prelude::*;

/// Props of [`Avatar`].
#[derive(Properties, PartialEq)]
pub struct AvatarProps {
    /// The avatar.
    pub avatar: AvatarView,
    /// The creature's name (the image's alternative text).
    pub name: AttrValue,
    /// `card` or `large`.
    #[prop_or_else(|| "card".into())]
    pub size: AttrValue,
}

/// The image, or a placeholder saying it is being painted or that painting failed.
#[function_component(Avatar)]
pub fn avatar(props: &AvatarProps) -> Html {
    let api = use_api();
    let class = classes!(
        "avatar",
        format!("avatar-{}", props.size),
        format!("avatar-state-{}", props.avatar.state)
    );
    let state = props.avatar.state.clone();
    match (&props.avatar.url, state.as_str()) {
        (Some(url), _) => html! {
            <div {class} data-avatar-state={state.clone()}>
                <img src={api.url(url)} alt={format!("Avatar of {}", props.name)} loading="lazy" />
                if state == "pending" {
                    <span class="avatar-badge">{"Repainting…"}</span>
                }
            </div>
        },
        (None, "failed") => html! {
            <div {class} data-avatar-state={state.clone()} role="img" aria-label={format!("No avatar for {}", props.name)}>
                <span class="avatar-glyph" aria-hidden="true">{"!"}</span>
                <span class="avatar-caption">{"Avatar failed"}</span>
            </div>
        },
        (None, _) => html! {
            <div {class} data-avatar-state={state.clone()} role="img" aria-label={format!("Avatar of {} is being painted", props.name)}>
                <span class="spinner" aria-hidden="true"></span>
                <span class="avatar-caption">{"Painting…"}</span>
            </div>
        },
    }
}
