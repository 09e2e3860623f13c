//! Name and label checks of the text format.

use crate::MetricError;

/// A metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
pub(crate) fn check_name(name: &str) -> Result<(), MetricError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        Ok(())
    } else {
        Err(MetricError::InvalidName(name.to_string()))
    }
}

/// A label name: `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved for Prometheus).
fn check_label_name(name: &str) -> Result<(), MetricError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_') && !name.starts_with("__") {
        Ok(())
    } else {
        Err(MetricError::InvalidLabelName(name.to_string()))
    }
}

/// Checks the label names (valid, each once) and copies the pairs.
pub(crate) fn check_labels(labels: &[(&str, &str)]) -> Result<Vec<(String, String)>, MetricError> {
    for (i, (name, _)) in labels.iter().enumerate() {
        check_label_name(name)?;
        if labels[..i].iter().any(|(n, _)| n == name) {
            return Err(MetricError::ReservedOrDuplicateLabel(name.to_string()));
        }
    }
    Ok(labels
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect())
}

/// A label value as the format quotes it: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub(crate) fn escape_label_value(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A `# HELP` text: `\` → `\\`, newline → `\n` (quotes stay as they are).
pub(crate) fn escape_help(help: &str, out: &mut String) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_names_follow_the_format() {
        for ok in ["a", "_a", ":a", "ruv_loop_iterations_total", "a:b_9"] {
            assert!(check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "9a", "a-b", "a b", "é", "a.b"] {
            assert_eq!(check_name(bad), Err(MetricError::InvalidName(bad.into())));
        }
    }

    #[test]
    fn label_names_follow_the_format_and_double_underscore_is_reserved() {
        assert!(check_labels(&[("class", "cpu"), ("_x", "")]).is_ok());
        for bad in ["", "9", "a:b", "__name__", "a-b"] {
            assert_eq!(
                check_labels(&[(bad, "v")]),
                Err(MetricError::InvalidLabelName(bad.into()))
            );
        }
        assert_eq!(
            check_labels(&[("a", "1"), ("a", "2")]),
            Err(MetricError::ReservedOrDuplicateLabel("a".into()))
        );
    }

    #[test]
    fn escaping_of_label_values_and_help() {
        let mut s = String::new();
        escape_label_value("a\\b\"c\nd", &mut s);
        assert_eq!(s, r#"a\\b\"c\nd"#);
        let mut h = String::new();
        escape_help("say \"hi\"\\\n", &mut h);
        assert_eq!(h, r#"say "hi"\\\n"#);
    }
}
