import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JobsOverview } from "../../lib/bindings/JobsOverview";
import type { RunState } from "../../lib/bindings/RunState";
import { jobRun, jobsOverview } from "../../lib/bindings/commands";
import { InboxStore } from "../../lib/inboxStore.svelte";
import { formatDateTime } from "../../lib/time";
import {
  NOW,
  agentUpdated,
  makeAgent,
  makeJob,
  makeJobsOverview,
  makeRun,
  makeSnapshot,
} from "../../test/fixtures";
import Jobs from "./Jobs.svelte";

vi.mock("../../lib/bindings/commands", () => ({
  jobsOverview: vi.fn(),
  jobRun: vi.fn(),
}));

afterEach(() => {
  vi.resetAllMocks();
});

const travel = makeJob({
  id: "travel-expense",
  name: "Expense review · conference travel",
  input: { claimant: "Dana Okafor", amount: 1840, tags: ["travel", "berlin"] },
});
const lunch = makeJob({ id: "team-lunch", name: "Expense review · team lunch" });

const jobsOnly = makeJobsOverview({ definitions: [travel, lunch] });

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function loadedInbox() {
  const inbox = new InboxStore();
  inbox.reset(makeSnapshot({ seq: 1 }));
  return inbox;
}

/** Renders the tab and waits until the first overview is shown. */
async function showJobs(overview: JobsOverview, inbox = loadedInbox()) {
  vi.mocked(jobsOverview).mockResolvedValue(overview);
  const view = render(Jobs, { inbox });
  await waitFor(() => expect(screen.queryByText("Loading the jobs…")).toBeNull());
  return { ...view, inbox, user: userEvent.setup() };
}

function jobItems() {
  return within(screen.getByRole("list", { name: "Jobs" })).getAllByRole("listitem");
}

function jobItem(name: string) {
  const item = jobItems().find((row) => within(row).queryByRole("heading", { name }));
  if (!item) throw new Error(`no job named ${name}`);
  return within(item);
}

function runRows() {
  const list = screen.getByRole("list", { name: "Recent runs, newest first" });
  return within(list)
    .getAllByRole("listitem")
    .map((row) => row.textContent?.replace(/\s+/g, " ").trim());
}

function converge(seq: number) {
  return agentUpdated(seq, makeAgent({ id: `converge:run-${seq}`, kind: "converge" }));
}

