//! The host: runs Converge jobs on Tokio, each shown as an agent in the inbox. A gate the
//! kernel pauses at becomes an approval request; the person's decision resumes the job.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use converge_core::gates::{GateDecision, GateVerdict};
use converge_core::{
    ContextFact, ConvergeError, ConvergeResult, GateId, HitlPause, RunResult, StreamingCallback,
    Timestamp,
};
use inbox::{
    clip, AgentKind, AgentState, AgentUpdate, Inbox, NewRequest, OnTimeout, Outcome, Provenance,
};
use tokio::task::JoinHandle;

use crate::jobs::JobDefinition;
use crate::packs::{self, ActivitySink};
use crate::store::{GateDecisionRecord, RunRecord, RunState, RunStore, StoreError};

/// How long a gate waits for a person before the proposal is rejected.
const GATE_TIMEOUT_MS: i64 = 30 * 60 * 1000;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Job(String),
}

/// What the host found when it opened its store.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Runs that were paused at a gate: re-run to it, waiting again.
    pub resumed: Vec<String>,
    /// Runs that were mid-run when the app stopped.
    pub interrupted: Vec<String>,
}

#[derive(Clone)]
pub struct ConvergeHost {
    inner: Arc<Inner>,
}

struct Inner {
    inbox: Inbox,
    store: RunStore,
    /// The runtime the host was opened in: runs are spawned on it from any thread (a
    /// UI command may call `start` from outside the runtime).
    runtime: tokio::runtime::Handle,
    tasks: Mutex<HashMap<String, JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for (_, task) in self.tasks.lock().unwrap().drain() {
            task.abort();
        }
    }
}

impl ConvergeHost {
    /// Opens the run store and picks up where the last session stopped. Call within a
    /// Tokio runtime: the host runs its jobs on it.
    pub fn open(inbox: Inbox, store: &Path) -> Result<(Self, Recovery), HostError> {
        let host = Self {
            inner: Arc::new(Inner {
                inbox,
                store: RunStore::open(store)?,
                runtime: tokio::runtime::Handle::current(),
                tasks: Mutex::new(HashMap::new()),
            }),
        };
        let mut recovery = Recovery::default();
        for run in host.inner.store.unfinished()? {
            match run.state {
                RunState::Running => {
                    let now = host.inner.inbox.now();
                    let why = "Interrupted: the app stopped while this job ran; start it again";
                    host.inner
                        .store
                        .set_state(&run.id, RunState::Interrupted, Some(why), now)?;
                    report(&host.inner.inbox, &run, AgentState::Error, why.into());
                    recovery.interrupted.push(run.id);
                }
                RunState::Paused => {
                    host.spawn(run.id.clone(), run.job);
                    recovery.resumed.push(run.id);
                }
                _ => {}
            }
        }
        Ok((host, recovery))
    }

    /// Starts a job in the background; returns its run id (the agent is `converge:<id>`).
    pub fn start(&self, job: JobDefinition) -> Result<String, HostError> {
        packs::check(&job).map_err(HostError::Job)?;
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
        self.inner.store.insert(&id, &job, self.inner.inbox.now())?;
        self.spawn(id.clone(), job);
        Ok(id)
    }

    pub fn run(&self, id: &str) -> Result<Option<RunRecord>, HostError> {
        Ok(self.inner.store.run(id)?)
    }

    /// The `limit` newest runs, newest first: what an overview shows, however long the
    /// history has grown.
    pub fn runs(&self, limit: usize) -> Result<Vec<RunRecord>, HostError> {
        Ok(self.inner.store.runs(limit)?)
    }

    pub fn decisions(&self, run_id: &str) -> Result<Vec<GateDecisionRecord>, HostError> {
        Ok(self.inner.store.decisions(run_id)?)
    }

    fn spawn(&self, id: String, job: JobDefinition) {
        let inner = Arc::downgrade(&self.inner);
        let key = id.clone();
        let task = self.inner.runtime.spawn(async move {
            let Some(inner) = inner.upgrade() else { return };
            let run = Run {
                id,
                job,
                inbox: inner.inbox.clone(),
            };
            let end = run.drive(&inner.store).await;
            let (state, detail) = match end {
                Ok(end) => end,
                Err(e) => (RunState::Failed, format!("Failed: {e}")),
            };
            let agent_state = match state {
                RunState::Converged | RunState::Rejected => AgentState::Done,
                _ => AgentState::Error,
            };
            run.report(agent_state, detail.clone());
            let now = inner.inbox.now();
            if let Err(e) = inner.store.set_state(&run.id, state, Some(&detail), now) {
                tracing::error!(run = %run.id, "converge: cannot record the end of a run: {e}");
            }
            inner.tasks.lock().unwrap().remove(&run.id);
        });
        self.inner.tasks.lock().unwrap().insert(key, task);
    }
}

