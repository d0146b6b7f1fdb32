//! Writing in the admin through HTTP: the editor's saves, conflicts and revisions, previews,
//! uploads, films and people, and site settings, against a real store.

mod support;

use marquee_core::ReviewStatus;
use marquee_store::revisions;
use support::{input_value, part, png, review_id};

fn editor_fields<'a>(body: &'a str, revision: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![("film_title", "Night Train"), ("film_year", "1990"), ("body", body), ("revision", revision), ("score", "8.5")]
}

#[tokio::test]
async fn a_second_save_based_on_an_old_revision_is_refused_and_shows_both_texts() {
    let site = support::site().await;
    let mut ana = site.sign_in("editor@example.com").await;
    let mut ben = site.sign_in("owner@example.com").await;
    let id = ana.create_review(&editor_fields("First draft.", "0")).await;
    let path = format!("/admin/reviews/{id}");

    // Both open the editor at the same revision.
    let base = input_value(&ana.page(&path).await, "revision");
    assert_eq!(input_value(&ben.page(&path).await, "revision"), base);

    let first = ana.post(&path, &editor_fields("Ana's careful rewrite of the opening.", &base)).await;
    assert_eq!(first.status(), 303);
    let second = ben.post(&path, &editor_fields("Ben's quick fix, typed meanwhile.", &base)).await;
    assert_eq!(second.status(), 409, "the later save is refused, not merged or overwritten");
    let html = second.text().await.unwrap();
    assert!(html.contains("saved this review while you were editing"), "{html}");
    assert!(
        html.contains("Ana&#39;s careful rewrite") || html.contains("Ana's careful rewrite"),
        "their text is shown"
    );
    assert!(
        html.contains("Ben&#39;s quick fix") || html.contains("Ben's quick fix"),
        "the second person's text is kept"
    );
    let stored = revisions::editable(&site.state.store, id).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "Ana's careful rewrite of the opening.", "nothing was overwritten");

    // Saving again from the conflict page is a deliberate choice, based on the latest revision.
    let latest = input_value(&html, "revision");
    assert_eq!(latest, stored.revision.to_string());
    assert_eq!(ben.post(&path, &editor_fields("Ben's merged text.", &latest)).await.status(), 303);
    let kept: Vec<String> =
        revisions::revisions(&site.state.store, id).await.unwrap().into_iter().map(|r| r.body_markdown).collect();
    assert_eq!(kept, ["Ben's merged text.", "Ana's careful rewrite of the opening.", "First draft."]);
}

#[tokio::test]
async fn every_save_keeps_a_revision_that_can_be_compared_and_restored() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let id = editor.create_review(&editor_fields("The first line.\nA second line.", "0")).await;
    let path = format!("/admin/reviews/{id}");
    let rev = input_value(&editor.page(&path).await, "revision");
    assert_eq!(editor.post(&path, &editor_fields("The first line.\nA better second line.", &rev)).await.status(), 303);

    let list = editor.page(&format!("{path}/revisions")).await;
    assert!(list.contains("Changes from revision 1 to 2"), "the latest change is shown by default");
    assert!(
        list.contains("<del>- A second line.</del>") && list.contains("<ins>+ A better second line.</ins>"),
        "{list}"
    );
    let compared = editor.page(&format!("{path}/revisions?from=2&to=1")).await;
    assert!(compared.contains("Changes from revision 2 to 1"));

    let current = input_value(&editor.page(&path).await, "revision");
    let restored = editor.post(&format!("{path}/revisions/1/restore"), &[("revision", &current)]).await;
    assert_eq!(restored.status(), 303);
    let review = revisions::editable(&site.state.store, id).await.unwrap().unwrap();
    assert_eq!(review.body_markdown, "The first line.\nA second line.");
    assert_eq!(review.revision, 3, "a restore is a new revision: nothing is lost");
    assert_eq!(revisions::revisions(&site.state.store, id).await.unwrap().len(), 3);
    let stale = editor.post(&format!("{path}/revisions/2/restore"), &[("revision", &current)]).await;
    assert_eq!(stale.status(), 409, "a restore based on an old revision conflicts too");
}

