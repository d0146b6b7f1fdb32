//! The values a person or an import types, each parsed once at the edge into a type that cannot
//! hold a wrong one: a film's year and runtime, a title, a day, an email address, an IMDb id, a
//! credit's department, a colour. Each type is defined here alone, with its bounds and the words
//! that say what is wrong, so that a form, the API, an importer and the command line refuse the
//! same input the same way.

use std::fmt;
use std::str::FromStr;

/// Why a typed value was refused: words a person can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueError(pub String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// A film's year of release: 1870 (the first moving pictures) to 2100.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Year(i32);

impl Year {
    pub const FIRST: i32 = 1870;
    pub const LAST: i32 = 2100;

    pub fn new(year: i64) -> Result<Year, ValueError> {
        match i32::try_from(year) {
            Ok(year) if (Self::FIRST..=Self::LAST).contains(&year) => Ok(Year(year)),
            _ => Err(ValueError(format!(
                "{year} is not a film's year: enter one from {} to {}.",
                Self::FIRST,
                Self::LAST
            ))),
        }
    }

    /// Four digits as typed; an empty field is no year.
    pub fn parse_optional(text: &str) -> Result<Option<Year>, ValueError> {
        match text.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .and_then(|year| Year::new(year).ok())
                .map(Some)
                .ok_or_else(|| ValueError(format!("\"{text}\" is not a year: enter four digits, like 1999."))),
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }
}

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A film's running time in whole minutes: 1 to 10,000 (the longest films run for days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Runtime(i64);

impl Runtime {
    pub const MOST: i64 = 10_000;

    pub fn new(minutes: i64) -> Result<Runtime, ValueError> {
        if (1..=Self::MOST).contains(&minutes) {
            Ok(Runtime(minutes))
        } else {
            Err(ValueError(format!("{minutes} is not a runtime: enter whole minutes from 1 to {}.", Self::MOST)))
        }
    }

    pub fn parse_optional(text: &str) -> Result<Option<Runtime>, ValueError> {
        match text.trim() {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .and_then(|minutes| Runtime::new(minutes).ok())
                .map(Some)
                .ok_or_else(|| ValueError(format!("\"{text}\" is not a runtime: enter whole minutes, like 104."))),
        }
    }

    pub fn minutes(self) -> i64 {
        self.0
    }
}

/// A title (of a film, a list, a site): some words, at most 300 characters, trimmed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Title(String);

impl Title {
    pub const LONGEST: usize = 300;

