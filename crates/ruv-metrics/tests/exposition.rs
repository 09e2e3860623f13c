//! The rendered text is valid Prometheus text exposition (0.0.4), checked by parsing it back
//! line by line: names, HELP and TYPE before a family's samples, families contiguous,
//! counters ending in `_total`, histogram buckets cumulative and ending in `+Inf` equal to
//! `_count`, and label values escaped so that they read back as given.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc;
use std::time::Duration;

use ruv_core::{Loop, RunMode, Timer};
use ruv_metrics::hdrhistogram::Histogram;
use ruv_metrics::{HistogramScale, MetricError, Registry, Snapshot, CONTENT_TYPE};
use ruv_pool::{Pool, PoolConfig, WorkClass};

/// One sample line: name, labels in order, value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

/// A parsed exposition.
#[derive(Debug, Default)]
struct Parsed {
    help: HashMap<String, String>,
    types: HashMap<String, String>,
    samples: Vec<Sample>,
}

impl Parsed {
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        self.samples
            .iter()
            .find(|s| {
                s.name == name
                    && s.labels.len() == labels.len()
                    && labels
                        .iter()
                        .all(|(n, v)| s.labels.iter().any(|(a, b)| a == n && b == v))
            })
            .map(|s| s.value)
    }
}

fn is_name(s: &str, colons: bool) -> bool {
    let mut chars = s.chars();
    let ok_first = |c: char| c.is_ascii_alphabetic() || c == '_' || (colons && c == ':');
    chars.next().is_some_and(ok_first)
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || (colons && c == ':'))
}

fn unescape(s: &str, quotes: bool) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') if quotes => out.push('"'),
            other => panic!("bad escape \\{other:?} in {s:?}"),
        }
    }
    out
}

/// The family a sample belongs to: itself, or a histogram's base name.
fn family_of<'a>(name: &'a str, types: &HashMap<String, String>) -> &'a str {
    if types.contains_key(name) {
        return name;
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if types.get(base).is_some_and(|t| t == "histogram") {
                return base;
            }
        }
    }
    panic!("sample {name} has no TYPE before it")
}

fn parse_sample(line: &str) -> Sample {
    let name_end = line
        .find(['{', ' '])
        .unwrap_or_else(|| panic!("no value: {line:?}"));
    let name = &line[..name_end];
    assert!(is_name(name, true), "bad metric name {name:?}");
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(inner) = rest.strip_prefix('{') {
        let mut s = inner;
        loop {
            if let Some(after) = s.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = s.find('=').expect("label has =");
            let lname = &s[..eq];
            assert!(
                is_name(lname, false) && !lname.starts_with("__"),
                "bad label name {lname:?}"
            );
            s = s[eq + 1..].strip_prefix('"').expect("quoted label value");
            // the value ends at the first unescaped quote
            let mut end = None;
            let mut escaped = false;
            for (i, c) in s.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.expect("closing quote");
            assert!(!s[..end].contains('\n'), "raw newline in a label value");
            labels.push((lname.to_string(), unescape(&s[..end], true)));
            s = &s[end + 1..];
            s = s.strip_prefix(',').unwrap_or(s);
        }
    }
    let value = rest.strip_prefix(' ').expect("one space before the value");
    assert!(!value.contains(' '), "no timestamp expected: {line:?}");
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v
            .parse()
            .unwrap_or_else(|_| panic!("bad value {v:?} in {line:?}")),
    };
    Sample {
        name: name.to_string(),
        labels,
        value,
    }
}

/// Parses and checks the whole text; panics with the first violation.
fn parse(text: &str) -> Parsed {
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "last line unterminated"
    );
    let mut p = Parsed::default();
    let mut current: Option<String> = None;
    let mut finished: HashSet<String> = HashSet::new();
    for line in text.lines() {
        assert!(!line.is_empty(), "empty line");
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').expect("HELP name text");
            assert!(is_name(name, true), "bad name in HELP: {name:?}");
            assert!(!p.types.contains_key(name), "HELP after TYPE for {name}");
            let fresh = p.help.insert(name.into(), unescape(help, false)).is_none();
            assert!(fresh, "second HELP for {name}");
            if let Some(prev) = current.replace(name.to_string()) {
                finished.insert(prev);
            }
            assert!(!finished.contains(name), "family {name} split");
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(current.as_deref(), Some(name), "TYPE without its HELP");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{kind}"
            );
            if kind == "counter" {
                assert!(name.ends_with("_total"), "counter {name} without _total");
            }
            assert!(p.types.insert(name.into(), kind.into()).is_none());
        } else {
            assert!(!line.starts_with('#'), "unknown comment {line:?}");
            let s = parse_sample(line);
            let family = family_of(&s.name, &p.types);
            assert_eq!(
                current.as_deref(),
                Some(family),
                "{} out of its family",
                s.name
            );
            p.samples.push(s);
        }
    }
    check_histograms(&p);
    p
}

