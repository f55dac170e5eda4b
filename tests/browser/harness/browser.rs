//! A browser session with waits that poll for a condition until [`PATIENCE`] runs out, and
//! the few gestures the tests make (open, fill, click, log in, screenshot).

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long any one condition may take to hold.
const PATIENCE: Duration = Duration::from_secs(30);

/// A browser session with waits that poll for a condition until [`PATIENCE`] runs out.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    profile: PathBuf,
}

impl Browser {
    /// A session whose Chromium profile is `profile` (removed when it closes).
    pub(super) fn new(client: Client, profile: PathBuf) -> Self {
        Self { client, profile }
    }

    /// The Chromium profile folder of this session.
    pub(super) fn profile(&self) -> &Path {
        &self.profile
    }

    /// Opens `url` and waits for the app to render its navigation (the static shell shown
    /// before the app starts has a top bar too, but no navigation).
    pub async fn open(&self, url: &str) {
        self.client.goto(url).await.unwrap();
        self.find(".topbar .nav").await;
    }

    /// The first element matching `css`, once there is one.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .every(Duration::from_millis(50))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no `{css}` appeared: {error}"))
    }

    /// Waits until `condition` holds of the text of everything matching `css`.
    pub async fn until_texts(
        &self,
        css: &str,
        what: &str,
        condition: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let mut texts = Vec::new();
            for element in self
                .client
                .find_all(Locator::Css(css))
                .await
                .unwrap_or_default()
            {
                // An element re-rendered meanwhile has gone stale: read the page again.
                match element.text().await {
                    Ok(text) => texts.push(text),
                    Err(_) => texts.clear(),
                }
            }
            if condition(&texts) {
                return texts;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what} at `{css}`; saw {texts:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the element matching `css` contains `text`.
    pub async fn until_text(&self, css: &str, text: &str) {
        self.until_texts(css, &format!("text {text:?}"), |texts| {
            texts.iter().any(|seen| seen.contains(text))
        })
        .await;
    }

    /// Waits until a JavaScript expression is true.
    pub async fn until_js(&self, expression: &str) {
        let deadline = Instant::now() + PATIENCE;
        let script = format!("return Boolean({expression});");
        loop {
            if self.client.execute(&script, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            assert!(Instant::now() < deadline, "waited for `{expression}`");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the address's path and query end with `suffix`.
    pub async fn until_at(&self, suffix: &str) {
        self.until_js(&format!(
            "(location.pathname + location.search).endsWith({})",
            Value::String(suffix.into())
        ))
        .await;
    }

    /// Types into the field matching `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the link or button whose text is `text`.
    pub async fn click_text(&self, text: &str) {
        let xpath =
            format!("//a[normalize-space()='{text}'] | //button[normalize-space()='{text}']");
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::XPath(&xpath))
            .await
            .unwrap_or_else(|error| panic!("no link or button `{text}`: {error}"))
            .click()
            .await
            .unwrap();
    }

    /// Logs in through the login page.
    pub async fn log_in(&self, web: &str, email: &str, password: &str, display_name: &str) {
        self.open(&format!("{web}/login")).await;
        self.fill("#field-email", email).await;
        self.fill("#field-password", password).await;
        self.click("form button[type=submit]").await;
        self.until_text("[data-testid=account-name]", display_name)
            .await;
    }

    /// Saves a PNG of the page.
    pub async fn screenshot(&self, path: &Path) {
        if let Ok(png) = self.client.screenshot().await {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(path, png);
        }
    }

    /// Saves a screenshot for the README when `BESTIARY_SCREENSHOTS` names a directory.
    pub async fn showcase(&self, name: &str) {
        if let Ok(dir) = std::env::var("BESTIARY_SCREENSHOTS") {
            self.screenshot(&Path::new(&dir).join(format!("{name}.png")))
                .await;
        }
    }

    /// Ends the session.
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
