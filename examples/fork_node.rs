//! A ruv parent with a Node child: forks `node examples/node/fork_child.js` (Node's own
//! `process.on('message')` / `process.send` on the other end of the channel), sends it three
//! messages, prints each answer, then disconnects; the child exits and its exit code is
//! printed. Needs `node` on the PATH.
//!
//! ```sh
//! cargo run --example fork_node
//! ```

use ruv::core::{Loop, RunMode};
use ruv::process::fork::{fork, ForkEvent, ForkOptions};
use serde_json::{json, Value};

#[path = "common/mod.rs"]
#[allow(dead_code)] // each example uses part of it
mod common;
use common::{Arg, Args};

const USAGE: &str = "\
usage: fork_node [--script PATH] [--node PROGRAM]

Forks a Node script with an IPC channel (Node's protocol: newline-delimited JSON), sends it
three messages and prints its answers, then disconnects.

  --script PATH   the child script (default: examples/node/fork_child.js of this repository)
  --node PROGRAM  the node executable (default: node)
  -h, --help      print this help
";

#[derive(Default)]
struct State {
    answers: Vec<Value>,
    exit: Option<(Option<i32>, Option<String>)>,
}

fn main() {
    let mut args = Args::from_env("fork_node", USAGE);
    let mut script: std::ffi::OsString =
        concat!(env!("CARGO_MANIFEST_DIR"), "/examples/node/fork_child.js").into();
    let mut node: std::ffi::OsString = "node".into();
    while let Some(a) = args.next() {
        match a {
            Arg::Flag(f) if f == "--script" => script = args.value_os(&f),
            Arg::Flag(f) if f == "--node" => node = args.value_os(&f),
            other => args.unexpected(other),
        }
    }
    if let Err(e) = run(script, node) {
        common::fail("fork_node", e);
    }
}

fn run(script: std::ffi::OsString, node: std::ffi::OsString) -> ruv::core::Result<()> {
    let mut lp: Loop<State> = Loop::new()?;
    let opts = ForkOptions {
        exec_path: Some(node.into()),
        ..ForkOptions::default()
    };
    fork(
        &mut lp,
        &script,
        &[] as &[&str],
        opts,
        |lp, st: &mut State, me, ev| {
            match ev {
                ForkEvent::Spawn => {
                    for i in 1..=3 {
                        me.send(lp, &json!({ "n": i, "text": format!("hello {i}") }))?;
                    }
                }
                ForkEvent::Message(m) => {
                    let v: Value = m.deserialize()?;
                    println!("answer: {v}");
                    st.answers.push(v);
                    if st.answers.len() == 3 {
                        me.disconnect(lp)?;
                    }
                }
                ForkEvent::Exit { code, signal } => {
                    st.exit = Some((code, signal.and_then(|s| s.name()).map(String::from)));
                }
                ForkEvent::Error(e) => return Err(e),
                _ => {}
            }
            Ok(())
        },
    )?;
    let mut st = State::default();
    lp.run(RunMode::Default, &mut st)?;
    match st.exit {
        Some((code, signal)) => println!("child exited: code {code:?}, signal {signal:?}"),
        None => println!("child did not exit"),
    }
    Ok(())
}
