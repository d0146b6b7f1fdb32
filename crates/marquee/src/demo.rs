//! `serve --demo`: sample films, reviews, articles and an About page written for Marquee
//! (fictional films, original text), with posters and stills drawn here, imported through the
//! ordinary Markdown importer; then one critic's public diary across two years (and so her year
//! in review), a ranked list and a watchlist, written through the changes layer as a member's
//! own would be.

use image::{Rgb, RgbImage};
use marquee_changes::catalogue::FilmName;
use marquee_changes::diary::{self, EntryDraft};
use marquee_changes::lists::{self, ListDraft};
use marquee_changes::{Desk, Member};
use marquee_core::{Day, Role, Score, Title, Year};
use marquee_import::markdown::{self, Options};
use marquee_media::MediaStore;
use marquee_store::Store;
use std::path::Path;

const REVIEWS: &[(&str, &str)] = &[
    ("a-timetable-for-two.md", include_str!("../demo/a-timetable-for-two.md")),
    ("backlot-saints.md", include_str!("../demo/backlot-saints.md")),
    ("dust-rider-serenade.md", include_str!("../demo/dust-rider-serenade.md")),
    ("glasshouse-weather.md", include_str!("../demo/glasshouse-weather.md")),
    ("maximum-velocity-protocol.md", include_str!("../demo/maximum-velocity-protocol.md")),
    ("midnight-at-the-kestrel.md", include_str!("../demo/midnight-at-the-kestrel.md")),
    ("signal-from-tarrow-deep.md", include_str!("../demo/signal-from-tarrow-deep.md")),
    ("the-lantern-moth.md", include_str!("../demo/the-lantern-moth.md")),
    ("the-long-tally-of-ezra-cole.md", include_str!("../demo/the-long-tally-of-ezra-cole.md")),
    ("the-nights-of-elodie.md", include_str!("../demo/the-nights-of-elodie.md")),
    ("the-ninth-floor-hums.md", include_str!("../demo/the-ninth-floor-hums.md")),
    ("the-quiet-hour.md", include_str!("../demo/the-quiet-hour.md")),
    ("the-salt-orchard.md", include_str!("../demo/the-salt-orchard.md")),
    ("undertow-street.md", include_str!("../demo/undertow-street.md")),
    ("winter-ledger.md", include_str!("../demo/winter-ledger.md")),
];

const ARTICLES: &[(&str, &str)] = &[
    ("articles/listening-to-the-quiet-hour.md", include_str!("../demo/articles/listening-to-the-quiet-hour.md")),
    (
        "articles/notes-from-the-tarrow-film-festival.md",
        include_str!("../demo/articles/notes-from-the-tarrow-film-festival.md"),
    ),
    ("articles/why-we-score-out-of-ten.md", include_str!("../demo/articles/why-we-score-out-of-ten.md")),
    ("about.md", include_str!("../demo/about.md")),
];

/// The critic whose diary, list and watchlist the demo shows.
const DIARIST: &str = "maren-achterberg";

/// A diary line: film, year, date watched, rating, rewatch, a line of her own.
type Watch = (&'static str, i32, &'static str, Option<&'static str>, bool, &'static str);

/// Her diary.
#[rustfmt::skip]
const DIARY: &[Watch] = &[
    ("The Long Tally of Ezra Cole", 1971, "2025-01-11", Some("8.5"), true, "Third time. The count at the river still lands like a verdict."),
    ("The Salt Orchard", 1974, "2025-02-02", Some("7.5"), false, ""),
    ("Backlot Saints", 1999, "2025-02-23", Some("8"), false, "Funnier than I remembered, and angrier."),
    ("A Timetable for Two", 2016, "2025-03-30", Some("6.5"), false, ""),
    ("Undertow Street", 2006, "2025-06-21", Some("7"), false, ""),
    ("Dust Rider Serenade", 2017, "2025-08-09", Some("5.5"), false, "Lovely songs, a film that never quite arrives."),
    ("The Lantern Moth", 2023, "2025-10-31", Some("8"), true, "Halloween rewatch. The moth sequence is pure nerve."),
    ("The Ninth Floor Hums", 2011, "2025-12-27", Some("6"), false, ""),
    ("The Quiet Hour", 2023, "2026-01-18", Some("8"), false, "Watched with the sound low, as it seems to ask."),
    ("Backlot Saints", 1999, "2026-02-07", Some("8.5"), true, "Better every time; the last reel is a small miracle."),
    ("Maximum Velocity Protocol", 2022, "2026-03-08", Some("4.5"), false, "Loud, and not in a good way."),
    ("The Long Tally of Ezra Cole", 1971, "2026-03-15", Some("9"), true, "Once a year is not too often."),
];

