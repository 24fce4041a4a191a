//! What each command of crates/page-contract does. invoke.rs makes them callable: as Tauri
//! commands from the app's own windows, and as calls from the popover's process. Each is
//! told who calls it, so the surface that decides is the calling window's, never a value
//! the page could choose.

use converge_host::JobsOverview;
use inbox::{
    BatchOutcome, ChainReport, GrantOffers, GrantRecord, GrantSpec, HistoryPage, HistoryQuery,
    Inbox, Resolver, Snapshot, Timeline, Verdict,
};
use settings::{PhoneStatus, RemoteRefusal, Settings, ShortcutsStatus};
use tauri::{AppHandle, Manager, State};
use terminal::TerminalVisit;

use crate::terminals::{self, Destination};

use crate::decisions::Selection;
use crate::error::ShellError;
use crate::popover::{self, PopoverExt};
use crate::preferences::{self, Preferences};
use crate::{jobs, phone, window};

/// The window a command is called from, and the app it runs in.
pub struct Caller {
    pub app: AppHandle,
    /// The window's label: `popover` or `window`, as in crates/page-contract.
    pub window: &'static str,
}

impl Caller {
    /// The caller of a window labelled `label`; no other window calls commands.
    pub fn of(app: &AppHandle, label: &str) -> Result<Self, ShellError> {
        let window = match label {
            popover::LABEL => popover::LABEL,
            window::LABEL => window::LABEL,
            other => return Err(format!("the window {other:?} calls no command").into()),
        };
        Ok(Self {
            app: app.clone(),
            window,
        })
    }

    /// Who decides when this window decides.
    fn surface(&self) -> Resolver {
        match self.window {
            popover::LABEL => Resolver::Popover,
            _ => Resolver::Window,
        }
    }

    fn inbox(&self) -> State<'_, Inbox> {
        self.app.state::<Inbox>()
    }
}

pub fn inbox_snapshot(caller: &Caller) -> Result<Snapshot, ShellError> {
    Ok(caller.inbox().snapshot()?)
}

pub fn inbox_decide(
    caller: &Caller,
    request_id: String,
    verdict: Verdict,
) -> Result<(), ShellError> {
    caller
        .inbox()
        .decide(&request_id, verdict, caller.surface())?;
    Ok(())
}

/// Several requests decided together (a batch from the popover or the full window); a
/// high-risk request is never approved this way.
pub fn inbox_decide_batch(
    caller: &Caller,
    request_ids: Vec<String>,
    verdict: Verdict,
) -> Result<BatchOutcome, ShellError> {
    Ok(caller
        .inbox()
        .decide_batch(&request_ids, verdict, caller.surface())?)
}

/// What a request's card offers to grant (nothing for a high-risk request).
pub fn grant_offers(caller: &Caller, request_id: String) -> Result<GrantOffers, ShellError> {
    let request = caller
        .inbox()
        .request(&request_id)?
        .ok_or_else(|| format!("no request {request_id}"))?;
    Ok(inbox::grant_offers(&request))
}

/// Approves a request from its card and grants what `spec` says from now on; the local API
/// has no such method.
pub fn inbox_approve_and_grant(
    caller: &Caller,
    request_id: String,
    spec: GrantSpec,
) -> Result<GrantRecord, ShellError> {
    let (_, grant) = caller
        .inbox()
        .approve_and_grant(&request_id, spec, caller.surface())?;
    Ok(grant)
}

/// The live grants, then the most recent past ones.
pub fn grants_list(caller: &Caller) -> Result<Vec<GrantRecord>, ShellError> {
    Ok(caller.inbox().grants(GRANTS_LISTED)?)
}

/// How many grants a list shows at most: every live one, then past ones.
const GRANTS_LISTED: u32 = 200;

pub fn grant_revoke(caller: &Caller, grant_id: String) -> Result<(), ShellError> {
    caller.inbox().revoke_grant(&grant_id, caller.surface())?;
    Ok(())
}

/// Takes agents off the list (those with nothing pending that are not working); returns the
/// ids taken off. One heard from again comes back.
pub fn agents_remove(caller: &Caller, agent_ids: Vec<String>) -> Result<Vec<String>, ShellError> {
    Ok(caller.inbox().remove_agents(&agent_ids)?)
}

pub fn popover_hide(caller: &Caller) -> Result<(), ShellError> {
    caller.app.popover().hide();
    Ok(())
}

/// The popover reports its selection, which the approve/deny shortcuts act on.
pub fn popover_select(
    caller: &Caller,
    request_id: Option<String>,
    whole_seen: bool,
) -> Result<(), ShellError> {
    caller.app.state::<Selection>().set(request_id, whole_seen);
    Ok(())
}

