//! Message ports: the behaviours of Node's test-worker-message-port* tests, restated for
//! typed ports on ruv loops.

use ruv_core::{Code, Loop, RunMode};
use ruv_worker::codes::ERR_PORT_CLOSED;
use ruv_worker::{MessageChannel, MessagePort, PortEnd, PortEvent};
use std::thread;

#[derive(Debug, PartialEq)]
enum Seen {
    Msg(u32),
    Close,
}

fn recorder(lp: &mut Loop<Vec<Seen>>, end: PortEnd<u32>) -> MessagePort<u32> {
    end.attach(lp, |_, log: &mut Vec<Seen>, _, ev| match ev {
        PortEvent::Message(m) => log.push(Seen::Msg(m)),
        PortEvent::Close => log.push(Seen::Close),
    })
    .unwrap()
}

#[test]
fn messages_arrive_in_the_order_they_were_posted_from_another_thread() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    recorder(&mut lp, b);
    // `a` is dropped at the end of the thread: the channel closes after the last message
    thread::spawn(move || {
        for i in 0..10_000 {
            assert!(a.post_message(i));
        }
    })
    .join()
    .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    let expected: Vec<Seen> = (0..10_000).map(Seen::Msg).chain([Seen::Close]).collect();
    assert_eq!(log, expected);
}

#[test]
fn a_burst_posted_before_the_loop_runs_is_delivered_in_one_poll_phase() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    let port = recorder(&mut lp, b);
    for i in 0..1000 {
        a.post_message(i);
    }
    let before = lp.metrics().loop_count();
    let mut log = Vec::new();
    lp.run(RunMode::NoWait, &mut log).unwrap();
    assert_eq!(
        log.len(),
        1000,
        "one wake-up, one iteration, the whole burst"
    );
    assert_eq!(lp.metrics().loop_count() - before, 1);
    port.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
}

#[test]
fn a_posted_vec_is_moved_not_copied() {
    let (a, b) = MessageChannel::new::<Vec<u8>>();
    let big = vec![7u8; 64 << 20];
    let addr = big.as_ptr() as usize;
    assert!(a.post_message(big)); // `big` is gone from here: the compiler enforces it
    let mut lp: Loop<Option<(usize, usize)>> = Loop::new().unwrap();
    b.attach(&mut lp, |lp, got, port, ev| {
        if let PortEvent::Message(v) = ev {
            *got = Some((v.as_ptr() as usize, v.len()));
            port.close(lp)?;
        }
        Ok(())
    })
    .unwrap();
    let mut got = None;
    lp.run(RunMode::Default, &mut got).unwrap();
    assert_eq!(got, Some((addr, 64 << 20)), "the same allocation arrived");
}

#[test]
fn a_port_sent_through_a_port_keeps_its_channel_on_the_other_loop() {
    // (x, y) carries numbers; y travels to another thread through (a, b)
    let (x, y) = MessageChannel::new::<u32>();
    let (a, b) = MessageChannel::new::<PortEnd<u32>>();
    assert!(a.post_message(y));
    let other = thread::spawn(move || {
        let mut lp: Loop<Vec<Seen>> = Loop::new().unwrap();
        b.attach(&mut lp, |lp, _, carrier, ev| {
            if let PortEvent::Message(y) = ev {
                y.attach(lp, |_, log: &mut Vec<Seen>, _, ev| match ev {
                    PortEvent::Message(m) => log.push(Seen::Msg(m)),
                    PortEvent::Close => log.push(Seen::Close),
                })?;
                carrier.close(lp)?;
            }
            Ok(())
        })
        .unwrap();
        let mut log = Vec::new();
        lp.run(RunMode::Default, &mut log).unwrap();
        log
    });
    x.post_message(1);
    x.post_message(2);
    drop(x);
    assert_eq!(
        other.join().unwrap(),
        [Seen::Msg(1), Seen::Msg(2), Seen::Close]
    );
}

