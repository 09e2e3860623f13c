//! Worker benchmarks, the ruv side of `benches/worker.sh` (beside Node's
//! `bench-ref/node/bench_worker.js`: the same parts, in the same order, with the same JSON
//! lines and field names).
//!
//! * `worker_rss_idle`: VmRSS of this process with 0, 1, 10, 20 idle workers alive (each posted
//!   `Ready`, then 1 s settle), MiB per worker over the 20, and RSS after terminating them.
//! * `worker_start`: `Worker::spawn` → its first message (`Ready`, posted at the top of the
//!   entry); sequential starts, each terminated (until its terminate callback) before the
//!   next; median/p90/min/max ms, mean terminate ms.
//! * `worker_pingpong`: `worker.post_message` / `parent_port` echo of
//!   `Ping { i, data: 64-byte String }`, 100k round trips after 1000 warm-up ones.
//! * `worker_oneway_p2c` / `_c2p`: 1e6 such messages one way, at most 50k un-acknowledged
//!   (the receiver acks every 10k).
//! * `worker_buf64m_transfer` / `_clone`: posting a filled 64 MiB `Vec<u8>` (moved: Node's
//!   transfer list; or a clone of it: Node's structured clone copies), 5 reps after one
//!   warm-up: time inside `post_message` and until the worker's `Len` reply arrives.
//! * `thread_pingpong_floor` (ruv's only, last): the same round trips between two plain std
//!   threads over two `std::sync::mpsc` channels, blocking receives: what one blocking
//!   hand-off each way costs on this machine, with no event loop at all.
//!
//! Environment: `SCALE` (default 1; 0.1 for a quick run), as Node's script; `PARTS`, a
//! comma-separated subset of `rss,start,pingpong,oneway,buf,floor` (default all; the copy of
//! Node's script in bench-ref/node takes the same, without `floor`).
//!
//! ```text
//! SCALE=0.1 cargo bench -p ruv-worker --bench worker
//! ```

use ruv_core::{Loop, RunMode};
use ruv_worker::{MessagePort, PortEvent, Worker, WorkerContext, WorkerEvent, WorkerOptions};
use std::time::{Duration, Instant};

/// The messages of `worker_child.js`, as one typed enum.
#[derive(Debug)]
enum Msg {
    /// `'ready'`
    Ready,
    /// `{i, data}`
    Ping { i: u64, data: String },
    /// `{ack: n}`
    Ack(u64),
    /// `{done: true, count}` (from the source)
    Done { count: u64 },
    /// `{source: total}`
    Source(u64),
    /// an `ArrayBuffer`
    Buf(Vec<u8>),
    /// `{len: byteLength}`
    Len(usize),
}

/// `workerData.mode`.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Hello,
    Idle,
    Echo,
    Sink,
    Source,
    RecvBuf,
}

const ACK: u64 = 10_000;
const WINDOW: u64 = 50_000;
const SIZE: usize = 64 << 20;

fn data() -> String {
    "x".repeat(64)
}

// ---------------------------------------------------------------------------------------------
// The worker side (worker_child.js).

#[derive(Default)]
struct Child {
    n: u64,
    total: u64,
    sent: u64,
    acked: u64,
}

fn child(wlp: &mut Loop<Child>, ctx: WorkerContext<Msg, Mode>) -> ruv_core::Result<Child> {
    let port = ctx.parent_port;
    match ctx.worker_data {
        Mode::Hello | Mode::Idle => {
            port.post_message(Msg::Ready);
            // keeps the worker alive, as `parentPort.on('message', () => {})`
            port.attach(wlp, |_, _, _, _| ())?;
        }
        Mode::Echo => {
            port.attach(wlp, |wlp, _, port, ev| {
                if let PortEvent::Message(m) = ev {
                    port.post_message(wlp, m);
                }
            })?;
        }
        Mode::Sink => {
            port.attach(wlp, |wlp, c: &mut Child, port, ev| {
                if let PortEvent::Message(m) = ev {
                    if let Msg::Done { .. } = m {
                        port.post_message(wlp, Msg::Done { count: c.n });
                        c.n = 0;
                        return;
                    }
                    c.n += 1;
                    if c.n.is_multiple_of(ACK) {
                        port.post_message(wlp, Msg::Ack(c.n));
                    }
                }
            })?;
        }
        Mode::Source => {
            let data = data();
            port.attach(wlp, move |wlp, c: &mut Child, port, ev| match ev {
                PortEvent::Message(Msg::Source(total)) => {
                    c.total = total;
                    c.sent = 0;
                    c.acked = 0;
                    pump(wlp, c, port, &data);
                }
                PortEvent::Message(Msg::Ack(n)) => {
                    c.acked = n;
                    if c.sent < c.total {
                        pump(wlp, c, port, &data);
                    }
                }
                _ => {}
            })?;
        }
        Mode::RecvBuf => {
            port.attach(wlp, |wlp, _, port, ev| {
                if let PortEvent::Message(Msg::Buf(b)) = ev {
                    port.post_message(wlp, Msg::Len(b.len()));
                }
            })?;
        }
    }
    Ok(Child::default())
}

