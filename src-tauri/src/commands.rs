//! The commands the frontend may call (each window gets only its own, see capabilities/).

use converge_host::JobsOverview;
use inbox::{
    BatchOutcome, ChainReport, HistoryPage, HistoryQuery, Inbox, Resolver, Snapshot, Verdict,
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

/// The popover painted its first inbox data: logged as a start-up trace (bench/run reads it).
#[tauri::command]
pub fn popover_painted() {
    tracing::info!("popover painted");
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