#[test]
fn detaching_a_port_mid_batch_keeps_the_rest_in_order_for_its_next_loop() {
    let (a, b) = MessageChannel::new::<u32>();
    for i in 0..6 {
        a.post_message(i);
    }
    drop(a);
    let mut lp: Loop<(Vec<u32>, Option<PortEnd<u32>>)> = Loop::new().unwrap();
    b.attach(&mut lp, |lp, (seen, out), port, ev| {
        if let PortEvent::Message(m) = ev {
            seen.push(m);
            if m == 2 {
                *out = Some(port.detach(lp)?);
            }
        }
        Ok(())
    })
    .unwrap();
    let mut st = (Vec::new(), None);
    lp.run(RunMode::Default, &mut st).unwrap();
    assert_eq!(st.0, [0, 1, 2]);
    let rest = st.1.take().expect("detached");
    let mut lp2: Loop<Vec<Seen>> = Loop::new().unwrap();
    recorder(&mut lp2, rest);
    let mut log = Vec::new();
    lp2.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [Seen::Msg(3), Seen::Msg(4), Seen::Msg(5), Seen::Close]);
}

#[test]
fn closing_either_end_closes_both_and_each_sees_close_last() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp: Loop<Vec<(char, Seen)>> = Loop::new().unwrap();
    let pa = a
        .attach(&mut lp, |_, log: &mut Vec<(char, Seen)>, _, ev| match ev {
            PortEvent::Message(m) => log.push(('a', Seen::Msg(m))),
            PortEvent::Close => log.push(('a', Seen::Close)),
        })
        .unwrap();
    let pb = b
        .attach(&mut lp, |_, log: &mut Vec<(char, Seen)>, _, ev| match ev {
            PortEvent::Message(m) => log.push(('b', Seen::Msg(m))),
            PortEvent::Close => log.push(('b', Seen::Close)),
        })
        .unwrap();
    assert!(pa.post_message(&lp, 5));
    pa.close(&mut lp).unwrap();
    assert!(
        !pa.post_message(&lp, 6),
        "posting on a closed port reports false"
    );
    assert!(!pb.post_message(&lp, 7), "and so does posting to it");
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(log.contains(&('a', Seen::Close)));
    let b_events: Vec<&Seen> = log
        .iter()
        .filter(|(w, _)| *w == 'b')
        .map(|(_, e)| e)
        .collect();
    assert_eq!(
        b_events,
        [&Seen::Msg(5), &Seen::Close],
        "sent before the close, then close"
    );
}

#[test]
fn an_unreferenced_port_lets_its_loop_exit() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    let port = recorder(&mut lp, b);
    assert!(port.has_ref(&lp).unwrap());
    port.set_ref(&mut lp, false);
    let mut log = Vec::new();
    // `a` is alive: a referenced port would wait for it for ever
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    assert!(log.is_empty());
    drop(a);
}

#[test]
fn a_referenced_port_keeps_its_loop_alive_until_the_channel_closes() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    recorder(&mut lp, b);
    let t = thread::spawn(move || {
        a.post_message(9);
        // dropped here: the channel closes
    });
    let mut log = Vec::new();
    assert!(!lp.run(RunMode::Default, &mut log).unwrap());
    t.join().unwrap();
    assert_eq!(log, [Seen::Msg(9), Seen::Close]);
}

#[test]
fn a_closed_port_cannot_be_detached_or_closed_again() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    let port = recorder(&mut lp, b);
    port.close(&mut lp).unwrap();
    assert_eq!(port.detach(&mut lp).unwrap_err().code(), ERR_PORT_CLOSED);
    assert_eq!(port.close(&mut lp).unwrap_err().code(), Code::EINVAL);
    assert_eq!(
        port.detach(&mut lp).unwrap_err().to_string(),
        "ERR_PORT_CLOSED: the port is closed and cannot be moved"
    );
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    // stale now
    assert_eq!(port.detach(&mut lp).unwrap_err().code(), ERR_PORT_CLOSED);
    assert_eq!(port.close(&mut lp).unwrap_err().code(), Code::EBADF);
    assert!(!port.post_message(&lp, 1));
    port.set_ref(&mut lp, true); // idempotent: no-op on a stale id
    assert!(a.is_closed());
    assert!(!a.post_message(1));
}

