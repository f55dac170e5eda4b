//! The OpenAPI document describes routes that exist, with the methods they answer.

use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::Value;

#[tokio::test]
async fn every_documented_operation_is_routed() {
    let app = spawn_app().await;
    let response = app.send(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let paths = document["paths"].as_object().unwrap();
    assert!(paths.len() >= 15, "{} paths", paths.len());
    let some_id = uuid::Uuid::now_v7().to_string();
    for (path, operations) in paths {
        let concrete = path.replace("{id}", &some_id).replace("{tag}", "fire");
        let methods = operations
            .as_object()
            .unwrap()
            .keys()
            .filter(|key| ["get", "post", "put", "patch", "delete"].contains(&key.as_str()));
        for method in methods {
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
}