/// The source's windowed sender.
fn pump(wlp: &Loop<Child>, c: &mut Child, port: MessagePort<Msg>, data: &str) {
    while c.sent < c.total && c.sent - c.acked < WINDOW {
        let i = c.sent;
        c.sent += 1;
        port.post_message(
            wlp,
            Msg::Ping {
                i,
                data: data.to_owned(),
            },
        );
    }
    if c.sent == c.total {
        port.post_message(wlp, Msg::Done { count: c.sent });
    }
}

// ---------------------------------------------------------------------------------------------
// The parent side (bench_worker.js).

/// What the parent's callbacks record; each part uses its own fields.
#[derive(Default)]
struct Parent {
    ready: usize,
    first: Option<Instant>,
    terminated: usize,
    // ping-pong
    i: u64,
    n: u64,
    end: Option<Instant>,
    // one way
    sent: u64,
    acked: u64,
    total: u64,
    got: u64,
    done: Option<u64>,
    // 64 MiB
    reply: Option<(usize, Instant)>,
}

type Lp = Loop<Parent>;

fn spawn(
    lp: &mut Lp,
    mode: Mode,
    on_event: impl FnMut(&mut Lp, &mut Parent, Worker<Msg>, WorkerEvent<Msg>) + 'static,
) -> Worker<Msg> {
    Worker::spawn(lp, WorkerOptions::new().worker_data(mode), child, on_event).expect("spawn")
}

/// Counts `Ready`s and records the first message's time.
fn on_ready(_: &mut Lp, s: &mut Parent, _: Worker<Msg>, ev: WorkerEvent<Msg>) {
    match ev {
        WorkerEvent::Message(Msg::Ready) => {
            s.ready += 1;
            s.first.get_or_insert_with(Instant::now);
        }
        WorkerEvent::Error(e) => panic!("worker error: {e}"),
        _ => {}
    }
}

/// Runs `lp` until `done` holds (Node's `await`).
fn run_until(lp: &mut Lp, s: &mut Parent, done: impl Fn(&Parent) -> bool) {
    while !done(s) {
        let alive = lp.run(RunMode::Once, s).expect("loop");
        assert!(alive || done(s), "the loop ran out of work first");
    }
}

/// Terminates `ws` and runs until every terminate callback ran (`await w.terminate()`).
fn terminate(lp: &mut Lp, s: &mut Parent, ws: &[Worker<Msg>]) {
    let before = s.terminated;
    for w in ws {
        w.terminate(lp, |_, s: &mut Parent, r| {
            r.expect("terminate");
            s.terminated += 1;
        })
        .expect("terminate");
    }
    run_until(lp, s, |s| s.terminated == before + ws.len());
}

fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmRSS");
    kb * 1024
}

