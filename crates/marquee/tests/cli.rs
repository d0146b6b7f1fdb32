//! The `marquee` binary as a user runs it.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{free_port, marquee, run_measuring_peak, write};

/// A whole response to `GET path`, or `None` when nothing answers.
fn http_text(port: u16, path: &str) -> Option<String> {
    support::get(port, path).map(|(_, response)| response)
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["import", "--help"],
        vec!["import", "markdown", "--help"],
        vec!["import", "letterboxd", "--help"],
        vec!["import", "json", "--help"],
        vec!["import", "imdb", "--help"],
        vec!["export", "json", "--help"],
        vec!["export", "markdown", "--help"],
        vec!["export", "letterboxd", "--help"],
        vec!["user", "token", "--help"],
    ] {
        let out = marquee().args(&args).output().unwrap();
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Usage:"), "{args:?}: {text}");
    }
    let serve = String::from_utf8(marquee().args(["serve", "--help"]).output().unwrap().stdout).unwrap();
    for flag in ["--data", "--listen", "--demo", "MARQUEE_DATA", "MARQUEE_LISTEN"] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn import_reports_bad_files_with_their_place_and_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    write(&content.join("good.md"), "+++\ntitle = \"Good\"\nyear = 2000\nscore = 7\n+++\nFine.\n");
    write(&content.join("bad.md"), "---\ntitle: Bad\nyear: 2000\nscore: 11\n---\nNo.\n");
    let data = dir.path().join("data");
    let out = marquee().args(["import", "markdown", "--data"]).arg(&data).arg(&content).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("bad.md:4: score: score 11 is outside 0 to 10"), "{stderr}");
    assert!(stderr.contains("nothing was changed"), "{stderr}");

    // With --skip-bad the bad file is left out and named; the rest comes in.
    let out = marquee().args(["import", "markdown", "--skip-bad", "--data"]).arg(&data).arg(&content).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("skipped: ") && stderr.contains("bad.md:4: score: score 11 is outside 0 to 10"),
        "{stderr}"
    );
    assert!(String::from_utf8(out.stdout).unwrap().contains("1 created, 0 updated, 0 unchanged, 1 skipped"));

    std::fs::remove_file(content.join("bad.md")).unwrap();
    let out = marquee().args(["import", "markdown", "--data"]).arg(&data).arg(&content).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("0 created, 0 updated, 1 unchanged"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("importing: 1/1"), "plain progress lines when not a terminal: {stderr}");
}

#[test]
fn a_wordpress_dry_run_says_how_each_post_would_be_taken_then_the_import_takes_them_so() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("../marquee-import/tests/fixtures/wordpress/export.xml");
    let out = marquee().args(["import", "wordpress", "--dry-run", "--data"]).arg(&data).arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    for line in [
        "\"Heat (1995)\" → a review of Heat (1995)",
        "\"My ten favourite films of the year\" → an article",
        "\"Close-Up\" → an article",
        "\"Notes on Tár, unfinished\" → an article (draft)",
        "\"About\" → a page",
        "Dry run, nothing changed: would be 6 created",
    ] {
        assert!(stdout.contains(line), "{line} in:\n{stdout}");
    }
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("\"Close-Up\" looks like a review"), "the warning says why: {stderr}");

    let out = marquee().args(["import", "wordpress", "--data"]).arg(&data).arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("6 created"));
    let out = marquee().args(["import", "wordpress", "--data"]).arg(&data).arg(&export).output().unwrap();
    assert!(String::from_utf8(out.stdout).unwrap().contains("0 created, 0 updated, 6 unchanged"), "twice: once");

    // Exported as Markdown, the articles and the page come along.
    let out_dir = dir.path().join("markdown");
    let out = marquee().args(["export", "markdown", "--data"]).arg(&data).arg(&out_dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("4 articles and pages"));
    let about = std::fs::read_to_string(out_dir.join("pages/about/index.md")).unwrap();
    assert!(about.contains("type = \"page\"") && about.contains("Who writes here."), "{about}");
}

