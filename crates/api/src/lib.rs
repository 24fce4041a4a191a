//! The local API agents use to reach the inbox: newline-delimited JSON-RPC 2.0 over a Unix
//! socket that only the user can open (docs/protocol.md). Anyone who can connect may ask;
//! no method decides — only a person, through the app, does.
//!
//! The protocol and the server are transport-agnostic (`serve_connection` takes any byte
//! stream and the peer's identity); only the Unix socket transport exists so far. A
//! Windows named pipe would add its own listener and peer lookup beside `serve`.

mod errors;
pub mod remote;
mod server;
mod socket;
mod tally;

pub use errors::rpc_error;
pub use protocol::socket::default_socket_path;
pub use remote::{Refusals, Refused, RemotePolicy};
#[cfg(unix)]
pub use server::serve;
pub use server::{
    serve_connection, AskDefaults, JobControl, JobError, ServerConfig, Transport, Waiters,
};
#[cfg(unix)]
pub use socket::bind;
