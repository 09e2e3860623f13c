//! The program ruv-cluster's integration tests fork: the primary and its workers in one
//! binary, as a cluster program is. `ruv-cluster-testapp SCENARIO PORT WORKERS`; every
//! event is one JSON line on stdout (the workers share the primary's stdout).
//!
//! Scenarios: `events` (worker 1 is killed with SIGTERM once listening, worker 2 is told to
//! exit with code 3), `serve` (HTTP on 127.0.0.1:PORT answering "ID PID"; `POST /hold`
//! answers when its body is complete; SIGUSR1 to the primary disconnects every worker),
//! `refuse` (as `serve`, but worker 1 answers every connection "not accepted").

use ruv_cluster::worker::{self, WorkerEvent};
use ruv_cluster::{Cluster, ClusterEvent, Settings};
use ruv_core::stream::StreamEvent;
use ruv_core::{Loop, Result, RunMode, Signal};
use ruv_http::{Server, ServerEvent, ServerOptions};
use ruv_process::child::Signal as Sig;
use serde_json::{json, Value};
use std::net::SocketAddr;

fn out(v: Value) {
    println!("{v}");
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let scenario = args.get(1).cloned().unwrap_or_else(|| "serve".into());
    let port: u16 = args.get(2).and_then(|p| p.parse().ok()).unwrap_or(0);
    let workers: u32 = args.get(3).and_then(|p| p.parse().ok()).unwrap_or(2);
    let mut lp: Loop<()> = Loop::new()?;
    if ruv_cluster::is_primary() {
        primary(&mut lp, scenario, workers)?;
    } else {
        run_worker(&mut lp, scenario, port)?;
    }
    lp.run(RunMode::Default, &mut ())?;
    Ok(())
}

fn primary(lp: &mut Loop<()>, scenario: String, workers: u32) -> Result<()> {
    let cluster = Cluster::new(lp, Settings::default(), move |lp, _, _, ev| {
        match ev {
            ClusterEvent::Fork(w) => out(json!({"p": "fork", "w": w.id()})),
            ClusterEvent::Online(w) => {
                out(json!({"p": "online", "w": w.id(), "pid": w.pid(lp)}));
            }
            ClusterEvent::Listening(w, a) => {
                out(json!({"p": "listening", "w": w.id(), "port": a.port}));
                if scenario == "events" && w.id() == 1 {
                    w.kill(lp, Sig::SIGTERM);
                } else if scenario == "events" {
                    w.send(lp, &json!({"exit": 3}))?;
                }
            }
            ClusterEvent::Message(w, m) => {
                let v: Value = m.deserialize()?;
                out(json!({"p": "message", "w": w.id(), "msg": v}));
            }
            ClusterEvent::Disconnect(w) => out(json!({"p": "disconnect", "w": w.id()})),
            ClusterEvent::Exit {
                worker,
                code,
                signal,
            } => out(json!({"p": "exit", "w": worker.id(), "code": code,
                "signal": signal.and_then(|s| s.name()),
                "after_disconnect": worker.exited_after_disconnect(lp)})),
            ClusterEvent::Error(w, e) => {
                out(json!({"p": "error", "w": w.map(|w| w.id()), "error": e.to_string()}));
            }
        }
        Ok::<(), ruv_core::Error>(())
    })?;
    for _ in 0..workers {
        cluster.fork(lp)?;
    }
    let sig = Signal::new(lp)?;
    sig.start(lp, libc::SIGUSR1, move |lp, _, _, _| cluster.disconnect(lp))?;
    sig.set_ref(lp, false);
    Ok(())
}

fn run_worker(lp: &mut Loop<()>, scenario: String, port: u16) -> Result<()> {
    let id = ruv_cluster::worker_id().unwrap_or(0);
    let pid = std::process::id();
    worker::setup(lp, move |_, _, ev| match ev {
        WorkerEvent::Message(m) => {
            let v: Value = m.deserialize()?;
            if let Some(code) = v.get("exit").and_then(Value::as_i64) {
                std::process::exit(code as i32);
            }
            Ok(())
        }
        WorkerEvent::Disconnecting => {
            out(json!({"w": id, "ev": "disconnecting"}));
            Ok(())
        }
        _ => Ok::<(), ruv_core::Error>(()),
    })?;
    if scenario == "refuse" && id == 1 {
        worker::set_accepting(lp, false)?;
    }
    let server = Server::create(lp, ServerOptions::default(), move |lp, _, _, ev| {
        if let ServerEvent::Request(req, res) = ev {
            let url = req.head(lp)?.url().to_string();
            let body = format!("{id} {pid}");
            if url.starts_with("/hold") {
                out(json!({"w": id, "ev": "request"}));
                req.on_event(lp, move |lp, _, _, ev| match ev {
                    StreamEvent::End => res.end(lp, body.as_bytes()),
                    _ => Ok(()),
                })?;
            } else {
                res.end(lp, body.as_bytes())?;
            }
        }
        Ok::<(), ruv_core::Error>(())
    })?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    worker::listen(lp, server, addr, move |_, _, r| {
        if let Err(e) = r {
            out(
                json!({"w": id, "ev": "listen_error", "code": e.code().name(),
                "message": e.to_string()}),
            );
            std::process::exit(1);
        }
    })?;
    Ok(())
}
