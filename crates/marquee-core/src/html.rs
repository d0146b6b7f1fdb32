//! HTML that is safe to print without escaping, because Marquee produced or sanitized it.

use std::fmt;

/// Markup that has been sanitized (rendered Markdown) or built from escaped parts.
/// Templates print it as is; every other string they print is escaped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SafeHtml(String);

impl SafeHtml {
    /// Wraps markup that the caller guarantees is sanitized. Only the Markdown renderer and
    /// the JSON-LD serializer in this crate call it.
    pub(crate) fn trusted(markup: String) -> Self {
        SafeHtml(markup)
    }

    /// Re-wraps markup read back from the store, where only the renderer's output is saved.
    pub fn from_stored(markup: String) -> Self {
        SafeHtml(markup)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for SafeHtml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Serializes a value as JSON that can sit inside a `<script type="application/ld+json">`
/// element: `<`, `>` and `&` are written as `\u` escapes so no string can close the element.
pub fn json_for_script<T: serde::Serialize>(value: &T) -> SafeHtml {
    let json = serde_json::to_string(value).expect("serializing plain data to JSON cannot fail");
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    SafeHtml::trusted(out)
}

/// Escapes text for an HTML text node or a quoted attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_for_script_cannot_close_the_script_element() {
        let out = json_for_script(&serde_json::json!({"name": "</script><script>alert(1)</script>"}));
        assert!(!out.as_str().contains("</script"));
        assert!(!out.as_str().contains('<'));
        let back: serde_json::Value = serde_json::from_str(out.as_str()).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn escape_covers_quotes_and_angle_brackets() {
        assert_eq!(escape(r#"<a href="x">'&'"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;");
    }
}
