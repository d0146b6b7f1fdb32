//! The served binary under hostile traffic: many sign-ins at once, huge bodies from strangers,
//! slow and idle connections, connections by the dozen. Each is measured by what a client sees
//! (status codes, closed connections) and by the server's own memory and sockets as the kernel
//! counts them, never by how long something took.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use support::{add_user, eventually, shared_database, Server};

const PASSWORD: &str = "correct horse battery staple";

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).unwrap();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A sign-in through the form, as from `address` (the server trusts the loopback proxy), with a
/// form token of its own.
async fn sign_in(
    client: &reqwest::Client,
    base: &str,
    address: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = random_token();
    client
        .post(format!("{base}/admin/login"))
        .header("cookie", format!("marquee_form={token}"))
        .header("x-forwarded-for", address)
        .form(&[("csrf", token.as_str()), ("email", email), ("password", password), ("next", "/admin")])
        .send()
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_wrong_passwords_are_counted_before_hashing_and_hashed_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    add_user(&data, &url, "owner@example.com", "owner", PASSWORD);
    let server = Server::start_with(&data, &url, "server", &env(&[("MARQUEE_TRUSTED_PROXIES", "127.0.0.1")]));
    let (client, base) = (client(), server.base());
    // One sign-in first, so the memory of one password check is part of the baseline.
    assert_eq!(sign_in(&client, &base, "198.51.100.1", "owner@example.com", PASSWORD).await.status(), 303);
    let baseline = server.peak_mib();

    let attempts = (0..40).map(|_| {
        let (client, base) = (client.clone(), base.clone());
        tokio::spawn(async move {
            let response = sign_in(&client, &base, "203.0.113.7", "owner@example.com", "not the password").await;
            (response.status().as_u16(), response.headers().contains_key("retry-after"))
        })
    });
    let mut statuses = Vec::new();
    for attempt in attempts.collect::<Vec<_>>() {
        statuses.push(attempt.await.unwrap());
    }
    let checked = statuses.iter().filter(|(status, _)| *status == 401).count();
    assert!(checked <= 5, "at most five wrong passwords checked for one account from one address: {statuses:?}");
    assert!(
        statuses.iter().all(|(status, retry)| *status == 401 || ((*status == 429 || *status == 503) && *retry)),
        "the rest refused at once, saying when to retry: {statuses:?}"
    );
    let grown = server.peak_mib().saturating_sub(baseline);
    assert!(grown < 80, "password checks run a few at a time: peak memory grew {grown} MiB");

    // The owner, from another address, still gets in.
    assert_eq!(sign_in(&client, &base, "192.0.2.44", "owner@example.com", PASSWORD).await.status(), 303);
}

/// Sends a request's head and waits for the answer, sending no body: a server that reads
/// the body before refusing it never answers.
fn answer_to_head(port: u16, head: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut bytes = vec![0; 4096];
    let n = stream.read(&mut bytes).unwrap_or(0);
    String::from_utf8_lossy(&bytes[..n]).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_from_strangers_are_refused_by_their_declared_length_before_they_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    let server = Server::start(&data, &url, "server");
    let port = server.port;
    let baseline = server.peak_mib();
    let huge = 26 * 1024 * 1024;
    let answers = tokio::task::spawn_blocking(move || {
        let heads = [
            format!("POST /admin/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /admin/media HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /admin/setup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /api/v1/reviews HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /api/v1/articles HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /admin/articles/new HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {huge}\r\n\r\n"),
            format!("PUT /api/v1/diary/1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /admin/reviews/new HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /ap/inbox HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/activity+json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /ap/site/inbox HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/activity+json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /ap/users/1/inbox HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/activity+json\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /admin/replies/1 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {huge}\r\n\r\n"),
            format!("POST /api/v1/comments/1/approve HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {huge}\r\n\r\n"),
        ];
        let handles: Vec<_> =
            heads.into_iter().map(|head| std::thread::spawn(move || (head.clone(), answer_to_head(port, &head)))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
    })
    .await
    .unwrap();
    for (head, answer) in answers {
        let request = head.lines().next().unwrap();
        assert!(answer.starts_with("HTTP/1.1 413"), "{request}: refused at once, not read: {answer:?}");
    }

    // A body with no declared length is cut off at the limit, however long it goes on.
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = "POST /admin/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n";
        stream.write_all(head.as_bytes()).unwrap();
        let chunk = format!("10000\r\n{}\r\n", "a".repeat(0x10000));
        for _ in 0..64 {
            if stream.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
        closed_within(&mut stream, 10).unwrap_or_else(|e| e)
    })
    .await
    .unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "an endless body: {answer:?}");
    let grown = server.peak_mib().saturating_sub(baseline);
    assert!(grown < 16, "no stranger's body held: peak memory grew {grown} MiB");
}

/// Whether the server closed the connection (or answered and closed) within `seconds`.
fn closed_within(stream: &mut TcpStream, seconds: u64) -> Result<String, String> {
    stream.set_read_timeout(Some(Duration::from_secs(seconds))).unwrap();
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return Ok(String::from_utf8_lossy(&seen).to_string()),
            Ok(n) => seen.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return Err(format!("still open after {seconds} s; read so far: {}", String::from_utf8_lossy(&seen)))
            }
            Err(_) => return Ok(String::from_utf8_lossy(&seen).to_string()),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn slow_idle_and_countless_connections_are_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    let settings = env(&[
        ("MARQUEE_HEADER_READ_TIMEOUT", "1"),
        ("MARQUEE_BODY_READ_TIMEOUT", "1"),
        ("MARQUEE_MAX_CONNECTIONS", "8"),
    ]);
    let server = Server::start_with(&data, &url, "server", &settings);
    let port = server.port;
    tokio::task::spawn_blocking(move || {
        // Half a request line, then nothing.
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(b"GET /revi").unwrap();
        closed_within(&mut stream, 8).expect("a half-sent request line");

        // A body that stops arriving.
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let head = "POST /admin/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=a";
        stream.write_all(head.as_bytes()).unwrap();
        let answer = closed_within(&mut stream, 8).expect("a stalled body");
        assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");

        // A kept-alive connection that goes quiet after its first request.
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let answer = closed_within(&mut stream, 8).expect("an idle kept-alive connection");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    })
    .await
    .unwrap();

    // Forty connections that say nothing: no more than the cap are taken in at once.
    let before = server.open_sockets();
    let idle: Vec<TcpStream> = (0..40).map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    std::thread::sleep(Duration::from_millis(500));
    let held = server.open_sockets() - before;
    assert!(held <= 8, "{held} connections taken in; the cap is 8");
    // As the silent ones are cut off, the others are served.
    eventually(30, "a reader is served once the silent connections are gone", || {
        support::get(port, "/healthz").is_some_and(|(status, _)| status == 200)
    });
    drop(idle);
}
