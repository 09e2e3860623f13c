//! IPC channel benchmarks, the ruv side of `benches/ipc.sh` (beside Node's
//! `bench-ref/node/ipc_bench.js`, the same measurements and the same JSON lines):
//!
//! * `ipc_pingpong`: the parent sends `{i, data}` with `data` SIZE bytes, the child echoes it
//!   (deserialized and serialized again, as Node's child does), the parent sends the next
//!   one on receipt; 100 untimed round trips, then DUR ms; round trips per second.
//! * `ipc_oneway_p2c` / `ipc_oneway_c2p`: 64 B messages one way for DUR ms in batches of
//!   1000 paced by the send callback of each batch's last; messages per second, counted by
//!   the receiver.
//!
//! Setups (`--setups`, comma-separated): `processes` (this program forks itself as the
//! child: the channel in `NODE_CHANNEL_FD`, read with `ipc::channel`), `threads` (two loops
//! on two threads over a socketpair), `node-child` (`node bench-ref/node/ipc_child.js` as
//! the child, json only; `--node-child PATH`). Serializations: json, and ruv between ruv
//! processes. `--dur MS` (default `DUR` or 5000), `--sizes 64,1048576`, `--oneway 0`.
//!
//! ```text
//! cargo bench -p ruv-process --bench ipc -- --setups processes,threads --dur 1000
//! ```

use ruv_core::{Loop, RunMode};
use ruv_process::ipc::{self, Channel, ChannelEvent, Message, Serialization};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::time::Instant;

const CHILD_ROLE: &str = "RUV_IPC_BENCH_CHILD";

/// A json message as `ipc_child.js` speaks them: one shape with every field optional.
#[derive(Serialize, Deserialize, Default)]
struct Json<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    i: Option<u64>,
    #[serde(borrow, skip_serializing_if = "Option::is_none")]
    data: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sink: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    done: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dur: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<u64>,
}

/// The same messages in the ruv serialization (postcard: a tagged enum).
#[derive(Serialize, Deserialize)]
enum Ruv<'a> {
    Ping {
        i: u64,
        #[serde(borrow)]
        data: Cow<'a, str>,
    },
    Sink,
    Done,
    Source {
        size: u64,
        dur: u64,
    },
    Count(u64),
    Finished(u64),
}

/// One message, whichever the serialization.
enum Msg<'a> {
    Ping(u64, Cow<'a, str>),
    Sink,
    Done,
    Source(u64, u64),
    Count(u64),
    Finished(u64),
}

fn decode<'a>(m: &'a Message<'_>) -> ruv_core::Result<Msg<'a>> {
    Ok(match m.serialization() {
        Serialization::Json => {
            let j: Json<'a> = m.deserialize()?;
            match j {
                Json { sink: Some(_), .. } => Msg::Sink,
                Json {
                    source: Some(s),
                    dur,
                    ..
                } => Msg::Source(s, dur.unwrap_or(1000)),
                Json {
                    done: Some(_),
                    count: Some(c),
                    ..
                } => Msg::Finished(c),
                Json { done: Some(_), .. } => Msg::Done,
                Json { count: Some(c), .. } => Msg::Count(c),
                Json { i, data, .. } => Msg::Ping(i.unwrap_or(0), data.unwrap_or_default()),
            }
        }
        Serialization::Ruv => match m.deserialize::<Ruv<'a>>()? {
            Ruv::Ping { i, data } => Msg::Ping(i, data),
            Ruv::Sink => Msg::Sink,
            Ruv::Done => Msg::Done,
            Ruv::Source { size, dur } => Msg::Source(size, dur),
            Ruv::Count(c) => Msg::Count(c),
            Ruv::Finished(c) => Msg::Finished(c),
        },
    })
}

