//! The OpenAPI document and the router agree: every route is documented, and every documented
//! operation is routed.
//!
//! The router is built from `bestiary::http::api()`, where utoipa-axum routes each handler at
//! the path and method of its `#[utoipa::path]` (a handler without one does not compile there).
//! A route added past it, with axum's own `route`/`nest`, would be undocumented: the source of
//! the HTTP layer is searched for those.

use crate::helpers::{TestApp, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::Path;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Each (method, path) the router answers, walked from the router's own builder.
fn routed_operations() -> Vec<(String, String)> {
    let (_, openapi) = bestiary::http::api().split_for_parts();
    let paths = serde_json::to_value(&openapi.paths).unwrap();
    let mut operations = Vec::new();
    for (path, item) in paths.as_object().unwrap() {
        for method in METHODS {
            if item.get(method).is_some() {
                operations.push((method.to_owned(), path.clone()));
            }
        }
    }
    assert!(operations.len() >= 30, "{} routes", operations.len());
    operations
}

async fn served_document(app: &TestApp) -> Value {
    let response = app.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    document
}

/// Files under `dir` whose name ends with `.rs`.
fn rust_files(dir: &Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[tokio::test]
async fn every_route_is_documented() {
    let app = spawn_app().await;
    let document = served_document(&app).await;
    for (method, path) in routed_operations() {
        let what = format!("{} {path}", method.to_uppercase());
        let operation = &document["paths"][&path][&method];
        assert!(operation.is_object(), "{what} is not in /openapi.json");
        for field in ["operationId", "summary"] {
            assert!(operation[field].is_string(), "{what} has no {field}");
        }
        assert!(operation["tags"][0].is_string(), "{what} has no tag");
        let responses = operation["responses"].as_object().unwrap();
        assert!(
            responses.keys().any(|status| status.starts_with('2')),
            "{what} documents no success"
        );
        for (status, response) in responses {
            assert!(
                response["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{what} {status} has no description"
            );
            if status.as_str() >= "400" {
                assert!(
                    response["content"]["application/problem+json"].is_object(),
                    "{what} {status} is not problem+json"
                );
            }
        }
        let parameters: Vec<&str> = operation["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|parameter| parameter["$ref"].as_str())
            .collect();
        assert!(
            parameters.contains(&"#/components/parameters/XRequestId"),
            "{what}"
        );
        if method != "get" {
            assert!(
                parameters.contains(&"#/components/parameters/IdempotencyKey"),
                "{what} does not take an Idempotency-Key"
            );
        }
        if operation["security"][0]["bearer"].is_array() {
            assert!(responses.contains_key("401"), "{what} takes a token: 401");
        }
    }

    // Routes registered past utoipa-axum would be missing from the walk above.
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"),
        &mut files,
    );
    let mut bypasses = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            if [
                ".route(",
                ".route_service(",
                ".nest(",
                ".nest_service(",
                "axum::routing",
            ]
            .iter()
            .any(|call| code.contains(call))
            {
                bypasses.push(format!(
                    "{}:{}: {}",
                    file.display(),
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        bypasses.is_empty(),
        "routes added without utoipa-axum's `routes!`, so without documentation:\n{}",
        bypasses.join("\n")
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let document = served_document(&app).await;
    let paths = document["paths"].as_object().unwrap();
    let some_id = uuid::Uuid::now_v7().to_string();
    let mut seen = 0;
    for (path, item) in paths {
        let concrete = path
            .replace("{id}", &some_id)
            .replace("{stream_id}", &some_id)
            .replace("{tag}", "fire")
            .replace("{name}", "creatures");
        assert!(!concrete.contains('{'), "a path parameter left in {path}");
        for method in METHODS.iter().filter(|method| item.get(**method).is_some()) {
            seen += 1;
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = app.send(method.clone(), &concrete, None, None).await;
            let status = response.status();
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            // Only errors are read (a success may be an endless event stream).
            if status.is_client_error() {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert_ne!(
                    body["detail"], "resource not found",
                    "{method} {path} is not routed"
                );
            }
        }
    }
    assert_eq!(seen, routed_operations().len());
}
