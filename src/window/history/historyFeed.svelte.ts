import type { AuditEntry } from "../../lib/bindings/AuditEntry";
import type { HistoryQuery } from "../../lib/bindings/HistoryQuery";
import { historyQuery } from "../../lib/bindings/commands";
import { errorMessage } from "../../lib/errors";

/** Pages of the audit log for one query, newest first, loaded on demand. */
export class HistoryFeed {
  #entries = $state.raw<AuditEntry[]>([]);
  #nextBefore = $state<number | null>(null);
  #loading = $state(false);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  #query: HistoryQuery | null = null;
  #pages = 0;
  // Bumped by every first-page load, so that answers to superseded queries are dropped.
  #generation = 0;

  get entries(): readonly AuditEntry[] {
    return this.#entries;
  }

  /** Where the next page starts; null on the last page. */
  get nextBefore(): number | null {
    return this.#nextBefore;
  }

  get loading(): boolean {
    return this.#loading;
  }

  /** True once a first page has been answered (with entries or an error). */
  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  /** Starts over at the first page of `query`. */
  show(query: HistoryQuery): Promise<void> {
    this.#query = { ...query, before_seq: null };
    return this.#loadFirstPage(this.#query);
  }

  /** Reloads the first page, unless more are shown: those would shift under the reader. */
  refresh(): Promise<void> {
    if (this.#query === null || this.#pages > 1) return Promise.resolve();
    return this.#loadFirstPage(this.#query);
  }

  async loadMore(): Promise<void> {
    const before = this.#nextBefore;
    if (this.#query === null || before === null || this.#loading) return;
    const generation = this.#generation;
    this.#pages += 1;
    this.#loading = true;
    this.#error = null;
    try {
      const page = await historyQuery({ ...this.#query, before_seq: before });
      if (generation !== this.#generation) return;
      this.#entries = [...this.#entries, ...page.entries];
      this.#nextBefore = page.next_before;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.#pages -= 1;
      this.#error = errorMessage(error);
    }
    this.#loading = false;
  }

  async #loadFirstPage(query: HistoryQuery): Promise<void> {
    const generation = ++this.#generation;
    this.#pages = 1;
    this.#loading = true;
    try {
      const page = await historyQuery(query);
      if (generation !== this.#generation) return;
      this.#entries = page.entries;
      this.#nextBefore = page.next_before;
      this.#error = null;
    } catch (error) {
      if (generation !== this.#generation) return;
      // Entries of an earlier query must not pass for answers to this one.
      this.#entries = [];
      this.#nextBefore = null;
      this.#error = errorMessage(error);
    }
    this.#loaded = true;
    this.#loading = false;
  }
}
