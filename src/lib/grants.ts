// How a grant reads wherever it is listed; shared so the popover and the window say it alike.
import type { AgentKind } from "./bindings/AgentKind";
import type { ApprovalRequest } from "./bindings/ApprovalRequest";
import type { GrantRecord } from "./bindings/GrantRecord";
import { QUESTION_TOOL } from "./approvals/questions";
import { isConvergeAgent } from "./inAppAgents";
import { RESOLVER_LABEL } from "./labels";
import { formatDateTime } from "./time";
import { revealHidden } from "./untrustedText";

/**
 * Whether a request's card offers "allow from now on", `agentKind` being its agent's kind
 * when known. A high-risk one is never granted, nor an agent's question; nor is a Converge job's gate: each one is a
 * decision of its own (a reimbursement, a plan), and a standing grant would approve the next
 * ones unseen.
 */
export function offersGrants(request: ApprovalRequest, agentKind: AgentKind | undefined): boolean {
  return (
    request.risk.level !== "high" &&
    request.action !== QUESTION_TOOL &&
    !isConvergeAgent(agentKind, request.agent_id)
  );
}

/**
 * Whether `grant` still approves anything at `now`. Expiry raises no event, so a list asks
 * this with its ticking clock rather than trusting the order it was fetched in.
 */
export function isLive(grant: GrantRecord, now: number): boolean {
  return grant.ended_at === null && now < grant.expires_at;
}

/** Whose requests it approves, and where: "claude in ~/shop · only in /home/me/shop". */
export function scopeText(agentName: string, project: string | null): string {
  // Both come from the agent (its name, its working directory): shown as text, hidden
  // characters revealed.
  const agent = revealHidden(agentName);
  return project === null ? agent : `${agent} · only in ${revealHidden(project)}`;
}

/** "12 min left", or "until the session ends" for one that lasts its agent's session. */
export function timeLeft(grant: GrantRecord, now: number): string {
  if (grant.until_session_end) return "until the session ends";
  // Rounded up, so the last seconds still read "1 min left" rather than "0 min left".
  const minutes = Math.max(1, Math.ceil((grant.expires_at - now) / 60_000));
  return `${minutes} min left`;
}

/** "approved 2 requests". */
export function usesText(uses: number): string {
  if (uses === 0) return "approved no requests";
  return `approved ${uses} ${uses === 1 ? "request" : "requests"}`;
}

/** "Made 15 Jan 2025, 12:00:00 through Popover". */
export function madeText(grant: GrantRecord): string {
  return `Made ${formatDateTime(grant.created_at)} through ${RESOLVER_LABEL[grant.created_by]}`;
}

/** How and when a grant that is no longer live stopped: revoked, with its session, or expired. */
export function endedText(grant: GrantRecord): string {
  if (grant.ended_at === null) return `Expired ${formatDateTime(grant.expires_at)}`;
  const at = formatDateTime(grant.ended_at);
  // The inbox ends a session's grants itself (as `system`) when their agent is gone.
  if (grant.ended_by === "system") return `Ended with its session ${at}`;
  if (grant.ended_by === null) return `Revoked ${at}`;
  return `Revoked ${at} through ${RESOLVER_LABEL[grant.ended_by]}`;
}
