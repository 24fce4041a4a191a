//! The socket server: one task per connection, requests on a connection answered in order.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use inbox::{
    AgentUpdate, ApprovalRequest, Inbox, InboxEventKind, Millis, NewRequest, OnTimeout, Provenance,
    RiskLevel, Update,
};
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Semaphore;

use protocol::rpc::{self, code, decode, method, Call, Method, RpcError, MAX_MESSAGE_BYTES};

use crate::errors::rpc_error;
use crate::remote::{Refusals, RemotePolicy};
use crate::tally::Tally;

/// What a request that does not say gets (the user's Settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AskDefaults {
    pub timeout_ms: Millis,
    pub on_timeout: OnTimeout,
    /// The person's rule for agents that ask only in their own prompt (`approval.check`):
    /// calls of this risk or higher are denied; `None`, the rule is off and nothing is.
    pub refuse_unasked_from: Option<RiskLevel>,
}

/// The app's Converge jobs, as the API offers them: list them and start one. Starting a
/// job decides nothing; its gates still wait for a person.
pub trait JobControl: Send + Sync {
    /// The jobs the user defined and their recent runs.
    fn list(&self) -> Result<protocol::jobs::JobsOverview, JobError>;
    /// Starts a job; returns `{ run_id, agent_id }`.
    fn start(&self, job_id: &str) -> Result<rpc::JobStarted, JobError>;
}

/// Why a job was not listed or started; each kind has its own error code for the client.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The jobs file has no job with this id (`NOT_FOUND`).
    #[error("no job {job_id:?} in {file}")]
    NoSuchJob { job_id: String, file: String },
    /// The jobs cannot be read or run now (`UNAVAILABLE`): no jobs in this app, a jobs file
    /// that cannot be read or that a job's pack refuses (it is checked whole when read),
    /// their database.
    #[error("{0}")]
    Unavailable(String),
}

impl From<JobError> for RpcError {
    fn from(e: JobError) -> Self {
        let code = match &e {
            JobError::NoSuchJob { .. } => code::NOT_FOUND,
            JobError::Unavailable(_) => code::UNAVAILABLE,
        };
        RpcError::new(code, e.to_string())
    }
}

#[derive(Clone)]
pub struct ServerConfig {
    pub max_connections: usize,
    /// How many of them one process may hold, so one client cannot lock out the others.
    pub max_connections_per_process: usize,
    /// A connection with no call in progress that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    pub defaults: Arc<RwLock<AskDefaults>>,
    /// After a client vanished mid-ask: how long its process may take to come back (or to
    /// be gone) before a request nobody can receive any more is closed.
    pub orphan_grace: Duration,
    /// A client that does not read what it is sent for this long is disconnected.
    pub write_timeout: Duration,
    /// `None`: `jobs.list` and `job.start` answer `UNAVAILABLE`.
    pub jobs: Option<Arc<dyn JobControl>>,
    /// Which remote peers are turned away; read at every call, so a change applies at once.
    pub remote: Arc<RwLock<RemotePolicy>>,
    /// Where the turned-away peers are counted.
    pub refusals: Refusals,
    /// Where each asker's process ran, from the kernel: how the app finds its terminal.
    pub trails: terminal::Trails,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_connections_per_process: 32,
            idle_timeout: Duration::from_secs(60),
            defaults: Arc::new(RwLock::new(AskDefaults {
                timeout_ms: 5 * 60 * 1000,
                on_timeout: OnTimeout::Deny,
                refuse_unasked_from: None,
            })),
            orphan_grace: Duration::from_secs(5),
            write_timeout: Duration::from_secs(10),
            jobs: None,
            remote: Arc::default(),
            refusals: Refusals::default(),
            trails: terminal::Trails::default(),
        }
    }
}

/// One direction of a client connection, whatever carries it (a Unix socket here; a
/// Windows named pipe would fit the same way).
type Reader = BufReader<Box<dyn AsyncRead + Send + Unpin>>;
type Writer = Box<dyn AsyncWrite + Send + Unpin>;

