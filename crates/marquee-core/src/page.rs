//! Page numbers of paged lists, as readers type them in `?page=N`.

use std::fmt;

/// A page of a list, from 1 to `PageNumber::LAST`: a number out of that range does not parse, so
/// an offset worked out from one can never overflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageNumber(u32);

impl PageNumber {
    pub const FIRST: PageNumber = PageNumber(1);
    /// Far past any list's end (a million pages), and far from overflowing an offset.
    pub const LAST: u32 = 1_000_000;

    /// `text` as a page number: digits only, from 1 to `LAST`.
    pub fn parse(text: &str) -> Option<PageNumber> {
        if text.is_empty() || text.len() > 7 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = text.parse().ok()?;
        (1..=Self::LAST).contains(&n).then_some(PageNumber(n))
    }

    pub fn get(self) -> i64 {
        i64::from(self.0)
    }

    /// Where this page starts in a list of `per_page` items a page.
    pub fn offset(self, per_page: i64) -> i64 {
        (self.get() - 1).saturating_mul(per_page.max(0))
    }

    /// How many pages `total` items fill, `per_page` a page.
    pub fn count(total: i64, per_page: i64) -> i64 {
        if per_page <= 0 {
            return 0;
        }
        let total = total.max(0);
        total / per_page + i64::from(total % per_page != 0)
    }
}

impl Default for PageNumber {
    fn default() -> Self {
        PageNumber::FIRST
    }
}

impl fmt::Display for PageNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_page_numbers_in_range_parse() {
        assert_eq!(PageNumber::parse("1"), Some(PageNumber::FIRST));
        assert_eq!(PageNumber::parse("1000000").map(PageNumber::get), Some(1_000_000));
        for bad in ["0", "-1", "", "+2", "1.5", "1000001", "9223372036854775807", "18446744073709551617", "٣", " 2"] {
            assert_eq!(PageNumber::parse(bad), None, "{bad:?}");
        }
        assert_eq!(PageNumber::parse("3").unwrap().offset(12), 24);
        assert_eq!(PageNumber::parse("1000000").unwrap().offset(i64::MAX), i64::MAX, "never wraps");
        assert_eq!(PageNumber::count(25, 12), 3);
        assert_eq!(PageNumber::count(0, 12), 0);
    }
}