/// Sends `msg` as the channel's serialization writes it.
fn send<S: 'static>(
    lp: &mut Loop<S>,
    ch: Channel,
    mode: Serialization,
    msg: Msg<'_>,
) -> ruv_core::Result<bool> {
    match mode {
        Serialization::Json => {
            let mut j = Json::default();
            match msg {
                Msg::Ping(i, data) => (j.i, j.data) = (Some(i), Some(data)),
                Msg::Sink => j.sink = Some(true),
                Msg::Done => j.done = Some(true),
                Msg::Source(s, d) => (j.source, j.dur) = (Some(s), Some(d)),
                Msg::Count(c) => j.count = Some(c),
                Msg::Finished(c) => (j.done, j.count) = (Some(true), Some(c)),
            }
            ch.send(lp, &j)
        }
        Serialization::Ruv => {
            let r = match msg {
                Msg::Ping(i, data) => Ruv::Ping { i, data },
                Msg::Sink => Ruv::Sink,
                Msg::Done => Ruv::Done,
                Msg::Source(size, dur) => Ruv::Source { size, dur },
                Msg::Count(c) => Ruv::Count(c),
                Msg::Finished(c) => Ruv::Finished(c),
            };
            ch.send(lp, &r)
        }
    }
}

// ---- the child ---------------------------------------------------------------------------

/// The child's state: counting silently (`Sink` … `Done`).
#[derive(Default)]
struct ChildState {
    sinking: Option<u64>,
}

fn serve(lp: &mut Loop<ChildState>, ch: Channel) {
    ch.on_event(lp, |lp, st, ch, ev| -> ruv_core::Result<()> {
        let ChannelEvent::Message(m) = ev else {
            return Ok(());
        };
        let mode = m.serialization();
        let msg = decode(&m)?;
        if let Some(n) = st.sinking.as_mut() {
            if let Msg::Done = msg {
                let n = *n;
                st.sinking = None;
                send(lp, ch, mode, Msg::Count(n))?;
            } else {
                *n += 1;
            }
            return Ok(());
        }
        match msg {
            Msg::Sink => st.sinking = Some(0),
            Msg::Source(size, dur) => {
                let data = "x".repeat(size as usize);
                source(lp, ch, mode, data, Instant::now(), dur, 0)?;
            }
            ping => {
                send(lp, ch, mode, ping)?;
            }
        }
        Ok(())
    })
    .expect("the channel is open");
}

fn source(
    lp: &mut Loop<ChildState>,
    ch: Channel,
    mode: Serialization,
    data: String,
    t0: Instant,
    dur: u64,
    mut i: u64,
) -> ruv_core::Result<()> {
    for _ in 0..999 {
        send(lp, ch, mode, Msg::Ping(i, Cow::Borrowed(&data)))?;
        i += 1;
    }
    let last = Msg::Ping(i, Cow::Owned(data.clone()));
    let cb = move |lp: &mut Loop<ChildState>, _: &mut ChildState, r: ruv_core::Result<()>| {
        r?;
        let i = i + 1;
        if t0.elapsed().as_millis() < dur as u128 && i < 10_000_000 {
            source(lp, ch, mode, data, t0, dur, i)
        } else {
            send(lp, ch, mode, Msg::Finished(i)).map(drop)
        }
    };
    match mode {
        Serialization::Json => {
            let Msg::Ping(i, d) = last else {
                unreachable!()
            };
            ch.send_cb(
                lp,
                &Json {
                    i: Some(i),
                    data: Some(d),
                    ..Json::default()
                },
                cb,
            )?
        }
        Serialization::Ruv => {
            let Msg::Ping(i, data) = last else {
                unreachable!()
            };
            ch.send_cb(lp, &Ruv::Ping { i, data }, cb)?
        }
    };
    Ok(())
}

fn child_main() {
    let mut lp: Loop<ChildState> = Loop::new().unwrap();
    let ch = ipc::channel(&mut lp)
        .unwrap()
        .expect("started with a channel");
    serve(&mut lp, ch);
    lp.run(RunMode::Default, &mut ChildState::default())
        .unwrap();
}