/// Serves until the listener fails for good. Over `max_connections`, a new client gets a
/// `BUSY` error and is disconnected; everyone else carries on.
#[cfg(unix)]
pub async fn serve(listener: tokio::net::UnixListener, inbox: Inbox, config: ServerConfig) {
    close_requests_of_dead_askers(&inbox);
    let permits = Arc::new(Semaphore::new(config.max_connections));
    let per_process = ConnectionsPerProcess::default();
    let waiters = Waiters::default();
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!("api: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let inbox = inbox.clone();
        let config = config.clone();
        match permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let per_process = per_process.clone();
                let waiters = waiters.clone();
                tokio::spawn(async move {
                    let Some(peer) = unix_peer(&stream) else {
                        return;
                    };
                    let limit = config.max_connections_per_process;
                    // A peer without a pid is counted only in the overall limit.
                    let slot = peer.pid.map(|pid| per_process.take(pid, limit));
                    if let Some(None) = slot {
                        let busy = RpcError::new(
                            code::BUSY,
                            format!(
                                "this process already has {limit} connections open; close some first"
                            ),
                        );
                        refuse(stream, busy, config.write_timeout).await;
                        return;
                    }
                    let (reader, writer) = stream.into_split();
                    let transport = Transport {
                        reader: Box::new(reader),
                        writer: Box::new(writer),
                        peer,
                    };
                    serve_connection(transport, inbox, config, waiters).await;
                    drop((slot, permit));
                });
            }
            Err(_) => {
                let busy = RpcError::new(code::BUSY, "too many open connections; try again later");
                tokio::spawn(refuse(stream, busy, config.write_timeout));
            }
        }
    }
}

/// At start: a request asked over this API whose process died while the app was not running
/// can never receive its answer, and would hold a place until its timeout (a way to keep
/// the inbox full across restarts). It is closed as orphaned. A live asker keeps its
/// request and can re-attach. (Requests of in-process agents carry no uid and are left.)
fn close_requests_of_dead_askers(inbox: &Inbox) {
    let pending = match inbox.pending() {
        Ok(pending) => pending,
        Err(e) => {
            tracing::warn!("api: cannot read the pending requests: {e}");
            return;
        }
    };
    for request in pending {
        let p = &request.provenance;
        if let (Some(pid), Some(_uid)) = (p.pid, p.uid) {
            if !process_alive(pid) {
                let _ = inbox.close_orphaned(
                    &request.id,
                    "the asking process went away while Converge Tray was not running",
                );
            }
        }
    }
}

/// Tells a client why it is turned away, then closes its connection.
#[cfg(unix)]
async fn refuse(stream: tokio::net::UnixStream, error: RpcError, timeout: Duration) {
    let (_, writer) = stream.into_split();
    let mut writer: Writer = Box::new(writer);
    let _ = write_line(&mut writer, &rpc::response(None, Err(error)), timeout).await;
}

/// Open connections by process id.
type ConnectionsPerProcess = Tally<u32>;

/// One client's connection, whatever carries it.
pub struct Transport {
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    pub writer: Box<dyn AsyncWrite + Send + Unpin>,
    /// Who the transport says is at the other end (from the kernel, never from the client).
    pub peer: Provenance,
}

/// The requests some connection is waiting on right now, by id, shared by all connections:
/// a request whose asker went away is not closed while another connection waits on it (the
/// same agent back through a new SSH connection, with its idempotency key).
pub type Waiters = Tally<String>;

/// Answers one client until it goes away.
pub async fn serve_connection(
    transport: Transport,
    inbox: Inbox,
    config: ServerConfig,
    waiters: Waiters,
) {
    Connection {
        reader: BufReader::new(transport.reader),
        writer: transport.writer,
        inbox,
        config,
        peer: transport.peer,
        asked: HashSet::new(),
        waiters,
    }
    .run()
    .await;
}