/// The popover painted its first inbox data: logged as a start-up trace (bench/run reads it),
/// with the page's own clock reading of the frame (milliseconds since the Unix epoch), since
/// this call arrives a round trip later than the frame it reports.
pub fn popover_painted(_caller: &Caller, frame_at_ms: Option<f64>) -> Result<(), ShellError> {
    tracing::info!(frame_at_ms, "popover painted");
    Ok(())
}

pub fn window_open(caller: &Caller) -> Result<(), ShellError> {
    caller.app.popover().hide();
    Ok(window::open(&caller.app)?)
}

/// "Go to terminal" on a card (`request_id`) or an agent (`agent_id`).
pub fn terminal_go(
    caller: &Caller,
    request_id: Option<String>,
    agent_id: Option<String>,
) -> Result<TerminalVisit, ShellError> {
    let destination = match (request_id, agent_id) {
        (Some(id), None) => Destination::Request(id),
        (None, Some(id)) => Destination::Agent(id),
        _ => {
            return Err(ShellError::Refused(
                "go to the terminal of a request or of an agent, not both".into(),
            ))
        }
    };
    Ok(terminals::go(&caller.app, destination))
}

/// A page of an agent's timeline, newest first, before `before` (ms) when given.
pub fn agent_timeline(
    caller: &Caller,
    agent_id: String,
    before: Option<i64>,
) -> Result<Timeline, ShellError> {
    Ok(caller.inbox().timeline(&agent_id, before, TIMELINE_PAGE)?)
}

/// Entries per page of a timeline: a long session's last hour or so.
const TIMELINE_PAGE: usize = 200;

pub fn history_query(caller: &Caller, query: HistoryQuery) -> Result<HistoryPage, ShellError> {
    Ok(caller.inbox().history(&query)?)
}

/// Walks the whole chain: `slow` in crates/page-contract, so off the main thread.
pub fn audit_verify(caller: &Caller) -> Result<ChainReport, ShellError> {
    Ok(caller.inbox().verify_audit()?)
}

pub fn settings_get(caller: &Caller) -> Result<Settings, ShellError> {
    Ok(caller.app.state::<Preferences>().get(&caller.app))
}

pub fn settings_set(caller: &Caller, settings: Settings) -> Result<Settings, ShellError> {
    Ok(preferences::set(&caller.app, settings)?)
}

/// How the global shortcuts reach the app in this session (X11 keys, the desktop's portal,
/// or neither), in the person's words.
pub fn shortcuts_status(caller: &Caller) -> Result<ShortcutsStatus, ShellError> {
    Ok(caller.app.state::<crate::shortcuts::Shortcuts>().status())
}

/// The remote peers Settings → Other machines turned away since the app started.
pub fn remote_refusals(caller: &Caller) -> Result<Vec<RemoteRefusal>, ShellError> {
    Ok(caller
        .app
        .state::<crate::local_api::ApiSettings>()
        .refusals())
}

pub fn jobs_overview(caller: &Caller) -> Result<JobsOverview, ShellError> {
    Ok(jobs::of(&caller.app)?.overview()?)
}

/// Starts a job from the jobs file; returns the run id.
pub fn job_run(caller: &Caller, job_id: String) -> Result<String, ShellError> {
    Ok(jobs::of(&caller.app)?.run(&job_id)?)
}

/// What went wrong in this run that the person must know (problems.rs).
pub fn problems_list(caller: &Caller) -> Result<Vec<String>, ShellError> {
    Ok(caller.app.state::<crate::problems::Problems>().list())
}

/// Phone as it is now (phone.rs).
pub fn phone_status(caller: &Caller) -> Result<PhoneStatus, ShellError> {
    Ok(caller.app.state::<phone::Phone>().status())
}

pub fn phone_set_up(
    caller: &Caller,
    homeserver: String,
    account: String,
    password: String,
    person: String,
) -> Result<(), ShellError> {
    Ok(phone::set_up(
        &caller.app,
        homeserver,
        account,
        password,
        person,
    )?)
}

pub fn phone_verify(caller: &Caller) -> Result<(), ShellError> {
    Ok(phone::verify(&caller.app)?)
}

/// Only the person, in the full window, says whether the emojis match: the popover's
/// process cannot call this (crates/page-contract).
pub fn phone_confirm(caller: &Caller, matches: bool) -> Result<(), ShellError> {
    Ok(phone::confirm(&caller.app, matches)?)
}

pub fn phone_turn_off(caller: &Caller) -> Result<(), ShellError> {
    Ok(phone::turn_off(&caller.app)?)
}