#[test]
fn serve_creates_its_data_directory_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("new").join("data");
    let port = free_port();
    let mut child = marquee()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(&data)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let response = loop {
        if let Some(r) = http_text(port, "/healthz") {
            break r;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(data.join("marquee.db").is_file());
    let home = http_text(port, "/").unwrap();
    assert!(home.starts_with("HTTP/1.1 200") && home.contains("No reviews here yet."), "{home}");
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    assert!(
        log.contains("method=GET") && log.contains("path=/") && log.contains("status=200"),
        "one line per request: {log}"
    );
    assert!(log.contains("stopped"), "{log}");
    // A new site without an owner tells whoever runs it the code its setup page asks for.
    let code = log.split("setup_code=").nth(1).map(|rest| rest.chars().take(14).collect::<String>());
    assert!(code.as_deref().is_some_and(|c| c.len() == 14 && c.chars().filter(|ch| *ch == '-').count() == 2), "{log}");
}

#[test]
fn the_demo_fills_a_new_store_with_reviews_articles_a_page_and_a_public_diary() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = marquee()
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http_text(port, "/healthz").is_none() {
        assert!(started.elapsed() < Duration::from_secs(120), "demo server did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    let films = http_text(port, "/films").unwrap();
    let years = http_text(port, "/years").unwrap();
    let genres = http_text(port, "/genres").unwrap();
    let scores = http_text(port, "/scores").unwrap();
    let home = http_text(port, "/").unwrap();
    let articles = http_text(port, "/articles").unwrap();
    let about = http_text(port, "/about").unwrap();
    let diary = http_text(port, "/writers/maren-achterberg/diary").unwrap();
    let years_in_review = [2025, 2026].map(|year| {
        let page = http_text(port, &format!("/writers/maren-achterberg/diary/{year}/in-review")).unwrap_or_default();
        (year, page)
    });
    let lists = http_text(port, "/lists").unwrap();
    let watchlist = http_text(port, "/writers/maren-achterberg/watchlist").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(articles.matches("class=\"article-card\"").count() >= 3, "{articles}");
    assert!(home.contains("href=\"/about\""), "the About page is in the navigation: {home}");
    assert!(about.contains("<h1>About</h1>"), "{about}");
    assert!(diary.contains("The Long Tally of Ezra Cole") && diary.contains("The Quiet Hour"), "{diary}");
    for (year, page) in years_in_review {
        assert!(page.contains(&format!("’s {year} in film</h1>")), "a year in review for {year}: {page}");
    }
    assert!(lists.contains("Five films that reward a rewatch"), "{lists}");
    assert!(watchlist.contains("Glasshouse Weather"), "{watchlist}");
    assert!(films.matches("href=\"/films/").count() >= 12, "{films}");
    assert!(years.matches("href=\"/years/").count() >= 5);
    assert!(genres.matches("href=\"/genres/").count() >= 5);
    for band in ["Masterpiece", "Excellent", "Great", "Good", "Mixed", "Mediocre", "Poor", "Awful"] {
        let row = scores.split("<li>").find(|li| li.contains(&format!(">{band} "))).unwrap_or_else(|| panic!("{band}"));
        assert!(!row.contains(">0 reviews<"), "no demo review in {band}");
    }
}

#[test]
fn config_prints_the_effective_settings_from_file_environment_and_flags_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("marquee.toml"),
        "listen = \"0.0.0.0:9000\"\nbase_url = \"https://reviews.example\"\ndatabase_url = \"postgres://app:hunter2@db/marquee\"\n",
    );
    let out = marquee()
        .args(["config", "--data"])
        .arg(dir.path())
        .env("MARQUEE_BASE_URL", "https://films.example")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("listen = \"0.0.0.0:9000\""), "{text}");
    assert!(text.contains("base_url = \"https://films.example\""), "the environment beats the file: {text}");
    assert!(text.contains("postgres://app:***@db/marquee") && !text.contains("hunter2"), "{text}");
    let flagged = marquee().args(["config", "--listen", "127.0.0.1:7777", "--data"]).arg(dir.path()).output().unwrap();
    assert!(String::from_utf8(flagged.stdout).unwrap().contains("listen = \"127.0.0.1:7777\""));
    // Passwords given as parameters of the URL are masked too.
    let out = marquee()
        .args(["config", "--data"])
        .arg(dir.path())
        .env("DATABASE_URL", "postgres://db/marquee?user=app&password=hunter3&sslpassword=hunter4")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("postgres://db/marquee?user=app&password=***&sslpassword=***"), "{text}");
    assert!(!text.contains("hunter3") && !text.contains("hunter4"), "{text}");
}

