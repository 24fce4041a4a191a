import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ApprovalRequest } from "../bindings/ApprovalRequest";
import type { GrantSpec } from "../bindings/GrantSpec";
import { inboxApproveAndGrant, inboxDecide, inboxDecideBatch } from "../bindings/commands";
import { InboxStore } from "../inboxStore.svelte";
import {
  NOW,
  created,
  longDetails,
  makeRequest,
  makeSnapshot,
  resolved,
} from "../../test/fixtures";
import { HIGH_RISK_KEY_NOTICE, UNREAD_BATCH_REASON, keyApprovalRefusal } from "./approvalGate";
import { ApprovalSession, type ApprovalSessionOptions } from "./approvalSession.svelte";
import { DecisionTracker } from "./decisionTracker.svelte";
import { QUESTION_TOOL } from "./questions";
import { ReadingTracker } from "./readingTracker.svelte";

vi.mock("../bindings/commands", () => ({
  inboxDecide: vi.fn(),
  inboxDecideBatch: vi.fn(),
  inboxApproveAndGrant: vi.fn(),
}));

beforeEach(() => {
  vi.mocked(inboxDecide).mockResolvedValue(undefined);
  vi.mocked(inboxDecideBatch).mockImplementation(async (requestIds) => ({
    decided: requestIds,
    refused: [],
  }));
});

afterEach(() => {
  vi.resetAllMocks();
});

// Listed by deadline: `soon` first, then `later`, then `last`.
const soon = makeRequest({ id: "soon", deadline: NOW + 60_000 });
const later = makeRequest({ id: "later", deadline: NOW + 120_000 });
const last = makeRequest({ id: "last", deadline: NOW + 180_000 });

function sessionOf(
  pending: ApprovalRequest[],
  options: Partial<Pick<ApprovalSessionOptions, "selectFirst" | "batches">> = {},
) {
  const inbox = new InboxStore();
  inbox.reset(makeSnapshot({ seq: 1, pending }));
  const session = new ApprovalSession({
    requests: () => inbox.pendingByUrgency,
    decisions: new DecisionTracker(() => inbox.pending),
    reading: new ReadingTracker(() => inbox.pending),
    ...options,
  });
  return { inbox, session };
}

describe("ApprovalSession's selection", () => {
  it("in the popover, is the first request until one is chosen, and follows the chosen one", () => {
    const { inbox, session } = sessionOf([later, last], { selectFirst: true });
    expect(session.selected?.id).toBe("later");

    session.select("last");
    // A more urgent request arriving above does not take the selection.
    inbox.apply(created(2, soon));
    expect(session.requests.map((r) => r.id)).toEqual(["soon", "later", "last"]);
    expect(session.selected?.id).toBe("last");

    // The chosen one decided elsewhere: back to the first.
    inbox.apply(resolved(3, last));
    expect(session.selected?.id).toBe("soon");
  });

  it("in the window, is nothing until a request is chosen, and nothing once it leaves", () => {
    const { inbox, session } = sessionOf([soon, later]);
    expect(session.selected).toBeUndefined();

    session.select("later");
    expect(session.selected?.id).toBe("later");

    inbox.apply(resolved(2, later));
    expect(session.selected).toBeUndefined();
  });

  it("may name a request that has not arrived yet, and holds it once it does", () => {
    const { inbox, session } = sessionOf([soon], { selectFirst: true });
    session.select("later");
    expect(session.selected?.id).toBe("soon");

    inbox.apply(created(2, later));
    expect(session.selected?.id).toBe("later");
  });

  it("moves one step at a time and stops at either end", () => {
    const { session } = sessionOf([soon, later, last], { selectFirst: true });
    session.moveSelection(-1);
    expect(session.selected?.id).toBe("soon");
    session.moveSelection(1);
    session.moveSelection(1);
    session.moveSelection(1);
    expect(session.selected?.id).toBe("last");
  });

  it("goes to the card acted on, except for a deny sent", () => {
    const { session } = sessionOf([soon, later, last]);
    session.approve(later);
    expect(session.selected?.id).toBe("later");
    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("later", { verdict: "approve" });

    session.deny(last, "not now");
    expect(session.selected?.id).toBe("later");
    expect(inboxDecide).toHaveBeenLastCalledWith("last", { verdict: "deny", reason: "not now" });

    session.approveRemembering(soon, "always ls");
    expect(session.selected?.id).toBe("soon");
    expect(inboxDecide).toHaveBeenLastCalledWith("soon", {
      verdict: "approve-remembering",
      choice: "always ls",
    });
  });

  it("goes to the card whose answers or grant are sent", () => {
    const { session } = sessionOf([soon, later]);
    session.answer(later, { "Which one?": "B" });
    expect(session.selected?.id).toBe("later");
    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("later", {
      verdict: "answer",
      answers: { "Which one?": "B" },
    });

    const spec: GrantSpec = {
      what: { kind: "this-action" },
      in_project: false,
      duration: "hour",
    };
    session.approveAndGrant(soon, spec);
    expect(session.selected?.id).toBe("soon");
    expect(inboxApproveAndGrant).toHaveBeenCalledExactlyOnceWith("soon", spec);
  });
});

