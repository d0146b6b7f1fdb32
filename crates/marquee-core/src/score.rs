//! Scores out of 10 with one decimal, and the verdict bands that name them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A score from 0.0 to 10.0 in steps of 0.1, held as tenths so it compares and stores exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Score(u8);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    #[error("score {0} is outside 0 to 10")]
    OutOfRange(String),
    #[error("score {0} has more than one decimal")]
    TooPrecise(String),
    #[error("rating {0} is not a half-star value from 0.5 to 5")]
    BadStars(String),
}

impl Score {
    pub const MAX: Score = Score(100);

    pub fn from_tenths(tenths: i64) -> Result<Score, ScoreError> {
        if (0..=100).contains(&tenths) {
            Ok(Score(tenths as u8))
        } else {
            Err(ScoreError::OutOfRange(format!("{:.1}", tenths as f64 / 10.0)))
        }
    }

    /// Parses a score out of 10 (`9.5`, `7`), refusing more than one decimal.
    pub fn from_f64(value: f64) -> Result<Score, ScoreError> {
        if !value.is_finite() || !(0.0..=10.0).contains(&value) {
            return Err(ScoreError::OutOfRange(value.to_string()));
        }
        let tenths = value * 10.0;
        if (tenths - tenths.round()).abs() > 1e-6 {
            return Err(ScoreError::TooPrecise(value.to_string()));
        }
        Ok(Score(tenths.round() as u8))
    }

    /// Maps Letterboxd-style stars (0.5 to 5 in half steps) to the 10-point scale by doubling.
    pub fn from_stars(stars: f64) -> Result<Score, ScoreError> {
        let doubled = stars * 2.0;
        if !(1.0..=10.0).contains(&doubled) || (doubled - doubled.round()).abs() > 1e-6 {
            return Err(ScoreError::BadStars(stars.to_string()));
        }
        Ok(Score(doubled.round() as u8 * 10))
    }

    pub fn parse(text: &str) -> Result<Score, ScoreError> {
        let value: f64 = text.trim().parse().map_err(|_| ScoreError::OutOfRange(text.to_string()))?;
        Score::from_f64(value)
    }

    pub fn tenths(self) -> i64 {
        i64::from(self.0)
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl TryFrom<f64> for Score {
    type Error = ScoreError;
    fn try_from(value: f64) -> Result<Self, Self::Error> {
        Score::from_f64(value)
    }
}

impl From<Score> for f64 {
    fn from(score: Score) -> f64 {
        score.as_f64()
    }
}

/// Always one decimal: `9.5`, `8.0`.
impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// One band: every score at or above `min` (and below the next band up) gets `label`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VerdictBand {
    pub min: Score,
    pub label: String,
}

impl VerdictBand {
    /// The band's URL segment, e.g. `masterpiece`.
    pub fn slug(&self) -> String {
        crate::slug::slugify(&self.label)
    }
}

/// The site's verdict bands, highest first. The lowest band always starts at 0.0, so every
/// score has a label.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<VerdictBand>", into = "Vec<VerdictBand>")]
pub struct VerdictBands(Vec<VerdictBand>);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VerdictBandsError {
    #[error("there must be at least one verdict band")]
    Empty,
    #[error("verdict band {0} has an empty label")]
    EmptyLabel(usize),
    #[error("two verdict bands are both called \"{0}\"")]
    DuplicateLabel(String),
    #[error("verdict band \"{0}\" starts at {1}, which is not below the band before it")]
    NotDescending(String, Score),
    #[error("the lowest verdict band (\"{0}\") must start at 0.0")]
    LowestNotZero(String),
}

impl VerdictBands {
    pub fn new(mut bands: Vec<VerdictBand>) -> Result<Self, VerdictBandsError> {
        if bands.is_empty() {
            return Err(VerdictBandsError::Empty);
        }
        for (i, band) in bands.iter_mut().enumerate() {
            band.label = band.label.trim().to_string();
            if band.label.is_empty() {
                return Err(VerdictBandsError::EmptyLabel(i + 1));
            }
        }
        for pair in bands.windows(2) {
            if pair[1].min >= pair[0].min {
                return Err(VerdictBandsError::NotDescending(pair[1].label.clone(), pair[1].min));
            }
        }
        let mut slugs = std::collections::HashSet::new();
        for band in &bands {
            if !slugs.insert(band.slug()) {
                return Err(VerdictBandsError::DuplicateLabel(band.label.clone()));
            }
        }
        let lowest = bands.last().expect("checked non-empty above");
        if lowest.min != Score(0) {
            return Err(VerdictBandsError::LowestNotZero(lowest.label.clone()));
        }
        Ok(VerdictBands(bands))
    }

    pub fn bands(&self) -> &[VerdictBand] {
        &self.0
    }

    pub fn band_for(&self, score: Score) -> &VerdictBand {
        self.0
            .iter()
            .find(|band| score >= band.min)
            .expect("the lowest band starts at 0.0, so every score falls in one")
    }

    pub fn label_for(&self, score: Score) -> &str {
        &self.band_for(score).label
    }

