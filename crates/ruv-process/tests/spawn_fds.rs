//! Counts this process's own fds and zombie children: its own test binary, one test at a
//! time (a lock), so that no other test's children or fds are counted.

mod spawn_support;

use ruv_core::{Loop, RunMode};
use ruv_process::child::{self, ChildEvent, SpawnOptions, Stdio, NO_ARGS};
use spawn_support::{open_fds, write_file_elsewhere, zombies};
use std::sync::Mutex;

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Spawns `total` children of `program`, `in_flight` at a time; returns how many exited
/// with code 0 and how many closed.
fn spawn_many(
    lp: &mut Loop<(usize, usize, usize)>,
    program: &'static str,
    total: usize,
    in_flight: usize,
    opts: fn() -> SpawnOptions,
) -> (usize, usize) {
    fn next(
        lp: &mut Loop<(usize, usize, usize)>,
        program: &'static str,
        total: usize,
        opts: fn() -> SpawnOptions,
        started: &mut usize,
    ) {
        if *started == total {
            return;
        }
        *started += 1;
        child::spawn(
            lp,
            program,
            NO_ARGS,
            opts(),
            move |lp, st: &mut (usize, usize, usize), _, ev| match ev {
                ChildEvent::Exit { code: Some(0), .. } => st.0 += 1,
                ChildEvent::Close { .. } => {
                    st.1 += 1;
                    let mut started = st.2;
                    next(lp, program, total, opts, &mut started);
                    st.2 = started;
                }
                _ => {}
            },
        )
        .unwrap();
    }
    let mut st = (0, 0, 0);
    for _ in 0..in_flight {
        let mut started = st.2;
        next(lp, program, total, opts, &mut started);
        st.2 = started;
    }
    lp.run(RunMode::Default, &mut st).unwrap();
    (st.0, st.1)
}

/// 10,000 children, 50 at a time (about 7 s in a debug build on 2 shared cores; each spawn with
/// three pipes makes 3 socket pairs, a pidfd and 4 registry handles, so a leak of any of
/// them shows as thousands of fds).
#[test]
fn ten_thousand_spawns_leave_no_fd_and_no_zombie() {
    let _one = ONE_AT_A_TIME.lock().unwrap();
    let mut lp = Loop::new().unwrap();
    // warm up: the loop's own fds, ruv-node's handles, the /dev/null of ignored slots
    spawn_many(&mut lp, "/bin/true", 2, 1, SpawnOptions::default);
    spawn_many(&mut lp, "/bin/true", 2, 1, || SpawnOptions {
        stdio: vec![Stdio::Ignore; 3],
        ..SpawnOptions::default()
    });
    let fds = open_fds();
    let (ok, closed) = spawn_many(&mut lp, "/bin/true", 10_000, 50, SpawnOptions::default);
    assert_eq!((ok, closed), (10_000, 10_000));
    assert_eq!(open_fds(), fds);
    assert_eq!(zombies(), 0);
}

#[test]
fn failed_execs_leave_no_zombie_and_no_fd() {
    let _one = ONE_AT_A_TIME.lock().unwrap();
    let dir = std::env::temp_dir().join(format!("ruv-spawn-fds-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // the kernel fails this exec (the interpreter is missing) after the child was made
    let bad = dir.join("bad-interpreter");
    write_file_elsewhere(&bad, "#!/no/such/interpreter\n", 0o755);
    let bad: &'static str = Box::leak(bad.to_str().unwrap().to_string().into_boxed_str());
    let mut lp = Loop::new().unwrap();
    spawn_many(&mut lp, "/bin/true", 1, 1, SpawnOptions::default);
    let fds = open_fds();
    for program in ["/nope", bad] {
        // posix_spawn, then fork+exec
        let (ok, closed) = spawn_many(&mut lp, program, 100, 10, SpawnOptions::default);
        assert_eq!((ok, closed), (0, 100));
        let (ok, closed) = spawn_many(&mut lp, program, 100, 10, || SpawnOptions {
            uid: Some(rustix::process::getuid().as_raw()),
            ..SpawnOptions::default()
        });
        assert_eq!((ok, closed), (0, 100));
    }
    assert_eq!(zombies(), 0);
    assert_eq!(open_fds(), fds);
}
