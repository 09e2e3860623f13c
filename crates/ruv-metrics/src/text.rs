//! Writing the text format: families, samples, numbers, and histogram buckets.

use hdrhistogram::Histogram;

use crate::names::{escape_help, escape_label_value};

/// Writes one family: `# HELP`, `# TYPE`, then each sample (`name{labels} value`).
pub(crate) fn write_family<'a>(
    out: &mut String,
    name: &str,
    help: &str,
    kind: &str,
    samples: impl Iterator<Item = (&'a str, &'a [(String, String)], f64)>,
) {
    out.push_str("# HELP ");
    out.push_str(name);
    out.push(' ');
    escape_help(help, out);
    out.push('\n');
    out.push_str("# TYPE ");
    out.push_str(name);
    out.push(' ');
    out.push_str(kind);
    out.push('\n');
    for (suffix, labels, value) in samples {
        out.push_str(name);
        out.push_str(suffix);
        if !labels.is_empty() {
            out.push('{');
            for (i, (n, v)) in labels.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(n);
                out.push_str("=\"");
                escape_label_value(v, out);
                out.push('"');
            }
            out.push('}');
        }
        out.push(' ');
        out.push_str(&number(value));
        out.push('\n');
    }
}

/// A value as the format writes it: `NaN`, `+Inf`, `-Inf`, or a decimal that Go's
/// `ParseFloat` (Prometheus's parser) reads back exactly; exponent form only for very large
/// or very small magnitudes.
pub(crate) fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_string()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if v != 0.0 && (v.abs() >= 1e21 || v.abs() < 1e-9) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// For each bound (in the exposed unit), how many recorded values are at or below it: a
/// value counts under the first bound that its hdrhistogram bucket's highest value (times
/// `scale`) does not exceed.
pub(crate) fn cumulative_buckets(h: &Histogram<u64>, scale: f64, bounds: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; bounds.len()];
    for v in h.iter_recorded() {
        let value = h.highest_equivalent(v.value_iterated_to()) as f64 * scale;
        let first = bounds.partition_point(|b| *b < value);
        if first < counts.len() {
            counts[first] += v.count_at_value();
        }
    }
    let mut running = 0u64;
    for c in &mut counts {
        running += *c;
        *c = running;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_go_parsable() {
        assert_eq!(number(42.0), "42");
        assert_eq!(number(0.0), "0");
        assert_eq!(number(-1.5), "-1.5");
        assert_eq!(number(2.5e-6), "0.0000025");
        assert_eq!(number(1e-12), "1e-12");
        assert_eq!(number(3e22), "3e22");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
        for v in [0.1, 1.0 / 3.0, 123456.789, 2.5e-6, 1e-12, 3e22] {
            assert_eq!(number(v).parse::<f64>().unwrap(), v);
        }
    }

    #[test]
    fn buckets_are_cumulative_and_exact_away_from_the_bounds() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 2).unwrap();
        // 1 µs, 3 × 40 µs, 2 ms, and 20 s (above every bound)
        for v in [1_000, 40_000, 40_000, 40_000, 2_000_000, 20_000_000_000] {
            h.record(v).unwrap();
        }
        let bounds = [1e-5, 5e-5, 1e-3, 1e-2, 1.0];
        assert_eq!(cumulative_buckets(&h, 1e-9, &bounds), [1, 4, 4, 5, 5]);
        assert_eq!(cumulative_buckets(&h, 1e-9, &[]), Vec::<u64>::new());
    }

    #[test]
    fn a_value_on_a_bound_counts_at_or_above_it() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000_000, 2).unwrap();
        h.record(1_000_000).unwrap(); // exactly 1 ms
        let c = cumulative_buckets(&h, 1e-9, &[0.00099, 0.001, 0.00102]);
        assert_eq!(c[0], 0, "never below its value");
        assert_eq!(c[2], 1, "within 1% above it");
    }
}
