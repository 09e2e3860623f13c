//! The experiment's example: output format, pool size from the environment, FIFO start
//! order, the kernels, the pattern verdict, the timeline, bad arguments.
//!
//! The runs that only look at the pool pass `--lanes`: the same pool behaviour at a fraction
//! of the time where the CPU has AVX-512. The footer's checks run the default kernel.

mod support;

use std::process::{Command, Output};

fn example(pool: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(support::example_bin("pbkdf2"));
    cmd.args(args);
    match pool {
        Some(p) => cmd.env("UV_THREADPOOL_SIZE", p),
        None => cmd.env_remove("UV_THREADPOOL_SIZE"),
    };
    cmd.output().expect("the example runs")
}

/// (index, start_ms, worker) of each `--json` line.
fn tasks(out: &Output) -> Vec<(usize, f64, usize)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let field = |line: &str, key: &str| -> String {
        let at = line.find(&format!("\"{key}\":")).expect(key) + key.len() + 3;
        line[at..].split([',', '}']).next().unwrap().to_string()
    };
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            (
                field(l, "index").parse().unwrap(),
                field(l, "start_ms").parse().unwrap(),
                field(l, "worker").parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn prints_one_hash_line_per_task_then_a_footer_naming_the_pool() {
    let out = example(Some("2"), &["3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let (hashes, footer): (Vec<&str>, Vec<&str>) =
        text.lines().partition(|l| l.starts_with("Hash:  "));
    assert_eq!(hashes.len(), 3);
    for h in &hashes {
        h["Hash:  ".len()..]
            .parse::<u64>()
            .expect("whole ms, as node prints");
    }
    assert!(footer.iter().all(|l| l.starts_with('#')));
    assert!(
        footer[0].contains("pool: 2 threads (UV_THREADPOOL_SIZE=2)"),
        "{footer:?}"
    );
    // the default kernel is Node's work per hash, and the footer says what --lanes gives
    assert!(
        footer[1].starts_with("# kernel: one block after another, as OpenSSL (Node's work"),
        "{footer:?}"
    );
    assert!(footer[1].contains("--lanes"), "{footer:?}");
    // the last line gives the verdict on the pattern, with its figures
    let verdict = footer.last().unwrap();
    assert!(
        verdict.starts_with("# pattern: held (the first 2 of 3 finished within ")
            || verdict.starts_with("# pattern: NOT held (the first 2 of 3 finished within "),
        "{footer:?}"
    );
    assert!(verdict.contains("needed <= 1.25x") && verdict.contains("needed >= "));
}

#[test]
fn serial_is_the_default_and_lanes_is_named_in_the_footer() {
    for (args, kernel) in [
        (&["1", "--serial"][..], "# kernel: one block after another"),
        (&["1", "--lanes"][..], "# kernel: --lanes"),
    ] {
        let out = example(Some("1"), args);
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        let kernel_line = text
            .lines()
            .find(|l| l.starts_with("# kernel: "))
            .unwrap_or_else(|| panic!("{args:?}: no kernel line in {text}"));
        assert!(kernel_line.starts_with(kernel), "{args:?}: {kernel_line}");
        // one thread, one core: singular nouns
        assert!(
            text.contains("# pool: 1 thread (UV_THREADPOOL_SIZE=1)"),
            "{text}"
        );
        assert!(text.contains("# 1 hash at a time on "), "{text}");
        assert!(
            text.contains("# pattern: held (all 1 ran at once")
                || text.contains("# pattern: NOT held (all 1 ran at once"),
            "{text}"
        );
    }
}

#[test]
fn timeline_is_an_svg_on_an_opaque_white_background() {
    let path = std::env::temp_dir().join(format!("ruv-pbkdf2-timeline-{}.svg", std::process::id()));
    let out = example(
        Some("2"),
        &["2", "--lanes", "--timeline", path.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(&path).unwrap();
    let mut lines = svg.lines();
    assert!(lines.next().unwrap().starts_with("<svg xmlns="));
    // the first thing drawn covers the whole canvas
    assert_eq!(
        lines.next().unwrap(),
        r#"<rect width="100%" height="100%" fill="white"/>"#
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains("task 0 (w") && svg.contains("task 1 (w"));
    assert!(!svg.contains("core(s)"), "no (s) plurals");
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn an_unwritable_timeline_is_reported_in_node_format() {
    let out = example(
        Some("1"),
        &["1", "--lanes", "--timeline", "/nonexistent-dir/t.svg"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pbkdf2: ENOENT: no such file or directory, open '/nonexistent-dir/t.svg'\n"
    );
}

#[test]
fn one_thread_pool_runs_tasks_in_fifo_order_on_one_worker() {
    let t = tasks(&example(Some("1"), &["3", "--json", "--lanes"]));
    assert_eq!(t.len(), 3);
    assert!(t.iter().all(|&(_, _, w)| w == 0));
    // completion order is start order is submission order
    assert_eq!(t.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(t[0].1 < t[1].1 && t[1].1 < t[2].1);
}

#[test]
fn pool_size_comes_from_uv_threadpool_size() {
    let t = tasks(&example(Some("2"), &["2", "--json", "--lanes"]));
    let mut workers: Vec<usize> = t.iter().map(|x| x.2).collect();
    workers.sort();
    assert_eq!(workers, [0, 1], "two tasks, two threads: one each");
}

#[test]
fn bad_task_count_is_a_clear_error() {
    for bad in ["0", "abc", "-3", "5000"] {
        let out = example(Some("1"), &[bad]);
        assert_eq!(out.status.code(), Some(2), "N = {bad}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("N must be a number in 1..=4096"), "{err}");
        assert!(out.stdout.is_empty(), "no hashes run for N = {bad}");
    }
}
