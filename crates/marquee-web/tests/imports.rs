//! Imports from the admin: uploads streamed to disk, the same importers as the command line run
//! as jobs, their progress and summaries on their pages; roles and forged requests refused.

mod support;

use marquee_store::{accounts, diary, films};
use reqwest::multipart::{Form, Part};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};
use support::*;

fn fixtures(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../marquee-import/tests/fixtures").join(name)
}

/// A folder as a ZIP archive, its files under `prefix`.
fn zipped(dir: &Path, prefix: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = format!("{prefix}{}", path.strip_prefix(dir).unwrap().to_string_lossy());
                zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
                zip.write_all(&std::fs::read(&path).unwrap()).unwrap();
            }
        }
    }
    zip.finish().unwrap().into_inner()
}

/// The upload form as a browser sends it: the token first, then the fields, then the files.
fn upload_form(csrf: &str, fields: &[(&str, &str)], files: Vec<(&str, Vec<u8>)>) -> Form {
    let mut form = Form::new().text("csrf", csrf.to_string());
    for (name, value) in fields {
        form = form.text(name.to_string(), value.to_string());
    }
    for (name, bytes) in files {
        form = form.part("file", Part::bytes(bytes).file_name(name.to_string()));
    }
    form
}

/// Uploads and returns the job's path (the redirect after a started import).
async fn start(browser: &mut Browser, fields: &[(&str, &str)], files: Vec<(&str, Vec<u8>)>) -> String {
    let form = upload_form(&browser.csrf.clone(), fields, files);
    let response = browser.post_multipart_raw("/admin/import", form).await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/admin/import/") && location.ends_with("?notice=started"), "{location}");
    location.trim_end_matches("?notice=started").to_string()
}

