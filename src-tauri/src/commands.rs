//! The commands the frontend may call (each window gets only its own, see capabilities/).

use converge_host::JobsOverview;
use inbox::{
    BatchOutcome, ChainReport, GrantOffers, GrantRecord, GrantSpec, HistoryPage, HistoryQuery,
    Inbox, Resolver, Snapshot, Verdict,
};
use settings::{Settings, ShortcutsStatus};
use tauri::{AppHandle, State, WebviewWindow};

use crate::decisions::Selection;
use crate::error::ShellError;
use crate::preferences::{self, Preferences};
use crate::{jobs, popover, window};

#[tauri::command]
pub fn inbox_snapshot(inbox: State<'_, Inbox>) -> Result<Snapshot, ShellError> {
    Ok(inbox.snapshot()?)
}

/// The surface is the calling window's, never a value the page could choose.
#[tauri::command]
pub fn inbox_decide(
    window: WebviewWindow,
    inbox: State<'_, Inbox>,
    request_id: String,
    verdict: Verdict,
) -> Result<(), ShellError> {
    let surface = surface_of(&window)?;
    inbox.decide(&request_id, verdict, surface)?;
    Ok(())
}

/// Several requests decided together (a batch from the popover or the full window); a
/// high-risk request is never approved this way. The surface is the calling window's.
#[tauri::command]
pub fn inbox_decide_batch(
    window: WebviewWindow,
    inbox: State<'_, Inbox>,
    request_ids: Vec<String>,
    verdict: Verdict,
) -> Result<BatchOutcome, ShellError> {
    let surface = surface_of(&window)?;
    Ok(inbox.decide_batch(&request_ids, verdict, surface)?)
}

/// What a request's card offers to grant (nothing for a high-risk request).
#[tauri::command]
pub fn grant_offers(
    inbox: State<'_, Inbox>,
    request_id: String,
) -> Result<GrantOffers, ShellError> {
    let request = inbox
        .request(&request_id)?
        .ok_or_else(|| format!("no request {request_id}"))?;
    Ok(inbox::grant_offers(&request))
}

/// Approves a request from its card and grants what `spec` says from now on. The surface is
/// the calling window's; the local API has no such method.
#[tauri::command]
pub fn inbox_approve_and_grant(
    window: WebviewWindow,
    inbox: State<'_, Inbox>,
    request_id: String,
    spec: GrantSpec,
) -> Result<GrantRecord, ShellError> {
    let surface = surface_of(&window)?;
    let (_, grant) = inbox.approve_and_grant(&request_id, spec, surface)?;
    Ok(grant)
}

/// The live grants, then the most recent past ones.
#[tauri::command]
pub fn grants_list(inbox: State<'_, Inbox>) -> Result<Vec<GrantRecord>, ShellError> {
    Ok(inbox.grants(GRANTS_LISTED)?)
}

/// How many grants a list shows at most: every live one, then past ones.
const GRANTS_LISTED: u32 = 200;

/// Revokes a live grant, as the calling window.
#[tauri::command]
pub fn grant_revoke(
    window: WebviewWindow,
    inbox: State<'_, Inbox>,
    grant_id: String,
) -> Result<(), ShellError> {
    let surface = surface_of(&window)?;
    inbox.revoke_grant(&grant_id, surface)?;
    Ok(())
}

/// The surface a window decides as; only the popover and the full window decide.
fn surface_of(window: &WebviewWindow) -> Result<Resolver, ShellError> {
    match window.label() {
        popover::LABEL => Ok(Resolver::Popover),
        window::LABEL => Ok(Resolver::Window),
        other => Err(format!("the window {other:?} cannot decide").into()),
    }
}

#[tauri::command]
pub fn popover_hide(app: AppHandle) {
    popover::hide(&app);
}

/// The popover reports its selection, which the approve/deny shortcuts act on.
#[tauri::command]
pub fn popover_select(selection: State<'_, Selection>, request_id: Option<String>) {
    selection.set(request_id);
}

/// The popover painted its first inbox data: logged as a start-up trace (bench/run reads it),
/// with the page's own clock reading of the frame (milliseconds since the Unix epoch), since
/// this call arrives a round trip later than the frame it reports.
#[tauri::command]
pub fn popover_painted(frame_at_ms: Option<f64>) {
    tracing::info!(frame_at_ms, "popover painted");
}

#[tauri::command]
pub fn window_open(app: AppHandle) -> Result<(), ShellError> {
    popover::hide(&app);
    Ok(window::open(&app)?)
}

#[tauri::command]
pub fn history_query(
    inbox: State<'_, Inbox>,
    query: HistoryQuery,
) -> Result<HistoryPage, ShellError> {
    Ok(inbox.history(&query)?)
}

/// Walks the whole chain (about half a second at 100,000 entries): off the main thread.
#[tauri::command]
pub async fn audit_verify(inbox: State<'_, Inbox>) -> Result<ChainReport, ShellError> {
    let inbox = inbox.inner().clone();
    Ok(tauri::async_runtime::spawn_blocking(move || inbox.verify_audit()).await??)
}

#[tauri::command]
pub fn settings_get(app: AppHandle, preferences: State<'_, Preferences>) -> Settings {
    preferences.get(&app)
}

#[tauri::command]
pub fn settings_set(app: AppHandle, settings: Settings) -> Result<Settings, ShellError> {
    Ok(preferences::set(&app, settings)?)
}

/// How the global shortcuts reach the app in this session (X11 keys, the desktop's portal,
/// or neither), in the person's words.
#[tauri::command]
pub fn shortcuts_status(shortcuts: State<'_, crate::shortcuts::Shortcuts>) -> ShortcutsStatus {
    shortcuts.status()
}

/// The remote peers Settings → Other machines turned away since the app started.
#[tauri::command]
pub fn remote_refusals(
    api: State<'_, crate::local_api::ApiSettings>,
) -> Vec<settings::RemoteRefusal> {
    api.refusals()
}

#[tauri::command]
pub fn jobs_overview(app: AppHandle) -> Result<JobsOverview, ShellError> {
    Ok(jobs::of(&app)?.overview()?)
}

/// Starts a job from the jobs file; returns the run id.
#[tauri::command]
pub fn job_run(app: AppHandle, job_id: String) -> Result<String, ShellError> {
    Ok(jobs::of(&app)?.run(&job_id)?)
}

/// What went wrong in this run that the person must know (problems.rs).
#[tauri::command]
pub fn problems_list(problems: State<'_, crate::problems::Problems>) -> Vec<String> {
    problems.list()
}
