import type { Agent } from "./bindings/Agent";
import type { AgentState } from "./bindings/AgentState";
import type { ApprovalRequest } from "./bindings/ApprovalRequest";
import type { InboxEvent } from "./bindings/InboxEvent";
import type { Snapshot } from "./bindings/Snapshot";
import { inboxSnapshot } from "./bindings/commands";
import { subscribe } from "./bridge";
import { errorMessage } from "./errors";

/** The inbox as the UI sees it: a snapshot kept current by numbered events. */
export class InboxStore {
  #seq = 0;
  #loaded = $state(false);
  /** Showing what the app handed over at creation; the first fetch is not a resync. */
  #seeded = false;
  #loadError = $state<string | null>(null);
  #agents = $state.raw<Agent[]>([]);
  #pending = $state.raw<ApprovalRequest[]>([]);
  // Events that arrive before the first snapshot; which of them are newer is only known then.
  #early: InboxEvent[] = [];
  #requestListeners = new Set<() => void>();
  #agentListeners = new Set<(agent: Agent) => void>();
  #resyncListeners = new Set<() => void>();
  #grantListeners = new Set<() => void>();

  readonly pendingByUrgency = $derived([...this.#pending].sort(byUrgency));
  readonly agentsByAttention = $derived([...this.#agents].sort(byAttention));

  get loaded(): boolean {
    return this.#loaded;
  }

  get loadError(): string | null {
    return this.#loadError;
  }

  get agents(): readonly Agent[] {
    return this.#agents;
  }

  get pending(): readonly ApprovalRequest[] {
    return this.#pending;
  }

  /**
   * Calls `listener` after a request was created or resolved, or after a resync that may have
   * missed some; each of these also grew the audit log. Returns a function that stops it.
   */
  onRequestsChanged(listener: () => void): () => void {
    this.#requestListeners.add(listener);
    return () => this.#requestListeners.delete(listener);
  }

  /** Calls `listener` with each agent an event updated. Returns a function that stops it. */
  onAgentUpdated(listener: (agent: Agent) => void): () => void {
    this.#agentListeners.add(listener);
    return () => this.#agentListeners.delete(listener);
  }

  /**
   * Calls `listener` after a resync replaced everything; the events it stands for (agent
   * updates among them) were never applied one by one. Returns a function that stops it.
   */
  onResync(listener: () => void): () => void {
    this.#resyncListeners.add(listener);
    return () => this.#resyncListeners.delete(listener);
  }

  /**
   * Calls `listener` after a grant was made, approved a request or ended (revoked, or with its
   * agent's session), or after a resync that may have missed one; a grant made or ended also
   * grew the audit log. Expiry raises nothing: past its `expires_at` a grant is simply no longer
   * live. Returns a function that stops it.
   */
  onGrantsChanged(listener: () => void): () => void {
    this.#grantListeners.add(listener);
    return () => this.#grantListeners.delete(listener);
  }

  /**
   * Shows `snapshot` at once, as the app handed it over when it built the window, before
   * anything is fetched: the first fetched snapshot then replaces it as a first load, not as
   * a resync.
   */
  seed(snapshot: Snapshot): void {
    if (this.#loaded) return;
    this.reset(snapshot);
    this.#seeded = true;
  }

  /** Replaces everything with `snapshot`, unless it is older than what is already shown. */
  reset(snapshot: Snapshot): void {
    // The initial fetch can race a pushed resync; the older of the two must not win.
    if (this.#loaded && snapshot.seq < this.#seq) return;
    const isResync = this.#loaded && !this.#seeded;
    this.#seeded = false;
    this.#seq = snapshot.seq;
    this.#agents = snapshot.agents;
    this.#pending = snapshot.pending.filter(isPending);
    this.#loaded = true;
    this.#loadError = null;
    const early = this.#early;
    this.#early = [];
    for (const event of early) this.apply(event);
    if (isResync) {
      this.#notifyRequestsChanged();
      this.#notifyGrantsChanged();
      for (const listener of this.#resyncListeners) listener();
    }
  }

  /** Applies one change; events already reflected in the state (by seq) are ignored. */
  apply(event: InboxEvent): void {
    if (!this.#loaded) {
      this.#early.push(event);
      return;
    }
    if (event.seq <= this.#seq) return;
    this.#seq = event.seq;
    const kind = event.kind;
    switch (kind.type) {
      case "agent-updated":
        this.#agents = upsert(this.#agents, kind.agent);
        for (const listener of this.#agentListeners) listener(kind.agent);
        break;
      case "request-created":
        if (isPending(kind.request)) this.#pending = upsert(this.#pending, kind.request);
        this.#notifyRequestsChanged();
        break;
      case "request-resolved":
        this.#pending = this.#pending.filter((request) => request.id !== kind.request.id);
        this.#notifyRequestsChanged();
        break;
      case "problem":
        // The backend shows it as a notification; nothing here changes.
        break;
      case "grants-changed":
        // The grants themselves are read through their own command, by whoever shows them.
        this.#notifyGrantsChanged();
        break;
      case "agents-removed": {
        const removed = new Set(kind.ids);
        this.#agents = this.#agents.filter((agent) => !removed.has(agent.id));
        break;
      }
    }
  }

  fail(message: string): void {
    this.#loadError = message;
  }

  #notifyRequestsChanged(): void {
    for (const listener of this.#requestListeners) listener();
  }

  #notifyGrantsChanged(): void {
    for (const listener of this.#grantListeners) listener();
  }
}

/**
 * Keeps `store` in sync with the backend until the returned function is called.
 * Subscribes before fetching the snapshot so that nothing raised in between is lost.
 */
export function connectInbox(store: InboxStore): () => void {
  let disconnected = false;
  let stopListening: (() => void) | undefined;

  void (async () => {
    try {
      const stop = await subscribe(
        (event) => store.apply(event),
        (snapshot) => store.reset(snapshot),
      );
      if (disconnected) {
        stop();
        return;
      }
      stopListening = stop;
      store.reset(await inboxSnapshot());
    } catch (error) {
      if (!disconnected) store.fail(errorMessage(error));
    }
  })();

  return () => {
    disconnected = true;
    stopListening?.();
  };
}

function isPending(request: ApprovalRequest): boolean {
  return request.resolution === null;
}

function upsert<T extends { id: string }>(items: readonly T[], item: T): T[] {
  if (!items.some((existing) => existing.id === item.id)) return [...items, item];
  return items.map((existing) => (existing.id === item.id ? item : existing));
}

function byUrgency(a: ApprovalRequest, b: ApprovalRequest): number {
  return a.deadline - b.deadline || a.created_at - b.created_at || a.id.localeCompare(b.id);
}

const ATTENTION_RANK: Partial<Record<AgentState, number>> = {
  "waiting-for-approval": 0,
  working: 1,
};

function attentionRank(state: AgentState): number {
  return ATTENTION_RANK[state] ?? 2;
}

function byAttention(a: Agent, b: Agent): number {
  return (
    attentionRank(a.state) - attentionRank(b.state) ||
    b.last_seen - a.last_seen ||
    a.name.localeCompare(b.name)
  );
}