/// Per histogram series: buckets by increasing `le`, cumulative, `+Inf` last and equal to
/// `_count`.
fn check_histograms(p: &Parsed) {
    type Key = (String, Vec<(String, String)>);
    let mut buckets: BTreeMap<Key, Vec<(f64, f64)>> = BTreeMap::new();
    let mut counts: BTreeMap<Key, f64> = BTreeMap::new();
    for s in &p.samples {
        let family = family_of(&s.name, &p.types);
        if p.types[family] != "histogram" {
            continue;
        }
        let rest: Vec<_> = s
            .labels
            .iter()
            .filter(|(n, _)| n != "le")
            .cloned()
            .collect();
        let key = (family.to_string(), rest);
        if s.name.ends_with("_bucket") {
            let le = &s.labels.iter().find(|(n, _)| n == "le").expect("le").1;
            let le = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse().unwrap()
            };
            buckets.entry(key).or_default().push((le, s.value));
        } else if s.name.ends_with("_count") {
            counts.insert(key, s.value);
        }
    }
    assert_eq!(buckets.len(), counts.len());
    for (key, b) in &buckets {
        assert!(b.windows(2).all(|w| w[0].0 < w[1].0), "{key:?}: le order");
        assert!(
            b.windows(2).all(|w| w[0].1 <= w[1].1),
            "{key:?}: not cumulative"
        );
        let last = b.last().unwrap();
        assert_eq!(last.0, f64::INFINITY, "{key:?}: no +Inf bucket");
        assert_eq!(last.1, counts[key], "{key:?}: +Inf != _count");
    }
}

#[test]
fn loop_pool_and_process_metrics_render_valid_text() {
    let mut lp: Loop<()> = Loop::new().unwrap();
    Timer::new(&mut lp)
        .unwrap()
        .start(&mut lp, 0, 0, |_, _, _| {})
        .unwrap();
    lp.run(RunMode::Default, &mut ()).unwrap();

    let pool = Pool::new(PoolConfig::new(2)).unwrap();
    let (tx, rx) = mpsc::channel();
    for i in 0..25u64 {
        let tx = tx.clone();
        let class = WorkClass::ALL[(i % 3) as usize];
        pool.submit(class, move || tx.send(i).unwrap());
    }
    rx.iter().take(25).for_each(drop);
    while pool.metrics().completed < 25 {
        std::thread::yield_now();
    }

    let mut registry = Registry::new();
    registry
        .event_loop("main", lp.metrics())
        .pool("work", pool.observer())
        .process();
    let text = registry.render().unwrap();
    let p = parse(&text);

    assert_eq!(p.types["ruv_loop_iterations_total"], "counter");
    assert!(
        p.value("ruv_loop_iterations_total", &[("loop", "main")])
            .unwrap()
            >= 1.0
    );
    let elu = p
        .value("ruv_loop_utilization", &[("loop", "main")])
        .unwrap();
    assert!((0.0..=1.0).contains(&elu));
    assert_eq!(p.value("ruv_pool_threads", &[("pool", "work")]), Some(2.0));
    let mut total = 0.0;
    for (class, n) in [("cpu", 9.0), ("fast_io", 8.0), ("slow_io", 8.0)] {
        let l = [("pool", "work"), ("class", class)];
        assert_eq!(
            p.value("ruv_pool_jobs_completed_total", &l),
            Some(n),
            "{class}"
        );
        assert_eq!(
            p.value("ruv_pool_queue_wait_seconds_count", &l),
            Some(n),
            "{class}"
        );
        assert_eq!(
            p.value("ruv_pool_run_seconds_count", &l),
            Some(n),
            "{class}"
        );
        assert_eq!(p.value("ruv_pool_queue_depth", &l), Some(0.0), "{class}");
        total += p.value("ruv_pool_queue_wait_seconds_sum", &l).unwrap();
    }
    let exact = pool.metrics().total_queue_wait.as_secs_f64();
    assert!((total - exact).abs() <= 1e-9 * 25.0, "{total} vs {exact}");
    assert_eq!(p.types["ruv_pool_queue_wait_seconds"], "histogram");
    #[cfg(target_os = "linux")]
    for name in [
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
        "process_virtual_memory_bytes",
        "process_open_fds",
        "process_threads",
        "process_start_time_seconds",
    ] {
        assert!(p.value(name, &[]).is_some(), "{name} missing");
    }
    assert!(CONTENT_TYPE.starts_with("text/plain; version=0.0.4"));
}