#[tokio::test]
async fn the_preview_uses_the_public_renderer_and_sanitizer() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let hostile = "# Title\n\n## A section\n\nText with *emphasis*.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n<img src=x onerror=alert(3)>";
    let live = writer.post("/admin/preview", &[("body", hostile)]).await;
    assert_eq!(live.status(), 200);
    let html = live.text().await.unwrap();
    assert!(
        html.contains("<h2>Title</h2>") && html.contains("<h3>A section</h3>"),
        "an h1 is demoted as on the public page: {html}"
    );
    assert!(html.contains("<em>emphasis</em>"));
    for bad in ["<script", "javascript:", "onerror"] {
        assert!(!html.contains(bad), "{bad} in {html}");
    }
    // Without JavaScript: the Preview button renders the form again with the preview, saving nothing.
    let page = writer
        .post(
            "/admin/reviews/new",
            &[("film_title", "Preview Only"), ("body", hostile), ("action", "preview"), ("revision", "0")],
        )
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("<em>emphasis</em>") && !page.contains("<script>alert"));
    assert!(page.contains("# Title"), "the typed Markdown stays in the form");
    assert_eq!(revisions::list(&site.state.store, None, None, 10, 0).await.unwrap().1, 0, "a preview saves nothing");
}

#[tokio::test]
async fn a_review_with_a_new_film_and_its_poster_is_published_with_all_its_parts() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let uploaded = writer
        .post_multipart(
            "/admin/media",
            reqwest::multipart::Form::new()
                .text("alt", "Rain on the carriage window")
                .part("file", part(png(800, 450), "still.png")),
        )
        .await;
    assert_eq!(uploaded.status(), 303);
    let library = writer.page("/admin/media").await;
    let snippet_start = library.find("![Rain on the carriage window](/media/").expect("a Markdown snippet to paste");
    let snippet = &library[snippet_start..];
    let snippet = snippet[..snippet.find(")").unwrap() + 1].to_string();

    let body = format!("The lights go down.\n\n## The carriage\n\n{snippet}\n\n## The ending\n\nIt arrives.");
    let form = reqwest::multipart::Form::new()
        .text("film_title", "Lantern Keeper")
        .text("film_year", "1987")
        .text("film_runtime", "104")
        .text("film_tagline", "Someone has to keep the light.")
        .text("film_directors", "Ada Moreau")
        .text("film_cast", "Lev Orlov\nMina Sato")
        .text("film_genres", "Drama, Mystery")
        .text("headline", "A beacon")
        .text("body", body)
        .text("summary", "Patient and luminous.")
        .text("score", "8.5")
        .text("tags", "lighthouses, restorations")
        .text("revision", "0")
        .text("action", "submit")
        .part("poster_file", part(png(400, 600), "poster.png"));
    let created = writer.post_multipart("/admin/reviews/new", form).await;
    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let id = review_id(&created);
    let review = revisions::editable(&site.state.store, id).await.unwrap().unwrap();
    assert_eq!(review.status, ReviewStatus::Pending);
    assert_eq!(site.public("/reviews/lantern-keeper-1987").await.0, 404);

    let mut editor = site.sign_in("editor@example.com").await;
    let path = format!("/admin/reviews/{id}");
    let html = editor.page(&path).await;
    let mut fields: Vec<(String, String)> =
        ["film_title", "film_year", "headline", "summary", "score", "tags", "revision"]
            .iter()
            .map(|name| (name.to_string(), input_or_text(&html, name)))
            .collect();
    fields.push(("body".into(), review.body_markdown.clone()));
    fields.push(("action".into(), "publish".into()));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(editor.post(&path, &fields).await.status(), 303);

    let (status, page) = site.public("/reviews/lantern-keeper-1987").await;
    assert_eq!(status, 200);
    for part in [
        "Lantern Keeper",
        "1987",
        "104",
        "Ada Moreau",
        "Lev Orlov",
        "class=\"reading-time\"",
        "A beacon",
        "<h2>The carriage</h2>",
        "alt=\"Rain on the carriage window\"",
        "8.5",
        "Excellent",
        "Patient and luminous.",
        "alt=\"Lantern Keeper poster\"",
        "src=\"/media/",
    ] {
        assert!(page.contains(part), "{part} on the public page");
    }
    assert!(site.public("/").await.1.contains("/reviews/lantern-keeper-1987"), "on the home page at once");
    assert!(site.public("/films/lantern-keeper-1987").await.1.contains("/reviews/lantern-keeper-1987"));
}

