//! Forms that keep what was typed: the domain's rules checked in the browser, counters instead
//! of silent cuts, every trait row kept, and logging in that returns to where the user was.

use crate::harness::browser_test;
use serde_json::json;

#[tokio::test]
async fn a_new_account_is_logged_in_and_taken_back_without_its_address_in_a_url() {
    browser_test("register-returns", |session| async move {
        let system = &session.system;
        let browser = session.browser(1280, 900).await;
        browser.open(&format!("{}/creatures/new", system.web)).await;
        browser.click_text("log in").await;
        browser.until_at("/login?next=%2Fcreatures%2Fnew").await;
        browser.click_text("Create an account").await;
        browser.until_at("/register?next=%2Fcreatures%2Fnew").await;
        browser.fill("#field-email", "grace@example.org").await;
        browser.fill("#field-display_name", "Grace").await;
        browser.fill("#field-password", "password123").await;
        browser.click("form button[type=submit]").await;
        browser
            .until_text("[data-testid=account-name]", "Grace")
            .await;
        browser.until_at("/creatures/new").await;
        browser.find("#field-name").await;
        let address: String = browser
            .client
            .execute("return location.href;", vec![])
            .await
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        assert!(!address.contains("grace"), "{address}");

        // Logging in again from another page comes back to it.
        browser.click_text("Log out").await;
        browser.open(&format!("{}/tags", system.web)).await;
        browser.click_text("Log in").await;
        browser.fill("#field-email", "grace@example.org").await;
        browser.fill("#field-password", "password123").await;
        browser.click("form button[type=submit]").await;
        browser
            .until_text("[data-testid=account-name]", "Grace")
            .await;
        browser.until_at("/tags").await;
    })
    .await;
}

#[tokio::test]
async fn an_over_long_text_is_refused_with_its_counter_and_no_trait_row_is_dropped() {
    browser_test("form-limits", |session| async move {
        let system = &session.system;
        system.user("lin@example.org", "password123", "Lin").await;
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "lin@example.org", "password123", "Lin")
            .await;
        browser.open(&format!("{}/creatures/new", system.web)).await;
        browser.fill("#field-name", "Smaug").await;
        browser.fill("#field-species", "dragon").await;
        // A pasted description of 2,100 characters: kept whole, counted, refused in words.
        browser
            .client
            .execute(
                "const field = document.querySelector('#field-description');
                 field.value = 'a'.repeat(2100);
                 field.dispatchEvent(new Event('input', { bubbles: true }));",
                vec![],
            )
            .await
            .unwrap();
        browser
            .until_text(
                "[data-testid=description-counter]",
                "2100 / 2000 · 100 too many",
            )
            .await;
        // Two traits of one name, and one without a name.
        for _ in 0..3 {
            browser.click_text("+ Add a trait").await;
        }
        browser.fill("[aria-label='Trait 1 name']", "wings").await;
        browser.fill("[aria-label='Trait 1 value']", "2").await;
        browser.fill("[aria-label='Trait 2 name']", "wings").await;
        browser.fill("[aria-label='Trait 3 value']", "green").await;
        browser.click("form button[type=submit]").await;
        browser
            .until_text(
                "#field-description-error",
                "Description must be at most 2000 characters.",
            )
            .await;
        browser
            .until_text("#trait-1-error", "Another trait is already named “wings”.")
            .await;
        browser
            .until_text("#trait-2-error", "Give this trait a name, or remove it.")
            .await;
        let kept = browser
            .client
            .execute(
                "return [document.querySelector('#field-description').value.length,
                         document.querySelectorAll('[data-testid=trait-row]').length];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(kept, json!([2100, 3]));
        browser.until_at("/creatures/new").await;
    })
    .await;
}
