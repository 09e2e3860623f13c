//! Interoperability: Node's compressed streams (the conformance vectors, copied into
//! tests/data), Node decompressing ruv's output, the system `gzip` both ways, and ruv's
//! error codes and messages beside live Node's. Tests needing `node` or `gzip` skip (with
//! a message on stderr) where the program is not installed.

mod common;

use common::{base64, have, node_corpus, pipe, stream_all, text};
use ruv_zlib::{process_sync, Mode, Options};

fn vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/node_zlib_vectors.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn node_vectors_decompress_to_the_corpus() {
    let v = vectors();
    let z = &v["zlib"];
    let corpus = node_corpus();
    assert_eq!(z["corpus_len"].as_u64().unwrap() as usize, corpus.len());
    let o = Options::default();
    for (key, mode) in [
        ("deflate_b64", Mode::Inflate),
        ("deflate_raw_b64", Mode::InflateRaw),
        ("gzip_b64", Mode::Gunzip),
        ("deflate_b64", Mode::Unzip),
        ("gzip_b64", Mode::Unzip),
    ] {
        let packed = base64(z[key].as_str().unwrap());
        assert!(
            process_sync(mode, &packed, &o).unwrap() == corpus,
            "{key} via {mode:?}"
        );
        let log = stream_all(mode, &o, &packed, 1000);
        assert!(
            log.ended && log.data == corpus,
            "{key} streamed via {mode:?}"
        );
    }
}

/// Node's one-liner: decompress stdin with `zlib.<method>Sync`, print it to stdout.
fn node_decompress(method: &str, input: &[u8]) -> Vec<u8> {
    let script = format!(
        "const z = require('zlib'); const c = []; process.stdin.on('data', d => c.push(d)); \
         process.stdin.on('end', () => process.stdout.write(z.{method}Sync(Buffer.concat(c))));"
    );
    pipe("node", &["-e", &script], input)
}

#[test]
fn node_decompresses_ruvs_output() {
    if !have("node", "node_decompresses_ruvs_output") {
        return;
    }
    let input = text(200_000, 13);
    for level in [1, 6, 9] {
        let o = Options {
            level,
            ..Options::default()
        };
        for (mode, method) in [
            (Mode::Deflate, "inflate"),
            (Mode::Gzip, "gunzip"),
            (Mode::DeflateRaw, "inflateRaw"),
        ] {
            let packed = process_sync(mode, &input, &o).unwrap();
            assert!(
                node_decompress(method, &packed) == input,
                "{method} level {level}"
            );
        }
    }
    // A stream's output, with a flush in the middle, and the empty stream.
    let packed = stream_all(Mode::Gzip, &Options::default(), &input, 30_000).data;
    assert!(node_decompress("gunzip", &packed) == input);
    let empty = process_sync(Mode::Gzip, b"", &Options::default()).unwrap();
    assert_eq!(node_decompress("gunzip", &empty), b"");
}