#[test]
fn a_port_whose_other_end_closed_moves_with_its_unread_messages_then_closes() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp = Loop::new().unwrap();
    let port = recorder(&mut lp, b);
    a.post_message(4);
    drop(a);
    let moved = port.detach(&mut lp).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(
        log.is_empty(),
        "a detached port reports nothing on its old loop"
    );
    let mut lp2 = Loop::new().unwrap();
    recorder(&mut lp2, moved);
    lp2.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [Seen::Msg(4), Seen::Close]);
}

#[test]
fn receive_message_takes_a_waiting_message_synchronously() {
    let (a, b) = MessageChannel::new::<u32>();
    assert_eq!(b.receive_message(), None);
    a.post_message(1);
    a.post_message(2);
    assert_eq!(b.receive_message(), Some(1));
    let mut lp = Loop::new().unwrap();
    let port = recorder(&mut lp, b);
    assert_eq!(port.receive_message(&mut lp), Some(2));
    assert_eq!(port.receive_message(&mut lp), None);
    port.close(&mut lp).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(
        log,
        [Seen::Close],
        "a message taken synchronously is not delivered again"
    );
}

#[test]
fn an_error_returned_by_a_message_callback_is_the_loops_uncaught_error() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp: Loop<()> = Loop::new().unwrap();
    b.attach(&mut lp, |_, _, _, ev| match ev {
        PortEvent::Message(_) => Err(ruv_core::Error::new(Code::EIO).with_detail("bad message")),
        PortEvent::Close => Ok(()),
    })
    .unwrap();
    a.post_message(1);
    let err = lp.run(RunMode::Default, &mut ()).unwrap_err();
    assert_eq!(err.to_string(), "EIO: bad message");
}

#[test]
fn an_uncaught_error_mid_batch_leaves_the_rest_for_the_next_run() {
    let (a, b) = MessageChannel::new::<u32>();
    let mut lp: Loop<Vec<Seen>> = Loop::new().unwrap();
    b.attach(&mut lp, |_, log: &mut Vec<Seen>, _, ev| match ev {
        PortEvent::Message(m) => {
            log.push(Seen::Msg(m));
            if m == 1 {
                return Err(ruv_core::Error::new(Code::EIO).with_detail("bad message"));
            }
            Ok(())
        }
        PortEvent::Close => {
            log.push(Seen::Close);
            Ok(())
        }
    })
    .unwrap();
    for i in 0..3 {
        a.post_message(i);
    }
    drop(a);
    let mut log = Vec::new();
    assert!(lp.run(RunMode::Default, &mut log).is_err());
    lp.run(RunMode::Default, &mut log).unwrap();
    assert_eq!(log, [Seen::Msg(0), Seen::Msg(1), Seen::Msg(2), Seen::Close]);
}

#[test]
fn a_sender_posts_where_its_end_posts_after_attach_and_not_after_close() {
    let (a, b) = MessageChannel::new::<u32>();
    let sender = a.sender();
    let mut lp = Loop::new().unwrap();
    let port_a = recorder(&mut lp, a);
    recorder(&mut lp, b);
    // from another thread, with `a` attached to this loop
    let s2 = sender.clone();
    thread::spawn(move || assert!(s2.post_message(7)))
        .join()
        .unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::NoWait, &mut log).unwrap();
    assert_eq!(log, [Seen::Msg(7)]);
    port_a.close(&mut lp).unwrap();
    lp.run(RunMode::Default, &mut log).unwrap();
    assert!(!sender.post_message(8), "closed: the message is dropped");
    assert_eq!(log, [Seen::Msg(7), Seen::Close, Seen::Close]);
}
