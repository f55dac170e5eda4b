//! Accounts over HTTP: register, log in, who am I, change my password, log out everywhere,
//! forget me.

use crate::accounts::{AccountError, Registration, email_key};
use crate::http::command::accepted;
use crate::http::extract::{Authenticated, ClientAddress, CorrelationId};
use crate::http::idempotency::Idempotency;
use crate::http::json::Json;
use crate::http::openapi::{Accepted, PasswordChanged, Registered};
use crate::http::problem::ApiError;
use crate::http::state::AppState;
use api_types::auth::{
    ForgetMeRequest, LoginRequest, Me, PasswordChangeRequest, RegisterRequest, Token,
};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use commands::handler::Command;
use commands::idempotency::AnswerTemplate;
use domain::user::User;
use domain::values::{DisplayName, Email, Password, ValidationError};
use domain::{Actor, Role, UserId};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/auth/…`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(me, forget_me))
        .routes(routes!(change_password))
        .routes(routes!(logout_all))
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

#[utoipa::path(
    post,
    path = "/auth/register",
    operation_id = "register",
    tag = "auth",
    summary = "Register a user account",
    description = "Registers an ordinary user (role `user`). Every invalid field is reported at once in `errors`. Unknown body fields are ignored.",
    request_body(content = RegisterRequest, description = "The new account."),
    responses(
        (status = 201, description = "The user was registered.", body = Registered),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 409, description = "A user with this e-mail address exists already (`/problems/email-taken`), or a request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`; retry shortly)."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "A field is invalid (`/problems/validation-failed`, with `errors`), or the body has the wrong shape (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
        (status = 429, description = "Too many registrations from this client address (`/problems/too-many-requests`); retry after `Retry-After` seconds.", headers(("Retry-After" = i64, description = "Seconds until the limit's window ends."))),
        (status = 503, description = "Every slot for password hashing is taken (`/problems/busy`; retry in a second), or the database does not answer (`/problems/service-unavailable`)."),
    )
)]
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
#[utoipa::path(
    post,
    path = "/auth/login",
    operation_id = "login",
    tag = "auth",
    summary = "Log in and get an access token",
    request_body(content = LoginRequest, description = "The credentials."),
    responses(
        (status = 200, description = "An access token.", body = Token),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "Wrong e-mail or password (which one is not said).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The body has the wrong shape, e.g. a field is missing (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
        (status = 429, description = "Too many attempts from this client address, or too many failures for this account (`/problems/too-many-requests`); retry after `Retry-After` seconds.", headers(("Retry-After" = i64, description = "Seconds until the limit's window ends."))),
        (status = 503, description = "Every slot for password hashing is taken (`/problems/busy`; retry in a second), or the database does not answer (`/problems/service-unavailable`)."),
    )
)]
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

#[utoipa::path(
    get,
    path = "/auth/me",
    operation_id = "getMe",
    tag = "auth",
    summary = "The caller's account",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller.", body = Me),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 404, description = "The token's user does not exist (`user not found`)."),
    )
)]
async fn me(State(state): State<AppState>, caller: Authenticated) -> Result<Json<Me>, ApiError> {
    let loaded = state.commands.store().load::<User>(caller.0.sub).await?;
    let user = loaded.state.0.ok_or(ApiError::NotFound("user"))?;
    let (Some(display_name), Some(email)) = (user.display_name.known(), user.email.known()) else {
        return Err(ApiError::NotFound("user"));
    };
    Ok(Json(Me {
        display_name: display_name.clone(),
        email: email.clone(),
        id: UserId::from_uuid(caller.0.sub),
        role: user.role,
        version: loaded.version,
    }))
}