/// The peer's identity from the kernel; a peer of another user is turned away (the
/// socket's mode should already have stopped it).
#[cfg(unix)]
fn unix_peer(stream: &tokio::net::UnixStream) -> Option<Provenance> {
    let cred = stream.peer_cred().ok()?;
    if cred.uid() != protocol::socket::current_uid() {
        tracing::warn!(uid = cred.uid(), "api: refused a peer of another user");
        return None;
    }
    let pid = cred.pid().and_then(|p| u32::try_from(p).ok());
    let exe = pid.and_then(|pid| std::fs::read_link(format!("/proc/{pid}/exe")).ok());
    let remote = pid.and_then(|pid| crate::remote::remote_of(pid, exe.as_deref()));
    // Another machine's process is not the one the kernel names here.
    let cwd = pid
        .filter(|_| remote.is_none())
        .and_then(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
        .and_then(|dir| dir.to_str().map(str::to_owned));
    Some(Provenance {
        pid,
        uid: Some(cred.uid()),
        exe: exe.map(|p| p.display().to_string()),
        remote,
        cwd,
    })
}

struct Connection {
    reader: Reader,
    writer: Writer,
    inbox: Inbox,
    config: ServerConfig,
    peer: Provenance,
    /// The requests asked on this connection: it may cancel them.
    asked: HashSet<String>,
    waiters: Waiters,
}

enum LineError {
    TooLarge,
    Io,
}

impl Connection {
    async fn run(mut self) {
        loop {
            let line = match tokio::time::timeout(self.config.idle_timeout, self.read_line()).await
            {
                Err(_idle) => {
                    let idle = RpcError::new(
                        code::IDLE,
                        format!(
                            "nothing was asked for {} s; closing the connection",
                            self.config.idle_timeout.as_secs()
                        ),
                    );
                    let _ = self.send(&rpc::response(None, Err(idle))).await;
                    return;
                }
                Ok(line) => line,
            };
            let line = match line {
                Ok(Some(line)) => line,
                Ok(None) | Err(LineError::Io) => return,
                Err(LineError::TooLarge) => {
                    let error = RpcError::new(
                        code::TOO_LARGE,
                        format!("a message may be at most {MAX_MESSAGE_BYTES} bytes; closing the connection"),
                    );
                    let _ = self.send(&rpc::response(None, Err(error))).await;
                    return;
                }
            };
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let keep_going = match decode(&line) {
                Ok(call) => self.handle(call).await,
                Err((id, error)) => self.send(&rpc::response(id, Err(error))).await,
            };
            if !keep_going {
                return;
            }
        }
    }

    /// One line, without its newline; `None` at the end of the stream.
    async fn read_line(&mut self) -> Result<Option<Vec<u8>>, LineError> {
        let mut line = Vec::new();
        loop {
            let buffer = self.reader.fill_buf().await.map_err(|_| LineError::Io)?;
            if buffer.is_empty() {
                return Ok((!line.is_empty()).then_some(line));
            }
            let (chunk, done) = match buffer.iter().position(|&b| b == b'\n') {
                Some(end) => (&buffer[..end], true),
                None => (buffer, false),
            };
            if line.len() + chunk.len() > MAX_MESSAGE_BYTES {
                return Err(LineError::TooLarge);
            }
            line.extend_from_slice(chunk);
            let used = chunk.len() + usize::from(done);
            self.reader.consume(used);
            if done {
                return Ok(Some(line));
            }
        }
    }

    /// Sends one message; false when the client is gone or does not read.
    async fn send(&mut self, message: &Value) -> bool {
        write_line(&mut self.writer, message, self.config.write_timeout).await
    }

    async fn reply(&mut self, id: Option<Value>, result: Result<Value, RpcError>) -> bool {
        if id.is_none() {
            return true; // a notification: JSON-RPC sends nothing back
        }
        self.send(&rpc::response(id, result)).await
    }

    async fn handle(&mut self, call: Call) -> bool {
        let Call { id, method } = call;
        if !matches!(method, Method::Hello) {
            if let Some(why) = self.turned_away() {
                tracing::info!(remote = ?self.peer.remote, "api: turned away: {why}");
                if let Some(remote) = &self.peer.remote {
                    self.config.refusals.record(remote, self.inbox.now());
                }
                let _ = self
                    .reply(id, Err(RpcError::new(code::TURNED_AWAY, why)))
                    .await;
                return false;
            }
        }
        let inbox = self.inbox.clone();
        match method {
            Method::Hello => {
                let hello = rpc::Hello {
                    protocol: rpc::PROTOCOL_VERSION,
                    server: "converge-tray".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                };
                self.reply(id, Ok(json!(hello))).await
            }
            Method::AgentUpdate(p) => {
                let update = AgentUpdate {
                    id: p.agent_id,
                    name: p.name,
                    kind: p.kind,
                    state: p.state,
                    activity: p.activity,
                    usage: p.usage,
                };
                let agent_id = update.id.clone();
                let result = off_runtime(&inbox, move |inbox| inbox.update_agent(update)).await;
                if result.is_ok() {
                    if let Some(trail) = self.trail() {
                        self.config.trails.seen(&agent_id, trail);
                    }
                }
                self.reply(id, to_json(result)).await
            }
            Method::Ask(p) => {
                if let Err(e) = register_asker(&inbox, &p).await {
                    return self.reply(id, Err(e)).await;
                }
                let wait = p.wait;
                let new = self.new_request(p);
                // Where the agent runs is known before its request is announced: the app's
                // notification asks it (no sound when the agent's terminal has the focus).
                let trail = self.trail();
                if let Some(trail) = &trail {
                    self.config.trails.seen(&new.agent_id, trail.clone());
                }
                let asked = off_runtime(&inbox, move |inbox| inbox.ask(new)).await;
                if let Ok(request) = &asked {
                    self.asked.insert(request.id.clone());
                    if let Some(trail) = trail {
                        self.config
                            .trails
                            .asked(&request.id, &request.agent_id, trail);
                    }
                }
                match asked {
                    Ok(request) if wait && request.is_pending() => {
                        let pending = rpc::notification(
                            method::PENDING_NOTICE,
                            json!({ "call": id.clone(), "request": request }),
                        );
                        if !self.send(&pending).await {
                            self.orphaned(request.id);
                            return false;
                        }
                        self.wait_and_reply(id, request.id).await
                    }
                    other => self.reply(id, to_json(other)).await,
                }
            }
            Method::Check(p) => {
                let Some(refused_from) = self.config.defaults.read().unwrap().refuse_unasked_from
                else {
                    // The rule is off: nothing is recorded, the agent asks its own way.
                    return self.reply(id, Ok(Value::Null)).await;
                };
                if let Err(e) = register_asker(&inbox, &p).await {
                    return self.reply(id, Err(e)).await;
                }
                let new = self.new_request(p);
                let refused =
                    off_runtime(&inbox, move |inbox| inbox.refuse_by_rule(new, refused_from)).await;
                self.reply(id, to_json(refused)).await
            }
            Method::Wait(p) => match inbox.request(&p.id).map(|r| r.filter(|r| self.sees(r))) {
                Ok(Some(request)) if request.is_pending() => self.wait_and_reply(id, p.id).await,
                Ok(Some(request)) => self.reply(id, Ok(json!(request))).await,
                Ok(None) => {
                    self.reply(id, Err(rpc_error(inbox::Error::NotFound(p.id))))
                        .await
                }
                Err(e) => self.reply(id, Err(rpc_error(e))).await,
            },
            Method::Get(p) => {
                let result = match inbox.request(&p.id).map(|r| r.filter(|r| self.sees(r))) {
                    Ok(Some(request)) => Ok(json!(request)),
                    Ok(None) => Err(rpc_error(inbox::Error::NotFound(p.id))),
                    Err(e) => Err(rpc_error(e)),
                };
                self.reply(id, result).await
            }
            Method::Cancel(p) => {
                let result = match self.may_cancel(&p.id) {
                    Ok(()) => to_json(inbox.cancel(&p.id, p.reason)),
                    Err(e) => Err(e),
                };
                self.reply(id, result).await
            }
            Method::Agents => {
                let agents = off_runtime(&inbox, |inbox| inbox.agents())
                    .await
                    .and_then(|agents| self.visible_agents(agents));
                self.reply(id, to_json(agents)).await
            }
            Method::Pending => {
                let pending = off_runtime(&inbox, |inbox| inbox.pending())
                    .await
                    .map(|all| all.into_iter().filter(|r| self.sees(r)).collect::<Vec<_>>());
                self.reply(id, to_json(pending)).await
            }
            Method::VerifyAudit => {
                let report = off_runtime(&inbox, |inbox| inbox.verify_audit()).await;
                self.reply(id, to_json(report)).await
            }
            Method::Subscribe => self.stream_events(id).await,
            Method::Jobs => {
                let result = self.jobs().and_then(|jobs| {
                    jobs.list()
                        .map(|overview| json!(overview))
                        .map_err(RpcError::from)
                });
                self.reply(id, result).await
            }
            Method::StartJob(p) => {
                let result = self.jobs().and_then(|jobs| {
                    jobs.start(&p.job_id)
                        .map(|started| json!(started))
                        .map_err(RpcError::from)
                });
                self.reply(id, result).await
            }
        }
    }

    /// A request as this peer asked it, with the user's defaults where it says nothing.
    fn new_request(&self, p: rpc::AskParams) -> NewRequest {
        let defaults = *self.config.defaults.read().unwrap();
        NewRequest {
            agent_id: p.agent_id,
            action: p.action,
            title: p.title,
            details: p.details,
            provenance: self.peer.clone(),
            timeout_ms: p.timeout_ms.unwrap_or(defaults.timeout_ms),
            on_timeout: p.on_timeout.unwrap_or(defaults.on_timeout),
            idempotency_key: p.idempotency_key,
            remember_choices: p.remember_choices,
        }
    }

    /// The peer's process and its ancestors, while it is connected and so alive.
    fn trail(&self) -> Option<terminal::ProcessTrail> {
        terminal::ProcessTrail::of(self.peer.pid?)
    }

    /// Whether this peer may see `request`: a local one sees all (it is the person's own
    /// program), a peer on another machine only what was asked from there.
    fn sees(&self, request: &ApprovalRequest) -> bool {
        self.peer.remote.is_none() || request.provenance.remote == self.peer.remote
    }

    /// The agents this peer may see: all for a local one; for one on another machine, those
    /// that asked from there.
    fn visible_agents(&self, agents: Vec<inbox::Agent>) -> inbox::Result<Vec<inbox::Agent>> {
        let Some(remote) = &self.peer.remote else {
            return Ok(agents);
        };
        let theirs = self.inbox.agents_asking_from(remote)?;
        Ok(agents
            .into_iter()
            .filter(|agent| theirs.contains(&agent.id))
            .collect())
    }

    fn visible_snapshot(&self, snapshot: inbox::Snapshot) -> inbox::Result<inbox::Snapshot> {
        if self.peer.remote.is_none() {
            return Ok(snapshot);
        }
        Ok(inbox::Snapshot {
            seq: snapshot.seq,
            agents: self.visible_agents(snapshot.agents)?,
            pending: snapshot
                .pending
                .into_iter()
                .filter(|r| self.sees(r))
                .collect(),
        })
    }

    /// The event as this peer may see it, if at all: a peer on another machine hears of its
    /// own requests and agents, not of the person's problems or grants.
    fn visible_event(&self, event: inbox::InboxEvent) -> Option<inbox::InboxEvent> {
        let Some(remote) = &self.peer.remote else {
            return Some(event);
        };
        let theirs = |id: &str| {
            self.inbox
                .agents_asking_from(remote)
                .is_ok_and(|ids| ids.iter().any(|theirs| theirs == id))
        };
        let kind = match event.kind {
            InboxEventKind::RequestCreated { request } if self.sees(&request) => {
                InboxEventKind::RequestCreated { request }
            }
            InboxEventKind::RequestResolved { request } if self.sees(&request) => {
                InboxEventKind::RequestResolved { request }
            }
            InboxEventKind::AgentUpdated { agent } if theirs(&agent.id) => {
                InboxEventKind::AgentUpdated { agent }
            }
            InboxEventKind::AgentsRemoved { ids } => {
                let ids: Vec<String> = ids.into_iter().filter(|id| theirs(id)).collect();
                if ids.is_empty() {
                    return None;
                }
                InboxEventKind::AgentsRemoved { ids }
            }
            _ => return None,
        };
        Some(inbox::InboxEvent {
            seq: event.seq,
            kind,
        })
    }

    /// Only who asked may withdraw a request: this connection, the same process, or another
    /// run of the same program as the same user (a hook closing the card an earlier call of
    /// it opened). Anyone else would be cancelling, as the requester, what they never asked.
    fn may_cancel(&self, request_id: &str) -> Result<(), RpcError> {
        if self.asked.contains(request_id) {
            return Ok(());
        }
        let request = match self
            .inbox
            .request(request_id)
            .map(|r| r.filter(|r| self.sees(r)))
        {
            Ok(Some(request)) => request,
            Ok(None) => return Err(rpc_error(inbox::Error::NotFound(request_id.to_owned()))),
            Err(e) => return Err(rpc_error(e)),
        };
        let asker = &request.provenance;
        // Every SSH connection arrives from `ssh`, several even from one multiplexing
        // process: the same program or process counts only from the same place.
        let same_origin = asker.remote == self.peer.remote;
        let same_process = asker.pid.is_some() && asker.pid == self.peer.pid;
        let same_program =
            asker.exe.is_some() && asker.exe == self.peer.exe && asker.uid == self.peer.uid;
        if same_origin && (same_process || same_program) {
            return Ok(());
        }
        Err(RpcError::new(
            code::REFUSED,
            format!(
                "request {request_id} was asked by another program ({}); only it may cancel it",
                asker.exe.as_deref().unwrap_or("unknown")
            ),
        ))
    }

    /// Why the person's settings turn this peer away, if they do.
    fn turned_away(&self) -> Option<String> {
        let remote = self.peer.remote.as_deref()?;
        self.config.remote.read().unwrap().refusal(remote)
    }

    fn jobs(&self) -> Result<Arc<dyn JobControl>, RpcError> {
        self.config
            .jobs
            .clone()
            .ok_or_else(|| unavailable("this app runs no Converge jobs".into()))
    }

    /// Waits for the decision while watching the connection: a client that goes away
    /// leaves its request pending, to be re-attached or closed as orphaned.
    async fn wait_and_reply(&mut self, id: Option<Value>, request_id: String) -> bool {
        let inbox = self.inbox.clone();
        let waiting = self.waiters.enter(request_id.clone());
        let decided = {
            let wait = inbox.wait(&request_id);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    decided = &mut wait => break Some(decided),
                    gone = client_gone(&mut self.reader) => if gone { break None },
                }
            }
        };
        drop(waiting);
        match decided {
            Some(result) => self.reply(id, to_json(result)).await,
            None => {
                self.orphaned(request_id);
                false
            }
        }
    }

    /// Closes the request later if by then its asker's process is gone and no other
    /// connection waits on it.
    fn orphaned(&self, request_id: String) {
        let (inbox, grace, pid) = (self.inbox.clone(), self.config.orphan_grace, self.peer.pid);
        let waiters = self.waiters.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            if pid.is_some_and(process_alive) {
                return; // it may reconnect and wait again
            }
            if waiters.any(&request_id) {
                return; // it did, through another connection (a new SSH connection)
            }
            if let Ok(Some(request)) = inbox.request(&request_id) {
                if request.is_pending() {
                    let _ = inbox.close_orphaned(&request_id, "the asking process went away");
                }
            }
        });
    }

    async fn stream_events(&mut self, id: Option<Value>) -> bool {
        let mut updates = self.inbox.subscribe();
        let snapshot = self
            .inbox
            .snapshot()
            .and_then(|snapshot| self.visible_snapshot(snapshot));
        if !self.reply(id, to_json(snapshot)).await {
            return false;
        }
        loop {
            let message = tokio::select! {
                update = updates.next() => match update {
                    Ok(Update::Event(event)) => match self.visible_event(event) {
                        Some(event) => rpc::notification("event", json!(event)),
                        None => continue,
                    },
                    Ok(Update::Resync(snapshot)) => match self.visible_snapshot(snapshot) {
                        Ok(snapshot) => rpc::notification("resync", json!(snapshot)),
                        Err(e) => {
                            tracing::warn!("api: events: {e}");
                            continue;
                        }
                    },
                    Err(e) => {
                        tracing::warn!("api: events: {e}");
                        continue;
                    }
                },
                gone = client_gone(&mut self.reader) => if gone { return false } else { continue },
            };
            if !self.send(&message).await {
                return false;
            }
        }
    }
}

