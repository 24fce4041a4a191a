//! The real Converge kernel (converge-core 3.9.2) run by the host against a real inbox:
//! gates become approval requests, decisions resume the runs, runs survive a restart.

use std::path::Path;
use std::time::Duration;

use converge_host::{parse_jobs, ConvergeHost, JobDefinition, RunRecord, RunState, DEFAULT_JOBS};
use inbox::{
    AgentKind, AgentState, ApprovalRequest, Durability, Inbox, InboxConfig, Resolver, Verdict,
};

fn open_inbox(dir: &Path) -> Inbox {
    Inbox::start(InboxConfig {
        durability: Durability::Normal,
        ..InboxConfig::at(dir.join("inbox.db"))
    })
    .unwrap()
    .0
}

fn job(id: &str) -> JobDefinition {
    parse_jobs(DEFAULT_JOBS)
        .unwrap()
        .into_iter()
        .find(|j| j.id == id)
        .unwrap()
}

/// The travel claim again, under another id and amount: a second job over the limit.
fn hardware_job() -> JobDefinition {
    let mut hardware = job("travel-expense");
    hardware.id = "hardware".into();
    hardware.name = "Expense review · laptop".into();
    hardware.input.insert("claimant".into(), "Kim Berg".into());
    hardware.input.insert("amount".into(), 2399.0.into());
    hardware
        .input
        .insert("purpose".into(), "Replacement laptop".into());
    hardware
}

