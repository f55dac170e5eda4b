//! What every browser test runs in: its own [`System`] and ChromeDriver, one test at a time,
//! with a screenshot of every browser it opened if it fails.
//!
//! [`system`] starts Bestiary; [`driver`] starts ChromeDriver and Chromium; [`browser`] waits
//! for conditions in a page and acts on it.

pub mod browser;
pub mod driver;
pub mod system;

pub use browser::Browser;
pub use system::System;

use driver::Driver;
use fantoccini::Client;
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::path::Path;
use std::sync::{Arc, Mutex};

pub use crate::support::config::{ADMIN_EMAIL, ADMIN_PASSWORD};

/// One browser test at a time: Chromium and the system share two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs one browser test: its own system and ChromeDriver, one test at a time, screenshots of
/// every browser it opened if it fails.
pub async fn browser_test<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = ()>,
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let opened: Opened = Arc::default();
    let session = Session {
        system: System::start().await,
        driver: Driver::start(),
        opened: opened.clone(),
    };
    let outcome = AssertUnwindSafe(test(session)).catch_unwind().await;
    if let Err(panic) = outcome {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-failures");
        let clients = opened.lock().unwrap().clone();
        for (index, client) in clients.into_iter().enumerate() {
            if let Ok(png) = client.screenshot().await {
                let path = dir.join(format!("{name}-{index}.png"));
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(&path, png);
                eprintln!("screenshot of the failed page: {}", path.display());
            }
        }
        std::panic::resume_unwind(panic);
    }
}

type Opened = Arc<Mutex<Vec<Client>>>;

/// What a browser test gets: the system, and browsers it opens.
pub struct Session {
    /// The system under test.
    pub system: System,
    driver: Driver,
    opened: Opened,
}

impl Session {
    /// Opens a browser window of the given size, remembered for failure screenshots.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let browser = self.driver.browser(width, height).await;
        self.opened.lock().unwrap().push(browser.client.clone());
        browser
    }
}
