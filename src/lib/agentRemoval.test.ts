import { describe, expect, it } from "vitest";
import { makeAgent } from "../test/fixtures";
import { isRemovable, removableAgents } from "./agentRemoval";
import type { AgentState } from "./bindings/AgentState";

describe("agent removal", () => {
  it("removes an agent that is idle, done, failed or gone, with nothing pending", () => {
    const finished: AgentState[] = ["idle", "done", "error", "gone"];
    for (const state of finished) {
      expect(isRemovable(makeAgent({ id: state, state })), state).toBe(true);
    }
  });

  it("keeps an agent at work or waiting", () => {
    const busy: AgentState[] = ["working", "waiting-for-approval", "waiting-for-input"];
    for (const state of busy) {
      expect(isRemovable(makeAgent({ id: state, state })), state).toBe(false);
    }
  });

  it("keeps a finished agent that still has approvals pending", () => {
    expect(isRemovable(makeAgent({ id: "a", state: "done", pending: 1 }))).toBe(false);
  });

  it("picks the removable agents, in their order", () => {
    const agents = [
      makeAgent({ id: "gone", state: "gone" }),
      makeAgent({ id: "working", state: "working" }),
      makeAgent({ id: "asking", state: "idle", pending: 2 }),
      makeAgent({ id: "done", state: "done" }),
    ];

    expect(removableAgents(agents).map((agent) => agent.id)).toEqual(["gone", "done"]);
  });
});
