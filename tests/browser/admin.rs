//! The admin page as an admin uses it, on a phone too: labelled figures, a role change that asks
//! first and says it saved, and the admin's own role shown, not offered.

use crate::harness::{ADMIN_EMAIL, ADMIN_PASSWORD, browser_test};
use fantoccini::Locator;
use serde_json::json;

#[tokio::test]
async fn on_a_phone_an_admin_reads_labelled_figures_and_changes_a_role_after_confirming() {
    browser_test("admin-phone", |session| async move {
        let system = &session.system;
        system.user("bea@example.org", "password123", "Bea").await;
        let admin = session.browser(390, 844).await;
        admin
            .log_in(&system.web, ADMIN_EMAIL, ADMIN_PASSWORD, "Administrator")
            .await;
        admin.open(&format!("{}/admin", system.web)).await;
        admin
            .until_texts(
                "[data-testid=projection-lag]",
                "every projection caught up",
                |lags| lags.len() == 3 && lags.iter().all(|lag| lag == "up to date"),
            )
            .await;
        admin
            .until_text("[data-testid=projection-position]", " of ")
            .await;
        admin.find("[data-testid=user-row]").await;
        let fits = admin
            .client
            .execute(
                "return document.documentElement.scrollWidth <= innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            fits,
            json!(true),
            "the admin page scrolls sideways at 390 px"
        );

        // The admin's own role is shown, not offered.
        admin.until_text("[data-testid=own-role]", "admin").await;

        let bea_admin =
            "//tr[@data-testid='user-row'][.//strong[text()='Bea']]//option[@value='admin']";
        let bea_role = "//tr[@data-testid='user-row'][.//strong[text()='Bea']]//select";
        // Declining the question changes nothing.
        admin
            .client
            .find(Locator::XPath(bea_admin))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let question = admin.client.get_alert_text().await.unwrap();
        assert!(question.contains("Make Bea an admin?"), "{question}");
        admin.client.dismiss_alert().await.unwrap();
        let role = admin
            .client
            .find(Locator::XPath(bea_role))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap();
        assert_eq!(role.as_deref(), Some("user"));

        // Confirming saves, and says so.
        admin
            .client
            .find(Locator::XPath(bea_admin))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        admin.client.accept_alert().await.unwrap();
        admin
            .until_text("[data-testid=role-saved]", "Saved: Bea is now an admin.")
            .await;
        // The list, read again from the users projection, shows the new role.
        admin
            .until_js(&format!(
                "document.evaluate({bea_role:?}, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null)\
                 .singleNodeValue?.value === 'admin'"
            ))
            .await;
    })
    .await;
}
