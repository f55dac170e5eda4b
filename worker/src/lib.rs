//! The background worker of Bestiary. It will own the loop that wakes on Redis notifications
//! (or polls when Redis is away), leases each projection so only one worker runs it, and runs
//! avatar jobs against the ai-service. Nothing lives here yet (issue 3 and issue 5).
