//! Loading, empty and error states, the same on every page.

use yew::prelude::*;

/// Props of [`Loading`].
#[derive(Properties, PartialEq)]
pub struct LoadingProps {
    /// What is loading.
    #[prop_or_else(|| "Loading…".into())]
    pub label: AttrValue,
}

/// A spinner with a label, announced to screen readers.
#[function_component(Loading)]
pub fn loading(props: &LoadingProps) -> Html {
    html! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span>{ props.label.clone() }</span>
        </div>
    }
}

/// Props of [`ErrorBanner`].
#[derive(Properties, PartialEq)]
pub struct ErrorBannerProps {
    /// What went wrong.
    pub message: AttrValue,
    /// Offered as a "Try again" button.
    #[prop_or_default]
    pub retry: Option<Callback<()>>,
}

/// An error, with a way to try again when there is one.
#[function_component(ErrorBanner)]
pub fn error_banner(props: &ErrorBannerProps) -> Html {
    html! {
        <div class="banner banner-error" role="alert">
            <span>{ props.message.clone() }</span>
            if let Some(retry) = &props.retry {
                <button class="button button-small" onclick={retry.reform(|_| ())}>{"Try again"}</button>
            }
        </div>
    }
}

/// Props of [`Empty`].
#[derive(Properties, PartialEq)]
pub struct EmptyProps {
    /// The headline.
    pub title: AttrValue,
    /// Whether it is all the page shows (its headline is then the page's `<h1>`).
    #[prop_or_default]
    pub page: bool,
    /// What to do about it.
    #[prop_or_default]
    pub children: Html,
}

/// Nothing to show, said kindly.
#[function_component(Empty)]
pub fn empty(props: &EmptyProps) -> Html {
    html! {
        <div class="empty">
            <img class="empty-mark" src="/favicon.svg" alt="" width="56" height="56" />
            if props.page {
                <h1>{ props.title.clone() }</h1>
            } else {
                <h2>{ props.title.clone() }</h2>
            }
            { props.children.clone() }
        </div>
    }
}
