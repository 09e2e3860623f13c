//! A load generator for TCP echo servers (any of them: `examples/echo.rs`, Node's
//! `bench-ref/node/tcp_echo.js`), the one client `benches/tcp_echo.sh` runs against both.
//!
//! ```sh
//! cargo run --release --example echo_load -- pingpong PORT [CONNS=100] [SECS=5]
//! cargo run --release --example echo_load -- stream PORT [SECS=5]
//! ```
//!
//! * `pingpong`: CONNS connections on one ruv loop (one thread, like Node's client); each
//!   sends a 64-byte message, waits for all 64 bytes to come back (checked byte for byte),
//!   then sends the next. Prints the messages echoed per second over all connections.
//! * `stream`: one blocking `std::net::TcpStream`; a writer thread sends 64 KiB chunks as
//!   fast as the socket takes them while this thread reads and counts the echoed bytes.
//!   Prints MiB/s echoed (bytes counted, not checked).
//!
//! Both time from just before connecting to the end of SECS seconds and print one line:
//! `pingpong conns=100 secs=5.000 msgs=... msgs_per_s=...` or
//! `stream secs=5.000 bytes=... mib_per_s=...`. An error while running is printed in Node's
//! format (`echo_load: connect: ECONNREFUSED: connection refused, connect`) and exits with 1; a
//! bad argument exits with 2, and `--help` lists them all.

use ruv::core::stream::StreamEvent;
use ruv::core::{Error, Loop, RunMode, Timer};
use ruv::net::Tcp;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const MSG: usize = 64;
const CHUNK: usize = 64 * 1024;

struct PingPong {
    msgs: u64,
    connected: usize,
    error: Option<String>,
    secs: f64,
}

fn pingpong(addr: SocketAddr, conns: usize, secs: f64) -> Result<(), Box<dyn std::error::Error>> {
    let mut lp: Loop<PingPong> = Loop::new()?;
    let msg: Vec<u8> = (0..MSG).map(|i| b'a' + (i % 26) as u8).collect();
    let t0 = Instant::now();
    for _ in 0..conns {
        let c = Tcp::connect(&mut lp, addr, |lp, st: &mut PingPong, r| match r {
            Ok(()) => st.connected += 1,
            Err(e) => {
                st.error = Some(format!("connect: {e}"));
                lp.stop();
            }
        })?;
        // Written once connected (writes made before that are queued).
        c.write(&mut lp, msg.clone())?;
        let mut got = 0usize;
        let expect = msg.clone();
        c.on_event(&mut lp, move |lp, st, c, ev| match ev {
            StreamEvent::Data(data) => {
                for &b in data {
                    if b != expect[got] {
                        st.error = Some(format!("echoed byte {got} of a message differs"));
                        lp.stop();
                        return;
                    }
                    got += 1;
                    if got == MSG {
                        got = 0;
                        st.msgs += 1;
                        if let Err(e) = c.write(lp, expect.clone()) {
                            st.error = Some(format!("write: {e}"));
                            lp.stop();
                            return;
                        }
                    }
                }
            }
            StreamEvent::End => {
                st.error = Some("read: the server ended the connection".into());
                lp.stop();
            }
            StreamEvent::Error(e) => {
                st.error = Some(format!("read: {e}"));
                lp.stop();
            }
            _ => {}
        })?;
        c.set_nodelay(&lp, true)?;
    }
    let timer = Timer::new(&mut lp)?;
    timer.start(
        &mut lp,
        (secs * 1000.0) as u64,
        0,
        move |lp, st: &mut PingPong, _| {
            st.secs = t0.elapsed().as_secs_f64();
            lp.stop();
        },
    )?;
    let mut st = PingPong {
        msgs: 0,
        connected: 0,
        error: None,
        secs: 0.0,
    };
    lp.run(RunMode::Default, &mut st)?;
    if let Some(e) = st.error {
        return Err(e.into());
    }
    if st.connected != conns {
        return Err(format!("only {} of {conns} connections connected", st.connected).into());
    }
    println!(
        "pingpong conns={conns} secs={:.3} msgs={} msgs_per_s={:.0}",
        st.secs,
        st.msgs,
        st.msgs as f64 / st.secs
    );
    Ok(())
}

