//! Corrupt, truncated and oversized input: Node's codes and messages, and a decompression
//! bomb that must end in an error, quickly and without the memory it asks for, or, with no
//! output limit but too little memory, in `Z_MEM_ERROR` rather than an abort.

mod common;

use common::{text, PAIRS};
use std::io::{Read, Write};
use std::process::{Command, Stdio};

use ruv_core::stream::StreamEvent;
use ruv_core::{Code, Loop, RunMode};
use ruv_zlib::codes::{Z_BUF_ERROR, Z_DATA_ERROR, Z_NEED_DICT};
use ruv_zlib::{process_sync, Mode, Options, ZlibStream};

fn fails(mode: Mode, input: &[u8], code: ruv_core::Code, msg: &str) {
    let err = process_sync(mode, input, &Options::default()).unwrap_err();
    assert_eq!(err.code(), code, "{mode:?} on {input:02x?}: {err}");
    assert!(
        err.to_string().ends_with(&format!(": {msg}")),
        "{mode:?}: {err} (want {msg})"
    );
}

/// Each case as Node v20 reports it (`node -e`, see docs/zlib.md).
#[test]
fn corrupt_input_is_z_data_error_with_zlibs_message() {
    let o = Options::default();
    let gz = ruv_zlib::gzip_sync(b"hello hello hello hello", &o).unwrap();
    let z = ruv_zlib::deflate_sync(b"hello hello hello hello", &o).unwrap();
    fails(
        Mode::Inflate,
        b"hello world",
        Z_DATA_ERROR,
        "incorrect header check",
    );
    fails(
        Mode::Gunzip,
        b"hello world",
        Z_DATA_ERROR,
        "incorrect header check",
    );
    fails(
        Mode::Unzip,
        b"hello world",
        Z_DATA_ERROR,
        "incorrect header check",
    );
    fails(
        Mode::InflateRaw,
        &[0xff; 4],
        Z_DATA_ERROR,
        "invalid block type",
    );
    fails(Mode::Inflate, &gz, Z_DATA_ERROR, "incorrect header check");
    fails(Mode::Gunzip, &z, Z_DATA_ERROR, "incorrect header check");
    fails(
        Mode::Unzip,
        &[0x1f, 0, 0, 0],
        Z_DATA_ERROR,
        "unknown compression method",
    );
    fails(
        Mode::Gunzip,
        &[0x1f, 0x8b, 7, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
        Z_DATA_ERROR,
        "unknown compression method",
    );
    fails(
        Mode::Gunzip,
        &[0x1f, 0x8b, 8, 0xe0, 0, 0, 0, 0, 0, 3, 1, 2, 3],
        Z_DATA_ERROR,
        "unknown header flags set",
    );
    let raw = ruv_zlib::deflate_raw_sync(b"hello hello hello hello", &o).unwrap();
    fails(Mode::Unzip, &raw, Z_DATA_ERROR, "incorrect header check");
    // Checksums and lengths.
    let mut bad_crc = gz.clone();
    let n = bad_crc.len();
    bad_crc[n - 5] ^= 1;
    fails(Mode::Gunzip, &bad_crc, Z_DATA_ERROR, "incorrect data check");
    let mut bad_len = gz.clone();
    bad_len[n - 1] ^= 1;
    fails(
        Mode::Gunzip,
        &bad_len,
        Z_DATA_ERROR,
        "incorrect length check",
    );
    let mut bad_adler = z.clone();
    let m = bad_adler.len();
    bad_adler[m - 1] ^= 1;
    fails(
        Mode::Inflate,
        &bad_adler,
        Z_DATA_ERROR,
        "incorrect data check",
    );
    // A stream made with a preset dictionary: zlib's header flag FDICT (78 bb + dict id).
    fails(
        Mode::Inflate,
        &[0x78, 0xbb, 0, 0, 0, 1, 3, 0],
        Z_NEED_DICT,
        "Missing dictionary",
    );
}

#[test]
fn flipped_bits_never_panic() {
    let input = text(20_000, 3);
    for (c, d) in PAIRS {
        let packed = process_sync(c, &input, &Options::default()).unwrap();
        for i in (0..packed.len()).step_by(97) {
            let mut bad = packed.clone();
            bad[i] ^= 0x55;
            // Either an error or (rarely) other valid data; never a panic or a hang.
            let _ = process_sync(d, &bad, &Options::default());
        }
    }
}

#[test]
fn every_truncation_is_z_buf_error() {
    let input = text(3000, 2);
    for (c, d) in PAIRS {
        let packed = process_sync(c, &input, &Options::default()).unwrap();
        for len in 0..packed.len() {
            // A raw stream has no trailer: its last bytes may only hold padding bits.
            if c == Mode::DeflateRaw && len + 1 >= packed.len() {
                continue;
            }
            fails(d, &packed[..len], Z_BUF_ERROR, "unexpected end of file");
            if c != Mode::DeflateRaw {
                fails(
                    Mode::Unzip,
                    &packed[..len],
                    Z_BUF_ERROR,
                    "unexpected end of file",
                );
            }
        }
    }
}

/// A zlib stream of `mib` MiB of zeros, made without compressing them: a raw deflate
/// segment for 1 MiB of zeros (a stream's output up to a full flush: byte-aligned, not
/// final, no reference before its start), repeated, then a final empty block, between a
/// zlib header and the Adler-32 of the zeros.
fn zero_bomb(mib: usize) -> Vec<u8> {
    let mut lp: Loop<Vec<u8>> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::DeflateRaw, &Options::default())
        .unwrap()
        .on_event(&mut lp, |lp, seg: &mut Vec<u8>, s, ev| {
            if let StreamEvent::Data(d) = ev {
                seg.extend_from_slice(d);
                // Everything up to the flush is out: that is the segment.
                if seg.ends_with(&[0, 0, 0xff, 0xff]) {
                    s.destroy(lp, None);
                }
            }
        })
        .unwrap();
    s.write(&mut lp, vec![0; 1 << 20]).unwrap();
    s.flush(&mut lp).unwrap();
    let mut seg = Vec::new();
    lp.run(RunMode::Default, &mut seg).unwrap();
    assert!(
        seg.len() < 2048,
        "1 MiB of zeros deflates to {} bytes",
        seg.len()
    );
    let n = (mib as u64) << 20;
    let adler = (((n % 65521) as u32) << 16) | 1; // Adler-32 of n zeros
    let mut z = vec![0x78, 0x9c];
    z.extend_from_slice(&seg.repeat(mib));
    z.extend_from_slice(&[0x03, 0x00]);
    z.extend_from_slice(&adler.to_be_bytes());
    z
}

