//! # ruv-http: Node's `http` module on the ruv loop
#![warn(missing_docs)]

mod body;
pub mod client;
pub mod codes;
mod date;
pub mod headers;
mod parse;
pub mod server;
pub mod status;

pub use date::http_date;
pub use headers::{HeaderValue, Headers, IntoHeaderValue, OutgoingHeaders};
pub use parse::{Framing, RequestHead, ResponseHead, METHODS};
pub use server::{Connection, Request, Response, Server, ServerEvent, ServerOptions};
