//! Running the real `marquee` binary in tests: a served store on a free port, plain HTTP
//! requests, and the server's own memory as the kernel counts it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `marquee` with none of the caller's own settings leaking in: this build's binary, or the one
/// `MARQUEE_TEST_BIN` names (to run these tests against another build).
pub fn marquee() -> Command {
    let binary = std::env::var_os("MARQUEE_TEST_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_marquee").into());
    let mut command = Command::new(binary);
    for variable in
        ["MARQUEE_DATA", "MARQUEE_LISTEN", "DATABASE_URL", "MARQUEE_CONFIG", "MARQUEE_LOG", "MARQUEE_LOG_FORMAT"]
    {
        command.env_remove(variable);
    }
    command
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `GET path` on a fresh connection: the status and the whole response, or `None` when nothing
/// answers.
pub fn get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).ok()?;
    let response = String::from_utf8_lossy(&bytes).to_string();
    let status = response.get(9..12)?.parse().ok()?;
    Some((status, response))
}

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A `marquee serve` process, killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub log: PathBuf,
}

impl Server {
    pub fn start(data: &Path, database_url: &str, name: &str) -> Server {
        Server::start_with(data, database_url, name, &[])
    }

    pub fn start_with(data: &Path, database_url: &str, name: &str, env: &[(String, String)]) -> Server {
        let port = free_port();
        let log = data.parent().unwrap().join(format!("{name}.log"));
        let child = marquee()
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
            .arg(data)
            .env("DATABASE_URL", database_url)
            .envs(env.iter().cloned())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .unwrap();
        let started = Instant::now();
        while get(port, "/healthz").is_none() {
            assert!(started.elapsed() < Duration::from_secs(30), "{name} did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Server { child, port, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A line of the process's `/proc/PID/status`, in KiB (`VmRSS`, `VmHWM` …).
    fn status_kib(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("no {key} in {status}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// The most memory the process has held at once so far, in MiB.
    pub fn peak_mib(&self) -> u64 {
        self.status_kib("VmHWM:") / 1024
    }

    /// The memory the process holds now, in MiB.
    pub fn resident_mib(&self) -> u64 {
        self.status_kib("VmRSS:") / 1024
    }

    /// How many sockets the process holds open.
    pub fn open_sockets(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id()))
            .unwrap()
            .filter_map(|entry| std::fs::read_link(entry.ok()?.path()).ok())
            .filter(|target| target.to_string_lossy().starts_with("socket:"))
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `check` holds, for at most `seconds`.
pub fn eventually(seconds: u64, what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < Duration::from_secs(seconds), "not within {seconds}s: {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Adds an account with `password` through the command line.
pub fn add_user(data: &Path, database_url: &str, email: &str, role: &str, password: &str) {
    let mut child = marquee()
        .args(["user", "add", "--email", email, "--name", email.split('@').next().unwrap(), "--role", role])
        .arg("--password-stdin")
        .arg("--data")
        .arg(data)
        .env("DATABASE_URL", database_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// A database URL for a test's servers on the test backend: PostgreSQL with
/// MARQUEE_TEST_DATABASE=postgres, else a SQLite file in `dir`. The test store keeps the
/// PostgreSQL database alive (and drops it at the end).
pub async fn shared_database(dir: &Path) -> (String, marquee_store::testing::TestStore) {
    let test = marquee_store::testing::fresh().await;
    let url = match marquee_store::testing::backend() {
        marquee_store::Backend::Sqlite => format!("sqlite://{}?mode=rwc", dir.join("shared.db").display()),
        marquee_store::Backend::Postgres => test.database_url().to_string(),
    };
    (url, test)
}

/// Runs `command` to its end, watching its peak memory (MiB) as it goes (the kernel's high-water
/// mark, sampled until the process exits).
pub fn run_measuring_peak(command: &mut Command) -> (std::process::Output, u64) {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kib = 0;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(&status_file) {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
                peak_kib = peak_kib.max(line.split_whitespace().nth(1).unwrap_or("0").parse().unwrap_or(0));
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    (child.wait_with_output().unwrap(), peak_kib / 1024)
}
