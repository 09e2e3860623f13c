//! Node's way of showing a string value inside an error message (`util.inspect` of a
//! string, as `ERR_INVALID_ARG_VALUE` and friends print the value they received).

/// A string as Node's `util.inspect` shows it: in single quotes, or double quotes if it
/// holds a single quote, or backticks if it holds both (and no `${`), else single quotes
/// with `\'`; backslashes, `\b \t \n \f \r` and every other C0 or C1 control character
/// escaped (`\x0B`, `\x1B`, `\x7F` …).
///
/// ```
/// use ruv_core::node_inspect_str;
/// assert_eq!(node_inspect_str("a\0b"), "'a\\x00b'");
/// assert_eq!(node_inspect_str("it's"), "\"it's\"");
/// assert_eq!(node_inspect_str("a\"b'c"), "`a\"b'c`");
/// ```
pub fn node_inspect_str(s: &str) -> String {
    let quote = if !s.contains('\'') {
        '\''
    } else if !s.contains('"') {
        '"'
    } else if !s.contains('`') && !s.contains("${") {
        '`'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\'' if quote == '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (0x7f..=0x9f).contains(&(c as u32)) => {
                out.push_str(&format!("\\x{:02X}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// [`node_inspect_str`] cut as Node's `ERR_INVALID_ARG_VALUE` cuts it: past 128 characters,
/// the first 128 and `...`.
pub fn node_inspect_str_for_error(s: &str) -> String {
    let out = node_inspect_str(s);
    if out.chars().count() > 128 {
        let cut: String = out.chars().take(128).collect();
        return format!("{cut}...");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_quoted_and_escaped_as_node_inspects_them() {
        assert_eq!(node_inspect_str("a\"b'c`"), "'a\"b\\'c`'");
        assert_eq!(
            node_inspect_str("x\x1b\x0b\x7f\u{85}\\"),
            "'x\\x1B\\x0B\\x7F\\x85\\\\'"
        );
        assert_eq!(node_inspect_str("\u{8}\t\n\u{c}\r"), "'\\b\\t\\n\\f\\r'");
        let long = "y".repeat(200);
        let shown = node_inspect_str_for_error(&long);
        assert_eq!(shown.len(), 131);
        assert!(shown.starts_with("'yyy") && shown.ends_with("..."));
    }
}
