//! The local API of Converge Tray, written once: the model types every side shares, each
//! method's params and results, error codes, limits, the socket's path and the checks a
//! client makes before it trusts what answers there, and a blocking typed client.
//!
//! The server (`crates/api`) and every client (`ctray`, hooks, Rust programs such as a
//! Converge application in its own process) use these same types. Depends on serde (and
//! ts-rs, for the frontend's TypeScript twins) only, plus libc for the peer's uid.
//! docs/protocol.md describes the wire format.

pub mod client;
pub mod jobs;
pub mod limits;
pub mod model;
pub mod rpc;
pub mod socket;
