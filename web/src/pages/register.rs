//! Creating an account; the API's refusals appear under the fields they concern.

use crate::api::types::RegisterRequest;
use crate::api::{ApiFailure, CommandRequest, FieldErrors, IdempotencyKeys};
use crate::app::use_api;
use crate::components::field::TextField;
use crate::components::status::ErrorBanner;
use crate::pages::login::LoginQuery;
use crate::route::Route;
use domain::values::{DisplayName, Password};
use yew::prelude::*;
use yew_router::prelude::*;

/// The registration page.
#[function_component(Register)]
pub fn register() -> Html {
    let api = use_api();
    let navigator = use_navigator();
    let email = use_state(String::new);
    let display_name = use_state(String::new);
    let password = use_state(String::new);
    let errors = use_state(FieldErrors::new);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let keys = use_mut_ref(IdempotencyKeys::default);

    let onsubmit = {
        let (api, navigator, email, display_name, password, errors, failure, busy, keys) = (
            api.clone(),
            navigator.clone(),
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
            let (api, navigator, email, errors, failure, busy, keys) = (
                api.clone(),
                navigator.clone(),
                (*email).clone(),
                errors.clone(),
                failure.clone(),
                busy.clone(),
                keys.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let outcome = api.send(&command).await;
                busy.set(false);
                match outcome {
                    Ok(_) => {
                        keys.borrow_mut().settled();
                        if let Some(navigator) = &navigator {
                            let _ = navigator.push_with_query(
                                &Route::Login,
                                &LoginQuery {
                                    registered: Some(email),
                                },
                            );
                        }
                    }
                    Err(error) => {
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
                    error={errors.get("display_name").cloned()} maxlength={DisplayName::MAX_CHARS}
                    hint="Shown beside the creatures you describe"
                    oninput={let display_name = display_name.clone(); Callback::from(move |value| display_name.set(value))} />
                <TextField name="password" label="Password" kind="password" value={(*password).clone()} required=true autocomplete="new-password"
                    error={errors.get("password").cloned()}
                    hint={format!("{}–{} bytes", Password::MIN_BYTES, Password::MAX_BYTES)}
                    oninput={let password = password.clone(); Callback::from(move |value| password.set(value))} />
                <div class="actions">
                    <button class="button" type="submit" disabled={*busy}>{ if *busy { "Creating…" } else { "Create account" } }</button>
                </div>
            </form>
            <p class="muted">{"Already registered? "}<Link<Route> to={Route::Login}>{"Log in"}</Link<Route>></p>
        </section>
    }
}
