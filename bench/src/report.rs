//! The report: every figure with the ratio it is judged by, as Markdown and as JSON.

use crate::append::AppendLevel;
use crate::http_load::HttpLevel;
use crate::machine::Machine;
use crate::projection::{ProjectionFigures, RebuildAtScale};
use crate::round_trips::RoundTrips;
use crate::sealing::Sealing;
use crate::standby_reads::StandbyReads;
use crate::visibility::Visibility;
use serde::Serialize;
use std::fmt::Write;

/// Peak memory of the processes during a phase, MiB.
#[derive(Debug, Default, Serialize)]
pub struct Memory {
    /// `bestiary api`.
    pub api_mib: f64,
    /// `bestiary worker`.
    pub worker_mib: f64,
}

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// `quick` or `full`.
    pub mode: String,
    /// The command that produced it.
    pub command: String,
    /// Rounds per comparison.
    pub rounds: usize,
    /// Seconds per measured slice.
    pub slice_seconds: f64,
    /// Where it ran.
    pub machine: Machine,
    /// 1 and 2.
    pub append: Vec<AppendLevel>,
    /// 3.
    pub http: Vec<HttpLevel>,
    /// 5, during 3.
    pub http_memory: Memory,
    /// 3b.
    pub round_trips: RoundTrips,
    /// 4a and 4b.
    pub projection: ProjectionFigures,
    /// 4b on a log of its own, when asked for.
    pub rebuild_at_scale: Option<RebuildAtScale>,
    /// 4c: at 80 % of the keyed throughput at 32 connections (or the asked-for rate), then at
    /// one the API sustains.
    pub visibility: Vec<Visibility>,
    /// 5, during 4c at the asked-for rate.
    pub visibility_memory: Memory,
    /// 6.
    pub standby: StandbyReads,
    /// 7.
    pub sealing: Sealing,
    /// The whole run, seconds.
    pub total_seconds: f64,
}

impl Report {
    /// The Markdown report.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let _ = writeln!(out, "# Benchmarks\n");
        let _ = writeln!(
            out,
            "Measured by `{}` ({} mode, {} interleaved rounds of {:.1} s slices per comparison; whole run {:.0} s), \
             at commit `{}` on {}. Each ratio is the **median of the per-round ratios**: the baseline and the \
             systems compared run one after the other inside every round, so a disk that drifts between rounds \
             moves all of them together.\n",
            self.command,
            self.mode,
            self.rounds,
            self.slice_seconds,
            self.total_seconds,
            m.commit,
            m.started_at
        );
        let _ = writeln!(out, "## Machine\n");
        let _ = writeln!(out, "| | |\n| --- | --- |");
        let _ = writeln!(out, "| CPU | {} ({} cores) |", m.cpu, m.cores);
        let _ = writeln!(out, "| memory | {:.1} GiB |", m.memory_gib);
        let _ = writeln!(out, "| kernel | {} |", m.kernel);
        let _ = writeln!(out, "| PostgreSQL | {} |", m.postgres);
        let settings: Vec<String> = m
            .postgres_settings
            .iter()
            .map(|(k, v)| format!("`{k}={v}`"))
            .collect();
        let _ = writeln!(out, "| PostgreSQL settings | {} |", settings.join(", "));
        let _ = writeln!(out, "| Redis | {} |", m.redis);
        let _ = writeln!(out, "| Rust | {} |", m.rustc);
        let _ = writeln!(out, "| peer | postgres-es 0.5.0 (cqrs-es 0.5.0) |\n");