/// Polls the job's status until it ends; returns the last status.
async fn finished(browser: &mut Browser, job: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let response = browser.get(&format!("{job}/status")).await;
        assert_eq!(response.status(), 200);
        let status: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
        if status["status"] != "running" {
            return status;
        }
        assert!(Instant::now() < deadline, "the import did not end: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_writer_imports_their_letterboxd_export_and_sees_it_through() {
    let site = site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let page = writer.page("/admin/import").await;
    assert!(page.contains("Letterboxd") && !page.contains("WordPress"), "writers import their own history only");

    let archive = zipped(&fixtures("letterboxd"), "letterboxd-wren-2026-11-25-10-00-utc/");
    let job =
        start(&mut writer, &[("format", "letterboxd"), ("dry_run", "1")], vec![("export.zip", archive.clone())]).await;
    let status = finished(&mut writer, &job).await;
    assert_eq!(status["status"], "done", "{status}");
    assert!(status["summary"].as_str().unwrap().starts_with("Dry run, nothing changed: would be "), "{status}");
    let writer_id = accounts::by_email(&site.state.store, "writer@example.com").await.unwrap().unwrap().id;
    let entries = || diary::of_user_after(&site.state.store, writer_id, None, 10);
    assert!(entries().await.unwrap().is_empty(), "a dry run writes nothing");

    let job = start(&mut writer, &[("format", "letterboxd")], vec![("export.zip", archive)]).await;
    let status = finished(&mut writer, &job).await;
    assert_eq!(status["status"], "done", "{status}");
    let summary = status["summary"].as_str().unwrap().to_string();
    assert!(summary.contains("created") && !summary.starts_with("0 created"), "{summary}");
    assert!(!entries().await.unwrap().is_empty(), "the diary arrived");
    // The finished page shows the summary; the import list names the job.
    // Reached by the redirect after it started, a finished job's page no longer says it started.
    let html = writer.page(&format!("{job}?notice=started")).await;
    assert!(html.contains("Finished.") && html.contains(&summary), "{html}");
    assert!(!html.contains("Started."), "{html}");
    assert!(writer.page("/admin/import").await.contains(&format!("href=\"{job}\"")));
    // Someone else's job is not theirs to see; the owner sees every job.
    let mut other = site.sign_in("other@example.com").await;
    assert_eq!(other.get(&job).await.status(), 404);
    assert_eq!(other.get(&format!("{job}/status")).await.status(), 404);
    let mut owner = site.sign_in("owner@example.com").await;
    assert_eq!(owner.get(&job).await.status(), 200);
}

#[tokio::test]
async fn forged_or_misordered_uploads_start_nothing() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let export = std::fs::read(fixtures("wordpress/export.xml")).unwrap();
    let fields = [("format", "wordpress")];
    for form in [
        // No token at all.
        Form::new().text("format", "wordpress").part("file", Part::bytes(export.clone()).file_name("export.xml")),
        // Another token.
        upload_form(&"0".repeat(64), &fields, vec![("export.xml", export.clone())]),
        // The token after the file: the file would be read before the token is known.
        Form::new()
            .text("format", "wordpress")
            .part("file", Part::bytes(export.clone()).file_name("export.xml"))
            .text("csrf", editor.csrf.clone()),
    ] {
        let response = editor.post_multipart_raw("/admin/import", form).await;
        assert_eq!(response.status(), 403);
    }
    // From another site, even with the token.
    let forged = editor
        .client
        .post(format!("{}/admin/import", editor.base))
        .header("cookie", editor.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
        .header("origin", "https://evil.example")
        .multipart(upload_form(&editor.csrf.clone(), &fields, vec![("export.xml", export.clone())]))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    // Signed out: refused like any form without a session's token.
    let mut anonymous = site.anonymous().await;
    let response = anonymous.post_multipart_raw("/admin/import", upload_form("x", &fields, vec![])).await;
    assert_eq!(response.status(), 403);
    assert!(site.state.jobs.list().is_empty(), "no job started");

    // A writer may not run a site-wide import, however the form is made.
    let mut writer = site.sign_in("writer@example.com").await;
    let form = upload_form(&writer.csrf.clone(), &fields, vec![("export.xml", export)]);
    assert_eq!(writer.post_multipart_raw("/admin/import", form).await.status(), 403);
    // Files before the format, or a field far longer than any form's: refused before reading on.
    let form = Form::new()
        .text("csrf", editor.csrf.clone())
        .part("file", Part::bytes(b"<rss/>".to_vec()).file_name("export.xml"))
        .text("format", "wordpress");
    assert_eq!(editor.post_multipart_raw("/admin/import", form).await.status(), 400);
    let form = Form::new().text("csrf", "x".repeat(100_000)).text("format", "wordpress");
    assert_eq!(editor.post_multipart_raw("/admin/import", form).await.status(), 400);
    // No file, no format: the form again, saying what is missing.
    let form = upload_form(&editor.csrf.clone(), &fields, vec![]);
    let response = editor.post_multipart_raw("/admin/import", form).await;
    assert_eq!(response.status(), 422);
    assert!(response.text().await.unwrap().contains("Choose the file of the WordPress export."));
    assert!(site.state.jobs.list().is_empty());
}

#[tokio::test]
async fn a_failed_import_says_where_and_changes_nothing() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let before = site.state.store.row_counts().await.unwrap();

    let xxe = std::fs::read(fixtures("wordpress/xxe.xml")).unwrap();
    let job = start(&mut editor, &[("format", "wordpress")], vec![("xxe.xml", xxe)]).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "failed", "{status}");
    let failure = status["failure"].as_str().unwrap();
    assert!(failure.contains("xxe.xml:2") && failure.contains("DOCTYPE"), "{failure}");
    let html = editor.page(&job).await;
    assert!(html.contains("Stopped: nothing was changed."), "{html}");

    // A ZIP whose member climbs out of its folder is refused before anything is unpacked.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("../../escaped.md", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(b"+++\ntitle = \"Out\"\nyear = 2000\n+++\nx\n").unwrap();
    let archive = zip.finish().unwrap().into_inner();
    let job = start(&mut editor, &[("format", "markdown")], vec![("site.zip", archive)]).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "failed", "{status}");
    assert!(status["failure"].as_str().unwrap().contains("outside the archive's folder"), "{status}");
    assert_eq!(site.state.store.row_counts().await.unwrap(), before, "the store is as it was");
}

