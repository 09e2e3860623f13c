//! The experiment's example: output format, pool size from the environment, FIFO start
//! order, bad arguments.

use std::process::{Command, Output};

fn example(pool: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["run", "-q", "--example", "pbkdf2", "--"])
        .args(args);
    match pool {
        Some(p) => cmd.env("UV_THREADPOOL_SIZE", p),
        None => cmd.env_remove("UV_THREADPOOL_SIZE"),
    };
    cmd.output().expect("cargo runs")
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
}

#[test]
fn one_thread_pool_runs_tasks_in_fifo_order_on_one_worker() {
    let t = tasks(&example(Some("1"), &["3", "--json"]));
    assert_eq!(t.len(), 3);
    assert!(t.iter().all(|&(_, _, w)| w == 0));
    // completion order is start order is submission order
    assert_eq!(t.iter().map(|x| x.0).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(t[0].1 < t[1].1 && t[1].1 < t[2].1);
}

#[test]
fn pool_size_comes_from_uv_threadpool_size() {
    let t = tasks(&example(Some("2"), &["2", "--json"]));
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
    }
}
