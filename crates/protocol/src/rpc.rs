//! Messages of the local API, version 1, in both directions: the methods and their params,
//! what they answer, the error codes. The server decodes with `decode`, which is pure and
//! total (every line maps to a method or to a JSON-RPC error, never to a panic); clients
//! send the same params types (`crate::client`).

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::model::{AgentKind, AgentState, OnTimeout, TokenUsage};

pub const PROTOCOL_VERSION: u32 = 1;
/// The longest line a client may send, newline excluded.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// JSON-RPC 2.0 error codes, then the API's own (-32000…).
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    /// No request with that id.
    pub const NOT_FOUND: i64 = -32000;
    /// The inbox refused the content (a field's limit, a bad timeout…).
    pub const REFUSED: i64 = -32001;
    /// Too many pending requests for this agent or in all.
    pub const LIMIT: i64 = -32002;
    /// The line is longer than MAX_MESSAGE_BYTES; the connection is closed.
    pub const TOO_LARGE: i64 = -32003;
    /// Too many open connections; the connection is closed.
    pub const BUSY: i64 = -32004;
    /// The request was already resolved (cancel of a decided request).
    pub const ALREADY_RESOLVED: i64 = -32005;
    /// The app cannot do this now (e.g. its Converge jobs could not be opened), or the
    /// job could not be started; the message says why.
    pub const UNAVAILABLE: i64 = -32006;
    /// The stored decision is not in the audit chain (the database was changed outside the
    /// app): nothing is handed over.
    pub const TAMPERED: i64 = -32007;
    /// Nothing was asked on the connection for the idle timeout; it is closed.
    pub const IDLE: i64 = -32008;
    /// The person's settings turn this requester away (a refused remote host, or remote
    /// requests switched off); the connection is closed. Nothing was recorded.
    pub const TURNED_AWAY: i64 = -32009;
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentParams {
    /// Who is reporting; created on first use.
    pub agent_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<AgentKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<AgentState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub activity: Option<String>,
    /// The session's token use so far, from the agent's own transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AskParams {
    pub agent_id: String,
    /// Shown with the agent's name when the agent is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_kind: Option<AgentKind>,
    #[serde(default = "default_action")]
    pub action: String,
    pub title: String,
    #[serde(default)]
    pub details: String,
    /// The user's default (Settings) when absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_timeout: Option<OnTimeout>,
    /// Asking again with the same key returns (and waits for) the same request: that is
    /// how a client re-attaches after losing its connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// `false`: answer at once with the pending request; wait later with `approval.wait`.
    #[serde(default = "yes")]
    pub wait: bool,
    /// The agent's own "always allow" choices, offered on the card beside Approve; the one
    /// the person picks comes back as the resolution's `remembered`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remember_choices: Vec<String>,
}

impl AskParams {
    /// An ask with the server's defaults: action `ask`, no details, the user's timeout,
    /// blocking until decided.
    pub fn new(agent_id: &str, title: &str) -> Self {
        Self {
            agent_id: agent_id.to_owned(),
            agent_name: None,
            agent_kind: None,
            action: default_action(),
            title: title.to_owned(),
            details: String::new(),
            timeout_ms: None,
            on_timeout: None,
            idempotency_key: None,
            wait: true,
            remember_choices: Vec::new(),
        }
    }
}

fn default_action() -> String {
    "ask".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdParams {
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelParams {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobParams {
    /// A job's id in the user's jobs file.
    pub job_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    Hello,
    AgentUpdate(AgentParams),
    Ask(AskParams),
    /// Whether the person's own rules refuse a call, never waiting for them (for agents whose
    /// hooks can refuse but not approve): the refused request, recorded, or null.
    Check(AskParams),
    Wait(IdParams),
    Get(IdParams),
    Cancel(CancelParams),
    Agents,
    Pending,
    Subscribe,
    Jobs,
    StartJob(JobParams),
    /// Checks the audit log's hash chain; reads only.
    VerifyAudit,
}

/// The methods' names on the wire, for the server's decoder and every client alike.
pub mod method {
    pub const HELLO: &str = "hello";
    pub const AGENT_UPDATE: &str = "agent.update";
    pub const ASK: &str = "approval.ask";
    pub const CHECK: &str = "approval.check";
    pub const WAIT: &str = "approval.wait";
    pub const GET: &str = "approval.get";
    pub const CANCEL: &str = "approval.cancel";
    pub const AGENTS: &str = "agents.list";
    pub const PENDING: &str = "approvals.pending";
    pub const SUBSCRIBE: &str = "events.subscribe";
    pub const JOBS: &str = "jobs.list";
    pub const START_JOB: &str = "job.start";
    pub const VERIFY_AUDIT: &str = "audit.verify";
    /// The notification `approval.ask` sends before it blocks: `{ call, request }`.
    pub const PENDING_NOTICE: &str = "approval.pending";
}

/// What `hello` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub server: String,
    pub version: String,
}

/// What `job.start` answers: the run, and the agent it shows as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobStarted {
    pub run_id: String,
    pub agent_id: String,
}

/// A decoded line: its id (absent for notifications) and what it asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: Option<Value>,
    pub method: Method,
}

