//! The protocol against the real server, a real inbox and real sockets.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::time::Duration;

use api::{bind, serve, ServerConfig};
use inbox::{Durability, Inbox, InboxConfig, Outcome, Resolver, Verdict};
use protocol::rpc::code;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::UnixStream;

struct Fixture {
    _dir: tempfile::TempDir,
    socket: PathBuf,
    inbox: Inbox,
}

async fn start(config: ServerConfig) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (inbox, _) = Inbox::start(InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(dir.path().join("inbox.db"))
    })
    .unwrap();
    let socket = dir.path().join("run").join("api.sock");
    let listener = bind(&socket).unwrap();
    tokio::spawn(serve(listener, inbox.clone(), config));
    Fixture {
        _dir: dir,
        socket,
        inbox,
    }
}

struct Client {
    lines: Lines<BufReader<Box<dyn tokio::io::AsyncRead + Send + Unpin>>>,
    writer: Box<dyn tokio::io::AsyncWrite + Send + Unpin>,
    next_id: u64,
}

impl Client {
    async fn connect(fx: &Fixture) -> Self {
        let (reader, writer) = UnixStream::connect(&fx.socket).await.unwrap().into_split();
        Self {
            lines: BufReader::new(Box::new(reader) as Box<dyn tokio::io::AsyncRead + Send + Unpin>)
                .lines(),
            writer: Box::new(writer),
            next_id: 1,
        }
    }

    async fn send_line(&mut self, line: &str) {
        self.writer.write_all(line.as_bytes()).await.unwrap();
        self.writer.write_all(b"\n").await.unwrap();
    }

    async fn send(&mut self, method: &str, params: Value) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_line(&request.to_string()).await;
        id
    }

    /// The next message, or None if the server closed the connection.
    async fn message(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(Duration::from_secs(10), self.lines.next_line())
            .await
            .expect("a message within 10 s")
            .ok()??;
        Some(serde_json::from_str(&line).unwrap())
    }

    /// The response to `id`, skipping notifications.
    async fn response(&mut self, id: u64) -> Value {
        loop {
            let message = self.message().await.expect("connection open");
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
        }
    }

    async fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.send(method, params).await;
        self.response(id).await
    }
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error: {response}"))
}

async fn pending_id(fx: &Fixture) -> String {
    for _ in 0..200 {
        if let Some(request) = fx.inbox.pending().unwrap().pop() {
            return request.id;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no pending request")
}

#[tokio::test]
async fn hello_says_the_protocol_version() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let hello = client.call("hello", json!({})).await;
    assert_eq!(hello["result"]["protocol"], 1);
}

#[tokio::test]
async fn ask_blocks_until_a_person_decides_and_records_who_asked() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let id = client
        .send(
            "approval.ask",
            json!({"agent_id": "deploy", "agent_name": "Deploy script", "title": "Deploy to prod?",
                   "details": "./deploy.sh --prod", "timeout_ms": 60000}),
        )
        .await;
    // First a notification with the pending request, so the client knows its id.
    let pending = client.message().await.unwrap();
    assert_eq!(pending["method"], "approval.pending");
    let request_id = pending["params"]["request"]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let stored = fx.inbox.request(&request_id).unwrap().unwrap();
    assert_eq!(stored.provenance.pid, Some(std::process::id()));
    assert_eq!(
        stored.provenance.exe.as_deref(),
        Some(std::env::current_exe().unwrap().to_str().unwrap())
    );
    assert_eq!(stored.details, "./deploy.sh --prod");
    assert_eq!(fx.inbox.agents().unwrap()[0].name, "Deploy script");

    fx.inbox
        .decide(&request_id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let response = client.response(id).await;
    assert_eq!(response["result"]["resolution"]["outcome"], "approved");
    assert_eq!(response["result"]["resolution"]["by"], "popover");
}

#[tokio::test]
async fn nothing_on_the_api_can_decide() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let asked = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "wait": false}),
        )
        .await;
    let id = asked["result"]["id"].as_str().unwrap().to_owned();
    for method in ["approval.decide", "approval.approve", "decide", "approve"] {
        let response = client
            .call(method, json!({"id": id, "verdict": "approve"}))
            .await;
        assert_eq!(error_code(&response), code::METHOD_NOT_FOUND, "{method}");
    }
    // Extra fields do not sneak a decision in either.
    let response = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "approved": true}),
        )
        .await;
    assert_eq!(error_code(&response), code::INVALID_PARAMS);
    assert!(fx.inbox.request(&id).unwrap().unwrap().is_pending());
}

