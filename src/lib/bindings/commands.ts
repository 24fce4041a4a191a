// Generated from crates/page-contract by crates/bindings. Do not edit.
import { invoke } from "@tauri-apps/api/core";
import type { BatchOutcome } from "./BatchOutcome";
import type { ChainReport } from "./ChainReport";
import type { GrantOffers } from "./GrantOffers";
import type { GrantRecord } from "./GrantRecord";
import type { GrantSpec } from "./GrantSpec";
import type { HistoryPage } from "./HistoryPage";
import type { HistoryQuery } from "./HistoryQuery";
import type { JobsOverview } from "./JobsOverview";
import type { PhoneStatus } from "./PhoneStatus";
import type { RemoteRefusal } from "./RemoteRefusal";
import type { Settings } from "./Settings";
import type { ShortcutsStatus } from "./ShortcutsStatus";
import type { Snapshot } from "./Snapshot";
import type { TerminalVisit } from "./TerminalVisit";
import type { Timeline } from "./Timeline";
import type { Verdict } from "./Verdict";

/**
 * The inbox as it is now: agents, pending requests, the glance.
 * Granted to: popover, window.
 */
export function inboxSnapshot(): Promise<Snapshot> {
  return invoke("inbox_snapshot");
}

/**
 * Decides a request. The backend records the surface from the calling window,
 * never from the caller's word.
 * Granted to: popover, window.
 */
export function inboxDecide(requestId: string, verdict: Verdict): Promise<void> {
  return invoke("inbox_decide", { requestId, verdict });
}

/**
 * Decides each request as `inboxDecide` does, in one call. High-risk requests are
 * never approved this way: they stay pending and come back in `refused`, as do
 * requests already decided or expired.
 * Granted to: popover, window.
 */
export function inboxDecideBatch(requestIds: Array<string>, verdict: Verdict): Promise<BatchOutcome> {
  return invoke("inbox_decide_batch", { requestIds, verdict });
}

/**
 * What the request's card offers to grant, narrowest first; nothing for a
 * high-risk request.
 * Granted to: popover, window.
 */
export function grantOffers(requestId: string): Promise<GrantOffers> {
  return invoke("grant_offers", { requestId });
}

/**
 * Approves the request and grants what `spec` picks from now on, in one step;
 * resolves to the grant, rejects with why not (and then neither happened).
 * Granted to: popover, window.
 */
export function inboxApproveAndGrant(requestId: string, spec: GrantSpec): Promise<GrantRecord> {
  return invoke("inbox_approve_and_grant", { requestId, spec });
}

/**
 * Every live grant, then the most recent past ones, each newest first.
 * Granted to: popover, window.
 */
export function grantsList(): Promise<Array<GrantRecord>> {
  return invoke("grants_list");
}

/**
 * Ends a live grant at once; rejects if it has ended or expired already.
 * Granted to: popover, window.
 */
export function grantRevoke(grantId: string): Promise<void> {
  return invoke("grant_revoke", { grantId });
}

/**
 * Takes agents off the agent lists; resolves to the ids taken off. Only an agent
 * with nothing pending that is not at work (idle, done, failed or gone) is taken
 * off: the others are left as they are, and the answer leaves them out. An agent
 * heard from again is listed again.
 * Granted to: popover, window.
 */
export function agentsRemove(agentIds: Array<string>): Promise<Array<string>> {
  return invoke("agents_remove", { agentIds });
}

/**
 * Hides the popover.
 * Granted to: popover.
 */
export function popoverHide(): Promise<void> {
  return invoke("popover_hide");
}

/**
 * Tells the app which request the approve/deny shortcuts act on, and whether the
 * person has seen all of it (its details fit on the card, or were opened): the
 * global approve key approves the selection only then.
 * Granted to: popover.
 */
export function popoverSelect(requestId: string | null, wholeSeen: boolean): Promise<void> {
  return invoke("popover_select", { requestId, wholeSeen });
}

/**
 * Tells the app the popover painted its first inbox data, and when by the page's
 * clock (the call itself arrives a round trip later); the app logs it.
 * Granted to: popover.
 */
export function popoverPainted(frameAtMs: number | null): Promise<void> {
  return invoke("popover_painted", { frameAtMs });
}

