//! How workers share a port, end to end: the tests run `ruv-cluster-testapp-net` (this
//! crate's test binary, never the test harness) as a primary with workers under each
//! policy, read its JSON event lines, and talk HTTP or UDP to the shared port. Waiting on
//! those processes is bounded (a line, a reply within 60 s): no sleep synchronises.

mod common;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::sync::mpsc::channel;
use std::time::Instant;

use common::{App, BOUND};

/// One request on a fresh connection: the id and pid of the worker that answered.
fn get_pid(port: u16) -> (usize, i32) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(BOUND)).unwrap();
    s.write_all(b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut r = String::new();
    s.read_to_string(&mut r).expect("a response");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let body = r.split("\r\n\r\n").nth(1).unwrap_or("");
    let mut it = body.split(' ').map(|n| n.parse::<i32>().expect("ID PID"));
    (it.next().unwrap() as usize, it.next().unwrap())
}

/// One request on a fresh connection: the id of the worker that answered.
fn get(port: u16) -> usize {
    get_pid(port).0
}

/// `n` requests, each on its own connection: requests by worker id (index 0 unused).
fn spread(port: u16, n: usize) -> [usize; 3] {
    let mut by = [0; 3];
    for _ in 0..n {
        by[get(port)] += 1;
    }
    by
}

#[test]
fn reuseport_is_chosen_by_ruvs_variable_and_serves_from_both_workers() {
    let mut app = App::net(&["http", "0", "2"], Some("reuseport"));
    let policy = app.wait_for(|v| v["p"] == "policy");
    assert_eq!(policy["policy"], "ReusePort");
    let port = app.listening(2);
    // the kernel hashes each connection's 4-tuple over the two sockets: 200 fresh
    // connections all landing on one worker has probability 2^-199
    let by = spread(port, 200);
    eprintln!(
        "reuseport, 200 connections: worker 1 {}, worker 2 {}",
        by[1], by[2]
    );
    assert!(by[1] > 0 && by[2] > 0, "requests by worker: {by:?}");
    let seen = app.stop();
    let exits: Vec<&Value> = seen.iter().filter(|v| v["p"] == "exit").collect();
    assert_eq!(exits.len(), 2, "{seen:?}");
    assert!(exits.iter().all(|e| e["code"] == 0), "{seen:?}");
}

#[test]
fn a_second_cluster_without_reuseport_gets_eaddrinuse_on_a_reuseport_clusters_port() {
    let mut a = App::net(&["http", "0", "2"], Some("reuseport"));
    let port = a.listening(2).to_string();
    for policy in ["rr", "shared"] {
        let mut b = App::net(&["http", &port, "1"], Some(policy));
        let v = b.wait_for(|v| v["ev"] == "listen_error");
        assert_eq!(v["code"], "EADDRINUSE", "{policy}: {v}");
        let message = v["message"].as_str().unwrap();
        assert!(
            message.starts_with("EADDRINUSE") && message.contains(&port),
            "{v}"
        );
        b.kill();
    }
    a.stop();
}

#[test]
fn a_second_reuseport_cluster_of_the_same_user_joins_the_port() {
    // Linux lets any SO_REUSEPORT socket of the same uid into the group: a second
    // reuseport cluster on the port is not refused, it shares the connections
    let mut a = App::net(&["http", "0", "1"], Some("reuseport"));
    let port = a.listening(1);
    let mut b = App::net(&["http", &port.to_string(), "1"], Some("reuseport"));
    assert_eq!(b.listening(1), port);
    get(port);
    b.stop();
    a.stop();
}

#[test]
fn a_reuseport_port_stays_held_by_the_primary_while_no_worker_listens() {
    // worker 2 never listens: once worker 1 is killed, only the primary's bound socket
    // holds the port, and another program (SO_REUSEADDR, as std and libuv set) cannot take it
    let mut app = App::net(&["http-one", "0", "2"], Some("reuseport"));
    let port = app.listening(1);
    let (id, pid) = get_pid(port);
    assert_eq!(id, 1);
    // SAFETY: kill(2) on the pid our own cluster's worker reported.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    app.wait_for(|v| v["p"] == "exit" && v["w"] == 1);
    let thief = std::net::TcpListener::bind(("127.0.0.1", port));
    assert_eq!(
        thief.map(drop).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::AddrInUse)
    );
    app.stop();
}

