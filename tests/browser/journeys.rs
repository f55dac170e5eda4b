//! What people do in the SPA, end to end.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, browser_test};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_visitor_registers_logs_in_creates_tags_filters_and_reads_history() {
    browser_test("journey", |session| async move {
        let system = &session.system;
        // Someone else's creature, so the tag filter has something to leave out.
        let other = system
            .user("olive@example.org", "password123", "Olive")
            .await;
        system
            .command(
                Method::POST,
                "/creatures",
                &other,
                json!({"name": "Hoot", "species": "owl"}),
            )
            .await;

        let browser = session.browser(1280, 900).await;
        browser.open(&format!("{}/register", system.web)).await;
        browser.fill("#field-email", "ada@example.org").await;
        browser.fill("#field-display_name", "Ada").await;
        browser.fill("#field-password", "short").await;
        browser.click("form button[type=submit]").await;
        // The refusal appears under the field it concerns, in words.
        browser
            .until_text(
                "#field-password-error",
                "Password must be at least 8 characters.",
            )
            .await;
        browser.find(".field-invalid #field-password").await;
        browser.fill("#field-password", "password123").await;
        browser.click("form button[type=submit]").await;

        // A new account is logged in at once.
        browser
            .until_text("[data-testid=account-name]", "Ada")
            .await;
        browser.until_at("/").await;

        browser.click_text("New creature").await;
        browser.click("form button[type=submit]").await;
        browser.find("#field-name-error").await;
        browser.showcase("form-errors").await;
        browser.fill("#field-name", "Smaug").await;
        browser.fill("#field-species", "dragon").await;
        browser
            .fill("#field-description", "Lives under the Lonely Mountain.")
            .await;
        browser.click_text("+ Add a trait").await;
        browser.fill("[aria-label='Trait 1 name']", "wings").await;
        browser.fill("[aria-label='Trait 1 value']", "2").await;
        browser.click("form button[type=submit]").await;

        // Its own write is visible at once, and the avatar appears without a reload.
        browser
            .until_text("[data-testid=creature-name]", "Smaug")
            .await;
        browser
            .find(".avatar-large[data-avatar-state=ready] img")
            .await;
        browser
            .until_js("document.querySelector('.avatar-large img').naturalWidth > 0")
            .await;
        browser
            .until_text("[data-testid=avatar-status]", "Avatar ready")
            .await;

        browser.fill("#new-tag", "fire").await;
        browser.click("#new-tag-options .combobox-create").await;
        browser
            .until_text("[data-testid=chosen-tags]", "fire")
            .await;
        browser.showcase("creature").await;

        browser.click_text("Gallery").await;
        browser
            .until_texts(
                "[data-testid=creature-card] .card-title",
                "both creatures",
                |names| names.contains(&"Smaug".to_owned()) && names.contains(&"Hoot".to_owned()),
            )
            .await;
        browser.showcase("gallery").await;
        browser
            .find("#tag-filter option[value=fire]")
            .await
            .click()
            .await
            .unwrap();
        browser.until_at("/?tag=fire").await;
        browser
            .until_texts(
                "[data-testid=creature-card] .card-title",
                "only Smaug",
                |names| names == ["Smaug"],
            )
            .await;

        browser
            .click("[data-testid=creature-card] .card-link")
            .await;
        let events = browser
            .until_texts(
                "[data-testid=history-event]",
                "the whole history",
                |events| {
                    events.len() >= 4
                        && events
                            .iter()
                            .any(|event| event.contains("Avatar generated"))
                },
            )
            .await;
        // Newest first.
        assert!(
            events.last().unwrap().contains("Creature registered"),
            "{events:?}"
        );
        assert!(
            events.iter().any(|event| event.contains("+ fire")),
            "{events:?}"
        );
        // The state as of the registration: no tag yet.
        browser
            .click("[data-testid=history-event][data-version='1'] button")
            .await;
        browser
            .until_text("[data-testid=state-as-of]", "As of version 1")
            .await;
        browser.until_at("?version=1").await;
        let as_of = browser
            .find("[data-testid=state-as-of]")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            as_of.contains("Smaug") && !as_of.contains("fire"),
            "{as_of}"
        );
        let history =
            "document.querySelector('[data-testid=history]').scrollIntoView(); return null;";
        browser.client.execute(history, vec![]).await.unwrap();
        browser.showcase("history").await;
        browser.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_second_browser_sees_a_new_creature_and_its_avatar_appear_live() {
    browser_test("live", |session| async move {
        let system = &session.system;
        let author = system.user("bo@example.org", "password123", "Bo").await;
        let watcher = session.browser(1280, 900).await;
        watcher.open(&system.web).await;
        watcher.find(".empty").await;
        watcher.find(".live-dot-on").await;
        // Proof that nothing reloads the page: a mark that a reload would erase.
        watcher
            .client
            .execute("window.stillThisPage = true; return null;", vec![])
            .await
            .unwrap();

        system
            .command(
                Method::POST,
                "/creatures",
                &author,
                json!({"name": "Nessie", "species": "plesiosaur"}),
            )
            .await;
        watcher
            .until_text("[data-testid=creature-card] .card-title", "Nessie")
            .await;
        watcher
            .find("[data-testid=creature-card] [data-avatar-state=ready] img")
            .await;
        watcher.until_js("window.stillThisPage === true").await;
        watcher.close().await;
    })
    .await;
}

#[tokio::test]
async fn an_admin_rebuilds_a_projection_and_watches_it_finish() {
    browser_test("admin", |session| async move {
        let system = &session.system;
        let author = system.user("cy@example.org", "password123", "Cy").await;
        for name in ["Ember", "Bramble", "Kraken", "Pip", "Wisp"] {
            system
                .command(Method::POST, "/creatures", &author, json!({"name": name, "species": "sprite"}))
                .await;
        }
        let admin = session.browser(1280, 900).await;
        admin.log_in(&system.web, ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator").await;
        admin.click_text("Admin").await;
        admin.find("[data-testid=projection-row][data-name=creatures]").await;
        admin
            .until_texts("[data-testid=projection-row] [data-testid=projection-state]", "all running", |states| {
                states.len() == 3 && states.iter().all(|state| state == "running")
            })
            .await;
        admin
            .click("[data-testid=projection-row][data-name=creatures] .row-actions button")
            .await;
        admin
            .find("[data-testid=projection-row][data-name=creatures] [data-testid=rebuild][data-state=done]")
            .await;
        admin
            .until_text("[data-testid=projection-row][data-name=creatures] [data-testid=rebuild]", "done ·")
            .await;
        // When it finished and how long it took, in words, the exact time on hover.
        admin
            .until_texts(
                "[data-testid=projection-row][data-name=creatures] [data-testid=rebuild-when]",
                "when it finished",
                |texts| {
                    texts
                        .iter()
                        .any(|text| text.starts_with("Finished just now · took "))
                },
            )
            .await;
        admin
            .find("[data-testid=projection-row][data-name=creatures] [data-testid=rebuild-when] time[title]")
            .await;
        admin.showcase("admin").await;
        admin.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_plain_user_gets_no_admin_page() {
    browser_test("not-admin", |session| async move {
        let system = &session.system;
        let dee = system.user("dee@example.org", "password123", "Dee").await;
        for (name, species) in [("Wisp", "will-o'-the-wisp"), ("Quill", "porcupine")] {
            let body = json!({"name": name, "species": species});
            system.command(Method::POST, "/creatures", &dee, body).await;
        }
        let browser = session.browser(390, 844).await;
        browser
            .log_in(&system.web, "dee@example.org", "password123", "Dee")
            .await;
        browser
            .find("[data-testid=creature-card] [data-avatar-state=ready] img")
            .await;
        browser.showcase("phone-gallery").await;
        let links = browser
            .until_texts(".nav .nav-link", "the navigation", |links| {
                !links.is_empty()
            })
            .await;
        assert!(!links.iter().any(|link| link == "Admin"), "{links:?}");
        browser.open(&format!("{}/admin", system.web)).await;
        browser.find("[data-testid=admin-forbidden]").await;
        assert!(
            browser
                .client
                .find(fantoccini::Locator::Css("[data-testid=projections]"))
                .await
                .is_err()
        );
        browser.close().await;
    })
    .await;
}
