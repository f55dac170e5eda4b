//! Every endpoint's authorization: anonymous, another user, the owner, an admin.

use crate::helpers::{TestApp, TestUser, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Callers {
    owner: TestUser,
    other: TestUser,
    admin: TestUser,
}

/// The status each caller gets.
struct Expect {
    anonymous: u16,
    other: u16,
    owner: u16,
    admin: u16,
}

async fn status(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> u16 {
    app.send(method, path, token, body).await.status().as_u16()
}

/// Runs one request per caller (each against a fresh target from `target`) and checks the
/// statuses.
async fn check<F, Fut>(callers: &Callers, label: &str, expect: Expect, request: F)
where
    F: Fn(Option<String>) -> Fut,
    Fut: std::future::Future<Output = u16>,
{
    let got = Expect {
        anonymous: request(None).await,
        other: request(Some(callers.other.token.clone())).await,
        owner: request(Some(callers.owner.token.clone())).await,
        admin: request(Some(callers.admin.token.clone())).await,
    };
    assert_eq!(
        (got.anonymous, got.other, got.owner, got.admin),
        (expect.anonymous, expect.other, expect.owner, expect.admin),
        "{label}: (anonymous, other user, owner, admin)"
    );
}

#[tokio::test]
async fn every_endpoint_answers_each_caller_as_the_contract_says() {
    let app = spawn_app().await;
    let callers = Callers {
        owner: app.user("owner").await,
        other: app.user("other").await,
        admin: app.admin().await,
    };
    let app = &app;
    let c = &callers;
    app.tag(&c.owner, "fire").await;

    let body = json!({"name": "Smaug", "species": "dragon"});
    check(
        c,
        "POST /creatures",
        Expect {
            anonymous: 401,
            other: 201,
            owner: 201,
            admin: 201,
        },
        |token| {
            let body = body.clone();
            async move {
                status(
                    app,
                    Method::POST,
                    "/creatures",
                    token.as_deref(),
                    Some(body),
                )
                .await
            }
        },
    )
    .await;

    let creature = app.creature(&c.owner, "Smaug").await;
    let patch = json!({"description": "changed"});
    let path = format!("/creatures/{creature}");
    check(
        c,
        "PATCH /creatures/{id}",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 200,
            admin: 200,
        },
        |token| {
            let (path, patch) = (path.clone(), patch.clone());
            async move { status(app, Method::PATCH, &path, token.as_deref(), Some(patch)).await }
        },
    )
    .await;

    let tag_path = format!("/creatures/{creature}/tags/fire");
    let expect_tag = || Expect {
        anonymous: 401,
        other: 403,
        owner: 200,
        admin: 200,
    };
    check(c, "PUT /creatures/{id}/tags/{tag}", expect_tag(), |token| {
        let path = tag_path.clone();
        async move { status(app, Method::PUT, &path, token.as_deref(), None).await }
    })
    .await;
    check(
        c,
        "DELETE /creatures/{id}/tags/{tag}",
        expect_tag(),
        |token| {
            let path = tag_path.clone();
            async move { status(app, Method::DELETE, &path, token.as_deref(), None).await }
        },
    )
    .await;

    let avatar_path = format!("/creatures/{creature}/avatar");
    check(
        c,
        "POST /creatures/{id}/avatar",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 202,
            admin: 202,
        },
        |token| {
            let path = avatar_path.clone();
            async move { status(app, Method::POST, &path, token.as_deref(), None).await }
        },
    )
    .await;

    let history_path = format!("/creatures/{creature}/history");
    check(
        c,
        "GET /creatures/{id}/history",
        Expect {
            anonymous: 200,
            other: 200,
            owner: 200,
            admin: 200,
        },
        |token| {
            let path = history_path.clone();
            async move { status(app, Method::GET, &path, token.as_deref(), None).await }
        },
    )
    .await;

    // Archiving is final, so each caller archives a creature of its own making.
    let owner = c.owner.clone();
    check(
        c,
        "DELETE /creatures/{id}",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 200,
            admin: 200,
        },
        |token| {
            let owner = owner.clone();
            async move {
                let creature = app.creature(&owner, "Doomed").await;
                status(
                    app,
                    Method::DELETE,
                    &format!("/creatures/{creature}"),
                    token.as_deref(),
                    None,
                )
                .await
            }
        },
    )
    .await;

    let names = std::sync::atomic::AtomicU32::new(0);
    check(
        c,
        "POST /tags",
        Expect {
            anonymous: 401,
            other: 201,
            owner: 201,
            admin: 201,
        },
        |token| {
            let name = format!(
                "tag{}",
                names.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            async move {
                status(
                    app,
                    Method::POST,
                    "/tags",
                    token.as_deref(),
                    Some(json!({"name": name})),
                )
                .await
            }
        },
    )
    .await;

    let tag = app.tag(&c.owner, "ice").await;
    let renames = std::sync::atomic::AtomicU32::new(0);
    check(
        c,
        "PATCH /tags/{id}",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 403,
            admin: 200,
        },
        |token| {
            let name = format!(
                "ice{}",
                renames.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            );
            let path = format!("/tags/{tag}");
            async move {
                status(
                    app,
                    Method::PATCH,
                    &path,
                    token.as_deref(),
                    Some(json!({"name": name})),
                )
                .await
            }
        },
    )
    .await;

    let owner = c.owner.clone();
    check(
        c,
        "DELETE /tags/{id}",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 403,
            admin: 200,
        },
        |token| {
            let owner = owner.clone();
            async move {
                let name = format!("doomed{}", uuid::Uuid::new_v4().simple());
                let tag = app.tag(&owner, &name[..20]).await;
                status(
                    app,
                    Method::DELETE,
                    &format!("/tags/{tag}"),
                    token.as_deref(),
                    None,
                )
                .await
            }
        },
    )
    .await;

    check(
        c,
        "POST /admin/rotate-keys",
        Expect {
            anonymous: 401,
            other: 403,
            owner: 403,
            admin: 200,
        },
        |token| async move {
            status(
                app,
                Method::POST,
                "/admin/rotate-keys",
                token.as_deref(),
                None,
            )
            .await
        },
    )
    .await;

    check(
        c,
        "GET /auth/me",
        Expect {
            anonymous: 401,
            other: 200,
            owner: 200,
            admin: 200,
        },
        |token| async move { status(app, Method::GET, "/auth/me", token.as_deref(), None).await },
    )
    .await;
}

#[tokio::test]
async fn a_refused_caller_appends_nothing() {
    let app = spawn_app().await;
    let owner = app.user("owner").await;
    let other = app.user("other").await;
    let creature = app.creature(&owner, "Smaug").await;
    let before = app.event_count().await;
    let path = format!("/creatures/{creature}");
    let forbidden = app
        .send(
            Method::PATCH,
            &path,
            Some(&other.token),
            Some(json!({"name": "Mine"})),
        )
        .await;
    crate::helpers::assert_problem(forbidden, StatusCode::FORBIDDEN).await;
    let anonymous = app.send(Method::DELETE, &path, None, None).await;
    let problem = crate::helpers::assert_problem(anonymous, StatusCode::UNAUTHORIZED).await;
    assert!(problem["detail"].as_str().unwrap().contains("log in"));
    assert_eq!(app.event_count().await, before);
}