#[tokio::test]
async fn markdown_wordpress_and_imdb_imports_run_from_uploads() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;

    // Markdown files chosen one by one, with an image beside them.
    let review =
        b"+++\ntitle = \"Heat\"\nyear = 1995\nscore = 9\nposter = \"heat.png\"\n+++\nThe diner scene.\n".to_vec();
    let job =
        start(&mut editor, &[("format", "markdown")], vec![("heat.md", review), ("heat.png", png(200, 300))]).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["summary"], "1 created, 0 updated, 0 unchanged, 0 skipped, 0 warning(s).");
    assert_eq!(site.public("/reviews/heat-1995").await.0, 200);

    // A WordPress export with a post that cannot be imported, left out and listed.
    let export = std::fs::read_to_string(fixtures("wordpress/export.xml")).unwrap().replace("[9.5]", "[12]");
    let job = start(&mut editor, &[("format", "wordpress")], vec![("export.xml", export.clone().into_bytes())]).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "failed", "{status}");
    assert!(status["failure"].as_str().unwrap().contains("(post \"Heat (1995)\") score"), "{status}");
    let job =
        start(&mut editor, &[("format", "wordpress"), ("skip_bad", "1")], vec![("export.xml", export.into_bytes())])
            .await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "done", "{status}");
    let details = status["details"].to_string();
    assert!(details.contains("Skipped: ") && details.contains("(post \\\"Heat (1995)\\\") score"), "{details}");
    assert!(
        status["summary"].as_str().unwrap().starts_with("5 created"),
        "the rest came in (Amélie, a draft review; two articles and a draft one; About, a page): {status}"
    );

    // IMDb's files, chosen together, fill in the film.
    let files: Vec<(&str, Vec<u8>)> = ["title.basics.tsv", "title.crew.tsv", "title.principals.tsv", "name.basics.tsv"]
        .into_iter()
        .map(|name| (name, std::fs::read(fixtures("imdb").join(name)).unwrap()))
        .collect();
    let job = start(&mut editor, &[("format", "imdb")], files).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "done", "{status}");
    assert!(status["details"][0].as_str().unwrap().starts_with("Read "), "{status}");
    let heat = films::by_slug(&site.state.store, "heat-1995").await.unwrap().unwrap();
    assert_eq!((heat.imdb_id.as_deref(), heat.runtime_minutes), (Some("tt0113277"), Some(170)));
    let page = site.public("/films/heat-1995").await.1;
    assert!(page.contains("Al Pacino") && page.contains("Michael Mann"), "the film page shows the people");
}

#[tokio::test]
async fn an_upload_cannot_reach_files_elsewhere_on_the_server_nor_learn_where_they_are() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let elsewhere = tempfile::tempdir().unwrap();
    let secret = elsewhere.path().join("secret.png");
    std::fs::write(&secret, png(60, 60)).unwrap();
    let climb = format!("{}{}", "../".repeat(40), secret.display().to_string().trim_start_matches('/'));
    let missing = climb.replace("secret.png", "missing.png");
    let folder = tempfile::tempdir().unwrap();
    let content = folder.path().join("site/content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("a.md"),
        format!("+++\ntitle = \"Leak\"\nyear = 2001\nposter = \"{climb}\"\n+++\n![x]({climb})\n"),
    )
    .unwrap();
    std::fs::write(content.join("b.md"), format!("+++\ntitle = \"Probe\"\nyear = 2002\nposter = \"{missing}\"\n+++\n"))
        .unwrap();
    std::fs::write(
        content.join("c.md"),
        format!("+++\ntitle = \"Rooted\"\nyear = 2003\nposter = \"/{}\"\n+++\n", "../".repeat(40) + "etc/hostname"),
    )
    .unwrap();
    let archive = zipped(folder.path(), "");
    let job = start(&mut editor, &[("format", "markdown")], vec![("site.zip", archive)]).await;
    let status = finished(&mut editor, &job).await;
    assert_eq!(status["status"], "failed", "{status}");
    let failure = status["failure"].as_str().unwrap();
    assert!(
        failure.contains("a.md:4: poster: image") && failure.contains("is outside the imported folder"),
        "{failure}"
    );
    assert!(failure.contains("a.md: body: image"), "{failure}");
    assert!(
        failure.contains("b.md:4: poster: image") && failure.contains("is outside the imported folder"),
        "{failure}"
    );
    assert!(failure.contains("c.md:4: poster: image"), "{failure}");
    assert_eq!(failure.matches("is outside the imported folder").count(), 4, "a missing file reads as an existing one");
    let temp = std::env::temp_dir().display().to_string();
    assert!(!failure.contains(&format!("{temp}/marquee-import")), "no server path shown: {failure}");
    assert!(failure.contains("unpacked/site/content/a.md"), "files named as in the upload: {failure}");
    assert_eq!(site.state.store.row_counts().await.unwrap()["media"], 0);
}
