//! The local API agents use to reach the inbox: newline-delimited JSON-RPC 2.0 over a Unix
//! socket that only the user can open (docs/protocol.md). Anyone who can connect may ask;
//! no method decides — only a person, through the app, does.

pub mod protocol;
mod server;
mod socket;

pub use protocol::{RpcError, MAX_MESSAGE_BYTES, PROTOCOL_VERSION};
pub use server::{serve, AskDefaults, ServerConfig};
pub use socket::{bind, default_socket_path};
