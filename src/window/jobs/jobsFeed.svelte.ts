import { SvelteMap } from "svelte/reactivity";
import type { JobDefinition } from "../../lib/bindings/JobDefinition";
import type { RunRecord } from "../../lib/bindings/RunRecord";
import { jobRun, jobsOverview } from "../../lib/bindings/commands";
import { errorMessage } from "../../lib/errors";
import { Refetch } from "../../lib/refetch";

/** Where a start this window asked for stands; a start that succeeded leaves no trace. */
export type StartStatus = { state: "starting" } | { state: "failed"; message: string };

/** The jobs overview, fetched again on request, and the starts this window asked for. */
export class JobsFeed {
  #definitions = $state.raw<JobDefinition[]>([]);
  #runs = $state.raw<RunRecord[]>([]);
  #problem = $state<string | null>(null);
  #loaded = $state(false);
  #error = $state<string | null>(null);
  // Keyed by job id; a map rather than an object, since a job id can be any text.
  #starts = new SvelteMap<string, StartStatus>();
  #refetch = new Refetch(() => this.#fetch());

  get definitions(): readonly JobDefinition[] {
    return this.#definitions;
  }

  /** Newest first. */
  get runs(): readonly RunRecord[] {
    return this.#runs;
  }

  /** Why the jobs file could not be used, if it could not. */
  get problem(): string | null {
    return this.#problem;
  }

  /** True once an overview has been answered (with one or with an error). */
  get loaded(): boolean {
    return this.#loaded;
  }

  get error(): string | null {
    return this.#error;
  }

  start(jobId: string): StartStatus | undefined {
    return this.#starts.get(jobId);
  }

  /**
   * Fetches the overview. Called while a fetch is on its way, it fetches once more after that
   * one (however often it was called), since the answer on its way may predate the change.
   * Resolves once an overview fetched after this call has been shown.
   */
  refresh(): Promise<void> {
    return this.#refetch.refresh();
  }

  /** Starts a job, unless a start of it is already on its way; then shows the new run. */
  async run(jobId: string): Promise<void> {
    if (this.#starts.get(jobId)?.state === "starting") return;
    this.#starts.set(jobId, { state: "starting" });
    try {
      await jobRun(jobId);
    } catch (error) {
      this.#starts.set(jobId, { state: "failed", message: errorMessage(error) });
      return;
    }
    // Held as starting until the run is listed, so it is not started twice by accident.
    await this.refresh();
    this.#starts.delete(jobId);
  }

  async #fetch(): Promise<void> {
    try {
      const overview = await jobsOverview();
      this.#definitions = overview.definitions;
      this.#runs = overview.runs;
      this.#problem = overview.problem;
      this.#error = null;
    } catch (error) {
      // The last overview stays: it is still the best there is, and the error says it is old.
      this.#error = errorMessage(error);
    }
    this.#loaded = true;
  }
}
