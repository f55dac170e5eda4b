//! A client of the API that answers in the API's own types (`api_types`): each typed call
//! asserts the status it expects and says what it was doing when it fails. [`ApiClient::send`]
//! stays for the tests that look at the raw response (status, headers, problem+json).

use api_types::auth::{Me, Token};
use api_types::creatures::{CreatureView, History};
use api_types::tags::TagList;
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

/// What a command that created or changed a stream answers.
#[derive(Clone, Debug, Deserialize)]
pub struct Accepted {
    /// The stream created (commands that create one).
    pub id: Option<Uuid>,
    /// The stream's version after the command.
    pub version: i64,
    /// The global position of its last event.
    pub position: i64,
}

/// What `POST /auth/register` answers.
#[derive(Clone, Debug, Deserialize)]
pub struct Registered {
    /// The new user.
    pub user_id: Uuid,
}

/// The API at one base URL.
#[derive(Clone)]
pub struct ApiClient {
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    /// The HTTP client.
    pub client: reqwest::Client,
}

impl ApiClient {
    /// A client of the API at `address`.
    pub fn new(address: String) -> Self {
        Self {
            address,
            client: reqwest::Client::new(),
        }
    }

    /// A request to `path`, with a bearer token if given.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self
            .client
            .request(method, format!("{}{path}", self.address));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a JSON body; the response as it came.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let builder = self.request(method, path, token);
        let builder = match body {
            Some(body) => builder.json(&body),
            None => builder,
        };
        builder.send().await.expect("the API answers")
    }

    /// Sends and expects `status`; the body as `T`.
    pub async fn expect<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
    ) -> T {
        let what = format!("{method} {path}");
        let response = self.send(method, path, token, body).await;
        answer(response, status, &what).await
    }

    /// A command with an idempotency key of its own, expected to succeed; what it answered.
    pub async fn command(&self, method: Method, path: &str, token: &str, body: Value) -> Accepted {
        let what = format!("{method} {path}");
        let response = self
            .request(method, path, Some(token))
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .expect("the API answers");
        let status = response.status();
        assert!(status.is_success(), "{what} answered {status}");
        response.json().await.expect("a command's answer")
    }

    /// Registers a user; the response as it came.
    pub async fn register_as(&self, email: &str, password: &str, display_name: &str) -> Response {
        let body = json!({"email": email, "password": password, "display_name": display_name});
        self.send(Method::POST, "/auth/register", None, Some(body))
            .await
    }

    /// Registers a user, expected to succeed.
    pub async fn registered(&self, email: &str, password: &str, display_name: &str) -> Registered {
        let response = self.register_as(email, password, display_name).await;
        answer(
            response,
            StatusCode::CREATED,
            &format!("registering {email}"),
        )
        .await
    }

    /// Logs in, expected to succeed; the token.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let body = json!({"email": email, "password": password});
        let token: Token = self
            .expect(
                Method::POST,
                "/auth/login",
                None,
                Some(body),
                StatusCode::OK,
            )
            .await;
        token.access_token
    }

    /// What `GET /auth/me` says of the token's user.
    pub async fn me(&self, token: &str) -> Me {
        self.expect(Method::GET, "/auth/me", Some(token), None, StatusCode::OK)
            .await
    }

    /// `GET /creatures/{id}`, expected to be found.
    pub async fn creature_view(&self, id: &str) -> CreatureView {
        self.expect(
            Method::GET,
            &format!("/creatures/{id}"),
            None,
            None,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /creatures/{id}/history`, expected to be found.
    pub async fn history(&self, id: &str) -> History {
        self.expect(
            Method::GET,
            &format!("/creatures/{id}/history"),
            None,
            None,
            StatusCode::OK,
        )
        .await
    }

    /// `GET /tags`.
    pub async fn tags(&self) -> TagList {
        self.expect(Method::GET, "/tags", None, None, StatusCode::OK)
            .await
    }
}

/// The body of `response` as `T`, once its status is `status`.
async fn answer<T: DeserializeOwned>(response: Response, status: StatusCode, what: &str) -> T {
    let seen = response.status();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(seen, status, "{what} answered {text}");
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{what} answered {text}: {error}"))
}
