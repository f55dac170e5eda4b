//! Forgetting, as people do it in the SPA: a user on their account page (a wrong password is
//! refused and kept; the right one, confirmed, logs them out for good, their creature staying
//! as by "a forgotten user"), and an admin on the admin page; and logging out everywhere from
//! the account page.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, browser_test};
use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_user_forgets_themself_on_their_account_page_and_their_creature_stays() {
    browser_test("forget-me", |session| async move {
        let system = &session.system;
        let token = system
            .user("cleo-4b1a@example.org", "password123", "Cleo 4b1a")
            .await;
        let created = system
            .command(
                Method::POST,
                "/creatures",
                &token,
                json!({"name": "Hydra", "species": "serpent", "description": "", "traits": {}, "tags": []}),
            )
            .await;
        let id = created.id.expect("the new creature's id").to_string();
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "cleo-4b1a@example.org", "password123", "Cleo 4b1a")
            .await;
        browser.click("[data-testid=account-name]").await;
        browser.until_at("/account").await;
        browser
            .until_text("[data-testid=account-details]", "cleo-4b1a@example.org")
            .await;
        let details = browser
            .find("[data-testid=account-details]")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            details.contains("Cleo 4b1a") && details.contains("user"),
            "{details}"
        );

        // A wrong password is refused, and what was typed stays.
        browser.fill("#field-password", "not my password").await;
        browser.click("[data-testid=forget-me-button]").await;
        let question = browser.client.get_alert_text().await.unwrap();
        assert!(question.contains("erased everywhere"), "{question}");
        browser.client.accept_alert().await.unwrap();
        browser
            .until_text("#field-password-error", "That password is wrong.")
            .await;
        let typed = browser
            .find("#field-password")
            .await
            .prop("value")
            .await
            .unwrap();
        assert_eq!(typed.as_deref(), Some("not my password"));

        // Declining the question forgets nothing.
        browser.fill("#field-password", "password123").await;
        browser.click("[data-testid=forget-me-button]").await;
        browser.client.dismiss_alert().await.unwrap();
        browser.until_at("/account").await;

        browser.click("[data-testid=forget-me-button]").await;
        let question = browser.client.get_alert_text().await.unwrap();
        assert!(
            question.contains("You will be logged out and cannot log in again"),
            "{question}"
        );
        browser.client.accept_alert().await.unwrap();
        browser.until_js("location.pathname === '/'").await;
        browser
            .until_text("[data-testid=notice]", "Your account was forgotten.")
            .await;
        // Logged out here, and the token is gone from storage.
        browser.find(".account a[href^='/login']").await;
        browser
            .until_js("localStorage.getItem('bestiary.token') === null")
            .await;
        assert!(
            browser
                .client
                .find(Locator::Css("[data-testid=account-name]"))
                .await
                .is_err(),
            "still shown as logged in"
        );

        // Their token is refused by the API too.
        let refused = system
            .api
            .send(Method::GET, "/auth/me", Some(&token), None)
            .await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);

        // The old credentials no longer log in.
        browser.open(&format!("{}/login", system.web)).await;
        browser.fill("#field-email", "cleo-4b1a@example.org").await;
        browser.fill("#field-password", "password123").await;
        browser.click("form button[type=submit]").await;
        browser
            .until_text("[role=alert]", "do not match an account")
            .await;

        browser
            .open(&format!("{}/creatures/{id}", system.web))
            .await;
        browser
            .until_text("[data-testid=creature-page]", "a forgotten user")
            .await;
    })
    .await;
}

#[tokio::test]
async fn an_admin_forgets_a_user_from_the_admin_page_after_confirming() {
    browser_test("admin-forgets", |session| async move {
        let system = &session.system;
        system
            .user("dov-4b1a@example.org", "password123", "Dov 4b1a")
            .await;
        let admin = session.browser(1280, 900).await;
        admin
            .log_in(&system.web, ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator")
            .await;
        admin.open(&format!("{}/admin", system.web)).await;
        let forget =
            "//tr[@data-testid='user-row'][.//strong[text()='Dov 4b1a']]//button[@data-testid='forget-user']";
        admin
            .client
            .wait()
            .for_element(Locator::XPath(forget))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let question = admin.client.get_alert_text().await.unwrap();
        assert!(question.contains("Forget Dov 4b1a?"), "{question}");
        admin.client.accept_alert().await.unwrap();
        admin
            .until_text("[data-testid=role-saved]", "Forgotten: Dov 4b1a")
            .await;
        admin
            .until_js(
                "[...document.querySelectorAll('[data-testid=user-row][data-forgotten=true]')]\
                 .some(row => row.textContent.includes('a forgotten user') \
                     && !row.textContent.includes('dov-4b1a@example.org'))",
            )
            .await;
    })
    .await;
}

#[tokio::test]
async fn logging_out_everywhere_ends_every_session_of_the_user() {
    browser_test("logout-all", |session| async move {
        let system = &session.system;
        let elsewhere = system
            .user("eli-4b1a@example.org", "password123", "Eli 4b1a")
            .await;
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(
                &system.web,
                "eli-4b1a@example.org",
                "password123",
                "Eli 4b1a",
            )
            .await;
        browser.open(&format!("{}/account", system.web)).await;
        browser.click("[data-testid=logout-all]").await;
        browser.until_at("/login").await;
        browser
            .until_text(".banner-info", "You are logged out everywhere")
            .await;
        browser
            .until_js("localStorage.getItem('bestiary.token') === null")
            .await;
        // The session of another device (a token got through the API) has ended too.
        let refused = system
            .api
            .send(Method::GET, "/auth/me", Some(&elsewhere), None)
            .await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    })
    .await;
}
