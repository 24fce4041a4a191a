import { describe, expect, it } from "vitest";
import type { Provenance } from "./bindings/Provenance";
import {
  convergeActionWords,
  isConvergeAgent,
  isDemoAgent,
  requesterText,
  shownAction,
} from "./inAppAgents";

const NO_PEER: Provenance = { pid: null, uid: null, exe: null, remote: null };

describe("convergeActionWords", () => {
  it.each([
    ["converge.promote:Proposals", "Promote the proposals"],
    ["converge.promote:Evaluations", "Promote the evaluations"],
    ["converge.promote:MarketSignals", "Promote the market signals"],
    ["converge.reject_all:Strategies", "Reject all the strategies"],
    ["converge.askHuman:LLMOutputs", "Ask human the LLM outputs"],
    ["converge.promote-now:seed-facts", "Promote now the seed facts"],
    // The host sends an empty key when it cannot find the proposal.
    ["converge.promote:", "Promote"],
    ["converge.promote", "Promote"],
  ])("puts %s into words: %s", (action, words) => {
    expect(convergeActionWords(action)).toBe(words);
  });

  it.each([
    "Bash",
    "mcp__github__create_issue",
    "converge.",
    "converge.promote:Proposals:again",
    "converge.promote:<b>x</b>",
    "xconverge.promote:Proposals",
    "converge.promote:Pro posals",
  ])("leaves %s as it came", (action) => {
    expect(convergeActionWords(action)).toBeNull();
  });
});

describe("shownAction", () => {
  it("puts a Converge job's action into words, keeping the id", () => {
    expect(shownAction("converge.promote:Proposals", true)).toEqual({
      text: "Promote the proposals",
      raw: "converge.promote:Proposals",
    });
  });

  it("keeps any other agent's action verbatim, even one shaped like a gate's", () => {
    expect(shownAction("Bash", false)).toEqual({ text: "Bash", raw: null });
    expect(shownAction("converge.promote:Proposals", false)).toEqual({
      text: "converge.promote:Proposals",
      raw: null,
    });
  });

  it("reveals hidden characters in an action shown verbatim", () => {
    expect(shownAction("Bash\u202E", false).text).toBe("Bash⟨U+202E⟩");
    expect(shownAction("converge.\u202Epromote", true)).toEqual({
      text: "converge.⟨U+202E⟩promote",
      raw: null,
    });
  });
});

describe("isConvergeAgent", () => {
  it("goes by the kind when known, else by the id the app gives its runs", () => {
    expect(isConvergeAgent("converge", "anything")).toBe(true);
    expect(isConvergeAgent("claude-code", "converge:run-1")).toBe(false);
    expect(isConvergeAgent(undefined, "converge:run-1")).toBe(true);
    expect(isConvergeAgent(undefined, "agent-1")).toBe(false);
  });
});

describe("isDemoAgent", () => {
  it("needs both the demo id and the demo name", () => {
    expect(isDemoAgent("demo-claude", "Demo · Claude Code (api)")).toBe(true);
    expect(isDemoAgent("demo-claude", "Claude Code (api)")).toBe(false);
    expect(isDemoAgent("claude", "Demo · Claude Code (api)")).toBe(false);
  });
});

describe("requesterText", () => {
  const external = { agentId: "agent-1", agentName: "script", agentKind: "script" } as const;
  const converge = { agentId: "converge:run-1", agentName: "Expense", agentKind: "converge" } as const;
  const demo = { agentId: "demo-codex", agentName: "Demo · Codex (web)", agentKind: "codex" } as const;

  it("names the process when the app could read it, whoever the agent says it is", () => {
    const provenance = { ...NO_PEER, pid: 4242, exe: "/usr/bin/node" };
    for (const agent of [external, converge, demo]) {
      expect(requesterText({ provenance, ...agent })).toBe("Requested by pid 4242 · /usr/bin/node");
    }
  });

  it("says the app's own agents made their requests", () => {
    expect(requesterText({ provenance: NO_PEER, ...converge })).toBe(
      "Requested by a Converge job in the app",
    );
    expect(requesterText({ provenance: NO_PEER, ...demo })).toBe("Example request (--demo)");
  });

  it("warns of any other request with no process", () => {
    expect(requesterText({ provenance: NO_PEER, ...external })).toBe("Requester not identified");
    expect(
      requesterText({ provenance: NO_PEER, ...external, agentName: "Demo · not one" }),
    ).toBe("Requester not identified");
  });

  it("never takes a forwarded request for the app's own", () => {
    const provenance = { ...NO_PEER, remote: "container" };
    expect(requesterText({ provenance, ...converge })).toBe("Requester not identified");
    expect(requesterText({ provenance, ...demo })).toBe("Requester not identified");
  });
});
