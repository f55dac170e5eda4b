//! Waiting for a condition another task or process will make true, with a deadline, instead of
//! a hand-written poll loop or a sleep.

use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};

/// How long to wait between two looks.
const PAUSE: Duration = Duration::from_millis(20);

/// Asks `probe` until it answers `Ok`, and returns that; panics once `deadline` has passed,
/// naming `what` was awaited and the last `Err` the probe gave (what it saw instead).
pub async fn eventually<T, E, F, Fut>(deadline: Duration, what: &str, mut probe: F) -> T
where
    E: Debug,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let until = Instant::now() + deadline;
    loop {
        match probe().await {
            Ok(found) => return found,
            Err(seen) if Instant::now() >= until => {
                panic!("waited {deadline:?} for {what}; last saw {seen:?}")
            }
            Err(_) => tokio::time::sleep(PAUSE).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn it_returns_what_the_probe_finds_once_it_finds_it() {
        let looks = AtomicU32::new(0);
        let found = eventually(Duration::from_secs(5), "the third look", || async {
            match looks.fetch_add(1, Ordering::SeqCst) {
                2 => Ok("found"),
                seen => Err(seen),
            }
        })
        .await;
        assert_eq!(found, "found");
        assert_eq!(looks.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    #[should_panic(expected = "waited 50ms for a condition that never holds; last saw \"no\"")]
    async fn it_gives_up_at_the_deadline_saying_what_it_saw() {
        eventually(
            Duration::from_millis(50),
            "a condition that never holds",
            || async { Err::<(), _>("no") },
        )
        .await;
    }
}
