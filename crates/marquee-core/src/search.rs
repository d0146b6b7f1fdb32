//! Search text handling shared by both databases: folding (lower case, accents removed, so
//! "amelie" finds "Amélie"), query terms, typo correction against known names, and snippets
//! with the matched words marked.

use crate::html::escape;

/// Text as it is indexed and searched: transliterated to ASCII and lower-cased.
pub fn fold(text: &str) -> String {
    deunicode::deunicode(text).to_lowercase()
}

/// The words of a query, folded: letters and digits only, so they are safe in any full-text
/// query syntax. At most eight are kept.
pub fn terms(query: &str) -> Vec<String> {
    fold(query)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(str::to_string)
        .collect()
}

/// Edits (insertions, deletions, substitutions) between two words.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// Terms longer than this are not corrected: no title word is that long, and the cost of
/// comparing grows with the length.
pub const LONGEST_CORRECTED: usize = 32;

/// The closest known word to a mistyped term: one edit away for words of four letters or more,
/// two for eight or more; `None` when nothing is that close (or the term is known already).
/// Only words whose length is within the allowed edits are compared, and a term past
/// `LONGEST_CORRECTED` letters is not: the cost is bounded whatever the reader types.
pub fn correct<'a>(term: &str, vocabulary: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let length = term.chars().count();
    let allowed = match length {
        0..=3 => return None,
        4..=7 => 1,
        8..=LONGEST_CORRECTED => 2,
        _ => return None,
    };
    let mut best: Option<(usize, &str)> = None;
    for word in vocabulary {
        if word == term {
            return None;
        }
        if word.len().abs_diff(length) > allowed {
            continue;
        }
        let distance = edit_distance(term, word);
        if distance <= allowed && best.is_none_or(|(d, w)| distance < d || (distance == d && word < w)) {
            best = Some((distance, word));
        }
    }
    best.map(|(_, word)| word.to_string())
}

/// About `width` words of `text` around the first word that matches a term (a word matches
/// when its folded form starts with the term), HTML-escaped, matches wrapped in `<mark>`.
pub fn snippet(text: &str, terms: &[String], width: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let matches = |word: &str| {
        let folded = fold(word.trim_matches(|c: char| !c.is_alphanumeric()));
        !folded.is_empty() && terms.iter().any(|t| folded.starts_with(t.as_str()))
    };
    let first = words.iter().position(|w| matches(w)).unwrap_or(0);
    let start = first.saturating_sub(width / 3);
    let end = (start + width).min(words.len());
    let mut html = String::new();
    if start > 0 {
        html.push_str("… ");
    }
    for (i, word) in words[start..end].iter().enumerate() {
        if i > 0 {
            html.push(' ');
        }
        if matches(word) {
            html.push_str(&format!("<mark>{}</mark>", escape(word)));
        } else {
            html.push_str(&escape(word));
        }
    }
    if end < words.len() {
        html.push_str(" …");
    }
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_and_case_fold_away() {
        assert_eq!(fold("Amélie Poulain"), "amelie poulain");
        assert_eq!(terms("Amélie, l'été!"), ["amelie", "l", "ete"]);
        assert_eq!(terms("<script>"), ["script"]);
    }

    #[test]
    fn a_typo_in_a_name_is_corrected_to_the_closest_known_word() {
        let names = ["kubrick", "kurosawa", "tarkovsky", "varda"];
        assert_eq!(correct("kubrik", names).as_deref(), Some("kubrick"));
        assert_eq!(correct("tarkovksy", names).as_deref(), Some("tarkovsky"), "a swap is two edits");
        assert_eq!(correct("kubrick", names), None, "known words stay");
        assert_eq!(correct("vrd", names), None, "short words are not guessed");
        assert_eq!(correct("zzzzzz", names), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn the_cost_of_a_correction_is_bounded_whatever_is_typed() {
        let long = "a".repeat(LONGEST_CORRECTED + 1);
        let near = format!("{}b", "a".repeat(LONGEST_CORRECTED));
        assert_eq!(correct(&long, [near.as_str()]), None, "a term past the longest is not compared at all");
        // Words whose length is further than the allowed edits are passed over, and the answer
        // is the one comparing every word would give.
        let vocabulary = ["kubrick", "kubricks", "kub", "kubrickianism", "kubrik"];
        assert_eq!(correct("kubrickk", vocabulary).as_deref(), Some("kubrick"));
    }

    #[test]
    fn snippets_mark_matches_and_escape_the_rest() {
        let text = "One two three <b>four</b> Amélie's garden five six seven";
        let html = snippet(text, &["amelie".to_string()], 4);
        assert_eq!(html, "… &lt;b&gt;four&lt;/b&gt; <mark>Amélie&#39;s</mark> garden five …");
    }
}
