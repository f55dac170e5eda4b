//! Forgetting, as people do it in the SPA: a user on their account page (a wrong password is
//! refused and kept; the right one, confirmed, logs them out for good, their creature staying
//! as by "a forgotten user"), and an admin on the admin page.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, browser_test};
use fantoccini::Locator;
use reqwest::Method;
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
        browser.client.accept_alert().await.unwrap();
        browser.until_at("/login").await;
        browser
            .until_text(".banner-info", "Your account was forgotten")
            .await;

        // The old credentials no longer log in.
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
