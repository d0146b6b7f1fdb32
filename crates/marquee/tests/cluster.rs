//! Several `marquee serve` processes on one database and one media directory, as behind a load
//! balancer; and what happens when one dies or the database goes away. Runs on the test backend:
//! PostgreSQL with MARQUEE_TEST_DATABASE=postgres, else one shared SQLite file.

mod support;

use marquee_store::testing;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{eventually, get, shared_database, write, Server};

fn import(data: &Path, database_url: &str, dir: &Path) {
    import_with(data, database_url, dir, &[]);
}

fn import_with(data: &Path, database_url: &str, dir: &Path, env: &[(String, String)]) {
    let out = Command::new(env!("CARGO_BIN_EXE_marquee"))
        .envs(env.iter().cloned())
        .args(["import", "markdown", "--data"])
        .arg(data)
        .arg(dir)
        .env("DATABASE_URL", database_url)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_database_behave_as_one_site() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    let (a, b) = (Server::start(&data, &url, "a"), Server::start(&data, &url, "b"));
    for server in [&a, &b] {
        assert!(!get(server.port, "/").unwrap().1.contains("Late Arrival"));
    }

    // A CLI import while both serve shows on both within a couple of seconds.
    let content = dir.path().join("content");
    write(&content.join("late.md"), "+++\ntitle = \"Late Arrival\"\nyear = 2005\nposter = \"p.png\"\n+++\nJust in.\n");
    image::RgbImage::from_fn(200, 300, |x, _| image::Rgb([x as u8, 1, 2])).save(content.join("p.png")).unwrap();
    let started = Instant::now();
    import(&data, &url, &content);
    for server in [&a, &b] {
        eventually(3, "the import shows on every server", || {
            get(server.port, "/").is_some_and(|(_, page)| page.contains("Late Arrival"))
        });
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    let (_, page) = get(b.port, "/reviews/late-arrival-2005").unwrap();
    let at = page.find("/media/").unwrap_or_else(|| panic!("no poster in {page}"));
    let poster = &page[at..at + page[at..].find('"').unwrap()];
    let poster = poster.split(' ').next().unwrap();
    assert_eq!(get(a.port, poster).unwrap().0, 200, "media stored once is served by every server");
    assert_eq!(get(b.port, poster).unwrap().0, 200);

    // A scheduled review is published once, whichever server gets there first.
    let soon = time::OffsetDateTime::now_utc() + time::Duration::seconds(6);
    let date = soon.format(&time::format_description::well_known::Rfc3339).unwrap();
    write(&content.join("soon.md"), &format!("+++\ntitle = \"Coming Soon\"\nyear = 2026\ndate = {date}\n+++\nSoon.\n"));
    import(&data, &url, &content);
    assert_eq!(get(a.port, "/reviews/coming-soon-2026").unwrap().0, 404, "not before its time");
    for server in [&a, &b] {
        eventually(20, "the scheduled review is published on every server", || {
            get(server.port, "/reviews/coming-soon-2026").is_some_and(|(status, _)| status == 200)
        });
    }
    // Logs are written out four times a second: wait for the line, then make sure no second comes.
    let publications =
        || -> usize { [&a, &b].iter().map(|s| s.log().matches("published scheduled reviews").count()).sum() };
    eventually(5, "a server logs the publication", || publications() > 0);
    std::thread::sleep(std::time::Duration::from_millis(600));
    assert_eq!(publications(), 1, "published exactly once across servers");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_under_load_loses_nothing_and_the_other_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    let content = dir.path().join("content");
    write(&content.join("one.md"), "+++\ntitle = \"One\"\nyear = 2001\nscore = 6\n+++\nText.\n");
    import(&data, &url, &content);
    let (mut a, b) = (Server::start(&data, &url, "a"), Server::start(&data, &url, "b"));
    // Load on both for 1.5 s; A is killed half a second in.
    let load = |port: u16| {
        std::thread::spawn(move || {
            let started = Instant::now();
            let mut statuses = Vec::new();
            while started.elapsed() < Duration::from_millis(1500) {
                statuses.push(get(port, "/reviews/one-2001").map(|(s, _)| s));
            }
            statuses
        })
    };
    let (load_a, load_b) = (load(a.port), load(b.port));
    std::thread::sleep(Duration::from_millis(500));
    a.child.kill().unwrap(); // SIGKILL
    a.child.wait().unwrap();
    // Written while A lies dead: committed data stays.
    write(&content.join("two.md"), "+++\ntitle = \"Two\"\nyear = 2002\n+++\nMore.\n");
    import(&data, &url, &content);
    let on_b = load_b.join().unwrap();
    assert!(on_b.iter().all(|s| *s == Some(200)), "the surviving server failed requests: {on_b:?}");
    let on_a = load_a.join().unwrap();
    assert!(on_a.contains(&Some(200)), "A answered before it was killed");
    assert!(on_a.iter().any(Option::is_none), "the killed server stopped answering");
    // Nothing committed is lost: a new server on the same database shows it all.
    let c = Server::start(&data, &url, "c");
    assert_eq!(get(c.port, "/reviews/one-2001").unwrap().0, 200);
    assert_eq!(get(c.port, "/reviews/two-2002").unwrap().0, 200);
    eventually(3, "B shows what was written while A lay dead", || {
        get(b.port, "/reviews/two-2002").is_some_and(|(s, _)| s == 200)
    });
}

/// A TCP relay to the database that the test can cut and restore, as a database restart or a
/// network fault would.
struct Relay {
    port: u16,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    connections: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    async fn start(upstream: String) -> Relay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let connections = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (flag, handles) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else { return };
                if !flag.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // refused: dropped at once
                }
                let upstream = upstream.clone();
                handles.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                }));
            }
        });
        Relay { port, up, connections }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        for handle in self.connections.lock().unwrap().drain(..) {
            handle.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_outage_fails_requests_cleanly_and_recovers_by_itself() {
    if testing::backend() != marquee_store::Backend::Postgres {
        eprintln!("skipped: the database outage is simulated on PostgreSQL (MARQUEE_TEST_DATABASE=postgres)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    // postgres://user@HOST:PORT/db → through the relay.
    let after_at = &url[url.find('@').unwrap() + 1..];
    let host_port = &after_at[..after_at.find('/').unwrap()];
    let relay = Relay::start(host_port.to_string()).await;
    let relayed = url.replacen(host_port, &format!("127.0.0.1:{}", relay.port), 1);
    let data = dir.path().join("data");
    let content = dir.path().join("content");
    write(&content.join("one.md"), "+++\ntitle = \"One\"\nyear = 2001\n+++\nText.\n");
    import(&data, &url, &content);
    let server = Server::start(&data, &relayed, "a");
    assert_eq!(get(server.port, "/readyz").unwrap().0, 200);

    relay.cut();
    let port = server.port;
    let answer = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let page = get(port, "/reviews/one-2001");
        (page, started.elapsed())
    })
    .await
    .unwrap();
    let ((status, body), took) = (answer.0.expect("an answer, not a hang"), answer.1);
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("briefly unavailable") && body.to_lowercase().contains("retry-after"), "{body}");
    assert!(took < Duration::from_secs(8), "answered in {took:?}");
    let port = server.port;
    let ready = tokio::task::spawn_blocking(move || (get(port, "/readyz"), get(port, "/healthz"))).await.unwrap();
    assert_eq!(ready.0.unwrap().0, 503, "not ready while the database is away");
    assert_eq!(ready.1.unwrap().0, 200, "but alive");

    relay.restore();
    tokio::task::spawn_blocking(move || {
        eventually(15, "recovers once the database is back", || {
            get(port, "/reviews/one-2001").is_some_and(|(status, _)| status == 200)
        });
        assert_eq!(get(port, "/readyz").unwrap().0, 200);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn servers_sharing_s3_object_storage_serve_each_others_media() {
    let Some(s3) = marquee_media::testing::S3Server::start().await else { return };
    let env: Vec<(String, String)> = [
        ("MARQUEE_S3_BUCKET", s3.config.bucket.clone()),
        ("MARQUEE_S3_ENDPOINT", s3.config.endpoint.clone().unwrap()),
        ("MARQUEE_S3_ACCESS_KEY_ID", s3.config.access_key_id.clone()),
        ("MARQUEE_S3_SECRET_ACCESS_KEY", s3.config.secret_access_key.clone()),
        ("MARQUEE_S3_ALLOW_HTTP", "true".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    // Each server has its own data directory: the media they share is only in the bucket.
    let (a, b) = (
        Server::start_with(&dir.path().join("a"), &url, "a", &env),
        Server::start_with(&dir.path().join("b"), &url, "b", &env),
    );
    let content = dir.path().join("content");
    write(&content.join("p.md"), "+++\ntitle = \"Poster\"\nyear = 1999\nposter = \"p.png\"\n+++\nText.\n");
    image::RgbImage::from_fn(240, 360, |x, _| image::Rgb([x as u8, 3, 4])).save(content.join("p.png")).unwrap();
    import_with(&dir.path().join("cli"), &url, &content, &env);
    assert!(!dir.path().join("cli/media/").read_dir().map(|mut d| d.next().is_some()).unwrap_or(false));
    eventually(5, "the review shows", || get(a.port, "/reviews/poster-1999").is_some_and(|(s, _)| s == 200));
    let (_, page) = get(a.port, "/reviews/poster-1999").unwrap();
    let at = page.find("/media/").unwrap();
    let poster = page[at..].split(['"', ' ']).next().unwrap().to_string();
    for server in [&a, &b] {
        let (status, response) = get(server.port, &poster).unwrap();
        assert_eq!(status, 200, "{}", &response[..200.min(response.len())]);
        assert!(response.to_lowercase().contains("content-type: image/"));
    }
}
