import { SvelteSet } from "svelte/reactivity";
import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import type { BatchOutcome } from "../bindings/BatchOutcome";
import type { GrantSpec } from "../bindings/GrantSpec";
import { inboxDecideBatch } from "../bindings/commands";
import { errorMessage } from "../errors";
import { UNREAD_BATCH_REASON, keyApprovalRefusal, type KeyRefusal } from "./approvalGate";
import type { DecisionTracker } from "./decisionTracker.svelte";
import { QUESTION_TOOL } from "./questions";
import type { ReadingTracker } from "./readingTracker.svelte";

export interface ApprovalSessionOptions {
  /** The requests on screen, in the order shown. */
  requests: () => readonly ApprovalRequest[];
  decisions: DecisionTracker;
  reading: ReadingTracker;
  /**
   * Whether the first request counts as selected while none was chosen (or the chosen one
   * left): the popover's keys always have a request to act on.
   */
  selectFirst?: boolean;
  /** Whether requests can be marked and decided together. */
  batches?: boolean;
}

/**
 * The approval interaction of one view: which request is selected, which is being denied or
 * granted, which are marked, and what a person does to them. The list and its cards show it;
 * the view adds its keys.
 */
export class ApprovalSession {
  readonly decisions: DecisionTracker;
  readonly reading: ReadingTracker;
  readonly batches: boolean;
  readonly #requests: () => readonly ApprovalRequest[];
  readonly #selectFirst: boolean;

