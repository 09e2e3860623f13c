//! `Pool::set_global_threads`: honoured before the global pool starts, refused after.
//!
//! One test in its own binary (so its own process): nothing else here touches the global pool.

use std::sync::mpsc;

use ruv_pool::{AlreadyStarted, Pool, WorkClass};

#[test]
fn set_global_threads_before_first_use_then_already_started() {
    // Whatever UV_THREADPOOL_SIZE says, the override wins; the last call before start counts.
    assert_eq!(Pool::set_global_threads(7), Ok(()));
    assert_eq!(Pool::set_global_threads(3), Ok(()));
    let pool = Pool::global().unwrap();
    assert_eq!(pool.threads(), 3);
    assert!(
        std::ptr::eq(pool, Pool::global().unwrap()),
        "one global pool"
    );

    let err = Pool::set_global_threads(5).unwrap_err();
    assert_eq!(err, AlreadyStarted { threads: 3 });
    let err: Box<dyn std::error::Error> = Box::new(err);
    assert!(err.to_string().contains('3'));
    assert_eq!(Pool::global().unwrap().threads(), 3);

    // And it works, from any thread.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        Pool::global().unwrap().submit(WorkClass::Cpu, move || {
            tx.send(ruv_pool::current_job().unwrap().worker).unwrap()
        });
    })
    .join()
    .unwrap();
    assert!(rx.recv().unwrap() < 3);
}
