//! The Redis fast path: stored answers and in-flight markers, under this deployment's prefix,
//! in two round trips per keyed command: a pipeline looks the answer up and sets the marker,
//! a script caches the answer and releases the marker. Redis being down only makes it slower:
//! answers come from PostgreSQL, and without markers a concurrent repeat is deduplicated by
//! the database instead of getting 409.
//!
//! An answer is cached only by the request holding the key's marker, and forgetting a person
//! removes every marker with the cached answers naming them. So an answer cached after its
//! response has left (see the middleware) cannot outlive a forgetting that came first.
//!
//! A marker is a lease held by the request that set it: it lives [`IN_FLIGHT_LEASE`] and the
//! request renews it every [`RENEW_EVERY`] while it runs, so the marker of a process that died
//! lapses within seconds and a retry then runs (or replays) instead of getting 409.

use commands::idempotency::StoredResponse;
use redis_link::RedisLink;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::task::AbortHandle;
use uuid::Uuid;

/// How long an in-flight marker lives unless its request renews it.
const IN_FLIGHT_LEASE: Duration = Duration::from_secs(3);
/// How often a running request renews its marker: a third of the lease, so two renewals may
/// be lost (a slow Redis) before it lapses.
const RENEW_EVERY: Duration = Duration::from_secs(1);

/// If the marker KEYS[2] holds ARGV[1]: caches ARGV[2] (unless empty) in KEYS[1] for ARGV[3]
/// ms, and deletes the marker. A request whose marker is gone (lapsed, or removed by
/// [`forget`]) caches nothing.
const FINISH: &str = "if redis.call('GET', KEYS[2]) == ARGV[1] then \
      if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end \
      redis.call('DEL', KEYS[2]) \
    end \
    return 1";

/// Deletes every in-flight marker under KEYS[2] (a `SCAN` pattern), then every cached answer
/// under KEYS[1] whose key or value holds ARGV[1]; how many answers.
const FORGET: &str = "local cursor, removed = '0', 0 \
    repeat \
      local page = redis.call('SCAN', cursor, 'MATCH', KEYS[2], 'COUNT', 1000) \
      cursor = page[1] \
      for _, key in ipairs(page[2]) do redis.call('DEL', key) end \
    until cursor == '0' \
    repeat \
      local page = redis.call('SCAN', cursor, 'MATCH', KEYS[1], 'COUNT', 1000) \
      cursor = page[1] \
      for _, key in ipairs(page[2]) do \
        local value = redis.call('GET', key) or '' \
        if string.find(key, ARGV[1], 1, true) or string.find(value, ARGV[1], 1, true) then \
          redis.call('DEL', key) removed = removed + 1 \
        end \
      end \
    until cursor == '0' \
    return removed";

/// Deletes the cached answers that name `subject` (their own keys', and any other answer
/// mentioning them), as forgetting them deletes the durable ones; in one round trip. `None`
/// if Redis could not answer.
///
/// Every in-flight marker goes too, so that no request running now, whose answer may name
/// the subject, caches it afterwards. A repeat of such a request is then deduplicated by
/// PostgreSQL (it replays the stored answer) instead of getting 409.
pub async fn forget(redis: &RedisLink, subject: Uuid) -> Option<i64> {
    let answers = format!("{}:idempotency:answer:*", redis.prefix());
    let markers = format!("{}:idempotency:in-flight:*", redis.prefix());
    redis
        .eval(
            FORGET,
            &[answers.as_str(), markers.as_str()],
            &[subject.to_string().as_str()],
        )
        .await
}

/// What Redis knows of a key before its command runs.
#[derive(Debug)]
pub enum Lookup {
    /// Its answer, cached.
    Answered(StoredResponse),
    /// No answer, and this request now holds the in-flight marker.
    Marked,
    /// No answer, and another request holds the marker.
    InFlight,
    /// Redis did not answer: only the durable store can tell.
    Unknown,
}

/// The Redis keys holding an idempotency key's cached answer and its in-flight marker.
pub fn redis_keys(prefix: &str, scope: &str, key: &str) -> (String, String) {
    (
        format!("{prefix}:idempotency:answer:{scope}:{key}"),
        format!("{prefix}:idempotency:in-flight:{scope}:{key}"),
    )
}

/// The Redis keys of one idempotency key, and the lease on its marker while this request
/// holds it (given up when released or dropped).
pub struct Cache {
    redis: Arc<RedisLink>,
    answer: String,
    marker: String,
    token: String,
    marked: AtomicBool,
    renewal: OnceLock<AbortHandle>,
}

impl Cache {
    pub fn new(redis: &Arc<RedisLink>, scope: &str, key: &str) -> Self {
        let (answer, marker) = redis_keys(redis.prefix(), scope, key);
        Self {
            redis: redis.clone(),
            answer,
            marker,
            token: Uuid::new_v4().to_string(),
            marked: AtomicBool::new(false),
            renewal: OnceLock::new(),
        }
    }

