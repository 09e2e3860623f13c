//! ruvjs runs Node's own scripts unmodified: the ordering oracle and the seed scripts (copies
//! in tests/data, with what Node printed), and bad input gets Node's errors and exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn ruvjs(script: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ruvjs"))
        .arg(script)
        .args(args)
        .env("UV_THREADPOOL_SIZE", "4")
        .output()
        .expect("ruvjs starts")
}

/// Runs `source` as a script file of its own; returns (exit code, stdout, stderr).
fn run_source(name: &str, source: &str) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("ruvjs-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.js"));
    std::fs::write(&file, source).unwrap();
    let out = ruvjs(&file, &[]);
    std::fs::remove_dir_all(&dir).unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The seed scripts' normalisation: `info:` lines dropped, `Hash: N` masked.
fn normalise(s: &str) -> String {
    s.lines()
        .filter(|l| !l.starts_with("info:"))
        .map(|l| match l.strip_prefix("Hash: ") {
            Some(n) if n.chars().all(|c| c.is_ascii_digit()) => "Hash: <ms>".to_string(),
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect()
}

fn matches_node(script: &str) {
    let out = ruvjs(&data(&format!("{script}.js")), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{script}: {:?}\n{stderr}", out.status);
    let want = std::fs::read_to_string(data(&format!("{script}.expected.txt"))).unwrap();
    assert_eq!(
        normalise(&String::from_utf8_lossy(&out.stdout)),
        want,
        "{script}"
    );
}

#[test]
fn ordering_js_prints_what_node_prints_byte_for_byte() {
    let out = ruvjs(&data("ordering.js"), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read(data("ordering.expected.txt")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&want)
    );
}

#[test]
fn event_loop_order_ticks_promises_awaits_io_timers_and_before_exit_as_node() {
    matches_node("event_loop_order");
}

#[test]
fn partitioned_average_lets_a_timer_in_and_the_blocking_one_does_not() {
    matches_node("partition_avg");
}

#[test]
fn pbkdf2_calls_run_on_the_pool_and_derive_nodes_key() {
    matches_node("pbkdf2_pool");
}

#[test]
fn a_forked_child_answers_over_ipc_in_order_then_disconnects_and_exits_4() {
    // ruvjs forks ruvjs (process.execPath), JSON messages both ways
    matches_node("child_fork");
}

#[test]
fn a_worker_thread_computes_while_the_main_loop_ticks_and_exits_with_its_code() {
    matches_node("worker_offload");
}

#[test]
fn the_blocking_endpoint_blocks_ping_and_its_three_fixes_do_not() {
    // spawn + http server and client + fork + worker_threads + setImmediate partitioning
    matches_node("blocking_check");
}

#[test]
fn a_cluster_serves_round_robin_restarts_a_crashed_worker_and_shuts_down_on_sigint() {
    // cluster_check.js spawns cluster_hello.js (a primary forking two ruvjs workers)
    matches_node("cluster_check");
}

#[test]
fn cluster_events_come_in_nodes_order_with_messages_both_ways_and_signals_handled() {
    // fork(env), online, listening, message (cluster's then the worker's), a SIGUSR2 the
    // primary sends itself right after listening for it, disconnect, exit; process.kill's
    // argument errors
    matches_node("cluster/events");
}

#[test]
fn a_cluster_primary_broadcasts_to_its_workers_over_ipc() {
    matches_node("cluster_broadcast_check");
}

#[test]
fn a_rolling_restart_replaces_every_worker_without_a_failed_request() {
    matches_node("cluster_rolling_check");
}

#[test]
fn exiting_with_servers_children_workers_and_timers_open_is_clean() {
    // process.exit(3) with an http and a net server, a child, a worker and an interval
    let out = ruvjs(&data("teardown/exit_with_handles.js"), &[]);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read_to_string(data("teardown/exit_with_handles.expected.txt")).unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn workers_that_exit_or_are_terminated_with_handles_open_tear_down_cleanly() {
    matches_node("teardown/worker_with_handles");
}

#[test]
fn an_http_server_answers_an_http_get() {
    let (code, out, err) = run_source(
        "http",
        "const http = require('http');\nconst s = http.createServer((req, res) => { res.statusCode = 201; res.setHeader('X-A', 'b'); res.end('hello ' + req.method + ' ' + req.url); });\ns.listen(0, '127.0.0.1', () => {\n  http.get({ host: '127.0.0.1', port: s.address().port, path: '/x?y=1' }, (res) => {\n    let body = '';\n    res.setEncoding('utf8');\n    res.on('data', (d) => (body += d));\n    res.on('end', () => { console.log(res.statusCode, body); s.close(); });\n  });\n});\n",
    );
    assert_eq!((code, out.as_str()), (0, "201 hello GET /x?y=1\n"), "{err}");
}

#[test]
fn zlib_fs_and_assert_give_nodes_results() {
    let (code, out, err) = run_source(
        "modules",
        "const zlib = require('zlib'), fs = require('fs'), assert = require('assert'), path = require('path');\nconsole.log(zlib.gunzipSync(zlib.gzipSync('hello')).toString(), zlib.inflateSync(zlib.deflateSync(Buffer.from('abc'))).toString());\nzlib.gzip('async data', (e, b) => zlib.gunzip(b, (e2, out) => console.log('async', out.toString())));\nconst f = path.join(__dirname, 'a.txt');\nfs.writeFileSync(f, 'one');\nfs.appendFileSync(f, 'two');\nconsole.log(fs.readFileSync(f, 'utf8'), fs.statSync(f).size, fs.statSync(f).isFile(), fs.readdirSync(__dirname).includes('a.txt'));\nfs.unlinkSync(f);\ntry { fs.statSync(f); } catch (e) { console.log(e.code, e.syscall); }\nassert.deepStrictEqual({ a: [1] }, { a: [1] });\ntry { assert.strictEqual(1, 2); } catch (e) { console.log(e.code, e.name); }\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "hello abc\nonetwo 6 true true\nENOENT stat\nERR_ASSERTION AssertionError\nasync async data\n"),
        "{err}"
    );
}

#[test]
fn dns_lookup_answers_for_a_literal_as_node() {
    let (code, out, err) = run_source(
        "dns",
        "const dns = require('dns');\ndns.lookup('127.0.0.1', (e, a, f) => console.log(e, a, f));\ndns.lookup('127.0.0.1', { all: true }, (e, l) => console.log(JSON.stringify(l)));\n",
    );
    assert_eq!(code, 0, "{err}");
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            "[{\"address\":\"127.0.0.1\",\"family\":4}]",
            "null 127.0.0.1 4"
        ],
        "{out}"
    );
}

#[test]
fn an_uncaught_error_in_a_worker_is_the_parents_error_event_then_exit_1() {
    let (code, out, err) = run_source(
        "worker-error",
        "const { Worker, isMainThread } = require('worker_threads');\nif (isMainThread) {\n  const w = new Worker(__filename);\n  w.on('error', (e) => console.log('error:', e.message));\n  w.on('exit', (c) => console.log('exit', c));\n} else {\n  setTimeout(() => { throw new Error('boom in worker'); }, 1);\n}\n",
    );
    assert_eq!(
        (code, out.as_str()),
        (0, "error: boom in worker\nexit 1\n"),
        "{err}"
    );
}

#[test]
fn a_thrown_error_prints_its_message_and_exits_1_after_the_exit_event() {
    let (code, out, err) = run_source(
        "throw",
        "process.on('exit', (c) => console.log('exit', c));\nsetTimeout(() => { throw new TypeError('bad thing'); }, 1);",
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(out, "exit 1\n");
    assert!(err.starts_with("TypeError: bad thing\n"), "{err}");
}

#[test]
fn an_uncaught_exception_listener_keeps_the_process_going() {
    let (code, out, err) = run_source(
        "uncaught",
        "process.on('uncaughtException', (e) => console.log('caught', e.message));\nsetTimeout(() => { throw new Error('x'); }, 1);\nsetTimeout(() => console.log('later'), 5);",
    );
    assert_eq!((code, out.as_str()), (0, "caught x\nlater\n"), "{err}");
}

#[test]
fn infinite_recursion_is_nodes_range_error_not_a_crash() {
    let (code, out, err) = run_source(
        "recursion",
        "try { (function f() { f(); })(); } catch (e) { console.log(e instanceof RangeError, e.message); }\n(function g() { return g() + 1; })();",
    );
    assert_eq!(out, "true Maximum call stack size exceeded\n");
    assert_eq!(code, 1);
    assert!(
        err.starts_with("RangeError: Maximum call stack size exceeded"),
        "{err}"
    );
}

#[test]
fn a_missing_module_is_module_not_found() {
    let (code, out, err) = run_source(
        "require",
        "try { require('./nope'); } catch (e) { console.log(e.code, e.message.split('\\n')[0]); }\nrequire('nope-either');",
    );
    assert_eq!(out, "MODULE_NOT_FOUND Cannot find module './nope'\n");
    assert_eq!(code, 1);
    assert!(
        err.starts_with("Error: Cannot find module 'nope-either'"),
        "{err}"
    );
}

#[test]
fn a_callback_that_is_not_a_function_is_err_invalid_arg_type() {
    let (code, _, err) = run_source("argtype", "setTimeout('x', 1);");
    assert_eq!(code, 1);
    assert!(
        err.starts_with("TypeError [ERR_INVALID_ARG_TYPE]: The \"callback\" argument must be of type function. Received type string ('x')"),
        "{err}"
    );
}

#[test]
fn an_unhandled_rejection_ends_the_process_unless_a_handler_is_installed() {
    let (code, _, err) = run_source("reject", "Promise.reject(new Error('rej'));");
    assert_eq!(code, 1);
    assert!(err.starts_with("Error: rej"), "{err}");
    let (code, out, err) = run_source(
        "reject-handled",
        "process.on('unhandledRejection', (r) => console.log('seen', r.message));\nPromise.reject(new Error('r2'));\nPromise.reject(1).catch(() => console.log('handled'));",
    );
    assert_eq!((code, out.as_str()), (0, "handled\nseen r2\n"), "{err}");
}

#[test]
fn a_syntax_error_names_the_file_and_line_and_exits_1() {
    let (code, _, err) = run_source("syntax", "const ok = 1;\nlet x = ;\n");
    assert_eq!(code, 1);
    // Node's display: `file:line`, the line, a caret, then the error (tests/badinput.rs)
    assert!(err.contains("syntax.js:2\nlet x = ;\n        ^\n"), "{err}");
    assert!(
        err.contains("\nSyntaxError: Unexpected token ';'\n"),
        "{err}"
    );
}

#[test]
fn exit_code_and_process_exit_run_the_exit_event_once() {
    let (code, out, _) = run_source(
        "exitcode",
        "process.on('exit', (c) => console.log('exit', c));\nprocess.exitCode = 3;",
    );
    assert_eq!((code, out.as_str()), (3, "exit 3\n"));
    let (code, out, _) = run_source(
        "exit",
        "process.on('exit', (c) => console.log('exit', c));\nsetTimeout(() => console.log('never'), 10);\nprocess.exit(5);",
    );
    assert_eq!((code, out.as_str()), (5, "exit 5\n"));
}

#[test]
fn allocating_without_bound_under_a_heap_limit_is_a_clean_out_of_memory_error() {
    let dir = std::env::temp_dir().join(format!("ruvjs-test-{}-oom", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("oom.js");
    std::fs::write(
        &file,
        "const a = [];\nfor (;;) a.push('x'.repeat(1000) + a.length);\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ruvjs"))
        .arg("--max-old-space-size=32")
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Node's words and exit code 1, not an abort (docs/js.md, "Heap limit")
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("JavaScript heap out of memory"), "{err}");
    assert!(!err.contains("Assertion"), "{err}");
}

#[test]
fn the_shared_seed_scripts_that_ruvjs_covers_pass_run_sh() {
    let run_sh = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed-scripts/run.sh");
    if !run_sh.exists() {
        eprintln!(
            "skipped: {} is absent (the seed scripts live beside the repo)",
            run_sh.display()
        );
        return;
    }
    let out = Command::new("bash")
        .arg(&run_sh)
        .arg(env!("CARGO_BIN_EXE_ruvjs"))
        .output()
        .expect("bash runs");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(text.contains("9 passed, 0 failed"), "{text}");
}
