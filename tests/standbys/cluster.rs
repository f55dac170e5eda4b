//! A PostgreSQL primary and a hot standby of this test binary's own, started once for all its
//! tests: `initdb` and `pg_ctl` from `pg_config --bindir` in a temporary folder, on free
//! ports, and `pg_basebackup -R` for the standby (streaming replication). As root the
//! servers run as `postgres` (`initdb` refuses root). The machine's own server is never
//! touched. A watchdog stops the servers and removes the folder once this process has gone,
//! however it ended.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// One server of the cluster.
pub struct Server {
    /// Its port on 127.0.0.1.
    pub port: u16,
    data: PathBuf,
}

/// The primary and its standby.
pub struct Cluster {
    /// The primary, where commands and test databases go.
    pub primary: Server,
    /// A hot standby streaming from it, shared by the tests.
    pub standby: Server,
    root: PathBuf,
    /// Outlives this process on purpose: it cleans up after it.
    _watchdog: Child,
}

/// The cluster, started at the first call.
pub fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(Cluster::start)
}

impl Cluster {
    fn start() -> Self {
        let root = std::env::temp_dir().join(format!(
            "bestiary-standbys-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&root).expect("the cluster's folder is created");
        if running_as_root() {
            run(
                Command::new("chown").arg("postgres:postgres").arg(&root),
                "chown",
            );
        }
        let watchdog = watchdog(&root);
        let data = root.join("primary");
        run(
            as_postgres("initdb")
                .args([
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "-D",
                ])
                .arg(&data),
            "initdb",
        );
        let port = free_port();
        configure(&data, &root, port);
        let primary = Server { port, data };
        primary.start();
        let standby = Cluster::standby_of(&primary, &root, "standby");
        Self {
            primary,
            standby,
            root,
            _watchdog: watchdog,
        }
    }

    /// Another standby of the primary, for a test that stops it.
    pub fn new_standby(&self, name: &str) -> Server {
        Cluster::standby_of(&self.primary, &self.root, name)
    }

    fn standby_of(primary: &Server, root: &Path, name: &str) -> Server {
        let data = root.join(name);
        run(
            as_postgres("pg_basebackup")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ])
                .args(["-R", "--no-sync", "-p", &primary.port.to_string(), "-D"])
                .arg(&data),
            "pg_basebackup",
        );
        let port = free_port();
        configure(&data, root, port);
        let standby = Server { port, data };
        standby.start();
        standby
    }
}

impl Server {
    /// The URL of `database` on it, as the `postgres` superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Starts it and waits until it accepts connections.
    pub fn start(&self) {
        run(
            as_postgres("pg_ctl")
                .args(["-w", "-t", "60", "-l"])
                .arg(self.data.join("server.log"))
                .arg("-D")
                .arg(&self.data)
                .arg("start"),
            "pg_ctl start",
        );
    }

    /// Stops it (`fast`: open sessions are ended) and waits until it has.
    pub fn stop(&self) {
        run(
            as_postgres("pg_ctl")
                .args(["-w", "-m", "fast", "-D"])
                .arg(&self.data)
                .arg("stop"),
            "pg_ctl stop",
        );
    }
}

/// The settings of a server of the cluster (a standby's copy of the primary's file gets its
/// own port after them; the last setting wins). Test databases commit without waiting for
/// the disk (`synchronous_commit = off`), and only WAL on disk is streamed: the WAL writer
/// flushes every 10 ms rather than 200.
fn configure(data: &Path, root: &Path, port: u16) {
    let settings = format!(
        "\n# bestiary test cluster\nport = {port}\nlisten_addresses = '127.0.0.1'\n\
         unix_socket_directories = '{}'\nfsync = off\nmax_connections = 300\n\
         shared_buffers = 32MB\nhot_standby_feedback = on\nwal_keep_size = '256MB'\n\
         wal_writer_delay = 10ms\n",
        root.display()
    );
    let file = data.join("postgresql.conf");
    let mut text = std::fs::read_to_string(&file).expect("postgresql.conf is readable");
    text.push_str(&settings);
    std::fs::write(&file, text).expect("postgresql.conf is written");
}

/// Stops every server under `root` and removes it once this process has ended.
fn watchdog(root: &Path) -> Child {
    let pg_ctl = bindir().join("pg_ctl");
    let script = format!(
        "while [ -d /proc/{pid} ]; do sleep 1; done; \
         for data in {root}/*/; do {pg_ctl} -D \"$data\" -m immediate stop; done; rm -rf {root}",
        pid = std::process::id(),
        root = root.display(),
        pg_ctl = pg_ctl.display(),
    );
    let mut command = if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", "sh", "-c", &script]);
        command
    } else {
        let mut command = Command::new("sh");
        command.args(["-c", &script]);
        command
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the watchdog starts")
}

/// The folder of the PostgreSQL server programs.
fn bindir() -> PathBuf {
    static BINDIR: OnceLock<PathBuf> = OnceLock::new();
    BINDIR
        .get_or_init(|| {
            let output = Command::new("pg_config")
                .arg("--bindir")
                .output()
                .expect("pg_config runs");
            PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
        })
        .clone()
}

/// A server program, run as `postgres` when this process is root.
fn as_postgres(program: &str) -> Command {
    let program = bindir().join(program);
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

fn running_as_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
    })
}

fn run(command: &mut Command, what: &str) {
    let output = command
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|error| panic!("{what} runs: {error}"));
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}