/// Her ranked list: film, year, note.
#[rustfmt::skip]
const LIST: &[(&str, i32, &str)] = &[
    ("The Long Tally of Ezra Cole", 1971, "A western that counts its dead and makes you feel every number."),
    ("Backlot Saints", 1999, "A heist comedy that gets sharper with each viewing."),
    ("The Lantern Moth", 2023, "For the moth sequence alone."),
    ("The Quiet Hour", 2023, "A documentary you can return to like a favourite walk."),
    ("The Salt Orchard", 1974, "An island elegy that keeps its secrets until the third time."),
];

/// Films waiting on her watchlist. (The films the browser suite's own writer logs and lists are
/// kept out of all three, so its film pages show that writer alone.)
const WATCHLIST: &[(&str, i32)] = &[("Glasshouse Weather", 2024), ("Winter Ledger", 1988)];

/// Writes the sample folder under the data directory and imports it; running it again
/// changes nothing.
pub async fn fill(store: &Store, media: &MediaStore, data_dir: &Path) -> anyhow::Result<()> {
    let dir = data_dir.join("demo-source");
    std::fs::create_dir_all(dir.join("posters"))?;
    std::fs::create_dir_all(dir.join("stills"))?;
    std::fs::create_dir_all(dir.join("articles"))?;
    for (name, text) in ARTICLES {
        std::fs::write(dir.join(name), text)?;
    }
    for (name, text) in REVIEWS {
        std::fs::write(dir.join(name), text)?;
        let slug = name.trim_end_matches(".md");
        let poster = dir.join("posters").join(format!("{slug}.png"));
        if !poster.exists() {
            draw_poster(slug).save(&poster)?;
        }
        let still = dir.join("stills").join(format!("{slug}-1.png"));
        if text.contains(&format!("stills/{slug}-1.png")) && !still.exists() {
            draw_still(slug).save(&still)?;
        }
    }
    let summary = markdown::import_dir(store, media, &dir, Options::default(), &marquee_import::Silent).await?;
    cinephile(store, media).await?;
    tracing::info!(%summary, "demo content ready");
    Ok(())
}

fn film(title: &str, year: i32) -> anyhow::Result<FilmName> {
    Ok(FilmName { title: Title::parse(title, "a film's title")?, year: Some(Year::new(year.into())?) })
}

/// The diarist's public diary, ranked list and watchlist, written once.
async fn cinephile(store: &Store, media: &MediaStore) -> anyhow::Result<()> {
    let Some(user) = marquee_store::users::by_slug(store, DIARIST).await? else { return Ok(()) };
    if !marquee_store::diary::recent(store, user.id, 1).await?.is_empty() {
        return Ok(());
    }
    let desk = Desk::new(store.clone(), media.clone());
    let member = Member { id: user.id, name: user.display_name.clone(), role: Role::Writer };
    let bio = "Writes about westerns, thrillers and anything with a ledger in it. Keeps her diary in public.";
    let name = Title::parse(&user.display_name, "a name")?;
    marquee_changes::accounts::save_profile(&desk, &member, &name, bio, true).await?;
    for (title, year, watched, rating, rewatch, text) in DIARY {
        let rating = rating.map(Score::parse).transpose()?;
        let draft = EntryDraft {
            film: film(title, *year)?,
            watched_on: Day::parse(watched)?,
            rating,
            rewatch: *rewatch,
            liked: rating.is_some_and(|r| r.tenths() >= 80),
            tags: Vec::new(),
            review_text: text.to_string(),
        };
        diary::log(&desk, &member, &draft, false).await?;
    }
    let list = ListDraft {
        title: Title::parse("Five films that reward a rewatch", "a list's title")?,
        description: "The films I return to, best first. Each has given me something new on every viewing.".into(),
        ranked: true,
        published: true,
    };
    let id = lists::create(&desk, &member, &list).await?;
    for (title, year, note) in LIST {
        lists::add_film(&desk, &member, id, &film(title, *year)?, note).await?;
    }
    for (title, year) in WATCHLIST {
        lists::watch_later(&desk, &member, &film(title, *year)?).await?;
    }
    Ok(())
}

