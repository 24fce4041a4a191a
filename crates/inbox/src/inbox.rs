//! The inbox: one handle that agents ask through, people decide through, and the UI watches.
//!
//! All changes go through one mutex around the store, so "first decision wins" is decided
//! there, events are numbered in the order changes committed, and nobody is told about a
//! request before it is durable.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use tokio::sync::{broadcast, watch, Notify};

use crate::audit::{self, HistoryPage, HistoryQuery};
use crate::error::{Error, Result};
use crate::granting::{self, GrantFor, GrantRecord, GrantSpec, GrantWhat};
use crate::model::*;
use crate::questions;
use crate::risk::{approval_refused, RiskRules};
use crate::timeline::Timeline;

/// The most requests one batch decision may name (the inbox holds at most 1,000 pending).
const MAX_BATCH: usize = 1000;
use crate::store::{self, Durability, OpenReport, Resolved, Store};
use crate::time::{Clock, SystemClock};
use crate::validate;

#[derive(Debug, Clone)]
pub struct InboxConfig {
    pub db_path: PathBuf,
    pub durability: Durability,
    /// An agent not heard from for this long, with nothing pending, becomes `Gone`.
    pub stale_agent_after: Duration,
    pub max_pending_per_agent: usize,
    /// Per asking process (by the pid the kernel reported), so that one process inventing
    /// agent ids cannot take every place in the inbox.
    pub max_pending_per_process: usize,
    pub max_pending_total: usize,
    /// Events a subscriber may fall behind by before it is resynced from a snapshot.
    pub event_buffer: usize,
}

impl InboxConfig {
    pub fn at(db_path: impl Into<PathBuf>) -> Self {
        Self {
            db_path: db_path.into(),
            durability: Durability::Full,
            stale_agent_after: Duration::from_secs(10 * 60),
            max_pending_per_agent: 64,
            max_pending_per_process: 200,
            max_pending_total: 1000,
            event_buffer: 1024,
        }
    }
}

#[derive(Clone)]
pub struct Inbox {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    events: broadcast::Sender<InboxEvent>,
    clock: Arc<dyn Clock>,
    config: InboxConfig,
    timer_wake: Arc<Notify>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Lets the timer task see that the inbox is gone and end.
        self.timer_wake.notify_one();
    }
}

struct State {
    store: Store,
    seq: u64,
    /// Resolution watchers of pending requests someone is waiting on.
    waiters: HashMap<String, watch::Sender<Option<ApprovalRequest>>>,
    /// How a new request's risk is assessed: the built-in rules until the app sets more.
    risk_rules: RiskRules,
    /// When the person was last told the database is locked by another program.
    told_locked_at: Option<Millis>,
}

impl State {
    /// A new request as it will be stored, its risk assessed by the rules in force.
    fn assessed(&self, new: NewRequest, now: Millis) -> ApprovalRequest {
        let mut request = ApprovalRequest {
            id: uuid::Uuid::new_v4().to_string(),
            agent_id: new.agent_id,
            action: new.action,
            title: new.title,
            details: new.details,
            provenance: new.provenance,
            created_at: now,
            deadline: now.saturating_add(new.timeout_ms),
            on_timeout: new.on_timeout,
            idempotency_key: new.idempotency_key,
            resolution: None,
            risk: Risk::default(),
            remember_choices: new.remember_choices,
        };
        request.risk = self.risk_rules.assess(&request);
        request
    }
}

impl Inbox {
    /// Opens the store; timers do not run until [`Inbox::spawn_timers`] (see [`Inbox::start`]).
    pub fn open(config: InboxConfig) -> Result<(Self, OpenReport)> {
        Self::open_with_clock(config, Arc::new(SystemClock))
    }

    pub fn open_with_clock(
        config: InboxConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, OpenReport)> {
        let (store, report) = Store::open(&config.db_path, config.durability)?;
        let (events, _) = broadcast::channel(config.event_buffer.max(1));
        let inbox = Self {
            inner: Arc::new(Inner {
                state: Mutex::new(State {
                    store,
                    seq: 0,
                    waiters: HashMap::new(),
                    risk_rules: RiskRules::default(),
                    told_locked_at: None,
                }),
                events,
                clock,
                config,
                timer_wake: Arc::new(Notify::new()),
            }),
        };
        Ok((inbox, report))
    }

    /// Opens the store and starts the timers on the current Tokio runtime. Requests whose
    /// deadline passed while the app was not running are expired (and logged) at once.
    pub fn start(config: InboxConfig) -> Result<(Self, OpenReport)> {
        let opened = Self::open(config)?;
        opened.0.spawn_timers()?;
        Ok(opened)
    }