/// An asker that names itself is registered (or renamed) before its request is stored.
async fn register_asker(inbox: &Inbox, p: &rpc::AskParams) -> Result<(), RpcError> {
    if p.agent_name.is_none() && p.agent_kind.is_none() {
        return Ok(());
    }
    let update = AgentUpdate {
        id: p.agent_id.clone(),
        name: p.agent_name.clone(),
        kind: p.agent_kind,
        ..AgentUpdate::default()
    };
    off_runtime(inbox, move |inbox| inbox.update_agent(update))
        .await
        .map(drop)
        .map_err(rpc_error)
}

/// Runs an inbox call on the blocking pool: one may wait seconds for the database (another
/// program holding it locked, and every other call waiting behind that one), and the
/// runtime's workers must stay free for everyone else, `hello` first of all.
async fn off_runtime<T: Send + 'static>(
    inbox: &Inbox,
    call: impl FnOnce(&Inbox) -> inbox::Result<T> + Send + 'static,
) -> inbox::Result<T> {
    let inbox = inbox.clone();
    tokio::task::spawn_blocking(move || call(&inbox))
        .await
        .unwrap_or_else(|e| {
            Err(inbox::Error::Io {
                context: "the inbox call did not finish".into(),
                source: std::io::Error::other(e.to_string()),
            })
        })
}

