//! ChromeDriver, started on a port it chooses, and headless Chromium sessions with a profile
//! of their own.

use super::browser::Browser;
use fantoccini::ClientBuilder;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A ChromeDriver process on a port it chose; killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts ChromeDriver and waits for it to say which port it took.
    pub fn start() -> Driver {
        let mut child = Command::new("chromedriver")
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "chromedriver runs (apt-get install chromium chromium-driver; .ci/run does it)",
            );
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|line| {
                line.split("started successfully on port ")
                    .nth(1)
                    .map(|rest| rest.trim_end_matches('.').trim().to_owned())
            })
            .expect("chromedriver says its port");
        // Keep draining its output so it never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A new headless Chromium session.
    pub async fn browser(&self, width: u32, height: u32) -> Browser {
        let profile = tempdir();
        let capabilities = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    format!("--window-size={width},{height}"),
                    format!("--user-data-dir={}", profile.display()),
                ]
            }
        });
        let Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .expect("a Chromium session starts");
        Browser::new(client, profile)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until no process runs Chromium with `profile`, as a closed session's must not.
pub async fn until_no_chromium_uses(profile: &Path) {
    let flag = format!("--user-data-dir={}", profile.display());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let users = processes_whose_command_line_has(&flag);
        if users.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "Chromium processes {users:?} still use {} after their session closed",
            profile.display()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids of the processes whose command line has an argument equal to `argument`.
fn processes_whose_command_line_has(argument: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|line| {
                line.split(|byte| *byte == 0)
                    .any(|part| part == argument.as_bytes())
            })
        })
        .collect()
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "bestiary-chromium-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