fn mib(b: f64) -> String {
    format!("{:.3}", b / f64::from(1 << 20))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// Node's `stats`: med, p90, min, max.
fn stats(xs: &[f64]) -> String {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let q = |p: f64| s[((p * s.len() as f64) as usize).min(s.len() - 1)];
    format!(
        r#"{{"med":{},"p90":{},"min":{},"max":{}}}"#,
        f3(q(0.5)),
        f3(q(0.9)),
        f3(s[0]),
        f3(s[s.len() - 1])
    )
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

fn rss_idle(lp: &mut Lp, s: &mut Parent) {
    let mut ws = Vec::new();
    let mut at = Vec::new();
    std::thread::sleep(Duration::from_millis(500));
    let r0 = rss();
    for target in [1, 10, 20] {
        while ws.len() < target {
            let ready = s.ready;
            ws.push(spawn(lp, Mode::Idle, on_ready));
            run_until(lp, s, |s| s.ready > ready);
        }
        std::thread::sleep(Duration::from_secs(1));
        at.push(rss());
    }
    terminate(lp, s, &ws);
    std::thread::sleep(Duration::from_secs(1));
    let per = (at[2] as f64 - r0 as f64) / 20.0;
    println!(
        r#"{{"name":"worker_rss_idle","rss0MiB":{},"rss1MiB":{},"rss10MiB":{},"rss20MiB":{},"perWorkerMiB":{},"afterTerminateMiB":{}}}"#,
        mib(r0 as f64),
        mib(at[0] as f64),
        mib(at[1] as f64),
        mib(at[2] as f64),
        mib(per),
        mib(rss() as f64)
    );
}

fn start_latency(lp: &mut Lp, s: &mut Parent, n: usize) {
    let (mut first, mut term) = (Vec::new(), Vec::new());
    for _ in 0..n {
        s.first = None;
        let t0 = Instant::now();
        let w = spawn(lp, Mode::Hello, on_ready);
        run_until(lp, s, |s| s.first.is_some());
        first.push(ms(s.first.expect("first message") - t0));
        let t1 = Instant::now();
        terminate(lp, s, &[w]);
        term.push(ms(t1.elapsed()));
    }
    println!(
        r#"{{"name":"worker_start","n":{n},"firstMsgMs":{},"terminateMeanMs":{}}}"#,
        stats(&first),
        f3(mean(&term))
    );
}

/// Echo: check the index, send the next one or stop at `n`.
fn on_echo(lp: &mut Lp, s: &mut Parent, w: Worker<Msg>, ev: WorkerEvent<Msg>) {
    if let WorkerEvent::Message(Msg::Ping { i, data }) = ev {
        assert_eq!(i, s.i, "bad echo");
        s.i += 1;
        if s.i == s.n {
            s.end = Some(Instant::now());
        } else {
            // a fresh message each time, as Node's `{ i, data }` (the string copied, as
            // structured clone copies it)
            let data = data.clone();
            w.post_message(lp, Msg::Ping { i: s.i, data });
        }
    }
}

/// `n` round trips; the wall time.
fn pingpong(lp: &mut Lp, s: &mut Parent, w: Worker<Msg>, n: u64) -> Duration {
    s.i = 0;
    s.n = n;
    s.end = None;
    let t0 = Instant::now();
    w.post_message(lp, Msg::Ping { i: 0, data: data() });
    run_until(lp, s, |s| s.end.is_some());
    s.end.expect("end") - t0
}

fn messaging(lp: &mut Lp, s: &mut Parent, scale: f64, parts: &Parts) {
    if parts.pingpong {
        let w = spawn(lp, Mode::Echo, on_echo);
        pingpong(lp, s, w, 1000);
        let n = (1e5 * scale).round() as u64;
        let d = pingpong(lp, s, w, n);
        println!(
            r#"{{"name":"worker_pingpong","roundTrips":{n},"wallMs":{:.1},"usPerRt":{:.2},"roundTripsPerSec":{}}}"#,
            ms(d),
            ms(d) * 1000.0 / n as f64,
            (n as f64 / d.as_secs_f64()).round()
        );
        terminate(lp, s, &[w]);
    }
    if !parts.oneway {
        return;
    }
    let total = ((1e6 * scale / 1e4).round() * 1e4) as u64;
    // parent -> worker: the windowed sender here, the sink acks every 10k
    {
        s.sent = 0;
        s.acked = 0;
        s.total = total;
        let w = spawn(lp, Mode::Sink, |lp, s, w, ev| {
            if let WorkerEvent::Message(Msg::Ack(n)) = ev {
                s.acked = n;
                fill(lp, s, w);
            }
        });
        let t0 = Instant::now();
        fill(lp, s, w);
        run_until(lp, s, |s| {
            s.acked >= s.total || t0.elapsed() > Duration::from_secs(30)
        });
        let d = t0.elapsed();
        println!(
            r#"{{"name":"worker_oneway_p2c","msgs":{},"wallMs":{:.1},"msgsPerSec":{}}}"#,
            s.acked,
            ms(d),
            (s.acked as f64 / d.as_secs_f64()).round()
        );
        terminate(lp, s, &[w]);
    }
    // worker -> parent: the source sends, the parent acks every 10k
    {
        s.got = 0;
        s.done = None;
        let w = spawn(lp, Mode::Source, |lp, s, w, ev| match ev {
            WorkerEvent::Message(Msg::Done { count }) => s.done = Some(count),
            WorkerEvent::Message(_) => {
                s.got += 1;
                if s.got.is_multiple_of(ACK) {
                    w.post_message(lp, Msg::Ack(s.got));
                }
            }
            _ => {}
        });
        let t0 = Instant::now();
        w.post_message(lp, Msg::Source(total));
        run_until(lp, s, |s| s.done.is_some());
        let d = t0.elapsed();
        assert_eq!(s.done, Some(s.got), "the worker sent another count");
        println!(
            r#"{{"name":"worker_oneway_c2p","msgs":{},"wallMs":{:.1},"msgsPerSec":{}}}"#,
            s.got,
            ms(d),
            (s.got as f64 / d.as_secs_f64()).round()
        );
        terminate(lp, s, &[w]);
    }
}

/// Node's `while (sent < TOTAL && sent - acked < WINDOW) s.postMessage({ i: sent++, data })`.
fn fill(lp: &mut Lp, s: &mut Parent, w: Worker<Msg>) {
    let data = data();
    while s.sent < s.total && s.sent - s.acked < WINDOW {
        let i = s.sent;
        s.sent += 1;
        w.post_message(
            lp,
            Msg::Ping {
                i,
                data: data.clone(),
            },
        );
    }
}

fn big_buffer(lp: &mut Lp, s: &mut Parent) {
    let w = spawn(lp, Mode::RecvBuf, |_, s, _, ev| {
        if let WorkerEvent::Message(Msg::Len(n)) = ev {
            s.reply = Some((n, Instant::now()));
        }
    });
    for how in ["transfer", "clone"] {
        let (mut post, mut ack) = (Vec::new(), Vec::new());
        for k in 0..6 {
            let ab = vec![1u8; SIZE];
            s.reply = None;
            let t0 = Instant::now();
            // transfer: the Vec moves (the sender no longer has it, by the compiler's rules);
            // clone: a copy goes, the sender keeps its own
            let kept = if how == "transfer" {
                w.post_message(lp, Msg::Buf(ab));
                None
            } else {
                w.post_message(lp, Msg::Buf(ab.clone()));
                Some(ab)
            };
            let t1 = Instant::now();
            run_until(lp, s, |s| s.reply.is_some());
            let (len, t2) = s.reply.expect("reply");
            assert_eq!(len, SIZE, "bad length");
            drop(kept);
            if k > 0 {
                // the first rep is warm-up
                post.push(ms(t1 - t0));
                ack.push(ms(t2 - t0));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        println!(
            r#"{{"name":"worker_buf64m_{how}","reps":{},"postMeanMs":{},"postMinMs":{},"ackMeanMs":{},"ackMinMs":{}}}"#,
            post.len(),
            f3(mean(&post)),
            f3(post.iter().copied().fold(f64::INFINITY, f64::min)),
            f3(mean(&ack)),
            f3(ack.iter().copied().fold(f64::INFINITY, f64::min))
        );
    }
    terminate(lp, s, &[w]);
}

/// Two std threads, two channels, blocking receives: the wake-up floor of a round trip.
fn floor(scale: f64) {
    let (to_echo, echo_rx) = std::sync::mpsc::channel::<(u64, String)>();
    let (to_main, main_rx) = std::sync::mpsc::channel::<(u64, String)>();
    let echo = std::thread::spawn(move || {
        for m in echo_rx {
            if to_main.send(m).is_err() {
                break;
            }
        }
    });
    let rounds = |n: u64| {
        let data = data();
        let t0 = Instant::now();
        for i in 0..n {
            to_echo.send((i, data.clone())).expect("echo thread");
            let (j, _) = main_rx.recv().expect("echo thread");
            assert_eq!(i, j, "bad echo");
        }
        t0.elapsed()
    };
    rounds(1000);
    let n = (1e5 * scale).round() as u64;
    let d = rounds(n);
    drop(to_echo);
    echo.join().expect("echo thread");
    println!(
        r#"{{"name":"thread_pingpong_floor","roundTrips":{n},"wallMs":{:.1},"usPerRt":{:.2},"roundTripsPerSec":{}}}"#,
        ms(d),
        ms(d) * 1000.0 / n as f64,
        (n as f64 / d.as_secs_f64()).round()
    );
}

/// Which parts run (`PARTS`).
struct Parts {
    rss: bool,
    start: bool,
    pingpong: bool,
    oneway: bool,
    buf: bool,
    floor: bool,
}

impl Parts {
    fn from_env() -> Parts {
        let v = std::env::var("PARTS").unwrap_or_default();
        let all = v.trim().is_empty();
        let has = |p: &str| all || v.split(',').any(|x| x.trim() == p);
        Parts {
            rss: has("rss"),
            start: has("start"),
            pingpong: has("pingpong"),
            oneway: has("oneway"),
            buf: has("buf"),
            floor: has("floor"),
        }
    }
}

fn main() {
    let scale: f64 = std::env::var("SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let parts = Parts::from_env();
    let mut lp: Lp = Loop::new().expect("loop");
    let mut s = Parent::default();
    if parts.rss {
        rss_idle(&mut lp, &mut s);
    }
    if parts.start {
        start_latency(&mut lp, &mut s, ((50.0 * scale).round() as usize).max(5));
    }
    messaging(&mut lp, &mut s, scale, &parts);
    if parts.buf {
        big_buffer(&mut lp, &mut s);
    }
    if parts.floor {
        floor(scale);
    }
}
