#![allow(clippy::unused_unit)] // `-> ()` fixes the return type of callbacks that only panic
//! Connect/close cycles leave no fd behind (its own test binary: /proc/self/fd is
//! process-wide, so no other test may run beside it).

use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, RunMode, Timer};
use ruv_net::Tcp;
use std::net::SocketAddr;

fn open_fds() -> usize {
    // read_dir holds one fd of its own while listing
    std::fs::read_dir("/proc/self/fd").unwrap().count() - 1
}

struct Cycles {
    addr: SocketAddr,
    left: usize,
    accepted: usize,
    client_closed: usize,
}

fn next(lp: &mut Loop<Cycles>, st: &mut Cycles) {
    if st.left == 0 {
        return;
    }
    st.left -= 1;
    let c = Tcp::connect(lp, st.addr, |_, _, r| r.unwrap()).unwrap();
    c.write(lp, b"x").unwrap();
    c.on_event(lp, |lp, _, c, ev| match ev {
        // the server closes after reading our byte: the end
        StreamEvent::End => {
            c.close(lp).unwrap().then(|lp, st| {
                st.client_closed += 1;
                next(lp, st);
            });
        }
        StreamEvent::Close => {}
        ev => panic!("unexpected {ev:?}"),
    })
    .unwrap();
}

#[test]
fn connect_close_cycles_leak_no_fd() {
    const CYCLES: usize = 10_000;
    let before = open_fds();
    {
        let mut lp: Loop<Cycles> = Loop::new().unwrap();
        let guard = Timer::new(&mut lp).unwrap();
        guard
            .start(&mut lp, 120_000, 0, |_, _, _| -> () { panic!("timed out") })
            .unwrap();
        guard.set_ref(&mut lp, false);
        let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap()).unwrap();
        server
            .listen(&mut lp, 128, |lp, st, server, r| {
                r.unwrap();
                let c = server.accept(lp).unwrap();
                st.accepted += 1;
                c.on_event(lp, |lp, _, c, ev| {
                    if !matches!(ev, StreamEvent::Close) {
                        c.close(lp).unwrap();
                    }
                })
                .unwrap();
                if st.accepted == CYCLES {
                    server.close(lp).unwrap();
                }
            })
            .unwrap();
        let addr = server.local_addr(&lp).unwrap();
        let mut st = Cycles {
            addr,
            left: CYCLES,
            accepted: 0,
            client_closed: 0,
        };
        next(&mut lp, &mut st);
        lp.run(RunMode::Default, &mut st).unwrap();
        assert_eq!(st.accepted, CYCLES);
        assert_eq!(st.client_closed, CYCLES);
    }
    assert_eq!(
        open_fds(),
        before,
        "fds open before and after {CYCLES} cycles"
    );
}
