//! Reads whose size the input decides: `read_file`'s 2 GiB limit (Node's `kIoMaxLength`),
//! and buffers reserved fallibly (`ENOMEM`, never an abort).
//!
//! A test binary of its own: `read_file_of_dev_zero_stops_at_2_gib` measures this process's
//! peak memory, so nothing else here allocates much.

mod common;

use common::{run1, TempDir};
use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode};
use ruv_fs::{self as fs, ReadStreamOptions};

const GIB: u64 = 1 << 30;

/// The process's peak resident set (`VmHWM`), in bytes.
#[cfg(target_os = "linux")]
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[cfg(target_os = "linux")]
#[test]
fn read_file_of_dev_zero_stops_at_2_gib() {
    // Node 20 reads an endless file until the process is killed; ruv-fs applies Node's limit
    // for regular files to it: 2 GiB - 1 bytes read, one more is an error.
    let before = peak_rss();
    let e = run1(|lp| fs::read_file(lp, "/dev/zero", |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), ruv_fs::codes::ERR_FS_FILE_TOO_LARGE);
    assert_eq!(
        e.to_string(),
        "ERR_FS_FILE_TOO_LARGE: File size (2147483648) is greater than 2 GiB"
    );
    // The buffer held the limit's worth and was then freed; it never grew past it.
    let grown = peak_rss().saturating_sub(before);
    assert!(
        grown < 2 * GIB + 128 * 1024 * 1024,
        "peak grew by {grown} bytes"
    );
}

#[test]
fn read_file_of_a_file_over_2_gib_is_node_error() {
    // Node: `File size (2147483648) is greater than 2 GiB`, before reading anything (the file
    // is sparse: it takes no space, and nothing is allocated for it)
    let t = TempDir::new("too-large");
    let f = t.join("big");
    std::fs::File::create(&f).unwrap().set_len(2 * GIB).unwrap();
    let e = run1(|lp| fs::read_file(lp, &f, |_, out, r| *out = Some(r))).unwrap_err();
    assert_eq!(e.code(), ruv_fs::codes::ERR_FS_FILE_TOO_LARGE);
    assert_eq!(
        e.to_string(),
        "ERR_FS_FILE_TOO_LARGE: File size (2147483648) is greater than 2 GiB"
    );
    assert_eq!(e.syscall(), None);
}

#[test]
fn read_stream_with_an_impossible_high_water_mark_fails_with_enomem() {
    // The read buffer's size comes from the caller: reserving it fallibly turns an
    // allocation that cannot succeed into an error instead of an abort.
    let t = TempDir::new("hwm");
    let f = t.join("f");
    std::fs::write(&f, "data").unwrap();
    let mut lp: Loop<Vec<String>> = Loop::new().unwrap();
    let options = ReadStreamOptions::default().high_water_mark(usize::MAX >> 1);
    fs::read_stream(&mut lp, &f, options)
        .unwrap()
        .on_event(&mut lp, |_, log, _, ev| match ev {
            StreamEvent::Data(chunk) => log.push(format!("data {}", chunk.len())),
            StreamEvent::Error(e) => log.push(e.to_string()),
            StreamEvent::Close => log.push("close".into()),
            _ => {}
        })
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, ["ENOMEM: not enough memory, read", "close"]);
}