    /// In one round trip (a pipeline of `GET` and `SET NX PX`, no script): the cached answer
    /// if Redis has one, else whether this request now holds the in-flight marker (which it
    /// then keeps renewing until [`Cache::finish`]). With Redis unavailable,
    /// [`Lookup::Unknown`].
    pub async fn lookup(&self) -> Lookup {
        let mut pipeline = redis::pipe();
        pipeline
            .cmd("GET")
            .arg(&self.answer)
            .cmd("SET")
            .arg(&self.marker)
            .arg(&self.token)
            .arg("NX")
            .arg("PX")
            .arg(millis(IN_FLIGHT_LEASE));
        let found: Option<(Option<String>, Option<String>)> = self.redis.pipeline(pipeline).await;
        let Some((answer, set)) = found else {
            return Lookup::Unknown;
        };
        if set.is_some() {
            self.marked.store(true, Ordering::Relaxed);
            let renewal = tokio::spawn(renew(
                self.redis.clone(),
                self.marker.clone(),
                self.token.clone(),
            ));
            let _ = self.renewal.set(renewal.abort_handle());
        }
        match answer.map(|text| serde_json::from_str(&text)) {
            Some(Ok(stored)) => Lookup::Answered(stored),
            // An entry this code cannot read is no answer; the durable store has the truth.
            Some(Err(_)) | None if set.is_some() => Lookup::Marked,
            Some(Err(_)) => Lookup::Unknown,
            None => Lookup::InFlight,
        }
    }

    /// Gives the marker back if this request took it (a replayed answer needs none).
    pub async fn release(&self) {
        if self.marked.load(Ordering::Relaxed) {
            self.finish(None, Duration::ZERO).await;
        }
    }

    /// In one round trip, if this request holds the marker: caches `answer` (if any) for
    /// `ttl`, and removes the marker (only ours: a lapsed one may have been taken).
    pub async fn finish(&self, answer: Option<&StoredResponse>, ttl: Duration) {
        self.stop_renewing();
        if !self.marked.load(Ordering::Relaxed) {
            return;
        }
        let text = answer.and_then(|answer| serde_json::to_string(answer).ok());
        let ttl = millis(ttl);
        let _: Option<i64> = self
            .redis
            .eval(
                FINISH,
                &[&self.answer, &self.marker],
                &[&self.token, text.as_deref().unwrap_or_default(), &ttl],
            )
            .await;
    }

    fn stop_renewing(&self) {
        if let Some(renewal) = self.renewal.get() {
            renewal.abort();
        }
    }
}

impl Drop for Cache {
    /// A request that ends without releasing (its client went away) stops renewing: its
    /// marker lapses within the lease.
    fn drop(&mut self) {
        self.stop_renewing();
    }
}

/// Renews the marker every [`RENEW_EVERY`] for as long as it is ours.
async fn renew(redis: Arc<RedisLink>, marker: String, token: String) {
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + RENEW_EVERY, RENEW_EVERY);
    loop {
        ticks.tick().await;
        // `None`: Redis did not answer this time; the next tick tries again.
        if redis
            .expire_if_equal(&marker, &token, IN_FLIGHT_LEASE)
            .await
            == Some(false)
        {
            tracing::debug!("in-flight marker lapsed while its request ran");
            return;
        }
    }
}

fn millis(duration: Duration) -> String {
    duration.as_millis().max(1).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis_link::LinkSettings;

    fn answer_naming(subject: Uuid) -> StoredResponse {
        StoredResponse {
            fingerprint: "f".into(),
            status: 200,
            content_type: "application/json".into(),
            location: None,
            body: format!(r#"{{"id":"{subject}"}}"#),
        }
    }

    async fn cached(link: &RedisLink, key: &str) -> Option<String> {
        let mut pipeline = redis::pipe();
        pipeline.cmd("GET").arg(key);
        let (value,): (Option<String>,) = link.pipeline(pipeline).await.expect("Redis answers");
        value
    }

    /// The answer of a request still running when its subject is forgotten is cached after
    /// the forgetting (the middleware caches after the response); it must not be kept.
    #[tokio::test]
    async fn an_answer_finished_after_its_subject_was_forgotten_is_not_cached() {
        let prefix = format!("test-{}", Uuid::new_v4().simple());
        let link = Arc::new(
            RedisLink::new("redis://127.0.0.1:6379", &prefix, LinkSettings::default()).unwrap(),
        );
        let (kept_subject, forgotten_subject) = (Uuid::now_v7(), Uuid::now_v7());
        let kept = Cache::new(&link, &format!("user:{kept_subject}"), "k");
        let running = Cache::new(&link, &format!("user:{forgotten_subject}"), "k");
        assert!(matches!(running.lookup().await, Lookup::Marked));
        forget(&link, forgotten_subject)
            .await
            .expect("Redis answers");
        // A request that starts after the forgetting caches its answer as usual.
        assert!(matches!(kept.lookup().await, Lookup::Marked));
        running
            .finish(
                Some(&answer_naming(forgotten_subject)),
                Duration::from_secs(60),
            )
            .await;
        kept.finish(Some(&answer_naming(kept_subject)), Duration::from_secs(60))
            .await;

        assert_eq!(cached(&link, &running.answer).await, None);
        assert_eq!(cached(&link, &running.marker).await, None);
        assert!(
            cached(&link, &kept.answer).await.is_some(),
            "a marked answer is cached"
        );
        assert_eq!(
            cached(&link, &kept.marker).await,
            None,
            "and its marker released"
        );
        let mut pipeline = redis::pipe();
        pipeline.cmd("DEL").arg(&kept.answer);
        let _: Option<(i64,)> = link.pipeline(pipeline).await;
    }
}