/// A field's value in the editor page, from an input's `value` or a textarea's text.
fn input_or_text(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no field {name}"));
    let tag_start = html[..at].rfind('<').unwrap();
    if html[tag_start..].starts_with("<textarea") {
        let rest = &html[at..];
        let start = rest.find('>').unwrap() + 1;
        return rest[start..rest.find("</textarea>").unwrap()].to_string();
    }
    input_value(html, name)
}

#[tokio::test]
async fn the_editor_names_each_bad_field_and_keeps_what_was_typed() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let response = writer
        .post(
            "/admin/reviews/new",
            &[
                ("film_title", ""),
                ("film_year", "nineteen"),
                ("score", "11"),
                ("watched_on", "31/12/2024"),
                ("body", "Kept text.\n\n![](/media/unknown.png)"),
                ("revision", "0"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    for message in [
        "Enter the film&#39;s title.",
        "is not a year",
        "Enter a score from 0 to 10",
        "is not a date: use YYYY-MM-DD",
        "has no alt text",
        "is not in the media library",
    ] {
        assert!(html.contains(message), "{message} in the page");
    }
    assert!(html.contains("Kept text."), "the body typed is kept");
    assert!(html.contains("aria-invalid=\"true\""));
}

#[tokio::test]
async fn a_scheduled_review_publishes_itself_once_at_its_time() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let past = editor
        .post(
            "/admin/reviews/new",
            &[
                ("film_title", "Later"),
                ("body", "Soon."),
                ("revision", "0"),
                ("action", "schedule"),
                ("publish_at", "2001-01-01T10:00"),
            ],
        )
        .await;
    assert_eq!(past.status(), 422, "a time in the past is refused");
    let id = editor
        .create_review(&[
            ("film_title", "Later"),
            ("body", "Soon."),
            ("revision", "0"),
            ("action", "schedule"),
            ("publish_at", "2099-06-01T09:30"),
        ])
        .await;
    let review = revisions::editable(&site.state.store, id).await.unwrap().unwrap();
    assert_eq!(review.status, ReviewStatus::Scheduled);
    assert_eq!(site.public("/reviews/later").await.0, 404);
    let at = review.published_at.unwrap();
    assert_eq!(marquee_store::reviews::publish_due(&site.state.store, at - 1).await.unwrap(), 0);
    assert_eq!(marquee_store::reviews::publish_due(&site.state.store, at).await.unwrap(), 1);
    assert_eq!(marquee_store::reviews::publish_due(&site.state.store, at + 60).await.unwrap(), 0, "once");
    site.state.refresh().await.unwrap();
    assert_eq!(site.public("/reviews/later").await.0, 200);
    // Back to draft: off the public site again.
    let rev = input_value(&editor.page(&format!("/admin/reviews/{id}")).await, "revision");
    let back = editor
        .post(
            &format!("/admin/reviews/{id}"),
            &[("film_title", "Later"), ("body", "Soon."), ("revision", &rev), ("action", "unpublish")],
        )
        .await;
    assert_eq!(back.status(), 303);
    assert_eq!(site.public("/reviews/later").await.0, 404);
}

/// A JPEG carrying an EXIF block with a description and GPS-like text.
fn jpeg_with_exif() -> Vec<u8> {
    let mut plain = Vec::new();
    image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 3, y as u8 * 5, 90]))
        .write_to(&mut std::io::Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .unwrap();
    let text = b"GPSMARKER 51.5007N 0.1246W\0";
    let mut tiff = b"MM\0\x2a\0\0\0\x08".to_vec();
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x010Eu16.to_be_bytes()); // ImageDescription
    tiff.extend_from_slice(&2u16.to_be_bytes()); // ASCII
    tiff.extend_from_slice(&(text.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&26u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    tiff.extend_from_slice(text);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&plain[2..]);
    jpeg
}

