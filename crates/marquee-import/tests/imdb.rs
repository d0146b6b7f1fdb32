//! `import imdb` against dataset files written for these tests from the format's published
//! structure (tab-separated, `\N` for null, no quoting, a title that opens a quote it never
//! closes, CRLF in one file and a BOM in another, 8-digit ids, a person missing from
//! name.basics, twins of a title and year) and a real database.

use marquee_core::Department;
use marquee_core::{Role, Slug};
use marquee_import::imdb::{import, Options, Report};
use marquee_import::{ImportError, Silent};
use marquee_store::films::{self, CreditInput, FilmInput};

const DIRECTING: Department = Department::Directing;
const WRITING: Department = Department::Writing;
const CAST: Department = Department::Cast;
use marquee_store::{accounts, dump, lists, people, search, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imdb")
}

/// A copy of the sample in `dir`, each file passed through `edit`.
fn sample_edited(dir: &Path, edit: impl Fn(&str, String) -> String) -> PathBuf {
    let copy = dir.join("imdb");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        std::fs::write(copy.join(&name), edit(&name, std::fs::read_to_string(&path).unwrap())).unwrap();
    }
    copy
}

fn credit(name: &str, department: Department) -> CreditInput {
    CreditInput::new(department, name)
}

/// The store a writer has before fetching IMDb's files: some films linked, some not, some with
/// facts of their own; all on a member's watchlist (people are given to films in use).
async fn store_with_films() -> marquee_store::testing::TestStore {
    let test = marquee_store::testing::fresh().await;
    let mut tx = test.store.begin().await.unwrap();
    let member = accounts::create(&mut tx, "cine@example.com", "Cine Phile", Role::Writer, "x").await.unwrap();
    let film = |slug: &str, title: &str, year: i32| FilmInput::titled(Slug::parse(slug).unwrap(), title, Some(year));
    // Linked by id; its director typed by hand, without an id.
    let heat = FilmInput {
        imdb_id: Some("tt0113277".into()),
        credits: vec![credit("Michael Mann", DIRECTING)],
        ..film("heat-1995", "Heat", 1995)
    };
    // Found by title and year; the runtime is the writer's own and stays.
    let dune = FilmInput { runtime_minutes: Some(156), ..film("dune-2021", "Dune", 2021) };
    let amelie = film("amelie-2001", "Amélie", 2001);
    let twins = film("twins-1988", "Twins", 1988);
    let father = FilmInput { imdb_id: Some("tt10272386".into()), ..film("the-father-2020", "The Father", 2020) };
    let unknown = film("no-such-film-2023", "No Such Film", 2023);
    for input in [heat, dune, amelie, twins, father, unknown] {
        let id = films::upsert(&mut tx, &input).await.unwrap();
        lists::watchlist_add(&mut tx, member, id).await.unwrap();
    }
    tx.commit().await.unwrap();
    test
}

async fn film(store: &Store, slug: &str) -> films::Film {
    films::by_slug(store, slug).await.unwrap().unwrap_or_else(|| panic!("no film {slug}"))
}

async fn credits(store: &Store, slug: &str, department: Department) -> Vec<(String, Option<String>)> {
    let id = film(store, slug).await.id;
    films::credits(store, id)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.department == department)
        .map(|c| (c.person_name, c.character))
        .collect()
}

async fn genres(store: &Store, slug: &str) -> Vec<String> {
    let id = film(store, slug).await.id;
    films::genres(store, id).await.unwrap().into_iter().map(|g| g.name).collect()
}

async fn run(store: &Store, dir: &Path, options: Options) -> Report {
    import(store, dir, options, &Silent).await.unwrap()
}

fn names(list: &[&str]) -> Vec<(String, Option<String>)> {
    list.iter().map(|n| (n.to_string(), None)).collect()
}

