//! The binary's behaviour at its edges: an unreachable database, a missing secret.

use commands::testing::eventually;
use std::process::Command;

fn bestiary(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bestiary"));
    command
        .args(args)
        .env_remove("SECRET_KEY")
        .env_remove("DATABASE_URL")
        .env_remove("KEY_ENCRYPTION_KEY");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

#[test]
fn an_unreachable_database_is_one_clear_line_and_exit_code_1() {
    let output = bestiary(
        &["migrate"],
        &[(
            "DATABASE_URL",
            "postgres://someone:hunter2@127.0.0.1:1/bestiary",
        )],
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(
        lines[0].contains("cannot reach PostgreSQL at postgres://someone:***@127.0.0.1:1/bestiary"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn the_api_refuses_to_start_without_a_secret_key() {
    let output = bestiary(&["api"], &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("SECRET_KEY is not set"), "{stderr}");
}

#[tokio::test]
async fn create_admin_creates_an_admin_or_promotes_a_user() {
    let app = crate::helpers::spawn_app().await;
    app.register("ada@example.org", "correct horse").await;
    let url = app.db.url();
    for email in ["ada@example.org", "grace@example.org"] {
        let output = bestiary(
            &[
                "create-admin",
                "--email",
                email,
                "--password",
                "battery staple",
            ],
            &[("DATABASE_URL", url.as_str()), ("BCRYPT_COST", "4")],
        );
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let ada = app.login("ada@example.org", "correct horse").await;
    let grace = app.login("grace@example.org", "battery staple").await;
    for token in [ada, grace] {
        let me = app.me(&token).await;
        assert_eq!(me.role, domain::Role::Admin);
    }
}

#[tokio::test]
async fn rotate_keys_from_the_shell_is_announced_and_revokes_earlier_tokens_when_asked() {
    use futures::StreamExt;
    let app = crate::helpers::spawn_app().await;
    let user = app.user("ada").await;
    let url = app.db.url();
    let client = redis::Client::open(app.redis.redis_url.as_str()).unwrap();
    let channel = format!("{}:signing-keys", app.redis.redis_prefix);
    let mut announcements = redis_link::wake::subscribe(&client, &channel)
        .await
        .unwrap()
        .into_on_message();
    let output = bestiary(
        &["rotate-keys", "--revoke-previous"],
        &[
            ("DATABASE_URL", url.as_str()),
            ("REDIS_URL", app.redis.redis_url.as_str()),
            ("REDIS_PREFIX", app.redis.redis_prefix.as_str()),
        ],
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("earlier tokens end now"), "{stdout}");
    let kid = stdout
        .split_once("new signing key ")
        .and_then(|(_, rest)| rest.split(';').next())
        .expect("the new key's id is printed");
    let announced = tokio::time::timeout(std::time::Duration::from_secs(5), announcements.next())
        .await
        .expect("the rotation is announced on Redis")
        .expect("the subscription stays open");
    assert_eq!(announced.get_payload::<String>().unwrap(), kid);
    // The API reloads its ring on its own within seconds; a forced look happens on an unknown key.
    eventually(
        std::time::Duration::from_secs(10),
        "the revoked token to be refused",
        || async {
            let status = app
                .send(reqwest::Method::GET, "/auth/me", Some(&user.token), None)
                .await
                .status();
            if status == reqwest::StatusCode::UNAUTHORIZED {
                Ok(())
            } else {
                Err(status)
            }
        },
    )
    .await;
    let fresh = app.login("ada@example.org", "password123").await;
    let me = app
        .send(reqwest::Method::GET, "/auth/me", Some(&fresh), None)
        .await;
    assert_eq!(me.status(), reqwest::StatusCode::OK);
}

#[tokio::test]
async fn a_server_whose_transaction_counter_is_behind_the_log_is_refused() {
    let db = commands::testing::TestDatabase::create().await;
    // An event written by a transaction id this server has not reached: a restored dump.
    sqlx::query(
        "INSERT INTO events (event_id, stream_id, stream_type, version, event_type, schema_version, \
             payload, actor_kind, correlation_id, transaction_id) \
         VALUES (gen_random_uuid(), gen_random_uuid(), 'creature', 1, 'CreatureRegistered', 2, \
             jsonb_build_object('name', 'Smaug', 'species', 'dragon', 'description', '', \
                 'traits', '{}'::jsonb, 'owner', gen_random_uuid()), 'system', gen_random_uuid(), \
             (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + 1000000)::text::xid8)",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let url = db.url();
    let output = bestiary(&["migrate"], &[("DATABASE_URL", url.as_str())]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("restored from a dump into a new server"),
        "{stderr}"
    );

    // Once the counter is past the log, it starts. Moving a real counter needs `pg_resetwal`
    // on a stopped server; here the event is moved below the counter instead.
    for statement in [
        "ALTER TABLE events DISABLE TRIGGER USER",
        "UPDATE events SET transaction_id = pg_current_xact_id()",
        "ALTER TABLE events ENABLE TRIGGER USER",
    ] {
        sqlx::query(statement).execute(&db.pool).await.unwrap();
    }
    let output = bestiary(&["migrate"], &[("DATABASE_URL", url.as_str())]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_database_whose_keys_are_wrapped_starts_only_with_its_key_encryption_key() {
    let db = commands::testing::TestDatabase::create().await;
    let url = db.url();
    let kek = "5e".repeat(32);
    let with = |key: &str| {
        [
            ("DATABASE_URL", url.clone()),
            ("KEY_ENCRYPTION_KEY", key.to_owned()),
        ]
    };
    let created = bestiary(
        &[
            "create-admin",
            "--email",
            "ada@example.org",
            "--password",
            "battery staple",
        ],
        &with(&kek)
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .chain([("BCRYPT_COST", "4")])
            .collect::<Vec<_>>(),
    );
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let wrapped: Vec<bool> = sqlx::query_scalar("SELECT wrapped FROM data_keys")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(
        wrapped,
        [true, true],
        "the index key and Ada's, both wrapped"
    );

    let refused = |output: std::process::Output, expected: &str| {
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert!(lines[0].contains(expected), "{stderr}");
        assert!(
            !stderr.contains(&kek) && !stderr.contains("panicked"),
            "{stderr}"
        );
    };
    refused(
        bestiary(&["migrate"], &[("DATABASE_URL", url.as_str())]),
        "KEY_ENCRYPTION_KEY is required",
    );
    let other = "a7".repeat(32);
    refused(
        bestiary(
            &["migrate"],
            &[
                ("DATABASE_URL", url.as_str()),
                ("KEY_ENCRYPTION_KEY", other.as_str()),
            ],
        ),
        "KEY_ENCRYPTION_KEY does not unwrap",
    );
    refused(
        bestiary(
            &["migrate"],
            &[
                ("DATABASE_URL", url.as_str()),
                ("KEY_ENCRYPTION_KEY", "abc"),
            ],
        ),
        "KEY_ENCRYPTION_KEY must be 64 hexadecimal digits",
    );
    let started = bestiary(
        &["migrate"],
        &[
            ("DATABASE_URL", url.as_str()),
            ("KEY_ENCRYPTION_KEY", kek.as_str()),
        ],
    );
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
}