/// A small deterministic generator, so each film's art is the same on every run.
struct Dice(u64);

impl Dice {
    fn new(seed: &str) -> Dice {
        Dice(seed.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f32 {
        (self.next() % 10_000) as f32 / 10_000.0
    }

    fn colour(&mut self) -> [f32; 3] {
        let hue = self.unit() * 6.0;
        let (s, v) = (0.45 + self.unit() * 0.4, 0.35 + self.unit() * 0.55);
        hsv(hue, s, v)
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [f32; 3] {
    let c = v * s;
    let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = v - c;
    [(r + m) * 255.0, (g + m) * 255.0, (b + m) * 255.0]
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

fn pixel(c: [f32; 3]) -> Rgb<u8> {
    Rgb([c[0].clamp(0.0, 255.0) as u8, c[1].clamp(0.0, 255.0) as u8, c[2].clamp(0.0, 255.0) as u8])
}

/// A 2:3 poster: a graded sky, a sun or moon, layered horizons and a title band.
fn draw_poster(slug: &str) -> RgbImage {
    let (w, h) = (600u32, 900u32);
    let mut dice = Dice::new(slug);
    let (top, bottom, ink) = (dice.colour(), dice.colour(), dice.colour());
    let (sun_x, sun_y, sun_r) =
        (w as f32 * (0.2 + dice.unit() * 0.6), h as f32 * (0.2 + dice.unit() * 0.25), 60.0 + dice.unit() * 90.0);
    let ridges: Vec<(f32, f32, f32)> = (0..3)
        .map(|i| (h as f32 * (0.55 + 0.1 * i as f32), 20.0 + dice.unit() * 40.0, 0.004 + dice.unit() * 0.01))
        .collect();
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let mut c = mix(top, bottom, fy / h as f32);
        let d = ((fx - sun_x).powi(2) + (fy - sun_y).powi(2)).sqrt();
        if d < sun_r {
            c = mix(c, [250.0, 240.0, 215.0], 0.85);
        }
        for (i, (base, amp, freq)) in ridges.iter().enumerate() {
            if fy > base + amp * (fx * freq + i as f32).sin() {
                c = mix(ink, [10.0, 10.0, 12.0], 0.3 + 0.25 * i as f32);
            }
        }
        if fy > h as f32 * 0.86 {
            c = mix(c, [12.0, 12.0, 14.0], 0.75);
        }
        pixel(c)
    })
}

/// A 16:9 still: dusk over a field with a lone figure.
fn draw_still(slug: &str) -> RgbImage {
    let (w, h) = (1280u32, 720u32);
    let mut dice = Dice::new(&format!("{slug}-still"));
    let (sky, glow, ground) = (dice.colour(), dice.colour(), dice.colour());
    let horizon = h as f32 * (0.55 + dice.unit() * 0.15);
    let figure_x = w as f32 * (0.25 + dice.unit() * 0.5);
    RgbImage::from_fn(w, h, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let c = if fy < horizon {
            mix(sky, glow, (fy / horizon).powf(1.6))
        } else {
            mix(ground, [8.0, 8.0, 10.0], (fy - horizon) / (h as f32 - horizon) * 0.8)
        };
        let in_figure = (fx - figure_x).abs() < 9.0 && fy > horizon - 70.0 && fy < horizon + 4.0
            || ((fx - figure_x).powi(2) + (fy - (horizon - 82.0)).powi(2)).sqrt() < 12.0;
        pixel(if in_figure { [15.0, 14.0, 16.0] } else { c })
    })
}
