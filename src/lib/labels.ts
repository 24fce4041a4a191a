// How the backend's enum values read in the UI; shared so every view names things alike.
import { QUESTION_TOOL } from "./approvals/questions";
import type { AgentKind } from "./bindings/AgentKind";
import type { AgentState } from "./bindings/AgentState";
import type { AuditEvent } from "./bindings/AuditEvent";
import type { GrantFor } from "./bindings/GrantFor";
import type { OnTimeout } from "./bindings/OnTimeout";
import type { Outcome } from "./bindings/Outcome";
import type { Resolver } from "./bindings/Resolver";
import type { RiskLevel } from "./bindings/RiskLevel";
import type { RunState } from "./bindings/RunState";
import type { TimelineWhat } from "./bindings/TimelineWhat";

export const AGENT_STATE_LABEL: Record<AgentState, string> = {
  idle: "Idle",
  working: "Working",
  "waiting-for-approval": "Waiting for approval",
  "waiting-for-input": "Waiting for input",
  done: "Done",
  error: "Error",
  gone: "Gone",
};

export const RUN_STATE_LABEL: Record<RunState, string> = {
  running: "Running",
  paused: "Waiting for approval",
  converged: "Converged",
  rejected: "Rejected",
  failed: "Failed",
  "budget-exhausted": "Budget exhausted",
  interrupted: "Interrupted",
};

export const AGENT_KIND_LABEL: Record<AgentKind, string> = {
  converge: "Converge",
  "claude-code": "Claude Code",
  codex: "Codex",
  script: "Script",
  other: "Other",
};

export const OUTCOME_LABEL: Record<Outcome, string> = {
  approved: "Approved",
  denied: "Denied",
  "timed-out": "Timed out",
  cancelled: "Cancelled",
};

/** Low risk is the ordinary case and gets no badge: only what deserves a second look is marked. */
export const RISK_LABEL: Record<RiskLevel, string | null> = {
  low: null,
  medium: "Medium risk",
  high: "High risk",
};

/** "High risk · deletes files recursively": a level worth a badge, with the rule that set it. */
export function riskText(level: RiskLevel, rule: string | null): string | null {
  const label = RISK_LABEL[level];
  if (label === null) return null;
  return rule === null ? label : `${label} · ${rule}`;
}

export const AUDIT_EVENT_LABEL: Record<AuditEvent, string> = {
  requested: "Requested",
  resolved: "Resolved",
  "grant-made": "Grant made",
  "grant-ended": "Grant ended",
};

export const RESOLVER_LABEL: Record<Resolver, string> = {
  popover: "Popover",
  window: "Full window",
  shortcut: "Keyboard shortcut",
  notification: "Notification",
  policy: "your rule",
  timeout: "Timeout",
  requester: "Requester",
  system: "System",
  grant: "Grant",
  phone: "Phone",
};

export const ON_TIMEOUT_LABEL: Record<OnTimeout, string> = {
  deny: "Deny the request",
  fallback: "Let the requester fall back to its own prompt",
};

/** Worded to end the card's sentence: "… from claude for 1 hour without asking." */
export const GRANT_FOR_LABEL: Record<GrantFor, string> = {
  "quarter-hour": "for 15 minutes",
  hour: "for 1 hour",
  session: "until this session ends",
};

/** The action of a plan handed over for approval (Claude Code's ExitPlanMode). */
const PLAN_TOOL = "ExitPlanMode";

/**
 * How an agent's timeline names a moment: what it reported ("Working", "Done"), what it asked
 * ("Question", "Plan", "Asked" for an approval) and how that ended ("Approved by popover",
 * "Answered by notification", "Timed out").
 */
export function timelineLabel(what: TimelineWhat): string {
  switch (what.kind) {
    case "reported":
      return what.state === null ? "Reported" : AGENT_STATE_LABEL[what.state];
    case "asked":
      if (what.action === QUESTION_TOOL) return "Question";
      return what.action === PLAN_TOOL ? "Plan" : "Asked";
    case "resolved": {
      if (what.outcome === "timed-out") return OUTCOME_LABEL[what.outcome];
      // No person saw a request a grant approved.
      if (what.by === "grant") return "Approved by a grant";
      const verb =
        what.outcome === "approved" && what.action === QUESTION_TOOL
          ? "Answered"
          : OUTCOME_LABEL[what.outcome];
      return `${verb} by ${RESOLVER_LABEL[what.by].toLowerCase()}`;
    }
  }
}