#[test]
fn bomb_is_stopped_at_max_output_length() {
    // The construction is sound: 5 MiB of zeros, checksum and all.
    let small = zero_bomb(5);
    let out = ruv_zlib::inflate_sync(&small, &Options::default()).unwrap();
    assert_eq!(out.len(), 5 << 20);
    assert!(out.iter().all(|&b| b == 0));
    // 1 GiB of zeros in about a megabyte, against a 1 MiB limit.
    let bomb = zero_bomb(1024);
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
    let limited = Options {
        max_output_length: Some(1 << 20),
        ..Options::default()
    };
    let err = ruv_zlib::inflate_sync(&bomb, &limited).unwrap_err();
    assert_eq!(err.code(), Code::ERR_BUFFER_TOO_LARGE);
    assert_eq!(
        err.to_string(),
        "ERR_BUFFER_TOO_LARGE: Cannot create a Buffer larger than 1048576 bytes"
    );
    let err = ruv_zlib::unzip_sync(&bomb, &limited).unwrap_err();
    assert_eq!(err.code(), Code::ERR_BUFFER_TOO_LARGE);
    // The same bomb as gzip (its trailer is never reached).
    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
    gz.extend_from_slice(&bomb[2..bomb.len() - 4]);
    gz.extend_from_slice(&[0; 8]);
    let err = ruv_zlib::gunzip_sync(&gz, &limited).unwrap_err();
    assert_eq!(err.code(), Code::ERR_BUFFER_TOO_LARGE);
    // On the pool, and in a stream with a limit.
    let mut lp: Loop<Option<ruv_core::Error>> = Loop::new().unwrap();
    ruv_zlib::inflate(&mut lp, bomb.clone(), &limited, |_, out, res| {
        *out = res.err()
    })
    .unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got.unwrap().code(), Code::ERR_BUFFER_TOO_LARGE);
    let log = common::stream_all(Mode::Inflate, &limited, &bomb, 64 << 10);
    assert_eq!(log.error.unwrap().code(), Code::ERR_BUFFER_TOO_LARGE);
    assert!(log.data.len() <= 1 << 20);
}

