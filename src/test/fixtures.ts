// Test-only builders for inbox values; every field can be overridden.
import type { Agent } from "../lib/bindings/Agent";
import type { ApprovalRequest } from "../lib/bindings/ApprovalRequest";
import type { AuditEntry } from "../lib/bindings/AuditEntry";
import type { GrantRecord } from "../lib/bindings/GrantRecord";
import type { InboxEvent } from "../lib/bindings/InboxEvent";
import type { InboxEventKind } from "../lib/bindings/InboxEventKind";
import type { JobDefinition } from "../lib/bindings/JobDefinition";
import type { JobsOverview } from "../lib/bindings/JobsOverview";
import type { RunRecord } from "../lib/bindings/RunRecord";
import type { Settings } from "../lib/bindings/Settings";
import type { Snapshot } from "../lib/bindings/Snapshot";

/** A fixed "now" for tests: 2025-01-15 12:00:00 UTC. */
export const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);

export function makeAgent(overrides: Partial<Agent> & Pick<Agent, "id">): Agent {
  return {
    name: `agent ${overrides.id}`,
    kind: "claude-code",
    state: "working",
    activity: null,
    activity_at: null,
    last_seen: NOW,
    pending: 0,
    usage: null,
    estimated_cost_micro_usd: null,
    ...overrides,
  };
}

export function makeRequest(
  overrides: Partial<ApprovalRequest> & Pick<ApprovalRequest, "id">,
): ApprovalRequest {
  return {
    agent_id: "agent-1",
    action: "Bash",
    title: `request ${overrides.id}`,
    details: "ls -la",
    provenance: { pid: null, uid: null, exe: null, remote: null },
    created_at: NOW,
    deadline: NOW + 5 * 60 * 1000,
    on_timeout: "deny",
    idempotency_key: null,
    resolution: null,
    risk: { level: "low", rule: null },
    remember_choices: [],
    ...overrides,
  };
}

export function makeSnapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return { seq: 1, agents: [], pending: [], ...overrides };
}

export function makeEvent(seq: number, kind: InboxEventKind): InboxEvent {
  return { seq, kind };
}

export function created(seq: number, request: ApprovalRequest): InboxEvent {
  return makeEvent(seq, { type: "request-created", request });
}

export function resolved(seq: number, request: ApprovalRequest): InboxEvent {
  return makeEvent(seq, {
    type: "request-resolved",
    request: {
      ...request,
      resolution: {
        outcome: "approved",
        by: "popover",
        at: NOW,
        reason: null,
        remembered: null,
        grant: null,
      },
    },
  });
}

export function agentUpdated(seq: number, agent: Agent): InboxEvent {
  return makeEvent(seq, { type: "agent-updated", agent });
}

export function makeAuditEntry(
  overrides: Partial<AuditEntry> & Pick<AuditEntry, "seq">,
): AuditEntry {
  return {
    at: NOW,
    event: "requested",
    request_id: `req-${overrides.seq}`,
    agent_id: "agent-1",
    action: "Bash",
    title: `entry ${overrides.seq}`,
    details: "ls -la",
    requester: null,
    outcome: null,
    decided_by: null,
    reason: null,
    remembered: null,
    grant_id: null,
    risk_level: "low",
    risk_rule: null,
    batch: null,
    answers: null,
    device: null,
    prev_hash: "0".repeat(64),
    hash: "f".repeat(64),
    ...overrides,
  };
}

/** A grant made in the popover at NOW for an hour, live and not used yet. */
export function makeGrant(overrides: Partial<GrantRecord> & Pick<GrantRecord, "id">): GrantRecord {
  return {
    agent_id: "agent-1",
    project: null,
    what: { kind: "command-prefix", words: ["git", "status"] },
    action: "Bash",
    label: "Bash commands starting with `git status`",
    from_request: `req-${overrides.id}`,
    created_at: NOW,
    created_by: "popover",
    expires_at: NOW + 60 * 60 * 1000,
    until_session_end: false,
    ended_at: null,
    ended_by: null,
    uses: 0,
    ...overrides,
  };
}

/** The backend's defaults. */
export function makeSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    shortcuts: {
      toggle_popover: "ctrl+alt+shift+c",
      approve: "ctrl+alt+shift+a",
      deny: "ctrl+alt+shift+d",
      go_to_terminal: "ctrl+alt+shift+t",
      decision_keys: true,
    },
    default_timeout_secs: 300,
    default_on_timeout: "deny",
    notifications: { approvals: true, agent_finished: true, agent_failed: true },
    sounds: {
      approvals: true,
      agent_finished: false,
      quiet_hours: false,
      quiet_from: "22:00",
      quiet_until: "07:00",
    },
    start_at_login: false,
    remote: { accept: true, refused_hosts: [] },
    activity_kept_days: 30,
    prompt_only_agents: { deny_high_risk: false },
    phone: {
      escalate: "unanswered",
      unanswered_secs: 120,
      idle_minutes: 10,
      high_risk_approvable: false,
    },
    ...overrides,
  };
}

export function makeJob(
  overrides: Partial<JobDefinition> & Pick<JobDefinition, "id">,
): JobDefinition {
  return { name: `job ${overrides.id}`, pack: "expense", input: {}, ...overrides };
}

export function makeRun(overrides: Partial<RunRecord> & Pick<RunRecord, "id">): RunRecord {
  return {
    job: makeJob({ id: "job-1" }),
    state: "running",
    detail: null,
    started_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

export function makeJobsOverview(overrides: Partial<JobsOverview> = {}): JobsOverview {
  return { definitions: [], problem: null, runs: [], ...overrides };
}

/**
 * Details far too long for a card's box: `lines` lines of 58 bytes each, newline included
 * (1,500 of them are 87,000 bytes, "85 KB"); the last line says it is the last.
 */
export function longDetails(lines = 1500): string {
  const line = (n: number, text: string) => `line ${String(n).padStart(4, "0")} ${text}`;
  const body = Array.from({ length: lines - 1 }, (_, i) => line(i + 1, "x".repeat(47)));
  return [...body, line(lines, `the end ${"x".repeat(39)}`)].join("\n") + "\n";
}
