// The one module that talks to the Rust side. Everything else imports these typed
// functions, so the command and event names live here and nowhere else.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { BatchOutcome } from "./bindings/BatchOutcome";
import type { ChainReport } from "./bindings/ChainReport";
import { COMMAND, type Command, type Signatures } from "./bindings/commands";
import { EVENT, type AppEvent, type EventPayloads } from "./bindings/events";
import type { GrantOffers } from "./bindings/GrantOffers";
import type { GrantRecord } from "./bindings/GrantRecord";
import type { GrantSpec } from "./bindings/GrantSpec";
import type { HistoryPage } from "./bindings/HistoryPage";
import type { HistoryQuery } from "./bindings/HistoryQuery";
import type { InboxEvent } from "./bindings/InboxEvent";
import type { JobsOverview } from "./bindings/JobsOverview";
import type { RemoteRefusal } from "./bindings/RemoteRefusal";
import type { Settings } from "./bindings/Settings";
import type { ShortcutsStatus } from "./bindings/ShortcutsStatus";
import type { Snapshot } from "./bindings/Snapshot";
import type { TerminalVisit } from "./bindings/TerminalVisit";
import type { Timeline } from "./bindings/Timeline";
import type { Verdict } from "./bindings/Verdict";


/** Calls `handler` with the payload of each `event` the app pushes, typed from event_list.rs. */
function on<E extends AppEvent>(
  event: E,
  handler: (payload: EventPayloads[E]) => void,
): Promise<UnlistenFn> {
  return listen<EventPayloads[E]>(event, (e) => handler(e.payload));
}

/** What `command` answers, as the page sees it (a command that answers nothing resolves). */
type Answer<C extends Command> = Signatures[C]["answer"] extends null
  ? void
  : Signatures[C]["answer"];

/**
 * Calls `command` with the arguments command_list.rs names for it, typed from that list
 * (bindings/commands.ts): a command whose arguments or answer change in Rust fails here.
 */
function call<C extends Command>(
  command: C,
  ...args: Signatures[C]["args"] extends Record<string, never> ? [] : [Signatures[C]["args"]]
): Promise<Answer<C>> {
  return invoke<Answer<C>>(command, args[0]);
}

export function getSnapshot(): Promise<Snapshot> {
  return call(COMMAND.inboxSnapshot);
}

/** The backend records the surface from the calling window, never from the caller's word. */
export function decide(requestId: string, verdict: Verdict): Promise<void> {
  return call(COMMAND.inboxDecide, { requestId, verdict });
}

/**
 * Decides each request as `decide` does, in one call. High-risk requests are never approved
 * this way: they stay pending and come back in `refused`, as do requests already decided or
 * expired. The backend records the surface from the calling window, never from the caller's word.
 */
export function decideBatch(requestIds: string[], verdict: Verdict): Promise<BatchOutcome> {
  return call(COMMAND.inboxDecideBatch, { requestIds, verdict });
}

/** What the request's card offers to grant, narrowest first; nothing for a high-risk request. */
export function grantOffers(requestId: string): Promise<GrantOffers> {
  return call(COMMAND.grantOffers, { requestId });
}

/**
 * Approves the request and grants what `spec` picks from now on, in one step; resolves to the
 * grant, rejects with why not (and then neither happened). The backend records the surface
 * from the calling window, never from the caller's word.
 */
export function approveAndGrant(requestId: string, spec: GrantSpec): Promise<GrantRecord> {
  return call(COMMAND.inboxApproveAndGrant, { requestId, spec });
}

/** Every live grant, then the most recent past ones, each newest first. */
export function grantsList(): Promise<GrantRecord[]> {
  return call(COMMAND.grantsList);
}

/** Ends a live grant at once; rejects if it has ended or expired already. */
export function revokeGrant(grantId: string): Promise<void> {
  return call(COMMAND.grantRevoke, { grantId });
}

/**
 * Takes agents off the agent lists; resolves to the ids taken off. Only an agent with nothing
 * pending that is not at work (idle, done, failed or gone) is taken off: the others are left
 * as they are, and the answer leaves them out. An agent heard from again is listed again.
 */
export function removeAgents(agentIds: string[]): Promise<string[]> {
  return call(COMMAND.agentsRemove, { agentIds });
}

export function hidePopover(): Promise<void> {
  return call(COMMAND.popoverHide);
}

/**
 * Tells the backend which request the approve/deny shortcuts act on, and whether the
 * person has seen all of it (its details fit on the card, or were opened): the global
 * approve key approves the selection only then.
 */
export function reportSelection(requestId: string | null, wholeSeen: boolean): Promise<void> {
  return call(COMMAND.popoverSelect, { requestId, wholeSeen });
}

/** Shows the full window (creating it if needed); the backend hides the popover. */
export function openFullWindow(): Promise<void> {
  return call(COMMAND.windowOpen);
}

/** Whose terminal to go to: where a request was asked, or where an agent runs. */
export type TerminalOf = { requestId: string } | { agentId: string };