struct Run {
    id: String,
    job: JobDefinition,
    inbox: Inbox,
}

impl Run {
    fn agent_id(&self) -> String {
        format!("converge:{}", self.id)
    }

    fn report(&self, state: AgentState, activity: String) {
        report_agent(
            &self.inbox,
            &self.agent_id(),
            &self.job.name,
            state,
            activity,
        );
    }

    /// Runs the job to its end, through every gate. Decisions already stored (a run
    /// picked up after a restart) are replayed; a new gate asks the person.
    async fn drive(&self, store: &RunStore) -> Result<(RunState, String), HostError> {
        let cycle = Arc::new(AtomicU32::new(0));
        let activity = self.activity_sink(cycle.clone());
        let prepared = packs::prepare(&self.job, activity).map_err(HostError::Job)?;
        let (mut engine, names) = (prepared.engine, prepared.suggestors);
        engine.set_streaming(Arc::new(Cycles {
            cycle,
            inbox: self.inbox.clone(),
            agent_id: self.agent_id(),
            name: self.job.name.clone(),
        }));
        let replay = store.decisions(&self.id)?;
        self.report(
            AgentState::Working,
            format!("Started: {} suggestors ({})", names.len(), names.join(", ")),
        );
        let mut rejected = Vec::new();
        let mut result = engine.run_with_hitl(prepared.context).await;
        loop {
            let pause = match result {
                RunResult::HitlPause(pause) => pause,
                RunResult::Complete(Ok(done)) => return Ok(ending(&done, &rejected)),
                RunResult::Complete(Err(ConvergeError::BudgetExhausted { kind })) => {
                    return Ok((
                        RunState::BudgetExhausted,
                        format!("Budget exhausted ({kind}) before converging"),
                    ))
                }
                RunResult::Complete(Err(e)) => {
                    return Ok((RunState::Failed, format!("Failed: {e}")))
                }
            };
            let gate_id = pause.request.gate_id.as_str().to_owned();
            let decision = match replay.iter().find(|d| d.gate_id == gate_id) {
                Some(decision) => decision.clone(),
                None => {
                    let shown = Gate::of(&pause, &names, &self.job, &self.id);
                    let now = self.inbox.now();
                    store.set_state(&self.id, RunState::Paused, Some(&shown.title), now)?;
                    let decision = self.ask(&shown, &gate_id).await?;
                    store.add_decision(&self.id, &decision)?;
                    store.set_state(&self.id, RunState::Running, None, self.inbox.now())?;
                    decision
                }
            };
            if !decision.approved {
                rejected.push(describe_rejection(&decision));
            }
            self.report(
                AgentState::Working,
                format!(
                    "{} by {}; resuming",
                    if decision.approved {
                        "Approved"
                    } else {
                        "Rejected"
                    },
                    decision.decided_by
                ),
            );
            result = engine.resume(*pause, to_kernel(&decision, &gate_id)).await;
        }
    }

    /// The gate as an approval request; the same gate asked again (after a restart) finds
    /// the same request through its idempotency key.
    async fn ask(&self, gate: &Gate, gate_id: &str) -> Result<GateDecisionRecord, HostError> {
        let inbox_error =
            |e: inbox::Error| HostError::Job(format!("the inbox refused the gate: {e}"));
        let request = self
            .inbox
            .ask(NewRequest {
                agent_id: self.agent_id(),
                action: gate.action.clone(),
                title: gate.title.clone(),
                details: gate.details.clone(),
                provenance: Provenance {
                    pid: Some(std::process::id()),
                    uid: None,
                    exe: Some(format!("Converge host · pack {}", self.job.pack)),
                    remote: None,
                    cwd: None,
                },
                timeout_ms: GATE_TIMEOUT_MS,
                on_timeout: OnTimeout::Deny,
                idempotency_key: Some(gate_id.to_owned()),
                remember_choices: Vec::new(),
            })
            .map_err(inbox_error)?;
        let decided = self.inbox.wait(&request.id).await.map_err(inbox_error)?;
        let resolution = decided
            .resolution
            .ok_or_else(|| HostError::Job("the inbox returned an undecided request".into()))?;
        let decided_by = resolution.by.described().to_owned();
        let reason = match resolution.outcome {
            Outcome::Approved | Outcome::Denied => resolution.reason,
            Outcome::TimedOut => Some("no decision in time".into()),
            Outcome::Cancelled => Some(resolution.reason.unwrap_or_else(|| "cancelled".into())),
        };
        Ok(GateDecisionRecord {
            gate_id: gate_id.to_owned(),
            approved: resolution.outcome == Outcome::Approved,
            reason,
            decided_by,
            decided_at: resolution.at,
        })
    }

