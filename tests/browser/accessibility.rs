//! Every page checked with axe-core in the real browser (0 critical, 0 serious violations), and
//! what a keyboard or slow-link user meets: a focus ring the card does not clip, focus on each
//! page's heading, a title per page, the layout before the app has loaded, and a plain refusal
//! where someone may not edit.
//!
//! axe-core is fetched from npm by `scripts/test` (never committed); `AXE_CORE_JS` names its
//! `axe.min.js`.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, browser_test};
use reqwest::Method;
use serde_json::{Value, json};

/// axe-core's source, as `scripts/test` installed it.
fn axe_source() -> String {
    let path = std::env::var("AXE_CORE_JS")
        .expect("AXE_CORE_JS names axe-core's axe.min.js (scripts/test installs it)");
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("reading {path}: {error}"))
}

/// The critical and serious violations axe finds on the page as it is now.
async fn violations(browser: &Browser, axe: &str) -> Vec<String> {
    browser
        .client
        .execute(&format!("{axe}\nreturn typeof axe;"), vec![])
        .await
        .unwrap();
    let found = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(result => done(result.violations
                    .filter(v => v.impact === 'critical' || v.impact === 'serious')
                    .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                .catch(error => done(['axe failed: ' + error]));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(found).unwrap()
}

#[tokio::test]
async fn every_page_passes_axe_and_each_has_its_title_and_focused_heading() {
    browser_test("axe", |session| async move {
        let axe = axe_source();
        let system = &session.system;
        let owner = system.user("ivy@example.org", "password123", "Ivy").await;
        system
            .command(Method::POST, "/tags", &owner, json!({"name": "fire"}))
            .await;
        let created = system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": "Smaug", "species": "dragon", "tags": ["fire"],
                       "traits": {"wings": 2}}),
            )
            .await;
        let id = created.id.expect("the new creature's id").to_string();
        let web = &system.web;

        let visitor = session.browser(1280, 900).await;
        let anonymous = [
            ("/", "Gallery", "[data-testid=creature-card]"),
            ("/login", "Log in", "#field-email"),
            ("/register", "Create an account", "#field-email"),
            ("/tags", "Tags", "h1"),
            ("/no/such/page", "Not found", "h1"),
        ];
        let mut failures = Vec::new();
        for (path, title, ready) in anonymous {
            check_page(
                &visitor,
                &axe,
                &format!("{web}{path}"),
                title,
                ready,
                &mut failures,
            )
            .await;
        }
        check_page(
            &visitor,
            &axe,
            &format!("{web}/creatures/{id}"),
            "Smaug",
            "[data-testid=history-event]",
            &mut failures,
        )
        .await;
        visitor.close().await;

        let admin = session.browser(1280, 900).await;
        admin
            .log_in(web, ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator")
            .await;
        let signed_in = [
            ("/creatures/new".to_owned(), "New creature", "#field-name"),
            (
                format!("/creatures/{id}/edit"),
                "Edit creature",
                "#field-name",
            ),
            ("/admin".to_owned(), "Admin", "[data-testid=projection-row]"),
            ("/mine".to_owned(), "My creatures", ".tabs"),
            ("/mine?archived=true".to_owned(), "My creatures", ".tabs"),
            (
                "/account".to_owned(),
                "Your account",
                "[data-testid=forget-me]",
            ),
        ];
        for (path, title, ready) in signed_in {
            check_page(
                &admin,
                &axe,
                &format!("{web}{path}"),
                title,
                ready,
                &mut failures,
            )
            .await;
        }
        // A form with its refusals shown is checked too.
        admin.open(&format!("{web}/creatures/new")).await;
        admin.click("form button[type=submit]").await;
        admin.find("#field-name-error").await;
        failures.extend(
            violations(&admin, &axe)
                .await
                .into_iter()
                .map(|v| format!("form errors: {v}")),
        );
        // And the tag input with its suggestions open.
        admin.fill("#field-tags", "fi").await;
        admin.find("#field-tags-options [role=option]").await;
        failures.extend(
            violations(&admin, &axe)
                .await
                .into_iter()
                .map(|v| format!("tag suggestions: {v}")),
        );
        // And the account page with a wrong password refused.
        admin.open(&format!("{web}/account")).await;
        admin.fill("#field-password", "not the password").await;
        admin.click("[data-testid=forget-me-button]").await;
        admin.client.accept_alert().await.unwrap();
        admin.find("#field-password-error").await;
        failures.extend(
            violations(&admin, &axe)
                .await
                .into_iter()
                .map(|v| format!("account, wrong password: {v}")),
        );
        assert!(failures.is_empty(), "{failures:#?}");
    })
    .await;
}

