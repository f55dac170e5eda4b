//! Logging in: e-mail and password, then back to where the user was going (`?next=`, a path of
//! this app; anything else goes to the gallery).

use crate::api::types::{LoginRequest, Me, Token};
use crate::api::{Api, ApiFailure, CommandRequest};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::page::use_page_title;
use crate::components::status::ErrorBanner;
use crate::route::Route;
use crate::session::{SessionAction, SessionHandle, use_session};
use serde::{Deserialize, Serialize};
use yew::prelude::*;
use yew_router::prelude::*;

/// What the login and registration pages are told by the page that sent the user there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginQuery {
    /// Where to go once logged in: the path of a page of this app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl LoginQuery {
    /// Back to `path` after logging in (none for the login and registration pages themselves).
    pub fn returning_to(path: &str) -> Self {
        let away = !matches!(Route::recognize(path), Some(Route::Login | Route::Register));
        Self {
            next: away.then(|| path.to_owned()),
        }
    }

    /// The page to go to once logged in: `next` if it is a page of this app, else the gallery.
    /// Only a local path is followed, so a link cannot send a user elsewhere.
    pub fn destination(&self) -> String {
        self.next
            .as_deref()
            .filter(|path| path.starts_with('/') && !path.starts_with("//"))
            .filter(|path| !matches!(Route::recognize(path), None | Some(Route::NotFound)))
            .unwrap_or("/")
            .to_owned()
    }
}

/// Logs in and reads who that is; on success the session holds both.
pub async fn log_in(
    api: &Api,
    session: &SessionHandle,
    email: &str,
    password: &str,
) -> Result<(), ApiFailure> {
    let command = CommandRequest::with_body(
        "POST",
        "/auth/login",
        &LoginRequest {
            email: email.to_owned(),
            password: password.to_owned(),
        },
    );
    let token: Token = api.send_for(&command).await?;
    let me: Me = api
        .with_token(Some(&token.access_token))
        .get("/auth/me")
        .await?;
    session.dispatch(SessionAction::LoggedIn {
        token: token.access_token,
        me,
    });
    Ok(())
}

/// The login page.
#[function_component(Login)]
pub fn login() -> Html {
    use_page_title("Log in");
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let query = use_location()
        .and_then(|location| location.query::<LoginQuery>().ok())
        .unwrap_or_default();
    let email = use_state(String::new);
    let password = use_state(String::new);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (api, session, navigator, email, password, failure, busy, destination) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            email.clone(),
            password.clone(),
            failure.clone(),
            busy.clone(),
            query.destination(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let (api, session, navigator, email, password, failure, busy, destination) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                (*email).clone(),
                (*password).clone(),
                failure.clone(),
                busy.clone(),
                destination.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = log_in(&api, &session, &email, &password).await;
                busy.set(false);
                match outcome {
                    Ok(()) => go_to(navigator.as_ref(), &destination),
                    Err(error) => failure.set(Some(error)),
                }
            });
        })
    };

    let message = failure.as_ref().map(|error| {
        if error.status == 401 {
            "That e-mail and password do not match an account.".to_owned()
        } else {
            error.message()
        }
    });
    html! {
        <section class="narrow auth">
            <h1>{"Log in"}</h1>
            if let Some(ended) = &session.ended {
                <div class="banner banner-info" role="status">{ ended.clone() }</div>
            }
            if let Some(message) = message {
                <ErrorBanner {message} />
            }
            <form class="form" {onsubmit}>
                <TextField name="email" label="E-mail" kind="email" value={(*email).clone()} required=true autocomplete="username"
                    oninput={let email = email.clone(); Callback::from(move |value| email.set(value))} />
                <TextField name="password" label="Password" kind="password" value={(*password).clone()} required=true autocomplete="current-password"
                    oninput={let password = password.clone(); Callback::from(move |value| password.set(value))} />
                <div class="actions">
                    <button class="button" type="submit" disabled={*busy}>{ if *busy { "Logging in…" } else { "Log in" } }</button>
                </div>
            </form>
            <p class="muted">{"New here? "}<Link<Route, LoginQuery> to={Route::Register} query={Some(query.clone())}>{"Create an account"}</Link<Route, LoginQuery>></p>
        </section>
    }
}

/// Goes to a path of this app (one [`LoginQuery::destination`] checked).
pub fn go_to(navigator: Option<&Navigator>, path: &str) {
    if let Some(navigator) = navigator {
        navigator.push(&Route::recognize(path).unwrap_or(Route::Gallery));
    }
}
