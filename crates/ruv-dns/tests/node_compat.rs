//! The same lookups in Node.js and in ruv, compared: answers, error messages, and how an
//! array of addresses prints. Skipped (with a message) where `node` is not installed.
//! Only local answers are compared (/etc/hosts, numeric hosts, names the resolver rejects
//! without asking a server), so no network is needed.

use ruv_core::{Error, Loop, RunMode};
use ruv_dns::{inspect_addresses, lookup, lookup_service, LookupAddress, LookupOptions, Order};
use std::io::Read;
use std::net::IpAddr;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs `script` with `node -e`, returning its stdout lines; `None` if node is missing or
/// takes longer than 30 s.
fn node(script: &str) -> Option<Vec<String>> {
    let mut child = match Command::new("node")
        .arg("-e")
        .arg(script)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(_) => {
            eprintln!("SKIP: node is not installed");
            return None;
        }
    };
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        let _ = tx.send(s);
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(s) => {
            let _ = child.wait();
            Some(s.lines().map(str::to_string).collect())
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            eprintln!("SKIP: node took longer than 30 s");
            None
        }
    }
}

/// A JS string literal for `s` (ASCII test inputs only).
fn js(s: &str) -> String {
    format!("{s:?}")
}

/// What ruv's callback got, in the form the Node script prints: `ok <inspect>` or `err
/// <message>`.
fn ruv_line(host: &str, opts: LookupOptions) -> String {
    let mut lp: Loop<Option<Result<Vec<LookupAddress>, Error>>> = Loop::new().unwrap();
    lookup(&mut lp, host, opts, |_, out, res| *out = Some(res)).unwrap();
    let mut out = None;
    lp.run(RunMode::Default, &mut out).unwrap();
    match out.unwrap() {
        Ok(found) => format!("ok {}", inspect_addresses(&found).replace('\n', "\\n")),
        Err(e) => {
            // "CODE: <Node's message>": the code, then Node's err.message exactly.
            let s = e.to_string();
            let (code, msg) = s.split_once(": ").unwrap();
            assert_eq!(code, e.code().name());
            format!("err {msg}")
        }
    }
}

#[test]
fn lookups_answer_like_node() {
    let long_label = format!("{}.invalid", "a".repeat(64));
    let too_long = "a".repeat(256);
    let o = |family: u8, all: bool, order: Order| LookupOptions {
        family,
        all,
        order,
        ..LookupOptions::default()
    };
    let cases: Vec<(&str, LookupOptions)> = vec![
        ("localhost", o(0, true, Order::Verbatim)),
        ("localhost", o(4, true, Order::Verbatim)),
        ("localhost", o(6, true, Order::Verbatim)),
        ("localhost", o(0, true, Order::Ipv4First)),
        ("localhost", o(0, true, Order::Ipv6First)),
        ("localhost", o(0, false, Order::Ipv6First)),
        (
            "localhost",
            LookupOptions {
                hints: ruv_dns::V4MAPPED,
                ..o(6, true, Order::Verbatim)
            },
        ),
        ("127.0.0.1", o(6, true, Order::Verbatim)),
        ("::1", o(4, true, Order::Verbatim)),
        ("127.1", o(0, true, Order::Verbatim)),
        // A zone is kept (Node: the literal as written; ruv: the interface's name).
        ("fe80::1%lo", o(4, true, Order::Verbatim)),
        ("127.0.0.1%lo", o(0, true, Order::Verbatim)),
        (&long_label, o(0, true, Order::Verbatim)),
        (&too_long, o(0, true, Order::Verbatim)),
    ];
    let mut script = String::from(
        "const dns = require('dns'); const util = require('util'); const out = []; let left = 0;\n",
    );
    for (i, (host, opts)) in cases.iter().enumerate() {
        script.push_str(&format!(
            "left++; dns.lookup({}, {{family: {}, all: true, order: '{}', hints: {}}}, (e, a) => {{ \
             out[{i}] = e ? 'err ' + e.message \
             : 'ok ' + util.inspect({}).replace(/\\n/g, '\\\\n'); \
             if (--left === 0) console.log(out.join('\\n')); }});\n",
            js(host),
            opts.family,
            opts.order.name(),
            opts.hints,
            if opts.all { "a" } else { "a.slice(0, 1)" },
        ));
    }
    let Some(lines) = node(&script) else { return };
    assert_eq!(lines.len(), cases.len(), "{lines:?}");
    for ((host, opts), expected) in cases.iter().zip(&lines) {
        assert_eq!(&ruv_line(host, *opts), expected, "{host} {opts:?}");
    }
}

#[test]
fn lookup_service_answers_like_node() {
    let ports = [22u16, 80, 0, 1];
    let mut script = String::from("const dns = require('dns'); const out = []; let left = 0;\n");
    for (i, port) in ports.iter().enumerate() {
        script.push_str(&format!(
            "left++; dns.lookupService('127.0.0.1', {port}, (e, h, s) => {{ \
             out[{i}] = e ? 'err ' + e.message : h + ' ' + s; \
             if (--left === 0) console.log(out.join('\\n')); }});\n"
        ));
    }
    let Some(lines) = node(&script) else { return };
    assert_eq!(lines.len(), ports.len(), "{lines:?}");
    for (port, expected) in ports.iter().zip(&lines) {
        let mut lp: Loop<Option<String>> = Loop::new().unwrap();
        let addr: IpAddr = [127, 0, 0, 1].into();
        lookup_service(&mut lp, addr, *port, |_, out, res| {
            let (h, s) = res.unwrap();
            *out = Some(format!("{h} {s}"));
        })
        .unwrap();
        let mut out = None;
        lp.run(RunMode::Default, &mut out).unwrap();
        assert_eq!(&out.unwrap(), expected, "port {port}");
    }
}

#[test]
fn address_arrays_print_like_node() {
    let lists: Vec<Vec<&str>> = vec![
        vec![],
        vec!["127.0.0.1"],
        vec!["127.0.0.1", "::1"],
        vec!["127.0.0.10", "::1"],
        vec!["127.0.0.10", "::12"],
        vec!["10.0.0.1", "10.0.0.2"],
        vec![
            "::ffff:127.0.0.1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ],
        vec!["127.0.0.1", "::1", "::2"],
        (0..7).map(|_| "10.0.0.1").collect(),
    ];
    let mut many: Vec<String> = (0..101).map(|i| format!("10.1.0.{}", i % 250)).collect();
    many.push("::1".into());
    let mut all: Vec<Vec<LookupAddress>> = lists
        .iter()
        .map(|l| {
            l.iter()
                .map(|s| LookupAddress::new(s.parse().unwrap()))
                .collect()
        })
        .collect();
    all.push(
        many.iter()
            .map(|s| LookupAddress::new(s.parse().unwrap()))
            .collect(),
    );
    let arrays: Vec<String> = all
        .iter()
        .map(|l| {
            let items: Vec<String> = l
                .iter()
                .map(|a| format!("{{address: '{}', family: {}}}", a.address, a.family))
                .collect();
            format!("[{}]", items.join(", "))
        })
        .collect();
    let script = format!(
        "const util = require('util'); for (const a of [{}]) \
         console.log(util.inspect(a).replace(/\\n/g, '\\\\n'));",
        arrays.join(", ")
    );
    let Some(lines) = node(&script) else { return };
    assert_eq!(lines.len(), all.len());
    for (addrs, expected) in all.iter().zip(&lines) {
        assert_eq!(&inspect_addresses(addrs).replace('\n', "\\n"), expected);
    }
}