/// Resolves `true` once the client closed its side. Input that arrives meanwhile is left for
/// later and resolves `false` only after a pause, so a chatty client does not spin this loop.
async fn client_gone(reader: &mut Reader) -> bool {
    match reader.fill_buf().await {
        Ok([]) => true,
        Ok(_) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            false
        }
        Err(_) => true,
    }
}

async fn write_line(writer: &mut Writer, message: &Value, timeout: Duration) -> bool {
    let mut line = message.to_string();
    line.push('\n');
    matches!(
        tokio::time::timeout(timeout, writer.write_all(line.as_bytes())).await,
        Ok(Ok(()))
    )
}

fn unavailable(message: String) -> RpcError {
    RpcError::new(code::UNAVAILABLE, message)
}

fn to_json<T: serde::Serialize>(result: inbox::Result<T>) -> Result<Value, RpcError> {
    result.map(|value| json!(value)).map_err(rpc_error)
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    let Ok(id) = i32::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    if unsafe { libc::kill(id, 0) } != 0 {
        return false;
    }
    // A zombie has ended: only its parent has not collected it yet (a killed `ssh` whose
    // parent is busy, for one).
    !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
    })
}

/// Without a way to ask, assume it lives: its request then simply times out.
#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::process_alive;

    #[test]
    fn a_killed_process_not_yet_collected_is_not_alive() {
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .spawn()
            .unwrap();
        assert!(process_alive(child.id()));
        child.kill().unwrap();
        // Not waited for: a zombie until collected.
        let gone = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            !process_alive(child.id())
        });
        assert!(gone, "a zombie counts as gone");
        child.wait().unwrap();
        assert!(!process_alive(child.id()));
    }
}
