/**
 * Fetches a list again on request, never two at once. Asked while a fetch is on its way, it
 * fetches once more after that one (however often it was asked), since the answer on its
 * way may predate the change that made someone ask.
 */
export class Refetch {
  #fetching: Promise<void> | null = null;
  #again = false;

  /** `fetchOnce` fetches and shows one answer; it handles its own errors. */
  constructor(private readonly fetchOnce: () => Promise<void>) {}

  /** Resolves once an answer fetched after this call has been shown. */
  refresh(): Promise<void> {
    if (this.#fetching) {
      this.#again = true;
      return this.#fetching;
    }
    this.#fetching = this.#untilCurrent();
    return this.#fetching;
  }

  async #untilCurrent(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.fetchOnce();
      } while (this.#again);
    } finally {
      // In the same step as the last check above, so no request to fetch again is lost.
      this.#fetching = null;
    }
  }
}
