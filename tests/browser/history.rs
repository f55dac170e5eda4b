//! A creature's history as a reader follows it: newest first, each entry saying what changed,
//! times relative with the exact one on hover, and a version that can be linked to.

use crate::harness::browser_test;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn each_entry_says_what_changed_and_a_version_can_be_linked_to() {
    browser_test("history-changes", |session| async move {
        let system = &session.system;
        let owner = system
            .user("rue@example.org", "password123", "Rue")
            .await;
        system
            .command(Method::POST, "/tags", &owner, json!({"name": "fire"}))
            .await;
        let description = "A great red dragon sleeping on a hoard of gold under the Lonely Mountain for many long years";
        let created = system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": "Smaug", "species": "dragon", "description": description,
                       "traits": {"eyes": 2, "horns": true}, "tags": ["fire"]}),
            )
            .await;
        let id = created.id.expect("the new creature's id").to_string();
        let path = format!("/creatures/{id}");
        system
            .command(
                Method::PATCH,
                &path,
                &owner,
                json!({"name": "Smaug the Golden",
                       "description": description.replace("Lonely Mountain", "Misty Mountains"),
                       "traits": {"eyes": 3, "wings": 2}}),
            )
            .await;
        system
            .command(Method::DELETE, &format!("{path}/tags/fire"), &owner, json!({}))
            .await;

        let browser = session.browser(1280, 900).await;
        browser.open(&format!("{}{path}", system.web)).await;
        let entries = browser
            .until_texts("[data-testid=history-event]", "the whole history", |entries| {
                entries.iter().any(|entry| entry.contains("Creature untagged"))
                    && entries.iter().any(|entry| entry.contains("Creature registered"))
            })
            .await;
        // Newest first.
        let versions: Vec<u32> = entries
            .iter()
            .filter_map(|entry| entry.split("\nv").nth(1)?.split(' ').next()?.parse().ok())
            .collect();
        assert_eq!(versions.len(), entries.len(), "{entries:?}");
        assert!(versions.windows(2).all(|pair| pair[0] > pair[1]), "{versions:?}");
        let said = |needle: &str| entries.iter().any(|entry| entry.contains(needle));
        assert!(said("− fire"), "the removed tag is named: {entries:?}");
        assert!(said("Smaug → Smaug the Golden"), "{entries:?}");
        assert!(said("Lonely Mountain Misty Mountains"), "a short diff: {entries:?}");
        assert!(said("eyes: 2 → 3") && said("+ wings: 2") && said("− horns"), "{entries:?}");
        assert!(said("just now"), "relative times: {entries:?}");
        let exact = browser
            .find("[data-testid=history-event] time")
            .await
            .attr("title")
            .await
            .unwrap();
        assert!(exact.is_some_and(|title| !title.is_empty()), "the exact time on hover");

        // A linked version opens as of that version.
        browser.open(&format!("{}{path}?version=1", system.web)).await;
        browser
            .until_text("[data-testid=state-as-of]", "As of version 1")
            .await;
        browser
            .until_text("[data-testid=history-event][data-version='1'] button[aria-pressed=true]", "Creature registered")
            .await;
        browser
            .until_text("[data-testid=state-as-of]", "Avatar\nnone")
            .await;

        // The version whose avatar was painted shows that image, not a word.
        browser.open(&format!("{}{path}", system.web)).await;
        browser
            .until_text("[data-testid=history-event]", "avatar painted")
            .await;
        browser
            .client
            .find(fantoccini::Locator::XPath(
                "//li[@data-testid='history-event']/button[contains(., 'avatar painted')]",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser
            .until_js(
                "(() => { const image = document.querySelector('[data-testid=as-of-avatar]');
                    return image !== null && image.complete && image.naturalWidth > 0
                        && image.src.includes('sha256='); })()",
            )
            .await;
        browser.close().await;

        // On a phone, choosing an entry brings the state into view.
        let phone = session.browser(390, 844).await;
        phone.open(&format!("{}{path}", system.web)).await;
        phone
            .click("[data-testid=history-event][data-version='2'] button")
            .await;
        phone
            .until_text("[data-testid=state-as-of]", "As of version 2")
            .await;
        phone
            .until_js(
                "(() => { const box = document.querySelector('[data-testid=state-as-of]')
                    .getBoundingClientRect(); return box.top >= 0 && box.top < innerHeight; })()",
            )
            .await;
    })
    .await;
}
