//! The program ruv-cluster's integration tests fork: the primary and its workers in one
//! binary, as a cluster program is. `ruv-cluster-testapp SCENARIO PORT WORKERS`; every
//! event is one JSON line on stdout (the workers share the primary's stdout).
//!
//! Scenarios: `events` (worker 1 is killed with SIGTERM once listening, worker 2 is told to
//! exit with code 3), `serve` (HTTP on 127.0.0.1:PORT answering "ID PID"; `POST /hold`
//! answers when its body is complete; SIGUSR1 to the primary disconnects every worker),
//! `refuse` (as `serve`, but worker 1 answers every connection "not accepted"), `force` (as
//! `serve`; a worker handed `POST /hold` tells the primary, which kills it with SIGTERM),
//! `race` (the primary tells each listening worker to exit and disconnects it at once),
//! `relisten` (as `serve`; `GET /restart` to worker 1 closes its server, which then listens
//! again on the same port and prints `relistened`), `sup` (a
//! [`Supervisor`] with options from `SUP_*` variables, workers as in `serve`; SIGUSR1
//! broadcasts `{"hello": "all"}`; every supervisor event is a `{"s": …}` line, and
//! `{"p": "loop_exited"}` ends the primary's output).
//!
//! Worker behaviours (`SUP_MODE`, read by every worker): `crash_first` (worker 1 exits with
//! code 7 once listening), `crash_all` (every worker exits with code 1 after `setup`),
//! `nolisten_new` (workers with an id above WORKERS never listen), `ready_new` (those
//! send `worker::ready` instead of listening), `spin` (a worker that gets the broadcast
//! spins forever). `SUP_METRICS=MS` starts the metrics reporter.