/// Each case through live Node (`zlib.<method>Sync` on hex input): `code|message`.
#[test]
fn errors_match_live_node() {
    if !have("node", "errors_match_live_node") {
        return;
    }
    let o = Options::default();
    let gz = process_sync(Mode::Gzip, b"hello hello hello hello", &o).unwrap();
    let z = process_sync(Mode::Deflate, b"hello hello hello hello", &o).unwrap();
    let cases: Vec<(Mode, &str, Vec<u8>)> = vec![
        (Mode::Inflate, "inflate", b"hello world".to_vec()),
        (Mode::Gunzip, "gunzip", b"hello world".to_vec()),
        (Mode::Unzip, "unzip", vec![0x1f, 0, 0, 0]),
        (Mode::InflateRaw, "inflateRaw", vec![0xff; 4]),
        (Mode::Gunzip, "gunzip", gz[..gz.len() - 3].to_vec()),
        (Mode::Gunzip, "gunzip", gz[..5].to_vec()),
        (Mode::Inflate, "inflate", z[..z.len() - 3].to_vec()),
        (Mode::Inflate, "inflate", Vec::new()),
        (Mode::Unzip, "unzip", vec![0x1f]),
        (
            Mode::Gunzip,
            "gunzip",
            [gz.clone(), b"garbage".to_vec()].concat(),
        ),
        (Mode::Gunzip, "gunzip", {
            let mut b = gz.clone();
            let n = b.len();
            b[n - 5] ^= 1;
            b
        }),
        (Mode::Inflate, "inflate", vec![0x78, 0xbb, 0, 0, 0, 1, 3, 0]),
    ];
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let list = cases
        .iter()
        .map(|(_, m, b)| format!("['{m}','{}']", hex(b)))
        .collect::<Vec<_>>()
        .join(",");
    let script = format!(
        "const z = require('zlib'); for (const [m, h] of [{list}]) {{ \
         try {{ z[m + 'Sync'](Buffer.from(h, 'hex')); console.log('ok|'); }} \
         catch (e) {{ console.log(e.code + '|' + e.message); }} }}"
    );
    let node = String::from_utf8(pipe("node", &["-e", &script], b"")).unwrap();
    for ((mode, method, input), line) in cases.iter().zip(node.lines()) {
        let (code, msg) = line.split_once('|').unwrap();
        let err = process_sync(*mode, input, &o).unwrap_err();
        // Same code name, same message: the same Display as Node's `${code}: ${message}`.
        assert_eq!(
            err.code().name(),
            code,
            "{method} {}: node says {line}",
            hex(input)
        );
        assert_eq!(
            err.to_string(),
            format!("{code}: {msg}"),
            "{method}: node says {line}"
        );
    }
    assert_eq!(node.lines().count(), cases.len());
}

#[test]
fn system_gzip_reads_ruv_and_ruv_reads_system_gzip() {
    if !have("gzip", "system_gzip_reads_ruv_and_ruv_reads_system_gzip") {
        return;
    }
    let input = text(500_000, 17);
    let o = Options::default();
    // ruv -> gzip -d (one-shot and streamed output).
    let packed = process_sync(Mode::Gzip, &input, &o).unwrap();
    assert!(pipe("gzip", &["-dc"], &packed) == input);
    let streamed = stream_all(Mode::Gzip, &o, &input, 64 << 10).data;
    assert!(pipe("gzip", &["-dc"], &streamed) == input);
    // gzip -> ruv, at several levels, with a file name in the header (FNAME), and two
    // members concatenated (as `cat a.gz b.gz` makes).
    for args in [&["-c"][..], &["-c1"], &["-c9"], &["-c", "-n"]] {
        let g = pipe("gzip", args, &input);
        assert!(
            process_sync(Mode::Gunzip, &g, &o).unwrap() == input,
            "gzip {args:?}"
        );
        assert!(
            process_sync(Mode::Unzip, &g, &o).unwrap() == input,
            "gzip {args:?} via unzip"
        );
        let log = stream_all(Mode::Gunzip, &o, &g, 10_000);
        assert!(log.ended && log.data == input, "gzip {args:?} streamed");
    }
    let dir = std::env::temp_dir().join(format!("ruv-zlib-gzip-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("named.txt");
    std::fs::write(&file, &input).unwrap();
    let st = std::process::Command::new("gzip")
        .arg("-kf")
        .arg(&file)
        .status()
        .unwrap();
    assert!(st.success());
    let named = std::fs::read(dir.join("named.txt.gz")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(named[3] & 0x08, 0x08, "FNAME set");
    assert!(process_sync(Mode::Gunzip, &named, &o).unwrap() == input);
    let two = [
        pipe("gzip", &["-c"], b"first "),
        pipe("gzip", &["-c"], b"second"),
    ]
    .concat();
    assert_eq!(
        process_sync(Mode::Gunzip, &two, &o).unwrap(),
        b"first second"
    );
    assert_eq!(
        pipe("gzip", &["-dc"], &[packed.clone(), packed].concat()).len(),
        2 * input.len()
    );
}