/**
 * Shows the full window (creating it if needed); the app hides the popover.
 * Granted to: popover.
 */
export function windowOpen(): Promise<void> {
  return invoke("window_open");
}

/**
 * Brings the person to the terminal where a request was asked, or where an agent
 * runs: switches tmux to the agent's pane and brings the terminal's window
 * forward. Once there (`arrived`) the app hides the popover; otherwise `problem`
 * says why not, and `done` what was done anyway.
 * Granted to: popover, window.
 */
export function terminalGo(requestId: string | null, agentId: string | null): Promise<TerminalVisit> {
  return invoke("terminal_go", { requestId, agentId });
}

/**
 * One page of the audit log, newest first.
 * Granted to: window.
 */
export function historyQuery(query: HistoryQuery): Promise<HistoryPage> {
  return invoke("history_query", { query });
}

/**
 * One page of an agent's timeline, newest first: what it reported and what it
 * asked. `before` is the last entry's time of the page before, or null for the
 * newest page.
 * Granted to: window.
 */
export function agentTimeline(agentId: string, before: number | null): Promise<Timeline> {
  return invoke("agent_timeline", { agentId, before });
}

/**
 * Checks the whole hash chain of the audit log.
 * Granted to: window.
 */
export function auditVerify(): Promise<ChainReport> {
  return invoke("audit_verify");
}

/**
 * The settings as applied.
 * Granted to: window.
 */
export function settingsGet(): Promise<Settings> {
  return invoke("settings_get");
}

/**
 * Applies all of `settings` or none of them; resolves to the settings as applied
 * (start at login as the OS has it), rejects with a message naming what was
 * refused.
 * Granted to: window.
 */
export function settingsSet(settings: Settings): Promise<Settings> {
  return invoke("settings_set", { settings });
}

/**
 * How the global shortcuts reach the app in this session, and what that means.
 * Granted to: window.
 */
export function shortcutsStatus(): Promise<ShortcutsStatus> {
  return invoke("shortcuts_status");
}

/**
 * The remote peers Settings → Other machines turned away since the app started.
 * Granted to: window.
 */
export function remoteRefusals(): Promise<Array<RemoteRefusal>> {
  return invoke("remote_refusals");
}

/**
 * The jobs the user can start, why the jobs file could not be used (if so), and
 * recent runs.
 * Granted to: window.
 */
export function jobsOverview(): Promise<JobsOverview> {
  return invoke("jobs_overview");
}

/**
 * Starts a job from the jobs file; resolves to the new run's id, rejects with why
 * not.
 * Granted to: window.
 */
export function jobRun(jobId: string): Promise<string> {
  return invoke("job_run", { jobId });
}

/**
 * What went wrong in this run that the person must know, oldest first, one
 * sentence each.
 * Granted to: window.
 */
export function problemsList(): Promise<Array<string>> {
  return invoke("problems_list");
}

/**
 * Phone as it is now (docs/phone.md).
 * Granted to: window.
 */
export function phoneStatus(): Promise<PhoneStatus> {
  return invoke("phone_status");
}

/**
 * Sets Phone up: signs in to `homeserver` as the app's own Matrix `account` with
 * `password` (used for this sign-in, never kept) and makes the encrypted room
 * with `person`. Rejects what is missing or malformed at once; how the sign-in
 * went comes as `phone://changed`.
 * Granted to: window.
 */
export function phoneSetUp(homeserver: string, account: string, password: string, person: string): Promise<void> {
  return invoke("phone_set_up", { homeserver, account, password, person });
}

/**
 * Asks the person's phone to compare emojis with the app.
 * Granted to: window.
 */
export function phoneVerify(): Promise<void> {
  return invoke("phone_verify");
}

/**
 * The person compared the emojis shown with their phone's: `matches` trusts that
 * phone's identity, anything else does not.
 * Granted to: window.
 */
export function phoneConfirm(matches: boolean): Promise<void> {
  return invoke("phone_confirm", { matches });
}

/**
 * Turns Phone off: ends the link, and forgets its session and keys.
 * Granted to: window.
 */
export function phoneTurnOff(): Promise<void> {
  return invoke("phone_turn_off");
}