/// Opens `url`, waits for `ready`, and records what is wrong: axe's violations, a title that is
/// not "`title` · Bestiary", focus anywhere but the page's `<h1>`.
async fn check_page(
    browser: &Browser,
    axe: &str,
    url: &str,
    title: &str,
    ready: &str,
    failures: &mut Vec<String>,
) {
    browser.open(url).await;
    browser.find(ready).await;
    let expected = format!("{title} · Bestiary");
    browser
        .until_js(&format!(
            "document.title === {}",
            Value::String(expected.clone())
        ))
        .await;
    let focused = browser
        .client
        .execute(
            "return document.activeElement && document.activeElement.tagName;",
            vec![],
        )
        .await
        .unwrap();
    if focused != json!("H1") {
        failures.push(format!(
            "{url}: focus is on {focused}, not the page's heading"
        ));
    }
    failures.extend(
        violations(browser, axe)
            .await
            .into_iter()
            .map(|v| format!("{url}: {v}")),
    );
}

#[tokio::test]
async fn a_card_shows_its_whole_focus_ring_and_the_shell_stands_before_the_app_loads() {
    browser_test("focus-and-shell", |session| async move {
        let system = &session.system;
        let owner = system.user("kit@example.org", "password123", "Kit").await;
        system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": "Hoot", "species": "owl"}),
            )
            .await;
        let browser = session.browser(1280, 900).await;
        browser.open(&system.web).await;
        browser.find("[data-testid=creature-card]").await;
        // Tab to the first card's link: the ring is drawn on the card, outside its clip.
        browser
            .client
            .execute("document.querySelector('.card-link').focus();", vec![])
            .await
            .unwrap();
        let ring = browser
            .client
            .execute(
                "const card = document.querySelector('[data-testid=creature-card]');
                 const style = getComputedStyle(card);
                 return [style.outlineStyle, parseFloat(style.outlineWidth) > 0];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(ring, json!(["solid", true]));

        // The page as a slow link shows it before the wasm arrives: its frame and placeholder
        // cards, not a blank page (index.html as served, in the browser, without the app).
        let shell = reqwest::get(format!("{}/", system.web))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let without_app = shell.replace(r#"<script type="module" src="/boot.js"></script>"#, "");
        assert_ne!(
            without_app, shell,
            "index.html loads the app through boot.js"
        );
        browser
            .client
            .execute(
                "document.open(); document.write(arguments[0]); document.close();",
                vec![Value::String(without_app)],
            )
            .await
            .unwrap();
        let placeholders = browser
            .client
            .execute(
                "return [document.querySelector('.topbar') !== null,
                         document.querySelectorAll('[data-testid=shell-cards] .card').length];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(placeholders, json!([true, 8]));
        // And the app, once it starts, takes the shell away.
        browser.open(&system.web).await;
        browser.find("[data-testid=creature-card]").await;
        let left = browser
            .client
            .execute("return document.getElementById('shell') === null;", vec![])
            .await
            .unwrap();
        assert_eq!(left, json!(true));
    })
    .await;
}

#[tokio::test]
async fn someone_else_gets_a_plain_refusal_instead_of_the_edit_form() {
    browser_test("edit-refused", |session| async move {
        let system = &session.system;
        let owner = system.user("nia@example.org", "password123", "Nia").await;
        system.user("oto@example.org", "password123", "Oto").await;
        let created = system
            .command(
                Method::POST,
                "/creatures",
                &owner,
                json!({"name": "Quill", "species": "porcupine"}),
            )
            .await;
        let id = created.id.expect("the new creature's id").to_string();
        let browser = session.browser(1280, 900).await;
        browser
            .log_in(&system.web, "oto@example.org", "password123", "Oto")
            .await;
        browser
            .open(&format!("{}/creatures/{id}", system.web))
            .await;
        browser.find("[data-testid=creature-name]").await;
        browser.find("[data-testid=history-event]").await;
        let offered = browser
            .client
            .execute(
                "return [...document.querySelectorAll('main a, main button')]
                    .map(element => element.textContent.trim());",
                vec![],
            )
            .await
            .unwrap();
        let offered: Vec<String> = serde_json::from_value(offered).unwrap();
        assert!(
            offered
                .iter()
                .any(|text| text.contains("Creature registered")),
            "{offered:?}"
        );
        assert!(
            !offered
                .iter()
                .any(|text| ["Edit", "Archive", "New avatar"].contains(&text.as_str())),
            "{offered:?}"
        );
        browser
            .open(&format!("{}/creatures/{id}/edit", system.web))
            .await;
        browser
            .until_text("[data-testid=edit-refused]", "You cannot edit Quill")
            .await;
        let form = browser
            .client
            .execute("return document.querySelector('form') === null;", vec![])
            .await
            .unwrap();
        assert_eq!(form, json!(true), "no form is offered");
    })
    .await;
}
