//! `/metrics` stays bounded whatever clients send: labels come from closed sets.

use crate::helpers::spawn_app;
use futures::StreamExt;
use reqwest::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn made_up_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let made_up = 2_000;
    futures::stream::iter(0..made_up)
        .for_each_concurrent(16, |n| {
            let app = &app;
            async move {
                let method = Method::from_bytes(format!("MADEUP{n}").as_bytes()).unwrap();
                // Half on a real route (answered 405), half on a made-up path (404).
                let path = if n % 2 == 0 {
                    "/creatures".to_owned()
                } else {
                    format!("/made-up-path-{n}")
                };
                let response = app.request(method, &path, None).send().await.unwrap();
                assert!(response.status().is_client_error(), "{path}");
                let plain = app
                    .request(Method::GET, &format!("/made-up-path-{n}"), None)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(plain.status(), StatusCode::NOT_FOUND);
            }
        })
        .await;
    let text = app
        .send(Method::GET, "/metrics", None, None)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !text.contains("MADEUP") && !text.contains("made-up-path"),
        "a client-chosen value became a label: {text}"
    );
    assert!(text.contains("method=\"other\""), "{text}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
    assert!(
        text.len() < 32 * 1024,
        "{} bytes after {made_up} made-up requests",
        text.len()
    );
}
