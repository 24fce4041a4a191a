//! A blocking JSON-RPC client on the app's socket.

use std::io::{BufRead, BufReader, Write};
#[cfg(unix)]
use std::os::unix::net::UnixStream;
use std::time::Duration;

use serde_json::{json, Value};

pub enum ClientError {
    /// No app to talk to: not running, or the socket is not ours to open.
    Unavailable(String),
    /// Something answers at the socket's path, but it is not this user's app (another
    /// user's directory, socket or process): nothing was sent to it.
    Untrusted(String),
    /// The app answered with an error.
    Rpc(String),
}

#[cfg(unix)]
type Stream = UnixStream;
/// No transport on this platform yet (a Windows named pipe is planned): no app is found.
#[cfg(not(unix))]
type Stream = std::fs::File;

pub struct Client {
    reader: BufReader<Stream>,
    writer: Stream,
}

impl Client {
    pub fn connect() -> Result<Self, ClientError> {
        Self::connect_with(None)
    }

    /// Connects with a limit on how long one answer may take: a hook must never hang its
    /// host because the app is stuck.
    #[cfg(unix)]
    pub fn connect_with(answer_within: Option<Duration>) -> Result<Self, ClientError> {
        let path = api::default_socket_path();
        let stream = api::connect_trusted(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::PermissionDenied {
                ClientError::Untrusted(e.to_string())
            } else {
                ClientError::Unavailable(format!("{}: {e}", path.display()))
            }
        })?;
        let _ = stream.set_read_timeout(answer_within);
        let _ = stream.set_write_timeout(answer_within);
        let writer = stream
            .try_clone()
            .map_err(|e| ClientError::Unavailable(e.to_string()))?;
        Ok(Self {
            reader: BufReader::new(stream),
            writer,
        })
    }

    #[cfg(not(unix))]
    pub fn connect_with(_answer_within: Option<Duration>) -> Result<Self, ClientError> {
        Err(ClientError::Unavailable(
            "the local API is served over Unix sockets only so far".into(),
        ))
    }

    /// Sends one request and returns its result, skipping notifications (the app's
    /// `approval.pending` before a blocking answer).
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value, ClientError> {
        let request = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
        let lost = |e: std::io::Error| ClientError::Unavailable(format!("connection lost: {e}"));
        self.writer
            .write_all(format!("{request}\n").as_bytes())
            .map_err(lost)?;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).map_err(lost)? == 0 {
                return Err(ClientError::Unavailable(
                    "the app closed the connection".into(),
                ));
            }
            let message: Value = serde_json::from_str(&line)
                .map_err(|e| ClientError::Rpc(format!("unreadable answer: {e}")))?;
            if message.get("id") != Some(&json!(1)) {
                continue;
            }
            if let Some(error) = message.get("error") {
                return Err(ClientError::Rpc(
                    error["message"].as_str().unwrap_or("error").to_owned(),
                ));
            }
            return Ok(message["result"].clone());
        }
    }
}