#[tokio::test]
async fn uploads_are_judged_by_content_and_every_refusal_says_why() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let upload = |bytes: Vec<u8>, name: &str, alt: &str| {
        reqwest::multipart::Form::new().text("alt", alt.to_string()).part("file", part(bytes, name))
    };
    let bomb = support::png_claiming(30000, 30000);
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec();
    let cases: Vec<(Vec<u8>, &str, &str, &str)> = vec![
        (png(10, 10), "fine.png", "", "Describe the image in the alt text field"),
        (b"just some text, not an image".to_vec(), "notes.png", "Notes", "is not an image Marquee accepts"),
        (svg, "logo.png", "Logo", "SVG images are not accepted"),
        (bomb, "bomb.png", "Bomb", "decompression bomb is refused"),
        (png(10, 10)[..40].to_vec(), "cut.png", "Cut", "corrupt or truncated"),
    ];
    for (bytes, name, alt, message) in cases {
        let response = writer.post_multipart("/admin/media", upload(bytes, name, alt)).await;
        assert_eq!(response.status(), 422, "{name}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(message),
            "{name}: {message} in the page: {}",
            &html[html.find("error-summary").unwrap_or(0)..][..300.min(html.len())]
        );
    }
    let json = writer
        .client
        .post(format!("{}/admin/media", site.base))
        .header("cookie", writer.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; "))
        .header("accept", "application/json")
        .multipart(upload(b"nope".to_vec(), "x.jpg", "X").text("csrf", writer.csrf.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), 422);
    assert!(json.text().await.unwrap().contains("\"error\""));
    let too_big = writer.post_multipart("/admin/media", upload(vec![0u8; 27 * 1024 * 1024], "huge.png", "Huge")).await;
    assert_eq!(too_big.status(), 413);
    assert_eq!(marquee_store::media::library(&site.state.store, 10, 0).await.unwrap().1, 0, "nothing was stored");

    // Metadata goes: what is served is re-encoded without the EXIF block.
    let stored =
        writer.post_multipart("/admin/media", upload(jpeg_with_exif(), "phone.jpg", "A street at night")).await;
    assert_eq!(stored.status(), 303);
    let (items, _) = marquee_store::media::library(&site.state.store, 10, 0).await.unwrap();
    assert_eq!(items[0].alt, "A street at night");
    let image = &items[0].image;
    for width in &image.widths {
        for extension in [image.extension.as_str(), "webp"] {
            let url = format!("{}{}", site.base, image.url(*width, extension));
            let bytes = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
            assert!(bytes.len() > 100, "{url} is served");
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("GPSMARKER") && !text.contains("Exif"), "{url} carries no metadata");
        }
    }
}

