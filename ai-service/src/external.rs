//! The external backend: an image-generation API that speaks the OpenAI
//! `/v1/images/generations` protocol (`response_format: b64_json`), for those who have one.
//! This build carries no TLS: point `AVATAR_API_URL` at an `http://` endpoint (or a local
//! proxy in front of an `https://` one).

use base64::Engine;
use serde_json::{Value, json};
use std::time::Duration;

/// Where the API is and how to call it.
#[derive(Clone, Debug)]
pub struct ExternalApi {
    /// Base URL (`…/v1/images/generations` is appended).
    pub url: String,
    /// Bearer key.
    pub key: String,
    /// Model name.
    pub model: String,
    /// HTTP client (with the request timeout).
    pub client: reqwest::Client,
}

/// Why the external API gave no image.
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    /// Unreachable, timed out, or not HTTP.
    #[error("the image API did not answer: {0}")]
    Unreachable(String),
    /// It answered with an error status.
    #[error("the image API answered {0}")]
    Status(u16),
    /// It answered something that is not an image.
    #[error("the image API's answer holds no image")]
    Malformed,
}

impl ExternalApi {
    /// A client for the API with the given request timeout.
    pub fn new(
        url: String,
        key: String,
        model: String,
        timeout: Duration,
    ) -> Result<Self, ExternalError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|error| ExternalError::Unreachable(error.to_string()))?;
        Ok(Self {
            url,
            key,
            model,
            client,
        })
    }

    /// A PNG portrait generated from a prompt describing the creature.
    pub async fn generate(
        &self,
        name: &str,
        species: &str,
        traits: &serde_json::Map<String, Value>,
    ) -> Result<Vec<u8>, ExternalError> {
        let described: Vec<String> = traits
            .iter()
            .map(|(key, value)| format!("{key}: {value}"))
            .collect();
        let prompt = format!(
            "A friendly, colourful portrait of {name}, a {species}, centred on a plain background, \
             storybook illustration. Traits: {}.",
            if described.is_empty() {
                "none".into()
            } else {
                described.join(", ")
            }
        );
        let response = self
            .client
            .post(format!("{}/v1/images/generations", self.url.trim_end_matches('/')))
            .bearer_auth(&self.key)
            .json(&json!({"model": self.model, "prompt": prompt, "n": 1, "size": "512x512", "response_format": "b64_json"}))
            .send()
            .await
            .map_err(|error| ExternalError::Unreachable(error.to_string()))?;
        if !response.status().is_success() {
            return Err(ExternalError::Status(response.status().as_u16()));
        }
        let body: Value = response
            .json()
            .await
            .map_err(|_| ExternalError::Malformed)?;
        let encoded = body["data"][0]["b64_json"]
            .as_str()
            .ok_or(ExternalError::Malformed)?;
        let image = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| ExternalError::Malformed)?;
        if !image.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(ExternalError::Malformed);
        }
        Ok(image)
    }
}