/// `approval.check` (agents that ask only in their own prompt): the person's rule alone
/// answers, at once; off by default, it records nothing; it never approves.
#[tokio::test]
async fn a_check_refuses_only_what_the_persons_rule_refuses_and_never_approves() {
    let config = ServerConfig::default();
    let fx = start(config.clone()).await;
    let mut client = Client::connect(&fx).await;
    let call = |command: &str| {
        json!({
            "agent_id": "gemini:s1", "agent_name": "Gemini CLI · shop", "agent_kind": "other",
            "action": "run_shell_command", "title": format!("run_shell_command: {command}"),
            "details": json!({ "command": command }).to_string(),
        })
    };

    // Off (the default): nothing refused, nothing recorded, no agent made up.
    let off = client.call("approval.check", call("rm -rf build")).await;
    assert_eq!(
        (&off["result"], off.get("error")),
        (&Value::Null, None),
        "{off}"
    );
    assert!(fx.inbox.agents().unwrap().is_empty());

    config.defaults.write().unwrap().refuse_unasked_from = Some(inbox::RiskLevel::High);
    let low = client.call("approval.check", call("ls -la")).await;
    assert_eq!(
        (&low["result"], low.get("error")),
        (&Value::Null, None),
        "{low}"
    );
    assert!(fx
        .inbox
        .history(&inbox::HistoryQuery::default())
        .unwrap()
        .entries
        .is_empty());

    let refused = client.call("approval.check", call("rm -rf build")).await;
    let resolution = &refused["result"]["resolution"];
    assert_eq!(
        (&resolution["outcome"], &resolution["by"]),
        (&json!("denied"), &json!("policy")),
        "{refused}"
    );
    let id = refused["result"]["id"].as_str().unwrap();
    let stored = fx.inbox.request(id).unwrap().unwrap();
    assert_eq!(stored.resolution.unwrap().by, Resolver::Policy);
    assert!(fx.inbox.pending().unwrap().is_empty(), "nothing waits");
    assert_eq!(fx.inbox.agents().unwrap()[0].name, "Gemini CLI · shop");

    // A check that names a pending request's id, or asks to be approved, changes nothing.
    let asked = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "wait": false}),
        )
        .await;
    let pending = asked["result"]["id"].as_str().unwrap().to_owned();
    let forged = client
        .call(
            "approval.check",
            json!({"agent_id": "a", "title": "t", "id": pending, "outcome": "approved"}),
        )
        .await;
    assert_eq!(error_code(&forged), code::INVALID_PARAMS);
    assert!(fx.inbox.request(&pending).unwrap().unwrap().is_pending());
}

#[tokio::test]
async fn bad_messages_get_errors_and_the_connection_carries_on() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    client.send_line("{not json").await;
    let parse = client.message().await.unwrap();
    assert_eq!(error_code(&parse), code::PARSE_ERROR);
    assert_eq!(parse["id"], Value::Null);

    let wrong = client
        .call("approval.ask", json!({"agent_id": "a", "title": 5}))
        .await;
    assert_eq!(error_code(&wrong), code::INVALID_PARAMS);
    let refused = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "timeout_ms": 0}),
        )
        .await;
    assert_eq!(error_code(&refused), code::REFUSED);
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("timeout"));
    let unknown = client.call("approval.get", json!({"id": "nope"})).await;
    assert_eq!(error_code(&unknown), code::NOT_FOUND);

    // Still usable, and nothing was stored by the bad ones.
    assert_eq!(
        client.call("hello", json!({})).await["result"]["protocol"],
        1
    );
    assert!(fx.inbox.pending().unwrap().is_empty());
}

#[tokio::test]
async fn an_oversized_line_closes_that_connection_only() {
    let fx = start(ServerConfig::default()).await;
    let mut big = Client::connect(&fx).await;
    let mut other = Client::connect(&fx).await;
    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"approval.ask","params":{{"agent_id":"a","title":"t","details":"{}"}}}}"#,
        "x".repeat(protocol::rpc::MAX_MESSAGE_BYTES)
    );
    // Written in the background: the server stops reading once over the limit.
    let mut writer = big.writer;
    tokio::spawn(async move {
        let _ = writer.write_all(huge.as_bytes()).await;
    });
    big.writer = Box::new(
        UnixStream::connect(&fx.socket)
            .await
            .unwrap()
            .into_split()
            .1,
    );
    let error = big.message().await.unwrap();
    assert_eq!(error_code(&error), code::TOO_LARGE);
    assert!(big.message().await.is_none(), "the connection is closed");
    assert_eq!(
        other.call("hello", json!({})).await["result"]["protocol"],
        1
    );
    assert!(fx.inbox.pending().unwrap().is_empty());
}