#[tokio::test]
async fn editing_a_film_keeps_what_its_form_does_not_show_and_merging_people_moves_credits() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let film = marquee_store::films::FilmInput {
        slug: marquee_core::Slug::parse("harbour-lights-1971").unwrap(),
        title: "Harbour Lights".into(),
        original_title: None,
        year: Some(1971),
        release_date: None,
        runtime_minutes: Some(90),
        tagline: None,
        synopsis: None,
        poster: None,
        backdrop: Some(marquee_store::films::PictureInput::Url("https://example.com/backdrop.jpg".into())),
        imdb_id: Some("tt0000071".into()),
        tmdb_id: Some(71),
        letterboxd_uri: Some("https://letterboxd.com/film/harbour-lights/".into()),
        genres: vec!["Drama".into()],
        countries: vec![],
        languages: vec![],
        credits: vec![
            marquee_store::films::CreditInput::new(marquee_core::Department::Directing, "Ada Moreau"),
            marquee_store::films::CreditInput::new(marquee_core::Department::Writing, "A. Moreau"),
            marquee_store::films::CreditInput {
                job: Some("Cinematography".into()),
                ..marquee_store::films::CreditInput::new(marquee_core::Department::parse("camera"), "Kit Lens")
            },
        ],
    };
    let mut tx = site.state.store.begin().await.unwrap();
    let film_id = marquee_store::films::upsert(&mut tx, &film).await.unwrap();
    tx.commit().await.unwrap();
    let path = format!("/admin/films/{film_id}");
    assert!(editor.page(&path).await.contains("Harbour Lights"));
    let saved = editor
        .post(
            &path,
            &[
                ("title", "Harbour Lights"),
                ("year", "1971"),
                ("runtime", "93"),
                ("genres", "Drama, Noir"),
                ("directors", "Ada Moreau"),
                ("writers", "A. Moreau"),
                ("cast", "Lev Orlov as The Keeper\nMina Sato"),
                ("imdb_id", "tt0000071"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let stored = marquee_store::films::editable(&site.state.store, film_id).await.unwrap().unwrap();
    assert_eq!(stored.runtime_minutes, Some(93));
    assert_eq!(stored.genres, ["Drama", "Noir"]);
    assert_eq!(stored.tmdb_id, Some(71), "kept though not on the form");
    assert_eq!(stored.backdrop, film.backdrop, "kept though not on the form");
    assert!(
        stored.credits.iter().any(|c| c.department.as_str() == "camera" && c.name == "Kit Lens"),
        "other crew kept"
    );
    assert!(stored.credits.iter().any(|c| c.name == "Lev Orlov" && c.character.as_deref() == Some("The Keeper")));
    let bad = editor.post(&path, &[("title", ""), ("year", "71"), ("imdb_id", "0000071")]).await;
    assert_eq!(bad.status(), 422);

    // "A. Moreau" and "Ada Moreau" are one person: merge the first into the second.
    let a = marquee_store::people::by_slug(&site.state.store, "a-moreau").await.unwrap().unwrap();
    let ada = marquee_store::people::by_slug(&site.state.store, "ada-moreau").await.unwrap().unwrap();
    let unknown = editor.post(&format!("/admin/people/{}/merge", a.id), &[("into", "nobody-at-all")]).await;
    assert_eq!(unknown.status(), 422);
    let merged = editor.post(&format!("/admin/people/{}/merge", a.id), &[("into", "ada-moreau")]).await;
    assert_eq!(merged.status(), 303);
    assert!(marquee_store::people::by_slug(&site.state.store, "a-moreau").await.unwrap().is_none());
    let credits = marquee_store::people::by_id(&site.state.store, ada.id).await.unwrap().unwrap().credits;
    assert_eq!(credits, 2, "directing and writing credits, now one person's");
    let mut owner = site.sign_in("owner@example.com").await;
    let activity = owner.page("/admin/activity").await;
    assert!(activity.contains("person.merged") && activity.contains("film.edited"));
}

#[tokio::test]
async fn settings_change_the_public_site_at_once_and_bad_bands_are_refused() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let mut writer = site.sign_in("writer@example.com").await;
    let id = writer.create_review(&editor_fields("Good.", "0")).await;
    let mut editor = site.sign_in("editor@example.com").await;
    let rev = input_value(&editor.page(&format!("/admin/reviews/{id}")).await, "revision");
    let mut publish = editor_fields("Good.", &rev);
    publish.push(("action", "publish"));
    assert_eq!(editor.post(&format!("/admin/reviews/{id}"), &publish).await.status(), 303);
    assert!(site.public("/reviews/night-train-1990").await.1.contains("Excellent"));

    let unordered = owner
        .post(
            "/admin/settings",
            &[
                ("title", "Frames"),
                ("accent", "#336699"),
                ("band_label", "Top"),
                ("band_min", "12"),
                ("band_label", "Rest"),
                ("band_min", "3"),
            ],
        )
        .await;
    assert_eq!(unordered.status(), 422);
    let html = unordered.text().await.unwrap();
    assert!(
        html.contains("Row 1 (&#34;Top&#34;)") || html.contains("Row 1 (&quot;Top&quot;)") || html.contains("Row 1"),
        "{html}"
    );
    let no_zero = owner
        .post(
            "/admin/settings",
            &[("title", "Frames"), ("accent", "#336699"), ("band_label", "Top"), ("band_min", "8")],
        )
        .await;
    assert_eq!(no_zero.status(), 422);
    let bad_colour = owner
        .post(
            "/admin/settings",
            &[("title", "Frames"), ("accent", "red;}</style>"), ("band_label", "All"), ("band_min", "0")],
        )
        .await;
    assert_eq!(bad_colour.status(), 422);
    assert_eq!(site.state.site().title, "Marquee", "refused settings change nothing");

    let saved = owner
        .post(
            "/admin/settings",
            &[
                ("title", "Frames Per Second"),
                ("description", "Reviews by the frame"),
                ("accent", "#336699"),
                ("band_label", "Essential"),
                ("band_min", "8"),
                ("band_label", "Worth it"),
                ("band_min", "5"),
                ("band_label", "Skip"),
                ("band_min", "0"),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let (_, page) = site.public("/reviews/night-train-1990").await;
    assert!(page.contains("Frames Per Second") && page.contains("Essential"), "the public site changed at once");
    let (_, theme) = site.public("/theme.css").await;
    assert!(theme.contains("#336699"));
    assert!(owner.page("/admin/activity").await.contains("settings.changed"));
}

#[tokio::test]
async fn a_poster_chosen_before_a_preview_or_a_refused_save_is_kept() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    let form = reqwest::multipart::Form::new()
        .text("film_title", "Kept Poster")
        .text("film_year", "2001")
        .text("score", "eleven")
        .text("body", "Text.")
        .text("revision", "0")
        .part("poster_file", part(png(300, 450), "kept.png"));
    let refused = writer.post_multipart("/admin/reviews/new", form).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    let media_id = input_value(&html, "poster_media");
    assert!(!media_id.is_empty(), "the upload is remembered by the form");
    assert!(html.contains("Uploaded: kept.png"));
    assert_eq!(
        marquee_store::media::library(&site.state.store, 10, 0).await.unwrap().1,
        1,
        "and recorded, not orphaned"
    );

    let preview = writer
        .post(
            "/admin/reviews/new",
            &[
                ("film_title", "Kept Poster"),
                ("film_year", "2001"),
                ("body", "Text."),
                ("revision", "0"),
                ("poster_media", &media_id),
                ("poster_name", "kept.png"),
                ("action", "preview"),
            ],
        )
        .await;
    assert_eq!(input_value(&preview.text().await.unwrap(), "poster_media"), media_id, "kept across a preview");
    let saved = writer
        .post(
            "/admin/reviews/new",
            &[
                ("film_title", "Kept Poster"),
                ("film_year", "2001"),
                ("body", "Text."),
                ("revision", "0"),
                ("poster_media", &media_id),
            ],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let film = marquee_store::films::by_slug(&site.state.store, "kept-poster-2001").await.unwrap().unwrap();
    assert!(matches!(film.poster, Some(marquee_store::media::Picture::Stored(_))), "the film has the poster");
}

/// On a large site the related-reviews index is rebuilt in the background after a change: the
/// first page after it is drawn with the last index at once, and the new review shows among the
/// related ones as soon as the new index is in (the page cache emptied again then).
#[tokio::test]
async fn after_a_change_pages_use_the_last_related_index_until_the_new_one_is_in() {
    let site = support::site().await;
    site.state.related_in_background_from.store(0, std::sync::atomic::Ordering::Relaxed);
    let mut editor = site.sign_in("editor@example.com").await;
    let words = "Lighthouse keepers, foghorns and the long winter of the northern coast.";
    for (title, year) in [("Beacon", "1961"), ("Keeper", "1962")] {
        editor
            .create_review(&[
                ("film_title", title),
                ("film_year", year),
                ("body", words),
                ("revision", "0"),
                ("action", "publish"),
            ])
            .await;
    }
    site.state.refresh().await.unwrap();
    let (_, page) = site.public("/reviews/beacon-1961").await;
    assert!(page.contains("/reviews/keeper-1962"), "Keeper is related to Beacon");
    editor
        .create_review(&[
            ("film_title", "Foghorn"),
            ("film_year", "1963"),
            ("body", words),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    site.state.refresh().await.unwrap();
    let (status, page) = site.public("/reviews/beacon-1961").await;
    assert_eq!(status, 200);
    assert!(!page.contains("/reviews/foghorn-1963"), "drawn at once with the last index");
    let started = std::time::Instant::now();
    loop {
        if site.public("/reviews/beacon-1961").await.1.contains("/reviews/foghorn-1963") {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the new index came in");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