// ---- the parent --------------------------------------------------------------------------

/// The parent's measurement in progress.
#[derive(Default)]
struct Run {
    mode: Option<Serialization>,
    data: String,
    i: u64,
    max: u64,
    dur_ms: f64,
    t0: Option<Instant>,
    /// Messages counted (c2p) or the child's count (p2c).
    count: u64,
    result: Option<(u64, f64)>,
}

fn elapsed_ms(t0: Option<Instant>) -> f64 {
    t0.map_or(0.0, |t| t.elapsed().as_secs_f64() * 1000.0)
}

/// The process's user + system CPU time in ms (`/proc/self/stat`, in USER_HZ ticks).
fn cpu_ms() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // the fields after the command name (which is in parentheses)
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<f64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0.0))
        .collect();
    // utime and stime are fields 14 and 15, the 12th and 13th after the name
    (f.get(11).unwrap_or(&0.0) + f.get(12).unwrap_or(&0.0)) * 10.0
}

/// Ping-pong for `dur_ms` or `max` round trips; (round trips, ms).
fn pingpong(
    lp: &mut Loop<Run>,
    ch: Channel,
    mode: Serialization,
    size: usize,
    dur_ms: f64,
    max: u64,
) -> (u64, f64) {
    ch.on_event(lp, |lp, run, ch, ev| -> ruv_core::Result<()> {
        let ChannelEvent::Message(m) = ev else {
            return Ok(());
        };
        let Msg::Ping(i, data) = decode(&m)? else {
            panic!("expected an echo")
        };
        assert!(i == run.i && data.len() == run.data.len(), "bad echo");
        run.i += 1;
        let t = elapsed_ms(run.t0);
        if t >= run.dur_ms || run.i >= run.max {
            run.result = Some((run.i, t));
            lp.stop();
        } else {
            let data = std::mem::take(&mut run.data);
            send(
                lp,
                ch,
                run.mode.unwrap(),
                Msg::Ping(run.i, Cow::Borrowed(&data)),
            )?;
            run.data = data;
        }
        Ok(())
    })
    .unwrap();
    let mut run = Run {
        mode: Some(mode),
        data: "x".repeat(size),
        max,
        dur_ms,
        t0: Some(Instant::now()),
        ..Run::default()
    };
    send(lp, ch, mode, Msg::Ping(0, Cow::Borrowed(&run.data.clone()))).unwrap();
    lp.run(RunMode::Default, &mut run).unwrap();
    run.result.expect("the ping-pong ended")
}

fn p2c_batch(lp: &mut Loop<Run>, ch: Channel, run: &mut Run) -> ruv_core::Result<()> {
    let mode = run.mode.unwrap();
    let data = std::mem::take(&mut run.data);
    for _ in 0..999 {
        send(lp, ch, mode, Msg::Ping(run.i, Cow::Borrowed(&data)))?;
        run.i += 1;
    }
    let cb = move |lp: &mut Loop<Run>, run: &mut Run, r: ruv_core::Result<()>| {
        r?;
        if elapsed_ms(run.t0) < run.dur_ms && run.i < 10_000_000 {
            p2c_batch(lp, ch, run)
        } else {
            send(lp, ch, run.mode.unwrap(), Msg::Done).map(drop)
        }
    };
    match mode {
        Serialization::Json => {
            let j = Json {
                i: Some(run.i),
                data: Some(Cow::Borrowed(&data)),
                ..Json::default()
            };
            ch.send_cb(lp, &j, cb)?
        }
        Serialization::Ruv => ch.send_cb(
            lp,
            &Ruv::Ping {
                i: run.i,
                data: Cow::Borrowed(&data),
            },
            cb,
        )?,
    };
    run.i += 1;
    run.data = data;
    Ok(())
}

