//! `worker_threads`: a `Worker` is a ruv-worker thread running its own QuickJS runtime on
//! its own loop; messages cross as JSON text (Node's structured clone for the JSON subset).

use ruv_core::Loop;
use ruv_worker::{PortEvent, Worker, WorkerEvent, WorkerOptions};

use crate::host::{Arg, Host, Reply, Thread};

/// The prelude's callback id for the parent port's events (in a worker).
pub(crate) const PARENT_PORT: u32 = 1;

/// Starts worker `id` running `filename`, with `data` (JSON text, or `undefined`).
pub(crate) fn spawn(
    lp: &mut Loop<Host>,
    host: &mut Host,
    id: u32,
    filename: String,
    data: String,
) -> ruv_core::Result<()> {
    let argv = host.argv().to_vec();
    let opts = host.options().clone();
    let w = Worker::<String>::spawn(
        lp,
        WorkerOptions::new().worker_data(data),
        move |wlp: &mut Loop<Host>, ctx| {
            let port = ctx
                .parent_port
                .attach(wlp, |lp, h: &mut Host, _, ev| match ev {
                    PortEvent::Message(json) => h.call(
                        lp,
                        PARENT_PORT,
                        true,
                        Reply::Event("message", vec![Arg::Str(json)]),
                    ),
                    PortEvent::Close => {}
                })?;
            // like Node's parentPort: alive only while something listens
            port.set_ref(wlp, false);
            let thread = Thread::Worker {
                data: ctx.worker_data,
                thread_id: ctx.thread_id,
                port,
            };
            crate::run::boot(wlp, &filename, argv, &opts, thread).map_err(|e| {
                ruv_core::Error::new(ruv_core::Code::EPANIC).with_detail(e.to_string())
            })
        },
        move |lp, h: &mut Host, _, ev| {
            let reply = match ev {
                WorkerEvent::Online => Reply::Event("online", vec![]),
                WorkerEvent::Message(json) => Reply::Event("message", vec![Arg::Str(json)]),
                WorkerEvent::Error(e) => Reply::Event("error", vec![Arg::Error(e)]),
                WorkerEvent::Stuck => return,
                WorkerEvent::Exit(code) => {
                    h.remove_worker(id);
                    h.call(
                        lp,
                        id,
                        false,
                        Reply::Event("exit", vec![Arg::Num(f64::from(code))]),
                    );
                    return;
                }
            };
            h.call(lp, id, true, reply);
        },
    )?;
    host.add_worker(id, w);
    Ok(())
}
