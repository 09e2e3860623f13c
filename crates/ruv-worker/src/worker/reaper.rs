//! Joining finished worker threads off the loop thread.
//!
//! A parent loop must never block, so it does not `join` its workers. One process-wide reaper
//! thread does: the parent registers each worker's `JoinHandle` at spawn; the worker's last act
//! is to tell the reaper it is done; the reaper joins it (the wait is only the thread's own
//! teardown by then) and only then wakes the parent, whose `Exit` event therefore means the
//! thread is gone. The two messages come from two threads, so either may arrive first.

use super::control::Control;
use std::collections::HashMap;
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

enum Msg {
    Spawned(u64, JoinHandle<()>),
    Finished(u64, Arc<Control>),
}

static REAPER: OnceLock<Mutex<Sender<Msg>>> = OnceLock::new();

/// Starts the reaper if it is not running (the first spawn). Fails only if its thread cannot be
/// created.
pub(super) fn ensure() -> std::io::Result<()> {
    if REAPER.get().is_some() {
        return Ok(());
    }
    let (tx, rx) = channel::<Msg>();
    std::thread::Builder::new()
        .name("ruv-worker-reaper".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut handles: HashMap<u64, JoinHandle<()>> = HashMap::new();
            let mut early: HashMap<u64, Arc<Control>> = HashMap::new();
            for msg in rx {
                match msg {
                    Msg::Spawned(id, h) => match early.remove(&id) {
                        Some(control) => reap(h, &control),
                        None => {
                            handles.insert(id, h);
                        }
                    },
                    Msg::Finished(id, control) => match handles.remove(&id) {
                        Some(h) => reap(h, &control),
                        None => {
                            early.insert(id, control);
                        }
                    },
                }
            }
        })?;
    // Two first spawns racing: the loser's reaper thread ends at once (its channel is dropped).
    let _ = REAPER.set(Mutex::new(tx));
    Ok(())
}

fn reap(h: JoinHandle<()>, control: &Control) {
    // The worker body catches every panic, so join cannot fail; if it somehow did, the thread
    // is gone all the same.
    let _ = h.join();
    control.joined();
}

fn send(msg: Msg) {
    if let Some(tx) = REAPER.get() {
        // The reaper never exits while the process lives, so the send cannot fail.
        let _ = tx.lock().unwrap_or_else(|e| e.into_inner()).send(msg);
    }
}

pub(super) fn spawned(id: u64, h: JoinHandle<()>) {
    send(Msg::Spawned(id, h));
}

pub(super) fn finished(id: u64, control: Arc<Control>) {
    send(Msg::Finished(id, control));
}