/// Parent → child: (messages the child counted, ms).
fn p2c(lp: &mut Loop<Run>, ch: Channel, mode: Serialization, dur_ms: f64) -> (u64, f64) {
    ch.on_event(lp, |lp, run, _, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            if let Msg::Count(c) = decode(&m)? {
                assert_eq!(c, run.i, "the child counted what was sent");
                run.result = Some((c, elapsed_ms(run.t0)));
                lp.stop();
            }
        }
        Ok(())
    })
    .unwrap();
    let mut run = Run {
        mode: Some(mode),
        data: "x".repeat(64),
        dur_ms,
        ..Run::default()
    };
    send(lp, ch, mode, Msg::Sink).unwrap();
    run.t0 = Some(Instant::now());
    p2c_batch(lp, ch, &mut run).unwrap();
    lp.run(RunMode::Default, &mut run).unwrap();
    run.result.expect("the child replied")
}

/// Child → parent: (messages counted here, ms).
fn c2p(lp: &mut Loop<Run>, ch: Channel, mode: Serialization, dur_ms: f64) -> (u64, f64) {
    ch.on_event(lp, |lp, run, _, ev| -> ruv_core::Result<()> {
        if let ChannelEvent::Message(m) = ev {
            match decode(&m)? {
                Msg::Finished(c) => {
                    assert_eq!(c, run.count, "every message arrived");
                    run.result = Some((c, elapsed_ms(run.t0)));
                    lp.stop();
                }
                _ => run.count += 1,
            }
        }
        Ok(())
    })
    .unwrap();
    let mut run = Run {
        mode: Some(mode),
        t0: Some(Instant::now()),
        ..Run::default()
    };
    send(lp, ch, mode, Msg::Source(64, dur_ms as u64)).unwrap();
    lp.run(RunMode::Default, &mut run).unwrap();
    run.result.expect("the child finished")
}

/// What to run.
struct Opts {
    dur_ms: f64,
    sizes: Vec<usize>,
    oneway: bool,
    setups: Vec<String>,
    node_child: String,
}

/// One measurement, printed as Node's script prints its lines.
struct Row<'a> {
    setup: &'a str,
    mode: Serialization,
    /// `(count, ms)` from the measurement.
    got: (u64, f64),
    cpu: f64,
}

impl Row<'_> {
    fn print(&self, name: &str, size: usize) {
        let (n, ms) = self.got;
        let rt = name == "ipc_pingpong";
        let (key, per) = if rt {
            ("roundTrips", "roundTripsPerSec")
        } else {
            ("msgs", "msgsPerSec")
        };
        let mut line = format!(
            "{{\"setup\":\"{}\",\"name\":\"{name}\",\"serialization\":\"{}\",\"size\":{size},\
             \"wallMs\":{ms:.1},\"parentCpuMs\":{:.1},\"{key}\":{n},\"{per}\":{}",
            self.setup,
            self.mode.name(),
            self.cpu,
            (n as f64 / (ms / 1000.0)).round()
        );
        if rt {
            line.push_str(&format!(",\"usPerRt\":{:.1}", ms * 1000.0 / n as f64));
        }
        println!("{line}}}");
    }
}

fn suite(setup: &str, mode: Serialization, ch: Channel, lp: &mut Loop<Run>, o: &Opts) {
    let measure = |got: &dyn Fn() -> (u64, f64)| {
        let c0 = cpu_ms();
        let got = got();
        Row {
            setup,
            mode,
            got,
            cpu: cpu_ms() - c0,
        }
    };
    let lp = std::cell::RefCell::new(lp);
    for &size in &o.sizes {
        pingpong(&mut lp.borrow_mut(), ch, mode, size, 1e12, 100);
        let row =
            measure(&|| pingpong(&mut lp.borrow_mut(), ch, mode, size, o.dur_ms, 100_000_000));
        row.print("ipc_pingpong", size);
    }
    if o.oneway {
        measure(&|| p2c(&mut lp.borrow_mut(), ch, mode, o.dur_ms)).print("ipc_oneway_p2c", 64);
        measure(&|| c2p(&mut lp.borrow_mut(), ch, mode, o.dur_ms)).print("ipc_oneway_c2p", 64);
    }
}

