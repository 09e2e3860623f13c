//! The pool's worker threads: each is a [`Worker`](crate::Worker) whose entry builds the
//! worker's state, attaches the channel its tasks come down, and answers each task through a
//! [`Reply`] posted up its `parent_port`.

use super::{TaskId, ERR_TASK_NO_REPLY};
use crate::port::{PortEnd, PortEvent};
use crate::worker::WorkerContext;
use ruv_core::{CallbackResult, Code, Error, Loop, Result};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Down the task channel: one task.
pub(crate) struct Down<Task>(pub(crate) TaskId, pub(crate) Task);

/// Up the worker's `parent_port`.
pub(crate) enum Up<Out> {
    /// The state is built and the task channel attached: tasks may come.
    Ready,
    /// A task's answer and how long the worker took.
    Done(TaskId, Result<Out>, Duration),
}

/// What a worker's `init` is told about the worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerInfo {
    /// The worker's place in the pool, `0..threads` (a replacement takes its place's index).
    pub index: usize,
    /// Its thread's id ([`thread_id`](crate::thread_id) there).
    pub thread_id: u64,
}

/// The answer to one task, given to the handler of
/// [`WorkerPool::with_state`](crate::WorkerPool::with_state): `send` it (at once or from a
/// later callback of the worker's loop — a timer, an fs read), or `fail` it. It is `Send`
/// and needs no loop.
///
/// The worker counts as busy until the task is answered. Dropping a `Reply` unanswered
/// answers the task with `ERR_TASK_NO_REPLY`; dropped by a panic in the handler, the task
/// gets the panic (`EPANIC`).
pub struct Reply<Out: Send + 'static> {
    up: Arc<PortEnd<Up<Out>>>,
    task: TaskId,
    started: Instant,
    flags: Arc<Flags>,
}

/// What a task's [`Reply`] and the handler's wrapper share.
#[derive(Default)]
struct Flags {
    answered: AtomicBool,
    /// The handler's call has not returned: an unanswered drop is the wrapper's to report
    /// (with the handler's error or panic, if any).
    in_handler: AtomicBool,
    dropped: AtomicBool,
}

impl<Out: Send + 'static> std::fmt::Debug for Reply<Out> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply").field("task", &self.task).finish()
    }
}

impl<Out: Send + 'static> Reply<Out> {
    /// The task this answers.
    pub fn task_id(&self) -> TaskId {
        self.task
    }

    /// Answers the task with `out`: its callback on the pool's loop gets `Ok(out)`.
    pub fn send(self, out: Out) {
        self.answer(Ok(out));
    }

    /// Answers the task with an error.
    pub fn fail(self, err: Error) {
        self.answer(Err(err));
    }

    fn answer(&self, res: Result<Out>) {
        post_once(&self.up, &self.flags.answered, self.task, self.started, res);
    }
}

impl<Out: Send + 'static> Drop for Reply<Out> {
    fn drop(&mut self) {
        self.flags.dropped.store(true, Ordering::SeqCst);
        if self.flags.in_handler.load(Ordering::SeqCst) || std::thread::panicking() {
            // the handler's wrapper answers, with the handler's error or panic if any; a
            // panic elsewhere ends the worker's loop and the pool fails the task with it
            return;
        }
        self.answer(Err(no_reply(self.task)));
    }
}

fn no_reply(task: TaskId) -> Error {
    Error::new(ERR_TASK_NO_REPLY).with_detail(format!(
        "the handler dropped the reply to task {} without answering",
        task.0
    ))
}

/// Posts a task's answer unless it was answered already; `false` if it was.
fn post_once<Out: Send + 'static>(
    up: &PortEnd<Up<Out>>,
    answered: &AtomicBool,
    task: TaskId,
    started: Instant,
    res: Result<Out>,
) -> bool {
    if answered.swap(true, Ordering::AcqRel) {
        return false;
    }
    // false only when the pool is gone: nobody waits for the answer then
    up.post_message(Up::Done(task, res, started.elapsed()));
    true
}

/// The init and handler every worker of one pool shares.
pub(crate) struct Shared<I, H> {
    pub(crate) init: I,
    pub(crate) handler: H,
}

/// A worker's entry: build the state, attach the task channel, say Ready.
pub(crate) fn entry<W, Task, Out, I, H, R>(
    wlp: &mut Loop<W>,
    ctx: WorkerContext<Up<Out>, PortEnd<Down<Task>>>,
    shared: Arc<Shared<I, H>>,
    index: usize,
) -> Result<W>
where
    W: 'static,
    Task: Send + 'static,
    Out: Send + 'static,
    I: Fn(&mut Loop<W>, WorkerInfo) -> Result<W> + Send + Sync + 'static,
    H: Fn(&mut Loop<W>, &mut W, Task, Reply<Out>) -> R + Send + Sync + 'static,
    R: CallbackResult,
{
    let up = Arc::new(ctx.parent_port);
    let info = WorkerInfo {
        index,
        thread_id: ctx.thread_id,
    };
    let state = (shared.init)(wlp, info)?;
    let up2 = up.clone();
    ctx.worker_data
        .attach(wlp, move |wlp, w, _port, ev| match ev {
            PortEvent::Message(Down(task, input)) => run_task(wlp, w, &shared, &up2, task, input),
            // the pool dropped its end: nothing more comes; the loop ends with its handles
            PortEvent::Close => Ok(()),
        })?;
    up.post_message(Up::Ready);
    Ok(state)
}

/// Runs the handler on one task; a panic or an error it returns answers the task.
fn run_task<W, Task, Out, I, H, R>(
    wlp: &mut Loop<W>,
    w: &mut W,
    shared: &Shared<I, H>,
    up: &Arc<PortEnd<Up<Out>>>,
    task: TaskId,
    input: Task,
) -> Result<()>
where
    Out: Send + 'static,
    H: Fn(&mut Loop<W>, &mut W, Task, Reply<Out>) -> R,
    R: CallbackResult,
{
    let started = Instant::now();
    let flags = Arc::new(Flags::default());
    flags.in_handler.store(true, Ordering::SeqCst);
    let reply = Reply {
        up: up.clone(),
        task,
        started,
        flags: flags.clone(),
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        (shared.handler)(wlp, w, input, reply).into_result()
    }));
    flags.in_handler.store(false, Ordering::SeqCst);
    let answered = &flags.answered;
    match outcome {
        Ok(Ok(())) => {
            if flags.dropped.load(Ordering::SeqCst) {
                post_once(up, answered, task, started, Err(no_reply(task)));
            }
            Ok(())
        }
        Ok(Err(e)) => {
            if post_once(up, answered, task, started, Err(e.clone())) {
                Ok(())
            } else {
                // answered already: the error is the worker loop's, as any callback's
                Err(e)
            }
        }
        Err(payload) => {
            let err = Error::new(Code::EPANIC)
                .with_detail(format!("task panicked: {}", panic_message(&*payload)));
            if !post_once(up, answered, task, started, Err(err)) {
                // answered, then panicked: the worker's loop gets the panic (it ends, and
                // the pool replaces it)
                panic::resume_unwind(payload);
            }
            Ok(())
        }
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(a panic without a message)".to_owned()
    }
}