        let _ = writeln!(out, "## 1–2. Appending single-event commits\n");
        let _ = writeln!(
            out,
            "Commits per second, each a new stream with one `CreatureRegistered` event. *raw*: one `INSERT` per \
             commit into `raw_events`, a copy of `events` (`LIKE events INCLUDING ALL`: same columns, defaults, \
             indexes), the physical limit; *Bestiary*: `EventStore::append` (expected version 0), one call of \
             the database function `append_to_stream` in its own transaction; *postgres-es*: `PostgresEventRepository::persist`. Same database, same settings.\n"
        );
        let _ = writeln!(
            out,
            "| writers | raw /s | Bestiary /s | postgres-es /s | **Bestiary ÷ raw** | postgres-es ÷ raw | **Bestiary ÷ postgres-es** |"
        );
        let _ = writeln!(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for level in &self.append {
            let middle = |index: usize| {
                crate::stats::median(&level.rounds.iter().map(|r| r[index]).collect::<Vec<_>>())
            };
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.0} | {:.0} | **{:.2}** | {:.2} | **{:.2}** |",
                level.writers,
                middle(0),
                middle(1),
                middle(2),
                level.bestiary_vs_raw,
                level.peer_vs_raw,
                level.bestiary_vs_peer
            );
        }
        let _ = writeln!(
            out,
            "\nPer round (raw / Bestiary / postgres-es, commits/s):\n"
        );
        for level in &self.append {
            let rounds: Vec<String> = level
                .rounds
                .iter()
                .map(|r| format!("{:.0} / {:.0} / {:.0}", r[0], r[1], r[2]))
                .collect();
            let _ = writeln!(out, "- {} writers: {}", level.writers, rounds.join("; "));
        }

        let _ = writeln!(out, "\n## 3. HTTP commands\n");
        let _ = writeln!(
            out,
            "`POST /creatures` through `bestiary api` (release, its own process) with a bearer token, each with a \
             fresh `Idempotency-Key` or none; a worker and the avatar service run beside it, as in production. \
             *raw INSERT* is single-row `INSERT` commits into a copy of `events` on the same server at as many \
             connections, in the same round. Throughput is the median over rounds; latencies are over all \
             rounds.\n"
        );
        let _ = writeln!(
            out,
            "| connections | keyed /s | p50 | p99 | p99.9 | unkeyed /s | p50 | p99 | p99.9 | raw INSERT /s | **keyed ÷ unkeyed** | **keyed ÷ raw INSERT** | errors |"
        );
        let _ = writeln!(
            out,
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for level in &self.http {
            let (k, u) = (&level.keyed_latency, &level.unkeyed_latency);
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.0} | **{:.2}** | **{:.2}** | {} |",
                level.connections,
                level.keyed_per_second,
                k.p50_ms,
                k.p99_ms,
                k.p999_ms,
                level.unkeyed_per_second,
                u.p50_ms,
                u.p99_ms,
                u.p999_ms,
                level.raw_per_second,
                level.keyed_vs_unkeyed,
                level.keyed_vs_raw,
                level.errors
            );
        }
        let trips = &self.round_trips;
        let redis: Vec<String> = trips
            .redis_by_command
            .iter()
            .map(|(name, per)| format!("`{name}` {per:.2}"))
            .collect();
        let _ = writeln!(
            out,
            "\n**Round trips per keyed `POST /creatures`**, counted over {} commands sent one after another to an \
             API of its own (no worker), through counting proxies, less what the API does on its own in an idle \
             spell as long: PostgreSQL **{:.2}** (the client's `Sync` and `Query` messages that end a statement), \
             besides {:.2} pings (a bare `Sync`: sqlx checks every connection given back to its pool, after the \
             answer); Redis **{:.2}** round trips (a pipeline is one; commands sent: {}): the answer waits for the \
             `GET` and `SET` pipeline only, the `EVAL` that caches it is sent after it; besides `PUBLISH` {:.2}, \
             the head announcement a background task sends after the answer.",
            trips.commands,
            trips.postgres_per_command,
            trips.postgres_pings_per_command,
            trips.redis_per_command,
            redis.join(", "),
            trips.publish_per_command
        );

        let p = &self.projection;
        let _ = writeln!(out, "\n## 4. Projections\n");
        let _ = writeln!(
            out,
            "A log of {} creature events (registered, renamed, described, traits changed), generated in SQL \
             (creature ids minted as Bestiary mints them, UUIDv7 in time order, one millisecond apart). Each \
             round copies it into a fresh database. *scan* reads the first {} events in position order over one \
             connection; *catch-up* is a `bestiary worker` started on the copy, timed until all three projections' \
             checkpoints pass the same {} events. *Rebuild* is `bestiary replay` (every projection, blue-green) \
             over the whole log, once.\n",
            p.events, p.timed_events, p.timed_events
        );
        let _ = writeln!(
            out,
            "| round | scan events/s | catch-up events/s | catch-up ÷ scan |"
        );
        let _ = writeln!(out, "| ---: | ---: | ---: | ---: |");
        for (index, (scan, catch_up)) in p
            .scan_per_second
            .iter()
            .zip(&p.catch_up_per_second)
            .enumerate()
        {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.0} | {:.4} |",
                index + 1,
                scan,
                catch_up,
                catch_up / scan
            );
        }
        let _ = writeln!(
            out,
            "\n**Catch-up ÷ scan (median): {:.4}.** Full rebuild of every projection over {} events: **{:.1} s** \
             ({:.0} events/s), peak memory of the replay {:.0} MiB.\n",
            p.catch_up_vs_scan,
            p.events,
            p.rebuild_seconds,
            p.events as f64 / p.rebuild_seconds,
            p.rebuild_peak_rss_mib
        );
        let r = &p.reads_during_rebuild;
        let _ = writeln!(
            out,
            "The API beside that rebuild: `GET /creatures?limit=20` at {:.0}/s from a `bestiary api` on the same \
             database, for 5 s before the rebuild (*quiet*) and for as long as it runs (*rebuilding*).\n",
            r.rate
        );
        let _ = writeln!(
            out,
            "| phase | reads | failed | p50 | p99 | p99.9 | API peak memory |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        );
        for (phase, reads) in [("quiet", &r.quiet), ("rebuilding", &r.rebuilding)] {
            let _ = writeln!(
                out,
                "| {phase} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} MiB |",
                reads.latency.count,
                reads.failed,
                reads.latency.p50_ms,
                reads.latency.p99_ms,
                reads.latency.p999_ms,
                reads.api_peak_rss_mib
            );
        }
        let _ = writeln!(out);
        match &self.rebuild_at_scale {
            Some(r) => {
                let _ = writeln!(
                    out,
                    "At scale: a log of its own of {} events (generated the same way), rebuilt by `bestiary replay`: \
                     **{:.1} s** ({:.0} events/s), peak memory of the replay **{:.0} MiB**.\n",
                    r.events,
                    r.seconds,
                    r.events as f64 / r.seconds,
                    r.peak_rss_mib
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "The rebuild at scale (10M events) runs with `scripts/bench --rebuild-events 10000000`.\n"
                );
            }
        }
        let _ = writeln!(
            out,
            "Read-model visibility at a steady rate: from a `POST /creatures` response (with a key) to the creatures \
             projection announcing that position on `GET /updates` (0 when it was announced before the response \
             arrived); *failed* counts commands without a 201, including those not sent because 256 were \
             already waiting. First at 80 % of the API's keyed throughput at 32 connections (section 3), then at half its \
             keyed throughput at 8 connections, a rate it sustains easily: past saturation the figure is mostly \
             queueing.\n"
        );
        let _ = writeln!(
            out,
            "| asked /s | achieved /s | answered | failed | **p50** | **p99** | never announced |"
        );
        let _ = writeln!(out, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for v in &self.visibility {
            let _ = writeln!(
                out,
                "| {:.0} | {:.0} | {} | {} | **{:.1} ms** | **{:.1} ms** | {} |",
                v.target_per_second,
                v.achieved_per_second,
                v.latency.count,
                v.failed,
                v.latency.p50_ms,
                v.latency.p99_ms,
                v.never_seen
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "## 5. Memory\n");
        let _ = writeln!(out, "Peak resident memory (VmHWM) of each process.\n");
        let _ = writeln!(
            out,
            "| phase | `bestiary api` | `bestiary worker` |\n| --- | ---: | ---: |"
        );
        let _ = writeln!(
            out,
            "| 3. HTTP commands | {:.1} MiB | {:.1} MiB |",
            self.http_memory.api_mib, self.http_memory.worker_mib
        );
        let _ = writeln!(
            out,
            "| 4. catch-up over {} events | — | {:.1} MiB |",
            p.timed_events, p.worker_peak_rss_mib
        );
        let _ = writeln!(
            out,
            "| 4. steady {:.0} commands/s asked | {:.1} MiB | {:.1} MiB |",
            self.visibility.first().map_or(0.0, |v| v.target_per_second),
            self.visibility_memory.api_mib,
            self.visibility_memory.worker_mib
        );
        let _ = writeln!(out);
        self.standby_section(&mut out);
        self.sealing_section(&mut out);
        out
    }

    fn sealing_section(&self, out: &mut String) {
        let s = &self.sealing;
        let _ = writeln!(out, "## 7. Sealed personal data (crypto-shredding)\n");
        let _ = writeln!(
            out,
            "*Sealed*: `EventStore::append` of a `UserRegistered` for a new user: its e-mail and display name \
             sealed (ChaCha20-Poly1305) with a data key made for the user and written by the same \
             `append_to_stream` call, its e-mail claim stored as a keyed hash (HMAC-SHA-256), no key-encryption \
             key. *Plain*: `EventStore::append` of a `CreatureRegistered` (nothing personal), same store and \
             database, alternating inside every round.\n"
        );
        let _ = writeln!(
            out,
            "| writers | sealed registrations /s | creature registrations /s | **sealed ÷ plain** |\n| ---: | ---: | ---: | ---: |"
        );
        for level in &s.appends {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.0} | **{:.2}** |",
                level.writers,
                level.sealed_per_second,
                level.plain_per_second,
                level.sealed_vs_plain
            );
        }
        let _ = writeln!(
            out,
            "\nThe users projection folding {} registrations from scratch (`runner::catch_up`, batches of 5,000): \
             sealed ones, each opened with its subject's key joined to its row, against as many written as \
             before encryption (plain), alternating: **{:.0} against {:.0} events/s, sealed ÷ plain {:.2}**.\n",
            s.events, s.sealed_fold_per_second, s.plain_fold_per_second, s.fold_sealed_vs_plain
        );
    }

    fn standby_section(&self, out: &mut String) {
        let s = &self.standby;
        let _ = writeln!(
            out,
            "## 6. Queries from a hot standby
"
        );
        let _ = writeln!(
            out,
            "A PostgreSQL primary and a streaming hot standby of the benchmark's own (`pg_basebackup -R`, as \
             `tests/standbys` starts them), one worker, and two `bestiary api` processes on one database of {} \
             creatures: one reading from the primary alone, one with `DATABASE_READ_URL` naming the standby. \
             `GET /creatures?q=creature N&limit=20` (N a digit in turn) on {} connections, the two APIs \
             alternating inside every round.\n\n\
             **What this can and cannot show.** Both servers, both APIs and the worker share this machine's {} \
             cores, so a standby adds no CPU here: the ratio is what routing reads to a standby costs on one \
             machine (the health task, a second pool, replay competing with queries), not the capacity a \
             standby on a machine of its own adds. That capacity is the standby's own: its reads leave the \
             primary's CPU and buffers to the commands.\n",
            s.creatures, s.connections, self.machine.cores
        );
        let _ = writeln!(
            out,
            "| reads from | queries /s | p50 | p99 | answered by the standby |\n| --- | ---: | ---: | ---: | ---: |"
        );
        let _ = writeln!(
            out,
            "| the primary alone | {:.0} | {:.1} ms | {:.1} ms | — |",
            s.primary_per_second, s.primary_latency.p50_ms, s.primary_latency.p99_ms
        );
        let _ = writeln!(
            out,
            "| the standby | {:.0} | {:.1} ms | {:.1} ms | {:.1} % |",
            s.standby_per_second,
            s.standby_latency.p50_ms,
            s.standby_latency.p99_ms,
            s.standby_share * 100.0
        );
        let _ = writeln!(
            out,
            "\n**standby ÷ primary: {:.2}** (median of per-round ratios); queries without a 200: {}.\n",
            s.standby_vs_primary, s.failed
        );
        let _ = writeln!(
            out,
            "Under a steady load of {:.0} commands/s (half the keyed throughput at 8 connections, section 3), \
             each command followed by its read with `min_position` (read-your-writes), half the time through \
             each API. The read's latency includes its wait for the read model; on the standby also for \
             replay. The standby's lag is sampled from `/readyz` every 100 ms throughout: an upper bound, since the API \
             measures it against the primary's WAL position sampled at each health check (every 250 ms), so \
             a standby a few milliseconds behind can read as one interval behind.\n",
            s.rate
        );
        let _ = writeln!(
            out,
            "| read of one's own write | reads | p50 | p99 | answered by the standby |\n| --- | ---: | ---: | ---: | ---: |"
        );
        let _ = writeln!(
            out,
            "| through the primary alone | {} | {:.1} ms | {:.1} ms | — |",
            s.own_write_primary.count, s.own_write_primary.p50_ms, s.own_write_primary.p99_ms
        );
        let _ = writeln!(
            out,
            "| through the standby | {} | {:.1} ms | {:.1} ms | {:.1} % |",
            s.own_write_standby.count,
            s.own_write_standby.p50_ms,
            s.own_write_standby.p99_ms,
            s.own_write_standby_share * 100.0
        );
        let _ = writeln!(
            out,
            "\nReads that did not see their write or failed: {}. Replication lag (`/readyz`, {} samples): \
             **p50 {:.0} ms, p99 {:.0} ms**, at most {} positions behind.\n",
            s.own_write_failed,
            s.lag_ms.count,
            s.lag_ms.p50_ms,
            s.lag_ms.p99_ms,
            s.lag_positions_max
        );
    }
}
