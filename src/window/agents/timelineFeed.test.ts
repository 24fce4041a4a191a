import { afterEach, describe, expect, it, vi } from "vitest";
import type { Timeline } from "../../lib/bindings/Timeline";
import type { TimelineEntry } from "../../lib/bindings/TimelineEntry";
import { agentTimeline } from "../../lib/bindings/commands";
import { NOW } from "../../test/fixtures";
import { TimelineFeed } from "./timelineFeed.svelte";

vi.mock("../../lib/bindings/commands", () => ({ agentTimeline: vi.fn() }));

afterEach(() => {
  vi.resetAllMocks();
});

function reported(at: number, activity: string): TimelineEntry {
  return { at, what: { kind: "reported", state: "working", activity } };
}

function page(entries: TimelineEntry[], more: boolean): Timeline {
  return { agent_id: "claude-1", entries, more };
}

function activities(feed: TimelineFeed): (string | null)[] {
  return feed.entries.map((entry) => (entry.what.kind === "reported" ? entry.what.activity : null));
}

describe("TimelineFeed", () => {
  it("starts over when more is new than a page holds", async () => {
    vi.mocked(agentTimeline)
      .mockResolvedValueOnce(page([reported(NOW - 5_000, "Read")], true))
      .mockResolvedValueOnce(page([reported(NOW - 9_000, "Grep")], false))
      .mockResolvedValueOnce(
        page([reported(NOW, "Ran Bash"), reported(NOW - 1_000, "Bash: cargo test")], true),
      );
    const feed = new TimelineFeed();
    await feed.show("claude-1");
    await feed.loadOlder();
    expect(activities(feed)).toEqual(["Read", "Grep"]);
    expect(feed.more).toBe(false);

    await feed.refresh();

    // "Read" is not on the newest page: what lay between is not known, so older pages go.
    expect(activities(feed)).toEqual(["Ran Bash", "Bash: cargo test"]);
    expect(feed.more).toBe(true);
  });

  it("drops an older page that arrives after the entries were replaced", async () => {
    let answerOlder: (timeline: Timeline) => void = () => {};
    vi.mocked(agentTimeline)
      .mockResolvedValueOnce(page([reported(NOW - 5_000, "Read")], true))
      .mockReturnValueOnce(new Promise((resolve) => (answerOlder = resolve)))
      .mockResolvedValueOnce(page([reported(NOW, "Ran Bash")], true));
    const feed = new TimelineFeed();
    await feed.show("claude-1");

    const older = feed.loadOlder();
    expect(feed.loadingOlder).toBe(true);
    await feed.refresh();
    answerOlder(page([reported(NOW - 9_000, "Grep")], false));
    await older;

    expect(activities(feed)).toEqual(["Ran Bash"]);
    expect(feed.loadingOlder).toBe(false);
    expect(feed.more).toBe(true);
  });

  it("keeps what it shows when a refresh fails, and says why", async () => {
    vi.mocked(agentTimeline)
      .mockResolvedValueOnce(page([reported(NOW - 5_000, "Read")], false))
      .mockRejectedValueOnce("the activity table is locked");
    const feed = new TimelineFeed();
    await feed.show("claude-1");

    await feed.refresh();

    expect(activities(feed)).toEqual(["Read"]);
    expect(feed.error).toBe("the activity table is locked");
  });
});
