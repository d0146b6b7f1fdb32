//! The rules the changes layer owns, on a real store (SQLite, or PostgreSQL with
//! `MARQUEE_TEST_DATABASE=postgres`): who may do what, where a review's status may go, revisions
//! and conflicts, refused fields named and nothing written, the content version and the activity
//! log.

use marquee_changes::accounts::{self, Asker, NewAccount, Password};
use marquee_changes::catalogue::{FilmDraft, FilmName};
use marquee_changes::diary::{self, EntryDraft};
use marquee_changes::reviews::{self, ReviewDraft};
use marquee_changes::settings::{self, SiteSettings};
use marquee_changes::{ChangeError, Desk, Member, Problems};
use marquee_core::lifecycle::Intent;
use marquee_core::{Colour, Day, ReviewStatus, Role, Score, Title, VerdictBands, Year};
use marquee_media::MediaStore;
use marquee_store::testing::{self, TestStore};
use marquee_store::{audit, content, revisions};

struct Site {
    desk: Desk,
    owner: Member,
    editor: Member,
    writer: Member,
    other_writer: Member,
    _test: TestStore,
}

async fn site() -> Site {
    let test = testing::fresh().await;
    let desk = Desk::new(test.store.clone(), MediaStore::new(test.dir.path().join("media")));
    let mut members = Vec::new();
    for (name, role) in [
        ("Olive Owner", Role::Owner),
        ("Ed Editor", Role::Editor),
        ("Wren Writer", Role::Writer),
        ("Quill", Role::Writer),
    ] {
        let email = format!("{}@example.org", name.split(' ').next().unwrap().to_lowercase());
        let account = NewAccount {
            email: marquee_core::Email::parse(&email).unwrap(),
            name: Title::parse(name, "name").unwrap(),
            role,
            password: Password::parse("a long enough passphrase", &email).unwrap(),
        };
        let id = accounts::add(&desk, Asker::CommandLine, &account).await.unwrap();
        members.push(Member { id, name: name.into(), role });
    }
    let mut members = members.into_iter();
    Site {
        desk,
        owner: members.next().unwrap(),
        editor: members.next().unwrap(),
        writer: members.next().unwrap(),
        other_writer: members.next().unwrap(),
        _test: test,
    }
}

fn draft(title: &str, year: i64) -> ReviewDraft {
    ReviewDraft {
        film: FilmDraft {
            title: Some(Title::parse(title, "film title").unwrap()),
            year: Some(Year::new(year).unwrap()),
            ..FilmDraft::default()
        },
        body: "A film about **trains**, and the people on them.".into(),
        score: Some(Score::from_tenths(85).unwrap()),
        ..ReviewDraft::default()
    }
}

