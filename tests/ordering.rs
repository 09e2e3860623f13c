//! The ordering oracle: ruv prints, scenario for scenario, what Node prints.

use std::process::Command;

const EXPECTED: &str = include_str!("data/ordering.expected.txt");

#[test]
fn ordering_matches_node_expected_output_line_for_line() {
    let got = ruv::conformance::ordering(false).expect("scenarios run");
    let expected: Vec<&str> = EXPECTED.lines().collect();
    for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
        assert_eq!(g, e, "line {} differs", i + 1);
    }
    assert_eq!(got.len(), expected.len(), "line count");
}

#[test]
fn example_prints_expected_bytes() {
    let out = Command::new(env!("CARGO"))
        .args(["run", "-q", "--example", "ordering"])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED);
}

#[test]
fn kept_expected_output_is_what_node_prints() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ordering.js");
    let out = match Command::new("node").arg(script).output() {
        Ok(out) => out,
        Err(_) => {
            eprintln!("SKIP kept_expected_output_is_what_node_prints: `node` is not installed");
            return;
        }
    };
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), EXPECTED);
}
