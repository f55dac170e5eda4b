//! What every operation shares, added to the generated document in one place rather than
//! repeated on each handler: the `X-Request-Id` header (sent and answered), the
//! `Idempotency-Key` header of every command with the `Idempotent-Replayed` mark of its
//! answers, and the problem+json body of every error answer.

use crate::http::problem::PROBLEM_JSON;
use serde_json::{Value, json};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Adds the shared parameters, headers and error bodies to every operation of `document`.
pub fn apply(document: &mut Value) {
    let components = &mut document["components"];
    components["parameters"] = json!({
        "XRequestId": {
            "name": "X-Request-Id",
            "in": "header",
            "required": false,
            "description": "A UUID identifying the request; it becomes the correlation id of the events the request appends. Any other value is ignored and a new id is made.",
            "schema": {"type": "string"},
        },
        // No example: one shared by every command would make a client that uses examples
        // send the same key to different operations (422, `idempotency-key-reused`).
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": false,
            "description": include_str!("idempotency_key.md").trim_end(),
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": 255,
                "pattern": "^[\\x21-\\x7E]{1,255}$",
            },
        },
    });
    components["headers"] = json!({
        "XRequestId": {
            "description": "The request's id: the `X-Request-Id` sent, if it was a UUID, else a new one.",
            "schema": {"type": "string", "format": "uuid"},
        },
        "IdempotentReplayed": {
            "description": "`true` when this is the stored answer of an earlier request with the same `Idempotency-Key` (nothing was executed); absent otherwise.",
            "schema": {"type": "string", "const": "true"},
        },
    });
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method) {
                shared(operation, method != "get");
            }
        }
    }
}

fn reference(kind: &str, name: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{name}")})
}

fn shared(operation: &mut Value, command: bool) {
    if !operation["parameters"].is_array() {
        operation["parameters"] = json!([]);
    }
    let parameters = operation["parameters"].as_array_mut().expect("an array");
    // A parameter travels as text, which cannot be JSON's null: an optional one is absent.
    for parameter in parameters.iter_mut() {
        if let Some(types) = parameter["schema"]["type"].as_array_mut() {
            types.retain(|kind| kind != "null");
            if let [only] = types.as_slice() {
                parameter["schema"]["type"] = only.clone();
            }
        }
    }
    if command {
        parameters.push(reference("parameters", "IdempotencyKey"));
    }
    parameters.push(reference("parameters", "XRequestId"));
    if operation.get("security").is_none() {
        operation["security"] = json!([]);
    }
    let Some(responses) = operation["responses"].as_object_mut() else {
        return;
    };
    // A command scopes its `Idempotency-Key` to the caller, so a token sent is checked even
    // where none is needed.
    if command && !responses.contains_key("401") {
        responses.insert(
            "401".into(),
            json!({"description": "An `Authorization` header was sent whose token is malformed, invalid, expired or of an ended session (`/problems/unauthorized`); the operation needs none."}),
        );
    }
    for (status, response) in responses {
        let status: u16 = status.parse().unwrap_or(0);
        let headers = &mut response["headers"];
        if !headers.is_object() {
            *headers = json!({});
        }
        headers["X-Request-Id"] = reference("headers", "XRequestId");
        if command && (200..300).contains(&status) {
            headers["Idempotent-Replayed"] = reference("headers", "IdempotentReplayed");
        }
        if status >= 400 && response.get("content").is_none() {
            response["content"] =
                json!({PROBLEM_JSON: {"schema": reference("schemas", "Problem")}});
        }
    }
}
