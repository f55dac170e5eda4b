//! Logging in: e-mail and password, then back to where the user was going.

use crate::api::types::{LoginRequest, Me, Token};
use crate::api::{ApiFailure, CommandRequest};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::status::ErrorBanner;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use serde::{Deserialize, Serialize};
use yew::prelude::*;
use yew_router::prelude::*;

/// What the login page is told by the page that sent the user there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LoginQuery {
    /// The e-mail address just registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<String>,
}

/// The login page.
#[function_component(Login)]
pub fn login() -> Html {
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let query = use_location()
        .and_then(|location| location.query::<LoginQuery>().ok())
        .unwrap_or_default();
    let email = use_state(|| query.registered.clone().unwrap_or_default());
    let password = use_state(String::new);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);

    let onsubmit = {
        let (api, session, navigator, email, password, failure, busy) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            email.clone(),
            password.clone(),
            failure.clone(),
            busy.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let command = CommandRequest::with_body(
                "POST",
                "/auth/login",
                &LoginRequest {
                    email: (*email).clone(),
                    password: (*password).clone(),
                },
            );
            let (api, session, navigator, failure, busy) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                failure.clone(),
                busy.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = async {
                    let token: Token = api.send_for(&command).await?;
                    let me: Me = api
                        .with_token(Some(&token.access_token))
                        .get("/auth/me")
                        .await?;
                    Ok::<_, ApiFailure>((token, me))
                }
                .await;
                busy.set(false);
                match outcome {
                    Ok((token, me)) => {
                        session.dispatch(SessionAction::LoggedIn {
                            token: token.access_token,
                            me,
                        });
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Gallery);
                        }
                    }
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
            if query.registered.is_some() {
                <div class="banner banner-ok" role="status">{"Your account is ready. Log in to start describing creatures."}</div>
            }
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
            <p class="muted">{"New here? "}<Link<Route> to={Route::Register}>{"Create an account"}</Link<Route>></p>
        </section>
    }
}
