//! # ruv-net: Node's `net` layer on the ruv loop
//!
//! TCP connections and listeners as `Copy` ids into a per-loop slab (a loop extension),
//! each driven by one edge-triggered [`ruv_core::IoWatcher`]. Streams read into one reused
//! loop-wide 64 KiB buffer, queue writes FIFO with a callback per write, signal
//! backpressure as Node does (`write` returns `false` past a 16 KiB high-water mark, then a
//! drain callback), half-close with [`Tcp::shutdown`] and cancel pending writes with
//! `ECANCELED` on [`Tcp::close`]. Callbacks never run from inside the call that caused
//! them. See `docs/networking.md`.
//!
//! ```
//! use ruv_core::{Loop, RunMode};
//! use ruv_net::Tcp;
//!
//! let mut lp: Loop<Vec<u8>> = Loop::new()?;
//! let server = Tcp::bind(&mut lp, "127.0.0.1:0".parse().unwrap())?;
//! server.listen(&mut lp, 128, |lp, _, server, res| {
//!     res.unwrap();
//!     let conn = server.accept(lp).unwrap();
//!     conn.write(lp, b"hi".to_vec(), move |lp, _, r| {
//!         r.unwrap();
//!         conn.close(lp).unwrap();
//!         server.close(lp).unwrap();
//!     }).unwrap();
//! })?;
//! let addr = server.local_addr(&mut lp)?;
//! let client = Tcp::connect(&mut lp, addr, |_, _, r| r.unwrap())?;
//! client.read_start(&mut lp, |lp, got, me, r| match r {
//!     Ok(data) => got.extend_from_slice(data),
//!     Err(_) => {
//!         me.close(lp).unwrap(); // EOF
//!     }
//! })?;
//! let mut got = Vec::new();
//! lp.run(RunMode::Default, &mut got)?;
//! assert_eq!(got, b"hi");
//! # Ok::<(), ruv_core::Error>(())
//! ```
#![warn(missing_docs)]

mod macros;
mod pipe;
mod stream;
mod tcp;
mod udp;

pub use pipe::Pipe;
pub use stream::CloseToken;
pub use stream::DEFAULT_HIGH_WATER_MARK;
pub use tcp::{BindOptions, Tcp};
pub use udp::{Udp, UdpOptions};
