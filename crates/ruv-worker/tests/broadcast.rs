//! BroadcastChannel: by name, to every other member, across loops and threads.

use ruv_core::{Loop, RunMode};
use ruv_worker::BroadcastChannel;
use std::sync::Arc;
use std::thread;

#[test]
fn every_other_member_of_the_name_gets_a_copy_and_the_sender_none() {
    let mut lp: Loop<Vec<(char, u32)>> = Loop::new().unwrap();
    let a = BroadcastChannel::<u32>::new(
        &mut lp,
        "bc-copies",
        |_, log: &mut Vec<(char, u32)>, _, m| log.push(('a', m)),
    )
    .unwrap();
    let b = BroadcastChannel::<u32>::new(
        &mut lp,
        "bc-copies",
        |_, log: &mut Vec<(char, u32)>, _, m| log.push(('b', m)),
    )
    .unwrap();
    let c = BroadcastChannel::<u32>::new(
        &mut lp,
        "bc-copies",
        |_, log: &mut Vec<(char, u32)>, _, m| log.push(('c', m)),
    )
    .unwrap();
    // another name and another type never receive it
    let other = BroadcastChannel::<u32>::new(
        &mut lp,
        "bc-elsewhere",
        |_, _: &mut Vec<(char, u32)>, _, _| -> () { panic!("a message crossed names") },
    )
    .unwrap();
    let typed = BroadcastChannel::<String>::new(
        &mut lp,
        "bc-copies",
        |_, _: &mut Vec<(char, u32)>, _, _| -> () { panic!("a message crossed types") },
    )
    .unwrap();
    assert!(a.post_message(&lp, 1));
    assert!(b.post_message(&lp, 2));
    for ch in [a, b, c] {
        ch.set_ref(&mut lp, false);
    }
    other.close(&mut lp).unwrap();
    typed.close(&mut lp).unwrap();
    let mut log = Vec::new();
    lp.run(RunMode::Default, &mut log).unwrap();
    log.sort();
    assert_eq!(log, [('a', 2), ('b', 1), ('c', 1), ('c', 2)]);
    assert_eq!(a.name(&lp).unwrap(), "bc-copies");
}

#[test]
fn members_on_other_threads_receive_and_a_closed_member_receives_nothing() {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
    let receiver = thread::spawn(move || {
        let mut lp: Loop<Vec<Arc<str>>> = Loop::new().unwrap();
        BroadcastChannel::<Arc<str>>::new(
            &mut lp,
            "bc-threads",
            |lp, got: &mut Vec<Arc<str>>, me, m| {
                got.push(m);
                me.close(lp).map(drop)
            },
        )
        .unwrap();
        ready_tx.send(()).unwrap();
        let mut got = Vec::new();
        lp.run(RunMode::Default, &mut got).unwrap();
        got
    });
    ready_rx.recv().unwrap();
    let mut lp: Loop<()> = Loop::new().unwrap();
    let me = BroadcastChannel::<Arc<str>>::new(&mut lp, "bc-threads", |_, _, _, _| {}).unwrap();
    assert!(me.post_message(&lp, Arc::from("shared, not copied")));
    assert_eq!(receiver.join().unwrap(), [Arc::from("shared, not copied")]);
    me.close(&mut lp).unwrap();
    assert!(
        !me.post_message(&lp, Arc::from("late")),
        "a closed member cannot post"
    );
    lp.run(RunMode::Default, &mut ()).unwrap();
}
