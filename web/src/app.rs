//! The app's root: reads the runtime config, restores the session, and provides the API
//! client, the session and live updates to the pages.

use crate::api::Api;
use crate::api::types::Me;
use crate::components::nav::Nav;
use crate::components::status::{ErrorBanner, Loading};
use crate::live::LiveProvider;
use crate::pages;
use crate::route::Route;
use crate::session::{Session, SessionAction, SessionHandle};
use serde::Deserialize;
use yew::prelude::*;
use yew_router::prelude::*;

/// What the web server tells the SPA at `/config.json`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
struct RuntimeConfig {
    /// Where the API is.
    backend_url: String,
}

/// The API client for the current session.
#[hook]
pub fn use_api() -> Api {
    use_context::<Api>().expect("the app provides the API client")
}

#[derive(Clone, PartialEq)]
enum Boot {
    Loading,
    Failed(String),
    Ready(Api),
}

/// The root component.
#[function_component(App)]
pub fn app() -> Html {
    let boot = use_state(|| Boot::Loading);
    let session = use_reducer(Session::default);
    {
        let boot = boot.clone();
        let session = session.clone();
        use_effect_with((), move |()| {
            wasm_bindgen_futures::spawn_local(async move {
                let config = match load_config().await {
                    Ok(config) => config,
                    Err(reason) => return boot.set(Boot::Failed(reason)),
                };
                let api = Api::new(&config.backend_url);
                if let Some(token) = Session::stored_token() {
                    match api.with_token(Some(&token)).get::<Me>("/auth/me").await {
                        Ok(me) => session.dispatch(SessionAction::LoggedIn { token, me }),
                        Err(failure) if failure.status == 401 || failure.status == 404 => {
                            session.dispatch(SessionAction::Expired);
                        }
                        Err(_) => {}
                    }
                }
                boot.set(Boot::Ready(api));
            });
        });
    }
    match &*boot {
        Boot::Loading => html! { <div class="boot"><Loading label="Starting Bestiary…" /></div> },
        Boot::Failed(reason) => html! {
            <div class="boot"><ErrorBanner message={reason.clone()} /></div>
        },
        Boot::Ready(api) => {
            let api = api.with_token(session.token.as_deref());
            html! {
                <ContextProvider<Api> context={api.clone()}>
                <ContextProvider<SessionHandle> context={session.clone()}>
                <LiveProvider base={api.base().to_owned()}>
                    <BrowserRouter>
                        <Nav />
                        <main id="main" class="page">
                            <Switch<Route> render={switch} />
                        </main>
                        <footer class="footer">
                            {"Bestiary — every change is an event; everything you see is folded from them."}
                        </footer>
                    </BrowserRouter>
                </LiveProvider>
                </ContextProvider<SessionHandle>>
                </ContextProvider<Api>>
            }
        }
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Gallery => html! { <pages::gallery::Gallery /> },
        Route::NewCreature => html! { <pages::creature_form::CreatureForm id={None::<String>} /> },
        Route::Creature { id } => html! { <pages::creature::CreaturePage {id} /> },
        Route::EditCreature { id } => {
            html! { <pages::creature_form::CreatureForm id={Some(id)} /> }
        }
        Route::Mine => html! { <pages::mine::Mine /> },
        Route::Tags => html! { <pages::tags::Tags /> },
        Route::Login => html! { <pages::login::Login /> },
        Route::Register => html! { <pages::register::Register /> },
        Route::Account => html! { <pages::account::Account /> },
        Route::Admin => html! { <pages::admin::Admin /> },
        Route::NotFound => html! { <pages::not_found::NotFound /> },
    }
}

async fn load_config() -> Result<RuntimeConfig, String> {
    let unavailable = || {
        "The web server did not give this page its configuration; reload to try again.".to_owned()
    };
    let response = gloo_net::http::Request::get("/config.json")
        .send()
        .await
        .map_err(|_| unavailable())?;
    if !response.ok() {
        return Err(unavailable());
    }
    response.json().await.map_err(|_| unavailable())
}