async fn status_of(site: &Site, id: i64) -> ReviewStatus {
    revisions::editable(&site.desk.store, id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn a_review_moves_only_where_the_members_role_allows() {
    let site = site().await;
    let desk = &site.desk;

    // A writer writes and submits; publishing is for editors.
    let saved =
        reviews::save(desk, &site.writer, None, &draft("Night Train", 1990), Intent::Submit, Problems::default())
            .await
            .unwrap();
    assert_eq!(status_of(&site, saved.id).await, ReviewStatus::Pending);
    let review = reviews::editable(desk, &site.writer, saved.id).await.unwrap();
    let refused = reviews::save(
        desk,
        &site.writer,
        Some(&review),
        &draft("Night Train", 1990),
        Intent::Publish,
        Problems::default(),
    )
    .await;
    assert!(matches!(refused, Err(ChangeError::Forbidden)), "{refused:?}");
    assert_eq!(status_of(&site, saved.id).await, ReviewStatus::Pending, "nothing moved");

    // Another writer cannot even see it; an editor publishes it.
    let hidden = reviews::editable(desk, &site.other_writer, saved.id).await;
    assert!(matches!(hidden, Err(ChangeError::NotFound)), "{hidden:?}");
    let review = reviews::editable(desk, &site.editor, saved.id).await.unwrap();
    let published = reviews::save(
        desk,
        &site.editor,
        Some(&review),
        &draft("Night Train", 1990),
        Intent::Publish,
        Problems::default(),
    )
    .await
    .unwrap();
    assert_eq!(published.revision, saved.revision + 1);
    assert_eq!(status_of(&site, saved.id).await, ReviewStatus::Published);

    // Deleting a published review is not a writer's to do, even their own; the owner may.
    let deleted = reviews::delete(desk, &site.writer, saved.id).await;
    assert!(matches!(deleted, Err(ChangeError::Forbidden)), "{deleted:?}");
    reviews::delete(desk, &site.owner, saved.id).await.unwrap();
    assert!(revisions::editable(&desk.store, saved.id).await.unwrap().is_none());

    // Each move is in the activity log, by whom it was made.
    let (log, _) = audit::recent(&desk.store, 20, 0).await.unwrap();
    let actions: Vec<(&str, &str)> = log.iter().map(|e| (e.action.as_str(), e.actor_name.as_str())).collect();
    assert!(actions.contains(&("review.submitted", "Wren Writer")), "{actions:?}");
    assert!(actions.contains(&("review.published", "Ed Editor")), "{actions:?}");
    assert!(actions.contains(&("review.deleted", "Olive Owner")), "{actions:?}");
}

#[tokio::test]
async fn a_save_from_an_old_revision_is_refused_and_overwrites_nothing() {
    let site = site().await;
    let desk = &site.desk;
    let first =
        reviews::save(desk, &site.writer, None, &draft("Heat", 1995), Intent::Save, Problems::default()).await.unwrap();
    let review = reviews::editable(desk, &site.writer, first.id).await.unwrap();

    let mut mine = draft("Heat", 1995);
    mine.body = "My second thoughts.".into();
    mine.based_on = Some(first.revision);
    let second =
        reviews::save(desk, &site.writer, Some(&review), &mine, Intent::Save, Problems::default()).await.unwrap();

    // The editor still has the first revision open.
    let mut theirs = draft("Heat", 1995);
    theirs.body = "The editor's rewrite.".into();
    theirs.based_on = Some(first.revision);
    let stale = reviews::save(desk, &site.editor, Some(&review), &theirs, Intent::Save, Problems::default()).await;
    match stale {
        Err(ChangeError::Conflict { current_revision }) => assert_eq!(current_revision, second.revision),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let stored = revisions::editable(&desk.store, first.id).await.unwrap().unwrap();
    assert_eq!(stored.body_markdown, "My second thoughts.");
    assert_eq!(stored.revision, second.revision);
}

#[tokio::test]
async fn refused_fields_are_all_named_and_nothing_is_written() {
    let site = site().await;
    let desk = &site.desk;
    let version = content::version(&desk.store).await.unwrap();

    let mut bad = draft("Some Film", 2000);
    bad.body = "   ".into();
    bad.film.title = None;
    bad.publish_at = Some(1); // a schedule in the past
    let refused = reviews::save(desk, &site.editor, None, &bad, Intent::Schedule, Problems::default()).await;
    let Err(ChangeError::Invalid(problems)) = refused else { panic!("expected problems, got {refused:?}") };
    let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
    assert!(fields.contains(&"body") && fields.contains(&"film_title") && fields.contains(&"publish_at"), "{fields:?}");

    // A problem the caller found while typing its input is reported with the rest.
    let mut typed = Problems::default();
    typed.add("score", "Give a score from 0 to 10.");
    let refused = reviews::save(desk, &site.editor, None, &draft("Some Film", 2000), Intent::Save, typed).await;
    assert!(matches!(&refused, Err(ChangeError::Invalid(p)) if p.len() == 1 && p[0].field == "score"), "{refused:?}");

    assert_eq!(content::version(&desk.store).await.unwrap(), version, "nothing was written");
    let (reviews, total) = revisions::list(&desk.store, None, None, 10, 0).await.unwrap();
    assert_eq!((reviews.len(), total), (0, 0));
}

#[tokio::test]
async fn every_change_moves_the_content_version() {
    let site = site().await;
    let desk = &site.desk;
    let before = content::version(&desk.store).await.unwrap();
    let saved = reviews::save(desk, &site.editor, None, &draft("Heat", 1995), Intent::Publish, Problems::default())
        .await
        .unwrap();
    let after_publish = content::version(&desk.store).await.unwrap();
    assert!(after_publish > before);

    let entry = EntryDraft {
        film: FilmName { title: Title::parse("Heat", "film").unwrap(), year: Some(Year::new(1995).unwrap()) },
        watched_on: Day::parse("2026-11-30").unwrap(),
        rating: Some(Score::from_tenths(90).unwrap()),
        rewatch: true,
        liked: true,
        tags: vec![],
        review_text: String::new(),
    };
    let logged = diary::log(desk, &site.writer, &entry, false).await.unwrap();
    let after_diary = content::version(&desk.store).await.unwrap();
    assert!(after_diary > after_publish);

    reviews::delete(desk, &site.editor, saved.id).await.unwrap();
    assert!(content::version(&desk.store).await.unwrap() > after_diary);
    let _ = logged;
}

#[tokio::test]
async fn a_diary_is_its_members_alone() {
    let site = site().await;
    let desk = &site.desk;
    let entry = EntryDraft {
        film: FilmName { title: Title::parse("Close-Up", "film").unwrap(), year: Some(Year::new(1990).unwrap()) },
        watched_on: Day::parse("2026-12-01").unwrap(),
        rating: None,
        rewatch: false,
        liked: false,
        tags: vec!["iran".into()],
        review_text: "Seen again.".into(),
    };
    let id = diary::log(desk, &site.writer, &entry, false).await.unwrap();

    // Not even the owner edits or deletes another member's diary: it is theirs.
    for member in [&site.other_writer, &site.owner] {
        let refused = diary::delete(desk, member, id).await;
        assert!(matches!(refused, Err(ChangeError::Forbidden)), "{refused:?}");
        let refused = diary::edit(desk, member, id, &entry).await;
        assert!(matches!(refused, Err(ChangeError::Forbidden)), "{refused:?}");
    }
    assert!(matches!(diary::delete(desk, &site.writer, id + 1000).await, Err(ChangeError::NotFound)));
    assert_eq!(diary::own_entry(desk, &site.writer, id).await.unwrap().id, id);
    diary::delete(desk, &site.writer, id).await.unwrap();
    assert!(matches!(diary::own_entry(desk, &site.writer, id).await, Err(ChangeError::NotFound)));
}

#[tokio::test]
async fn accounts_and_settings_are_the_owners() {
    let site = site().await;
    let desk = &site.desk;
    let email = "new@example.org";
    let account = NewAccount {
        email: marquee_core::Email::parse(email).unwrap(),
        name: Title::parse("New Member", "name").unwrap(),
        role: Role::Writer,
        password: Password::parse("another long passphrase", email).unwrap(),
    };
    let refused = accounts::add(desk, Asker::Member(&site.editor), &account).await;
    assert!(matches!(refused, Err(ChangeError::Forbidden)), "{refused:?}");
    accounts::add(desk, Asker::Member(&site.owner), &account).await.unwrap();
    let again = accounts::add(desk, Asker::Member(&site.owner), &account).await;
    assert!(matches!(&again, Err(ChangeError::Invalid(p)) if p[0].field == "email"), "{again:?}");

    let settings = SiteSettings {
        title: Title::parse("The Night Screen", "title").unwrap(),
        description: "Reviews after dark.".into(),
        accent: Colour::parse("#225588").unwrap(),
        bands: VerdictBands::default(),
        feed_full: true,
        home_mixed: false,
    };
    let refused = settings::save(desk, &site.editor, &settings).await;
    assert!(matches!(refused, Err(ChangeError::Forbidden)), "{refused:?}");
    settings::save(desk, &site.owner, &settings).await.unwrap();
    assert_eq!(marquee_store::settings::all(&desk.store).await.unwrap()["title"], "The Night Screen");
}
