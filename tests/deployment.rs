//! The deployment files, checked without a Docker engine: compose.yaml's services, ports,
//! dependency conditions, health checks and environment (every variable a process reads must
//! be one its `--help` names, every secret must come from `.env`), and the Dockerfile's stages
//! and the files they copy.

use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn compose() -> Value {
    let text = std::fs::read_to_string(root().join("compose.yaml")).unwrap();
    serde_yaml::from_str(&text).expect("compose.yaml is YAML")
}

fn service<'a>(compose: &'a Value, name: &str) -> &'a Value {
    compose["services"]
        .get(name)
        .unwrap_or_else(|| panic!("compose.yaml has no service `{name}`"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .map(|item| item.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn environment(service: &Value) -> Vec<(String, String)> {
    service["environment"]
        .as_mapping()
        .map(|map| {
            map.iter()
                .map(|(key, value)| {
                    let value = match value {
                        Value::String(text) => text.clone(),
                        Value::Number(number) => number.to_string(),
                        Value::Bool(flag) => flag.to_string(),
                        _ => String::new(),
                    };
                    (key.as_str().unwrap().to_owned(), value)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The `[env: NAME=…]` variables a `bestiary` subcommand reads, from its `--help`.
fn variables_read_by(subcommand: &str) -> BTreeSet<String> {
    let help = Command::new(env!("CARGO_BIN_EXE_bestiary"))
        .args([subcommand, "--help"])
        .output()
        .expect("bestiary runs");
    let help = String::from_utf8_lossy(&help.stdout);
    help.split("[env: ")
        .skip(1)
        .filter_map(|rest| rest.split(['=', ']']).next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn compose_runs_the_seed_services_with_healthy_dependencies() {
    let compose = compose();
    let names: BTreeSet<&str> = compose["services"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|key| key.as_str().unwrap())
        .collect();
    for expected in ["web", "api", "ai-service", "worker", "db", "redis"] {
        assert!(names.contains(expected), "no `{expected}` in {names:?}");
    }
    let needs = [
        ("api", vec!["db", "redis", "ai-service"]),
        ("worker", vec!["redis", "db"]),
        ("web", vec!["api"]),
    ];
    for (name, dependencies) in needs {
        for dependency in dependencies {
            let condition = &service(&compose, name)["depends_on"][dependency]["condition"];
            assert_eq!(
                condition.as_str(),
                Some("service_healthy"),
                "{name} → {dependency}"
            );
        }
    }
    // Every service someone waits to be healthy has a health check that really probes it.
    for (name, spec) in compose["services"].as_mapping().unwrap() {
        let Some(dependencies) = spec["depends_on"].as_mapping() else {
            continue;
        };
        for (dependency, wait) in dependencies {
            let dependency = dependency.as_str().unwrap();
            match wait["condition"].as_str() {
                Some("service_healthy") => {
                    let test = strings(&service(&compose, dependency)["healthcheck"]["test"]);
                    assert!(test.len() > 1 && test[0] == "CMD", "{dependency}: {test:?}");
                }
                Some("service_completed_successfully") => {
                    assert_eq!(
                        service(&compose, dependency)["restart"].as_str(),
                        Some("no")
                    );
                }
                other => panic!("{name:?} waits for {dependency} with {other:?}"),
            }
        }
    }
    assert_eq!(
        strings(&service(&compose, "db")["volumes"])[0],
        "db-data:/var/lib/postgresql/data"
    );
    assert!(
        compose["volumes"].get("db-data").is_some(),
        "the named volume is declared"
    );
    assert!(
        service(&compose, "db")["image"]
            .as_str()
            .unwrap()
            .starts_with("postgres:15")
    );
}

#[test]
fn the_standby_profile_streams_a_hot_standby_of_db_that_the_api_can_read_from() {
    let compose = compose();
    let standby = service(&compose, "db-standby");
    assert_eq!(strings(&standby["profiles"]), ["standby"]);
    assert_eq!(standby["image"], service(&compose, "db")["image"]);
    assert_eq!(
        standby["depends_on"]["db"]["condition"].as_str(),
        Some("service_healthy")
    );
    assert!(compose["volumes"].get("db-standby-data").is_some());
    assert_eq!(
        strings(&standby["volumes"])[0],
        "db-standby-data:/var/lib/postgresql/data"
    );
    // The scripts mounted into db and db-standby exist and are valid shell.
    let mounts = strings(&service(&compose, "db")["volumes"])
        .into_iter()
        .chain(strings(&standby["volumes"]))
        .filter_map(|mount| mount.strip_prefix("./").map(str::to_owned))
        .collect::<Vec<_>>();
    let scripts: Vec<&str> = mounts
        .iter()
        .map(|mount| mount.split(':').next().unwrap())
        .collect();
    assert_eq!(
        scripts,
        [
            "deploy/postgres/replication.sh",
            "deploy/postgres/standby.sh"
        ]
    );
    for script in &scripts {
        let checked = std::process::Command::new("sh")
            .arg("-n")
            .arg(root().join(script))
            .status()
            .expect("sh runs");
        assert!(checked.success(), "{script} is valid shell");
    }
    let entrypoint = strings(&standby["entrypoint"]);
    assert!(
        mounts
            .iter()
            .any(|mount| mount.ends_with(&format!(":{}:ro", entrypoint[1]))),
        "the entrypoint {entrypoint:?} is the mounted script"
    );
    let base_backup = std::fs::read_to_string(root().join(scripts[1])).unwrap();
    assert!(base_backup.contains("pg_basebackup") && base_backup.contains("--write-recovery-conf"));
    // The replication password is required for the standby, optional for db.
    let given: Vec<(String, String)> = environment(standby);
    assert!(given.iter().any(|(name, value)| {
        name == "POSTGRES_REPLICATION_PASSWORD"
            && value.starts_with("${POSTGRES_REPLICATION_PASSWORD:?")
    }));
    let api = environment(service(&compose, "api"));
    assert!(
        api.iter()
            .any(|(name, value)| name == "DATABASE_READ_URL" && value == "${DATABASE_READ_URL:-}"),
        "{api:?}"
    );
}

#[test]
fn migrations_run_once_before_api_and_worker() {
    let compose = compose();
    let migrate = service(&compose, "migrate");
    assert_eq!(strings(&migrate["command"]), ["bestiary", "migrate"]);
    for name in ["api", "worker"] {
        let condition = &service(&compose, name)["depends_on"]["migrate"]["condition"];
        assert_eq!(
            condition.as_str(),
            Some("service_completed_successfully"),
            "{name}"
        );
    }
}

#[test]
fn api_and_worker_scale_behind_a_gateway_on_the_public_ports() {
    let compose = compose();
    for name in ["api", "worker"] {
        let spec = service(&compose, name);
        assert!(
            spec.get("ports").is_none(),
            "{name} publishes no host port, so it scales"
        );
        assert!(
            spec.get("container_name").is_none(),
            "{name} has no fixed name"
        );
    }
    assert_eq!(strings(&service(&compose, "web")["ports"]), ["8501:8501"]);
    assert_eq!(
        strings(&service(&compose, "gateway")["ports"]),
        ["8000:8000"]
    );
    let gateway = std::fs::read_to_string(root().join("deploy/gateway.conf")).unwrap();
    assert!(
        gateway.contains("http://api:8000"),
        "the gateway forwards to the api service"
    );
    assert!(
        gateway.contains("proxy_buffering off"),
        "SSE reaches browsers unbuffered"
    );
    let mounted = strings(&service(&compose, "gateway")["volumes"]);
    assert!(
        mounted
            .iter()
            .any(|volume| volume.starts_with("./deploy/gateway.conf:"))
    );
}

#[test]
fn each_process_gets_the_variables_it_reads_and_secrets_only_from_env() {
    let compose = compose();
    let processes = [
        (
            "api",
            "api",
            vec!["DATABASE_URL", "REDIS_URL", "SECRET_KEY", "CORS_ORIGINS"],
        ),
        (
            "worker",
            "worker",
            vec!["DATABASE_URL", "REDIS_URL", "AI_SERVICE_URL"],
        ),
        ("web", "web", vec!["BACKEND_URL", "WEB_ADDR"]),
        ("migrate", "migrate", vec!["DATABASE_URL"]),
        // The avatar service's settings are the ones `bestiary all` embeds it with.
        ("ai-service", "all", vec!["AI_SERVICE_ADDR"]),
    ];
    let example = std::fs::read_to_string(root().join(".env.example")).unwrap();
    let in_example: BTreeSet<&str> = example
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.trim()))
        .collect();
    for (name, subcommand, required) in processes {
        let spec = service(&compose, name);
        let given = environment(spec);
        let read = variables_read_by(subcommand);
        for (variable, value) in &given {
            assert!(
                read.contains(variable),
                "{name}: `{subcommand}` does not read {variable}"
            );
            // Interpolated variables must be documented in .env.example.
            for reference in value.split("${").skip(1) {
                let variable = reference.split([':', '}', '-', '?']).next().unwrap();
                assert!(
                    in_example.contains(variable),
                    "{variable} is not in .env.example"
                );
            }
        }
        for variable in required {
            assert!(
                given.iter().any(|(key, _)| key == variable),
                "{name} lacks {variable}"
            );
        }
    }
    // Secrets are never written into compose.yaml: they come from .env, and are required.
    for (name, spec) in compose["services"].as_mapping().unwrap() {
        for (variable, value) in environment(spec) {
            if ["SECRET_KEY", "POSTGRES_PASSWORD"].contains(&variable.as_str()) {
                assert!(
                    value.starts_with(&format!("${{{variable}:?")),
                    "{name:?}: {variable}"
                );
            }
            if variable == "DATABASE_URL" {
                assert!(value.contains("${POSTGRES_PASSWORD:?"), "{name:?}: {value}");
            }
        }
    }
    let ignored = std::fs::read_to_string(root().join(".gitignore")).unwrap();
    assert!(
        ignored.lines().any(|line| line.trim() == ".env"),
        ".env is git-ignored"
    );
}

#[test]
fn the_dockerfile_builds_from_files_that_exist_into_a_small_non_root_image() {
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    // Join continued lines, then read instruction by instruction.
    let joined = dockerfile.replace("\\\n", " ");
    let instructions: Vec<&str> = joined
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let mut stages: Vec<String> = Vec::new();
    let mut last_stage = Vec::new();
    for instruction in &instructions {
        let words: Vec<&str> = instruction.split_whitespace().collect();
        match words[0] {
            "FROM" => {
                let name = words
                    .iter()
                    .skip_while(|word| !word.eq_ignore_ascii_case("AS"))
                    .nth(1);
                stages.push(name.expect("every stage is named").to_string());
                last_stage.clear();
            }
            "COPY" => {
                let from = words.iter().find_map(|word| word.strip_prefix("--from="));
                let paths: Vec<&str> = words[1..]
                    .iter()
                    .copied()
                    .filter(|word| !word.starts_with("--"))
                    .collect();
                let sources = &paths[..paths.len() - 1];
                match from {
                    Some(stage) => {
                        assert!(stages.iter().any(|known| known == stage), "{instruction}");
                    }
                    None => {
                        for source in sources {
                            assert!(root().join(source).exists(), "COPY of a missing {source}");
                        }
                    }
                }
            }
            _ => {}
        }
        last_stage.push(instruction.to_string());
    }
    assert!(stages.len() >= 2, "a multi-stage build: {stages:?}");
    // Cargo loads every workspace member's manifest, so the build stage needs each of them.
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let members = manifest
        .lines()
        .find_map(|line| line.strip_prefix("members = ["))
        .expect("the workspace lists its members on one line");
    for member in members
        .trim_end_matches(']')
        .split(',')
        .map(|m| m.trim().trim_matches('"'))
    {
        assert!(
            instructions
                .iter()
                .any(|line| line.starts_with(&format!("COPY {member} "))),
            "the Dockerfile does not copy the workspace member {member}"
        );
    }
    let runtime = last_stage.join("\n");
    assert!(
        runtime.contains("USER bestiary"),
        "the runtime runs as a user of its own"
    );
    for tool in ["cargo", "rustup", "build-essential", "gcc"] {
        assert!(!runtime.contains(tool), "the runtime stage has no {tool}");
    }
    // The SPA's build tool must match the wasm-bindgen the lock file pins.
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let locked = lock
        .split("name = \"wasm-bindgen\"\nversion = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(
        dockerfile.contains(&format!("WASM_BINDGEN_VERSION={locked}")),
        "Dockerfile's WASM_BINDGEN_VERSION is not {locked}"
    );
    let ignored = std::fs::read_to_string(root().join(".dockerignore")).unwrap();
    for entry in ["target", ".env", "web/dist"] {
        assert!(
            ignored.lines().any(|line| line.trim() == entry),
            ".dockerignore lacks {entry}"
        );
    }
}
