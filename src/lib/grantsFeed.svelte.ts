import { SvelteMap } from "svelte/reactivity";
import type { GrantRecord } from "./bindings/GrantRecord";
import { grantRevoke, grantsList } from "./bindings/commands";
import { errorMessage } from "./errors";
import { isLive } from "./grants";
import { Refetch } from "./refetch";

/** Where a revoke this window asked for stands; one that succeeded leaves no trace. */
export type RevokeStatus = { state: "revoking" } | { state: "failed"; message: string };

/** The grants as the backend lists them, fetched again on request, and this window's revokes. */
export class GrantsFeed {
  #grants = $state.raw<GrantRecord[]>([]);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  // Keyed by grant id.
  #revokes = new SvelteMap<string, RevokeStatus>();
  #refetch = new Refetch(() => this.#fetch());

  /** As listed: the live ones when fetched, then past ones, each newest first. */
  get grants(): readonly GrantRecord[] {
    return this.#grants;
  }

  /** True once a list has been answered (with grants or with an error). */
  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  /** The grants live at `now`, newest first. */
  live(now: number): GrantRecord[] {
    return this.#grants.filter((grant) => isLive(grant, now));
  }

  /** The grants ended or expired by `now`, newest first. */
  past(now: number): GrantRecord[] {
    // Sorted again: one that expired since the fetch is still listed with the live ones,
    // ahead of every past one.
    return this.#grants
      .filter((grant) => !isLive(grant, now))
      .sort((a, b) => b.created_at - a.created_at);
  }

  revokeStatus(grantId: string): RevokeStatus | undefined {
    return this.#revokes.get(grantId);
  }

  /**
   * Fetches the list. Called while a fetch is on its way, it fetches once more after that one
   * (however often it was called), since the answer on its way may predate the change.
   * Resolves once a list fetched after this call has been shown.
   */
  refresh(): Promise<void> {
    return this.#refetch.refresh();
  }

  /** Revokes a grant, unless a revoke of it is already on its way; then lists it as ended. */
  async revoke(grantId: string): Promise<void> {
    if (this.#revokes.get(grantId)?.state === "revoking") return;
    this.#revokes.set(grantId, { state: "revoking" });
    try {
      await grantRevoke(grantId);
    } catch (error) {
      this.#revokes.set(grantId, { state: "failed", message: errorMessage(error) });
      // Refused most likely because it ended meanwhile: the list should say so.
      await this.refresh();
      return;
    }
    // Held as revoking until it is listed as ended, so its button is not pressed twice.
    await this.refresh();
    this.#revokes.delete(grantId);
  }

  async #fetch(): Promise<void> {
    try {
      this.#grants = await grantsList();
      this.#error = null;
    } catch (error) {
      // The last list stays: it is still the best there is, and the error says it is old.
      this.#error = errorMessage(error);
    }
    this.#loaded = true;
  }
}
