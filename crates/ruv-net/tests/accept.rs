//! Accept control on a listening `Tcp`: `pause_accept`/`resume_accept` leave connections
//! in the kernel backlog (clients are not refused), and `set_accept_batch` bounds how many
//! are taken per readiness event. Clients are blocking `std` sockets: on loopback the
//! kernel completes their handshake into the backlog without the loop's help.

use ruv_core::{Code, Loop, RunMode};
use ruv_net::Tcp;
use std::net::TcpStream;
use std::os::fd::AsRawFd;

mod common;
use common::{any_port, guard};

#[derive(Default)]
struct Count {
    accepted: Vec<Tcp>,
}

/// Whether the listener's backlog holds a connection (poll(2), up to `ms`).
fn backlog_ready(lp: &Loop<Count>, server: Tcp, ms: i32) -> bool {
    let fd = server.as_fd(lp).unwrap().as_raw_fd();
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: `p` is one valid pollfd for the duration of the call; `fd` is open (the
    // listener owns it while `lp` is borrowed).
    let n = unsafe { libc::poll(&mut p, 1, ms) };
    n == 1 && p.revents & libc::POLLIN != 0
}

fn listener(lp: &mut Loop<Count>) -> Tcp {
    let server = Tcp::bind(lp, any_port()).unwrap();
    server
        .listen(lp, 64, |lp, st: &mut Count, server, r| {
            r.unwrap();
            st.accepted.push(server.accept(lp).unwrap());
        })
        .unwrap();
    server
}

fn connect(lp: &Loop<Count>, server: Tcp, n: usize) -> Vec<TcpStream> {
    let addr = server.local_addr(lp).unwrap();
    (0..n).map(|_| TcpStream::connect(addr).unwrap()).collect()
}

fn close_all(lp: &mut Loop<Count>, st: &mut Count, server: Tcp) {
    for c in st.accepted.drain(..) {
        c.close(lp).unwrap();
    }
    server.close(lp).unwrap();
    lp.run(RunMode::Default, st).unwrap();
}

#[test]
fn paused_listener_leaves_connections_queued_and_resume_takes_them() {
    let mut lp: Loop<Count> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let mut st = Count::default();
    let server = listener(&mut lp);
    server.pause_accept(&mut lp).unwrap();
    server.pause_accept(&mut lp).unwrap(); // twice is a no-op
                                           // Connecting succeeds while paused: not refused, queued by the kernel.
    let clients = connect(&lp, server, 3);
    assert!(backlog_ready(&lp, server, 5_000));
    for _ in 0..5 {
        lp.run(RunMode::NoWait, &mut st).unwrap();
    }
    assert!(
        st.accepted.is_empty(),
        "a paused listener took a connection"
    );
    assert!(backlog_ready(&lp, server, 0), "the backlog was drained");
    server.resume_accept(&mut lp).unwrap();
    while st.accepted.len() < clients.len() {
        lp.run(RunMode::Once, &mut st).unwrap();
    }
    let mut peers: Vec<_> = st
        .accepted
        .iter()
        .map(|c| c.peer_addr(&lp).unwrap())
        .collect();
    let mut locals: Vec<_> = clients.iter().map(|c| c.local_addr().unwrap()).collect();
    peers.sort();
    locals.sort();
    assert_eq!(peers, locals);
    close_all(&mut lp, &mut st, server);
}

#[test]
fn pause_inside_connection_callback_stops_the_batch() {
    let mut lp: Loop<Count> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let mut st = Count::default();
    let server = Tcp::bind(&mut lp, any_port()).unwrap();
    server
        .listen(&mut lp, 64, |lp, st: &mut Count, server, r| {
            r.unwrap();
            st.accepted.push(server.accept(lp).unwrap());
            server.pause_accept(lp).unwrap();
        })
        .unwrap();
    let _clients = connect(&lp, server, 3);
    assert!(backlog_ready(&lp, server, 5_000));
    while st.accepted.is_empty() {
        lp.run(RunMode::Once, &mut st).unwrap();
    }
    for _ in 0..5 {
        lp.run(RunMode::NoWait, &mut st).unwrap();
    }
    assert_eq!(st.accepted.len(), 1);
    assert!(backlog_ready(&lp, server, 0));
    close_all(&mut lp, &mut st, server);
}

#[test]
fn accept_batch_of_one_takes_one_connection_per_iteration() {
    let mut lp: Loop<Count> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let mut st = Count::default();
    let server = listener(&mut lp);
    server.set_accept_batch(&mut lp, 1).unwrap();
    let clients = connect(&lp, server, 4);
    assert!(backlog_ready(&lp, server, 5_000));
    let mut iterations = 0;
    while st.accepted.len() < clients.len() {
        let before = st.accepted.len();
        lp.run(RunMode::Once, &mut st).unwrap();
        assert!(st.accepted.len() - before <= 1, "more than one per event");
        iterations += 1;
    }
    assert!(iterations >= clients.len());
    close_all(&mut lp, &mut st, server);
}

#[test]
fn accept_controls_reject_bad_input_with_einval() {
    let mut lp: Loop<Count> = Loop::new().unwrap();
    let mut st = Count::default();
    let bound = Tcp::bind(&mut lp, any_port()).unwrap();
    assert_eq!(
        bound.pause_accept(&mut lp).unwrap_err().code(),
        Code::EINVAL
    );
    assert_eq!(
        bound.resume_accept(&mut lp).unwrap_err().code(),
        Code::EINVAL
    );
    assert_eq!(
        bound.set_accept_batch(&mut lp, 0).unwrap_err().code(),
        Code::EINVAL
    );
    bound.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(bound.pause_accept(&mut lp).unwrap_err().code(), Code::EBADF);
}

#[test]
fn a_deferred_listener_accepts_a_connection_only_once_its_client_has_sent_data() {
    use std::io::Write;
    let mut lp: Loop<Count> = Loop::new().unwrap();
    guard(&mut lp, 20_000);
    let server = listener(&mut lp);
    // far longer than the test: the silent client is never queued while it runs
    server
        .set_defer_accept(&lp, std::time::Duration::from_secs(60))
        .unwrap();
    let silent = connect(&lp, server, 1);
    let mut talker = connect(&lp, server, 1);
    talker[0].write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut st = Count::default();
    while st.accepted.is_empty() {
        lp.run(RunMode::Once, &mut st).unwrap();
    }
    assert_eq!(
        st.accepted.len(),
        1,
        "only the client that sent data is accepted"
    );
    let peer = st.accepted[0].peer_addr(&lp).unwrap();
    assert_eq!(peer, talker[0].local_addr().unwrap());
    assert_ne!(peer, silent[0].local_addr().unwrap());
    assert!(
        !backlog_ready(&lp, server, 0),
        "the silent one is not in the backlog"
    );
    close_all(&mut lp, &mut st, server);
}
