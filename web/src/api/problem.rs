//! The API's errors (`application/problem+json`), and the per-field messages forms show.

use serde::Deserialize;
use std::collections::BTreeMap;

/// A failed call: what the API said, or why it could not be asked.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ApiFailure {
    /// The HTTP status; 0 when the API could not be reached.
    #[serde(default)]
    pub status: u16,
    /// A short summary.
    #[serde(default)]
    pub title: String,
    /// What happened, for people.
    #[serde(default)]
    pub detail: String,
    /// The problem type (`/problems/validation-failed`, …).
    #[serde(rename = "type", default)]
    pub problem_type: String,
    /// Refused fields, each with its reason.
    #[serde(default)]
    pub errors: Vec<FieldError>,
}

/// One refused field.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct FieldError {
    /// The field's name in the request body.
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

/// Field name → message, for a form.
pub type FieldErrors = BTreeMap<String, String>;

impl ApiFailure {
    /// The API could not be reached at all.
    pub fn unreachable(base: &str) -> Self {
        ApiFailure {
            status: 0,
            title: "Cannot reach Bestiary".into(),
            detail: format!("The API at {base} did not answer. Check your connection and retry."),
            problem_type: "about:blank".into(),
            errors: Vec::new(),
        }
    }

    /// An answer that is not problem+json (a proxy's error page, say).
    pub fn from_status(status: u16) -> Self {
        ApiFailure {
            status,
            title: format!("The API answered {status}"),
            detail: "The request did not succeed; try again.".into(),
            problem_type: "about:blank".into(),
            errors: Vec::new(),
        }
    }

    /// Reads a problem body, falling back on the status alone.
    pub fn from_body(status: u16, body: &str) -> Self {
        match serde_json::from_str::<ApiFailure>(body) {
            Ok(mut problem) => {
                problem.status = status;
                problem
            }
            Err(_) => ApiFailure::from_status(status),
        }
    }

    /// Whether sending the same request again (with the same key) may succeed.
    pub fn is_transient(&self) -> bool {
        self.status == 0 || self.status >= 500 || self.problem_type.ends_with("/request-in-flight")
    }

    /// The messages of refused fields, by field.
    pub fn field_errors(&self) -> FieldErrors {
        let mut fields = FieldErrors::new();
        for error in &self.errors {
            let sentence = crate::validation::sentence(&error.field, &error.message);
            fields
                .entry(error.field.clone())
                .and_modify(|message| {
                    message.push(' ');
                    message.push_str(&sentence);
                })
                .or_insert(sentence);
        }
        fields
    }

    /// One line for a banner: the detail, or the title when there is none.
    pub fn message(&self) -> String {
        if self.detail.is_empty() {
            self.title.clone()
        } else {
            self.detail.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_validation_problem_becomes_messages_per_field() {
        let body = r#"{"type":"/problems/validation-failed","title":"Unprocessable Entity",
            "status":422,"detail":"name: must not be empty","errors":[
            {"field":"name","message":"must not be empty"},
            {"field":"traits","message":"must be no more than 32"},
            {"field":"name","message":"is too plain"}]}"#;
        let failure = ApiFailure::from_body(422, body);
        let fields = failure.field_errors();
        assert_eq!(fields["name"], "Name must not be empty. Name is too plain.");
        assert_eq!(fields["traits"], "Traits must be no more than 32.");
        assert!(!failure.is_transient());
    }

    #[test]
    fn a_body_that_is_not_a_problem_keeps_its_status() {
        let failure = ApiFailure::from_body(502, "<html>Bad gateway</html>");
        assert_eq!(failure.status, 502);
        assert!(failure.is_transient());
        assert!(failure.field_errors().is_empty());
    }

    #[test]
    fn a_request_still_in_flight_is_worth_retrying() {
        let body = r#"{"type":"/problems/request-in-flight","title":"Conflict","status":409,"detail":"x"}"#;
        assert!(ApiFailure::from_body(409, body).is_transient());
        let taken =
            r#"{"type":"/problems/email-taken","title":"Conflict","status":409,"detail":"x"}"#;
        assert!(!ApiFailure::from_body(409, taken).is_transient());
    }
}
