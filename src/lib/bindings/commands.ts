// Generated from src-tauri/src/command_list.rs by crates/bindings. Do not edit.
import type { BatchOutcome } from "./BatchOutcome";
import type { ChainReport } from "./ChainReport";
import type { GrantOffers } from "./GrantOffers";
import type { GrantRecord } from "./GrantRecord";
import type { GrantSpec } from "./GrantSpec";
import type { HistoryPage } from "./HistoryPage";
import type { HistoryQuery } from "./HistoryQuery";
import type { JobsOverview } from "./JobsOverview";
import type { RemoteRefusal } from "./RemoteRefusal";
import type { Settings } from "./Settings";
import type { ShortcutsStatus } from "./ShortcutsStatus";
import type { Snapshot } from "./Snapshot";
import type { TerminalVisit } from "./TerminalVisit";
import type { Timeline } from "./Timeline";
import type { Verdict } from "./Verdict";

/** Every Tauri command the frontend may call, by its name in TypeScript. */
export const COMMAND = {
  /** Granted to: popover, window. */
  inboxSnapshot: "inbox_snapshot",
  /** Granted to: popover, window. */
  inboxDecide: "inbox_decide",
  /** Granted to: popover, window. */
  inboxDecideBatch: "inbox_decide_batch",
  /** Granted to: popover, window. */
  grantOffers: "grant_offers",
  /** Granted to: popover, window. */
  inboxApproveAndGrant: "inbox_approve_and_grant",
  /** Granted to: popover, window. */
  grantsList: "grants_list",
  /** Granted to: popover, window. */
  grantRevoke: "grant_revoke",
  /** Granted to: popover, window. */
  agentsRemove: "agents_remove",
  /** Granted to: popover. */
  popoverHide: "popover_hide",
  /** Granted to: popover. */
  popoverSelect: "popover_select",
  /** Granted to: popover. */
  popoverPainted: "popover_painted",
  /** Granted to: popover. */
  windowOpen: "window_open",
  /** Granted to: popover, window. */
  terminalGo: "terminal_go",
  /** Granted to: window. */
  historyQuery: "history_query",
  /** Granted to: window. */
  agentTimeline: "agent_timeline",
  /** Granted to: window. */
  auditVerify: "audit_verify",
  /** Granted to: window. */
  settingsGet: "settings_get",
  /** Granted to: window. */
  settingsSet: "settings_set",
  /** Granted to: window. */
  shortcutsStatus: "shortcuts_status",
  /** Granted to: window. */
  remoteRefusals: "remote_refusals",
  /** Granted to: window. */
  jobsOverview: "jobs_overview",
  /** Granted to: window. */
  jobRun: "job_run",
  /** Granted to: window. */
  problemsList: "problems_list",
} as const;

export type Command = (typeof COMMAND)[keyof typeof COMMAND];

/** Each command's arguments, named as the page passes them, and its answer. */
export type Signatures = {
  inbox_snapshot: { args: Record<string, never>; answer: Snapshot };
  inbox_decide: { args: { requestId: string; verdict: Verdict }; answer: null };
  inbox_decide_batch: { args: { requestIds: Array<string>; verdict: Verdict }; answer: BatchOutcome };
  grant_offers: { args: { requestId: string }; answer: GrantOffers };
  inbox_approve_and_grant: { args: { requestId: string; spec: GrantSpec }; answer: GrantRecord };
  grants_list: { args: Record<string, never>; answer: Array<GrantRecord> };
  grant_revoke: { args: { grantId: string }; answer: null };
  agents_remove: { args: { agentIds: Array<string> }; answer: Array<string> };
  popover_hide: { args: Record<string, never>; answer: null };
  popover_select: { args: { requestId: string | null; wholeSeen: boolean }; answer: null };
  popover_painted: { args: { frameAtMs: number | null }; answer: null };
  window_open: { args: Record<string, never>; answer: null };
  terminal_go: { args: { requestId: string | null; agentId: string | null }; answer: TerminalVisit };
  history_query: { args: { query: HistoryQuery }; answer: HistoryPage };
  agent_timeline: { args: { agentId: string; before: number | null }; answer: Timeline };
  audit_verify: { args: Record<string, never>; answer: ChainReport };
  settings_get: { args: Record<string, never>; answer: Settings };
  settings_set: { args: { settings: Settings }; answer: Settings };
  shortcuts_status: { args: Record<string, never>; answer: ShortcutsStatus };
  remote_refusals: { args: Record<string, never>; answer: Array<RemoteRefusal> };
  jobs_overview: { args: Record<string, never>; answer: JobsOverview };
  job_run: { args: { jobId: string }; answer: string };
  problems_list: { args: Record<string, never>; answer: Array<string> };
};
