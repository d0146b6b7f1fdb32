//! The diary's arithmetic: ratings as stars, and a year of watching summed up (films, hours,
//! how ratings spread, first watches against rewatches, the people watched most).

use crate::Score;
use std::collections::HashMap;

/// A rating in half-stars (1 = ½ star … 10 = 5 stars) from the 10-point scale: Letterboxd's
/// stars doubled. Only whole points are half-stars; other scores are not.
pub fn half_stars(rating: Score) -> Option<u8> {
    let tenths = rating.tenths();
    (tenths >= 10 && tenths % 10 == 0).then_some((tenths / 10) as u8)
}

/// The 10-point rating for `half_stars` half-stars (1 to 10).
pub fn from_half_stars(half_stars: u8) -> Option<Score> {
    (1..=10).contains(&half_stars).then(|| Score::from_tenths(i64::from(half_stars) * 10).ok()).flatten()
}

/// Stars as text: "★★★½". A rating between half-stars rounds down to the half-star below.
pub fn stars(rating: Score) -> String {
    let halves = (rating.tenths() / 10) as usize;
    let mut text = "★".repeat(halves / 2);
    if halves % 2 == 1 {
        text.push('½');
    }
    text
}

/// Stars in words, for screen readers: "3.5 stars out of 5".
pub fn stars_label(rating: Score) -> String {
    let halves = rating.tenths() / 10;
    let whole = halves / 2;
    if halves % 2 == 1 {
        format!("{whole}.5 stars out of 5")
    } else if whole == 1 {
        "1 star out of 5".to_string()
    } else {
        format!("{whole} stars out of 5")
    }
}

/// One diary entry, as the year's summary needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Watch {
    pub film_id: i64,
    pub runtime_minutes: Option<i64>,
    pub rating: Option<Score>,
    pub rewatch: bool,
}

/// A year of watching, summed up.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct YearSummary {
    /// Diary entries (a film watched twice counts twice).
    pub watches: usize,
    pub distinct_films: usize,
    /// Minutes watched, from the runtimes known.
    pub minutes: i64,
    /// Entries whose film has no runtime, left out of `minutes`.
    pub without_runtime: usize,
    /// How many entries had each rating, from ½ star (index 0) to 5 stars (index 9).
    pub distribution: [usize; 10],
    pub unrated: usize,
    pub first_watches: usize,
    pub rewatches: usize,
}

impl YearSummary {
    pub fn of(watches: &[Watch]) -> YearSummary {
        let mut summary = YearSummary { watches: watches.len(), ..YearSummary::default() };
        let mut films = std::collections::HashSet::new();
        for watch in watches {
            films.insert(watch.film_id);
            match watch.runtime_minutes {
                Some(minutes) => summary.minutes += minutes,
                None => summary.without_runtime += 1,
            }
            match watch.rating {
                Some(rating) => {
                    let halves = (rating.tenths() / 10).clamp(1, 10) as usize;
                    summary.distribution[halves - 1] += 1;
                }
                None => summary.unrated += 1,
            }
            if watch.rewatch {
                summary.rewatches += 1;
            } else {
                summary.first_watches += 1;
            }
        }
        summary.distinct_films = films.len();
        summary
    }

    /// Hours watched, to one decimal.
    pub fn hours(&self) -> String {
        format!("{:.1}", self.minutes as f64 / 60.0)
    }
}

/// The people credited most often across the watches: `credits` pairs a film with a person's
/// (slug, name); each watch of the film counts once for each person. The `limit` most watched,
/// most first, then by name.
pub fn most_watched(
    watches: &[Watch],
    credits: &[(i64, String, String)],
    limit: usize,
) -> Vec<(String, String, usize)> {
    let mut watched_per_film: HashMap<i64, usize> = HashMap::new();
    for watch in watches {
        *watched_per_film.entry(watch.film_id).or_default() += 1;
    }
    let mut counts: HashMap<(&str, &str), usize> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for (film_id, slug, name) in credits {
        // A person credited twice on one film (a director who also acts) counts once per watch.
        if !seen.insert((*film_id, slug.as_str())) {
            continue;
        }
        if let Some(n) = watched_per_film.get(film_id) {
            *counts.entry((slug.as_str(), name.as_str())).or_default() += n;
        }
    }
    let mut ranked: Vec<(String, String, usize)> =
        counts.into_iter().map(|((slug, name), n)| (slug.to_string(), name.to_string(), n)).collect();
    ranked.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.1.cmp(&b.1)));
    ranked.truncate(limit);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(tenths: i64) -> Score {
        Score::from_tenths(tenths).unwrap()
    }

    #[test]
    fn half_stars_map_to_the_ten_point_scale_by_doubling() {
        assert_eq!(from_half_stars(7), Some(score(70)));
        assert_eq!(half_stars(score(70)), Some(7));
        assert_eq!(half_stars(score(75)), None, "7.5 is not a half-star rating");
        assert_eq!(from_half_stars(0), None);
        assert_eq!(from_half_stars(11), None);
        assert_eq!(stars(score(70)), "★★★½");
        assert_eq!(stars(score(10)), "½");
        assert_eq!(stars(score(100)), "★★★★★");
        assert_eq!(stars_label(score(70)), "3.5 stars out of 5");
        assert_eq!(stars_label(score(20)), "1 star out of 5");
    }

    #[test]
    fn a_year_sums_watches_hours_ratings_and_rewatches() {
        let watches = vec![
            Watch { film_id: 1, runtime_minutes: Some(120), rating: Some(score(80)), rewatch: false },
            Watch { film_id: 1, runtime_minutes: Some(120), rating: Some(score(90)), rewatch: true },
            Watch { film_id: 2, runtime_minutes: None, rating: None, rewatch: false },
            Watch { film_id: 3, runtime_minutes: Some(95), rating: Some(score(10)), rewatch: false },
        ];
        let summary = YearSummary::of(&watches);
        assert_eq!(summary.watches, 4);
        assert_eq!(summary.distinct_films, 3);
        assert_eq!(summary.minutes, 335);
        assert_eq!(summary.hours(), "5.6");
        assert_eq!(summary.without_runtime, 1);
        assert_eq!(summary.distribution, [1, 0, 0, 0, 0, 0, 0, 1, 1, 0]);
        assert_eq!(summary.unrated, 1);
        assert_eq!((summary.first_watches, summary.rewatches), (3, 1));
    }

    #[test]
    fn the_most_watched_people_count_each_watch_once() {
        let watches = vec![
            Watch { film_id: 1, runtime_minutes: None, rating: None, rewatch: false },
            Watch { film_id: 1, runtime_minutes: None, rating: None, rewatch: true },
            Watch { film_id: 2, runtime_minutes: None, rating: None, rewatch: false },
        ];
        let credits = vec![
            (1, "ada".to_string(), "Ada".to_string()),
            (1, "ada".to_string(), "Ada".to_string()),
            (2, "ada".to_string(), "Ada".to_string()),
            (2, "bo".to_string(), "Bo".to_string()),
            (9, "cy".to_string(), "Cy".to_string()),
        ];
        assert_eq!(
            most_watched(&watches, &credits, 5),
            vec![("ada".to_string(), "Ada".to_string(), 3), ("bo".to_string(), "Bo".to_string(), 1)]
        );
    }
}