#[test]
fn an_invalid_config_fails_at_start_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("marquee.toml"), "listen = \"127.0.0.1:8080\"\nbase_url = 42\n");
    let out = marquee().args(["serve", "--data"]).arg(dir.path()).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("marquee.toml") && stderr.contains("base_url"), "{stderr}");
}

#[test]
fn migrate_applies_migrations_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let out = marquee().args(["migrate", "--data"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("up to date"));
    assert!(dir.path().join("marquee.db").is_file());
}

#[test]
fn backup_restore_and_db_copy_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    write(&content.join("good.md"), "+++\ntitle = \"Good\"\nyear = 2000\nscore = 7\n+++\nFine.\n");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = marquee().args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let data_arg = data.to_str().unwrap();
    run(&["import", "markdown", "--data", data_arg, content.to_str().unwrap()]);
    let file = dir.path().join("site.tar");
    assert!(run(&["backup", "--data", data_arg, file.to_str().unwrap()]).contains("Backed up"));
    let restored = dir.path().join("restored");
    assert!(run(&["restore", "--data", restored.to_str().unwrap(), file.to_str().unwrap()]).contains("Restored"));
    let copy = dir.path().join("copy.db");
    let report = run(&[
        "db",
        "copy",
        "--from",
        &format!("sqlite://{}", data.join("marquee.db").display()),
        "--to",
        &format!("sqlite://{}?mode=rwc", copy.display()),
    ]);
    assert!(report.contains("Copied and verified") && !report.contains("MISMATCH"), "{report}");
    assert!(report.lines().any(|l| l.starts_with("reviews") && l.split_whitespace().nth(1) == Some("1")), "{report}");
    // A second copy into the now-full database is refused and changes nothing.
    let out = marquee()
        .args(["db", "copy", "--from", &format!("sqlite://{}", data.join("marquee.db").display())])
        .args(["--to", &format!("sqlite://{}", copy.display())])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not empty"));
}

#[test]
fn metrics_can_live_on_their_own_address() {
    let dir = tempfile::tempdir().unwrap();
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = marquee()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--metrics-listen"])
        .arg(format!("127.0.0.1:{metrics_port}"))
        .arg("--data")
        .arg(dir.path())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http_text(port, "/healthz").is_none() || http_text(metrics_port, "/metrics").is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    http_text(port, "/").unwrap();
    let metrics = http_text(metrics_port, "/metrics").unwrap();
    let public = http_text(port, "/metrics").unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(metrics.contains(r#"marquee_http_requests_total{method="GET",route="/",status="200"}"#), "{metrics}");
    assert!(public.starts_with("HTTP/1.1 404"), "not on the public address: {public}");
}

/// Runs `marquee` with `stdin` as its standard input.
fn with_stdin(command: &mut Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn accounts_are_added_and_passwords_set_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let add = |email: &str, role: &str, password: &str| {
        with_stdin(
            marquee().arg("--data").arg(&data).args([
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Olive Owner",
                "--role",
                role,
                "--password-stdin",
            ]),
            &format!("{password}\n"),
        )
    };
    let out = add("Owner@Example.com", "owner", "correct horse battery");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "Added Olive Owner <owner@example.com> as owner.\n");

    let refusals = [
        (add("owner@example.com", "writer", "another long one"), "already exists"),
        (add("x@example.com", "admin", "another long one"), "--role: unknown role \"admin\" (owner, editor or writer)"),
        (add("x@example.com", "writer", "short"), "at least 10 characters"),
        (add("not-an-email", "writer", "another long one"), "--email: \"not-an-email\" is not an email address"),
    ];
    for (out, message) in refusals {
        assert!(!out.status.success());
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains(message), "{message} in {stderr}");
    }

    let reset = with_stdin(
        marquee().arg("--data").arg(&data).args(["user", "password", "OWNER@example.com", "--password-stdin"]),
        "a brand new password\n",
    );
    assert!(reset.status.success(), "{}", String::from_utf8_lossy(&reset.stderr));
    assert!(String::from_utf8(reset.stdout).unwrap().contains("Password set for Olive Owner"));
    let unknown = with_stdin(
        marquee().arg("--data").arg(&data).args(["user", "password", "who@example.com", "--password-stdin"]),
        "x\n",
    );
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("no account has the email who@example.com"));

    let list = marquee().arg("--data").arg(&data).args(["user", "list"]).output().unwrap();
    let text = String::from_utf8(list.stdout).unwrap();
    assert!(text.contains("owner") && text.contains("owner@example.com") && text.contains("Olive Owner"), "{text}");
}