#[tokio::test]
async fn films_in_the_store_get_what_they_lack_and_keep_what_they_have() {
    let test = store_with_films().await;
    let store = &test.store;
    let report = run(store, &sample(), Options::default()).await;

    // Linked by id: runtime and genres filled, the cast added in billing order (the file lists
    // them out of order) with their characters, the hand-typed director identified, not doubled.
    let heat = film(store, "heat-1995").await;
    assert_eq!(heat.runtime_minutes, Some(170));
    assert_eq!(heat.original_title, None, "an original title equal to the title says nothing");
    assert_eq!(genres(store, "heat-1995").await, ["Action", "Crime", "Drama"]);
    assert_eq!(
        credits(store, "heat-1995", CAST).await,
        [
            ("Al Pacino".to_string(), Some("Lt. Vincent Hanna".to_string())),
            ("Robert De Niro".to_string(), Some("Neil McCauley".to_string())),
            ("Val Kilmer".to_string(), Some("Chris Shiherlis".to_string())),
        ],
        "the composer is not cast; the actor missing from name.basics is left out"
    );
    assert_eq!(credits(store, "heat-1995", DIRECTING).await, names(&["Michael Mann"]));
    assert_eq!(credits(store, "heat-1995", WRITING).await, names(&["Michael Mann"]));
    let mann = people::by_slug(store, "michael-mann").await.unwrap().unwrap();
    assert_eq!(mann.imdb_id.as_deref(), Some("nm0000520"));
    assert!(people::by_slug(store, "michael-mann-2").await.unwrap().is_none(), "one Michael Mann");

    // Found by title and year among two Dunes and a TV episode called Heat; the writer's
    // runtime stays; the original title is the one IMDb knows.
    let dune = film(store, "dune-2021").await;
    assert_eq!(dune.imdb_id.as_deref(), Some("tt1160419"));
    assert_eq!(dune.runtime_minutes, Some(156));
    assert_eq!(dune.original_title.as_deref(), Some("Dune: Part One"));
    assert_eq!(credits(store, "dune-2021", DIRECTING).await, names(&["Denis Villeneuve"]));
    assert_eq!(
        credits(store, "dune-2021", WRITING).await,
        names(&["Jon Spaihts", "Denis Villeneuve", "Eric Roth", "Frank Herbert"])
    );
    assert_eq!(credits(store, "dune-2021", CAST).await[0].1.as_deref(), Some("Paul \"Usul\" Atreides"));

    // Non-ASCII titles match; several characters are joined.
    let amelie = film(store, "amelie-2001").await;
    assert_eq!(amelie.imdb_id.as_deref(), Some("tt0211915"));
    assert_eq!(amelie.original_title.as_deref(), Some("Le fabuleux destin d'Amélie Poulain"));
    assert_eq!(credits(store, "amelie-2001", CAST).await[2].1.as_deref(), Some("Raphaël Poulain / Narrator"));
    // Eight-digit ids.
    assert_eq!(credits(store, "the-father-2020", CAST).await[0].0, "Anthony Hopkins");

    // Two films called Twins in 1988: the store's stays unlinked, with a warning naming both.
    let twins = film(store, "twins-1988").await;
    assert_eq!((twins.imdb_id, twins.runtime_minutes), (None, None));
    assert!(
        report.summary.warnings.iter().any(|w| w.to_string().contains("tt0096320, tt9900001")),
        "{:?}",
        report.summary.warnings
    );
    assert!(report.summary.warnings.iter().any(|w| w.to_string().contains("1 people credited")));
    assert_eq!(film(store, "no-such-film-2023").await.imdb_id, None);
    // Without --all nothing is added but people.
    assert!(films::by_slug(store, "the-godfather-1972").await.unwrap().is_none());
    assert_eq!(report.summary.updated, 4, "{:?}", report.summary);
    assert!(report.rows >= 60, "every row of the four files is read: {}", report.rows);

    // The same files again change nothing.
    let before = dump::checksums(&dump::read(store).await.unwrap());
    let again = run(store, &sample(), Options::default()).await;
    assert_eq!((again.summary.created, again.summary.updated), (0, 0), "{:?}", again.summary);
    assert_eq!(again.summary.unchanged, 4, "{:?}", again.summary);
    assert_eq!(dump::checksums(&dump::read(store).await.unwrap()), before);
}

fn gzip(path: &Path, text: &str) {
    let mut encoder = flate2::write::GzEncoder::new(std::fs::File::create(path).unwrap(), flate2::Compression::fast());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap();
}

#[tokio::test]
async fn gzipped_files_read_the_same_as_plain_ones() {
    let plain = store_with_films().await;
    run(&plain.store, &sample(), Options::default()).await;
    let zipped = store_with_films().await;
    let dir = zipped.dir.path().join("gz");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(sample()).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("{}.gz", path.file_name().unwrap().to_string_lossy());
        gzip(&dir.join(name), &std::fs::read_to_string(&path).unwrap());
    }
    let report = run(&zipped.store, &dir, Options::default()).await;
    assert_eq!(report.summary.updated, 4);
    for slug in ["heat-1995", "dune-2021", "amelie-2001"] {
        for department in [DIRECTING, WRITING, CAST] {
            assert_eq!(
                credits(&plain.store, slug, department.clone()).await,
                credits(&zipped.store, slug, department).await
            );
        }
        assert_eq!(film(&plain.store, slug).await.runtime_minutes, film(&zipped.store, slug).await.runtime_minutes);
    }
}

