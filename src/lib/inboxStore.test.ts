import { describe, expect, it, vi } from "vitest";
import {
  NOW,
  agentUpdated,
  created,
  makeAgent,
  makeEvent,
  makeRequest,
  makeSnapshot,
  resolved,
} from "../test/fixtures";
import { InboxStore } from "./inboxStore.svelte";

function ids(items: readonly { id: string }[]): string[] {
  return items.map((item) => item.id);
}

describe("InboxStore", () => {
  it("loads a snapshot", () => {
    const store = new InboxStore();
    expect(store.loaded).toBe(false);

    store.reset(makeSnapshot({ agents: [makeAgent({ id: "a" })], pending: [makeRequest({ id: "r" })] }));

    expect(store.loaded).toBe(true);
    expect(ids(store.agents)).toEqual(["a"]);
    expect(ids(store.pending)).toEqual(["r"]);
  });

  it("adds created requests, removes resolved ones and updates agents", () => {
    const store = new InboxStore();
    const first = makeRequest({ id: "r1" });
    store.reset(makeSnapshot({ seq: 10, pending: [first], agents: [makeAgent({ id: "a" })] }));

    store.apply(created(11, makeRequest({ id: "r2" })));
    store.apply(resolved(12, first));
    store.apply(agentUpdated(13, makeAgent({ id: "a", name: "renamed" })));
    store.apply(agentUpdated(14, makeAgent({ id: "b" })));

    expect(ids(store.pending)).toEqual(["r2"]);
    expect(store.agents.map((agent) => agent.name)).toEqual(["renamed", "agent b"]);
  });

  it("drops removed agents, and lists one again once it is heard from", () => {
    const store = new InboxStore();
    const done = makeAgent({ id: "done", state: "done" });
    const agents = [done, makeAgent({ id: "gone", state: "gone" }), makeAgent({ id: "busy" })];
    store.reset(makeSnapshot({ seq: 10, agents }));

    store.apply(makeEvent(11, { type: "agents-removed", ids: ["done", "gone", "unknown"] }));
    expect(ids(store.agents)).toEqual(["busy"]);
    expect(ids(store.agentsByAttention)).toEqual(["busy"]);

    store.apply(agentUpdated(12, { ...done, state: "working" }));
    expect(ids(store.agents)).toEqual(["busy", "done"]);
  });

  it("ignores events already covered by its seq", () => {
    const store = new InboxStore();
    store.reset(makeSnapshot({ seq: 10 }));

    store.apply(created(10, makeRequest({ id: "stale" })));
    store.apply(created(3, makeRequest({ id: "older" })));
    store.apply(created(11, makeRequest({ id: "fresh" })));
    store.apply(created(11, makeRequest({ id: "duplicate-seq" })));

    expect(ids(store.pending)).toEqual(["fresh"]);
  });

  it("replaces everything on resync", () => {
    const store = new InboxStore();
    store.reset(makeSnapshot({ seq: 5, pending: [makeRequest({ id: "old" })] }));

    store.reset(makeSnapshot({ seq: 20, pending: [makeRequest({ id: "new" })] }));
    store.apply(created(20, makeRequest({ id: "covered-by-resync" })));

    expect(ids(store.pending)).toEqual(["new"]);
  });

  it("keeps a newer resync when an older snapshot arrives after it", () => {
    const store = new InboxStore();
    store.reset(makeSnapshot({ seq: 20, pending: [makeRequest({ id: "new" })] }));

    store.reset(makeSnapshot({ seq: 19, pending: [makeRequest({ id: "old" })] }));

    expect(ids(store.pending)).toEqual(["new"]);
  });

  it("holds events that arrive before the first snapshot and replays the newer ones", () => {
    const store = new InboxStore();
    store.apply(created(4, makeRequest({ id: "in-snapshot-already" })));
    store.apply(created(6, makeRequest({ id: "after-snapshot" })));
    expect(store.pending).toEqual([]);

    store.reset(makeSnapshot({ seq: 5, pending: [makeRequest({ id: "in-snapshot-already" })] }));

    expect(ids(store.pending)).toEqual(["in-snapshot-already", "after-snapshot"]);
  });

  it("leaves problems to the backend's notification", () => {
    const store = new InboxStore();
    const listener = vi.fn();
    store.onRequestsChanged(listener);
    store.reset(makeSnapshot({ seq: 1, pending: [makeRequest({ id: "r" })] }));

    store.apply(makeEvent(2, { type: "problem", message: "the database was changed" }));
    store.apply(created(2, makeRequest({ id: "covered-by-problem" })));

    expect(ids(store.pending)).toEqual(["r"]);
    expect(listener).not.toHaveBeenCalled();
  });

  it("does not list a created request that is already resolved", () => {
    const store = new InboxStore();
    store.reset(makeSnapshot({ seq: 1 }));
    const resolution = {
      outcome: "approved",
      by: "policy",
      at: NOW,
      reason: null,
      remembered: null,
      grant: null,
    } as const;

    store.apply(created(2, makeRequest({ id: "done", resolution })));

    expect(store.pending).toEqual([]);
  });

  it("sorts pending requests by earliest deadline", () => {
    const store = new InboxStore();
    store.reset(
      makeSnapshot({
        pending: [
          makeRequest({ id: "later", deadline: NOW + 60_000 }),
          makeRequest({ id: "sooner", deadline: NOW + 10_000 }),
          makeRequest({ id: "latest", deadline: NOW + 600_000 }),
        ],
      }),
    );

    expect(ids(store.pendingByUrgency)).toEqual(["sooner", "later", "latest"]);

    store.apply(created(2, makeRequest({ id: "most-urgent", deadline: NOW + 1000 })));

    expect(ids(store.pendingByUrgency)).toEqual(["most-urgent", "sooner", "later", "latest"]);
  });

  it("sorts agents: waiting for approval, then working, then the rest, each by last seen", () => {
    const store = new InboxStore();
    store.reset(
      makeSnapshot({
        agents: [
          makeAgent({ id: "idle-recent", state: "idle", last_seen: NOW }),
          makeAgent({ id: "working-old", state: "working", last_seen: NOW - 60_000 }),
          makeAgent({ id: "waiting", state: "waiting-for-approval", last_seen: NOW - 600_000 }),
          makeAgent({ id: "working-new", state: "working", last_seen: NOW - 1000 }),
          makeAgent({ id: "gone", state: "gone", last_seen: NOW - 900_000 }),
        ],
      }),
    );

    expect(ids(store.agentsByAttention)).toEqual([
      "waiting",
      "working-new",
      "working-old",
      "idle-recent",
      "gone",
    ]);
  });

  it("tells listeners when requests change or a resync may have changed them", () => {
    const store = new InboxStore();
    const listener = vi.fn();
    const stop = store.onRequestsChanged(listener);
    const request = makeRequest({ id: "r" });

    store.reset(makeSnapshot({ seq: 1 }));
    expect(listener).not.toHaveBeenCalled();

    store.apply(agentUpdated(2, makeAgent({ id: "a" })));
    expect(listener).not.toHaveBeenCalled();
    store.apply(created(3, request));
    store.apply(resolved(4, request));
    store.apply(resolved(4, request));
    expect(listener).toHaveBeenCalledTimes(2);
    store.reset(makeSnapshot({ seq: 10 }));
    expect(listener).toHaveBeenCalledTimes(3);

    stop();
    store.apply(created(11, makeRequest({ id: "later" })));
    expect(listener).toHaveBeenCalledTimes(3);
  });

  it("shows a snapshot handed over at creation, and takes the first fetch as a first load", () => {
    const store = new InboxStore();
    const onResync = vi.fn();
    store.onResync(onResync);

    store.seed(makeSnapshot({ seq: 5, pending: [makeRequest({ id: "handed" })] }));
    expect(store.loaded).toBe(true);
    expect(ids(store.pending)).toEqual(["handed"]);

    // Decided meanwhile: the fetch after subscribing has it gone; no resync is announced.
    store.reset(makeSnapshot({ seq: 7, pending: [] }));
    expect(store.pending).toEqual([]);
    expect(onResync).not.toHaveBeenCalled();

    // Later snapshots are resyncs again, and a second seed changes nothing.
    store.seed(makeSnapshot({ seq: 8, pending: [makeRequest({ id: "late seed" })] }));
    expect(store.pending).toEqual([]);
    store.reset(makeSnapshot({ seq: 9 }));
    expect(onResync).toHaveBeenCalledOnce();
  });

  it("tells listeners which agent an event updated, and when a resync replaced them all", () => {
    const store = new InboxStore();
    const onAgent = vi.fn();
    const onResync = vi.fn();
    const stopAgents = store.onAgentUpdated(onAgent);
    const stopResyncs = store.onResync(onResync);
    const early = makeAgent({ id: "early", kind: "converge" });
    const renamed = makeAgent({ id: "a", name: "renamed" });

    store.apply(agentUpdated(2, early));
    expect(onAgent).not.toHaveBeenCalled();
    store.reset(makeSnapshot({ seq: 1, agents: [makeAgent({ id: "a" })] }));
    expect(onAgent.mock.calls).toEqual([[early]]);
    expect(onResync).not.toHaveBeenCalled();

    store.apply(created(3, makeRequest({ id: "r" })));
    store.apply(agentUpdated(4, renamed));
    store.apply(agentUpdated(4, makeAgent({ id: "a", name: "stale" })));
    expect(onAgent.mock.calls).toEqual([[early], [renamed]]);
    store.reset(makeSnapshot({ seq: 10 }));
    expect(onResync).toHaveBeenCalledOnce();

    stopAgents();
    stopResyncs();
    store.apply(agentUpdated(11, makeAgent({ id: "b" })));
    store.reset(makeSnapshot({ seq: 20 }));
    expect(onAgent).toHaveBeenCalledTimes(2);
    expect(onResync).toHaveBeenCalledOnce();
  });

  it("tells listeners when grants changed, or a resync may have changed them", () => {
    const store = new InboxStore();
    const onGrants = vi.fn();
    const onRequests = vi.fn();
    const stop = store.onGrantsChanged(onGrants);
    store.onRequestsChanged(onRequests);

    store.apply(makeEvent(2, { type: "grants-changed" }));
    store.reset(makeSnapshot({ seq: 1 }));
    expect(onGrants).toHaveBeenCalledOnce();

    store.apply(makeEvent(3, { type: "grants-changed" }));
    store.apply(makeEvent(3, { type: "grants-changed" }));
    store.apply(created(4, makeRequest({ id: "r" })));
    expect(onGrants).toHaveBeenCalledTimes(2);
    expect(onRequests).toHaveBeenCalledOnce();
    store.reset(makeSnapshot({ seq: 10 }));
    expect(onGrants).toHaveBeenCalledTimes(3);

    stop();
    store.apply(makeEvent(11, { type: "grants-changed" }));
    expect(onGrants).toHaveBeenCalledTimes(3);
  });
});