    /// `what` names the thing in the message ("the film's title").
    pub fn parse(text: &str, what: &str) -> Result<Title, ValueError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ValueError(format!("Enter {what}.")));
        }
        if text.chars().count() > Self::LONGEST {
            return Err(ValueError(format!(
                "{} is too long: at most {} characters.",
                capitalised(what),
                Self::LONGEST
            )));
        }
        Ok(Title(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Title {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// A calendar day, written `YYYY-MM-DD` (a diary entry's, a release date).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(time::Date);

const DAY_FORMAT: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

impl Day {
    pub fn parse(text: &str) -> Result<Day, ValueError> {
        time::Date::parse(text.trim(), DAY_FORMAT)
            .map(Day)
            .map_err(|_| ValueError(format!("\"{}\" is not a date: use YYYY-MM-DD.", text.trim())))
    }

    pub fn parse_optional(text: &str) -> Result<Option<Day>, ValueError> {
        match text.trim() {
            "" => Ok(None),
            text => Day::parse(text).map(Some),
        }
    }

    pub fn today() -> Day {
        Day(time::OffsetDateTime::now_utc().date())
    }

    pub fn date(self) -> time::Date {
        self.0
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.format(DAY_FORMAT).map_err(|_| fmt::Error)?)
    }
}

/// An email address: trimmed, lower-cased, with an `@`, no spaces, at most 254 characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Email, ValueError> {
        let email = text.trim().to_lowercase();
        let (local, domain) = email.split_once('@').unwrap_or(("", ""));
        if local.is_empty() || domain.is_empty() || email.chars().any(char::is_whitespace) || email.len() > 254 {
            return Err(ValueError(format!(
                "\"{}\" is not an email address: enter one like name@example.com.",
                text.trim()
            )));
        }
        Ok(Email(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IMDb id: `tt` (a title) or `nm` (a name) followed by seven or more digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ImdbId(String);

impl ImdbId {
    fn parse_with(text: &str, prefix: &str, what: &str) -> Result<ImdbId, ValueError> {
        let text = text.trim();
        let digits = text.strip_prefix(prefix).unwrap_or("");
        if digits.len() >= 7 && digits.len() <= 10 && digits.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ImdbId(text.to_string()))
        } else {
            Err(ValueError(format!("\"{text}\" is not an IMDb {what} id ({prefix} followed by seven or more digits).")))
        }
    }

    /// A title's id, `tt0113277`.
    pub fn title(text: &str) -> Result<ImdbId, ValueError> {
        ImdbId::parse_with(text, "tt", "title")
    }

    /// A person's id, `nm0000134`.
    pub fn name(text: &str) -> Result<ImdbId, ValueError> {
        ImdbId::parse_with(text, "nm", "name")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a person did on a film, as credits record it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Department {
    Directing,
    Writing,
    Cast,
    /// Any other (cinematography, sound, music …), as the source names it.
    Other(String),
}

impl Department {
    /// The departments the review page and the film form show, in that order.
    pub const SHOWN: [Department; 3] = [Department::Directing, Department::Writing, Department::Cast];

    pub fn as_str(&self) -> &str {
        match self {
            Department::Directing => "directing",
            Department::Writing => "writing",
            Department::Cast => "cast",
            Department::Other(name) => name,
        }
    }

    /// A department as stored or as a source names it (`directing`, `director`, `actor` …).
    pub fn parse(text: &str) -> Department {
        match text.trim().to_ascii_lowercase().as_str() {
            "directing" | "director" | "directors" => Department::Directing,
            "writing" | "writer" | "writers" | "screenplay" => Department::Writing,
            "cast" | "actor" | "actress" | "self" | "acting" => Department::Cast,
            other => Department::Other(other.to_string()),
        }
    }
}

impl fmt::Display for Department {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A colour as `#rrggbb`, lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Colour(String);

impl Colour {
    pub fn parse(text: &str) -> Result<Colour, ValueError> {
        let colour = text.trim().to_lowercase();
        if colour.len() == 7 && colour.starts_with('#') && colour[1..].bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Colour(colour))
        } else {
            Err(ValueError(format!("\"{}\" is not a colour like #b3261e.", text.trim())))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Colour {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Colour::parse(s)
    }
}

/// Names or tags typed as one line, split at `separator` (a comma, or a new line for a cast),
/// each trimmed, empty ones left out.
pub fn list_of(text: &str, separator: char) -> Vec<String> {
    text.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_value_keeps_to_its_bounds() {
        assert_eq!(Year::parse_optional("1999").unwrap().map(Year::get), Some(1999));
        assert_eq!(Year::parse_optional(" ").unwrap(), None);
        for bad in ["1869", "2101", "99999999999", "nineteen", "19 99", "-1"] {
            let message = Year::parse_optional(bad).unwrap_err().to_string();
            assert!(message.contains("is not a year"), "{bad}: {message}");
        }
        assert!(Year::new(1870).is_ok() && Year::new(2100).is_ok() && Year::new(i64::MAX).is_err());

        assert_eq!(Runtime::parse_optional("104").unwrap().map(Runtime::minutes), Some(104));
        for bad in ["0", "-5", "10001", "1.5", "long"] {
            assert!(Runtime::parse_optional(bad).is_err(), "{bad}");
        }

        assert_eq!(Title::parse("  Heat ", "the film's title").unwrap().as_str(), "Heat");
        assert_eq!(Title::parse("", "the film's title").unwrap_err().to_string(), "Enter the film's title.");
        assert!(Title::parse(&"x".repeat(301), "a title").unwrap_err().to_string().starts_with("A title is too long"));

        assert_eq!(Day::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        for bad in ["2023-02-29", "2024-13-01", "24-01-01", "yesterday"] {
            assert!(Day::parse(bad).unwrap_err().to_string().contains("is not a date"), "{bad}");
        }

        assert_eq!(Email::parse(" Ada@Example.COM ").unwrap().as_str(), "ada@example.com");
        for bad in ["ada", "@example.com", "ada@", "a da@example.com"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }

        assert!(ImdbId::title("tt0113277").is_ok() && ImdbId::title("tt12345678").is_ok());
        for bad in ["tt123", "nm0000134", "tt01132x7", ""] {
            assert!(ImdbId::title(bad).is_err(), "{bad}");
        }
        assert!(ImdbId::name("nm0000134").is_ok());

        assert_eq!(Department::parse("Director"), Department::Directing);
        assert_eq!(Department::parse("cast").as_str(), "cast");
        assert_eq!(Department::parse("Cinematography"), Department::Other("cinematography".into()));
        assert_eq!(Department::parse(Department::Writing.as_str()), Department::Writing);

        assert_eq!(Colour::parse("#B3261E").unwrap().as_str(), "#b3261e");
        assert!(Colour::parse("red").is_err() && Colour::parse("#12345").is_err());

        assert_eq!(list_of(" a, b ,,c ", ','), ["a", "b", "c"]);
    }
}
