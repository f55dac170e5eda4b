//! Accounts over HTTP: register, log in, who am I, change my password, log out everywhere.

use crate::accounts::{AccountError, Registration, email_key};
use crate::http::command::accepted;
use crate::http::extract::{Authenticated, ClientAddress, CorrelationId};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::auth::{LoginRequest, Me, PasswordChangeRequest, RegisterRequest, Token};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use commands::handler::Command;
use commands::idempotency::AnswerTemplate;
use domain::user::User;
use domain::values::{DisplayName, Email, Password, ValidationError};
use domain::{Actor, Role, UserId};
use serde_json::json;

/// `/auth/…`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/me", get(me))
        .route("/auth/password", put(change_password))
        .route("/auth/logout-all", post(logout_all))
}

/// Collects every field's error, so a form can show them all at once.
fn parse_registration(body: &RegisterRequest) -> Result<Registration, ApiError> {
    let email = Email::parse(&body.email);
    let password = Password::parse(&body.password);
    let display_name = DisplayName::parse(&body.display_name);
    match (email, password, display_name) {
        (Ok(email), Ok(password), Ok(display_name)) => Ok(Registration {
            email,
            password,
            display_name,
        }),
        (email, password, display_name) => Err(ApiError::Validation(
            [email.err(), password.err(), display_name.err()]
                .into_iter()
                .flatten()
                .collect::<Vec<ValidationError>>(),
        )),
    }
}

async fn register(
    State(state): State<AppState>,
    correlation: CorrelationId,
    client: ClientAddress,
    idempotency: Idempotency,
    Json(body): Json<RegisterRequest>,
) -> Result<Response, ApiError> {
    let limits = state.login_limits;
    state
        .throttle
        .hit(&limits.registrations_per_address, &client.text())
        .await?;
    let registration = parse_registration(&body)?;
    // The user's id is chosen inside; the answer names the stream the command runs on.
    let prepare = |command: Command<User>| {
        let answer = AnswerTemplate {
            status: StatusCode::CREATED.as_u16(),
            location: None,
            body: json!({"user_id": command.stream_id, "version": 0, "position": 0}),
        };
        idempotency.prepare(command, answer)
    };
    let (_, executed) = state
        .accounts
        .register(
            registration,
            Role::User,
            Actor::Anonymous,
            correlation.0,
            prepare,
        )
        .await?;
    idempotency.respond(&state.keys, executed).await
}

/// Logs in. Limited per client address (every attempt) and per account (failures), before
/// any bcrypt work: a limited attempt is 429 and costs nothing.
async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    Json(body): Json<LoginRequest>,
) -> Result<Json<Token>, ApiError> {
    let limits = state.login_limits;
    state
        .throttle
        .hit(&limits.attempts_per_address, &client.text())
        .await?;
    // The account as the e-mail names it, whether or not it exists (so the limit says nothing
    // about which addresses are registered).
    let account = email_key(&body.email);
    state
        .throttle
        .check(&limits.failures_per_account, &account)
        .await?;
    let authenticated = state
        .accounts
        .authenticate(&body.email, &body.password)
        .await;
    if matches!(authenticated, Err(AccountError::WrongCredentials)) {
        state
            .throttle
            .hit(&limits.failures_per_account, &account)
            .await
            .ok();
    }
    let (user, details) = authenticated?;
    let token = state
        .keys
        .issue(user.as_uuid(), details.role, details.session_epoch)
        .await?;
    Ok(Json(Token {
        access_token: token,
        expires_in: state.keys.token_ttl().as_secs(),
        token_type: "bearer".to_owned(),
    }))
}

async fn me(State(state): State<AppState>, caller: Authenticated) -> Result<Json<Me>, ApiError> {
    let loaded = state.commands.store().load::<User>(caller.0.sub).await?;
    let user = loaded.state.0.ok_or(ApiError::NotFound("user"))?;
    Ok(Json(Me {
        display_name: user.display_name,
        email: user.email,
        id: UserId::from_uuid(caller.0.sub),
        role: user.role,
        version: loaded.version,
    }))
}

async fn change_password(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Json(body): Json<PasswordChangeRequest>,
) -> Result<Response, ApiError> {
    let new_password = Password::parse(&body.new_password).map_err(|error| ValidationError {
        field: "new_password",
        ..error
    })?;
    let user = caller.0.sub;
    let id = domain::UserId::from_uuid(user);
    if !state
        .accounts
        .check_password(id, &body.current_password)
        .await?
    {
        return Err(ApiError::Forbidden("the current password is wrong".into()));
    }
    // The change ends every session, this one included; the answer carries a token of the
    // next one, so the device that changed the password stays logged in. (Should another
    // session end meanwhile, this token is of a past epoch and refused: safe, if rare.)
    let token = state
        .keys
        .issue(user, caller.0.role, caller.0.sep.saturating_add(1))
        .await?;
    let mut answer = accepted(user, StatusCode::OK, None);
    answer.body["access_token"] = token.into();
    answer.body["token_type"] = "bearer".into();
    answer.body["expires_in"] = state.keys.token_ttl().as_secs().into();
    let prepare = |command| idempotency.prepare(command, answer);
    let executed = state
        .accounts
        .change_password(id, &new_password, caller.actor(), correlation.0, prepare)
        .await?;
    let response = idempotency.respond(&state.keys, executed).await?;
    state.sessions.ended(&state.redis, user).await?;
    Ok(response)
}

/// Ends every session of the caller, this one included: every token issued to them so far
/// is refused from now on.
async fn logout_all(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    idempotency: Idempotency,
) -> Result<Response, ApiError> {
    let user = caller.0.sub;
    let answer = accepted(user, StatusCode::OK, None);
    let prepare = |command| idempotency.prepare(command, answer);
    let executed = state
        .accounts
        .end_sessions(
            domain::UserId::from_uuid(user),
            caller.actor(),
            correlation.0,
            prepare,
        )
        .await?;
    let response = idempotency.respond(&state.keys, executed).await?;
    state.sessions.ended(&state.redis, user).await?;
    Ok(response)
}
