//! Names that look alike are one name: e-mails and tag names are compared and stored in NFKC,
//! so a fullwidth look-alike collides with the plain name, and a mix of scripts (a Cyrillic
//! letter among Latin ones) is refused.

use crate::helpers::{assert_problem, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn look_alike_e_mails_collide_with_the_plain_one_or_are_refused() {
    let app = spawn_app().await;
    let registered = app.register("alice@example.com", "password123").await;
    assert_eq!(registered.status(), StatusCode::CREATED);
    let alice: Value = registered.json().await.unwrap();

    let fullwidth = app.register("ａlice@example.com", "password456").await;
    let problem = assert_problem(fullwidth, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "/problems/email-taken");

    let cyrillic = app.register("аlice@example.com", "password456").await;
    let problem = assert_problem(cyrillic, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "email", "{problem}");

    // The fullwidth spelling is the same address, so it logs in to the same account.
    let token = app.login("ＡＬＩＣＥ@example.com", "password123").await;
    let me = app.me(&token).await;
    assert_eq!(me.id.to_string(), alice["user_id"].as_str().unwrap());
    assert_eq!(me.email.as_str(), "alice@example.com");

    let whole_script = app.register("иван@пример.рф", "password123").await;
    assert_eq!(whole_script.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn look_alike_tag_names_collide_with_the_plain_one_or_are_refused() {
    let app = spawn_app().await;
    let user = app.user("tagger").await;
    app.tag(&user, "fire").await;
    let create = |name: &'static str| {
        app.send(
            Method::POST,
            "/tags",
            Some(&user.token),
            Some(json!({"name": name})),
        )
    };

    let problem = assert_problem(create("ｆire").await, StatusCode::CONFLICT).await;
    assert_eq!(problem["type"], "/problems/tag-name-taken");
    let problem = assert_problem(create("fіre").await, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["field"], "name", "{problem}");

    // A decomposed `Ä` is normalised, not refused, and then is the composed one.
    let decomposed = create("A\u{308}ther").await;
    assert_eq!(decomposed.status(), StatusCode::CREATED);
    assert_problem(create("Äther").await, StatusCode::CONFLICT).await;

    for whole_script in ["огонь", "火の鳥"] {
        assert_eq!(
            create(whole_script).await.status(),
            StatusCode::CREATED,
            "{whole_script}"
        );
    }

    // A creature can be tagged by any spelling of the name that normalises to it.
    let creature = app.creature(&user, "Smaug").await;
    let tagged = app
        .send(
            Method::PUT,
            &format!("/creatures/{creature}/tags/%EF%BD%86ire"),
            Some(&user.token),
            None,
        )
        .await;
    assert_eq!(tagged.status(), StatusCode::OK, "tagged by `ｆire`");
}

#[tokio::test]
async fn an_account_registered_under_an_address_todays_rules_refuse_still_logs_in() {
    use commands::{Command, CommandHandler, EventStore, SideWrite};
    use domain::user::{User, UserCommand};
    use domain::values::{DisplayName, Email};
    use domain::{Actor, Role};

    let app = spawn_app().await;
    // Stored before the one-script rule: events are read back without re-checking.
    let legacy: Email = serde_json::from_value(json!("pаypal@example.com")).unwrap();
    let user_id = uuid::Uuid::now_v7();
    let register = UserCommand::Register {
        email: legacy,
        display_name: DisplayName::parse("Legacy").unwrap(),
        role: Role::User,
    };
    let hash = bcrypt::hash("password123", 4).unwrap();
    CommandHandler::new(EventStore::new(app.db.pool.clone()))
        .execute(
            Command::<User>::new(user_id, register, Actor::System, uuid::Uuid::now_v7())
                .with_side_write(SideWrite::PasswordHash { user_id, hash }),
        )
        .await
        .unwrap();

    let token = app.login("PАYPAL@example.com", "password123").await;
    let me = app.me(&token).await;
    assert_eq!(me.id.to_string(), user_id.to_string());
}