    fn activity_sink(&self, cycle: Arc<AtomicU32>) -> ActivitySink {
        let (inbox, agent_id, name) = (self.inbox.clone(), self.agent_id(), self.job.name.clone());
        Arc::new(move |said: String| {
            let text = format!("Cycle {} · {said}", cycle.load(Ordering::Relaxed));
            report_agent(&inbox, &agent_id, &name, AgentState::Working, text);
        })
    }
}

/// The kernel's own cycle and fact events, as the agent's activity.
struct Cycles {
    cycle: Arc<AtomicU32>,
    inbox: Inbox,
    agent_id: String,
    name: String,
}

impl StreamingCallback for Cycles {
    fn on_cycle_start(&self, cycle: u32) {
        self.cycle.store(cycle, Ordering::Relaxed);
    }

    fn on_fact(&self, cycle: u32, fact: &ContextFact) {
        let text = format!(
            "Cycle {cycle} · promoted {:?} {}",
            fact.key(),
            fact.id().as_str()
        );
        report_agent(
            &self.inbox,
            &self.agent_id,
            &self.name,
            AgentState::Working,
            text,
        );
    }

    fn on_cycle_end(&self, _cycle: u32, _facts_added: usize) {}
}

/// What the person sees at a gate: the proposal exactly as the suggestor made it.
struct Gate {
    action: String,
    title: String,
    details: String,
}

impl Gate {
    fn of(pause: &HitlPause, names: &[String], job: &JobDefinition, run_id: &str) -> Self {
        let request = &pause.request;
        let suggestor = request
            .agent_id
            .rsplit('-')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| names.get(n))
            .cloned()
            .unwrap_or_else(|| request.agent_id.clone());
        let proposal = pause
            .context
            .snapshot()
            .proposals()
            .values()
            .flatten()
            .find(|p| p.id() == &request.proposal_id)
            .cloned();
        let mut details = String::new();
        match &proposal {
            Some(p) => {
                details.push_str(&format!(
                    "{suggestor} proposes {:?} {} (confidence {:.2}):\n{}\n\nprovenance: {}\n",
                    p.key(),
                    p.id().as_str(),
                    p.confidence(),
                    request.summary,
                    p.provenance()
                ));
            }
            None => details.push_str(&format!("{suggestor} proposes:\n{}\n\n", request.summary)),
        }
        details.push_str(&format!(
            "gate: {} · cycle {}\njob: {} (pack {}, run {run_id})\n",
            request.gate_id.as_str(),
            request.cycle,
            job.id,
            job.pack
        ));
        let key = proposal
            .map(|p| format!("{:?}", p.key()))
            .unwrap_or_default();
        Self {
            action: format!("converge.promote:{key}"),
            title: clip(&request.summary, 300),
            details,
        }
    }
}

fn to_kernel(decision: &GateDecisionRecord, gate_id: &str) -> GateDecision {
    // The kernel has no field for the surface: it goes into decided_by with the person.
    let decided_by = format!("a person, through {} of Converge Tray", decision.decided_by);
    GateDecision {
        gate_id: GateId::new(gate_id),
        verdict: if decision.approved {
            GateVerdict::Approve
        } else {
            GateVerdict::Reject {
                reason: decision.reason.clone(),
            }
        },
        decided_by,
        decided_at: Timestamp::new(inbox::format_utc(decision.decided_at)),
    }
}

fn describe_rejection(decision: &GateDecisionRecord) -> String {
    match &decision.reason {
        Some(reason) => format!("rejected by {}: {reason}", decision.decided_by),
        None => format!("rejected by {}", decision.decided_by),
    }
}

fn ending(done: &ConvergeResult, rejected: &[String]) -> (RunState, String) {
    let cycles = done.cycles;
    if !done.converged {
        return (
            RunState::Failed,
            format!("Stopped after {cycles} cycles without converging"),
        );
    }
    if let Some(first) = rejected.first() {
        return (
            RunState::Rejected,
            format!("Converged after {cycles} cycles; proposal {first}"),
        );
    }
    (
        RunState::Converged,
        format!("Converged after {cycles} cycles"),
    )
}

fn report(inbox: &Inbox, run: &RunRecord, state: AgentState, activity: String) {
    report_agent(
        inbox,
        &format!("converge:{}", run.id),
        &run.job.name,
        state,
        activity,
    );
}

fn report_agent(inbox: &Inbox, agent_id: &str, name: &str, state: AgentState, activity: String) {
    let update = AgentUpdate {
        id: agent_id.to_owned(),
        name: Some(clip(name, 120)),
        kind: Some(AgentKind::Converge),
        state: Some(state),
        activity: Some(clip(&activity, 2000)),
        usage: None,
    };
    if let Err(e) = inbox.update_agent(update) {
        tracing::warn!(agent = agent_id, "converge: cannot report activity: {e}");
    }
}