#[test]
fn bomb_in_a_stream_without_limit_comes_out_in_bounded_jobs() {
    // 64 MiB of zeros from one ~70 KB write: each job stops at JOB_OUTPUT, so the stream
    // never holds more than that at once.
    let bomb = zero_bomb(64);
    let mut lp: Loop<(usize, usize, bool)> = Loop::new().unwrap();
    let s = ZlibStream::new(&mut lp, Mode::Unzip, &Options::default())
        .unwrap()
        .on_event(
            &mut lp,
            |_, st: &mut (usize, usize, bool), _, ev| match ev {
                StreamEvent::Data(d) => {
                    assert!(d.len() <= ruv_zlib::JOB_OUTPUT);
                    assert!(d.iter().all(|&b| b == 0));
                    st.0 += d.len();
                    st.1 += 1;
                }
                StreamEvent::End => st.2 = true,
                StreamEvent::Finish | StreamEvent::Close => {}
                other => panic!("{other:?}"),
            },
        )
        .unwrap();
    s.write(&mut lp, bomb).unwrap();
    s.end(&mut lp).unwrap();
    let mut st = (0, 0, false);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st, (64 << 20, 64, true));
}

/// Set in the environment of the child that [`bomb_under_a_memory_limit_child`] runs as.
const OOM_CHILD: &str = "RUV_ZLIB_TEST_OOM_CHILD";

/// The address-space limit (`ulimit -v`, KiB) of that child: room for the test binary,
/// far from room for the bomb's 1 GiB.
const OOM_CHILD_LIMIT_KIB: u64 = 192 << 10;

/// The child of [`bomb_under_a_memory_limit_is_z_mem_error_not_an_abort`]: inflates what
/// comes on stdin, with no output limit, and prints the outcome. Does nothing in a normal
/// test run.
#[test]
fn bomb_under_a_memory_limit_child() {
    if std::env::var_os(OOM_CHILD).is_none() {
        return;
    }
    let mut bomb = Vec::new();
    std::io::stdin().read_to_end(&mut bomb).unwrap();
    match ruv_zlib::inflate_sync(&bomb, &Options::default()) {
        Ok(out) => println!("\nCHILD OK {}", out.len()),
        Err(err) => println!("\nCHILD ERR {err}"),
    }
}

#[test]
fn bomb_under_a_memory_limit_is_z_mem_error_not_an_abort() {
    // 1 GiB of zeros, with no max_output_length, in a child (this test binary again) whose
    // address space is limited: the output buffer cannot grow to 1 GiB. An infallible
    // `reserve` would abort the child ("memory allocation of N bytes failed", SIGABRT).
    let bomb = zero_bomb(1024);
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "ulimit -v {OOM_CHILD_LIMIT_KIB} && exec \"$0\" --exact \
             bomb_under_a_memory_limit_child --nocapture --test-threads=1"
        ))
        .arg(std::env::current_exe().unwrap())
        .env(OOM_CHILD, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child reads all of stdin before it starts: writing it all cannot deadlock.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&bomb).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "child: {}\nstdout: {stdout}\nstderr: {stderr}",
        out.status
    );
    assert!(
        stdout.contains("\nCHILD ERR Z_MEM_ERROR: Array buffer allocation failed\n"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
}
