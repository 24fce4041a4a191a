//! How the inbox's errors reach a client of the local API.

use protocol::rpc::{code, RpcError};

/// The error code and message a client sees for an inbox error.
pub fn rpc_error(e: inbox::Error) -> RpcError {
    use inbox::Error::*;
    let code = match &e {
        NotFound(_) => code::NOT_FOUND,
        Invalid { .. } | IdempotencyConflict { .. } => code::REFUSED,
        TooManyPending { .. } | TooManyPendingFromProcess { .. } | InboxFull { .. } => code::LIMIT,
        AlreadyResolved { .. } => code::ALREADY_RESOLVED,
        Tampered { .. } => code::TAMPERED,
        _ => code::INTERNAL_ERROR,
    };
    RpcError::new(code, e.to_string())
}
