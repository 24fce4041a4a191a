import { SvelteSet } from "svelte/reactivity";
import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import { measureRequest, type DetailsMeasure } from "./reading";

/**
 * What the person has seen of each pending request in this window: whether its details fit
 * its card's box, or were opened or scrolled through. One per window, held above the cards so
 * a card that is drawn again (the list reordered, another agent looked at) stays read.
 */
export class ReadingTracker {
  #read = new SvelteSet<string>();
  // Boxes the page itself measured as scrolling where the rule said they fit (a real layout
  // can be narrower than the rule assumes): those need opening too.
  #overflowing = new SvelteSet<string>();
  // A request never changes while pending, so its measure is worked out once.
  #measures = new WeakMap<ApprovalRequest, DetailsMeasure>();
  #pending: () => readonly ApprovalRequest[];

  /** `pending` gives the requests still pending; what was read of the others is dropped. */
  constructor(pending: () => readonly ApprovalRequest[]) {
    this.#pending = pending;
  }

  /** How big the request's details are and whether its box shows them whole, by the rule. */
  measure(request: ApprovalRequest): DetailsMeasure {
    let measure = this.#measures.get(request);
    if (measure === undefined) {
      measure = measureRequest(request);
      this.#measures.set(request, measure);
    }
    return measure;
  }

  /** Whether the card's box shows the whole of the details without scrolling. */
  fits(request: ApprovalRequest): boolean {
    return this.measure(request).fits && !this.#overflowing.has(request.id);
  }

  /** Whether the person has opened the details, or scrolled them through to the end. */
  isRead(requestId: string): boolean {
    return this.#read.has(requestId);
  }

  /** Whether the person could have seen all of the request: it may be approved only then. */
  wholeSeen(request: ApprovalRequest): boolean {
    return this.fits(request) || this.isRead(request.id);
  }

  /** The person opened the details in full, or scrolled through them to the end. */
  markRead(requestId: string): void {
    if (this.#read.has(requestId)) return;
    this.#forgetResolved();
    this.#read.add(requestId);
  }

  /**
   * The page measured the request's box as laid out now: whether it scrolls, whatever the
   * rule says. Measured again as the layout changes, so a passing one does not stick.
   */
  setOverflow(requestId: string, overflowing: boolean): void {
    if (this.#overflowing.has(requestId) === overflowing) return;
    this.#forgetResolved();
    if (overflowing) this.#overflowing.add(requestId);
    else this.#overflowing.delete(requestId);
  }

  #forgetResolved(): void {
    const pendingIds = new Set(this.#pending().map((request) => request.id));
    for (const set of [this.#read, this.#overflowing]) {
      for (const id of [...set]) if (!pendingIds.has(id)) set.delete(id);
    }
  }
}
