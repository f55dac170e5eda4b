//! The account page: who the user is, logging out everywhere, and forgetting them ("Forget
//! me", with their password entered again and a confirmation that says what happens).

use crate::api::types::ForgetMeRequest;
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner};
use crate::pages::login::LoginQuery;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use yew::prelude::*;
use yew_router::prelude::*;

/// What forgetting does, as the confirmation says it.
const CONSEQUENCES: &str = "Forget your account? Your e-mail address and display name will be \
    erased everywhere, for good. You will be logged out and cannot log in again; your creatures \
    stay, shown as by a forgotten user. This cannot be undone.";

/// The page.
#[function_component(Account)]
pub fn account() -> Html {
    use_page_title("Your account");
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let password = use_state(String::new);
    let wrong = use_state(|| None::<String>);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let keys = use_mut_ref(IdempotencyKeys::default);

    let Some(me) = session.me.clone() else {
        let back = LoginQuery {
            next: Some("/account".into()),
        };
        return html! {
            <Empty title="Your account" page=true>
                <p>
                    <Link<Route, LoginQuery> to={Route::Login} query={Some(back)}>{"Log in"}</Link<Route, LoginQuery>>
                    {" to see your account."}
                </p>
            </Empty>
        };
    };

    let onsubmit = {
        let (api, session, navigator, password, wrong, failure, busy, keys) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            password.clone(),
            wrong.clone(),
            failure.clone(),
            busy.clone(),
            keys.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            let confirmed = web_sys::window()
                .and_then(|window| window.confirm_with_message(CONSEQUENCES).ok())
                .unwrap_or(false);
            if !confirmed {
                return;
            }
            let body = ForgetMeRequest {
                password: (*password).clone(),
            };
            let mut command = CommandRequest::with_body("DELETE", "/auth/me", &body);
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, navigator, wrong, failure, busy, keys) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                wrong.clone(),
                failure.clone(),
                busy.clone(),
                keys.clone(),
            );
            busy.set(true);
            wrong.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                busy.set(false);
                match outcome {
                    Ok(_) => {
                        keys.borrow_mut().settled();
                        session.dispatch(SessionAction::Forgotten);
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::Gallery);
                        }
                    }
                    Err(error) if error.status == 403 => {
                        keys.borrow_mut().settled();
                        failure.set(None);
                        wrong.set(Some("That password is wrong.".into()));
                    }
                    Err(error) => {
                        if !error.is_transient() {
                            keys.borrow_mut().settled();
                        }
                        if error.status == 401 {
                            session.dispatch(SessionAction::Expired);
                        }
                        wrong.set(None);
                        failure.set(Some(error));
                    }
                }
            });
        })
    };

    let logout_all = {
        let (api, session, navigator, failure, busy) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            failure.clone(),
            busy.clone(),
        );
        Callback::from(move |_| {
            let command = CommandRequest::new("POST", "/auth/logout-all", None);
            let (api, session, navigator, failure, busy) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                failure.clone(),
                busy.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                busy.set(false);
                match outcome {
                    Ok(_) => {
                        session.dispatch(SessionAction::LoggedOutEverywhere);
                        if let Some(navigator) = navigator {
                            navigator.push(&Route::Login);
                        }
                    }
                    Err(error) => {
                        if error.status == 401 {
                            session.dispatch(SessionAction::Expired);
                        }
                        failure.set(Some(error));
                    }
                }
            });
        })
    };

    html! {
        <section class="narrow account-page" data-testid="account-page">
            <h1>{"Your account"}</h1>
            if let Some(error) = &*failure {
                <ErrorBanner message={error.message()} />
            }
            <dl class="details" data-testid="account-details">
                <dt>{"Display name"}</dt><dd>{ me.display_name.as_str().to_owned() }</dd>
                <dt>{"E-mail"}</dt><dd>{ me.email.as_str().to_owned() }</dd>
                <dt>{"Role"}</dt><dd>{ me.role.as_str() }</dd>
            </dl>
            <section class="account-sessions" aria-labelledby="sessions-heading">
                <h2 id="sessions-heading">{"Sessions"}</h2>
                <p class="muted">{"Ends every session of yours, on this device and every other; log in again to go on."}</p>
                <div class="actions">
                    <button class="button button-ghost" type="button" onclick={logout_all} disabled={*busy}
                        data-testid="logout-all">{"Log out everywhere"}</button>
                </div>
            </section>
            <section class="danger-zone" aria-labelledby="forget-heading" data-testid="forget-me">
                <h2 id="forget-heading">{"Forget me"}</h2>
                <p>{"Erases your e-mail address and display name everywhere, for good, and logs you out. \
                    Your creatures stay, shown as by a forgotten user. This cannot be undone."}</p>
                <form class="form" {onsubmit}>
                    <TextField name="password" label="Your password, to confirm" kind="password"
                        value={(*password).clone()} required=true autocomplete="current-password"
                        error={(*wrong).clone()}
                        oninput={let password = password.clone(); Callback::from(move |value| password.set(value))} />
                    <div class="actions">
                        <button class="button button-danger" type="submit" disabled={*busy} data-testid="forget-me-button">
                            { if *busy { "Forgetting…" } else { "Forget me" } }
                        </button>
                    </div>
                </form>
            </section>
        </section>
    }
}
