//! # ruv-net: Node's `net` layer on the ruv loop
//!
//! TCP and Unix-socket streams ([`Tcp`], [`Pipe`]) and UDP sockets ([`Udp`]) as `Copy` ids
//! into ruv-core's one handle registry (`lp.handles::<…>()`), each driven by one
//! edge-triggered [`ruv_core::IoWatcher`]. A stream reports through one event callback
//! ([`ruv_core::stream::StreamEvent`]: `Data`, `End`, `Drain`, `Finish`, `Error`, `Close`,
//! in Node's order) and implements [`ruv_core::stream::Readable`] and
//! [`ruv_core::stream::Writable`]. Streams read into one reused loop-wide 64 KiB buffer,
//! queue writes FIFO (`write` returns `false` past a 16 KiB high-water mark, then `Drain`;
//! [`Tcp::write_cb`] adds a completion callback that runs exactly once), half-close with
//! [`Tcp::end`] / [`Tcp::shutdown`], and cancel pending writes with `ECANCELED` on
//! [`Tcp::close`], which returns ruv-core's [`CloseToken`](ruv_core::CloseToken).
//! Callbacks return `()` or `Result<()>` and never run from inside the call that caused
//! them. [`node`] adds Node's `net.Server` / `net.Socket` (Node's events, half-open rule,
//! idle timeouts and next-tick timing) on top. See `docs/networking.md`.
//!
//! ```
//! use ruv_core::stream::StreamEvent;
//! use ruv_core::{Loop, RunMode};
//! use ruv_net::Tcp;
//!
//! let mut lp: Loop<Vec<u8>> = Loop::new()?;
//! let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap())?;
//! server.listen(&mut lp, 511, |lp, _, server, res| -> ruv_core::Result<()> {
//!     res?;
//!     let conn = server.accept(lp)?;
//!     conn.write_cb(lp, b"hi".to_vec(), move |lp, _, r| -> ruv_core::Result<()> {
//!         r?;
//!         conn.close(lp)?;
//!         server.close(lp)?;
//!         Ok(())
//!     })?;
//!     Ok(())
//! })?;
//! let addr = server.local_addr(&lp)?;
//! let client = Tcp::connect(&mut lp, addr, |_, _, r| r)?;
//! client.on_event(&mut lp, |lp, got, me, ev| match ev {
//!     StreamEvent::Data(data) => got.extend_from_slice(data),
//!     StreamEvent::End => me.destroy(lp, None),
//!     _ => {}
//! })?;
//! let mut got = Vec::new();
//! lp.run(RunMode::Default, &mut got)?;
//! assert_eq!(got, b"hi");
//! # Ok::<(), ruv_core::Error>(())
//! ```
#![warn(missing_docs)]

mod closing;
mod macros;
pub mod node;
mod pipe;
mod stream;
mod stream_io;
mod tcp;
mod udp;

pub use pipe::Pipe;
pub use stream::DEFAULT_HIGH_WATER_MARK;
pub use tcp::{BindOptions, Tcp};
pub use udp::{Udp, UdpOptions};
