//! Our own `Json` extractor: a body that is not JSON, or JSON of the wrong shape, gets the
//! same problem+json answer as every other error.

use super::problem::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A JSON request or response body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonSyntaxError(error) => ApiError::BadRequest(format!(
                    "the body is not valid JSON: {}",
                    error.body_text()
                )),
                JsonRejection::JsonDataError(error) => ApiError::Unprocessable(error.body_text()),
                JsonRejection::MissingJsonContentType(_) => ApiError::UnsupportedMediaType,
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::PayloadTooLarge
                }
                other => ApiError::BadRequest(other.body_text()),
            }),
        }
    }
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}