/**
 * Brings the person to the terminal `of` names: switches tmux to the agent's pane and brings
 * the terminal's window forward. Once there (`arrived`) the backend hides the popover;
 * otherwise `problem` says why not, and `done` what was done anyway.
 */
export function goToTerminal(of: TerminalOf): Promise<TerminalVisit> {
  return call(COMMAND.terminalGo, {
    requestId: "requestId" in of ? of.requestId : null,
    agentId: "agentId" in of ? of.agentId : null,
  });
}

/** One page of the audit log, newest first. */
export function historyQuery(query: HistoryQuery): Promise<HistoryPage> {
  return call(COMMAND.historyQuery, { query });
}

/**
 * One page of an agent's timeline, newest first: what it reported and what it asked. `before`
 * is the last entry's time of the page before, or null for the newest page.
 */
export function agentTimeline(agentId: string, before: number | null): Promise<Timeline> {
  return call(COMMAND.agentTimeline, { agentId, before });
}

/** Checks the whole hash chain of the audit log. */
export function auditVerify(): Promise<ChainReport> {
  return call(COMMAND.auditVerify);
}

/** How the global shortcuts reach the app in this session, and what that means. */
export function shortcutsStatus(): Promise<ShortcutsStatus> {
  return call(COMMAND.shortcutsStatus);
}

/** The remote peers Settings → Other machines turned away since the app started. */
export function remoteRefusals(): Promise<RemoteRefusal[]> {
  return call(COMMAND.remoteRefusals);
}

export function settingsGet(): Promise<Settings> {
  return call(COMMAND.settingsGet);
}

/**
 * Applies all of `settings` or none of them; resolves to the settings as applied (start at
 * login as the OS has it), rejects with a message naming what was refused.
 */
export function settingsSet(settings: Settings): Promise<Settings> {
  return call(COMMAND.settingsSet, { settings });
}

/**
 * Tells the app the popover painted its first inbox data, and when by the page's clock (the
 * call itself arrives a round trip later); the app logs it.
 */
export function reportPainted(frameAtMs: number = Date.now()): Promise<void> {
  return call(COMMAND.popoverPainted, { frameAtMs });
}

/** The jobs the user can start, why the jobs file could not be used (if so), and recent runs. */
export function jobsOverview(): Promise<JobsOverview> {
  return call(COMMAND.jobsOverview);
}

/** Starts a job from the jobs file; resolves to the new run's id, rejects with why not. */
export function runJob(jobId: string): Promise<string> {
  return call(COMMAND.jobRun, { jobId });
}

/** What went wrong in this run that the person must know, oldest first, one sentence each. */
export function listProblems(): Promise<string[]> {
  return call(COMMAND.problemsList);
}

/** Calls `handler` with each problem the app adds while it runs. */
export function onProblemAdded(handler: (message: string) => void): Promise<UnlistenFn> {
  return on(EVENT.problemAdded, handler);
}

/** Calls `onChange` with every remote peer turned away so far, at each new refusal. */
export function onRemoteRefused(
  onChange: (refusals: RemoteRefusal[]) => void,
): Promise<UnlistenFn> {
  return on(EVENT.remoteRefused, onChange);
}

/** Calls `onChange` with the applied settings whenever any window (or the tray) changes them. */
export function onSettingsChanged(onChange: (settings: Settings) => void): Promise<() => void> {
  return on(EVENT.settingsChanged, onChange);
}

/** Calls `onSelect` when the backend asks to show a request (a notification was clicked). */
export function onSelectRequest(onSelect: (requestId: string) => void): Promise<() => void> {
  return on(EVENT.popoverSelect, onSelect);
}

/**
 * The inbox as it was when the app built this window, if it handed one over (the popover's
 * first open then paints without waiting for its first round trip); read once.
 */
export function takeInitialSnapshot(): Snapshot | null {
  const handed = window as { __CONVERGE_TRAY_SNAPSHOT__?: Snapshot };
  const snapshot = handed.__CONVERGE_TRAY_SNAPSHOT__ ?? null;
  delete handed.__CONVERGE_TRAY_SNAPSHOT__;
  return snapshot;
}

/** Listens to inbox changes; resolves to a function that stops listening to both. */
export async function subscribe(
  onEvent: (event: InboxEvent) => void,
  onResync: (snapshot: Snapshot) => void,
): Promise<() => void> {
  // Both at once: each is a round trip to the app, and a first open waits for them.
  const [events, resyncs] = await Promise.allSettled([
    on(EVENT.inboxChanged, onEvent),
    on(EVENT.inboxResync, onResync),
  ]);
  if (events.status === "rejected" || resyncs.status === "rejected") {
    if (events.status === "fulfilled") events.value();
    if (resyncs.status === "fulfilled") resyncs.value();
    throw events.status === "rejected" ? events.reason : (resyncs as PromiseRejectedResult).reason;
  }
  return () => {
    events.value();
    resyncs.value();
  };
}