fn stream(addr: SocketAddr, secs: f64) -> Result<(), Box<dyn std::error::Error>> {
    let t0 = Instant::now();
    let io = |syscall| move |e: std::io::Error| Error::from_io(&e, syscall);
    let mut reader = TcpStream::connect(addr).map_err(io("connect"))?;
    let mut writer = reader.try_clone().map_err(io("dup"))?;
    std::thread::spawn(move || {
        let chunk = vec![b'a'; CHUNK];
        loop {
            if let Err(e) = writer.write_all(&chunk) {
                eprintln!("echo_load: {}", Error::from_io(&e, "write"));
                std::process::exit(1);
            }
        }
    });
    let end = t0 + Duration::from_secs_f64(secs);
    let mut buf = vec![0u8; CHUNK];
    let mut bytes = 0u64;
    // The read timeout bounds how long a stalled server can hold us past the end.
    reader
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(io("setsockopt"))?;
    while Instant::now() < end {
        match reader.read(&mut buf) {
            Ok(0) => return Err("server closed the connection".into()),
            Ok(n) => bytes += n as u64,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return Err(io("read")(e).into()),
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    println!(
        "stream secs={elapsed:.3} bytes={bytes} mib_per_s={:.1}",
        bytes as f64 / (1024.0 * 1024.0) / elapsed
    );
    Ok(())
}

const USAGE: &str = "\
usage: echo_load pingpong PORT [CONNS] [SECS]
       echo_load stream PORT [SECS]

Drives a TCP echo server on 127.0.0.1:PORT and prints one line of results.

  pingpong   CONNS connections, each sending a 64-byte message and waiting for its echo
             before the next; prints the messages echoed per second
  stream     one connection sending 64 KiB chunks as fast as it can; prints MiB/s echoed
  PORT       the server's port on 127.0.0.1 (required)
  CONNS      connections for pingpong (default: 100)
  SECS       seconds to run, a decimal number (default: 5)
  -h, --help print this help
";

fn main() {
    let mut args = Args::from_env("echo_load", USAGE);
    let mut pos = Vec::new();
    while let Some(a) = args.next() {
        match a {
            Arg::Positional(p) => pos.push(args.text(p, "an argument")),
            other => args.unexpected(other),
        }
    }
    let Some(mode) = pos.first() else {
        args.bad("pingpong or stream is missing");
    };
    let port: u16 = match pos.get(1) {
        Some(p) => args.parse(p, "PORT", "a port number, 1-65535"),
        None => args.bad("PORT is missing"),
    };
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let secs = |args: &Args, s: Option<&String>| -> f64 {
        let secs: f64 = s.map_or(5.0, |s| args.parse(s, "SECS", "a number of seconds > 0"));
        if !(secs > 0.0 && secs.is_finite()) {
            args.bad(format!("SECS must be a number of seconds > 0, got {secs}"));
        }
        secs
    };
    let result = match mode.as_str() {
        "pingpong" if pos.len() <= 4 => {
            let conns = pos.get(2).map_or(100, |c| {
                args.parse(c, "CONNS", "a number of connections >= 1")
            });
            if conns == 0 {
                args.bad("CONNS must be a number of connections >= 1, got 0");
            }
            pingpong(addr, conns, secs(&args, pos.get(3)))
        }
        "stream" if pos.len() <= 3 => stream(addr, secs(&args, pos.get(2))),
        "pingpong" | "stream" => args.bad(format!("unexpected argument {:?}", pos[pos.len() - 1])),
        other => args.bad(format!(
            "the mode must be pingpong or stream, got {other:?}"
        )),
    };
    if let Err(e) = result {
        common::fail("echo_load", e);
    }
    // The stream writer thread is still blocked in a write: leave without joining it.
    std::process::exit(0);
}
