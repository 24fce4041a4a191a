// What stands between a person and an approval, the same in every window: only the person
// decides, knowingly. Details that do not fit their box are opened first; a high-risk request
// takes its card's Approve button and a confirmation, never a single key press.

import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import type { ActionView } from "./actionView";
import { QUESTION_TOOL } from "./questions";

/** Why Approve does nothing yet on a card whose details were not all seen. */
export const UNREAD_REASON = "Open the details before approving.";

/** Why a batch approval left a request whose details were not all seen as it was. */
export const UNREAD_BATCH_REASON = "details not opened: approve it from its own card";

/** What a key press that would approve an agent's questions says instead. */
export const QUESTION_KEY_NOTICE = "A question: pick an answer on its card.";

/** What a key press that would approve a high-risk request says instead. */
export const HIGH_RISK_KEY_NOTICE = "High risk: use its Approve button, then confirm.";

/** Whether approving from the card asks again, restating the action: a high-risk one does. */
export function needsConfirmation(request: ApprovalRequest): boolean {
  return request.risk.level === "high";
}

/** Key presses meant to approve a request that were refused, counted while it stays selected. */
export interface KeyRefusal {
  requestId: string;
  presses: number;
}

/**
 * What a single key press meant to approve `request` says instead of approving, or null when
 * it may approve. `wholeSeen`: whether the person could have seen all of its details.
 */
export function keyApprovalRefusal(request: ApprovalRequest, wholeSeen: boolean): string | null {
  // A question is never approved: its answer is picked on the card.
  if (request.action === QUESTION_TOOL) return QUESTION_KEY_NOTICE;
  // Opening comes first: until then even the card's own Approve button waits.
  if (!wholeSeen) return UNREAD_REASON;
  if (needsConfirmation(request)) return HIGH_RISK_KEY_NOTICE;
  return null;
}

/**
 * The action as the confirmation restates it: the command line, the file and what is done to
 * it, the MCP call, the host, or the details as they came. Agent text: shown as text only.
 */
export function actionSummary(view: ActionView, details: string): string {
  switch (view.kind) {
    case "shell":
      return view.command;
    case "edit":
      return `Edit ${view.path}`;
    case "write":
      return `Write ${view.path} (${view.bytes} ${view.bytes === 1 ? "byte" : "bytes"})`;
    case "mcp":
      return `MCP ${view.server} · ${view.tool}`;
    case "fetch":
      return `Connect to ${view.host}:${view.port} · ${view.url}`;
    case "plan":
      return view.markdown;
    case "raw":
      return details;
  }
}
