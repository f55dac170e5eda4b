//! Creating an account, checked with the domain's rules first; refusals appear under the fields
//! they concern. A new account is logged in at once and taken back to where it was going.

use crate::api::types::RegisterRequest;
use crate::api::{ApiFailure, CommandRequest, FieldErrors, IdempotencyKeys};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::page::use_page_title;
use crate::components::status::ErrorBanner;
use crate::pages::login::{LoginQuery, go_to, log_in};
use crate::route::Route;
use crate::session::use_session;
use crate::validation;
use domain::values::{DisplayName, Email, Password};
use yew::prelude::*;
use yew_router::prelude::*;

/// The registration page.
#[function_component(Register)]
pub fn register() -> Html {
    use_page_title("Create an account");
    let api = use_api();
    let session = use_session();
    let navigator = use_navigator();
    let query = use_location()
        .and_then(|location| location.query::<LoginQuery>().ok())
        .unwrap_or_default();
    let email = use_state(String::new);
    let display_name = use_state(String::new);
    let password = use_state(String::new);
    let errors = use_state(FieldErrors::new);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let keys = use_mut_ref(IdempotencyKeys::default);

    let onsubmit = {
        let (api, session, navigator, destination) = (
            api.clone(),
            session.clone(),
            navigator.clone(),
            query.destination(),
        );
        let (email, display_name, password, errors, failure, busy, keys) = (
            email.clone(),
            display_name.clone(),
            password.clone(),
            errors.clone(),
            failure.clone(),
            busy.clone(),
            keys.clone(),
        );
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            if *busy {
                return;
            }
            let mut refusals = FieldErrors::new();
            validation::check(&mut refusals, "email", Email::parse(&email));
            validation::check(
                &mut refusals,
                "display_name",
                DisplayName::parse(&display_name),
            );
            validation::check(&mut refusals, "password", Password::parse(&password));
            if !refusals.is_empty() {
                errors.set(refusals);
                failure.set(None);
                return;
            }
            let mut command = CommandRequest::with_body(
                "POST",
                "/auth/register",
                &RegisterRequest {
                    email: (*email).clone(),
                    password: (*password).clone(),
                    display_name: (*display_name).clone(),
                },
            );
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, navigator, destination) = (
                api.clone(),
                session.clone(),
                navigator.clone(),
                destination.clone(),
            );
            let (email, password, errors, failure, busy, keys) = (
                (*email).clone(),
                (*password).clone(),
                errors.clone(),
                failure.clone(),
                busy.clone(),
                keys.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                match outcome {
                    Ok(_) => {
                        keys.borrow_mut().settled();
                        let logged_in = log_in(&api, &session, &email, &password).await;
                        busy.set(false);
                        match logged_in {
                            Ok(()) => go_to(navigator.as_ref(), &destination),
                            // The account exists; logging in by hand is what is left.
                            Err(error) => failure.set(Some(error)),
                        }
                    }
                    Err(error) => {
                        busy.set(false);
                        if !error.is_transient() {
                            keys.borrow_mut().settled();
                        }
                        let mut fields = error.field_errors();
                        if error.status == 409 {
                            fields.insert(
                                "email".into(),
                                "An account with this e-mail already exists.".into(),
                            );
                        }
                        errors.set(fields);
                        failure.set(Some(error));
                    }
                }
            });
        })
    };

    let banner = failure.as_ref().and_then(|error| {
        (error.errors.is_empty() && error.status != 409).then(|| error.message())
    });
    html! {
        <section class="narrow auth">
            <h1>{"Create an account"}</h1>
            if let Some(message) = banner {
                <ErrorBanner {message} />
            }
            <form class="form" {onsubmit} novalidate=true>
                <TextField name="email" label="E-mail" kind="email" value={(*email).clone()} required=true autocomplete="email"
                    error={errors.get("email").cloned()}
                    oninput={let email = email.clone(); Callback::from(move |value| email.set(value))} />
                <TextField name="display_name" label="Display name" value={(*display_name).clone()} required=true autocomplete="nickname"
                    error={errors.get("display_name").cloned()} limit={DisplayName::MAX_CHARS}
                    hint="Shown beside the creatures you describe"
                    oninput={let display_name = display_name.clone(); Callback::from(move |value| display_name.set(value))} />
                <TextField name="password" label="Password" kind="password" value={(*password).clone()} required=true autocomplete="new-password"
                    error={errors.get("password").cloned()}
                    hint={format!("At least {} characters", Password::MIN_BYTES)}
                    oninput={let password = password.clone(); Callback::from(move |value| password.set(value))} />
                <div class="actions">
                    <button class="button" type="submit" disabled={*busy}>{ if *busy { "Creating…" } else { "Create account" } }</button>
                </div>
            </form>
            <p class="muted">{"Already registered? "}<Link<Route, LoginQuery> to={Route::Login} query={Some(query.clone())}>{"Log in"}</Link<Route, LoginQuery>></p>
        </section>
    }
}
