#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Accepting while out of fds (EMFILE): the loop must not spin and the listener must keep
//! working. The server runs in a child process (this test binary re-executed with an env
//! marker) whose RLIMIT_NOFILE is lowered; the parent makes the connections.

use ruv_core::{Code, Loop, RunMode, Timer};
use ruv_net::Tcp;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const MARKER: &str = "RUV_NET_EMFILE_CHILD";

#[derive(Default)]
struct Child {
    held: Vec<Tcp>,
    emfile_errors: usize,
    loops_at_emfile: u64,
    freed: bool,
    accepted_after: bool,
}

fn max_open_fd() -> i32 {
    std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .max()
        .unwrap()
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").unwrap();
    out.flush().unwrap();
}

fn child() {
    let mut lp: Loop<Child> = Loop::new().unwrap();
    let guard = Timer::new(&mut lp).unwrap();
    guard
        .start(&mut lp, 20_000, 0, |_, _, _| -> () {
            panic!("child timed out")
        })
        .unwrap();
    guard.set_ref(&mut lp, false);
    let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
    server
        .listen(&mut lp, 128, |lp, st, server, r| match r {
            Ok(()) => {
                let c = server.accept(lp).unwrap();
                if st.freed {
                    st.accepted_after = true;
                    c.close(lp).unwrap();
                    server.close(lp).unwrap();
                } else {
                    st.held.push(c);
                }
            }
            Err(e) => {
                assert!(matches!(e.code(), Code::EMFILE | Code::ENFILE), "{e}");
                st.emfile_errors += 1;
                if st.emfile_errors > 1 {
                    return;
                }
                st.loops_at_emfile = lp.metrics().loop_count();
                // A window to measure the loop in: a spinning loop would iterate
                // thousands of times in it.
                let t = Timer::new(lp).unwrap();
                t.start(lp, 300, 0, |lp, st, t| {
                    let spins = lp.metrics().loop_count() - st.loops_at_emfile;
                    say(&format!("LOOPS {spins}"));
                    assert!(spins < 100, "loop spun {spins} times while out of fds");
                    for c in st.held.drain(..) {
                        c.close(lp).unwrap();
                    }
                    st.freed = true;
                    t.close(lp).unwrap();
                    say("FREED");
                })
                .unwrap();
            }
        })
        .unwrap();
    let port = server.local_addr(&lp).unwrap().port();
    // Fill the gaps below the highest open fd (the harness may hold a high one), then
    // leave room for a few more fds only.
    let top = max_open_fd();
    let mut fillers = Vec::new();
    loop {
        let f = std::fs::File::open("/dev/null").unwrap();
        if std::os::fd::AsRawFd::as_raw_fd(&f) > top {
            break;
        }
        fillers.push(f);
    }
    let limit = (top + 6) as libc::rlim_t;
    let rl = libc::rlimit {
        rlim_cur: limit,
        rlim_max: limit,
    };
    // SAFETY: setrlimit reads the struct we pass by pointer; it lives on our stack.
    assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rl) }, 0);
    say(&format!("PORT {port}"));
    let mut st = Child::default();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert!(st.emfile_errors >= 1);
    assert!(st.accepted_after);
    say("ACCEPTED");
}

#[test]
fn emfile_child() {
    if std::env::var_os(MARKER).is_some() {
        child();
    }
}

#[test]
fn emfile_does_not_spin_or_lose_the_listener() {
    let mut proc = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "emfile_child", "--nocapture", "--test-threads=1"])
        .env(MARKER, "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(proc.stdout.take().unwrap()).lines();
    let mut next_line = |prefix: &str| -> String {
        for line in lines.by_ref() {
            let line = line.unwrap();
            // the harness may print "test emfile_child ... " on the same line first
            if let Some(at) = line.find(prefix) {
                return line[at..].to_string();
            }
        }
        let _ = proc.kill();
        panic!("child ended before printing {prefix}");
    };
    let port: u16 = next_line("PORT ")[5..].parse().unwrap();
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    // More connections than the child has fds for; the kernel completes them all from the
    // backlog whether or not the child accepts.
    let clients: Vec<_> = (0..40)
        .map(|_| std::net::TcpStream::connect(addr).unwrap())
        .collect();
    let loops = next_line("LOOPS ");
    next_line("FREED");
    let late = std::net::TcpStream::connect(addr).unwrap();
    next_line("ACCEPTED");
    let status = proc.wait().unwrap();
    assert!(status.success(), "child failed ({loops})");
    drop((clients, late));
    eprintln!("{loops}");
}
