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
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use crate::support::config::{ADMIN_EMAIL, ADMIN_PASSWORD};

/// One browser test at a time: Chromium and the system share two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs one browser test: its own system and ChromeDriver, one test at a time, screenshots of
/// every browser it opened if it fails. Every session it opened is closed when it ends, and
/// none may leave a Chromium process behind.
pub async fn browser_test<F, Fut>(name: &str, test: F)
where
    F: FnOnce(Session) -> Fut,
    Fut: Future<Output = ()>,
{
    let _turn = ONE_AT_A_TIME.lock().await;
    let opened: Opened = Arc::default();
    // Kept here, not only in the session, so the sessions can be closed after the test.
    let driver = Arc::new(Driver::start());
    let session = Session {
        system: System::start().await,
        driver: driver.clone(),
        opened: opened.clone(),
    };
    let outcome = AssertUnwindSafe(test(session)).catch_unwind().await;
    let opened = std::mem::take(&mut *opened.lock().unwrap());
    if let Err(panic) = outcome {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-failures");
        for (index, (client, _)) in opened.iter().enumerate() {
            if let Ok(png) = client.screenshot().await {
                let path = dir.join(format!("{name}-{index}.png"));
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(&path, png);
                eprintln!("screenshot of the failed page: {}", path.display());
            }
        }
        close_all(opened).await;
        std::panic::resume_unwind(panic);
    }
    close_all(opened).await;
    drop(driver);
}

/// Ends every session (a test may have ended some already) and waits until no Chromium of
/// theirs runs: ChromeDriver, killed at the end, would leave them running for good.
async fn close_all(opened: Vec<(Client, PathBuf)>) {
    for (client, profile) in opened {
        let _ = client.close().await;
        driver::until_no_chromium_uses(&profile).await;
        let _ = std::fs::remove_dir_all(&profile);
    }
}

type Opened = Arc<Mutex<Vec<(Client, PathBuf)>>>;

/// What a browser test gets: the system, and browsers it opens.
pub struct Session {
    /// The system under test.
    pub system: System,
    driver: Arc<Driver>,
    opened: Opened,
}

impl Session {
    /// Opens a browser window of the given size, remembered for failure screenshots and
    /// closed when the test ends.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let browser = self.driver.browser(width, height).await;
        self.opened
            .lock()
            .unwrap()
            .push((browser.client.clone(), browser.profile().to_owned()));
        browser
    }
}
