import type { TimelineEntry } from "../../lib/bindings/TimelineEntry";
import { agentTimeline } from "../../lib/bindings/commands";
import { errorMessage } from "../../lib/errors";
import { Refetch } from "../../lib/refetch";

/** Whether two entries are the same moment, told apart only by what they hold. */
function sameEntry(a: TimelineEntry, b: TimelineEntry): boolean {
  return a.at === b.at && JSON.stringify(a.what) === JSON.stringify(b.what);
}

/**
 * One agent's timeline, newest first: its newest page, fetched again on request (what is new
 * is put on top, so older pages already shown stay where they are), and older pages on demand.
 */
export class TimelineFeed {
  #entries = $state.raw<TimelineEntry[]>([]);
  #more = $state(false);
  #loadingOlder = $state(false);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #agentId: string | null = null;
  // Bumped whenever the entries are replaced whole, so that answers meant for the entries
  // shown before (an older page, another agent's newest) are dropped.
  #generation = 0;
  #refetch = new Refetch(() => this.#fetchNewest());

  /** Newest first. */
  get entries(): readonly TimelineEntry[] {
    return this.#entries;
  }

  /** Older entries exist than those shown. */
  get more(): boolean {
    return this.#more;
  }

  get loadingOlder(): boolean {
    return this.#loadingOlder;
  }

  /** True once a first page has been answered (with entries or an error). */
  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Starts over at the newest page of `agentId`'s timeline. */
  show(agentId: string): Promise<void> {
    this.#agentId = agentId;
    this.#generation += 1;
    this.#entries = [];
    this.#more = false;
    this.#loadingOlder = false;
    this.#loaded = false;
    this.#error = null;
    return this.refresh();
  }

  /**
   * Fetches the newest page again and puts what is new on top. Called while a fetch is on its
   * way, it fetches once more after that one, since the answer on its way may predate the
   * change. Resolves once a page fetched after this call has been shown.
   */
  refresh(): Promise<void> {
    return this.#refetch.refresh();
  }

  /** Adds the page older than the last entry shown, if there is one. */
  async loadOlder(): Promise<void> {
    const agentId = this.#agentId;
    const last = this.#entries.at(-1);
    if (agentId === null || last === undefined || !this.#more || this.#loadingOlder) return;
    const generation = this.#generation;
    this.#loadingOlder = true;
    this.#error = null;
    try {
      const page = await agentTimeline(agentId, last.at);
      if (generation !== this.#generation) return;
      this.#entries = [...this.#entries, ...page.entries];
      this.#more = page.more;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#error = errorMessage(error);
    }
    this.#loadingOlder = false;
  }

  async #fetchNewest(): Promise<void> {
    const agentId = this.#agentId;
    if (agentId === null) return;
    const generation = this.#generation;
    try {
      const page = await agentTimeline(agentId, null);
      if (generation !== this.#generation) return;
      const shown = this.#entries;
      const newest = shown[0];
      const seen = newest === undefined ? -1 : page.entries.findIndex((e) => sameEntry(e, newest));
      if (seen < 0) {
        // The first page, or more is new than a page holds: what was shown no longer follows on.
        if (shown.length > 0) this.#generation += 1;
        this.#entries = page.entries;
        this.#more = page.more;
        this.#loadingOlder = false;
      } else if (seen > 0) {
        this.#entries = [...page.entries.slice(0, seen), ...shown];
      }
      this.#error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      // What is shown stays: it is still the best there is, and the error says it is old.
      this.#error = errorMessage(error);
    }
    this.#loaded = true;
  }
}
