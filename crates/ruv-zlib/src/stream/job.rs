//! The pool jobs of a [`ZlibStream`]: one op (a write, a flush or the end) per job, at most
//! one job in flight per stream, the codec's engine moved into the job and back.

use ruv_core::{Error, Loop, WorkClass};

use super::{state, Op, Zlib, ZlibStream};
use crate::engine::{Engine, Flush, Outcome};

/// What a job hands back to the loop.
struct JobOut {
    engine: Engine,
    /// The op, with its position advanced when the job stopped at its output cap.
    op: Op,
    /// Whether the job also ran the `End` that followed its write.
    finishing: bool,
    out: Vec<u8>,
    result: Result<Outcome, Error>,
}

impl ZlibStream {
    /// Starts the next queued op as a pool job, unless one is in flight or the stream does
    /// not flow.
    pub(super) fn pump<S: 'static>(self, lp: &mut Loop<S>) -> Result<(), Error> {
        let Some(z) = state(lp, self.0) else {
            return Ok(());
        };
        if z.job.is_some() || z.queue.is_empty() || z.destroyed || z.paused || !z.flowing {
            return Ok(());
        }
        let mut engine = z
            .engine
            .take()
            .expect("no job in flight: the engine is home");
        let op = z.queue.pop_front().expect("checked non-empty");
        // A write followed by the end runs as one job, finishing the stream.
        let finishing = matches!(op, Op::Write { .. }) && matches!(z.queue.front(), Some(Op::End));
        if finishing {
            z.queue.pop_front();
        }
        let (cap, chunk, compress) = (z.job_output, z.chunk_size, z.mode.is_compress());
        let job = move || {
            let (input, flush): (&[u8], Flush) = match &op {
                Op::Write { data, pos } => (
                    &data[*pos..],
                    if finishing {
                        Flush::Finish
                    } else {
                        Flush::None
                    },
                ),
                Op::Flush => (&[], Flush::Full),
                Op::End => (&[], Flush::Finish),
            };
            let mut out = crate::engine::speculative_buffer(first_capacity(
                compress,
                input.len(),
                chunk,
                cap,
            ));
            let result = engine.run(input, flush, &mut out, cap);
            JobOut {
                engine,
                op,
                finishing,
                out,
                result,
            }
        };
        let done = move |lp: &mut Loop<S>, s: &mut S, res: Result<JobOut, Error>| {
            self.job_done(lp, s, res);
        };
        match lp.queue_work(WorkClass::Cpu, job, done) {
            Ok(req) => {
                if let Some(z) = state(lp, self.0) {
                    z.job = Some(req);
                }
                lp.handle_set_active::<Zlib<S>>(self.0, true);
                Ok(())
            }
            Err(err) => {
                // The pool could not start: the job (with the engine) is lost; so is the
                // stream.
                self.destroy(lp, None);
                Err(err)
            }
        }
    }

    /// A job came back: update the stream, start the next job, then tell the callback.
    fn job_done<S: 'static>(self, lp: &mut Loop<S>, s: &mut S, res: Result<JobOut, Error>) {
        lp.handle_set_active::<Zlib<S>>(self.0, false);
        let Some(z) = state(lp, self.0) else { return };
        z.job = None;
        if z.destroyed {
            return; // its output is discarded; the close is on its way
        }
        let (out, outcome) = match res {
            Err(err) => (Vec::new(), Err(err)), // a panic in the codec (EPANIC)
            Ok(JobOut {
                engine,
                op,
                finishing,
                out,
                result,
            }) => {
                z.engine = Some(engine);
                let outcome = result.map(|o| {
                    z.bytes_written += o.consumed as u64;
                    match op {
                        Op::Write { data, pos } if o.more => {
                            if finishing {
                                z.queue.push_front(Op::End);
                            }
                            z.queue.push_front(Op::Write {
                                data,
                                pos: pos + o.consumed,
                            });
                            false
                        }
                        Op::Write { data, .. } => {
                            z.buffered -= data.len(); // the whole chunk is done
                            finishing
                        }
                        Op::End if o.more => {
                            z.queue.push_front(Op::End);
                            false
                        }
                        Op::End => true,
                        Op::Flush => {
                            if o.more {
                                z.queue.push_front(Op::Flush);
                            }
                            false
                        }
                    }
                });
                (out, outcome)
            }
        };
        match outcome {
            Ok(finished) => {
                if finished {
                    z.finished = true;
                    z.finish_due = true;
                }
                if !out.is_empty() {
                    z.held.push_back(out);
                }
                if !finished {
                    // The next job runs while the callback looks at this one's output.
                    if let Err(err) = self.pump(lp) {
                        if let Some(z) = state(lp, self.0) {
                            z.error.get_or_insert(err);
                        }
                    }
                }
            }
            Err(err) => {
                // What the failing job made comes first, then the error.
                if !out.is_empty() {
                    z.held.push_back(out);
                }
                z.error = Some(err);
            }
        }
        self.flow(lp, s);
    }
}

/// Output capacity for a job over `input_len` bytes: enough for typical text in one go
/// (compressed text is about a third of its size; inflated, about three times), at least a
/// chunk, at most the job's cap. Output beyond it grows the buffer.
fn first_capacity(compress: bool, input_len: usize, chunk: usize, cap: usize) -> usize {
    let guess = if compress {
        input_len / 2
    } else {
        input_len.saturating_mul(4)
    };
    guess.max(chunk).min(cap)
}
