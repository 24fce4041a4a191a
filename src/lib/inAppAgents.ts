// Agents the app runs itself, told apart from the programs that connect to it: the Converge
// jobs it hosts (docs/converge.md) and the example agents of `--demo` (src-tauri/src/demo.rs).
// Their requests carry no peer to identify, and a Converge gate's action is an id made for
// the kernel, not for a person.
import type { AgentKind } from "./bindings/AgentKind";
import type { Provenance } from "./bindings/Provenance";
import { revealHidden } from "./untrustedText";

/** The agent id the app gives each run of a Converge job: `converge:<run id>`. */
const CONVERGE_AGENT_PREFIX = "converge:";

/**
 * Whether an agent is a Converge job: by its kind, or, for an agent the inbox no longer
 * knows (a history entry of an earlier session), by the id the app gives its runs.
 */
export function isConvergeAgent(kind: AgentKind | undefined, agentId: string): boolean {
  if (kind !== undefined) return kind === "converge";
  return agentId.startsWith(CONVERGE_AGENT_PREFIX);
}

/** Whether an agent is one of `--demo`'s examples: id `demo-…`, named "Demo · …". */
export function isDemoAgent(agentId: string, agentName: string): boolean {
  return agentId.startsWith("demo-") && agentName.startsWith("Demo ·");
}

/** A Converge gate's action: `converge.<verb>:<context key>`, the key possibly empty. */
const CONVERGE_ACTION = /^converge\.([A-Za-z][A-Za-z0-9_-]*)(?::([A-Za-z0-9_-]*))?$/;

/** "MarketSignals", "reject_all", "LLMOutputs" → their words: "market signals", … "LLM outputs". */
function words(id: string): string[] {
  return id
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter((word) => word !== "")
    .map((word) => (word.length > 1 && word === word.toUpperCase() ? word : word.toLowerCase()));
}

/**
 * A Converge gate's action in plain words: "converge.promote:Proposals" → "Promote the
 * proposals" (the gate's verb, then what it acts on: the context key). Null when `action`
 * is not of that shape, so it is shown as it came.
 */
export function convergeActionWords(action: string): string | null {
  const match = CONVERGE_ACTION.exec(action);
  if (match === null) return null;
  const verb = words(match[1]!).join(" ");
  const key = words(match[2] ?? "").join(" ");
  const sentence = key === "" ? verb : `${verb} the ${key}`;
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/**
 * The action as a card or history entry shows it: a Converge job's in words, every other
 * agent's verbatim (a coding agent's tool name is what it is). `raw` is the action as it
 * came, when the words replace it; hidden characters revealed in both.
 */
export function shownAction(
  action: string,
  converge: boolean,
): { text: string; raw: string | null } {
  const inWords = converge ? convergeActionWords(action) : null;
  return inWords === null
    ? { text: revealHidden(action), raw: null }
    : { text: inWords, raw: revealHidden(action) };
}

/** Who is asking, as far as the app can tell. */
export interface Requester {
  provenance: Provenance;
  agentId: string;
  agentName: string;
  agentKind: AgentKind | undefined;
}

/**
 * Who made a request: its process when the app could read it; else, for the app's own
 * agents, that the app made it; else a warning that the asker is unknown (a program whose
 * peer could not be read).
 */
export function requesterText({ provenance, agentId, agentName, agentKind }: Requester): string {
  const { pid, exe } = provenance;
  const known = [pid === null ? null : `pid ${pid}`, exe === null ? null : revealHidden(exe)];
  const parts = known.filter((part) => part !== null);
  if (parts.length > 0) return `Requested by ${parts.join(" · ")}`;
  // Forwarded from elsewhere: never the app's own, whatever the agent calls itself.
  if (provenance.remote === null) {
    if (isConvergeAgent(agentKind, agentId)) return "Requested by a Converge job in the app";
    if (isDemoAgent(agentId, agentName)) return "Example request (--demo)";
  }
  return "Requester not identified";
}