/// Starts `import ARGS`, waits until its progress shows `writing_when` and a little more, kills
/// it with SIGKILL, and checks the store holds none of it and is sound.
fn kill_import_midway(data: &Path, args: &[&std::ffi::OsStr], writing_when: &str) {
    let mut child = marquee()
        .arg("--data")
        .arg(data)
        .arg("import")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is writing (its progress has started), then kill it without warning.
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut byte = [0u8; 1];
    while !seen.contains(writing_when) {
        assert_eq!(stderr.read(&mut byte).unwrap(), 1, "the import ended before writing: {seen}");
        seen.push(byte[0] as char);
    }
    std::thread::sleep(Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "still importing when killed");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let url = format!("sqlite://{}", data.join("marquee.db").display());
        let store = marquee_store::Store::open(&url).await.unwrap();
        let counts = store.row_counts().await.unwrap();
        for table in ["films", "people", "reviews", "diary_entries", "media"] {
            assert_eq!(counts[table], 0, "nothing of the killed import remains in {table}");
        }
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(store.pool()).await.unwrap();
        assert_eq!(check, "ok");
    });
}

#[test]
fn a_letterboxd_import_killed_midway_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = with_stdin(
        marquee().arg("--data").arg(&data).args([
            "user",
            "add",
            "--email",
            "c@example.com",
            "--name",
            "C",
            "--password-stdin",
        ]),
        "a long enough password\n",
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    // A long diary: every viewing of its own film, so the import writes for a while.
    let export = dir.path().join("export");
    let mut diary = String::from("Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n");
    for i in 0..15_000 {
        diary.push_str(&format!("2024-01-01,Film number {i},2001,https://boxd.it/v{i},3,,,2024-01-01\n"));
    }
    write(&export.join("diary.csv"), &diary);
    kill_import_midway(&data, &["letterboxd".as_ref(), export.as_os_str()], "item(s)");

    // Run whole, it completes; run again, it changes nothing.
    let out = marquee().arg("--data").arg(&data).args(["import", "letterboxd"]).arg(&export).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("30000 created, 0 updated, 0 unchanged"));
    let again =
        marquee().arg("--data").arg(&data).args(["import", "letterboxd", "--dry-run"]).arg(&export).output().unwrap();
    assert!(String::from_utf8(again.stdout).unwrap().contains("would be 0 created, 0 updated, 15000 unchanged"));
}

/// Writes a ZIP member's bytes, chunk by chunk.
type MemberWriter<'a> = &'a dyn Fn(&mut dyn std::io::Write);

/// A ZIP holding `members`.
fn zip_of(path: &Path, members: &[(&str, MemberWriter)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, write) in members {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        write(&mut zip);
    }
    zip.finish().unwrap();
}

