//! ruv-core (work in progress): the libuv layer.
#![warn(missing_docs)]
pub mod error;
pub use error::{Code, Error, Result};