describe("ApprovalSession's deny and grant forms", () => {
  it("opens one form at a time: a deny closes the grant form, a grant form the deny", () => {
    const { session } = sessionOf([soon, later]);
    session.toggleGrant(soon);
    expect(session.grantingId).toBe("soon");

    session.startDeny(later);
    expect(session.denyingId).toBe("later");
    expect(session.grantingId).toBeNull();
    expect(session.selected?.id).toBe("later");

    session.toggleGrant(later);
    expect(session.denyingId).toBeNull();
    expect(session.grantingId).toBe("later");

    session.toggleGrant(later);
    expect(session.grantingId).toBeNull();
  });

  it("cancels a deny without moving the selection", () => {
    const { session } = sessionOf([soon, later]);
    session.startDeny(later);
    session.cancelDeny();
    expect(session.denyingId).toBeNull();
    expect(session.selected?.id).toBe("later");
  });

  it("counts a grant form as open only while its request is on screen", () => {
    const { inbox, session } = sessionOf([soon, later]);
    session.toggleGrant(later);
    expect(session.grantFormOpen).toBe(true);

    inbox.apply(resolved(2, later));
    expect(session.grantFormOpen).toBe(false);

    session.toggleGrant(soon);
    session.closeGrant();
    expect(session.grantingId).toBeNull();
  });
});

describe("ApprovalSession's keys", () => {
  it("approves by key only what may be approved by one press", () => {
    const { session } = sessionOf([soon]);
    session.approveByKey(soon);
    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("soon", { verdict: "approve" });
    expect(session.keyRefusal).toBeNull();
  });

  it("refuses a high-risk request by key, counting the presses on it", () => {
    const risky = makeRequest({ id: "risky", risk: { level: "high", rule: "rm -rf" } });
    const { session } = sessionOf([soon, risky]);
    expect(keyApprovalRefusal(risky, true)).toBe(HIGH_RISK_KEY_NOTICE);

    session.approveByKey(risky);
    session.approveByKey(risky);
    expect(inboxDecide).not.toHaveBeenCalled();
    expect(session.selected?.id).toBe("risky");
    expect(session.keyRefusal).toEqual({ requestId: "risky", presses: 2 });
  });

  it("refuses by key details not seen whole, and a question", () => {
    const long = makeRequest({ id: "long", details: longDetails() });
    const question = makeRequest({ id: "question", action: QUESTION_TOOL });
    const { session } = sessionOf([long, question]);

    session.approveByKey(long);
    expect(session.keyRefusal).toEqual({ requestId: "long", presses: 1 });
    session.approveByKey(question);
    expect(session.keyRefusal).toEqual({ requestId: "question", presses: 1 });

    session.reading.markRead("long");
    session.approveByKey(long);
    expect(inboxDecide).toHaveBeenCalledExactlyOnceWith("long", { verdict: "approve" });
  });

  it("forgets a refusal once the selection moves to another card", () => {
    const risky = makeRequest({ id: "risky", risk: { level: "high", rule: null } });
    const { session } = sessionOf([soon, risky]);
    session.refuseKey(risky);

    session.selectionMoved("risky");
    expect(session.keyRefusal).toEqual({ requestId: "risky", presses: 1 });

    session.selectionMoved("soon");
    expect(session.keyRefusal).toBeNull();
    session.refuseKey(risky);
    expect(session.keyRefusal).toEqual({ requestId: "risky", presses: 1 });
  });
});

