//! The worker pool example: one line per task, the summary, the pool's metrics and the
//! main loop's interval; cancellation; the queue bound (stderr, exit 1); bad flags (exit 2).

mod support;

use std::process::{Command, Output};

fn example(args: &[&str]) -> Output {
    Command::new(support::example_bin("worker_pool"))
        .args(args)
        .output()
        .expect("the example runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The number after `key ` in `line` (`completed 6`).
fn count(line: &str, key: &str) -> u64 {
    let at = line
        .find(&format!("{key} "))
        .unwrap_or_else(|| panic!("{key} in {line}"));
    line[at + key.len() + 1..]
        .split([',', ' '])
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{text}"))
}

#[test]
fn prints_every_task_the_summary_the_metrics_and_the_intervals_worst_delay() {
    let out = example(&["--threads", "2", "--tasks", "6", "--work", "200000"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    assert!(
        text.starts_with("worker_pool: 2 threads, 6 tasks of 200000 steps\n"),
        "{text}"
    );
    let mut tasks: Vec<u64> = text
        .lines()
        .filter(|l| l.starts_with("task "))
        .map(|l| {
            assert!(
                l.contains(" on worker ") && l.contains(" answered after "),
                "{l}"
            );
            l["task ".len()..]
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    tasks.sort();
    assert_eq!(tasks, [0, 1, 2, 3, 4, 5]);
    let done = line(&text, "done: ");
    assert!(
        done.contains("(6 ok, 0 failed, 0 cancelled, 0 rejected)"),
        "{done}"
    );
    let pool = line(&text, "pool: ");
    assert!(
        pool.starts_with("pool: 2 threads, queued 0, running 0"),
        "{pool}"
    );
    assert_eq!((count(pool, "submitted"), count(pool, "completed")), (6, 6));
    assert!(line(&text, "wait for a worker: mean ").contains(" p99 <= "));
    assert!(line(&text, "run on a worker: mean ").contains(" max "));
    let main = line(&text, "main loop: a 10 ms interval fired ");
    assert!(
        main.contains(" worst delay ") && main.ends_with(" ms"),
        "{main}"
    );
    assert_eq!(text.lines().last(), Some("pool closed"));
}

#[test]
fn cancelled_tasks_are_reported_and_counted() {
    let out = example(&[
        "--threads",
        "1",
        "--tasks",
        "5",
        "--work",
        "1000",
        "--cancel",
        "2",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let cancelled: Vec<_> = text
        .lines()
        .filter(|l| l.contains(": cancelled (ECANCELED"))
        .collect();
    assert_eq!(cancelled.len(), 2, "{text}");
    assert!(cancelled
        .iter()
        .all(|l| l.starts_with("task 3:") || l.starts_with("task 4:")));
    let pool = line(&text, "pool: ");
    assert_eq!((count(pool, "completed"), count(pool, "cancelled")), (3, 2));
}

#[test]
fn a_full_queue_rejects_tasks_on_stderr_and_exits_with_1() {
    let out = example(&[
        "--threads",
        "1",
        "--tasks",
        "4",
        "--work",
        "1000",
        "--max-queue",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    // the worker is still starting when the tasks are submitted: one waits, three are refused
    let rejected: Vec<_> = err
        .lines()
        .filter(|l| l.contains("ERR_POOL_QUEUE_FULL"))
        .collect();
    assert_eq!(rejected.len(), 3, "{err}");
    assert!(rejected[0].starts_with("worker_pool: task 1 rejected: ERR_POOL_QUEUE_FULL: "));
    let text = stdout(&out);
    assert!(line(&text, "done: ").contains("(1 ok, 0 failed, 0 cancelled, 3 rejected)"));
    assert_eq!(count(line(&text, "pool: "), "rejected"), 3);
}

#[test]
fn bad_flags_are_usage_errors() {
    for args in [&["--threads", "0"][..], &["--tasks", "x"], &["--nope"]] {
        let out = example(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("worker_pool: "), "{err}");
        assert!(err.contains("try 'worker_pool --help'"), "{err}");
    }
    let help = example(&["--help"]);
    assert!(help.status.success());
    let text = stdout(&help);
    for flag in [
        "--threads",
        "--tasks",
        "--work",
        "--cancel",
        "--max-queue",
        "-h, --help",
    ] {
        assert!(text.contains(flag), "{flag} in {text}");
    }
    assert!(text.contains("default: CPUs") && text.contains("default: 16"));
}