  // `.by`: read when first asked, after the constructor set what it reads.
  readonly requests = $derived.by(() => this.#requests());
  // Selection follows a request, not a position: a new, more urgent request appearing above
  // must not turn a pending `a` press into an approval of something else.
  #chosenId = $state<string | null>(null);
  readonly selected = $derived.by(
    () =>
      this.requests.find((r) => r.id === this.#chosenId) ??
      (this.#selectFirst ? this.requests[0] : undefined),
  );
  #denyingId = $state<string | null>(null);
  #grantingId = $state<string | null>(null);
  // Kept only while its request stays selected: the card says why the key did nothing.
  #keyRefusal = $state<KeyRefusal | null>(null);

  // Marks of requests that left the list are ignored (and dropped at the next change), so a
  // batch only ever names what is on screen.
  readonly markedIds = new SvelteSet<string>();
  readonly marked = $derived(this.requests.filter((r) => this.markedIds.has(r.id)));
  // A batch never approves a high-risk request, nor one whose details the person has not
  // seen whole: those are left for their own card.
  readonly markedHighRisk = $derived(this.marked.filter((r) => r.risk.level === "high").length);
  // Only the page knows what the person has seen: these are never sent for approval.
  readonly #unreadMarked = $derived(
    this.marked.filter((r) => r.risk.level !== "high" && !this.reading.wholeSeen(r)),
  );
  readonly markedUnread = $derived(this.#unreadMarked.length);
  readonly approvableCount = $derived(
    this.marked.length - this.markedHighRisk - this.markedUnread,
  );
  #batchBusy = $state(false);
  #batchError = $state<string | null>(null);
  #batchResult = $state<{ verb: string; outcome: BatchOutcome } | null>(null);

  constructor(options: ApprovalSessionOptions) {
    this.#requests = options.requests;
    this.decisions = options.decisions;
    this.reading = options.reading;
    this.#selectFirst = options.selectFirst ?? false;
    this.batches = options.batches ?? false;
  }

  get denyingId(): string | null {
    return this.#denyingId;
  }

  /** The request whose "allow from now on" form is open, if any. */
  get grantingId(): string | null {
    return this.#grantingId;
  }

  /** Whether a grant form is open on a request still on screen. */
  get grantFormOpen(): boolean {
    return this.requests.some((r) => r.id === this.#grantingId);
  }

  get keyRefusal(): KeyRefusal | null {
    return this.#keyRefusal;
  }

  get batchBusy(): boolean {
    return this.#batchBusy;
  }

  get batchError(): string | null {
    return this.#batchError;
  }

  get batchResult(): { verb: string; outcome: BatchOutcome } | null {
    return this.#batchResult;
  }

  /** Takes an id, not a request: the app may name one that has not arrived here yet. */
  select(requestId: string): void {
    this.#chosenId = requestId;
  }

  moveSelection(step: 1 | -1): void {
    const { selected, requests } = this;
    if (!selected) return;
    const index = requests.indexOf(selected) + step;
    const next = requests[Math.min(Math.max(index, 0), requests.length - 1)];
    if (next) this.#chosenId = next.id;
  }

  /**
   * The view saw the selection become `requestId`. A refusal belongs to the card it was said
   * on: coming back to it later says nothing until a key is refused again.
   */
  selectionMoved(requestId: string | undefined): void {
    if (this.#keyRefusal !== null && this.#keyRefusal.requestId !== requestId) {
      this.#keyRefusal = null;
    }
  }

  approve(request: ApprovalRequest): void {
    this.#chosenId = request.id;
    void this.decisions.submit(request.id, { verdict: "approve" });
  }

  // One key press never approves high risk, nor details the person has not seen whole: the
  // card says what to do instead.
  approveByKey(request: ApprovalRequest): void {
    if (keyApprovalRefusal(request, this.reading.wholeSeen(request)) === null) {
      this.approve(request);
    } else {
      this.refuseKey(request);
    }
  }

  refuseKey(request: ApprovalRequest): void {
    this.#chosenId = request.id;
    const last = this.#keyRefusal;
    const presses = last?.requestId === request.id ? last.presses + 1 : 1;
    this.#keyRefusal = { requestId: request.id, presses };
  }

  // Only from the request's own card: batches, "Deny all" and the keys never remember.
  approveRemembering(request: ApprovalRequest, choice: string): void {
    this.#chosenId = request.id;
    void this.decisions.submit(request.id, { verdict: "approve-remembering", choice });
  }

  answer(request: ApprovalRequest, answers: Record<string, string>): void {
    this.#chosenId = request.id;
    void this.decisions.submit(request.id, { verdict: "answer", answers });
  }

  startDeny(request: ApprovalRequest): void {
    this.#chosenId = request.id;
    this.#denyingId = request.id;
    this.#grantingId = null;
  }

  cancelDeny(): void {
    this.#denyingId = null;
  }

  deny(request: ApprovalRequest, reason: string | null): void {
    void this.decisions.submit(request.id, { verdict: "deny", reason });
  }

  toggleGrant(request: ApprovalRequest): void {
    this.#chosenId = request.id;
    this.#denyingId = null;
    this.#grantingId = this.#grantingId === request.id ? null : request.id;
  }

  closeGrant(): void {
    this.#grantingId = null;
  }

  // Only from the request's own card, as the person read it: batches, "Deny all" and the
  // keys never grant.
  approveAndGrant(request: ApprovalRequest, spec: GrantSpec): void {
    this.#chosenId = request.id;
    void this.decisions.submitWithGrant(request.id, spec);
  }

  toggleMark(request: ApprovalRequest): void {
    // A question is answered on its own card, never in a batch.
    if (!this.batches || request.action === QUESTION_TOOL) return;
    this.#dropStaleMarks();
    if (this.markedIds.has(request.id)) {
      this.markedIds.delete(request.id);
    } else {
      this.markedIds.add(request.id);
      this.#batchResult = null;
    }
    this.#batchError = null;
  }

  clearMarks(): void {
    this.markedIds.clear();
    this.#batchError = null;
  }

  async decideMarked(kind: "approve" | "deny"): Promise<void> {
    const marked = this.marked;
    if (this.#batchBusy || marked.length === 0) return;
    if (kind === "approve" && this.approvableCount === 0) return;
    // An unread request is told apart in the result like those the app refused. A high-risk
    // one goes to the app, which refuses it as high risk, as the button counted it.
    const unread = kind === "approve" ? this.#unreadMarked : [];
    const markedNow = marked.map((r) => r.id);
    const ids = marked.filter((r) => !unread.includes(r)).map((r) => r.id);
    this.#batchBusy = true;
    this.#batchError = null;
    this.#batchResult = null;
    try {
      const outcome = await inboxDecideBatch(
        ids,
        kind === "approve" ? { verdict: "approve" } : { verdict: "deny", reason: null },
      );
      for (const id of markedNow) this.markedIds.delete(id);
      const leftUnread = unread.map((r) => ({ id: r.id, reason: UNREAD_BATCH_REASON }));
      this.#batchResult = {
        verb: kind === "approve" ? "Approved" : "Denied",
        outcome: { ...outcome, refused: [...outcome.refused, ...leftUnread] },
      };
    } catch (error) {
      this.#batchError = errorMessage(error);
    } finally {
      this.#batchBusy = false;
    }
  }

  #dropStaleMarks(): void {
    const pendingIds = new Set(this.requests.map((r) => r.id));
    for (const id of this.markedIds) if (!pendingIds.has(id)) this.markedIds.delete(id);
  }
}