#[tokio::test]
async fn a_bad_row_is_named_by_file_line_and_field_and_stops_or_is_skipped() {
    let test = store_with_films().await;
    let store = &test.store;
    let before = dump::checksums(&dump::read(store).await.unwrap());
    let dir = sample_edited(test.dir.path(), |name, text| match name {
        "title.basics.tsv" => text.replace("Heat\t0\t1995\t\\N\t170", "Heat\t0\t1995\t\\N\t17O"),
        "title.principals.tsv" => {
            text.replace("tt0211915\t2\tnm0450826\tactor\t\\N\t", "tt0211915\t2\tnm0450826\tactor\t")
        }
        _ => text,
    });
    let error = import(store, &dir, Options::default(), &Silent).await.unwrap_err();
    let ImportError::BadFiles(problems) = &error else { panic!("{error}") };
    let message = problems[0].to_string();
    assert!(message.contains("title.basics.tsv:6: runtimeMinutes: \"17O\" is not a number"), "{message}");
    assert_eq!(dump::checksums(&dump::read(store).await.unwrap()), before, "nothing written");

    let report = run(store, &dir, Options { skip_bad: true, ..Options::default() }).await;
    let skipped: Vec<String> = report.summary.skipped.iter().map(ToString::to_string).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(skipped[0].ends_with("title.basics.tsv:6: runtimeMinutes: \"17O\" is not a number"), "{skipped:?}");
    assert!(
        skipped[1].ends_with("title.principals.tsv:11: 5 tab-separated fields where the header has 6"),
        "{skipped:?}"
    );
    // The rest came in: Heat was skipped, Dune and Amélie (but Kassovitz) were not.
    assert_eq!(film(store, "heat-1995").await.runtime_minutes, None);
    assert_eq!(film(store, "dune-2021").await.imdb_id.as_deref(), Some("tt1160419"));
    let amelie: Vec<String> = credits(store, "amelie-2001", CAST).await.into_iter().map(|c| c.0).collect();
    assert_eq!(amelie, ["Audrey Tautou", "André Dussollier"]);
}