/// Starts `cmd` with `fd` as its inherited channel (`NODE_CHANNEL_FD`).
fn spawn_with_channel(
    mut cmd: std::process::Command,
    fd: &OwnedFd,
    mode: Serialization,
) -> std::process::Child {
    rustix::io::fcntl_setfd(fd, rustix::io::FdFlags::empty()).unwrap();
    cmd.env("NODE_CHANNEL_FD", fd.as_raw_fd().to_string())
        .env("NODE_CHANNEL_SERIALIZATION_MODE", mode.name())
        .spawn()
        .expect("the child starts")
}

fn run_setup(setup: &str, o: &Opts) {
    let modes: &[Serialization] = match setup {
        "node-child" => &[Serialization::Json],
        _ => &[Serialization::Json, Serialization::Ruv],
    };
    for &mode in modes {
        let (mine, theirs) = UnixStream::pair().unwrap();
        let theirs = OwnedFd::from(theirs);
        let (label, done): (&str, Box<dyn FnOnce()>) = match setup {
            "processes" => {
                let mut cmd = std::process::Command::new(std::env::current_exe().unwrap());
                cmd.env(CHILD_ROLE, "1");
                let mut child = spawn_with_channel(cmd, &theirs, mode);
                drop(theirs);
                (
                    "ruv parent, ruv child (processes)",
                    Box::new(move || assert!(child.wait().unwrap().success())),
                )
            }
            "node-child" => {
                let mut cmd = std::process::Command::new("node");
                cmd.arg(&o.node_child);
                let mut child = spawn_with_channel(cmd, &theirs, mode);
                drop(theirs);
                (
                    "ruv parent, node child",
                    Box::new(move || assert!(child.wait().unwrap().success())),
                )
            }
            "threads" => {
                let th = std::thread::spawn(move || {
                    let mut lp: Loop<ChildState> = Loop::new().unwrap();
                    let ch = Channel::open(&mut lp, theirs, mode).unwrap();
                    serve(&mut lp, ch);
                    lp.run(RunMode::Default, &mut ChildState::default())
                        .unwrap();
                });
                (
                    "two loops on two threads (socketpair)",
                    Box::new(move || th.join().unwrap()),
                )
            }
            other => panic!("unknown setup {other}: processes, threads or node-child"),
        };
        let mut lp: Loop<Run> = Loop::new().unwrap();
        let ch = Channel::open(&mut lp, mine.into(), mode).unwrap();
        suite(label, mode, ch, &mut lp, o);
        ch.disconnect(&mut lp).unwrap();
        ch.remove_on_event(&mut lp);
        lp.run(RunMode::Default, &mut Run::default()).unwrap();
        done();
    }
}

fn main() {
    if std::env::var_os(CHILD_ROLE).is_some() {
        return child_main();
    }
    let mut o = Opts {
        dur_ms: std::env::var("DUR")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(5000.0),
        sizes: vec![64, 1024, 16384, 1 << 20],
        oneway: true,
        setups: vec!["processes".into(), "threads".into()],
        node_child: concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../bench-ref/node/ipc_child.js"
        )
        .into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().expect("a value");
        match a.as_str() {
            "--bench" => {}
            "--dur" => o.dur_ms = val().parse().expect("--dur MS"),
            "--sizes" => {
                o.sizes = val()
                    .split(',')
                    .map(|s| s.parse().expect("a size"))
                    .collect()
            }
            "--oneway" => o.oneway = val() != "0",
            "--setups" => o.setups = val().split(',').map(String::from).collect(),
            "--node-child" => o.node_child = val(),
            other => panic!("unknown argument {other}"),
        }
    }
    for setup in o.setups.clone() {
        run_setup(&setup, &o);
    }
}