/// A Node worker: answers "ID PID" on 127.0.0.1, port 0.
const NODE_WORKER: &str = r#"
const cluster = require('node:cluster');
const http = require('node:http');
http.createServer((req, res) => res.end(`${cluster.worker.id} ${process.pid}`))
  .listen(0, '127.0.0.1');
"#;

#[test]
fn node_workers_on_a_reuseport_cluster_get_round_robin() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ruv-cluster-node-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("worker.js");
    std::fs::write(&script, NODE_WORKER).unwrap();
    let env = [("NODE_WORKER", script.to_str().unwrap())];
    let mut app = App::net_env(&["http", "0", "2"], Some("reuseport"), &env);
    let port = app.listening(2);
    // Node workers never ask for reuseport and bind nothing: the primary listens itself
    // (round-robin) and hands each connection to a Node worker as `net.Native`, what Node's
    // own primary sends: the Node worker serves it.
    let mut conn = TcpStream::connect(("127.0.0.1", port)).expect("the primary listens");
    conn.set_read_timeout(Some(BOUND)).unwrap();
    conn.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer)
        .expect("a Node worker answered");
    let body = answer.rsplit("\r\n\r\n").next().unwrap_or("");
    let id = body.split(' ').next().unwrap_or("");
    assert!(
        id == "1" || id == "2",
        "answer from a Node worker: {answer:?}"
    );
    // killing the primary closes the channels and Node's workers exit
    app.kill();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn reuseport_bind_errors_reach_the_workers_listen_callback() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut app = App::net(&["http", &port, "1"], Some("reuseport"));
    let v = app.wait_for(|v| v["ev"] == "listen_error");
    assert_eq!(v["code"], "EADDRINUSE", "{v}");
    app.kill();
    drop(taken);
}

#[test]
fn udp_in_a_cluster_is_shared_and_every_datagram_is_answered_by_a_worker() {
    for policy in [None, Some("shared"), Some("reuseport")] {
        let mut app = App::net(&["udp", "0", "2"], policy);
        let port = app.listening(2);
        let client = UdpSocket::bind("127.0.0.1:0").unwrap();
        client.set_read_timeout(Some(BOUND)).unwrap();
        let mut by = [0usize; 3];
        let mut buf = [0u8; 64];
        for i in 0..100u32 {
            client
                .send_to(i.to_string().as_bytes(), ("127.0.0.1", port))
                .unwrap();
            let (n, _) = client.recv_from(&mut buf).expect("a reply");
            let id: usize = std::str::from_utf8(&buf[..n]).unwrap().parse().unwrap();
            by[id] += 1;
        }
        eprintln!(
            "udp ({policy:?}), 100 datagrams: worker 1 {}, worker 2 {}",
            by[1], by[2]
        );
        assert_eq!(by[1] + by[2], 100, "{by:?}");
        let seen = app.stop();
        let exits = seen.iter().filter(|v| v["p"] == "exit").count();
        assert_eq!(exits, 2, "{seen:?}");
    }
}

#[test]
fn a_udp_bind_error_reaches_the_workers_callback() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let mut app = App::net(&["udp", &port, "1"], None);
    let v = app.wait_for(|v| v["ev"] == "listen_error");
    assert_eq!(v["code"], "EADDRINUSE", "{v}");
    assert!(v["message"].as_str().unwrap().contains(&port), "{v}");
    app.kill();
    drop(taken);
}

#[test]
fn requests_per_worker_under_each_policy_are_recorded() {
    // figures, not a balance check: which worker the kernel (shared, reuseport) or the
    // primary's first-free rule (rr) picks depends on timing
    for policy in ["rr", "shared", "reuseport"] {
        let mut app = App::net(&["http", "0", "2"], Some(policy));
        let port = app.listening(2);
        let by = spread(port, 200);
        eprintln!(
            "{policy}, 200 sequential connections: worker 1 {}, worker 2 {}",
            by[1], by[2]
        );
        assert_eq!(by[1] + by[2], 200);
        app.stop();
    }
}