#[test]
fn a_letterboxd_zip_is_chosen_by_name_capped_per_file_and_never_held_whole() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let added = with_stdin(
        marquee()
            .arg("--data")
            .arg(&data)
            .args(["user", "add", "--email", "c@example.com", "--name", "C"])
            .arg("--password-stdin"),
        "a long enough password\n",
    );
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let diary = |out: &mut dyn std::io::Write| {
        out.write_all(b"Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n").unwrap();
        out.write_all(b"2024-01-01,Stalker,1979,https://boxd.it/v1,5,,,2024-01-01\n").unwrap();
    };
    let junk = |megabytes: usize| {
        move |out: &mut dyn std::io::Write| {
            let chunk = "0,0,0,0\n".repeat(1024 * 1024 / 8);
            for _ in 0..megabytes {
                out.write_all(chunk.as_bytes()).unwrap();
            }
        }
    };
    // A small archive holding a huge file the importer has no use for.
    let archive = dir.path().join("letterboxd-c.zip");
    let big = junk(300);
    zip_of(&archive, &[("letterboxd-c/diary.csv", &diary), ("letterboxd-c/zz-junk.csv", &big)]);
    assert!(std::fs::metadata(&archive).unwrap().len() < 2 * 1024 * 1024);
    let (out, peak) =
        run_measuring_peak(marquee().arg("--data").arg(&data).args(["import", "letterboxd"]).arg(&archive));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 created"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(peak < 100, "the junk was never read: peak {peak} MiB");

    // A file the importer wants, past any Letterboxd file's size, is refused by name.
    let archive = dir.path().join("letterboxd-huge.zip");
    let huge = |out: &mut dyn std::io::Write| {
        diary(out);
        junk(70)(out);
    };
    zip_of(&archive, &[("diary.csv", &huge)]);
    let (out, peak) =
        run_measuring_peak(marquee().arg("--data").arg(&data).args(["import", "letterboxd"]).arg(&archive));
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("diary.csv: over 64 MB: too large for a Letterboxd export file"), "{stderr}");
    assert!(peak < 100, "the file was stopped at the limit, not read whole: peak {peak} MiB");
}

#[test]
fn a_markdown_import_killed_midway_leaves_the_store_as_it_was() {
    // WordPress and Ghost posts go through the same path (page bundles, one transaction).
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let content = dir.path().join("content");
    for i in 0..4_000 {
        write(
            &content.join(format!("r{i}.md")),
            &format!("+++\ntitle = \"Film {i}\"\nyear = 1999\nscore = 7\ndirectors = [\"D {i}\"]\n+++\nSeen, {i}.\n"),
        );
    }
    kill_import_midway(&data, &["markdown".as_ref(), content.as_os_str()], "importing: ");
    let out = marquee().arg("--data").arg(&data).args(["import", "markdown"]).arg(&content).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8(out.stdout).unwrap().contains("4000 created"));
}

#[test]
fn an_imdb_import_killed_midway_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let imdb = dir.path().join("imdb");
    let mut basics = String::from(
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n",
    );
    for i in 1..=60_000 {
        basics.push_str(&format!("tt{i:07}\tmovie\tFilm {i}\tFilm {i}\t0\t{}\t\\N\t90\tDrama\n", 1900 + i % 120));
    }
    write(&imdb.join("title.basics.tsv"), &basics);
    kill_import_midway(&data, &["imdb".as_ref(), "--all".as_ref(), imdb.as_os_str()], "writing: ");
    let out = marquee().arg("--data").arg(&data).args(["import", "imdb", "--all"]).arg(&imdb).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("60000 created, 0 updated"), "{stdout}");
    assert!(stdout.contains("Read 60000 rows in") && stdout.contains("rows/s)"), "{stdout}");
}

/// Serves an empty store with these environment variables, asks for `/`, stops, and returns
/// what the server logged.
fn log_of_one_request(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut child = marquee()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(dir.path().join("data"))
        .envs(env.iter().copied())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while http_text(port, "/").is_none() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    assert!(child.wait().unwrap().success());
    let mut log = String::new();
    child.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    log
}

#[test]
fn the_access_line_follows_the_logs_format_and_filter() {
    let log = log_of_one_request(&[("MARQUEE_LOG_FORMAT", "json")]);
    let line = log
        .lines()
        .find(|line| line.contains("\"message\":\"request\"") && line.contains("\"path\":\"/\""))
        .unwrap_or_else(|| panic!("a JSON line per request: {log}"));
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(value["fields"]["method"], "GET");
    assert_eq!(value["fields"]["status"], 200);
    assert_eq!(value["fields"]["client"], "127.0.0.1");
    assert_eq!(value["target"], "marquee_web::edge");
    assert!(log.lines().all(|line| serde_json::from_str::<serde_json::Value>(line).is_ok()), "{log}");

    let log = log_of_one_request(&[("MARQUEE_LOG", "warn")]);
    assert!(!log.contains("request"), "no access line when the filter keeps INFO out: {log}");
    let log = log_of_one_request(&[("MARQUEE_LOG", "info,marquee_web::edge=warn")]);
    assert!(!log.contains("path=/"), "the access line has its own target: {log}");
    assert!(log.contains("Marquee is serving"), "{log}");
}
