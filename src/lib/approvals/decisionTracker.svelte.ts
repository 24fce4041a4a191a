import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import type { GrantSpec } from "../bindings/GrantSpec";
import type { Verdict } from "../bindings/Verdict";
import { inboxApproveAndGrant, inboxDecide } from "../bindings/commands";
import { errorMessage } from "../errors";
import type { DecisionStatus } from "./decisionStatus";

/** The decisions this window sent, each kept until its request leaves the pending list. */
export class DecisionTracker {
  #statuses = $state<Record<string, DecisionStatus>>({});
  #pending: () => readonly ApprovalRequest[];

  /** `pending` gives the requests still pending; statuses of the others are dropped. */
  constructor(pending: () => readonly ApprovalRequest[]) {
    this.#pending = pending;
  }

  status(requestId: string): DecisionStatus | undefined {
    return this.#statuses[requestId];
  }

  /** Sends `verdict` unless a decision on the same request is already on its way or sent. */
  submit(requestId: string, verdict: Verdict): Promise<void> {
    return this.#send(requestId, () => inboxDecide(requestId, verdict));
  }

  /**
   * Approves the request and makes the grant `spec` picks, as one decision: unless a decision
   * on the same request is already on its way or sent. A refusal leaves neither made.
   */
  submitWithGrant(requestId: string, spec: GrantSpec): Promise<void> {
    return this.#send(requestId, () => inboxApproveAndGrant(requestId, spec));
  }

  async #send(requestId: string, send: () => Promise<unknown>): Promise<void> {
    const current = this.#statuses[requestId]?.state;
    if (current === "sending" || current === "sent") return;
    this.#forgetResolved();
    this.#statuses[requestId] = { state: "sending" };
    try {
      await send();
      this.#statuses[requestId] = { state: "sent" };
    } catch (error) {
      this.#statuses[requestId] = { state: "failed", message: errorMessage(error) };
    }
  }

  #forgetResolved(): void {
    const pendingIds = new Set(this.#pending().map((request) => request.id));
    for (const id of Object.keys(this.#statuses)) {
      if (!pendingIds.has(id)) delete this.#statuses[id];
    }
  }
}