#[test]
fn label_values_and_help_are_escaped_and_read_back_as_given() {
    let tricky = "a \"quoted\" \\ back\nslash";
    let mut s = Snapshot::new();
    s.gauge(
        "x_gauge",
        "Help with \\ and\nnewline and \"quotes\".",
        &[("v", tricky)],
        1.0,
    )
    .unwrap();
    let text = s.render();
    assert_eq!(text.lines().count(), 3, "{text}");
    let p = parse(&text);
    assert_eq!(p.samples[0].labels, [("v".to_string(), tricky.to_string())]);
    assert_eq!(
        p.help["x_gauge"],
        "Help with \\ and\nnewline and \"quotes\"."
    );
}

#[test]
fn samples_of_one_family_stay_together_whatever_the_order_added() {
    let mut s = Snapshot::new();
    s.gauge("a", "A.", &[("k", "1")], 1.0).unwrap();
    s.gauge("b", "B.", &[], 2.0).unwrap();
    s.gauge("a", "A.", &[("k", "2")], 3.0).unwrap();
    let p = parse(&s.render());
    let names: Vec<_> = p.samples.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["a", "a", "b"]);
}

#[test]
fn a_histogram_from_another_crate_plugs_in_with_its_own_buckets() {
    let mut h = Histogram::<u64>::new(3).unwrap();
    for v in [5u64, 50, 500, 5000] {
        h.record(v).unwrap();
    }
    let mut registry = Registry::new();
    registry.add(move |s: &mut Snapshot| {
        let scale = HistogramScale {
            scale: 1.0,
            buckets: &[10.0, 100.0, 1000.0],
            sum: Some(5555.0),
        };
        s.histogram("other_size_bytes", "Sizes.", &[("kind", "x")], &h, &scale)?;
        Ok(())
    });
    let p = parse(&registry.render().unwrap());
    let b = |le: &str| p.value("other_size_bytes_bucket", &[("kind", "x"), ("le", le)]);
    assert_eq!(
        [b("10"), b("100"), b("1000"), b("+Inf")],
        [Some(1.0), Some(2.0), Some(3.0), Some(4.0)]
    );
    assert_eq!(
        p.value("other_size_bytes_sum", &[("kind", "x")]),
        Some(5555.0)
    );
    assert_eq!(
        p.value("other_size_bytes_count", &[("kind", "x")]),
        Some(4.0)
    );
}

#[test]
fn an_empty_histogram_has_zero_buckets_sum_and_count() {
    let h = Histogram::<u64>::new(2).unwrap();
    let mut s = Snapshot::new();
    s.histogram_ns("empty_seconds", "Nothing yet.", &[], &h, None)
        .unwrap();
    let p = parse(&s.render());
    assert_eq!(p.value("empty_seconds_count", &[]), Some(0.0));
    assert_eq!(p.value("empty_seconds_sum", &[]), Some(0.0));
    assert_eq!(
        p.value("empty_seconds_bucket", &[("le", "+Inf")]),
        Some(0.0)
    );
}