/// A Node primary forking ruv workers: round-robin by Node's own primary, then disconnect.
const NODE_PRIMARY: &str = r#"
const cluster = require('node:cluster');
const http = require('node:http');
// Node's cluster runs `execPath [execArgv] exec args`: the ruv binary as the "node" to run
process.execPath = process.argv[2];
cluster.setupPrimary({ exec: 'http', args: ['0', '2'], execArgv: [], silent: true });
for (let i = 0; i < 2; i++) cluster.fork();
let listening = 0;
cluster.on('listening', (_w, addr) => {
  if (++listening !== 2) return;
  const seen = new Set();
  let n = 0;
  const get = () => http.get({ host: '127.0.0.1', port: addr.port, agent: false }, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => {
      seen.add(body.split(' ')[0]);
      if (seen.size === 2 || ++n > 100) {
        console.log(JSON.stringify({ ids: [...seen].sort() }));
        for (const id in cluster.workers) cluster.workers[id].disconnect();
      } else get();
    });
  });
  get();
});
let exits = 0;
cluster.on('exit', (_w, code) => {
  console.log(JSON.stringify({ exit: code }));
  if (++exits === 2) process.exit(0);
});
"#;

#[test]
fn ruv_workers_serve_under_a_node_primary() {
    if Command::new("node").arg("--version").output().is_err() {
        eprintln!("skipped: node is not installed");
        return;
    }
    let dir = std::env::temp_dir().join(format!("ruv-cluster-nodep-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("primary.js");
    std::fs::write(&script, NODE_PRIMARY).unwrap();
    let mut child = Command::new("node")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_ruv-cluster-testapp-net"))
        .env_remove("RUV_CLUSTER_SCHED_POLICY")
        .env_remove("NODE_CLUSTER_SCHED_POLICY")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let deadline = Instant::now() + BOUND;
    while lines
        .iter()
        .filter(|l: &&String| l.contains("\"exit\""))
        .count()
        < 2
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => lines.push(l),
            Err(_) => {
                child.kill().ok();
                panic!("the Node primary did not finish: {lines:?}");
            }
        }
    }
    assert!(child.wait().unwrap().success());
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        lines.iter().any(|l| l == r#"{"ids":["1","2"]}"#),
        "both ruv workers answered Node's round-robin: {lines:?}"
    );
    let exits: Vec<&String> = lines.iter().filter(|l| l.contains("\"exit\"")).collect();
    assert!(
        exits.iter().all(|l| l.as_str() == r#"{"exit":0}"#),
        "{exits:?}"
    );
}

#[test]
fn a_connection_handed_to_a_worker_that_dies_before_answering_goes_to_another_worker() {
    // worker 1 takes its first connection and exits without answering `newconn`: it never
    // read it, so the primary (which keeps its copy until the answer) hands it to worker 2
    let mut app = App::net(&["http-rogue", "0", "2"], None);
    let port = app.listening(2);
    let mut by = [0usize; 3];
    for _ in 0..4 {
        by[get(port)] += 1;
    }
    assert_eq!(by, [0, 0, 4], "every request answered, all by worker 2");
    app.wait_for(|v| v["ev"] == "dropped");
    let exit = app.wait_for(|v| v["p"] == "exit");
    assert_eq!(
        (exit["w"].as_u64(), exit["code"].as_i64()),
        (Some(1), Some(3))
    );
    app.stop();
}

#[test]
fn malformed_and_oversized_messages_from_a_worker_are_errors_and_the_cluster_goes_on() {
    let mut app = App::net(&["http-garbage", "0", "2"], None);
    let port = app.listening(1); // worker 2; worker 1 never listens
    let mut codes = Vec::new();
    for _ in 0..2 {
        let e = app.wait_for(|v| v["p"] == "error" && v["w"] == 1);
        codes.push(e["error"].as_str().unwrap().to_string());
    }
    assert!(
        codes[0].starts_with("ERR_IPC_INVALID_MESSAGE")
            && codes[1].starts_with("ERR_IPC_MESSAGE_TOO_LARGE"),
        "{codes:?}"
    );
    assert_eq!(get(port), 2, "worker 2 still serves");
    let seen = app.stop();
    assert!(seen
        .iter()
        .any(|v| v["ev"] == "garbage_sent" && v["ok"] == true));
    let exits = seen.iter().filter(|v| v["p"] == "exit").count();
    assert_eq!(exits, 2, "both workers exited: {seen:?}");
}