async fn finished(host: &ConvergeHost, run: &str) -> RunRecord {
    for _ in 0..500 {
        let record = host.run(run).unwrap().unwrap();
        if record.state.is_finished() {
            return record;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("run {run} never finished: {:?}", host.run(run).unwrap());
}

async fn pending_of(inbox: &Inbox, run: &str) -> ApprovalRequest {
    let agent = format!("converge:{run}");
    for _ in 0..500 {
        if let Some(request) = inbox
            .pending()
            .unwrap()
            .into_iter()
            .find(|r| r.agent_id == agent)
        {
            return request;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("run {run} never asked");
}

fn agent(inbox: &Inbox, run: &str) -> inbox::Agent {
    let id = format!("converge:{run}");
    inbox
        .agents()
        .unwrap()
        .into_iter()
        .find(|a| a.id == id)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_within_the_limit_converges_with_no_gate() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox.clone(), &dir.path().join("jobs.db")).unwrap();
    let run = host.start(job("team-lunch")).unwrap();
    let record = finished(&host, &run).await;
    assert_eq!(record.state, RunState::Converged, "{record:?}");
    assert_eq!(record.detail.as_deref(), Some("Converged after 4 cycles"));
    let history = inbox.history(&Default::default()).unwrap();
    assert!(history.entries.is_empty(), "nothing needed a person");
    let agent = agent(&inbox, &run);
    assert_eq!(agent.kind, AgentKind::Converge);
    assert_eq!(agent.state, AgentState::Done);
    assert_eq!(agent.name, "Expense review · team lunch");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_over_the_limit_waits_for_approval_then_converges() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox.clone(), &dir.path().join("jobs.db")).unwrap();
    let run = host.start(job("travel-expense")).unwrap();
    let request = pending_of(&inbox, &run).await;
    assert_eq!(
        request.title,
        "Reimburse 1840.00 EUR to Dana Okafor for Flights and hotel, RustConf Berlin"
    );
    assert_eq!(request.action, "converge.promote:Proposals");
    assert!(
        request.details.starts_with(
            "reimbursement-planner proposes Proposals reimburse (confidence 0.92):\n\
             Reimburse 1840.00 EUR to Dana Okafor for Flights and hotel, RustConf Berlin\n\n\
             provenance: reimbursement-planner\n"
        ),
        "{}",
        request.details
    );
    assert!(
        request
            .details
            .contains("\ngate: hitl-3-2-reimburse · cycle 3\n"),
        "{}",
        request.details
    );
    assert_eq!(host.run(&run).unwrap().unwrap().state, RunState::Paused);
    assert_eq!(agent(&inbox, &run).state, AgentState::WaitingForApproval);
    assert!(
        agent(&inbox, &run)
            .activity
            .unwrap()
            .contains("reimbursement-planner proposed"),
        "the activity comes from the suggestors the kernel ran"
    );

    inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let record = finished(&host, &run).await;
    assert_eq!(record.state, RunState::Converged, "{record:?}");
    assert_eq!(record.detail.as_deref(), Some("Converged after 4 cycles"));
    let decisions = host.decisions(&run).unwrap();
    assert_eq!(decisions.len(), 1);
    assert!(decisions[0].approved);
    assert_eq!(decisions[0].decided_by, "the popover");
    let agent = agent(&inbox, &run);
    assert_eq!(agent.state, AgentState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_proposal_ends_the_run_as_rejected_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox.clone(), &dir.path().join("jobs.db")).unwrap();
    let run = host.start(job("travel-expense")).unwrap();
    let request = pending_of(&inbox, &run).await;
    inbox
        .decide(
            &request.id,
            Verdict::Deny {
                reason: Some("book economy next time".into()),
            },
            Resolver::Notification,
        )
        .unwrap();
    let record = finished(&host, &run).await;
    assert_eq!(record.state, RunState::Rejected, "{record:?}");
    assert!(record
        .detail
        .unwrap()
        .ends_with("rejected by a notification: book economy next time"),);
    assert_eq!(agent(&inbox, &run).state, AgentState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_jobs_in_parallel_take_their_own_decisions_in_the_opposite_order() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox.clone(), &dir.path().join("jobs.db")).unwrap();
    let travel = host.start(job("travel-expense")).unwrap();
    let laptop = host.start(hardware_job()).unwrap();
    let travel_request = pending_of(&inbox, &travel).await;
    let laptop_request = pending_of(&inbox, &laptop).await;
    assert!(laptop_request.title.contains("2399.00 EUR to Kim Berg"));

    // The second job is decided first, and the other way round.
    inbox
        .decide(
            &laptop_request.id,
            Verdict::Deny {
                reason: Some("not in this quarter's budget".into()),
            },
            Resolver::Shortcut,
        )
        .unwrap();
    assert_eq!(finished(&host, &laptop).await.state, RunState::Rejected);
    assert_eq!(
        host.run(&travel).unwrap().unwrap().state,
        RunState::Paused,
        "one job's decision does not touch the other"
    );
    inbox
        .decide(&travel_request.id, Verdict::Approve, Resolver::Window)
        .unwrap();
    assert_eq!(finished(&host, &travel).await.state, RunState::Converged);
    assert!(host.decisions(&travel).unwrap()[0].approved);
    assert!(!host.decisions(&laptop).unwrap()[0].approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paused_run_survives_the_host_being_dropped_and_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let store = dir.path().join("jobs.db");
    let (host, _) = ConvergeHost::open(inbox.clone(), &store).unwrap();
    let run = host.start(job("travel-expense")).unwrap();
    let request = pending_of(&inbox, &run).await;
    drop(host); // the app quits with the job at its gate
    drop(inbox);

    let inbox = open_inbox(dir.path());
    let (host, recovery) = ConvergeHost::open(inbox.clone(), &store).unwrap();
    assert_eq!(recovery.resumed, std::slice::from_ref(&run));
    // Re-run to the same gate: the same request, not a second one.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let pending = inbox.pending().unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].id, request.id);

    inbox
        .decide(&request.id, Verdict::Approve, Resolver::Popover)
        .unwrap();
    let record = finished(&host, &run).await;
    assert_eq!(record.state, RunState::Converged, "{record:?}");
}

#[test]
fn a_run_cut_off_mid_run_is_marked_interrupted_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("jobs.db");
    leave_a_run_running(&store);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let _entered = runtime.enter();
    let inbox = open_inbox(dir.path());
    let (host, recovery) = ConvergeHost::open(inbox.clone(), &store).unwrap();
    assert_eq!(recovery.interrupted.len(), 1);
    let record = host.runs(10).unwrap().remove(0);
    assert_eq!(record.state, RunState::Interrupted);
    assert!(record.detail.unwrap().contains("start it again"));
    assert_eq!(agent(&inbox, &record.id).state, AgentState::Error);
}

/// Starts a job in a host whose runtime is then shut down at once: the run is left in the
/// store as `running`, as after a crash.
fn leave_a_run_running(store: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = store.parent().unwrap().join("first-inbox");
    std::fs::create_dir_all(&dir).unwrap();
    runtime.block_on(async {
        let inbox = open_inbox(&dir);
        let (host, _) = ConvergeHost::open(inbox, store).unwrap();
        host.start(job("team-lunch")).unwrap();
        // No await: the run's task never gets to run on this single-threaded runtime.
    });
    drop(runtime);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_the_packs_cannot_run_is_refused_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox, &dir.path().join("jobs.db")).unwrap();
    let mut broken = job("team-lunch");
    broken.input.remove("amount");
    let error = host.start(broken).unwrap_err().to_string();
    assert!(error.contains("missing field `amount`"), "{error}");
    assert!(host.runs(10).unwrap().is_empty());
}

/// The app's UI commands run on its main thread, outside the async runtime.
#[test]
fn a_job_started_from_outside_the_runtime_runs_on_the_hosts_runtime() {
    let dir = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let host = runtime.block_on(async {
        let inbox = open_inbox(dir.path());
        ConvergeHost::open(inbox, &dir.path().join("jobs.db"))
            .unwrap()
            .0
    });
    let starter = host.clone();
    let run = std::thread::spawn(move || starter.start(job("team-lunch")).unwrap())
        .join()
        .expect("start must not panic outside the runtime");
    let record = runtime.block_on(finished(&host, &run));
    assert_eq!(record.state, RunState::Converged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_overview_of_runs_is_the_newest_few_however_many_were_made() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = open_inbox(dir.path());
    let (host, _) = ConvergeHost::open(inbox.clone(), &dir.path().join("jobs.db")).unwrap();
    let mut started = Vec::new();
    for _ in 0..4 {
        let run = host.start(job("team-lunch")).unwrap();
        finished(&host, &run).await;
        started.push(run);
        // Runs are ordered by their start time in milliseconds.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let newest: Vec<String> = host.runs(2).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(newest, vec![started[3].clone(), started[2].clone()]);
    assert_eq!(host.runs(50).unwrap().len(), 4);
}