#[utoipa::path(
    put,
    path = "/auth/password",
    operation_id = "changePassword",
    tag = "auth",
    summary = "Change the caller's password",
    description = "The new password is validated first, then the current one is checked. Every session of the user ends: tokens issued earlier, this one included, are refused from then on. The answer carries an access token of the new session, so the device that changed the password stays logged in; every other device logs in again with the new password.",
    request_body(content = PasswordChangeRequest, description = "The current and the new password."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The password was changed; `id` is the user's id, `access_token` a token of the new session.", body = PasswordChanged),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The current password is wrong."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The new password is refused (`/problems/validation-failed`, field `new_password`), or the body has the wrong shape (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
        (status = 503, description = "Every slot for password hashing is taken (`/problems/busy`; retry in a second), or the database does not answer (`/problems/service-unavailable`)."),
    )
)]
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
#[utoipa::path(
    post,
    path = "/auth/logout-all",
    operation_id = "logoutEverywhere",
    tag = "auth",
    summary = "End every session of the caller (log out everywhere)",
    description = "Records `UserSessionsEnded` in the caller's stream: every token issued to the caller so far, this one included, is refused from then on, on every API instance (at once on this one; on others when PostgreSQL's NOTIFY or Redis tells them, within a second at most). Log in again to get a new token.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The sessions ended; `id` is the user's id.", body = Accepted),
        (status = 400, description = "`Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (the user's role or password changed, or they logged out everywhere) (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 422, description = "The `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
    )
)]
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

/// Forgets the caller, once they have entered their password again.
#[utoipa::path(
    delete,
    path = "/auth/me",
    operation_id = "forgetMe",
    tag = "auth",
    summary = "Forget the caller (erase their personal data)",
    description = "Records `UserForgotten` in the caller's stream and, in the same transaction, destroys their data key (crypto-shredding), so their e-mail address and display name become unreadable everywhere: in the log, in backups replayed later and in every read table, rebuilt or not. Their password hash and the remembered answers that name them are deleted, their e-mail is free to register again, and every token issued to them is refused. Their creatures stay, shown as by a forgotten user. This cannot be undone.",
    request_body(content = ForgetMeRequest, description = "The caller's password, entered again."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller is forgotten; `id` is their (former) user id.", body = Accepted),
        (status = 400, description = "The body is not valid JSON, or `Idempotency-Key` is not 1–255 visible ASCII characters (`/problems/bad-request`)."),
        (status = 401, description = "No, a malformed, an invalid or an expired access token, or one whose session has ended (`/problems/unauthorized`).", headers(("WWW-Authenticate" = String, description = "Always `Bearer`."))),
        (status = 403, description = "The password is wrong."),
        (status = 409, description = "A request with the same `Idempotency-Key` is still running (`/problems/request-in-flight`); retry shortly."),
        (status = 413, description = "The body is over 64 KiB (`/problems/payload-too-large`)."),
        (status = 415, description = "The body is not sent as `Content-Type: application/json` (`/problems/unsupported-media-type`)."),
        (status = 422, description = "The body has the wrong shape (`/problems/unprocessable-body`), or the `Idempotency-Key` was used before for a different request (`/problems/idempotency-key-reused`)."),
        (status = 503, description = "Every slot for password hashing is taken (`/problems/busy`; retry in a second), or the database does not answer (`/problems/service-unavailable`)."),
    )
)]
async fn forget_me(
    State(state): State<AppState>,
    caller: Authenticated,
    correlation: CorrelationId,
    idempotency: Idempotency,
    Json(body): Json<ForgetMeRequest>,
) -> Result<Response, ApiError> {
    let user = caller.0.sub;
    let id = UserId::from_uuid(user);
    if !state.accounts.check_password(id, &body.password).await? {
        return Err(ApiError::Forbidden("the password is wrong".into()));
    }
    let answer = accepted(user, StatusCode::OK, None);
    let prepare = |command| idempotency.prepare(command, answer);
    let executed = state
        .accounts
        .forget(id, caller.actor(), correlation.0, prepare)
        .await?;
    let response = idempotency.respond(&state.keys, executed).await?;
    forgotten(&state, user).await?;
    Ok(response)
}

/// What follows a user's forgetting outside its transaction: their sessions end on every API
/// instance, and the answers cached in Redis that name them go.
pub async fn forgotten(state: &AppState, user: uuid::Uuid) -> Result<(), ApiError> {
    state.sessions.ended(&state.redis, user).await?;
    if crate::http::idempotency::forget_cached_answers(&state.redis, user)
        .await
        .is_none()
    {
        tracing::warn!(
            %user,
            "Redis did not answer: cached answers naming a forgotten user stay until they expire"
        );
    }
    Ok(())
}