    /// The band with this URL segment and the score range it covers: `[min, upper)`, where
    /// `upper` is `None` for the top band.
    pub fn by_slug(&self, slug: &str) -> Option<(&VerdictBand, Option<Score>)> {
        let index = self.0.iter().position(|band| band.slug() == slug)?;
        let upper = index.checked_sub(1).map(|above| self.0[above].min);
        Some((&self.0[index], upper))
    }
}

impl Default for VerdictBands {
    fn default() -> Self {
        let band = |tenths: u8, label: &str| VerdictBand { min: Score(tenths), label: label.to_string() };
        VerdictBands(vec![
            band(90, "Masterpiece"),
            band(80, "Excellent"),
            band(70, "Great"),
            band(60, "Good"),
            band(50, "Mixed"),
            band(40, "Mediocre"),
            band(20, "Poor"),
            band(0, "Awful"),
        ])
    }
}

impl TryFrom<Vec<VerdictBand>> for VerdictBands {
    type Error = VerdictBandsError;
    fn try_from(bands: Vec<VerdictBand>) -> Result<Self, Self::Error> {
        VerdictBands::new(bands)
    }
}

impl From<VerdictBands> for Vec<VerdictBand> {
    fn from(bands: VerdictBands) -> Self {
        bands.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(value: f64) -> Score {
        Score::from_f64(value).unwrap()
    }

    #[test]
    fn scores_keep_one_decimal_and_refuse_more() {
        assert_eq!(s(9.5).to_string(), "9.5");
        assert_eq!(s(8.0).to_string(), "8.0");
        assert_eq!(s(10.0).to_string(), "10.0");
        assert_eq!(s(0.0).to_string(), "0.0");
        assert!(matches!(Score::from_f64(9.55), Err(ScoreError::TooPrecise(_))));
        assert!(matches!(Score::from_f64(11.0), Err(ScoreError::OutOfRange(_))));
        assert!(matches!(Score::from_f64(-0.1), Err(ScoreError::OutOfRange(_))));
        assert!(Score::from_f64(f64::NAN).is_err());
        assert_eq!(Score::parse(" 7.3 ").unwrap().tenths(), 73);
        assert!(Score::parse("seven").is_err());
    }

    #[test]
    fn letterboxd_stars_double_onto_the_ten_point_scale() {
        assert_eq!(Score::from_stars(0.5).unwrap(), s(1.0));
        assert_eq!(Score::from_stars(3.5).unwrap(), s(7.0));
        assert_eq!(Score::from_stars(5.0).unwrap(), s(10.0));
        assert!(Score::from_stars(0.0).is_err());
        assert!(Score::from_stars(3.25).is_err());
        assert!(Score::from_stars(5.5).is_err());
    }

    #[test]
    fn default_bands_label_every_threshold() {
        let bands = VerdictBands::default();
        let cases = [
            (10.0, "Masterpiece"),
            (9.5, "Masterpiece"),
            (9.0, "Masterpiece"),
            (8.9, "Excellent"),
            (8.0, "Excellent"),
            (7.0, "Great"),
            (6.9, "Good"),
            (6.0, "Good"),
            (5.0, "Mixed"),
            (4.0, "Mediocre"),
            (3.9, "Poor"),
            (2.0, "Poor"),
            (1.9, "Awful"),
            (0.0, "Awful"),
        ];
        for (score, label) in cases {
            assert_eq!(bands.label_for(s(score)), label, "score {score}");
        }
    }

    #[test]
    fn bands_must_descend_start_at_zero_and_have_labels() {
        let band = |min: f64, label: &str| VerdictBand { min: s(min), label: label.into() };
        assert!(VerdictBands::new(vec![band(8.0, "Top"), band(0.0, "Rest")]).is_ok());
        assert_eq!(VerdictBands::new(vec![]), Err(VerdictBandsError::Empty));
        assert!(matches!(
            VerdictBands::new(vec![band(5.0, "A"), band(6.0, "B"), band(0.0, "C")]),
            Err(VerdictBandsError::NotDescending(..))
        ));
        assert!(matches!(
            VerdictBands::new(vec![band(5.0, "A"), band(1.0, "B")]),
            Err(VerdictBandsError::LowestNotZero(_))
        ));
        assert!(matches!(
            VerdictBands::new(vec![band(5.0, " "), band(0.0, "B")]),
            Err(VerdictBandsError::EmptyLabel(1))
        ));
        assert!(matches!(
            VerdictBands::new(vec![band(5.0, "Fine"), band(0.0, "fine")]),
            Err(VerdictBandsError::DuplicateLabel(_))
        ));
    }

    #[test]
    fn a_band_is_found_by_slug_with_its_upper_bound() {
        let bands = VerdictBands::default();
        let (band, upper) = bands.by_slug("masterpiece").unwrap();
        assert_eq!(band.min, s(9.0));
        assert_eq!(upper, None);
        let (band, upper) = bands.by_slug("poor").unwrap();
        assert_eq!(band.min, s(2.0));
        assert_eq!(upper, Some(s(4.0)));
        assert!(bands.by_slug("brilliant").is_none());
    }

    #[test]
    fn bands_round_trip_through_json_and_validate_on_the_way_in() {
        let json = serde_json::to_string(&VerdictBands::default()).unwrap();
        let back: VerdictBands = serde_json::from_str(&json).unwrap();
        assert_eq!(back, VerdictBands::default());
        let bad = r#"[{"min": 3.0, "label": "A"}, {"min": 5.0, "label": "B"}]"#;
        assert!(serde_json::from_str::<VerdictBands>(bad).is_err());
    }
}
