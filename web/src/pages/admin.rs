//! The admin page: projections (position, lag, state, rebuild with live progress, and the
//! streams each holds on a poison event, to retry or skip), signing-key rotation, and users
//! with their roles.

use crate::api::types::{
    ProjectionList, ProjectionView, RebuildState, RebuildView, RoleChangeRequest, Rotated,
    UserList, UserView,
};
use crate::api::{ApiFailure, CommandRequest, IdempotencyKeys};
use crate::app::use_api;
use crate::components::page::use_page_title;
use crate::components::status::{Empty, ErrorBanner, Loading};
use crate::format;
use crate::live::use_live;
use crate::pages::login::LoginQuery;
use crate::route::Route;
use crate::session::{SessionAction, use_session};
use gloo_timers::callback::Interval;
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;
use yew_router::prelude::*;

/// How often projections are read while the page is open, in milliseconds.
const POLL_MILLIS: u32 = 500;

/// The admin page; anyone else is told it is for admins.
#[function_component(Admin)]
pub fn admin() -> Html {
    let session = use_session();
    use_page_title("Admin");
    if session.me.is_none() {
        return html! {
            <Empty title="Admins only" page=true>
                <p><Link<Route, LoginQuery> to={Route::Login} query={Some(LoginQuery::returning_to("/admin"))}>{"Log in"}</Link<Route, LoginQuery>>{" with an admin account."}</p>
            </Empty>
        };
    }
    if !session.is_admin() {
        return html! {
            <div data-testid="admin-forbidden">
                <Empty title="Admins only" page=true>
                    <p>{"Your account cannot see this page. "}<Link<Route> to={Route::Gallery}>{"Back to the gallery"}</Link<Route>></p>
                </Empty>
            </div>
        };
    }
    html! {
        <section class="admin" data-testid="admin-page">
            <h1>{"Admin"}</h1>
            <Projections />
            <div class="admin-columns">
                <KeyRotation />
                <Users />
            </div>
        </section>
    }
}

/// Runs admin commands; the same failed command sent again reuses its key.
#[hook]
fn use_admin_command(
    on_done: Callback<serde_json::Value>,
) -> (Rc<dyn Fn(CommandRequest)>, Option<ApiFailure>) {
    let api = use_api();
    let session = use_session();
    let failure = use_state(|| None::<ApiFailure>);
    let keys = use_mut_ref(IdempotencyKeys::default);
    let run: Rc<dyn Fn(CommandRequest)> = {
        let failure = failure.clone();
        Rc::new(move |mut command: CommandRequest| {
            command.key = keys.borrow_mut().key_for(&command.fingerprint());
            let (api, session, failure, keys, on_done) = (
                api.clone(),
                session.clone(),
                failure.clone(),
                keys.clone(),
                on_done.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match api.send_for::<serde_json::Value>(&command).await {
                    Ok(answer) => {
                        keys.borrow_mut().settled();
                        failure.set(None);
                        on_done.emit(answer);
                    }
                    Err(error) => {
                        if !error.is_transient() {
                            keys.borrow_mut().settled();
                        }
                        if error.status == 401 {
                            session.dispatch(SessionAction::Expired);
                        }
                        failure.set(Some(error));
                    }
                }
            });
        })
    };
    (run, (*failure).clone())
}

