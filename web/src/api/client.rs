//! The HTTP client: the API's base URL, the caller's token, and the position of the caller's
//! last command, which every read waits for (read-your-writes).

use super::problem::ApiFailure;
use super::types::Committed;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

/// Sends of one command before its failure is shown (the same key every time).
const COMMAND_ATTEMPTS: u32 = 3;
/// Attempts of a read that answered 503 while the read model catches up.
const READ_ATTEMPTS: u32 = 4;

/// A handle on the API; cheap to clone, compared by what it would send.
#[derive(Clone, Debug)]
pub struct Api {
    base: Rc<str>,
    token: Option<Rc<str>>,
    seen: Rc<Cell<i64>>,
}

impl PartialEq for Api {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base && self.token == other.token && Rc::ptr_eq(&self.seen, &other.seen)
    }
}

/// A command: method, path, JSON body, idempotency key and optional expected version.
#[derive(Clone, Debug)]
pub struct CommandRequest {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    pub method: &'static str,
    /// The path below the API's base.
    pub path: String,
    /// The JSON body, if any.
    pub body: Option<Value>,
    /// The `Idempotency-Key`.
    pub key: String,
    /// Sent as `If-Match`.
    pub if_match: Option<i64>,
}

impl CommandRequest {
    /// A command with a fresh key.
    pub fn new(method: &'static str, path: impl Into<String>, body: Option<Value>) -> Self {
        CommandRequest {
            method,
            path: path.into(),
            body,
            key: super::idempotency::new_key(),
            if_match: None,
        }
    }

    /// A command with a fresh key and `body` (one of `api_types`' requests) as JSON.
    pub fn with_body(method: &'static str, path: impl Into<String>, body: &impl Serialize) -> Self {
        Self::new(method, path, serde_json::to_value(body).ok())
    }

    /// What identifies the request for [`super::IdempotencyKeys`].
    pub fn fingerprint(&self) -> String {
        let body = self.body.as_ref().map(Value::to_string).unwrap_or_default();
        format!("{} {} {body}", self.method, self.path)
    }
}

impl Api {
    /// A client for the API at `base`, anonymous until [`Api::with_token`].
    pub fn new(base: &str) -> Self {
        Api {
            base: base.trim_end_matches('/').into(),
            token: None,
            seen: Rc::new(Cell::new(0)),
        }
    }

    /// The same client, sending `token` (or none).
    pub fn with_token(&self, token: Option<&str>) -> Self {
        Api {
            base: self.base.clone(),
            token: token.map(Into::into),
            seen: self.seen.clone(),
        }
    }

    /// The API's base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// An absolute URL for a path the API gave (an avatar's, say).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The position of the caller's last command.
    pub fn seen(&self) -> i64 {
        self.seen.get()
    }

    /// Notes a position the caller's reads must reflect from now on.
    pub fn saw(&self, position: i64) {
        if position > self.seen.get() {
            self.seen.set(position);
        }
    }

    fn authorised(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.header("Authorization", &format!("Bearer {token}")),
            None => builder,
        }
    }

    /// Reads `path`, waiting for the caller's own last write to be visible.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiFailure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut builder = self.authorised(Request::get(&self.url(path)));
            if self.seen.get() > 0 {
                builder = builder.header("X-Min-Position", &self.seen.get().to_string());
            }
            let outcome = match builder.send().await {
                Ok(response) => decode(response).await,
                Err(_) => Err(ApiFailure::unreachable(&self.base)),
            };
            match outcome {
                Err(failure) if failure.status == 503 && attempt < READ_ATTEMPTS => {
                    pause(attempt).await;
                }
                other => return other,
            }
        }
    }

    /// Sends a command, again with the same key while the failure is transient, and
    /// remembers its position for later reads.
    pub async fn send(&self, command: &CommandRequest) -> Result<Committed, ApiFailure> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.send_once(command).await {
                Err(failure) if failure.is_transient() && attempt < COMMAND_ATTEMPTS => {
                    pause(attempt).await;
                }
                Ok(value) => {
                    let committed: Committed = serde_json::from_value(value).unwrap_or(Committed {
                        position: None,
                        version: None,
                        id: None,
                    });
                    if let Some(position) = committed.position {
                        self.saw(position);
                    }
                    return Ok(committed);
                }
                Err(failure) => return Err(failure),
            }
        }
    }

    /// Sends a command and reads its answer as `T` (login's token, say).
    pub async fn send_for<T: DeserializeOwned>(
        &self,
        command: &CommandRequest,
    ) -> Result<T, ApiFailure> {
        let value = self.send_once(command).await?;
        serde_json::from_value(value).map_err(|_| ApiFailure::from_status(200))
    }

    async fn send_once(&self, command: &CommandRequest) -> Result<Value, ApiFailure> {
        let url = self.url(&command.path);
        let builder = match command.method {
            "PUT" => Request::put(&url),
            "PATCH" => Request::patch(&url),
            "DELETE" => Request::delete(&url),
            _ => Request::post(&url),
        };
        let mut builder = self
            .authorised(builder)
            .header("Idempotency-Key", &command.key);
        if let Some(version) = command.if_match {
            builder = builder.header("If-Match", &version.to_string());
        }
        let sent = match &command.body {
            Some(body) => match builder.json(body) {
                Ok(request) => request.send().await,
                Err(_) => return Err(ApiFailure::from_status(400)),
            },
            None => builder.send().await,
        };
        match sent {
            Ok(response) => decode(response).await,
            Err(_) => Err(ApiFailure::unreachable(&self.base)),
        }
    }
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiFailure> {
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !(200..300).contains(&status) {
        return Err(ApiFailure::from_body(status, &text));
    }
    let text = if text.is_empty() { "null" } else { &text };
    serde_json::from_str(text).map_err(|_| ApiFailure::from_status(status))
}

async fn pause(attempt: u32) {
    let millis = 250 * u64::from(attempt * attempt);
    gloo_timers::future::sleep(Duration::from_millis(millis)).await;
}