describe("ApprovalSession's marks", () => {
  it("marks nothing where there are no batches", () => {
    const { session } = sessionOf([soon]);
    session.toggleMark(soon);
    expect(session.marked).toEqual([]);
  });

  it("never marks a question", () => {
    const question = makeRequest({ id: "question", action: QUESTION_TOOL });
    const { session } = sessionOf([question], { batches: true });
    session.toggleMark(question);
    expect(session.marked).toEqual([]);
  });

  it("counts only marks of requests on screen, and drops the others at the next change", () => {
    const { inbox, session } = sessionOf([soon, later, last], { batches: true });
    session.toggleMark(soon);
    session.toggleMark(later);
    session.toggleMark(later);
    session.toggleMark(last);
    expect(session.marked.map((r) => r.id)).toEqual(["soon", "last"]);

    inbox.apply(resolved(2, soon));
    expect(session.marked.map((r) => r.id)).toEqual(["last"]);
    expect(session.markedIds.has("soon")).toBe(true);

    session.toggleMark(later);
    expect([...session.markedIds].sort()).toEqual(["last", "later"]);
  });

  it("approves together only what was seen whole and is not high risk", async () => {
    const long = makeRequest({ id: "long", details: longDetails() });
    const risky = makeRequest({ id: "risky", risk: { level: "high", rule: null } });
    vi.mocked(inboxDecideBatch).mockResolvedValue({
      decided: ["soon"],
      refused: [{ id: "risky", reason: "high risk" }],
    });
    const { session } = sessionOf([soon, long, risky], { batches: true });
    for (const request of [soon, long, risky]) session.toggleMark(request);
    expect(session.markedHighRisk).toBe(1);
    expect(session.markedUnread).toBe(1);
    expect(session.approvableCount).toBe(1);

    await session.decideMarked("approve");

    // The high-risk one goes to the app, which refuses it; the unread one is never sent.
    expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["soon", "risky"], {
      verdict: "approve",
    });
    expect(session.marked).toEqual([]);
    expect(session.batchResult).toEqual({
      verb: "Approved",
      outcome: {
        decided: ["soon"],
        refused: [
          { id: "risky", reason: "high risk" },
          { id: "long", reason: UNREAD_BATCH_REASON },
        ],
      },
    });
  });

  it("sends no approval when nothing marked may be approved", async () => {
    const risky = makeRequest({ id: "risky", risk: { level: "high", rule: null } });
    const { session } = sessionOf([risky], { batches: true });
    session.toggleMark(risky);
    await session.decideMarked("approve");
    expect(inboxDecideBatch).not.toHaveBeenCalled();

    await session.decideMarked("deny");
    expect(inboxDecideBatch).toHaveBeenCalledExactlyOnceWith(["risky"], {
      verdict: "deny",
      reason: null,
    });
    expect(session.batchResult?.verb).toBe("Denied");
  });

  it("keeps the marks when a batch fails, and clears the error on the next change", async () => {
    vi.mocked(inboxDecideBatch).mockRejectedValue(new Error("the app is away"));
    const { session } = sessionOf([soon, later], { batches: true });
    session.toggleMark(soon);

    const sending = session.decideMarked("deny");
    expect(session.batchBusy).toBe(true);
    await sending;

    expect(session.batchBusy).toBe(false);
    expect(session.batchError).toBe("the app is away");
    expect(session.marked.map((r) => r.id)).toEqual(["soon"]);

    session.toggleMark(later);
    expect(session.batchError).toBeNull();
    session.toggleMark(later);
    session.clearMarks();
    expect(session.marked).toEqual([]);
  });

  it("forgets the last batch's result when a request is marked again", async () => {
    vi.mocked(inboxDecideBatch).mockResolvedValue({
      decided: [],
      refused: [{ id: "soon", reason: "expired" }],
    });
    const { session } = sessionOf([soon, later], { batches: true });
    session.toggleMark(soon);
    await session.decideMarked("deny");
    expect(session.batchResult).not.toBeNull();

    session.toggleMark(later);
    session.toggleMark(later);
    expect(session.batchResult).toBeNull();
  });
});
