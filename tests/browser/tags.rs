//! The one tag input: chips, suggestions from the tags that exist as you type, creating a tag
//! from a new name, and what was typed kept when creating fails.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, browser_test};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_tag_input_suggests_existing_tags_and_creates_a_new_one_as_chips() {
    browser_test("tag-input", |session| async move {
        let system = &session.system;
        let owner = system.user("uma@example.org", "password123", "Uma").await;
        for name in ["Ice", "Iceberg", "Fire"] {
            system
                .command(Method::POST, "/tags", &owner, json!({"name": name}))
                .await;
        }
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "uma@example.org", "password123", "Uma")
            .await;
        browser.open(&format!("{}/creatures/new", system.web)).await;
        browser.fill("#field-name", "Frostbite").await;
        browser.fill("#field-species", "wyrm").await;

        // Typing suggests the tags that match, those starting with the text first.
        browser.fill("#field-tags", "ic").await;
        browser
            .until_texts("#field-tags-options [role=option]", "suggestions", |options| {
                options == ["Ice", "Iceberg", "Create tag “ic”"]
            })
            .await;
        // The keyboard picks one: it becomes a chip and is no longer suggested.
        let field = browser.find("#field-tags").await;
        field.send_keys("\u{E015}").await.unwrap(); // Arrow down
        browser
            .until_js("document.querySelector('#field-tags-options-0').getAttribute('aria-selected') === 'true'")
            .await;
        field.send_keys("\u{E007}").await.unwrap(); // Enter
        browser.until_text("[data-testid=chosen-tags]", "Ice").await;
        browser.fill("#field-tags", "ice").await;
        browser
            .until_texts("#field-tags-options [role=option]", "the rest", |options| {
                options == ["Iceberg"]
            })
            .await;

        // A new name is offered for creation, created, and chosen.
        browser.fill("#field-tags", "Frost").await;
        browser.click("#field-tags-options .combobox-create").await;
        browser
            .until_texts("[data-testid=chosen-tags] .chip-label", "two chips", |chips| {
                chips == ["Ice", "Frost"]
            })
            .await;
        browser.click("form button[type=submit]").await;
        browser
            .until_text("[data-testid=creature-name]", "Frostbite")
            .await;
        browser
            .until_texts("[data-testid=chosen-tags] .chip-label", "its tags", |chips| {
                chips == ["Frost", "Ice"]
            })
            .await;
        let listed = system.api.tags().await;
        assert!(listed.tags.iter().any(|tag| tag.name == "Frost"));
    })
    .await;
}

#[tokio::test]
async fn a_tag_create_that_fails_keeps_what_was_typed_and_says_why() {
    browser_test("tag-create-fails", |session| async move {
        let system = &session.system;
        system.user("vic@example.org", "password123", "Vic").await;
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "vic@example.org", "password123", "Vic")
            .await;
        browser.open(&format!("{}/creatures/new", system.web)).await;

        // Refused in the browser: too long a name.
        let long = "a".repeat(41);
        browser.fill("#field-tags", &long).await;
        browser.click("#field-tags-options .combobox-create").await;
        browser.until_text(".tag-input .field-error", "Tags").await;
        browser
            .until_js(&format!(
                "document.querySelector('#field-tags').value === '{long}'"
            ))
            .await;

        // Refused by the API: every session ended meanwhile.
        let admin = system.api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let rotated = system
            .api
            .send(
                Method::POST,
                "/admin/rotate-keys?revoke_previous=true",
                Some(&admin),
                None,
            )
            .await;
        assert!(rotated.status().is_success());
        browser.fill("#field-tags", "Storm").await;
        browser.click("#field-tags-options .combobox-create").await;
        browser
            .until_text(".tag-input .field-error", "could not be created")
            .await;
        browser
            .until_js("document.querySelector('#field-tags').value === 'Storm'")
            .await;
        assert!(
            !system
                .api
                .tags()
                .await
                .tags
                .iter()
                .any(|tag| tag.name == "Storm"),
            "nothing was created"
        );
    })
    .await;
}