/// Decodes one line. On failure, the id (if one could be read) and the error to send.
pub fn decode(line: &[u8]) -> Result<Call, (Option<Value>, RpcError)> {
    let value: Value = serde_json::from_slice(line).map_err(|e| {
        (
            None,
            RpcError::new(code::PARSE_ERROR, format!("not JSON: {e}")),
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err((
            None,
            RpcError::new(
                code::INVALID_REQUEST,
                "a request is a JSON object (batches are not supported)",
            ),
        ));
    };
    let id = object.remove("id");
    if let Some(bad) = id
        .as_ref()
        .filter(|v| !(v.is_string() || v.is_number() || v.is_null()))
    {
        return Err((
            None,
            RpcError::new(
                code::INVALID_REQUEST,
                format!("id must be a string or a number, not {bad}"),
            ),
        ));
    }
    let fail = |code, message: String| Err((id.clone(), RpcError::new(code, message)));
    if object.get("jsonrpc") != Some(&json!("2.0")) {
        return fail(code::INVALID_REQUEST, "\"jsonrpc\" must be \"2.0\"".into());
    }
    let Some(Value::String(name)) = object.remove("method") else {
        return fail(code::INVALID_REQUEST, "\"method\" must be a string".into());
    };
    let params = object.remove("params").unwrap_or(Value::Null);
    fn parse<T: serde::de::DeserializeOwned>(params: Value) -> Result<T, String> {
        let params = if params.is_null() { json!({}) } else { params };
        serde_json::from_value(params).map_err(|e| format!("invalid params: {e}"))
    }
    let method = match name.as_str() {
        method::HELLO => Ok(Method::Hello),
        method::AGENT_UPDATE => parse(params).map(Method::AgentUpdate),
        method::ASK => parse(params).map(Method::Ask),
        method::CHECK => parse(params).map(Method::Check),
        method::WAIT => parse(params).map(Method::Wait),
        method::GET => parse(params).map(Method::Get),
        method::CANCEL => parse(params).map(Method::Cancel),
        method::AGENTS => Ok(Method::Agents),
        method::PENDING => Ok(Method::Pending),
        method::SUBSCRIBE => Ok(Method::Subscribe),
        method::JOBS => Ok(Method::Jobs),
        method::START_JOB => parse(params).map(Method::StartJob),
        method::VERIFY_AUDIT => Ok(Method::VerifyAudit),
        other => {
            return fail(
                code::METHOD_NOT_FOUND,
                format!("no method {other:?} (the API has no method that decides)"),
            )
        }
    };
    match method {
        Ok(method) => Ok(Call { id, method }),
        Err(message) => fail(code::INVALID_PARAMS, message),
    }
}

pub fn response(id: Option<Value>, result: Result<Value, RpcError>) -> Value {
    let id = id.unwrap_or(Value::Null);
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error }),
    }
}

pub fn notification(method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "method": method, "params": params })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn err(line: &str) -> RpcError {
        decode(line.as_bytes()).unwrap_err().1
    }

    #[test]
    fn decodes_an_ask_with_defaults() {
        let call = decode(
            br#"{"jsonrpc":"2.0","id":7,"method":"approval.ask","params":{"agent_id":"deploy","title":"Deploy?"}}"#,
        )
        .unwrap();
        assert_eq!(call.id, Some(json!(7)));
        let Method::Ask(ask) = call.method else {
            panic!()
        };
        assert_eq!(
            (ask.action.as_str(), ask.details.as_str(), ask.wait),
            ("ask", "", true)
        );
        assert_eq!(ask.timeout_ms, None);
    }

    #[test]
    fn bad_lines_get_the_right_codes() {
        assert_eq!(err("{").code, code::PARSE_ERROR);
        assert_eq!(err("[1,2]").code, code::INVALID_REQUEST);
        assert_eq!(
            err(r#"{"id":1,"method":"hello"}"#).code,
            code::INVALID_REQUEST
        );
        assert_eq!(
            err(r#"{"jsonrpc":"2.0","id":{},"method":"hello"}"#).code,
            code::INVALID_REQUEST
        );
        let e = err(r#"{"jsonrpc":"2.0","id":1,"method":"approval.decide","params":{}}"#);
        assert_eq!(e.code, code::METHOD_NOT_FOUND);
        assert!(e.message.contains("no method that decides"));
        let e = err(r#"{"jsonrpc":"2.0","id":1,"method":"approval.ask","params":{"agent_id":5}}"#);
        assert_eq!(e.code, code::INVALID_PARAMS);
        let e = err(
            r#"{"jsonrpc":"2.0","id":1,"method":"approval.ask","params":{"agent_id":"a","title":"t","approve":true}}"#,
        );
        assert_eq!(
            e.code,
            code::INVALID_PARAMS,
            "unknown fields are refused: {}",
            e.message
        );
    }

    #[test]
    fn the_id_comes_back_with_an_error_when_it_could_be_read() {
        let (id, _) = decode(br#"{"jsonrpc":"2.0","id":"abc","method":"nope"}"#).unwrap_err();
        assert_eq!(id, Some(json!("abc")));
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// The decoder is total: any bytes give a call or an error, never a panic.
        #[test]
        fn any_bytes_decode_without_panicking(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = decode(&bytes);
        }

        #[test]
        fn any_json_value_decodes_without_panicking(
            method in prop::sample::select(vec!["hello", "agent.update", "approval.ask", "approval.check", "approval.wait",
                "approval.get", "approval.cancel", "agents.list", "approvals.pending", "events.subscribe", "x"]),
            params in prop::option::of(prop_oneof![
                Just(json!(null)), Just(json!(1)), Just(json!("s")), Just(json!([])),
                Just(json!({"agent_id": "a", "title": "t"})), Just(json!({"id": 1})),
                Just(json!({"agent_id": "a", "title": "t", "timeout_ms": "soon"})),
            ]),
        ) {
            let mut request = json!({"jsonrpc": "2.0", "id": 1, "method": method});
            if let Some(params) = params {
                request["params"] = params;
            }
            let _ = decode(request.to_string().as_bytes());
        }
    }
}
