import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { tick } from "svelte";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { problemsList } from "../lib/bindings/commands";
import { onProblemAdded } from "../lib/bridge";
import ProblemsBanner from "./ProblemsBanner.svelte";

vi.mock("../lib/bindings/commands", () => ({
  problemsList: vi.fn(),
}));

vi.mock("../lib/bridge", () => ({
  onProblemAdded: vi.fn(),
}));

const HEADING = "Something needs your attention";
const STARTED_AFRESH =
  "The inbox was started afresh: Its database could not be used (file is not a database). " +
  "It was kept as /home/dana/inbox.db.unreadable-1; the history before it is there.";
const REFUSED =
  "Converge Tray refused something: the decision on request req-1 is refused: " +
  "the inbox database was changed outside Converge Tray";

let pushProblem: (message: string) => void;
let unlisten: ReturnType<typeof vi.fn<() => void>>;

beforeEach(() => {
  unlisten = vi.fn<() => void>();
  vi.mocked(onProblemAdded).mockImplementation(async (handler) => {
    pushProblem = handler;
    return unlisten;
  });
});

afterEach(() => {
  vi.resetAllMocks();
});

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  const promise = new Promise<T>((res) => {
    resolve = res;
  });
  return { promise, resolve };
}

function banner() {
  return screen.queryByRole("alert", { name: HEADING });
}

function shownMessages() {
  const list = within(screen.getByRole("alert", { name: HEADING })).getByRole("list");
  return within(list)
    .getAllByRole("listitem")
    .map((item) => item.textContent);
}

async function showBanner(problems: string[]) {
  vi.mocked(problemsList).mockResolvedValue(problems);
  const view = render(ProblemsBanner);
  await waitFor(() => expect(problemsList).toHaveBeenCalledOnce());
  await tick();
  return { ...view, user: userEvent.setup() };
}

describe("ProblemsBanner", () => {
  it("shows nothing when nothing went wrong", async () => {
    const { container } = await showBanner([]);

    expect(banner()).toBeNull();
    expect(container.textContent?.trim()).toBe("");
  });

  it("shows the problems of this run, oldest first", async () => {
    await showBanner([STARTED_AFRESH, REFUSED]);

    expect(screen.getByRole("heading", { name: HEADING })).toBeTruthy();
    expect(shownMessages()).toEqual([STARTED_AFRESH, REFUSED]);
  });

  it("adds a problem the app reports while the window is open", async () => {
    await showBanner([]);

    pushProblem(REFUSED);

    expect(await screen.findByRole("alert", { name: HEADING })).toBeTruthy();
    expect(shownMessages()).toEqual([REFUSED]);
  });

  it("listens before asking, and shows once a problem both listed and heard of", async () => {
    const listed = deferred<string[]>();
    vi.mocked(problemsList).mockReturnValue(listed.promise);
    render(ProblemsBanner);
    await waitFor(() => expect(problemsList).toHaveBeenCalledOnce());
    const [listenedAt] = vi.mocked(onProblemAdded).mock.invocationCallOrder;
    const [askedAt] = vi.mocked(problemsList).mock.invocationCallOrder;
    expect(listenedAt).toBeLessThan(askedAt ?? 0);

    pushProblem(REFUSED);
    pushProblem("Heard of while the list was on its way");
    listed.resolve([STARTED_AFRESH, REFUSED]);

    await waitFor(() =>
      expect(shownMessages()).toEqual([
        STARTED_AFRESH,
        REFUSED,
        "Heard of while the list was on its way",
      ]),
    );
    pushProblem(STARTED_AFRESH);
    await tick();
    expect(shownMessages()).toHaveLength(3);
  });

  it("hides on Dismiss, and comes back only for a problem added after", async () => {
    const { user } = await showBanner([STARTED_AFRESH]);

    await user.click(screen.getByRole("button", { name: "Dismiss" }));

    expect(banner()).toBeNull();
    pushProblem(STARTED_AFRESH);
    await tick();
    expect(banner()).toBeNull();

    pushProblem(REFUSED);
    expect(await screen.findByRole("alert", { name: HEADING })).toBeTruthy();
    expect(shownMessages()).toEqual([REFUSED]);
  });

  it("shows markup in a message as the text it is", async () => {
    await showBanner(['<b>x</b> <img src="y" onerror="alert(1)">']);

    const item = within(screen.getByRole("alert", { name: HEADING })).getByRole("listitem");
    expect(item.textContent).toBe('<b>x</b> <img src="y" onerror="alert(1)">');
    expect(item.querySelector("b, img")).toBeNull();
  });

  it("says so when the problems cannot be listed", async () => {
    vi.mocked(problemsList).mockRejectedValue("not allowed");
    render(ProblemsBanner);

    const alert = await screen.findByRole("alert", { name: HEADING });
    expect(alert.textContent).toContain("Could not list what went wrong in this run: not allowed");
  });

  it("stops listening when it goes away", async () => {
    const { unmount } = await showBanner([]);

    unmount();

    expect(unlisten).toHaveBeenCalledOnce();
  });
});