#[tokio::test]
async fn a_client_that_vanishes_mid_ask_can_reattach() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    client
        .send(
            "approval.ask",
            json!({"agent_id": "hook", "title": "Bash: rm -rf build", "idempotency_key": "tool-1"}),
        )
        .await;
    let request_id = pending_id(&fx).await;
    drop(client); // the hook was killed

    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(fx.inbox.request(&request_id).unwrap().unwrap().is_pending());

    // Re-attach by id...
    let mut by_id = Client::connect(&fx).await;
    let wait = by_id.send("approval.wait", json!({"id": request_id})).await;
    // ...and by asking again with the same idempotency key.
    let mut by_key = Client::connect(&fx).await;
    let again = by_key
        .send(
            "approval.ask",
            json!({"agent_id": "hook", "title": "Bash: rm -rf build", "idempotency_key": "tool-1"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(fx.inbox.pending().unwrap().len(), 1, "no duplicate");
    fx.inbox
        .decide(
            &request_id,
            Verdict::Deny {
                reason: Some("not now".into()),
            },
            Resolver::Shortcut,
        )
        .unwrap();
    for (client, id) in [(&mut by_id, wait), (&mut by_key, again)] {
        let response = client.response(id).await;
        assert_eq!(response["result"]["id"], request_id.as_str());
        assert_eq!(response["result"]["resolution"]["outcome"], "denied");
        assert_eq!(response["result"]["resolution"]["reason"], "not now");
    }
}

/// A process that asks with `key`, then dies without an answer (an SSH connection that
/// dropped: the peer the server saw is gone).
async fn ask_and_die(fx: &Fixture, key: &str) {
    let script = format!(
        "import socket, time\ns = socket.socket(socket.AF_UNIX)\ns.connect({:?})\n\
         s.sendall(b'{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"approval.ask\",\"params\":{{\"agent_id\":\"a\",\"title\":\"t\",\"idempotency_key\":\"{key}\"}}}}\\n')\n\
         s.recv(65536)\n",
        fx.socket.to_str().unwrap()
    );
    let status = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args(["-c", &script])
            .status()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_asker_back_through_another_connection_keeps_its_request_past_the_grace() {
    let fx = start(ServerConfig {
        orphan_grace: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .await;
    ask_and_die(&fx, "deploy-42").await;
    let request_id = fx.inbox.pending().unwrap()[0].id.clone();

    // Back within the grace, from another process's connection, with the same key.
    let mut back = Client::connect(&fx).await;
    let again = back
        .send(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "idempotency_key": "deploy-42"}),
        )
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let request = fx.inbox.request(&request_id).unwrap().unwrap();
    assert!(
        request.is_pending(),
        "closed as orphaned while an asker waits on it: {:?}",
        request.resolution
    );
    assert_eq!(fx.inbox.pending().unwrap().len(), 1, "no second request");
    fx.inbox
        .decide(&request_id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let response = back.response(again).await;
    assert_eq!(response["result"]["id"], request_id.as_str());
    assert_eq!(response["result"]["resolution"]["outcome"], "approved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_asking_process_died_is_closed() {
    let fx = start(ServerConfig {
        orphan_grace: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .await;
    // A separate process asks, then dies before anyone decides.
    ask_and_die(&fx, "gone-1").await;
    let request_id = fx.inbox.pending().unwrap()[0].id.clone();
    for _ in 0..100 {
        let request = fx.inbox.request(&request_id).unwrap().unwrap();
        if let Some(resolution) = request.resolution {
            assert_eq!(
                (resolution.outcome, resolution.by),
                (Outcome::Cancelled, Resolver::System)
            );
            assert_eq!(
                resolution.reason.as_deref(),
                Some("the asking process went away")
            );
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the orphaned request stayed pending");
}

#[tokio::test]
async fn timeouts_and_cancellations_reach_the_asker() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let response = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "quick", "timeout_ms": 1000, "on_timeout": "fallback"}),
        )
        .await;
    assert_eq!(response["result"]["resolution"]["outcome"], "timed-out");
    assert_eq!(response["result"]["on_timeout"], "fallback");

    let asked = client
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "wait": false}),
        )
        .await;
    assert!(asked["result"]["resolution"].is_null());
    let id = asked["result"]["id"].as_str().unwrap().to_owned();
    let cancelled = client
        .call(
            "approval.cancel",
            json!({"id": id, "reason": "answered in the terminal"}),
        )
        .await;
    assert_eq!(cancelled["result"]["resolution"]["outcome"], "cancelled");
    let again = client.call("approval.cancel", json!({"id": id})).await;
    assert_eq!(error_code(&again), code::ALREADY_RESOLVED);
}

#[tokio::test]
async fn agents_report_status_and_scripts_can_list() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let updated = client
        .call(
            "agent.update",
            json!({"agent_id": "nightly", "name": "Nightly build", "kind": "script",
                   "state": "working", "activity": "compiling"}),
        )
        .await;
    assert_eq!(updated["result"]["state"], "working");
    let refused = client
        .call(
            "agent.update",
            json!({"agent_id": "nightly", "state": "waiting-for-approval"}),
        )
        .await;
    assert_eq!(error_code(&refused), code::REFUSED);
    client
        .call(
            "approval.ask",
            json!({"agent_id": "nightly", "title": "t", "wait": false}),
        )
        .await;
    let agents = client.call("agents.list", json!(null)).await;
    assert_eq!(agents["result"][0]["activity"], "compiling");
    assert_eq!(agents["result"][0]["pending"], 1);
    let pending = client.call("approvals.pending", json!(null)).await;
    assert_eq!(pending["result"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn too_many_connections_are_turned_away_and_the_rest_carry_on() {
    let fx = start(ServerConfig {
        max_connections: 50,
        // All clients here are this one test process.
        max_connections_per_process: 1000,
        ..ServerConfig::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..50 {
        let mut client = Client::connect(&fx).await;
        assert_eq!(
            client.call("hello", json!({})).await["result"]["protocol"],
            1
        );
        open.push(client);
    }
    let mut refused = 0;
    for _ in 0..200 {
        let mut extra = Client::connect(&fx).await;
        let message = extra.message().await.unwrap();
        assert_eq!(error_code(&message), code::BUSY);
        assert!(extra.message().await.is_none());
        refused += 1;
    }
    assert_eq!(refused, 200);
    // The open ones still work; a closed one frees a place.
    assert_eq!(
        open[7].call("hello", json!({})).await["result"]["protocol"],
        1
    );
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut late = Client::connect(&fx).await;
    assert_eq!(late.call("hello", json!({})).await["result"]["protocol"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_that_does_not_read_is_dropped_and_nothing_else_waits_for_it() {
    let fx = start(ServerConfig {
        write_timeout: Duration::from_millis(200),
        ..ServerConfig::default()
    })
    .await;
    let mut slow = Client::connect(&fx).await;
    let subscribed = slow.call("events.subscribe", json!(null)).await;
    assert!(subscribed["result"]["pending"].is_array());
    // It never reads again; the inbox keeps working at full speed.
    let details = "d".repeat(100_000);
    for i in 0..100 {
        let id = fx
            .inbox
            .ask(inbox::NewRequest {
                details: details.clone(),
                ..inbox::NewRequest::new(&format!("agent-{}", i % 20), "Bash", "t", "")
            })
            .unwrap()
            .id;
        fx.inbox
            .decide(&id, Verdict::Approve, Resolver::Popover)
            .unwrap();
    }
    let mut fresh = Client::connect(&fx).await;
    assert_eq!(
        fresh.call("hello", json!({})).await["result"]["protocol"],
        1
    );
    tokio::time::sleep(Duration::from_secs(1)).await; // past the write timeout, unread
                                                      // The slow one was cut off: after what fit in the socket buffers, the stream ends.
                                                      // (the last line may be cut short: the write was abandoned mid-way)
    let mut received = 0;
    while let Ok(Some(_)) = slow.lines.next_line().await {
        received += 1;
    }
    assert!(received < 400, "{received} messages: it was not cut off");
}

#[tokio::test]
async fn the_socket_is_private_and_served_once() {
    let fx = start(ServerConfig::default()).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&fx.socket), 0o600);
    assert_eq!(mode(fx.socket.parent().unwrap()), 0o700);
    let err = bind(&fx.socket).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);

    // A socket file left by a dead app is replaced.
    let dir = tempfile::tempdir().unwrap();
    let stale = dir.path().join("api.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    assert!(stale.exists());
    let _listener = bind(&stale).unwrap();
}

/// The app's jobs as the server sees them: two known ids; another is refused.
struct TwoJobs(std::sync::Mutex<Vec<String>>);

impl api::JobControl for TwoJobs {
    fn list(&self) -> Result<protocol::jobs::JobsOverview, api::JobError> {
        let job = |id: &str| protocol::jobs::JobDefinition {
            id: id.into(),
            name: id.into(),
            pack: "expense".into(),
            input: Default::default(),
        };
        Ok(protocol::jobs::JobsOverview {
            definitions: vec![job("travel"), job("lunch")],
            problem: None,
            runs: Vec::new(),
        })
    }

    fn start(&self, job_id: &str) -> Result<protocol::rpc::JobStarted, api::JobError> {
        if job_id != "travel" && job_id != "lunch" {
            return Err(api::JobError::NoSuchJob {
                job_id: job_id.into(),
                file: "jobs.toml".into(),
            });
        }
        self.0.lock().unwrap().push(job_id.to_owned());
        Ok(protocol::rpc::JobStarted {
            run_id: "r1".into(),
            agent_id: "converge:r1".into(),
        })
    }
}

#[tokio::test]
async fn jobs_are_listed_and_started_when_the_app_has_them() {
    let fx = start(ServerConfig::default()).await;
    let mut client = Client::connect(&fx).await;
    let id = client.send("jobs.list", Value::Null).await;
    let answer = client.response(id).await;
    assert_eq!(error_code(&answer), code::UNAVAILABLE);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no Converge jobs"));

    let jobs = std::sync::Arc::new(TwoJobs(Default::default()));
    let fx = start(ServerConfig {
        jobs: Some(jobs.clone()),
        ..ServerConfig::default()
    })
    .await;
    let mut client = Client::connect(&fx).await;
    let id = client.send("jobs.list", Value::Null).await;
    assert_eq!(
        client.response(id).await["result"]["definitions"][1]["id"],
        "lunch"
    );
    let id = client
        .send("job.start", json!({ "job_id": "travel" }))
        .await;
    assert_eq!(
        client.response(id).await["result"]["agent_id"],
        "converge:r1"
    );
    let id = client
        .send("job.start", json!({ "job_id": "poetry" }))
        .await;
    let answer = client.response(id).await;
    assert_eq!(error_code(&answer), code::NOT_FOUND);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("no job \"poetry\""));
    let id = client.send("job.start", json!({ "id": "travel" })).await;
    assert_eq!(error_code(&client.response(id).await), code::INVALID_PARAMS);
    assert_eq!(*jobs.0.lock().unwrap(), ["travel"]);
}

#[tokio::test]
async fn one_process_cannot_take_every_connection() {
    let fx = start(ServerConfig {
        max_connections: 50,
        max_connections_per_process: 5,
        ..ServerConfig::default()
    })
    .await;
    let mut open = Vec::new();
    for _ in 0..5 {
        let mut client = Client::connect(&fx).await;
        assert_eq!(
            client.call("hello", json!({})).await["result"]["protocol"],
            1
        );
        open.push(client);
    }
    let mut extra = Client::connect(&fx).await;
    let message = extra.message().await.unwrap();
    assert_eq!(error_code(&message), code::BUSY);
    assert!(
        message["error"]["message"]
            .as_str()
            .unwrap()
            .contains("this process already has 5 connections open"),
        "{message}"
    );
    assert!(extra.message().await.is_none(), "the extra one is closed");
    // Closing one frees its place.
    drop(open.pop());
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut late = Client::connect(&fx).await;
    assert_eq!(late.call("hello", json!({})).await["result"]["protocol"], 1);
}

#[tokio::test]
async fn an_idle_connection_is_closed_but_a_waiting_ask_is_not() {
    let fx = start(ServerConfig {
        idle_timeout: Duration::from_millis(300),
        ..ServerConfig::default()
    })
    .await;
    let mut idle = Client::connect(&fx).await;
    let mut asking = Client::connect(&fx).await;
    let ask = asking
        .send(
            "approval.ask",
            json!({"agent_id": "a", "title": "slow decision"}),
        )
        .await;
    let id = pending_id(&fx).await;
    let message = idle.message().await.expect("told why");
    assert_eq!(error_code(&message), code::IDLE);
    assert!(idle.message().await.is_none(), "the idle one is closed");

    tokio::time::sleep(Duration::from_millis(600)).await;
    fx.inbox
        .decide(&id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let response = asking.response(ask).await;
    assert_eq!(response["result"]["resolution"]["outcome"], "approved");
}

#[tokio::test]
async fn only_the_asker_may_cancel() {
    let fx = start(ServerConfig::default()).await;
    // Asked by another program (as the inbox records it from the kernel).
    let mut other = inbox::NewRequest::new("claude", "Bash", "rm -rf build", "rm -rf build");
    other.provenance = inbox::Provenance {
        pid: Some(1),
        uid: Some(0),
        exe: Some("/usr/bin/some-other-agent".into()),
        remote: None,
        cwd: None,
    };
    let theirs = fx.inbox.ask(other).unwrap();
    let mut client = Client::connect(&fx).await;
    let refused = client
        .call(
            "approval.cancel",
            json!({"id": theirs.id, "reason": "mine now"}),
        )
        .await;
    assert_eq!(error_code(&refused), code::REFUSED);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("only it may cancel it"),
        "{refused}"
    );
    assert!(fx.inbox.request(&theirs.id).unwrap().unwrap().is_pending());

    // Its own request, asked on another connection of the same program, it may cancel.
    let mut first = Client::connect(&fx).await;
    let asked = first
        .call(
            "approval.ask",
            json!({"agent_id": "a", "title": "t", "wait": false}),
        )
        .await;
    let mine = asked["result"]["id"].as_str().unwrap().to_owned();
    let cancelled = client.call("approval.cancel", json!({"id": mine})).await;
    assert_eq!(cancelled["result"]["resolution"]["outcome"], "cancelled");
}

#[tokio::test]
async fn at_start_requests_of_askers_that_died_meanwhile_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("inbox.db");
    let mut dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    dead.wait().unwrap();
    let asked_by = |pid: u32, uid: Option<u32>| {
        let mut new = inbox::NewRequest::new("agent", "Bash", &format!("from {pid}"), "x");
        new.provenance = inbox::Provenance {
            pid: Some(pid),
            uid,
            exe: Some("/usr/bin/agent".into()),
            remote: None,
            cwd: None,
        };
        new
    };
    let (orphan, alive, in_process) = {
        // The app before its restart.
        let (inbox, _) = Inbox::open(InboxConfig {
            durability: Durability::Normal,
            ..InboxConfig::at(&db)
        })
        .unwrap();
        (
            inbox.ask(asked_by(dead_pid, Some(0))).unwrap().id,
            inbox.ask(asked_by(std::process::id(), Some(0))).unwrap().id,
            inbox.ask(asked_by(dead_pid, None)).unwrap().id,
        )
    };
    let (inbox, _) = Inbox::start(InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(&db)
    })
    .unwrap();
    let listener = bind(&dir.path().join("run").join("api.sock")).unwrap();
    tokio::spawn(serve(listener, inbox.clone(), ServerConfig::default()));
    for _ in 0..200 {
        if !inbox.request(&orphan).unwrap().unwrap().is_pending() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let closed = inbox.request(&orphan).unwrap().unwrap().resolution.unwrap();
    assert_eq!(closed.outcome, Outcome::Cancelled);
    assert_eq!(closed.by, Resolver::System);
    assert!(inbox.request(&alive).unwrap().unwrap().is_pending());
    assert!(inbox.request(&in_process).unwrap().unwrap().is_pending());
}

/// A connection whose peer the transport reports as remote (as `serve` does for a forwarded
/// SSH connection or a container), over an in-memory pipe.
fn remote_client(fx: &Fixture, config: &ServerConfig, remote: &str) -> Client {
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let (reader, writer) = tokio::io::split(theirs);
    let transport = api::Transport {
        reader: Box::new(reader),
        writer: Box::new(writer),
        peer: inbox::Provenance {
            pid: Some(std::process::id()),
            uid: Some(protocol::socket::current_uid()),
            exe: Some("/usr/bin/ssh".into()),
            remote: Some(remote.into()),
            cwd: None,
        },
    };
    tokio::spawn(api::serve_connection(
        transport,
        fx.inbox.clone(),
        config.clone(),
        api::Waiters::default(),
    ));
    let (reader, writer) = tokio::io::split(ours);
    Client {
        lines: BufReader::new(Box::new(reader) as Box<dyn tokio::io::AsyncRead + Send + Unpin>)
            .lines(),
        writer: Box::new(writer),
        next_id: 1,
    }
}

#[tokio::test]
async fn refused_remote_hosts_are_turned_away_and_nothing_is_recorded() {
    let config = ServerConfig::default();
    let fx = start(config.clone()).await;
    config.remote.write().unwrap().refused_hosts = vec!["devbox".into()];
    let ask = json!({"agent_id": "remote-agent", "agent_name": "remote", "title": "Deploy"});

    let mut followed = config.refusals.follow();
    let mut refused = remote_client(&fx, &config, "ssh:devbox");
    let hello = refused.call("hello", json!(null)).await;
    assert_eq!(
        hello["result"]["server"], "converge-tray",
        "hello still answers"
    );
    let response = refused.call("approval.ask", ask.clone()).await;
    assert_eq!(error_code(&response), code::TURNED_AWAY);
    let said = response["error"]["message"].as_str().unwrap();
    assert!(said.contains("refuses requests from devbox"), "{said}");
    assert!(
        refused.message().await.is_none(),
        "the connection is closed"
    );
    assert!(fx.inbox.pending().unwrap().is_empty(), "no card");
    assert!(fx.inbox.agents().unwrap().is_empty(), "no agent registered");
    followed.changed().await.expect("a refusal is announced");
    let counted = config.refusals.list();
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert_eq!(
        (counted[0].0.as_str(), counted[0].1.count),
        ("ssh:devbox", 1)
    );

    // Another host is taken, and marked as remote.
    let mut other = remote_client(&fx, &config, "ssh:ci");
    let id = other.send("approval.ask", ask.clone()).await;
    let request_id = pending_id(&fx).await;
    let request = fx.inbox.request(&request_id).unwrap().unwrap();
    assert_eq!(request.provenance.remote.as_deref(), Some("ssh:ci"));

    // Switched off for all: an open connection is turned away at its next call, and a
    // container too. What already waits is left to the person.
    config.remote.write().unwrap().accept = false;
    let mut container = remote_client(&fx, &config, "container");
    let response = container
        .call("agent.update", json!({"agent_id": "c"}))
        .await;
    assert_eq!(error_code(&response), code::TURNED_AWAY);
    fx.inbox
        .decide(&request_id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    assert_eq!(
        other.response(id).await["result"]["resolution"]["outcome"],
        "approved"
    );
    let response = other.call("approvals.pending", json!(null)).await;
    assert_eq!(error_code(&response), code::TURNED_AWAY);
    let counted: Vec<(String, u64)> = config
        .refusals
        .list()
        .into_iter()
        .map(|(remote, refused)| (remote, refused.count))
        .collect();
    assert_eq!(counted.len(), 3, "{counted:?}");
    assert!(counted.contains(&("ssh:devbox".into(), 1)));
    assert!(counted.contains(&("container".into(), 1)));
    assert!(counted.contains(&("ssh:ci".into(), 1)));

    // A local program is never affected.
    let mut local = Client::connect(&fx).await;
    let response = local.call("approvals.pending", json!(null)).await;
    assert!(response["result"].is_array(), "{response}");
}

/// A peer on another machine sees only what was asked from there: not the person's local
/// requests (a local Write's content), not another host's, not their agents or events; and
/// it cancels only what was asked from there, though every SSH peer is the same `ssh`
/// program (issue 25).
#[tokio::test]
async fn a_peer_on_another_machine_sees_and_cancels_only_what_was_asked_from_there() {
    let config = ServerConfig::default();
    let fx = start(config.clone()).await;
    let local = fx
        .inbox
        .ask(inbox::NewRequest::new(
            "claude-local",
            "Write",
            "Write .env",
            "SECRET=hunter2",
        ))
        .unwrap();
    let mut ci = remote_client(&fx, &config, "ssh:ci");
    let asked = ci
        .call(
            "approval.ask",
            json!({"agent_id": "ci-agent", "title": "Deploy from ci", "wait": false}),
        )
        .await;
    let from_ci = asked["result"]["id"].as_str().unwrap().to_owned();

    let mut devbox = remote_client(&fx, &config, "ssh:devbox");
    let pending = devbox.call("approvals.pending", json!(null)).await;
    assert_eq!(pending["result"], json!([]), "{pending}");
    let agents = devbox.call("agents.list", json!(null)).await;
    assert_eq!(agents["result"], json!([]), "{agents}");
    for id in [&local.id, &from_ci] {
        let got = devbox.call("approval.get", json!({ "id": id })).await;
        assert!(got.get("result").is_none(), "{got}");
        let cancelled = devbox
            .call("approval.cancel", json!({ "id": id, "reason": "mine now" }))
            .await;
        assert!(cancelled.get("result").is_none(), "{cancelled}");
    }
    let events = devbox.call("events.subscribe", json!(null)).await;
    assert_eq!(events["result"]["pending"], json!([]), "{events}");
    assert_eq!(events["result"]["agents"], json!([]), "{events}");
    // A new local request is not announced to it.
    fx.inbox
        .ask(inbox::NewRequest::new("claude-local", "Bash", "ls", "ls"))
        .unwrap();
    assert!(
        tokio::time::timeout(Duration::from_millis(300), devbox.message())
            .await
            .is_err(),
        "no event about a local request"
    );

    // From ci itself: its own, and only its own.
    let mut ci_again = remote_client(&fx, &config, "ssh:ci");
    let pending = ci_again.call("approvals.pending", json!(null)).await;
    let ids: Vec<&str> = pending["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [from_ci.as_str()]);
    let agents = ci_again.call("agents.list", json!(null)).await;
    assert_eq!(agents["result"][0]["id"], "ci-agent", "{agents}");
    assert_eq!(agents["result"].as_array().unwrap().len(), 1, "{agents}");
    let cancelled = ci_again
        .call("approval.cancel", json!({ "id": from_ci }))
        .await;
    assert_eq!(cancelled["result"]["resolution"]["outcome"], "cancelled");
    assert!(fx.inbox.request(&local.id).unwrap().unwrap().is_pending());

    // The person's own programs still see everything.
    let mut here = Client::connect(&fx).await;
    let pending = here.call("approvals.pending", json!(null)).await;
    assert_eq!(pending["result"].as_array().unwrap().len(), 2, "{pending}");
}

/// Another program holding the database's write lock makes asks wait and then fail;
/// meanwhile `hello` and the reads (what is pending, the agents) still answer at once
/// (issue 25).
#[tokio::test]
async fn hello_answers_while_another_program_holds_the_database() {
    let fx = start(ServerConfig::default()).await;
    let other = rusqlite::Connection::open(fx._dir.path().join("inbox.db")).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut askers = Vec::new();
    for n in 0..2 {
        let mut client = Client::connect(&fx).await;
        let id = client
            .send(
                "approval.ask",
                json!({"agent_id": format!("a{n}"), "title": "t", "wait": false}),
            )
            .await;
        askers.push((client, id));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut client = Client::connect(&fx).await;
    let started = std::time::Instant::now();
    let hello = client.call("hello", json!(null)).await;
    let took = started.elapsed();
    assert_eq!(hello["result"]["server"], "converge-tray");
    assert!(
        took < Duration::from_secs(2),
        "hello waited {took:?} behind the locked database"
    );
    for method in ["approvals.pending", "agents.list"] {
        let started = std::time::Instant::now();
        let read = client.call(method, json!(null)).await;
        let took = started.elapsed();
        assert!(read["result"].is_array(), "{method}: {read}");
        assert!(
            took < Duration::from_secs(2),
            "{method} waited {took:?} behind the asks"
        );
    }
    // The asks fail with a clear error once the store gives up waiting.
    for (mut client, id) in askers {
        let failed = client.response(id).await;
        assert!(
            failed["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("database")),
            "{failed}"
        );
    }
    other.execute_batch("ROLLBACK").unwrap();
}

#[tokio::test]
async fn where_an_asker_runs_is_recorded_from_the_kernel() {
    let trails = terminal::Trails::default();
    let fx = start(ServerConfig {
        trails: trails.clone(),
        ..ServerConfig::default()
    })
    .await;
    let mut client = Client::connect(&fx).await;
    let reported = client
        .call(
            "agent.update",
            json!({"agent_id": "runner", "state": "working"}),
        )
        .await;
    assert!(reported.get("error").is_none(), "{reported}");
    let me = std::process::id();
    assert_eq!(trails.of_agent("runner").unwrap().links[0].pid, me);
    assert!(trails.last_asked().is_none(), "reporting is not asking");

    let asked = client
        .call(
            "approval.ask",
            json!({"agent_id": "deploy", "title": "Deploy?", "wait": false}),
        )
        .await;
    let request_id = asked["result"]["id"].as_str().unwrap();
    let trail = trails.of_request(request_id).unwrap();
    assert_eq!(trail.links[0].pid, me);
    assert_eq!(trail.links[1].pid, std::os::unix::process::parent_id());
    let (agent, _) = trails.last_asked().unwrap();
    assert_eq!(agent, "deploy");
}
