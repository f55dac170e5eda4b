//! The gallery as people use it: searching as they type, seeing how many matched, noticing a
//! creature that arrives live, and never scrolling sideways, whatever the names.

use crate::harness::browser_test;
use fantoccini::Locator;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn typing_searches_counts_the_matches_and_a_live_arrival_is_marked() {
    browser_test("gallery-search", |session| async move {
        let system = &session.system;
        let owner = system.user("mia@example.org", "password123", "Mia").await;
        for (name, species) in [
            ("Smaug", "dragon"),
            ("Hoot", "owl"),
            ("Nessie", "lake monster"),
        ] {
            system
                .command(
                    Method::POST,
                    "/creatures",
                    &owner,
                    json!({"name": name, "species": species}),
                )
                .await;
        }
        let browser = session.browser(1440, 900).await;
        browser.open(&system.web).await;
        browser
            .until_texts("[data-testid=creature-card]", "three cards", |cards| {
                cards.len() == 3
            })
            .await;
        browser
            .until_text("[data-testid=result-count]", "3 creatures")
            .await;

        // No button pressed: the search runs once typing pauses, and the field keeps its text.
        browser
            .find("#search")
            .await
            .send_keys("hoot")
            .await
            .unwrap();
        browser
            .until_texts(
                "[data-testid=creature-card] .card-title",
                "only Hoot",
                |names| names == ["Hoot"],
            )
            .await;
        browser
            .until_text("[data-testid=result-count]", "1 creature")
            .await;
        browser.until_at("/?q=hoot").await;
        let typed = browser.find("#search").await.prop("value").await.unwrap();
        assert_eq!(typed.as_deref(), Some("hoot"));

        // A creature registered elsewhere appears, marked as new.
        browser.click_text("Clear").await;
        browser
            .until_texts("[data-testid=creature-card]", "three cards", |cards| {
                cards.len() == 3
            })
            .await;
        system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": "Glimmer", "species": "unicorn"}),
            )
            .await;
        browser
            .until_text(".card-arrived .card-title", "Glimmer")
            .await;
        let marked = browser
            .client
            .find_all(Locator::Css(".card-arrived"))
            .await
            .unwrap();
        assert_eq!(marked.len(), 1, "only the new card is marked");
    })
    .await;
}

#[tokio::test]
async fn long_unbroken_names_wrap_and_clamp_without_sideways_scrolling() {
    browser_test("gallery-overflow", |session| async move {
        let system = &session.system;
        let owner = system.user("ola@example.org", "password123", "Ola").await;
        let name = "W".repeat(80);
        let species = "Supercalifragilistic".repeat(4);
        let tag = "t".repeat(40);
        system
            .command(Method::POST, "/tags", &owner, json!({"name": tag}))
            .await;
        system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": name, "species": species, "tags": [tag],
                       "description": "x".repeat(2000)}),
            )
            .await;
        for (width, height) in [(1440, 900), (390, 844)] {
            let browser = session.browser(width, height).await;
            browser.open(&system.web).await;
            browser.find("[data-testid=creature-card]").await;
            let layout = browser
                .client
                .execute(
                    "const title = document.querySelector('.card-title');
                     const line = parseFloat(getComputedStyle(title).lineHeight);
                     return [document.documentElement.scrollWidth <= innerWidth,
                             title.getBoundingClientRect().height <= 2 * line + 1];",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(layout, json!([true, true]), "gallery at {width} px");
            let card = browser.find("[data-testid=creature-card] .card-link").await;
            card.click().await.unwrap();
            browser.find("[data-testid=creature-name]").await;
            let wide = browser
                .client
                .execute(
                    "return document.documentElement.scrollWidth <= innerWidth;",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(wide, json!(true), "creature page at {width} px");
            browser.close().await;
        }
    })
    .await;
}
