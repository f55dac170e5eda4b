//! Archiving says what happened and offers Undo; "My creatures" lists the user's creatures,
//! the archived ones on their own tab with Restore.

use crate::harness::browser_test;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn archive_offers_undo_and_my_creatures_restores_an_archived_one() {
    browser_test("archive-undo", |session| async move {
        let system = &session.system;
        let owner = system.user("wen@example.org", "password123", "Wen").await;
        system
            .command(Method::POST, "/tags", &owner, json!({"name": "fire"}))
            .await;
        let mut ids = Vec::new();
        for name in ["Ember", "Cinder"] {
            let created = system
                .command(
                    Method::POST,
                    "/creatures",
                    &owner,
                    json!({"name": name, "species": "salamander", "description": "", "traits": {}, "tags": ["fire"]}),
                )
                .await;
            ids.push(created.id.expect("the new creature's id").to_string());
        }
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "wen@example.org", "password123", "Wen")
            .await;

        // Archive, then Undo: the creature is back, with its tags.
        browser
            .open(&format!("{}/creatures/{}", system.web, ids[0]))
            .await;
        browser.click_text("Archive").await;
        browser
            .until_text("[data-testid=archived-notice]", "Ember is archived")
            .await;
        browser.click_text("Undo").await;
        browser
            .until_js("document.querySelector('[data-testid=archived-notice]') === null")
            .await;
        browser.until_text("[data-testid=chosen-tags]", "fire").await;
        let ember = system.api.creature_view(&ids[0]).await;
        assert!(!ember.archived);
        assert_eq!(ember.tags, vec!["fire"]);
        let history = system.api.history(&ids[0]).await;
        assert!(
            history.events.iter().any(|entry| entry.event_type == "CreatureRestored"),
            "the restore is a real event"
        );

        // Archived for good; My creatures lists it under Archived and restores it.
        browser
            .open(&format!("{}/creatures/{}", system.web, ids[1]))
            .await;
        browser.click_text("Archive").await;
        browser
            .until_text("[data-testid=archived-notice]", "Cinder is archived")
            .await;
        browser.click_text("My creatures").await;
        browser.until_at("/mine").await;
        browser
            .until_texts("[data-testid=mine] .card-title", "the listed one", |names| {
                names == ["Ember"]
            })
            .await;
        browser.click_text("Archived").await;
        browser.until_at("/mine?archived=true").await;
        browser
            .until_texts("[data-testid=mine] .card-title", "the archived one", |names| {
                names == ["Cinder"]
            })
            .await;
        browser.click("[aria-label='Restore Cinder']").await;
        browser
            .until_text("[data-testid=notice]", "Cinder is restored")
            .await;
        browser
            .until_texts("[data-testid=mine] .card-title", "nothing archived", |names| {
                names.is_empty()
            })
            .await;
        assert!(!system.api.creature_view(&ids[1]).await.archived);
    })
    .await;
}