describe("Jobs", () => {
  it("lists each job with its id, pack and input, and a Run button", async () => {
    await showJobs(jobsOnly);

    expect(jobItems()).toHaveLength(2);
    const first = jobItem("Expense review · conference travel");
    expect(first.getByText("travel-expense")).toBeTruthy();
    expect(first.getByText("· pack expense")).toBeTruthy();
    expect(first.getByText(/claimant/).textContent).toBe(
      'claimant: Dana Okafor\namount: 1840\ntags: ["travel","berlin"]',
    );
    const run = first.getByRole("button", { name: "Run" });
    expect(run.getAttribute("aria-describedby")).toBe(
      first.getByRole("heading", { name: "Expense review · conference travel" }).id,
    );
    expect(jobItem("Expense review · team lunch").queryByText(/:/)).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("lists the runs as given, newest first, with their state, detail and start time", async () => {
    const states: [RunState, string][] = [
      ["running", "Running"],
      ["paused", "Waiting for approval"],
      ["converged", "Converged"],
      ["rejected", "Rejected"],
      ["failed", "Failed"],
      ["budget-exhausted", "Budget exhausted"],
      ["interrupted", "Interrupted"],
    ];
    const runs = states.map(([state], i) =>
      makeRun({
        id: `run-${i}`,
        job: i % 2 === 0 ? travel : lunch,
        state,
        detail: i === 1 ? "Waiting for approval of proposal reimburse-1840" : null,
        started_at: NOW - i * 60_000,
      }),
    );
    await showJobs(makeJobsOverview({ definitions: [travel], runs }));

    expect(runRows()).toEqual(
      states.map(([, label], i) => {
        const name = i % 2 === 0 ? travel.name : lunch.name;
        const detail = i === 1 ? " Waiting for approval of proposal reimburse-1840" : "";
        return `${name} ${label} ${formatDateTime(NOW - i * 60_000)}${detail}`;
      }),
    );
    const time = screen.getByText(formatDateTime(NOW));
    expect(time.tagName).toBe("TIME");
    expect(time.getAttribute("datetime")).toBe(new Date(NOW).toISOString());
  });

  it("starts a job and holds its button until the new run is listed", async () => {
    const { user } = await showJobs(jobsOnly);
    const started = deferred<string>();
    vi.mocked(jobRun).mockReturnValue(started.promise);
    const newRun = makeRun({ id: "run-9", job: travel, state: "running", detail: "Cycle 1" });
    vi.mocked(jobsOverview).mockResolvedValue({ ...jobsOnly, runs: [newRun] });
    const job = jobItem("Expense review · conference travel");

    await user.click(job.getByRole("button", { name: "Run" }));

    expect(jobRun).toHaveBeenCalledExactlyOnceWith("travel-expense");
    const button = job.getByRole("button", { name: "Starting…" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    const other = jobItem("Expense review · team lunch").getByRole("button", { name: "Run" });
    expect((other as HTMLButtonElement).disabled).toBe(false);
    expect(jobsOverview).toHaveBeenCalledOnce();

    started.resolve("run-9");

    await waitFor(() => expect(runRows()).toHaveLength(1));
    expect(jobsOverview).toHaveBeenCalledTimes(2);
    expect(runRows()[0]).toContain("Running");
    await waitFor(() => expect(button.disabled).toBe(false));
    expect(button.textContent?.trim()).toBe("Run");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows why a job could not start beside it, and lets it be tried again", async () => {
    const { user } = await showJobs(jobsOnly);
    vi.mocked(jobRun).mockRejectedValue('no job with the id "travel-expense" in jobs.toml');
    const job = jobItem("Expense review · conference travel");

    await user.click(job.getByRole("button", { name: "Run" }));

    expect((await job.findByRole("alert")).textContent).toBe(
      'Could not start this job: no job with the id "travel-expense" in jobs.toml',
    );
    expect(screen.getAllByRole("alert")).toHaveLength(1);
    const button = job.getByRole("button", { name: "Run" }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    expect(jobsOverview).toHaveBeenCalledOnce();

    vi.mocked(jobRun).mockResolvedValue("run-2");
    await user.click(button);

    expect(jobRun).toHaveBeenCalledTimes(2);
    await waitFor(() => expect(job.queryByRole("alert")).toBeNull());
  });

  it("says when the jobs file could not be used, and where it is", async () => {
    const problem =
      "TOML parse error at line 3, column 7\n  |\n3 | name = \n  |       ^\nstring expected";
    await showJobs(makeJobsOverview({ problem }));

    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("jobs.toml in the app’s config folder");
    expect(within(alert).getByText(/TOML parse error/).textContent).toBe(problem);
    expect(screen.getByText(/No jobs defined/)).toBeTruthy();
  });

  it("says when no jobs are defined and nothing has run", async () => {
    await showJobs(makeJobsOverview());

    expect(screen.getByText(/No jobs defined/)).toBeTruthy();
    expect(screen.getByText("No runs yet.")).toBeTruthy();
    expect(screen.queryByRole("list")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows the backend's error", async () => {
    vi.mocked(jobsOverview).mockRejectedValue("Converge jobs are unavailable; see the app's log");
    render(Jobs, { inbox: loadedInbox() });

    expect((await screen.findByRole("alert")).textContent).toBe(
      "Could not load the jobs: Converge jobs are unavailable; see the app's log",
    );
  });

  it("shows markup from the jobs file and the runs as literal text", async () => {
    const markup = "<img src=x onerror=alert(1)>";
    const evil = makeJob({ id: markup, name: markup, pack: markup, input: { [markup]: markup } });
    const { container } = await showJobs(
      makeJobsOverview({
        definitions: [evil],
        runs: [makeRun({ id: "run-1", job: evil, detail: markup })],
        problem: markup,
      }),
    );

    // Name, id, problem, the run's job name and its detail; pack and input in their lines.
    expect(screen.getAllByText(markup)).toHaveLength(5);
    expect(screen.getByText(`· pack ${markup}`)).toBeTruthy();
    expect(screen.getByText(`${markup}: ${markup}`)).toBeTruthy();
    expect(container.querySelector("img")).toBeNull();
  });

  describe("inbox events", () => {
    it("refresh on an update of a Converge agent, not of any other agent", async () => {
      const { inbox } = await showJobs(jobsOnly);
      vi.mocked(jobsOverview).mockResolvedValue({
        ...jobsOnly,
        runs: [makeRun({ id: "run-3", job: lunch, state: "converged" })],
      });

      inbox.apply(agentUpdated(2, makeAgent({ id: "claude", kind: "claude-code" })));
      inbox.apply(agentUpdated(3, makeAgent({ id: "nightly", kind: "script" })));
      expect(jobsOverview).toHaveBeenCalledOnce();

      inbox.apply(converge(4));

      expect(jobsOverview).toHaveBeenCalledTimes(2);
      await waitFor(() => expect(runRows()).toHaveLength(1));
      expect(runRows()[0]).toContain("Converged");
    });

    it("refresh after a resync", async () => {
      const { inbox } = await showJobs(jobsOnly);

      inbox.reset(makeSnapshot({ seq: 10 }));

      expect(jobsOverview).toHaveBeenCalledTimes(2);
    });

    it("fetch once more after a burst during a fetch, never two at a time", async () => {
      const { inbox } = await showJobs(jobsOnly);
      const first = deferred<JobsOverview>();
      const second = deferred<JobsOverview>();
      vi.mocked(jobsOverview)
        .mockReturnValueOnce(first.promise)
        .mockReturnValueOnce(second.promise);

      inbox.apply(converge(2));
      inbox.apply(converge(3));
      inbox.apply(converge(4));
      inbox.apply(converge(5));
      expect(jobsOverview).toHaveBeenCalledTimes(2);

      first.resolve(jobsOnly);
      await waitFor(() => expect(jobsOverview).toHaveBeenCalledTimes(3));
      second.resolve({ ...jobsOnly, runs: [makeRun({ id: "run-5", job: travel })] });

      await waitFor(() => expect(runRows()).toHaveLength(1));
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(jobsOverview).toHaveBeenCalledTimes(3);

      inbox.apply(converge(6));
      expect(jobsOverview).toHaveBeenCalledTimes(4);
    });

    it("stop when the tab is gone", async () => {
      const { inbox, unmount } = await showJobs(jobsOnly);

      unmount();
      inbox.apply(converge(2));
      inbox.reset(makeSnapshot({ seq: 10 }));

      expect(jobsOverview).toHaveBeenCalledOnce();
    });
  });
});
