//! A blocking, typed client of the local API, for any Rust program that reports status and
//! asks for approval: `ctray`, a hook, a Converge application in its own process.
//!
//! ```no_run
//! use protocol::client::Client;
//! use protocol::rpc::AskParams;
//!
//! let mut app = Client::connect()?;
//! let request = app.ask(&AskParams::new("deploy", "Deploy 2.4.1 to production?"))?;
//! let approved = request.resolution.is_some_and(|r| r.outcome == protocol::model::Outcome::Approved);
//! # Ok::<(), protocol::client::ClientError>(())
//! ```

use std::io::{BufRead, BufReader, Write};
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::{Agent, ApprovalRequest, ChainReport};
use crate::rpc::{
    method, AgentParams, AskParams, CancelParams, Hello, IdParams, JobStarted, RpcError,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// No app to talk to: not running, or the connection was lost.
    Unavailable(String),
    /// Something answers at the socket's path, but it is not this user's app (another
    /// user's directory, socket or process): nothing was sent to it.
    Untrusted(String),
    /// The app answered with an error (its code is one of `rpc::code`).
    Rpc(RpcError),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unavailable(why) => write!(f, "Converge Tray is not reachable: {why}"),
            Self::Untrusted(why) => write!(f, "{why}"),
            Self::Rpc(error) => write!(f, "{}", error.message),
        }
    }
}

impl std::error::Error for ClientError {}

#[cfg(unix)]
type Stream = std::os::unix::net::UnixStream;
/// No transport on this platform yet (a Windows named pipe is planned): no app is found.
#[cfg(not(unix))]
type Stream = std::fs::File;

pub struct Client {
    reader: BufReader<Stream>,
    writer: Stream,
    next_id: u64,
}

/// An answer line: a response to a call, or a notification (which has a method).
#[derive(Deserialize)]
struct Incoming {
    id: Option<Value>,
    method: Option<String>,
    result: Option<Value>,
    error: Option<RpcError>,
}

#[derive(Serialize)]
struct Outgoing<'a, P> {
    jsonrpc: &'static str,
    id: u64,
    method: &'a str,
    params: &'a P,
}

impl Client {
    /// Connects to the app at `socket::client_socket_path()` (this machine's app, else one
    /// forwarded here over SSH), after checking it is this user's app
    /// (`socket::connect_trusted`).
    pub fn connect() -> Result<Self, ClientError> {
        Self::connect_with(None)
    }

    /// Connects with a limit on how long one answer may take: a hook must never hang its
    /// host because the app is stuck.
    #[cfg(unix)]
    pub fn connect_with(answer_within: Option<Duration>) -> Result<Self, ClientError> {
        let path = crate::socket::client_socket_path();
        let stream = crate::socket::connect_trusted(&path).map_err(|e| {
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
            next_id: 1,
        })
    }

    #[cfg(not(unix))]
    pub fn connect_with(_answer_within: Option<Duration>) -> Result<Self, ClientError> {
        Err(ClientError::Unavailable(
            "the local API is served over Unix sockets only so far".into(),
        ))
    }

    /// Sends one call and returns its result, skipping notifications (the app's
    /// `approval.pending` before a blocking answer).
    pub fn call<P: Serialize, R: DeserializeOwned>(
        &mut self,
        method: &str,
        params: &P,
    ) -> Result<R, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        let lost = |e: std::io::Error| ClientError::Unavailable(format!("connection lost: {e}"));
        let mut line = serde_json::to_vec(&Outgoing {
            jsonrpc: "2.0",
            id,
            method,
            params,
        })
        .map_err(|e| ClientError::Unavailable(format!("cannot encode the call: {e}")))?;
        line.push(b'\n');
        self.writer.write_all(&line).map_err(lost)?;
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).map_err(lost)? == 0 {
                return Err(ClientError::Unavailable(
                    "the app closed the connection".into(),
                ));
            }
            let unreadable = |e: serde_json::Error| {
                ClientError::Rpc(RpcError::new(
                    crate::rpc::code::PARSE_ERROR,
                    format!("unreadable answer: {e}"),
                ))
            };
            let message: Incoming = serde_json::from_str(&line).map_err(unreadable)?;
            if message.method.is_some() || message.id != Some(Value::from(id)) {
                continue;
            }
            if let Some(error) = message.error {
                return Err(ClientError::Rpc(error));
            }
            return serde_json::from_value(message.result.unwrap_or(Value::Null))
                .map_err(unreadable);
        }
    }

    pub fn hello(&mut self) -> Result<Hello, ClientError> {
        self.call(method::HELLO, &Value::Null)
    }

    /// Registers the agent or records what it is doing now.
    pub fn update_agent(&mut self, params: &AgentParams) -> Result<Agent, ClientError> {
        self.call(method::AGENT_UPDATE, params)
    }

    /// Asks; with `wait` (the default) blocks until a person decides or the request times
    /// out, and returns it resolved.
    pub fn ask(&mut self, params: &AskParams) -> Result<ApprovalRequest, ClientError> {
        self.call(method::ASK, params)
    }

    /// Asks the person's own rules alone, at once: the request they refused (recorded as
    /// denied by a policy), or `None` when none refuses it and the agent asks its own way.
    pub fn check(&mut self, params: &AskParams) -> Result<Option<ApprovalRequest>, ClientError> {
        self.call(method::CHECK, params)
    }

    /// Waits for a request asked before (after a lost connection or a restart).
    pub fn wait(&mut self, id: &str) -> Result<ApprovalRequest, ClientError> {
        self.call(method::WAIT, &IdParams { id: id.to_owned() })
    }

    pub fn get(&mut self, id: &str) -> Result<ApprovalRequest, ClientError> {
        self.call(method::GET, &IdParams { id: id.to_owned() })
    }

    /// Withdraws a request this program asked.
    pub fn cancel(
        &mut self,
        id: &str,
        reason: Option<&str>,
    ) -> Result<ApprovalRequest, ClientError> {
        let params = CancelParams {
            id: id.to_owned(),
            reason: reason.map(str::to_owned),
        };
        self.call(method::CANCEL, &params)
    }

    pub fn agents(&mut self) -> Result<Vec<Agent>, ClientError> {
        self.call(method::AGENTS, &Value::Null)
    }

    /// Pending requests, oldest first.
    pub fn pending(&mut self) -> Result<Vec<ApprovalRequest>, ClientError> {
        self.call(method::PENDING, &Value::Null)
    }

    /// The app's Converge jobs and recent runs (docs/converge.md).
    pub fn jobs(&mut self) -> Result<crate::jobs::JobsOverview, ClientError> {
        self.call(method::JOBS, &Value::Null)
    }

    pub fn start_job(&mut self, job_id: &str) -> Result<JobStarted, ClientError> {
        self.call(
            method::START_JOB,
            &crate::rpc::JobParams {
                job_id: job_id.to_owned(),
            },
        )
    }

    /// Checks the audit log's hash chain; reads only.
    pub fn verify_audit(&mut self) -> Result<ChainReport, ClientError> {
        self.call(method::VERIFY_AUDIT, &Value::Null)
    }
}
