//! URL slugs: lowercase ASCII letters, digits and single hyphens.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SlugError {
    #[error("slug is empty")]
    Empty,
    #[error("slug \"{0}\" may only hold lowercase letters, digits and single hyphens")]
    Invalid(String),
    #[error("slug \"{0}\" is longer than 120 characters")]
    TooLong(String),
}

impl Slug {
    /// Accepts a slug exactly as written, refusing anything that is not already a slug.
    pub fn parse(text: &str) -> Result<Slug, SlugError> {
        if text.is_empty() {
            return Err(SlugError::Empty);
        }
        if text.len() > 120 {
            return Err(SlugError::TooLong(text.to_string()));
        }
        let valid = text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--");
        if valid {
            Ok(Slug(text.to_string()))
        } else {
            Err(SlugError::Invalid(text.to_string()))
        }
    }

    /// Makes a slug from any text ("Amélie" → `amelie`), or an error when nothing is left.
    pub fn from_text(text: &str) -> Result<Slug, SlugError> {
        let slug = slugify(text);
        if slug.is_empty() {
            return Err(SlugError::Empty);
        }
        Ok(Slug(slug))
    }

    /// The slug of a name: its words, or for a name with no letters or digits in any script
    /// ("…", "?!"), a fingerprint of it, so every name that is not blank has one.
    pub fn naming(text: &str) -> Result<Slug, SlugError> {
        match Slug::from_text(text) {
            Err(SlugError::Empty) if !text.trim().is_empty() => {
                let hash = text
                    .trim()
                    .bytes()
                    .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
                Ok(Slug(format!("n-{:08x}", hash >> 32)))
            }
            other => other,
        }
    }

    /// The default slug of a film or review: its title and year (`vertigo-1958`).
    pub fn for_film(title: &str, year: i32) -> Result<Slug, SlugError> {
        Slug::from_text(&format!("{title} {year}"))
    }

    /// The slug a film's address (and a new review's) starts from: its title's, then its year.
    /// A title with no letters or digits in any script still has one (see `naming`).
    pub fn of_film(title: &str, year: Option<i32>) -> Result<Slug, SlugError> {
        let title = Slug::naming(title)?;
        match year {
            Some(year) => Slug::for_film(title.as_str(), year),
            None => Ok(title),
        }
    }

    /// The slug with a suffix (`heat` → `heat-2`, `about` → `about-page`), shortened to stay a
    /// slug when it is long already.
    pub fn suffixed(&self, suffix: &str) -> Slug {
        let room = 120usize.saturating_sub(suffix.len() + 1);
        let base = self.0[..self.0.len().min(room)].trim_end_matches('-');
        Slug(if base.is_empty() { suffix.to_string() } else { format!("{base}-{suffix}") })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Transliterates to ASCII, lowercases and joins words with single hyphens, at most 120 bytes.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else if c != '\'' {
            pending_hyphen = true;
        }
        if slug.len() >= 120 {
            break;
        }
    }
    slug.truncate(120);
    slug.trim_end_matches('-').to_string()
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_letters_or_digits_get_a_fingerprint_slug() {
        assert_eq!(Slug::naming("Vertigo").unwrap().as_str(), "vertigo");
        let dots = Slug::naming("…").unwrap();
        assert!(dots.as_str().starts_with("n-") && dots.as_str().len() == 10, "{dots:?}");
        assert_eq!(Slug::naming(" … ").unwrap(), dots, "the same name, the same slug");
        assert_ne!(Slug::naming("?!").unwrap(), dots);
        assert!(Slug::naming("   ").is_err());
    }

    #[test]
    fn slugs_transliterate_and_collapse_punctuation() {
        assert_eq!(slugify("Amélie"), "amelie");
        assert_eq!(slugify("  Sorry, Baby!  "), "sorry-baby");
        assert_eq!(slugify("L'Avventura"), "lavventura");
        assert_eq!(slugify("2001: A Space Odyssey"), "2001-a-space-odyssey");
        assert_eq!(slugify("Crouching Tiger — Hidden Dragon"), "crouching-tiger-hidden-dragon");
        assert_eq!(slugify("東京物語"), "dong-jing-wu-yu");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(Slug::for_film("Vertigo", 1958).unwrap().as_str(), "vertigo-1958");
    }

    #[test]
    fn a_suffixed_slug_stays_a_slug_however_long() {
        let heat = Slug::parse("heat").unwrap();
        assert_eq!(heat.suffixed("2").as_str(), "heat-2");
        let long = Slug::parse(&["a"; 60].join("-")).unwrap();
        assert_eq!(long.as_str().len(), 119);
        for suffix in ["2", "10", "page"] {
            let numbered = long.suffixed(suffix);
            assert!(Slug::parse(numbered.as_str()).is_ok(), "{numbered}");
            assert!(numbered.as_str().ends_with(&format!("-{suffix}")));
        }
    }

    #[test]
    fn parse_accepts_only_real_slugs() {
        assert!(Slug::parse("in-the-mood-for-love-2000").is_ok());
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        for bad in ["Upper", "two--hyphens", "-lead", "trail-", "sp ace", "é", "a/b", "../x"] {
            assert!(matches!(Slug::parse(bad), Err(SlugError::Invalid(_))), "{bad}");
        }
        assert!(matches!(Slug::parse(&"a".repeat(121)), Err(SlugError::TooLong(_))));
    }

    #[test]
    fn long_titles_are_cut_without_a_trailing_hyphen() {
        let slug = slugify(&"word ".repeat(60));
        assert!(slug.len() <= 120);
        assert!(!slug.ends_with('-'));
        assert!(Slug::parse(&slug).is_ok());
    }
}
