//! A TCP echo server on ruv-net, and a client that checks it.
//!
//! ```sh
//! cargo run --example echo -- --port 7000                  # server: echoes every byte back
//! cargo run --example echo -- --client --port 7000 [--count 1000] [--size 4096]
//! ```
//!
//! The server pauses reading a client whose echoes are not being read (its write queue
//! passed the high-water mark) and resumes on drain: Node's `pipe` backpressure. The client
//! sends `--count` messages of `--size` bytes one after the other (each once the previous
//! came back), checks every byte, and prints the round trips per second.
//!
//! The server prints `echo server listening on 127.0.0.1:PORT` once it accepts connections
//! (`--port 0`: any free port; `benches/tcp_echo.sh` reads the port from that line). `--help`
//! lists the flags and their defaults; a bad flag exits with 2, a failure (the port is taken:
//! `echo: EADDRINUSE: address already in use, bind`) with 1.

use ruv::core::stream::StreamEvent;
use ruv::core::{Loop, RunMode};
use ruv::net::Tcp;
use std::net::SocketAddr;
use std::time::Instant;

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

fn server(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let mut lp: Loop<()> = Loop::new()?;
    let server = Tcp::bind(&mut lp, ([127, 0, 0, 1], port).into())?;
    server.listen(&mut lp, 511, |lp, _, server, r| {
        // a failed accept (EMFILE …) is reported; the server goes on
        match r.and_then(|()| server.accept(lp)) {
            Ok(c) => c.on_event(lp, echo),
            Err(e) => {
                eprintln!("echo: accept: {e}");
                Ok(())
            }
        }
    })?;
    println!(
        "echo server listening on 127.0.0.1:{}",
        server.local_addr(&lp)?.port()
    );
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}

fn echo(lp: &mut Loop<()>, _: &mut (), c: Tcp, ev: StreamEvent<'_>) {
    match ev {
        StreamEvent::Data(data) => match c.write(lp, Vec::from(data)) {
            Ok(true) => {}
            Ok(false) => c.pause(lp),
            // the peer is gone: drop the connection
            Err(_) => c.destroy(lp, None),
        },
        // the echoes queued past the high-water mark are written: read again
        StreamEvent::Drain => c.resume(lp),
        // the end: answer what is queued (end), then close once it is flushed (Finish)
        StreamEvent::End => {
            if c.end(lp).is_err() {
                c.destroy(lp, None);
            }
        }
        StreamEvent::Finish | StreamEvent::Error(_) => c.destroy(lp, None),
        StreamEvent::Close => {}
    }
}

struct Client {
    msg: Vec<u8>,
    got: usize,
    left: usize,
    rounds: usize,
    error: Option<String>,
}

fn client(port: u16, count: usize, size: usize) -> Result<(), Box<dyn std::error::Error>> {
    let mut lp: Loop<Client> = Loop::new()?;
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let msg: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    let c = Tcp::connect(&mut lp, addr, |lp, st: &mut Client, r| {
        if let Err(e) = r {
            st.error = Some(e.to_string());
            lp.stop();
        }
    })?;
    c.set_nodelay(&lp, true)?;
    c.write(&mut lp, msg.clone())?;
    c.on_event(&mut lp, |lp, st, c, ev| {
        match ev {
            StreamEvent::Data(data) => {
                for (k, &b) in data.iter().enumerate() {
                    if b != st.msg[(st.got + k) % st.msg.len()] {
                        st.error = Some(format!("byte {} differs", st.got + k));
                        c.destroy(lp, None);
                        return Ok(());
                    }
                }
                st.got += data.len();
                while st.got >= st.msg.len() {
                    st.got -= st.msg.len();
                    st.rounds += 1;
                    st.left -= 1;
                    if st.left == 0 {
                        c.destroy(lp, None);
                        return Ok(());
                    }
                    c.write(lp, st.msg.clone())?;
                }
            }
            StreamEvent::End => {
                st.error = Some("the server ended the connection".into());
                c.destroy(lp, None);
            }
            StreamEvent::Error(e) => {
                st.error = Some(e.to_string());
                c.destroy(lp, None);
            }
            _ => {}
        }
        Ok(())
    })?;
    let mut st = Client {
        msg,
        got: 0,
        left: count,
        rounds: 0,
        error: None,
    };
    let t0 = Instant::now();
    lp.run(RunMode::Default, &mut st)?;
    let secs = t0.elapsed().as_secs_f64();
    if let Some(e) = st.error {
        return Err(e.into());
    }
    println!(
        "{} round trips of {} bytes in {:.3} s: {:.0} per second",
        st.rounds,
        size,
        secs,
        st.rounds as f64 / secs
    );
    Ok(())
}

const USAGE: &str = "\
usage: echo [--port PORT]
       echo --client [--port PORT] [--count N] [--size BYTES]

A TCP echo server on 127.0.0.1 (prints `echo server listening on 127.0.0.1:PORT` once it
accepts connections), or with --client a client that checks it.

  --port PORT     the port to listen on or connect to; 0: any free port, server only
                  (default: 7000)
  --client        be the client: send N messages of BYTES bytes, each once the previous came
                  back, check every byte, print the round trips per second (default: off)
  --count N       client: messages to send, >= 1 (default: 1000)
  --size BYTES    client: bytes per message, >= 1 (default: 4096)
  -h, --help      print this help
";

fn main() {
    let mut args = Args::from_env("echo", USAGE);
    let (mut port, mut is_client, mut count, mut size) = (7000u16, false, 1000usize, 4096usize);
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--port" => port = args.value(&f, "a port number, 0-65535"),
            Arg::Flag(f) if f == "--client" => is_client = true,
            Arg::Flag(f) if f == "--count" => count = args.value(&f, "a number >= 1"),
            Arg::Flag(f) if f == "--size" => size = args.value(&f, "a number of bytes >= 1"),
            other => args.unexpected(other),
        }
    }
    if count == 0 || size == 0 {
        args.bad("--count and --size must be >= 1");
    }
    if is_client && port == 0 {
        args.bad("--client needs the server's --port");
    }
    let result = if is_client {
        client(port, count, size)
    } else {
        server(port)
    };
    if let Err(e) = result {
        common::fail("echo", e);
    }
}