#[function_component(Projections)]
fn projections() -> Html {
    let api = use_api();
    let list = use_state(|| None::<Result<Vec<ProjectionView>, ApiFailure>>);
    let tick = use_state(|| 0u32);
    {
        let tick = tick.clone();
        use_effect_with((), move |()| {
            let interval = Interval::new(POLL_MILLIS, move || tick.set(tick.wrapping_add(1)));
            move || drop(interval)
        });
    }
    {
        let (api, list) = (api.clone(), list.clone());
        use_effect_with(*tick, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(
                    api.get::<ProjectionList>("/admin/projections")
                        .await
                        .map(|found| found.projections),
                ));
            });
        });
    }
    let (run, failure) = {
        let tick = tick.clone();
        use_admin_command(Callback::from(move |_| tick.set(tick.wrapping_add(1))))
    };
    let action = |label: &'static str, method: &'static str, path: String, class: &'static str| {
        let run = run.clone();
        html! {
            <button class={classes!("button", "button-small", class)}
                onclick={Callback::from(move |_| run(CommandRequest::new(method, path.clone(), None)))}>{ label }</button>
        }
    };
    let table = match &*list {
        None => html! { <Loading label="Loading projections…" /> },
        Some(Err(error)) => html! { <ErrorBanner message={error.message()} /> },
        Some(Ok(projections)) => html! {
            <table class="table" data-testid="projections">
                <thead><tr>
                    <th scope="col">{"Projection"}</th><th scope="col">{"State"}</th>
                    <th scope="col" class="numeric" title="The last event it applied, of every event in the log">{"Events applied"}</th>
                    <th scope="col" class="numeric" title="Events in the log it has not applied yet">{"Behind"}</th>
                    <th scope="col">{"Latest rebuild"}</th><th scope="col"><span class="sr-only">{"Actions"}</span></th>
                </tr></thead>
                <tbody>
                    { for projections.iter().map(|projection| {
                        let name = projection.name.clone();
                        let rebuilding = projection.rebuild.as_ref().is_some_and(|rebuild| matches!(rebuild.state, RebuildState::Requested | RebuildState::Running | RebuildState::Cancelling));
                        html! {
                            <tr key={name.clone()} data-testid="projection-row" data-name={name.clone()}>
                                <th scope="row">{ name.clone() }</th>
                                <td><span class={classes!("pill", format!("pill-{}", projection.state.as_str()))} data-testid="projection-state">{ projection.state.as_str() }</span>
                                    { for projection.parked.iter().map(|parked| {
                                        let base = format!("/admin/projections/{name}/parked/{}", parked.stream_id);
                                        html! {
                                            <div class="parked" data-testid="parked-stream" data-stream={parked.stream_id.to_string()}>
                                                <p class="field-error">{ format!("Stream {} parked at position {} ({}): {}", parked.stream_id, parked.position, parked.event_type, parked.reason) }</p>
                                                <div class="row-actions">
                                                    { action("Retry", "POST", format!("{base}/retry"), "") }
                                                    { action("Skip event", "POST", format!("{base}/skip"), "button-danger") }
                                                </div>
                                            </div>
                                        }
                                    }) }
                                </td>
                                <td class="numeric" data-testid="projection-position">{ format!("{} of {}", count(projection.position), count(projection.head)) }</td>
                                <td class="numeric" data-testid="projection-lag">{ behind(projection.lag) }</td>
                                <td>{ rebuild_progress(projection) }</td>
                                <td><div class="row-actions">
                                    if rebuilding {
                                        { action("Cancel", "DELETE", format!("/admin/projections/{name}/rebuild"), "button-ghost") }
                                    } else {
                                        { action("Rebuild", "POST", format!("/admin/projections/{name}/rebuild"), "button-ghost") }
                                    }
                                </div></td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="panel">
            <h2 class="section-title">{"Projections"}</h2>
            <p class="muted">{"Read tables folded from the event log. A rebuild fills a fresh copy from the log and swaps it in; reads keep working meanwhile."}</p>
            if let Some(error) = failure {
                <ErrorBanner message={error.message()} />
            }
            <div class="table-scroll">{ table }</div>
        </section>
    }
}

fn rebuild_progress(projection: &ProjectionView) -> Html {
    let Some(rebuild) = &projection.rebuild else {
        return html! { <span class="muted">{"never"}</span> };
    };
    let percent = if rebuild.events_total > 0 {
        (rebuild.events_done as f64 * 100.0 / rebuild.events_total as f64).min(100.0)
    } else if rebuild.state == RebuildState::Done {
        100.0
    } else {
        0.0
    };
    html! {
        <div class="progress-cell" data-testid="rebuild" data-state={rebuild.state.as_str()}>
            <div class="progress" role="progressbar" aria-label={format!("Rebuild of {}", projection.name)} aria-valuemin="0" aria-valuemax="100" aria-valuenow={format!("{percent:.0}")}>
                <div class="progress-bar" style={format!("width: {percent:.1}%")}></div>
            </div>
            <span class="progress-label">
                { format!("{} · {} of {} events", rebuild.state.as_str(), count(rebuild.events_done), count(rebuild.events_total)) }
                if rebuild.state == RebuildState::Running && rebuild.events_per_second > 0.0 {
                    { format!(" · {} events a second", count(rebuild.events_per_second.round() as i64)) }
                }
            </span>
            <span class="progress-when" data-testid="rebuild-when">{ rebuild_when(rebuild) }</span>
            if let Some(error) = &rebuild.error {
                <p class="field-error">{ error.clone() }</p>
            }
        </div>
    }
}

/// When a rebuild started or finished and how long it took (or has left), in words, with the
/// exact time on hover.
fn rebuild_when(rebuild: &RebuildView) -> Html {
    let at = |time: &chrono::DateTime<chrono::Utc>| {
        html! { <time datetime={format::iso(time)} title={format::when(time)}>{ format::ago(time) }</time> }
    };
    match rebuild.finished_at {
        Some(finished) => {
            let took = (finished - rebuild.started_at).num_milliseconds() as f64 / 1000.0;
            let verb = match rebuild.state {
                RebuildState::Done => "Finished",
                RebuildState::Cancelled => "Cancelled",
                _ => "Stopped",
            };
            html! { <>{ format!("{verb} ") }{ at(&finished) }{ format!(" · took {}", format::duration(took)) }</> }
        }
        None => html! {
            <>
                {"Started "}{ at(&rebuild.started_at) }
                if let Some(left) = rebuild.eta_seconds {
                    { format!(" · about {} left", format::duration(left)) }
                }
            </>
        },
    }
}

#[function_component(KeyRotation)]
fn key_rotation() -> Html {
    let rotated = use_state(|| None::<Rotated>);
    let revoke = use_node_ref();
    let (run, failure) = {
        let rotated = rotated.clone();
        use_admin_command(Callback::from(move |answer| {
            rotated.set(serde_json::from_value::<Rotated>(answer).ok());
        }))
    };
    let onclick = {
        let revoke = revoke.clone();
        Callback::from(move |_| {
            let revoke = revoke
                .cast::<HtmlInputElement>()
                .is_some_and(|input| input.checked());
            let message = if revoke {
                "Rotate the signing key and end every session now? Everyone logs in again."
            } else {
                "Rotate the signing key? Current sessions keep working until their tokens expire."
            };
            let confirmed = web_sys::window()
                .and_then(|window| window.confirm_with_message(message).ok())
                .unwrap_or(false);
            if confirmed {
                run(CommandRequest::new(
                    "POST",
                    format!("/admin/rotate-keys?revoke_previous={revoke}"),
                    None,
                ));
            }
        })
    };
    html! {
        <section class="panel">
            <h2 class="section-title">{"Signing keys"}</h2>
            <p class="muted">{"Tokens are signed with the active key; earlier keys keep verifying for one token lifetime unless revoked."}</p>
            if let Some(error) = failure {
                <ErrorBanner message={error.message()} />
            }
            <label class="check"><input type="checkbox" ref={revoke} />{" End sessions signed with earlier keys"}</label>
            <div class="actions"><button class="button" {onclick}>{"Rotate keys"}</button></div>
            if let Some(rotated) = &*rotated {
                <div class="banner banner-ok" role="status" data-testid="rotated">
                    { format!("New key {} is active; earlier tokens stay valid for {} s.", rotated.kid, rotated.grace_seconds) }
                </div>
            }
        </section>
    }
}

#[function_component(Users)]
fn users() -> Html {
    let api = use_api();
    let session = use_session();
    let live = use_live();
    let list = use_state(|| None::<Result<Vec<UserView>, ApiFailure>>);
    let reload = use_state(|| 0u32);
    {
        let (api, list) = (api.clone(), list.clone());
        use_effect_with((live.users, *reload), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                list.set(Some(
                    api.get::<UserList>("/admin/users")
                        .await
                        .map(|found| found.users),
                ));
            });
        });
    }
    let saved = use_state(|| None::<String>);
    let pending_change = use_mut_ref(|| None::<String>);
    let (run, failure) = {
        let (reload, saved, pending_change) =
            (reload.clone(), saved.clone(), pending_change.clone());
        use_admin_command(Callback::from(move |_| {
            saved.set(pending_change.borrow_mut().take());
            reload.set(*reload + 1);
        }))
    };
    let me = session.me.as_ref().map(|me| me.id);
    let body = match &*list {
        None => html! { <Loading label="Loading users…" /> },
        Some(Err(error)) => html! { <ErrorBanner message={error.message()} /> },
        Some(Ok(users)) => html! {
            <table class="table" data-testid="users">
                <thead><tr><th scope="col">{"User"}</th><th scope="col">{"Role"}</th></tr></thead>
                <tbody>
                    { for users.iter().map(|user| {
                        let current = user.role.clone();
                        let shown = user.display_name.clone().unwrap_or_else(|| "a forgotten user".into());
                        let forget = {
                            let (run, id, name) = (run.clone(), user.id.to_string(), shown.clone());
                            let (saved, pending_change) = (saved.clone(), pending_change.clone());
                            Callback::from(move |_| {
                                let question = format!("Forget {name}? Their e-mail address and display name will be erased everywhere, for good; they are logged out and cannot log in again. Their creatures stay, shown as by a forgotten user. This cannot be undone.");
                                let confirmed = web_sys::window()
                                    .and_then(|window| window.confirm_with_message(&question).ok())
                                    .unwrap_or(false);
                                if !confirmed {
                                    return;
                                }
                                saved.set(None);
                                *pending_change.borrow_mut() = Some(format!("Forgotten: {name}'s e-mail address and display name are erased."));
                                run(CommandRequest::new("DELETE", format!("/admin/users/{id}"), None));
                            })
                        };
                        let (run, id, name) = (run.clone(), user.id.to_string(), shown.clone());
                        let (saved, pending_change, before) = (saved.clone(), pending_change.clone(), current.clone());
                        let onchange = Callback::from(move |event: Event| {
                            let select = event.target_unchecked_into::<HtmlSelectElement>();
                            let role = select.value();
                            let question = if role == "admin" {
                                format!("Make {name} an admin? They can then rebuild projections, rotate keys and change roles.")
                            } else {
                                format!("Make {name} a user? They lose the admin pages.")
                            };
                            let confirmed = web_sys::window()
                                .and_then(|window| window.confirm_with_message(&question).ok())
                                .unwrap_or(false);
                            if !confirmed {
                                select.set_value(&before);
                                return;
                            }
                            saved.set(None);
                            *pending_change.borrow_mut() = Some(format!("Saved: {name} is now {}.", if role == "admin" { "an admin" } else { "a user" }));
                            run(CommandRequest::with_body("PATCH", format!("/admin/users/{id}"), &RoleChangeRequest { role }));
                        });
                        html! {
                            <tr key={user.id.to_string()} data-testid="user-row" data-forgotten={user.forgotten.to_string()}>
                                <td><strong>{ shown.clone() }</strong><br /><span class="muted">{ user.email.clone().unwrap_or_default() }</span></td>
                                <td>
                                    if user.forgotten {
                                        <span class="muted">{"forgotten"}</span>
                                    } else if Some(user.id) == me {
                                        <span class="pill" data-testid="own-role">{ current.clone() }</span>
                                        <span class="muted own-role-note">{" your own; another admin can change it"}</span>
                                    } else {
                                        <label class="sr-only" for={format!("role-{}", user.id)}>{ format!("Role of {shown}") }</label>
                                        <select id={format!("role-{}", user.id)} {onchange}>
                                            <option value="user" selected={user.role == domain::Role::User.as_str()}>{"user"}</option>
                                            <option value="admin" selected={user.role == domain::Role::Admin.as_str()}>{"admin"}</option>
                                        </select>
                                        <button class="button button-danger button-small" type="button" onclick={forget}
                                            data-testid="forget-user" aria-label={format!("Forget {shown}")}>{"Forget"}</button>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
    };
    html! {
        <section class="panel">
            <h2 class="section-title">{"Users and roles"}</h2>
            <p class="muted">{"Forget erases a user's e-mail address and display name everywhere (on request, for good); your own account is forgotten from your account page."}</p>
            if let Some(error) = failure {
                <ErrorBanner message={error.message()} />
            }
            if let Some(saved) = &*saved {
                <div class="banner banner-ok" role="status" data-testid="role-saved">{ saved.clone() }</div>
            }
            <div class="table-scroll">{ body }</div>
        </section>
    }
}

/// A count with thousands separated: `1,000,000`.
fn count(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// How far behind the log a projection is, in words.
fn behind(lag: i64) -> String {
    match lag {
        0 => "up to date".to_owned(),
        1 => "1 event".to_owned(),
        lag => format!("{} events", count(lag)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_and_lag_is_said_in_words() {
        assert_eq!(count(0), "0");
        assert_eq!(count(175), "175");
        assert_eq!(count(1_000), "1,000");
        assert_eq!(count(10_000_000), "10,000,000");
        assert_eq!(behind(0), "up to date");
        assert_eq!(behind(1), "1 event");
        assert_eq!(behind(12_345), "12,345 events");
    }
}