#[tokio::test]
async fn a_missing_or_wrong_file_is_refused_with_what_to_do() {
    let test = store_with_films().await;
    let empty = test.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let error = import(&test.store, &empty, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(error.contains("no title.basics.tsv.gz (or title.basics.tsv) here"), "{error}");

    let dir = sample_edited(test.dir.path(), |name, text| match name {
        "title.basics.tsv" => text.replacen("runtimeMinutes", "minutes", 1),
        _ => text,
    });
    let error = import(&test.store, &dir, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(error.contains("title.basics.tsv:1: runtimeMinutes: no runtimeMinutes column"), "{error}");

    // Something else named like a dataset: one endless line is refused, not held in memory.
    let endless = test.dir.path().join("endless");
    std::fs::create_dir_all(&endless).unwrap();
    let header =
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n";
    gzip(&endless.join("title.basics.tsv.gz"), &format!("{header}{}", "x".repeat(3 * 1024 * 1024)));
    let error = import(&test.store, &endless, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(error.contains("title.basics.tsv.gz:2: a row longer than 1024 KB"), "{error}");

    // A download cut short: the gzip stream ends early.
    let cut = test.dir.path().join("cut");
    std::fs::create_dir_all(&cut).unwrap();
    gzip(&cut.join("title.basics.tsv.gz"), &std::fs::read_to_string(sample().join("title.basics.tsv")).unwrap());
    let bytes = std::fs::read(cut.join("title.basics.tsv.gz")).unwrap();
    std::fs::write(cut.join("title.basics.tsv.gz"), &bytes[..bytes.len() / 2]).unwrap();
    let error = import(&test.store, &cut, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(error.contains("title.basics.tsv.gz"), "{error}");
    assert_eq!(film(&test.store, "heat-1995").await.runtime_minutes, None);
}

#[tokio::test]
async fn with_all_the_catalogues_films_arrive_with_genres_and_directors() {
    let test = store_with_films().await;
    let store = &test.store;
    let dry = run(store, &sample(), Options { all: true, dry_run: true, ..Options::default() }).await;
    assert!(dry.summary.created > 0 && dry.summary.updated == 4, "{:?}", dry.summary);
    assert!(films::by_slug(store, "the-godfather-1972").await.unwrap().is_none(), "a dry run writes nothing");

    let report = run(store, &sample(), Options { all: true, ..Options::default() }).await;
    assert_eq!(report.summary.created, dry.summary.created);
    let godfather = film(store, "the-godfather-1972").await;
    assert_eq!((godfather.imdb_id.as_deref(), godfather.runtime_minutes), (Some("tt0068646"), Some(175)));
    assert_eq!(genres(store, "the-godfather-1972").await, ["Crime", "Drama"]);
    assert_eq!(credits(store, "the-godfather-1972", DIRECTING).await, names(&["Francis Ford Coppola"]));
    assert_eq!(film(store, "dune-1984").await.imdb_id.as_deref(), Some("tt0087182"));
    assert_eq!(film(store, "christmas-at-the-lodge-2019").await.imdb_id.as_deref(), Some("tt3000001"));
    // The title that opens a quote it never closes is read as written, and the rows after it too.
    assert_eq!(film(store, "aloha-1999").await.title, "\"Aloha");
    // Either twin may be the store's own Twins: neither is added beside it, and it stays as it was.
    assert!(films::by_slug(store, "twins-1988-2").await.unwrap().is_none());
    assert_eq!(film(store, "twins-1988").await.imdb_id, None);
    // A TV film of a store film's title and year is another film, and joins the catalogue.
    assert_eq!(film(store, "dune-2021-2").await.imdb_id.as_deref(), Some("tt1160420"));
    // Not films: shorts, episodes, series, adult titles.
    for slug in ["carmencita-1894", "game-of-thrones-2011", "unrated-nights-2005", "heat-1995-2", "amelie-2001-2"] {
        assert!(films::by_slug(store, slug).await.unwrap().is_none(), "{slug}");
    }
    // Linked films are not added twice.
    assert!(films::by_slug(store, "dune-2021-3").await.unwrap().is_none());
    // The catalogue serves film pickers; the public search still finds what the site is about.
    let (picked, _) = films::search(store, "godfather", 10, 0).await.unwrap();
    assert_eq!(picked.len(), 1);
    let suggested: Vec<String> =
        films::suggestions(store, "the", 10).await.unwrap().into_iter().map(|f| f.title).collect();
    assert_eq!(suggested, ["The Father", "The Godfather", "Christmas at the Lodge"], "titles starting so first");
    let found = |term: &str| {
        let terms = vec![term.to_string()];
        async move { search::find(store, &terms, &search::Narrowing::default(), 10, 0).await.unwrap().1 }
    };
    assert_eq!(found("godfather").await, 0, "unreviewed catalogue films are not search results");
    assert_eq!(found("coppola").await, 0, "nor the people only they name");
    assert_eq!(found("pacino").await, 0, "films only on a private watchlist have no public page: none is found");
    // Logged in a public diary, Heat has a page, and search finds it by the cast it was given.
    let member = accounts::by_email(store, "cine@example.com").await.unwrap().unwrap().id;
    let mut tx = store.begin().await.unwrap();
    accounts::set_profile(&mut tx, member, "Cine Phile", "", true).await.unwrap();
    let entry = marquee_store::diary::EntryInput {
        film_id: film(store, "heat-1995").await.id,
        watched_on: "2025-01-01".into(),
        rating: None,
        rewatch: false,
        liked: false,
        tags: Vec::new(),
        review_text: String::new(),
    };
    marquee_store::diary::create(&mut tx, member, &entry).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(found("pacino").await, 1, "Heat, by its cast (its people have pages only once it is reviewed)");

    let before = dump::checksums(&dump::read(store).await.unwrap());
    let again = run(store, &sample(), Options { all: true, ..Options::default() }).await;
    assert_eq!((again.summary.created, again.summary.updated), (0, 0), "{:?}", again.summary);
    assert_eq!(dump::checksums(&dump::read(store).await.unwrap()), before);
}

#[tokio::test]
async fn a_title_two_store_films_would_take_goes_to_neither() {
    let test = marquee_store::testing::fresh().await;
    let mut tx = test.store.begin().await.unwrap();
    for slug in ["heat-1995", "heat-1995-2"] {
        films::upsert(&mut tx, &FilmInput::titled(Slug::parse(slug).unwrap(), "Heat", Some(1995))).await.unwrap();
    }
    tx.commit().await.unwrap();
    let report = run(&test.store, &sample(), Options { all: true, ..Options::default() }).await;
    let warnings: Vec<String> = report.summary.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("tt0113277 fits 2 films of the store (Heat, Heat): none is given it")),
        "{warnings:?}"
    );
    for slug in ["heat-1995", "heat-1995-2"] {
        assert_eq!(film(&test.store, slug).await.imdb_id, None);
    }
    assert!(films::by_slug(&test.store, "heat-1995-3").await.unwrap().is_none(), "nor added beside them");
}
