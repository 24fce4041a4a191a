import type { Agent } from "./bindings/Agent";
import type { AgentState } from "./bindings/AgentState";

// The backend's rule (agents_remove), so that no surface offers to remove an agent the backend
// would leave on the list.
const FINISHED_STATES: ReadonlySet<AgentState> = new Set(["idle", "done", "error", "gone"]);

/** Whether the person may take `agent` off the lists: it waits on nobody and is not at work. */
export function isRemovable(agent: Agent): boolean {
  return agent.pending === 0 && FINISHED_STATES.has(agent.state);
}

/** The agents of `agents` the person may take off the lists, in the same order. */
export function removableAgents(agents: readonly Agent[]): Agent[] {
  return agents.filter(isRemovable);
}
