//! The bar at the top of every page: where to go, who is logged in, whether updates are live.

use crate::live::use_live;
use crate::pages::login::LoginQuery;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use yew::prelude::*;
use yew_router::prelude::*;

/// The navigation bar.
#[function_component(Nav)]
pub fn nav() -> Html {
    let session = use_session();
    let live = use_live();
    let route = use_route::<Route>();
    // Logging in or registering comes back here.
    let back_here = LoginQuery::returning_to(
        &use_location()
            .map(|location| location.path().to_owned())
            .unwrap_or_default(),
    );
    let navigator = use_navigator();
    let logout = {
        let session = session.clone();
        Callback::from(move |_| {
            session.dispatch(SessionAction::LoggedOut);
            if let Some(navigator) = &navigator {
                navigator.push(&Route::Gallery);
            }
        })
    };
    let link = |to: Route, label: &str| {
        let current = route.as_ref() == Some(&to);
        html! {
            <Link<Route> to={to} classes={classes!("nav-link", current.then_some("nav-link-current"))}>
                { label.to_owned() }
            </Link<Route>>
        }
    };
    html! {
        <header class="topbar">
            <a class="skip" href="#main">{"Skip to content"}</a>
            <Link<Route> to={Route::Gallery} classes="brand">
                <img class="brand-mark" src="/favicon.svg" alt="" width="28" height="28" />{"Bestiary"}
            </Link<Route>>
            <nav class="nav" aria-label="Main">
                { link(Route::Gallery, "Gallery") }
                { link(Route::Tags, "Tags") }
                if session.me.is_some() {
                    { link(Route::Mine, "My creatures") }
                    { link(Route::NewCreature, "New creature") }
                }
                if session.is_admin() {
                    { link(Route::Admin, "Admin") }
                }
            </nav>
            <div class="account">
                <span class={classes!("live-dot", live.connected.then_some("live-dot-on"))} role="img"
                    title={if live.connected { "Live updates on" } else { "Live updates reconnecting" }}
                    aria-label={if live.connected { "Live updates on" } else { "Live updates reconnecting" }}></span>
                if let Some(me) = &session.me {
                    <Link<Route> to={Route::Account} classes="account-name"><span data-testid="account-name">{ me.display_name.as_str().to_owned() }</span></Link<Route>>
                    <button class="button button-ghost button-small" onclick={logout}>{"Log out"}</button>
                } else {
                    <Link<Route, LoginQuery> to={Route::Login} query={Some(back_here.clone())}
                        classes={classes!("nav-link", (route.as_ref() == Some(&Route::Login)).then_some("nav-link-current"))}>
                        {"Log in"}
                    </Link<Route, LoginQuery>>
                    <Link<Route, LoginQuery> to={Route::Register} query={Some(back_here)} classes="button button-small">{"Register"}</Link<Route, LoginQuery>>
                }
            </div>
        </header>
    }
}