use ruv_cluster::supervisor::{self, Supervisor, SupervisorEvent, SupervisorOptions};
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
    if ruv_cluster::is_primary() && scenario == "sup" {
        supervised(&mut lp, workers)?;
    } else if ruv_cluster::is_primary() {
        primary(&mut lp, scenario, workers)?;
    } else {
        run_worker(&mut lp, scenario, port, workers)?;
    }
    lp.run(RunMode::Default, &mut ())?;
    if ruv_cluster::is_primary() {
        out(json!({"p": "loop_exited"}));
    }
    Ok(())
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn cluster_line(lp: &mut Loop<()>, ev: &ClusterEvent<'_>) -> Result<()> {
    match ev {
        ClusterEvent::Fork(w) => out(json!({"p": "fork", "w": w.id()})),
        ClusterEvent::Online(w) => {
            out(json!({"p": "online", "w": w.id(), "pid": w.pid(lp)}));
        }
        ClusterEvent::Listening(w, a) => {
            out(json!({"p": "listening", "w": w.id(), "port": a.port}));
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
        ClusterEvent::Ruv(w, v) => out(json!({"p": "ruv", "w": w.id(), "msg": v})),
    }
    Ok(())
}

fn primary(lp: &mut Loop<()>, scenario: String, workers: u32) -> Result<()> {
    let cluster = Cluster::new(lp, Settings::default(), move |lp, _, _, ev| {
        cluster_line(lp, &ev)?;
        match ev {
            ClusterEvent::Listening(w, _) if scenario == "events" => {
                if w.id() == 1 {
                    w.kill(lp, Sig::SIGTERM);
                } else {
                    w.send(lp, &json!({"exit": 3}))?;
                }
            }
            ClusterEvent::Listening(w, _) if scenario == "race" => {
                // the worker's own exit and the primary's disconnect cross
                w.send(lp, &json!({"exit": 0}))?;
                w.disconnect(lp)?;
            }
            ClusterEvent::Message(w, m)
                if scenario == "force"
                    && m.deserialize::<Value>()
                        .is_ok_and(|v| v.get("holding").is_some()) =>
            {
                w.kill(lp, Sig::SIGTERM);
            }
            _ => {}
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

fn supervised(lp: &mut Loop<()>, workers: u32) -> Result<()> {
    let d = SupervisorOptions::default();
    let opts = SupervisorOptions {
        workers: workers as usize,
        min_uptime_ms: env_u64("SUP_MIN_UPTIME").unwrap_or(d.min_uptime_ms),
        max_restarts: env_u64("SUP_MAX_RESTARTS").map_or(d.max_restarts, |n| n as u32),
        restart_delay_ms: env_u64("SUP_DELAY").unwrap_or(d.restart_delay_ms),
        listen_timeout_ms: env_u64("SUP_LISTEN_TIMEOUT").unwrap_or(d.listen_timeout_ms),
        kill_timeout_ms: env_u64("SUP_KILL_TIMEOUT").unwrap_or(d.kill_timeout_ms),
        max_memory_rss: env_u64("SUP_RSS_LIMIT"),
        memory_check_ms: env_u64("SUP_RSS_CHECK").unwrap_or(d.memory_check_ms),
        ..d
    };
    let sup = Supervisor::new(lp, opts, |lp, _, sup, ev| {
        match ev {
            SupervisorEvent::Cluster(c) => cluster_line(lp, &c)?,
            SupervisorEvent::Restarting {
                slot,
                exited,
                delay_ms,
                unstable,
            } => out(json!({"s": "restarting", "slot": slot, "w": exited.id(),
                "delay": delay_ms, "unstable": unstable})),
            SupervisorEvent::Restarted { slot, worker } => {
                out(json!({"s": "restarted", "slot": slot, "w": worker.id()}));
            }
            SupervisorEvent::GaveUp { slot, unstable } => {
                out(json!({"s": "gave_up", "slot": slot, "unstable": unstable}));
            }
            SupervisorEvent::Replaced { slot, old, new } => {
                out(json!({"s": "replaced", "slot": slot, "old": old.id(), "new": new.id()}));
            }
            SupervisorEvent::ReloadDone { replaced } => {
                out(json!({"s": "reload_done", "replaced": replaced}));
            }
            SupervisorEvent::ReloadAborted {
                slot,
                kept,
                failed,
                error,
            } => out(
                json!({"s": "reload_aborted", "slot": slot, "kept": kept.id(),
                "failed": failed.id(), "code": error.code().name()}),
            ),
            SupervisorEvent::Killed(w) => out(json!({"s": "killed", "w": w.id()})),
            SupervisorEvent::MemoryLimit { worker, rss } => {
                out(json!({"s": "memory_limit", "w": worker.id(), "rss": rss}));
            }
            SupervisorEvent::Metrics(w, m) => {
                let stored = sup.metrics(lp, w).map(|m| m.rss);
                out(
                    json!({"s": "metrics", "w": w.id(), "rss": m.rss, "conns": m.conns,
                    "requests": m.requests, "elu": m.elu, "stored_rss": stored}),
                );
            }
            SupervisorEvent::ShutdownDone => out(json!({"s": "shutdown_done"})),
        }
        Ok::<(), ruv_core::Error>(())
    })?;
    let sig = Signal::new(lp)?;
    sig.start(lp, libc::SIGUSR1, move |lp, _, _, _| {
        let n = sup.broadcast(lp, &json!({"hello": "all"}));
        out(json!({"s": "broadcast", "n": n}));
    })?;
    sig.set_ref(lp, false);
    Ok(())
}

fn run_worker(lp: &mut Loop<()>, scenario: String, port: u16, workers: u32) -> Result<()> {
    let id = ruv_cluster::worker_id().unwrap_or(0);
    let mode = std::env::var("SUP_MODE").unwrap_or_default();
    let spin = mode == "spin";
    worker::setup(lp, move |_, _, ev| match ev {
        WorkerEvent::Message(m) => {
            let v: Value = m.deserialize()?;
            if let Some(code) = v.get("exit").and_then(Value::as_i64) {
                std::process::exit(code as i32);
            }
            if v.get("hello").is_some() {
                out(json!({"w": id, "ev": "got", "msg": v}));
                if spin {
                    out(json!({"w": id, "ev": "spinning"}));
                    loop {
                        std::hint::spin_loop();
                    }
                }
            }
            Ok(())
        }
        WorkerEvent::Disconnecting => {
            out(json!({"w": id, "ev": "disconnecting"}));
            Ok(())
        }
        _ => Ok::<(), ruv_core::Error>(()),
    })?;
    if mode == "crash_all" {
        std::process::exit(1);
    }
    if let Some(every) = env_u64("SUP_METRICS") {
        supervisor::report_metrics(lp, every)?;
    }
    if mode == "nolisten_new" && id > workers {
        out(json!({"w": id, "ev": "not_listening"}));
        return Ok(());
    }
    if mode == "ready_new" && id > workers {
        worker::ready(lp)?;
        return Ok(());
    }
    if scenario == "refuse" && id == 1 {
        worker::set_accepting(lp, false)?;
    }
    let server = http_server(lp, id, scenario, port)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let crash_first = mode == "crash_first" && id == 1;
    worker::listen(lp, server, addr, move |_, _, r| {
        if crash_first && r.is_ok() {
            std::process::exit(7);
        }
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

/// The worker's HTTP server: answers "ID PID"; `/hold` answers when its body is complete
/// (telling the primary first under `force`); `/restart` (worker 1 under `relisten`) closes the
/// server and listens again once it has closed.
fn http_server(lp: &mut Loop<()>, id: u32, scenario: String, port: u16) -> Result<Server> {
    let pid = std::process::id();
    Server::create(lp, ServerOptions::default(), move |lp, _, me, ev| {
        if let ServerEvent::Request(req, res) = ev {
            supervisor::count_request(lp);
            let url = req.head(lp)?.url().to_string();
            let body = format!("{id} {pid}");
            if url.starts_with("/hold") {
                out(json!({"w": id, "ev": "request"}));
                if scenario == "force" {
                    worker::send(lp, &json!({ "holding": id }))?;
                }
                req.on_event(lp, move |lp, _, _, ev| match ev {
                    StreamEvent::End => res.end(lp, body.as_bytes()),
                    _ => Ok(()),
                })?;
            } else if url == "/restart" && scenario == "relisten" && id == 1 {
                res.end(lp, body.as_bytes())?;
                me.close(lp)?;
                let scenario = scenario.clone();
                me.on_close(lp, move |lp, _| relisten(lp, id, scenario, port))?;
            } else {
                res.end(lp, body.as_bytes())?;
            }
        }
        Ok::<(), ruv_core::Error>(())
    })
}

fn relisten(lp: &mut Loop<()>, id: u32, scenario: String, port: u16) -> Result<()> {
    let server = http_server(lp, id, scenario, port)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    worker::listen(lp, server, addr, move |_, _, r| {
        let got = r.map(|a| a.port());
        out(json!({"w": id, "ev": "relistened", "port": got.ok()}));
    })
}
