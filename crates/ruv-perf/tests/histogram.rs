//! The histogram's statistics are Node's: the same values give the same min, max, mean,
//! stddev, percentiles as a Node `createHistogram` with the event-loop-delay bounds (checked
//! against `node` where it is installed), and Node's answers for an empty histogram and for
//! out-of-range percentiles.

use ruv_core::Code;
use ruv_perf::Histogram;
use std::process::Command;

/// Deterministic values spread over 1 ns .. 10 s (a small LCG: no dependency on a RNG).
fn values() -> Vec<u64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (0..500)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let magnitude = 1u64 << (i % 34);
            1 + (x >> 11) % magnitude
        })
        .collect()
}

#[test]
fn statistics_match_node_for_the_same_values() {
    let vals = values();
    let mut h = Histogram::new();
    for &v in &vals {
        assert!(h.record(v));
    }
    let list = vals
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let ps = [0.001, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 100.0];
    let script = format!(
        "const {{ createHistogram }} = require('perf_hooks');
         const h = createHistogram({{ lowest: 1000n, highest: 2n ** 63n - 1n, figures: 3 }});
         for (const v of [{list}]) h.record(v);
         console.log(JSON.stringify({{ count: h.count, min: h.min, max: h.max, mean: h.mean,
           stddev: h.stddev, p: {ps:?}.map((p) => h.percentile(p)),
           percentiles: [...h.percentiles] }}));"
    );
    let out = match Command::new("node").arg("-e").arg(&script).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("SKIP: node is not installed");
            return;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = format!(
        "{{\"count\":{},\"min\":{},\"max\":{},\"mean\":{},\"stddev\":{},\"p\":[{}],\"percentiles\":[{}]}}",
        h.count(),
        h.min(),
        h.max(),
        js_number(h.mean()),
        js_number(h.stddev()),
        ps.iter()
            .map(|&p| h.percentile(p).unwrap().to_string())
            .collect::<Vec<_>>()
            .join(","),
        h.percentiles()
            .iter()
            .map(|(k, v)| format!("[{},{v}]", js_number(*k)))
            .collect::<Vec<_>>()
            .join(","),
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), ours);
}

/// A double as JavaScript's `JSON.stringify` writes it (for the numbers used here: integers
/// without a fraction, others in Rust's shortest round-trip form, which is JavaScript's).
fn js_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e21 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[test]
fn an_empty_histogram_reads_as_nodes_does() {
    let h = Histogram::new();
    assert_eq!(h.count(), 0);
    assert_eq!(h.min(), i64::MAX as u64);
    assert_eq!(h.max(), 0);
    assert!(h.mean().is_nan());
    assert!(h.stddev().is_nan());
    assert_eq!(h.exceeds(), 0);
    // Node: percentile(50) is 511 (the top of the first bucket) and percentiles [[100, 0]]
    assert_eq!(h.percentile(50.0).unwrap(), 511);
    assert_eq!(h.percentiles(), [(100.0, 0)]);
}

#[test]
fn percentiles_are_ascending_in_key_and_value_and_end_at_100() {
    let mut h = Histogram::new();
    for v in values() {
        h.record(v);
    }
    let ps = h.percentiles();
    assert_eq!(ps[0].0, 0.0);
    assert_eq!(ps.last().unwrap().0, 100.0);
    for w in ps.windows(2) {
        assert!(w[0].0 < w[1].0 || (w[1].0 == 100.0), "{w:?}");
        assert!(w[0].1 <= w[1].1, "{w:?}");
    }
    let mut last = 0;
    for p in [1.0, 50.0, 90.0, 99.0, 99.9, 100.0] {
        let v = h.percentile(p).unwrap();
        assert!(v >= last, "p{p} = {v} < {last}");
        last = v;
    }
    assert_eq!(h.percentile(100.0).unwrap(), h.max());
    assert!(h.min() <= h.percentile(0.001).unwrap());
}

#[test]
fn a_percentile_outside_0_to_100_is_err_out_of_range_with_nodes_message() {
    let h = Histogram::new();
    for (p, shown) in [
        (0.0, "0"),
        (101.0, "101"),
        (-1.5, "-1.5"),
        (f64::NAN, "NaN"),
    ] {
        let e = h.percentile(p).unwrap_err();
        assert_eq!(e.code(), Code::ERR_OUT_OF_RANGE);
        assert_eq!(
            e.to_string(),
            format!(
                "ERR_OUT_OF_RANGE: The value of \"percentile\" is out of range. \
                 It must be > 0 && <= 100. Received {shown}"
            )
        );
    }
}

#[test]
fn reset_forgets_every_value() {
    let mut h = Histogram::new();
    for v in values() {
        h.record(v);
    }
    assert_eq!(h.count(), 500);
    h.reset();
    assert_eq!(h.count(), 0);
    assert_eq!(h.max(), 0);
    assert_eq!(h.percentiles(), [(100.0, 0)]);
    h.record(5_000);
    // the bucket of 5000 (512 ns wide at this magnitude)
    assert_eq!((h.count(), h.min(), h.max()), (1, 4608, 5119));
}

#[test]
fn values_are_kept_to_three_significant_figures() {
    let mut h = Histogram::new();
    h.record(123_456_789);
    let (lo, hi) = (h.min(), h.max());
    assert!(lo <= 123_456_789 && 123_456_789 <= hi);
    assert!((hi - lo) as f64 / 123_456_789.0 < 0.001, "{lo}..{hi}");
}