    /// Starts the timers on the current Tokio runtime.
    pub fn spawn_timers(&self) -> Result<tokio::task::JoinHandle<()>> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        Ok(runtime.spawn(self.timers()))
    }

    /// The timer loop, for hosts that spawn it themselves: it expires requests at their
    /// deadline and ages out silent agents, and ends when the last `Inbox` handle is dropped.
    pub fn timers(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        run_timers(Arc::downgrade(&self.inner), self.inner.timer_wake.clone())
    }

    pub fn now(&self) -> Millis {
        self.inner.clock.now()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave the store half-written (SQLite
        // transactions roll back), so the state is still usable.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `write` under the lock. While another program holds the database's write lock,
    /// the store answers "busy" at once; the write is tried again, for up to
    /// [`store::WRITE_WAIT`], with the lock let go in between, so that reads (the popover,
    /// `approvals.pending`) never wait behind a write that cannot go through. `write` must
    /// leave nothing half-done when a statement fails (a transaction rolls back; what it
    /// published came from writes that went through, and a second try finds them done).
    fn writing<T>(&self, mut write: impl FnMut(&mut State) -> Result<T>) -> Result<T> {
        let started = std::time::Instant::now();
        loop {
            let mut state = self.lock();
            let result = write(&mut state);
            match &result {
                Err(Error::Storage(e))
                    if store::is_busy(e) && started.elapsed() < store::WRITE_WAIT =>
                {
                    drop(state);
                    std::thread::sleep(store::WRITE_RETRY);
                }
                _ => return result,
            }
        }
    }

    fn publish(&self, state: &mut State, kind: InboxEventKind) {
        state.seq += 1;
        // No receivers is fine: nobody is watching right now.
        let _ = self.inner.events.send(InboxEvent {
            seq: state.seq,
            kind,
        });
    }

    fn publish_agent(&self, state: &mut State, agent_id: &str) -> Result<()> {
        if let Some(agent) = state.store.agent(agent_id)? {
            self.publish(state, InboxEventKind::AgentUpdated { agent });
        }
        Ok(())
    }

    pub fn subscribe(&self) -> Subscription {
        Subscription {
            receiver: self.inner.events.subscribe(),
            inbox: self.clone(),
            skip_through: 0,
        }
    }

    pub fn snapshot(&self) -> Result<Snapshot> {
        let state = self.lock();
        Ok(Snapshot {
            seq: state.seq,
            agents: state.store.agents()?,
            pending: state.store.pending()?,
        })
    }

    pub fn agents(&self) -> Result<Vec<Agent>> {
        self.lock().store.agents()
    }

    /// The ids of the agents that asked from another machine, `remote` (`ssh:HOST`,
    /// `container`): what a peer from there may see of the agents.
    pub fn agents_asking_from(&self, remote: &str) -> Result<Vec<String>> {
        self.lock().store.agents_asking_from(remote)
    }

    pub fn pending(&self) -> Result<Vec<ApprovalRequest>> {
        self.lock().store.pending()
    }

    /// How many requests wait for a decision, without reading them.
    /// What the tray shows: the agents and how many approvals wait, read together under
    /// the lock, without the pending requests' details.
    pub fn glance(&self) -> Result<crate::Glance> {
        let state = self.lock();
        let agents = state.store.agents()?;
        let pending = state.store.pending_count(None)?;
        let grants = state.store.live_grant_count(self.now())?;
        Ok(crate::Glance::from_counts(&agents, pending).with_grants(grants))
    }

    /// The rules new requests' risk is assessed by from now on (the built-in ones and the
    /// user's, `RiskRules::with_user_rules`).
    pub fn set_risk_rules(&self, rules: RiskRules) {
        self.lock().risk_rules = rules;
    }

    /// One agent, as the agent list shows it.
    pub fn agent(&self, id: &str) -> Result<Option<Agent>> {
        self.lock().store.agent(id)
    }

    pub fn pending_count(&self) -> Result<usize> {
        self.lock().store.pending_count(None)
    }

    /// Whether anything waits for the person: a request to decide, or an agent waiting for
    /// their input (a question, a plan, its own prompt in its terminal). The popover is kept
    /// ready while it does.
    pub fn waits_for_person(&self) -> Result<bool> {
        let state = self.lock();
        if state.store.pending_count(None)? > 0 {
            return Ok(true);
        }
        Ok(state.store.agents()?.iter().any(|agent| {
            matches!(
                agent.state,
                AgentState::WaitingForInput | AgentState::WaitingForApproval
            )
        }))
    }

    pub fn request(&self, id: &str) -> Result<Option<ApprovalRequest>> {
        let mut state = self.lock();
        let request = state.store.request(id);
        self.report_tampering(&mut state, request)
    }

    /// Tells every subscriber (the person, through the app) when a stored decision was
    /// refused because the audit chain does not hold it.
    fn report_tampering<T>(&self, state: &mut State, result: Result<T>) -> Result<T> {
        if let Err(e @ Error::Tampered { .. }) = &result {
            self.publish(
                state,
                InboxEventKind::Problem {
                    message: e.to_string(),
                },
            );
        }
        result
    }

    /// Registers an agent or records what it is doing now.
    pub fn update_agent(&self, update: AgentUpdate) -> Result<Agent> {
        validate::agent_update(&update)?;
        let now = self.now();
        let agent = self.writing(|state| {
            let agent = state.store.upsert_agent(&update, now)?;
            self.publish(
                state,
                InboxEventKind::AgentUpdated {
                    agent: agent.clone(),
                },
            );
            Ok(agent)
        })?;
        self.inner.timer_wake.notify_one();
        Ok(agent)
    }

    /// Stores a request durably, then announces it. A retry with the same idempotency key
    /// returns the first request, pending or not.
    pub fn ask(&self, new: NewRequest) -> Result<ApprovalRequest> {
        validate::new_request(&new)?;
        let now = self.now();
        let asked = self.writing(|state| self.ask_locked(state, new.clone(), now));
        if let Err(Error::Storage(e)) = &asked {
            self.tell_if_locked(&mut self.lock(), e, now);
        }
        if asked.is_ok() {
            // A new deadline: the timer looks again, once the lock is free.
            self.inner.timer_wake.notify_one();
        }
        asked
    }

    /// Another program holding the database locked makes every request fail (after the
    /// store's busy wait); the person hears of it, once a minute at most, and not only the
    /// agents.
    fn tell_if_locked(&self, state: &mut State, error: &rusqlite::Error, now: Millis) {
        if !store::is_busy(error) || state.told_locked_at.is_some_and(|at| now - at < 60_000) {
            return;
        }
        state.told_locked_at = Some(now);
        self.publish(
            state,
            InboxEventKind::Problem {
                message: "another program holds Converge Tray's database locked, so agents' \
                          requests fail until it lets go (is a database tool open on it?)"
                    .into(),
            },
        );
    }

    fn ask_locked(
        &self,
        state: &mut State,
        new: NewRequest,
        now: Millis,
    ) -> Result<ApprovalRequest> {
        if let Some(key) = &new.idempotency_key {
            if let Some(existing) = state.store.request_by_idempotency_key(&new.agent_id, key)? {
                let same = existing.action == new.action
                    && existing.title == new.title
                    && existing.details == new.details;
                return if same {
                    let recorded = state.store.as_recorded(existing);
                    self.report_tampering(state, recorded)
                } else {
                    Err(Error::IdempotencyConflict {
                        agent_id: new.agent_id,
                        key: key.clone(),
                        existing_id: existing.id,
                    })
                };
            }
        }
        let config = &self.inner.config;
        if state.store.pending_count(Some(&new.agent_id))? >= config.max_pending_per_agent {
            return Err(Error::TooManyPending {
                agent_id: new.agent_id,
                limit: config.max_pending_per_agent,
            });
        }
        if let Some(pid) = new.provenance.pid {
            if state.store.pending_count_of_process(pid)? >= config.max_pending_per_process {
                return Err(Error::TooManyPendingFromProcess {
                    pid,
                    limit: config.max_pending_per_process,
                });
            }
        }
        if state.store.pending_count(None)? >= config.max_pending_total {
            return Err(Error::InboxFull {
                limit: config.max_pending_total,
            });
        }
        let request = state.assessed(new, now);
        // A high-risk request is never approved by a grant: one at a time, from its card.
        let granted_by = if request.risk.level == RiskLevel::High {
            None
        } else {
            covering_grant(&state.store, &request, now)?
        };
        // Resolved before anyone hears of it, in the same write: it is announced approved,
        // so no card, notification or popover is ever shown for it.
        let granted = granted_by.map(|grant| Resolution {
            outcome: Outcome::Approved,
            by: Resolver::Grant,
            at: now,
            reason: None,
            remembered: None,
            grant: Some(grant),
            batch: None,
            answers: None,
            device: None,
        });
        let request = state.store.insert_request(&request, granted.as_ref())?;
        self.publish(
            state,
            InboxEventKind::RequestCreated {
                request: request.clone(),
            },
        );
        if request.resolution.is_some() {
            self.publish(state, InboxEventKind::GrantsChanged {});
        }
        self.publish_agent(state, &request.agent_id)?;
        Ok(request)
    }

    /// The person's own rule for agents that ask only in their own prompt: a call whose risk
    /// is `refused_from` or higher is recorded as denied by a policy and announced resolved
    /// (no card, no notification: nothing waits); any other call is not recorded at all,
    /// and `None` lets the agent ask its own way. Never approves anything.
    pub fn refuse_by_rule(
        &self,
        new: NewRequest,
        refused_from: RiskLevel,
    ) -> Result<Option<ApprovalRequest>> {
        validate::new_request(&new)?;
        let now = self.now();
        self.writing(|state| {
            let request = state.assessed(new.clone(), now);
            if request.risk.level < refused_from {
                return Ok(None);
            }
            let rule = request.risk.rule.as_deref().unwrap_or("a risk rule");
            let level = crate::enum_text::enum_str(&request.risk.level);
            let refused = Resolution {
                outcome: Outcome::Denied,
                by: Resolver::Policy,
                at: now,
                reason: Some(format!(
                    "{level} risk ({rule}); the person's rule denies such calls from agents \
                     that ask only in their own prompt"
                )),
                remembered: None,
                grant: None,
                batch: None,
                answers: None,
                device: None,
            };
            let request = state.store.insert_request(&request, Some(&refused))?;
            self.publish(
                state,
                InboxEventKind::RequestCreated {
                    request: request.clone(),
                },
            );
            self.publish_agent(state, &request.agent_id)?;
            Ok(Some(request))
        })
    }

    /// A person approves a request on its card (or its notification) and grants what it
    /// asked for from now on: later requests of the same agent that `spec` covers are
    /// approved at once, by the grant. Refused through a key, a policy or anything else
    /// that is not a person reading the request; for a high-risk request; for a command
    /// prefix the request's command does not start with (or a command with shell
    /// operators); for a whole tool when the tool is a shell; for the project when the
    /// request names no plain absolute directory.
    pub fn approve_and_grant(
        &self,
        id: &str,
        spec: GrantSpec,
        by: Resolver,
    ) -> Result<(ApprovalRequest, GrantRecord)> {
        if !granting::is_grant_surface(by) {
            return Err(Error::invalid(
                "surface",
                format!(
                    "a grant is made on a request's card or notification, not by {}",
                    by.described()
                ),
            ));
        }
        let now = self.now();
        self.writing(|state| self.approve_and_grant_locked(state, id, &spec, by, now))
    }

    fn approve_and_grant_locked(
        &self,
        state: &mut State,
        id: &str,
        spec: &GrantSpec,
        by: Resolver,
        now: Millis,
    ) -> Result<(ApprovalRequest, GrantRecord)> {
        let request = state
            .store
            .request(id)?
            .ok_or_else(|| Error::NotFound(id.to_owned()))?;
        if request.is_pending() && now >= request.deadline {
            let (Resolved::Now(expired) | Resolved::Already(expired)) =
                self.resolve_locked(state, id, timeout_resolution(&request, now))?;
            return Err(already(expired));
        }
        if !request.is_pending() {
            return Err(already(request));
        }
        if request.risk.level == RiskLevel::High {
            return Err(Error::invalid(
                "grant",
                "a high-risk request is approved one at a time from its card, never granted",
            ));
        }
        if questions::is_question(&request) {
            return Err(Error::invalid(
                "grant",
                "an agent's questions are answered each time, never granted",
            ));
        }
        let agent = state.store.agent(&request.agent_id)?;
        if agent.is_some_and(|agent| agent.kind == AgentKind::Converge) {
            return Err(Error::invalid(
                "grant",
                "a Converge job's gate is decided on its card each time, never granted",
            ));
        }
        let said = granting::what_it_says(&request);
        let pattern = match &spec.what {
            GrantWhat::ThisAction if !granting::has_exact_details(&request) => {
                return Err(Error::invalid(
                    "grant",
                    "this request has no details to match exactly: such a grant would approve every later request of its kind, whatever it asked",
                ));
            }
            GrantWhat::ThisAction => request.details.clone(),
            GrantWhat::CommandPrefix { words } => {
                let Some(command) = &said.command else {
                    return Err(Error::invalid(
                        "grant",
                        "this request runs no shell command",
                    ));
                };
                let Some(all) = grants::command_words(command) else {
                    return Err(Error::invalid(
                        "grant",
                        "this command has shell operators, substitutions or redirections: grant exactly this action instead",
                    ));
                };
                if words.iter().any(String::is_empty) || !grants::prefix_covers(words, &all) {
                    return Err(Error::invalid(
                        "grant",
                        "the prefix must be the first words of this request's command, followed only by plain arguments",
                    ));
                }
                serde_json::to_string(words).expect("a list of strings serializes")
            }
            GrantWhat::Tool => {
                if said.command.is_some() {
                    return Err(Error::invalid(
                        "grant",
                        "a shell is never granted as a whole tool: grant a command prefix",
                    ));
                }
                String::new()
            }
        };
        let project = match (spec.in_project, &said.cwd) {
            (false, _) => None,
            (true, Some(_)) if request.provenance.remote.is_some() => {
                return Err(Error::invalid(
                    "grant",
                    "this request comes from another machine, whose directories this one cannot check: allow it for the agent instead",
                ))
            }
            // As the request's files will be checked against it: through symbolic links.
            (true, Some(dir)) if grants::is_plain_dir(dir) => match granting::resolved(dir) {
                Some(real) => Some(real),
                None => {
                    return Err(Error::invalid(
                        "grant",
                        "the request's project directory cannot be resolved on this machine",
                    ))
                }
            },
            (true, _) => {
                return Err(Error::invalid(
                    "grant",
                    "this request names no project directory to limit the grant to",
                ))
            }
        };
        let grant = GrantRecord {
            id: uuid::Uuid::new_v4().to_string(),
            agent_id: request.agent_id.clone(),
            project,
            label: granting::label(&spec.what, &request, &said),
            what: spec.what.clone(),
            action: request.action.clone(),
            from_request: request.id.clone(),
            created_at: now,
            created_by: by,
            expires_at: now.saturating_add(spec.duration.millis()),
            until_session_end: spec.duration == GrantFor::Session,
            ended_at: None,
            ended_by: None,
            uses: 0,
        };
        let resolution = Resolution {
            outcome: Outcome::Approved,
            by,
            at: now,
            reason: None,
            remembered: None,
            grant: None,
            batch: None,
            answers: None,
            device: None,
        };
        let resolved = state
            .store
            .resolve_granting(id, &resolution, &grant, &pattern)?;
        let approved = first_or_already(self.announce_resolved(state, id, resolved)?)?;
        self.publish(state, InboxEventKind::GrantsChanged {});
        Ok((approved, grant))
    }

    /// A person revokes a live grant: from now on it approves nothing.
    pub fn revoke_grant(&self, grant_id: &str, by: Resolver) -> Result<GrantRecord> {
        if !granting::is_grant_surface(by) {
            return Err(Error::invalid(
                "surface",
                format!("a grant is revoked in the app, not by {}", by.described()),
            ));
        }
        let now = self.now();
        self.writing(|state| match state.store.end_grant(grant_id, by, now)? {
            Some(grant) => {
                self.publish(state, InboxEventKind::GrantsChanged {});
                Ok(grant)
            }
            None => match state.store.grant(grant_id)? {
                Some(_) => Err(Error::invalid("grant", "it has ended or expired already")),
                None => Err(Error::NotFound(grant_id.to_owned())),
            },
        })
    }

    /// The live grants, then the most recent past ones: at most `limit` in all.
    pub fn grants(&self, limit: u32) -> Result<Vec<GrantRecord>> {
        let now = self.now();
        self.lock().store.grants(now, limit)
    }

    /// How many grants are live now.
    pub fn live_grant_count(&self) -> Result<usize> {
        let now = self.now();
        self.lock().store.live_grant_count(now)
    }

    /// Ends the agent's grants that last until its session ends: it is gone.
    fn end_session_grants(&self, state: &mut State, agent_id: &str, now: Millis) -> Result<()> {
        let mut ended = false;
        for id in state.store.session_grants_of(agent_id)? {
            ended |= state.store.end_grant(&id, Resolver::System, now)?.is_some();
        }
        if ended {
            self.publish(state, InboxEventKind::GrantsChanged {});
        }
        Ok(())
    }

    /// A person's decision on several requests at once, through one of the app's surfaces.
    /// Each is decided as by `decide`; a high-risk request is never approved in a batch (it
    /// stays pending, for its own card), and one that cannot be decided is listed with why.
    pub fn decide_batch(
        &self,
        ids: &[String],
        verdict: Verdict,
        by: Resolver,
    ) -> Result<BatchOutcome> {
        if !by.is_decision_surface() {
            return Err(Error::NotADecisionSurface(by));
        }
        if matches!(verdict, Verdict::ApproveRemembering { .. }) {
            return Err(Error::invalid(
                "verdict",
                "an agent's own \"always allow\" is chosen on one request's card, not a batch",
            ));
        }
        if matches!(verdict, Verdict::Answer { .. }) {
            return Err(Error::invalid(
                "verdict",
                "an agent's questions are answered on their own card, not in a batch",
            ));
        }
        if ids.len() > MAX_BATCH {
            return Err(Error::invalid(
                "batch",
                format!("{} requests is over the limit of {MAX_BATCH}", ids.len()),
            ));
        }
        let mut outcome = BatchOutcome::default();
        // A batch of one is a decision like any other.
        let batch = (ids.len() > 1).then_some(ids.len() as u32);
        for id in ids {
            let decided = match self.request(id) {
                Ok(Some(request))
                    if matches!(
                        verdict,
                        Verdict::Approve | Verdict::ApproveRemembering { .. }
                    ) && request.is_pending()
                        && request.risk.level == RiskLevel::High =>
                {
                    Err("high risk: approve it from its own card".to_owned())
                }
                Ok(_) => match self.decide_in(id, verdict.clone(), by, batch, None) {
                    Ok(_) => Ok(()),
                    Err(e @ (Error::Storage(_) | Error::Io { .. })) => return Err(e),
                    Err(e) => Err(e.to_string()),
                },
                Err(e @ (Error::Storage(_) | Error::Io { .. })) => return Err(e),
                Err(e) => Err(e.to_string()),
            };
            match decided {
                Ok(()) => outcome.decided.push(id.clone()),
                Err(reason) => outcome.refused.push(BatchRefusal {
                    id: id.clone(),
                    reason,
                }),
            }
        }
        Ok(outcome)
    }

    /// A person's decision, through one of the app's own surfaces. The first resolution of
    /// a request wins; a decision after the deadline finds the request expired.
    pub fn decide(&self, id: &str, verdict: Verdict, by: Resolver) -> Result<ApprovalRequest> {
        self.decide_in(id, verdict, by, None, None)
    }

    /// The person's answer from their phone, which the phone's link found to come from
    /// their own verified Matrix device `device` (docs/phone.md). Approve or deny only; a
    /// high-risk request is approved this way only when they allowed it
    /// (`high_risk_approvable`, Settings → Phone).
    pub fn decide_on_phone(
        &self,
        id: &str,
        verdict: Verdict,
        device: &str,
        high_risk_approvable: bool,
    ) -> Result<ApprovalRequest> {
        validate::text("device", device, validate::MAX_REASON)?;
        let phone = OnPhone {
            device: device.to_owned(),
            high_risk_approvable,
        };
        self.decide_in(id, verdict, Resolver::Phone, None, Some(phone))
    }

    /// `decide`, as one of a batch of `batch` requests, or from the phone.
    fn decide_in(
        &self,
        id: &str,
        verdict: Verdict,
        by: Resolver,
        batch: Option<u32>,
        phone: Option<OnPhone>,
    ) -> Result<ApprovalRequest> {
        // The phone decides only with the device it came from (decide_on_phone).
        if !by.is_decision_surface() || (by == Resolver::Phone) != phone.is_some() {
            return Err(Error::NotADecisionSurface(by));
        }
        let mut answers_given = None;
        let (outcome, reason, remembered) = match verdict {
            Verdict::Approve => (Outcome::Approved, None, None),
            // The agent's own rule is picked on the request's card, nowhere else.
            Verdict::ApproveRemembering { .. }
                if !matches!(by, Resolver::Popover | Resolver::Window) =>
            {
                return Err(Error::invalid(
                    "verdict",
                    "an agent's own \"always allow\" is chosen on the request's card only",
                ));
            }
            Verdict::ApproveRemembering { choice } => (Outcome::Approved, None, Some(choice)),
            Verdict::Deny { reason } => (
                Outcome::Denied,
                reason.filter(|r| !r.trim().is_empty()),
                None,
            ),
            Verdict::Answer { .. }
                if !matches!(
                    by,
                    Resolver::Popover | Resolver::Window | Resolver::Notification
                ) =>
            {
                return Err(Error::invalid(
                    "verdict",
                    "an agent's questions are answered on the request's card or its \
                     notification only",
                ));
            }
            Verdict::Answer { ref answers } => {
                answers_given = Some(answers.clone());
                (Outcome::Approved, None, None)
            }
        };
        if let Some(reason) = &reason {
            validate::text("reason", reason, validate::MAX_REASON)?;
        }
        let now = self.now();
        self.writing(|state| {
            let pending = state
                .store
                .request(id)?
                .ok_or_else(|| Error::NotFound(id.to_owned()))?;
            if pending.is_pending() && now >= pending.deadline {
                // The timer has not run yet, but the deadline has passed: expire it first.
                let (Resolved::Now(expired) | Resolved::Already(expired)) =
                    self.resolve_locked(state, id, timeout_resolution(&pending, now))?;
                return Err(already(expired));
            }
            if outcome == Outcome::Approved && pending.is_pending() {
                let refusal = match (&answers_given, &phone) {
                    (Some(answers), _) => questions::answers_refused(&pending, answers, by),
                    (None, Some(phone))
                        if phone.high_risk_approvable && !questions::is_question(&pending) =>
                    {
                        None
                    }
                    (None, _) => approval_refused(&pending, by),
                };
                if let Some(refusal) = refusal {
                    return Err(Error::invalid("verdict", refusal));
                }
            }
            if let Some(choice) = &remembered {
                if pending.is_pending() && !pending.remember_choices.contains(choice) {
                    return Err(Error::invalid(
                        "verdict",
                        "that is not one of the agent's own choices for this request",
                    ));
                }
            }
            let resolution = Resolution {
                outcome,
                by,
                at: now,
                reason: reason.clone(),
                remembered: remembered.clone(),
                grant: None,
                batch,
                answers: answers_given.clone(),
                device: phone.as_ref().map(|phone| phone.device.clone()),
            };
            first_or_already(self.resolve_locked(state, id, resolution)?)
        })
    }

    /// The requester withdraws its request.
    pub fn cancel(&self, id: &str, reason: Option<String>) -> Result<ApprovalRequest> {
        self.close(id, Resolver::Requester, reason)
    }

    /// Closes one request nobody can receive the answer to any more (its asking process is
    /// gone), as cancelled by the inbox.
    pub fn close_orphaned(&self, id: &str, reason: &str) -> Result<ApprovalRequest> {
        self.close(id, Resolver::System, Some(reason.to_owned()))
    }

    fn close(&self, id: &str, by: Resolver, reason: Option<String>) -> Result<ApprovalRequest> {
        let resolution = Resolution {
            outcome: Outcome::Cancelled,
            by,
            at: self.now(),
            reason,
            remembered: None,
            grant: None,
            batch: None,
            answers: None,
            device: None,
        };
        first_or_already(self.writing(|state| self.resolve_locked(state, id, resolution.clone()))?)
    }

    /// The person takes agents off the list: those with nothing pending that are not
    /// working (idle, done, failed or gone); the others are left as they are. An agent heard
    /// from again is listed again. Returns the ids taken off.
    pub fn remove_agents(&self, ids: &[String]) -> Result<Vec<String>> {
        if ids.len() > MAX_BATCH {
            return Err(Error::invalid(
                "agents",
                format!("{} agents is over the limit of {MAX_BATCH}", ids.len()),
            ));
        }
        let now = self.now();
        self.writing(|state| {
            let removed = state.store.remove_agents(ids, now)?;
            if !removed.is_empty() {
                self.publish(
                    state,
                    InboxEventKind::AgentsRemoved {
                        ids: removed.clone(),
                    },
                );
            }
            Ok(removed)
        })
    }

    /// The agent went away (its process died, its connection closed for good): its pending
    /// requests are closed as cancelled and it shows as gone.
    pub fn agent_gone(&self, agent_id: &str) -> Result<Vec<ApprovalRequest>> {
        let now = self.now();
        // Closed on an earlier try that failed further on: kept, not found again.
        let mut closed = Vec::new();
        self.writing(|state| self.agent_gone_locked(state, agent_id, now, &mut closed))?;
        Ok(closed)
    }

    fn agent_gone_locked(
        &self,
        state: &mut State,
        agent_id: &str,
        now: Millis,
        closed: &mut Vec<ApprovalRequest>,
    ) -> Result<()> {
        for id in state.store.pending_of_agent(agent_id)? {
            let resolution = Resolution {
                outcome: Outcome::Cancelled,
                by: Resolver::System,
                at: now,
                reason: Some("the agent went away".into()),
                remembered: None,
                grant: None,
                batch: None,
                answers: None,
                device: None,
            };
            if let Resolved::Now(request) = self.resolve_locked(state, &id, resolution)? {
                closed.push(request);
            }
        }
        if let Some(agent) = state.store.mark_gone(agent_id)? {
            self.publish(state, InboxEventKind::AgentUpdated { agent });
        }
        self.end_session_grants(state, agent_id, now)
    }

    /// Waits until the request is resolved and returns it. Works for any request in the
    /// store, including ones created before a restart.
    pub async fn wait(&self, id: &str) -> Result<ApprovalRequest> {
        let mut watcher = {
            let mut state = self.lock();
            let request = state.store.request(id);
            let request = self
                .report_tampering(&mut state, request)?
                .ok_or_else(|| Error::NotFound(id.to_owned()))?;
            if !request.is_pending() {
                return Ok(request);
            }
            state
                .waiters
                .entry(id.to_owned())
                .or_insert_with(|| watch::channel(None).0)
                .subscribe()
        };
        let resolved = watcher.wait_for(Option::is_some).await;
        match resolved {
            Ok(request) => Ok(request.clone().expect("waited for Some")),
            // The sender is only dropped after sending, or with the whole inbox.
            Err(_) => self
                .request(id)?
                .filter(|r| !r.is_pending())
                .ok_or_else(|| Error::NotFound(id.to_owned())),
        }
    }

    /// Resolves under the lock, wakes the waiters and announces it, unless the request was
    /// resolved before: then the stored (first) resolution comes back as `Already`.
    fn resolve_locked(
        &self,
        state: &mut State,
        id: &str,
        resolution: Resolution,
    ) -> Result<Resolved> {
        let resolved = state.store.resolve(id, &resolution)?;
        self.announce_resolved(state, id, resolved)
    }

    /// Wakes the waiters of a request resolved just now and announces it.
    fn announce_resolved(
        &self,
        state: &mut State,
        id: &str,
        resolved: Resolved,
    ) -> Result<Resolved> {
        if let Resolved::Now(request) = &resolved {
            if let Some(waiter) = state.waiters.remove(id) {
                waiter.send_replace(Some(request.clone()));
            }
            self.publish(
                state,
                InboxEventKind::RequestResolved {
                    request: request.clone(),
                },
            );
            self.publish_agent(state, &request.agent_id)?;
        }
        Ok(resolved)
    }

    /// Expires due requests and ages out silent agents; returns when to run again.
    pub fn tick(&self) -> Result<Option<Millis>> {
        let now = self.now();
        let stale_after = self.inner.config.stale_agent_after.as_millis() as Millis;
        self.writing(|state| {
            for id in state.store.due(now)? {
                if let Some(request) = state.store.request(&id)? {
                    self.resolve_locked(state, &id, timeout_resolution(&request, now))?;
                }
            }
            for agent in state.store.age_out_agents(now - stale_after)? {
                self.end_session_grants(state, &agent.id, now)?;
                self.publish(state, InboxEventKind::AgentUpdated { agent });
            }
            let next_deadline = state.store.next_deadline()?;
            let next_age_out = state.store.next_agent_age_out(stale_after)?;
            Ok(match (next_deadline, next_age_out) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
        })
    }

    pub fn history(&self, query: &HistoryQuery) -> Result<HistoryPage> {
        audit::history(self.lock().store.conn(), query)
    }

    /// A page of `agent_id`'s timeline: what it reported and asked, newest first, before
    /// `before` (from the newest when `None`).
    pub fn timeline(
        &self,
        agent_id: &str,
        before: Option<Millis>,
        limit: usize,
    ) -> Result<Timeline> {
        crate::timeline::read(self.lock().store.conn(), agent_id, before, limit)
    }

    /// Forgets what agents reported longer than `kept` ago (the person's retention); returns
    /// how many reports went. Requests stay in the audit log.
    pub fn forget_activity_older_than(&self, kept: std::time::Duration) -> Result<usize> {
        let before = self.now() - Millis::try_from(kept.as_millis()).unwrap_or(Millis::MAX);
        self.writing(|state| crate::timeline::prune(state.store.conn(), before))
    }

    /// Checks the whole audit chain; names the first broken entry, if any.
    pub fn verify_audit(&self) -> Result<ChainReport> {
        audit::verify(self.lock().store.conn())
    }
}

/// The first live grant of the request's agent that covers it, if any.
fn covering_grant(
    store: &crate::store::Store,
    request: &ApprovalRequest,
    now: Millis,
) -> Result<Option<String>> {
    let live = store.live_grants_for(request, now)?;
    if live.is_empty() {
        return Ok(None);
    }
    let said = granting::what_it_says(request);
    // Paths and directories are resolved on this machine: a request from another one names
    // its own files, which a project grant cannot vouch for.
    let local = request.provenance.remote.is_none();
    let cwd = said
        .cwd
        .as_deref()
        .filter(|_| local)
        .and_then(granting::resolved);
    let process_cwd = request
        .provenance
        .cwd
        .as_deref()
        .filter(|_| local)
        .and_then(granting::resolved);
    let mut paths: Option<Vec<String>> = said
        .paths
        .filter(|_| local)
        .and_then(|paths| paths.iter().map(|path| granting::resolved(path)).collect());
    // A command's operands that name files where it runs are files it reads or writes:
    // checked like an Edit's, so that a link in the project does not lead out of it.
    if let (Some(command), Some(dir), Some(list)) = (&said.command, &process_cwd, &mut paths) {
        match granting::existing_operands(command, dir) {
            Some(operands) => list.extend(operands),
            None => paths = None,
        }
    }
    let candidate = grants::Candidate {
        agent_id: &request.agent_id,
        action: &request.action,
        details: &request.details,
        command: said.command.as_deref(),
        cwd: cwd.as_deref(),
        paths: paths.as_deref(),
        process_cwd: process_cwd.as_deref(),
    };
    Ok(grants::first_cover(&live, &candidate, now).map(|grant| grant.id.clone()))
}

fn timeout_resolution(request: &ApprovalRequest, now: Millis) -> Resolution {
    let waited = crate::validate::describe_duration(request.deadline - request.created_at);
    let reason = match request.on_timeout {
        OnTimeout::Deny => format!("no decision within {waited}; denied"),
        OnTimeout::Fallback => {
            format!("no decision within {waited}; the requester falls back to its own prompt")
        }
    };
    Resolution {
        outcome: Outcome::TimedOut,
        by: Resolver::Timeout,
        at: now,
        reason: Some(reason),
        remembered: None,
        grant: None,
        batch: None,
        answers: None,
        device: None,
    }
}

/// A decision from the phone: the Matrix device it came from, and whether the person lets a
/// high-risk request be approved there.
struct OnPhone {
    device: String,
    high_risk_approvable: bool,
}

/// The request if this resolution was the first, else the error saying which one was.
fn first_or_already(resolved: Resolved) -> Result<ApprovalRequest> {
    match resolved {
        Resolved::Now(request) => Ok(request),
        Resolved::Already(request) => Err(already(request)),
    }
}

fn already(request: ApprovalRequest) -> Error {
    match request.resolution {
        Some(resolution) => Error::AlreadyResolved {
            id: request.id,
            resolution: Box::new(resolution),
        },
        None => unreachable!("a request that refused a resolution is resolved"),
    }
}

async fn run_timers(inner: Weak<Inner>, wake: Arc<Notify>) {
    loop {
        let wakeup = {
            let Some(inner) = inner.upgrade() else { return };
            let inbox = Inbox { inner };
            let next = inbox.tick().unwrap_or_else(|e| {
                tracing::error!("inbox timers: {e}; retrying in a second");
                Some(inbox.now() + 1000)
            });
            next.map(|at| Duration::from_millis((at - inbox.now()).max(0) as u64))
        };
        match wakeup {
            Some(delay) => {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = wake.notified() => {}
                }
            }
            None => wake.notified().await,
        }
    }
}

/// A stream of inbox events for one subscriber. A subscriber that falls more than
/// `event_buffer` events behind gets a fresh snapshot instead of the events it missed.
pub struct Subscription {
    receiver: broadcast::Receiver<InboxEvent>,
    inbox: Inbox,
    skip_through: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)] // events are the common case; boxing them costs more
pub enum Update {
    Event(InboxEvent),
    /// Replace everything you hold with this.
    Resync(Snapshot),
}

impl Subscription {
    pub async fn next(&mut self) -> Result<Update> {
        loop {
            match self.receiver.recv().await {
                Ok(event) if event.seq <= self.skip_through => continue,
                Ok(event) => return Ok(Update::Event(event)),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!("subscriber fell {missed} events behind; resyncing");
                    // Resubscribe before the snapshot so nothing falls between the two.
                    self.receiver = self.receiver.resubscribe();
                    let snapshot = self.inbox.snapshot()?;
                    self.skip_through = snapshot.seq;
                    return Ok(Update::Resync(snapshot));
                }
                Err(broadcast::error::RecvError::Closed) => {
                    unreachable!("the subscription holds the inbox, so the sender lives")
                }
            }
        }
    }
}
