// Generated from src-tauri/src/command_list.rs by crates/bindings. Do not edit.

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
  /** Granted to: popover. */
  popoverHide: "popover_hide",
  /** Granted to: popover. */
  popoverSelect: "popover_select",
  /** Granted to: popover. */
  popoverPainted: "popover_painted",
  /** Granted to: popover. */
  windowOpen: "window_open",
  /** Granted to: window. */
  historyQuery: "history_query",
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