#[test]
fn bad_names_labels_and_values_are_typed_errors() {
    let h = Histogram::<u64>::new(2).unwrap();
    let mut s = Snapshot::new();
    let e = |r: Result<&mut Snapshot, MetricError>| r.map(|_| ()).unwrap_err();
    assert_eq!(
        e(s.gauge("9lives", "", &[], 1.0)),
        MetricError::InvalidName("9lives".into())
    );
    assert_eq!(
        e(s.gauge("g", "", &[("__x", "v")], 1.0)),
        MetricError::InvalidLabelName("__x".into())
    );
    assert_eq!(
        e(s.gauge("g", "", &[("a", "1"), ("a", "2")], 1.0)),
        MetricError::ReservedOrDuplicateLabel("a".into())
    );
    assert_eq!(
        e(s.counter("jobs", "", &[], 1.0)),
        MetricError::CounterWithoutTotal("jobs".into())
    );
    assert_eq!(
        e(s.counter("jobs_total", "", &[], -1.0)),
        MetricError::InvalidCounterValue("jobs_total".into())
    );
    assert_eq!(
        e(s.histogram_ns("h_seconds", "", &[("le", "1")], &h, None)),
        MetricError::ReservedOrDuplicateLabel("le".into())
    );
    let bad = HistogramScale {
        scale: 1.0,
        buckets: &[2.0, 1.0],
        sum: None,
    };
    assert_eq!(
        e(s.histogram("h2", "", &[], &h, &bad)),
        MetricError::InvalidBuckets("h2".into())
    );
    // conflicts: another kind, another help, colliding sample names, duplicate series
    s.gauge("g", "G.", &[], 1.0).unwrap();
    assert_eq!(
        e(s.counter("g", "G.", &[], 1.0)),
        MetricError::CounterWithoutTotal("g".into())
    );
    assert_eq!(
        e(s.gauge("g", "Other.", &[], 1.0)),
        MetricError::Conflict("g".into())
    );
    assert_eq!(
        e(s.gauge("g", "G.", &[], 2.0)),
        MetricError::DuplicateSeries("g".into())
    );
    s.histogram_ns("lat_seconds", "L.", &[], &h, None).unwrap();
    assert_eq!(
        e(s.gauge("lat_seconds_count", "", &[], 1.0)),
        MetricError::Conflict("lat_seconds_count".into())
    );
    assert_eq!(
        e(s.histogram_ns("g_sum", "", &[], &h, None)),
        MetricError::Conflict("g_sum".into())
    );
    // nothing half-added: the text is still valid
    parse(&s.render());
    assert!(MetricError::Conflict("g".into())
        .to_string()
        .contains("\"g\""));
}

#[test]
fn a_registry_fails_cleanly_on_two_sources_with_one_series() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut registry = Registry::new();
    registry
        .pool("p", pool.observer())
        .pool("p", pool.observer());
    assert_eq!(
        registry.render().unwrap_err(),
        MetricError::DuplicateSeries("ruv_pool_threads".into())
    );
}

#[test]
fn a_pool_that_shut_down_still_exports_its_final_figures() {
    let pool = Pool::new(PoolConfig::new(1)).unwrap();
    let mut registry = Registry::new();
    registry.pool("gone", pool.observer());
    pool.submit(WorkClass::FastIo, || {});
    drop(pool); // runs the job, joins the worker
    let p = parse(&registry.render().unwrap());
    let l = [("pool", "gone"), ("class", "fast_io")];
    assert_eq!(p.value("ruv_pool_jobs_completed_total", &l), Some(1.0));
    assert!(
        p.value("ruv_pool_run_seconds_sum", &l).unwrap() < Duration::from_secs(3600).as_secs_f64()
    );
}

#[test]
fn the_checker_itself_rejects_broken_text() {
    let broken = [
        "x 1\n",                                                       // no HELP/TYPE
        "# HELP x X.\n# TYPE x gauge\nx 1",                            // unterminated
        "# HELP x X.\n# TYPE x counter\nx 1\n",                        // counter without _total
        "# HELP 9x X.\n# TYPE 9x gauge\n9x 1\n",                       // bad name
        "# HELP x X.\n# TYPE x gauge\nx{a=\"1\\q\"} 1\n",              // bad escape
        "# HELP x X.\n# TYPE x gauge\n# HELP y Y.\n# TYPE y gauge\ny 1\nx 1\n", // split family
        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", // no +Inf
    ];
    for text in broken {
        let caught = std::panic::catch_unwind(|| parse(text));
        assert!(caught.is_err(), "accepted: {text:?}");
    }
}
