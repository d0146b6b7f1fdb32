//! A local S3-compatible server for tests: moto's server mode (`pip install "moto[server]"`),
//! started on a free port with a fresh bucket, stopped when dropped.

use crate::S3Config;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct S3Server {
    child: Child,
    pub config: S3Config,
}

impl S3Server {
    /// Starts a server, or `None` when moto is not installed and `MARQUEE_REQUIRE_S3` is unset
    /// (the test suite's command sets it, and installs moto).
    pub async fn start() -> Option<S3Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        let child = match Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(child) => child,
            Err(e) => {
                assert!(std::env::var("MARQUEE_REQUIRE_S3").is_err(), "moto_server is required but cannot start: {e}");
                eprintln!("skipped: moto_server is not installed");
                return None;
            }
        };
        let endpoint = format!("http://127.0.0.1:{port}");
        let bucket = format!("marquee-test-{port}");
        let client = reqwest::Client::new();
        let started = Instant::now();
        // moto accepts unsigned requests: create the bucket once the server answers.
        loop {
            if let Ok(response) = client.put(format!("{endpoint}/{bucket}")).send().await {
                assert!(response.status().is_success(), "creating the bucket: {}", response.status());
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "moto_server did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let config = S3Config {
            bucket,
            endpoint: Some(endpoint),
            region: "us-east-1".into(),
            access_key_id: "testing".into(),
            secret_access_key: "testing".into(),
            allow_http: true,
        };
        Some(S3Server { child, config })
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
