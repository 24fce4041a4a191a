import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { PhoneStatus } from "../../lib/bindings/PhoneStatus";
import {
  phoneConfirm,
  phoneSetUp,
  phoneStatus,
  phoneTurnOff,
  phoneVerify,
} from "../../lib/bindings/commands";
import { onPhoneChanged } from "../../lib/bridge";
import { makeSettings } from "../../test/fixtures";
import { reactive } from "../../test/reactive.svelte";
import PhoneSection from "./PhoneSection.svelte";
import { toForm, type PhoneForm } from "./settingsForm";

vi.mock("../../lib/bindings/commands", () => ({
  phoneStatus: vi.fn(),
  phoneSetUp: vi.fn(),
  phoneVerify: vi.fn(),
  phoneConfirm: vi.fn(),
  phoneTurnOff: vi.fn(),
}));

vi.mock("../../lib/bridge", () => ({
  onPhoneChanged: vi.fn(),
}));

let pushStatus: (status: PhoneStatus) => void;
const unlisten = vi.fn();

function phoneStatusOf(overrides: Partial<PhoneStatus> = {}): PhoneStatus {
  return {
    state: "off",
    account: null,
    device: null,
    person: null,
    keys: null,
    emojis: [],
    note: null,
    ...overrides,
  };
}

const SIGNED_IN = {
  account: "@tray:example.org",
  device: "TRAYDEVICE",
  person: "@you:example.org",
};

const EMOJIS = [
  { symbol: "🐶", name: "Dog" },
  { symbol: "🔑", name: "Key" },
  { symbol: "🎸", name: "Guitar" },
  { symbol: "🌵", name: "Cactus" },
  { symbol: "⏰", name: "Clock" },
  { symbol: "🚀", name: "Rocket" },
  { symbol: "🍄", name: "Mushroom" },
];

beforeEach(() => {
  vi.mocked(phoneStatus).mockResolvedValue(phoneStatusOf());
  vi.mocked(phoneSetUp).mockResolvedValue(undefined);
  vi.mocked(phoneVerify).mockResolvedValue(undefined);
  vi.mocked(phoneConfirm).mockResolvedValue(undefined);
  vi.mocked(phoneTurnOff).mockResolvedValue(undefined);
  vi.mocked(onPhoneChanged).mockImplementation(async (onChange) => {
    pushStatus = onChange;
    return unlisten;
  });
});

afterEach(() => {
  vi.resetAllMocks();
  document.querySelectorAll("form.around").forEach((form) => form.remove());
});

/** Phone's part of the Settings form, as the form holds it. */
function phoneForm(): PhoneForm {
  return reactive(toForm(makeSettings()).phone);
}

/** Settings → Phone with Phone as `status`, once that is shown. */
async function showPhone(
  status: PhoneStatus = phoneStatusOf(),
  target?: HTMLElement,
  phone: PhoneForm = phoneForm(),
) {
  vi.mocked(phoneStatus).mockResolvedValue(status);
  const result = render(PhoneSection, { props: { phone }, ...(target ? { target } : {}) });
  await waitFor(() => expect(screen.queryByText("Reading Phone’s state…")).toBeNull());
  return { user: userEvent.setup(), ...result };
}

function field(name: string | RegExp) {
  return screen.getByLabelText(name) as HTMLInputElement;
}

function button(name: string | RegExp) {
  return screen.getByRole("button", { name }) as HTMLButtonElement;
}

/** The line that says what Phone is doing. */
function statusLine() {
  return document.querySelector(".status-line")?.textContent?.trim() ?? null;
}

/** What the aria-live paragraph beside the set-up form says. */
function setUpMessage() {
  return document.getElementById("phone-setup-error")?.textContent?.trim() ?? null;
}

type SetUpLabel = "Homeserver" | "The app’s account" | "Password" | "Your Matrix user id";

async function fillSetUp(
  user: ReturnType<typeof userEvent.setup>,
  values: Partial<Record<SetUpLabel, string>>,
) {
  for (const [label, value] of Object.entries(values)) {
    await user.clear(field(label));
    if (value !== "") await user.type(field(label), value);
  }
}

const FILLED = {
  Homeserver: "  https://matrix.example.org ",
  "The app’s account": " @tray:example.org",
  Password: " s3cret pass ",
  "Your Matrix user id": "@you:example.org  ",
};

describe("what Phone is doing", () => {
  it.each<[string, Partial<PhoneStatus>, string]>([
    ["off", {}, "Phone is off: nothing leaves this machine."],
    ["starting", { state: "starting", account: SIGNED_IN.account }, "Signing in…"],
    [
      "unverified",
      { state: "unverified", ...SIGNED_IN },
      "Signed in as @tray:example.org (device TRAYDEVICE). Your phone has not verified the app yet: nothing is sent until it has.",
    ],
    [
      "ready",
      { state: "ready", ...SIGNED_IN },
      "Requests go to @you:example.org’s phone as chosen below.",
    ],
    [
      "unavailable",
      { state: "unavailable", ...SIGNED_IN },
      "Your homeserver cannot be reached: requests stay on the desktop until it can.",
    ],
    [
      "stopped",
      { state: "stopped" },
      "Phone stopped: requests stay on the desktop until you set it up again.",
    ],
  ])("says so when it is %s", async (_, status, text) => {
    await showPhone(phoneStatusOf(status));

    expect(statusLine()).toBe(text);
  });

  it.each<[string, PhoneStatus["state"]]>([
    ["unavailable", "unavailable"],
    ["stopped", "stopped"],
  ])("shows why when it is %s, as a problem", async (_, state) => {
    const note = "matrix.example.org cannot be reached: connection refused";
    await showPhone(phoneStatusOf({ state, ...SIGNED_IN, note }));

    const problem = screen.getByText(note);
    expect(problem.className).toContain("problem");
    // Read out as it changes.
    expect(problem.closest("[aria-live]")).not.toBeNull();
  });

  it("shows what went wrong last in any state", async () => {
    const note =
      "The emojis did not match, so the app does not trust that phone. Try again; if they differ again, someone may be in between.";
    await showPhone(phoneStatusOf({ state: "unverified", ...SIGNED_IN, note }));

    expect(screen.getByText(note)).toBeTruthy();
    expect(statusLine()).toMatch(/^Signed in as @tray:example.org/);
  });

  it.each<[PhoneStatus["keys"], RegExp | null]>([
    ["keyring", /kept in your keyring/],
    ["file", /no keyring: its keys are kept in a file only you can read/],
    [null, null],
  ])("says where the session's keys are kept (%s)", async (keys, said) => {
    await showPhone(phoneStatusOf({ state: "ready", ...SIGNED_IN, keys }));

    const line = document.querySelector(".keys");
    if (said === null) expect(line).toBeNull();
    else expect(line?.textContent).toMatch(said);
  });

  it("shows names from Matrix as plain text, with hidden characters made visible", async () => {
    await showPhone(
      phoneStatusOf({
        state: "ready",
        account: "@tray:example.org",
        device: "<b>DEVICE</b>",
        person: "@you\u202Egro.elpmaxe:evil.org",
      }),
    );

    expect(statusLine()).toBe(
      "Requests go to @you⟨U+202E⟩gro.elpmaxe:evil.org’s phone as chosen below.",
    );
    expect(screen.getByText("Signed in as @tray:example.org (device <b>DEVICE</b>).")).toBeTruthy();
    expect(document.querySelector("b")).toBeNull();
  });

  it("follows Phone as it changes", async () => {
    await showPhone();
    expect(statusLine()).toBe("Phone is off: nothing leaves this machine.");

    pushStatus(phoneStatusOf({ state: "starting", account: SIGNED_IN.account }));
    await waitFor(() => expect(statusLine()).toBe("Signing in…"));

    pushStatus(phoneStatusOf({ state: "ready", ...SIGNED_IN }));
    await waitFor(() =>
      expect(statusLine()).toBe("Requests go to @you:example.org’s phone as chosen below."),
    );
  });

  it("keeps a change pushed while the state was on its way, then stops listening", async () => {
    let answer: (status: PhoneStatus) => void = () => {};
    vi.mocked(phoneStatus).mockReturnValue(new Promise((resolve) => (answer = resolve)));
    const { unmount } = render(PhoneSection, { props: { phone: phoneForm() } });
    await waitFor(() => expect(onPhoneChanged).toHaveBeenCalled());

    pushStatus(phoneStatusOf({ state: "ready", ...SIGNED_IN }));
    answer(phoneStatusOf());
    await waitFor(() =>
      expect(statusLine()).toBe("Requests go to @you:example.org’s phone as chosen below."),
    );
    await Promise.resolve();
    expect(statusLine()).toBe("Requests go to @you:example.org’s phone as chosen below.");

    unmount();
    await waitFor(() => expect(unlisten).toHaveBeenCalledOnce());
  });

  it("says when Phone's state cannot be read", async () => {
    vi.mocked(phoneStatus).mockRejectedValue("not allowed");
    render(PhoneSection, { props: { phone: phoneForm() } });

    expect(await screen.findByText("Could not read Phone’s state: not allowed")).toBeTruthy();
  });
});

describe("comparing emojis", () => {
  const COMPARING = phoneStatusOf({ state: "comparing", ...SIGNED_IN, emojis: EMOJIS });

  it("shows the seven emojis in order, each with its name", async () => {
    await showPhone(COMPARING);

    expect(statusLine()).toBe("Compare these with your phone. Do they match?");
    const list = screen.getByRole("list", { name: "Emojis to compare" });
    const items = within(list).getAllByRole("listitem");
    expect(items.map((item) => item.querySelector(".symbol")?.textContent)).toEqual(
      EMOJIS.map((emoji) => emoji.symbol),
    );
    expect(items.map((item) => item.querySelector(".name")?.textContent)).toEqual(
      EMOJIS.map((emoji) => emoji.name),
    );
  });

  it("trusts the phone when they match", async () => {
    const { user } = await showPhone(COMPARING);

    await user.click(button("They match"));

    expect(phoneConfirm).toHaveBeenCalledExactlyOnceWith(true);
  });

  it("does not trust the phone when they don't match", async () => {
    const { user } = await showPhone(COMPARING);

    await user.click(button("They don’t match"));

    expect(phoneConfirm).toHaveBeenCalledExactlyOnceWith(false);
  });

  it("says when the answer cannot be passed on", async () => {
    vi.mocked(phoneConfirm).mockRejectedValue({ message: "Phone is not set up" });
    const { user } = await showPhone(COMPARING);

    await user.click(button("They match"));

    expect(
      await screen.findByText("Could not pass on your answer: Phone is not set up"),
    ).toBeTruthy();
  });
});

describe("setting Phone up", () => {
  it("offers the set-up form while Phone is off, with a hint for the app's account", async () => {
    await showPhone();

    expect(field("Homeserver").placeholder).toBe("https://matrix.example.org");
    expect(field("The app’s account").placeholder).toBe("@tray:example.org");
    const hint = document.getElementById(
      field("The app’s account").getAttribute("aria-describedby") ?? "",
    );
    expect(hint?.textContent).toBe("An account made for the app alone, not yours.");
    expect(field("Password").type).toBe("password");
    expect(field("Password").getAttribute("autocomplete")).toBe("off");
    expect(field("Your Matrix user id").placeholder).toBe("@you:example.org");
    expect(button("Sign in").type).toBe("button");
    // Nothing to turn off or set up again.
    expect(screen.queryByRole("button", { name: "Turn Phone off" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Set up again" })).toBeNull();
  });

  it("says what is missing instead of signing in", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, {
      Homeserver: "https://matrix.example.org",
      "Your Matrix user id": "@you:example.org",
    });

    await user.click(button("Sign in"));

    expect(phoneSetUp).not.toHaveBeenCalled();
    expect(setUpMessage()).toBe("Fill in the app’s account and the password first.");
    expect(field("The app’s account").getAttribute("aria-invalid")).toBe("true");
    expect(field("Password").getAttribute("aria-invalid")).toBe("true");
    expect(field("Homeserver").getAttribute("aria-invalid")).toBe("false");
    expect(field("The app’s account").getAttribute("aria-describedby")).toBe(
      "phone-setup-error phone-account-hint",
    );
    expect(document.activeElement).toBe(field("The app’s account"));

    await user.type(field("The app’s account"), "@tray:example.org");

    expect(field("The app’s account").getAttribute("aria-invalid")).toBe("false");
  });

  it("takes spaces alone as missing", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, { ...FILLED, Homeserver: "   " });

    await user.click(button("Sign in"));

    expect(phoneSetUp).not.toHaveBeenCalled();
    expect(setUpMessage()).toBe("Fill in the homeserver first.");
  });

  it("signs in with what was typed, trimmed, and clears the password", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, FILLED);

    await user.click(button("Sign in"));

    expect(phoneSetUp).toHaveBeenCalledExactlyOnceWith(
      "https://matrix.example.org",
      "@tray:example.org",
      // A password is taken as typed: spaces may be part of it.
      " s3cret pass ",
      "@you:example.org",
    );
    await waitFor(() => expect(field("Password").value).toBe(""));
    expect(setUpMessage()).toBe("");

    pushStatus(phoneStatusOf({ state: "starting", account: SIGNED_IN.account }));

    await waitFor(() => expect(statusLine()).toBe("Signing in…"));
    expect(screen.queryByLabelText("Homeserver")).toBeNull();
  });

  it("shows why the app would not sign in, and clears the password all the same", async () => {
    vi.mocked(phoneSetUp).mockRejectedValue({
      message: "the homeserver is an address such as https://matrix.example.org",
    });
    const { user } = await showPhone();
    await fillSetUp(user, FILLED);

    await user.click(button("Sign in"));

    await waitFor(() =>
      expect(setUpMessage()).toBe(
        "Could not set Phone up: the homeserver is an address such as https://matrix.example.org",
      ),
    );
    expect(document.getElementById("phone-setup-error")?.getAttribute("aria-live")).toBe("polite");
    expect(field("Password").value).toBe("");
    // The rest stays, to try again.
    expect(field("The app’s account").value).toBe(" @tray:example.org");
  });

  it("takes a homeserver typed without https://", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, { ...FILLED, Homeserver: "matrix.example.org" });

    await user.click(button("Sign in"));

    expect(phoneSetUp).toHaveBeenCalledExactlyOnceWith(
      "https://matrix.example.org",
      "@tray:example.org",
      " s3cret pass ",
      "@you:example.org",
    );
  });

  it("says what a Matrix user id looks like", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, { ...FILLED, "Your Matrix user id": "you" });

    await user.click(button("Sign in"));

    expect(phoneSetUp).not.toHaveBeenCalled();
    expect(setUpMessage()).toBe("Your Matrix user id looks like @you:example.org.");
    expect(document.activeElement).toBe(field("Your Matrix user id"));
    // Not sent, so still there.
    expect(field("Password").value).toBe(" s3cret pass ");
  });

  it("will not sign in to the person's own account", async () => {
    const { user } = await showPhone();
    await fillSetUp(user, { ...FILLED, "The app’s account": "@You:example.org" });

    await user.click(button("Sign in"));

    expect(phoneSetUp).not.toHaveBeenCalled();
    expect(setUpMessage()).toBe(
      "The app needs an account of its own, not yours: a homeserver never notifies you of what you send yourself, so requests would reach your phone silently. Make one for the app on your homeserver.",
    );
  });

  it("does not submit the surrounding form when Enter is pressed in a field", async () => {
    // As the Settings form: Enter in one of its fields would press its Save.
    const form = document.createElement("form");
    form.className = "around";
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = "Save";
    form.append(save);
    const submitted = vi.fn((event: Event) => event.preventDefault());
    form.addEventListener("submit", submitted);
    document.body.append(form);
    const { user } = await showPhone(phoneStatusOf(), form);

    await user.type(field("Homeserver"), "https://matrix.example.org{Enter}");
    await user.type(field("Password"), "secret{Enter}");

    expect(submitted).not.toHaveBeenCalled();
    expect(phoneSetUp).not.toHaveBeenCalled();
    expect(setUpMessage()).toBe("Fill in the app’s account and your Matrix user id first.");

    await fillSetUp(user, FILLED);
    await user.type(field("Your Matrix user id"), "{Enter}");

    expect(submitted).not.toHaveBeenCalled();
    expect(phoneSetUp).toHaveBeenCalledOnce();
  });

  it("sets up again behind a button once set up, and can be cancelled", async () => {
    const { user } = await showPhone(phoneStatusOf({ state: "ready", ...SIGNED_IN }));
    expect(screen.queryByLabelText("Homeserver")).toBeNull();

    await user.click(button("Set up again"));

    expect(document.activeElement).toBe(field("Homeserver"));
    await user.type(field("Password"), "secret");
    await user.click(button("Cancel"));

    expect(screen.queryByLabelText("Homeserver")).toBeNull();
    expect(document.activeElement).toBe(button("Set up again"));

    await user.click(button("Set up again"));

    // The password typed before was not kept.
    expect(field("Password").value).toBe("");
  });
});

describe("verifying", () => {
  const UNVERIFIED = phoneStatusOf({ state: "unverified", ...SIGNED_IN });

  it("asks the phone to verify the app", async () => {
    const { user } = await showPhone(UNVERIFIED);

    await user.click(button("Verify with my phone"));

    expect(phoneVerify).toHaveBeenCalledOnce();
    expect(await screen.findByText(/Your phone was asked to verify the app/)).toBeTruthy();
  });

  it("says when the phone cannot be asked", async () => {
    vi.mocked(phoneVerify).mockRejectedValue({ message: "the phone's link: broken pipe" });
    const { user } = await showPhone(UNVERIFIED);

    await user.click(button("Verify with my phone"));

    expect(
      await screen.findByText("Could not ask your phone: the phone's link: broken pipe"),
    ).toBeTruthy();
  });

  it("is offered only while the phone has not verified the app", async () => {
    await showPhone(phoneStatusOf({ state: "ready", ...SIGNED_IN }));

    expect(screen.queryByRole("button", { name: "Verify with my phone" })).toBeNull();
  });
});

describe("turning Phone off", () => {
  const READY = phoneStatusOf({ state: "ready", ...SIGNED_IN });

  it("turns off only at the second click", async () => {
    const { user } = await showPhone(READY);

    await user.click(button("Turn Phone off"));

    expect(phoneTurnOff).not.toHaveBeenCalled();
    const confirm = button("Turn off and forget the session?");
    expect(document.activeElement).toBe(confirm);

    await user.click(confirm);

    expect(phoneTurnOff).toHaveBeenCalledOnce();

    pushStatus(phoneStatusOf());

    await waitFor(() => expect(statusLine()).toBe("Phone is off: nothing leaves this machine."));
    expect(screen.queryByRole("button", { name: /Turn/ })).toBeNull();
  });

  it("can be cancelled", async () => {
    const { user } = await showPhone(READY);

    await user.click(button("Turn Phone off"));
    await user.click(button("Cancel"));

    expect(phoneTurnOff).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(button("Turn Phone off"));
  });

  it("says when Phone cannot be turned off", async () => {
    vi.mocked(phoneTurnOff).mockRejectedValue({
      message: "/home/me/.local/share/converge-tray/phone cannot be removed: permission denied",
    });
    const { user } = await showPhone(READY);

    await user.click(button("Turn Phone off"));
    await user.click(button("Turn off and forget the session?"));

    expect(
      await screen.findByText(
        "Could not turn Phone off: /home/me/.local/share/converge-tray/phone cannot be removed: permission denied",
      ),
    ).toBeTruthy();
  });
});

describe("when requests go to the phone", () => {
  const READY = phoneStatusOf({ state: "ready", ...SIGNED_IN });

  function choice(name: string) {
    const group = screen.getByRole("group", { name: "Send a request to the phone" });
    return within(group).getByLabelText(name) as HTMLInputElement;
  }

  it("changes the Settings form's choices", async () => {
    const phone = phoneForm();
    const { user } = await showPhone(READY, undefined, phone);
    expect(choice("When it has waited on the desktop").checked).toBe(true);
    expect(field("How long it waits on the desktop first").value).toBe("2");

    await user.click(choice("Never (paused)"));
    await user.click(choice("Allow approving high-risk requests from the phone"));

    expect(phone.escalate).toBe("never");
    expect(phone.high_risk_approvable).toBe(true);
    // The wait is only for the first choice.
    expect(field("How long it waits on the desktop first").disabled).toBe(true);
    const hint = document.getElementById(
      choice("Allow approving high-risk requests from the phone").getAttribute(
        "aria-describedby",
      ) ?? "",
    );
    expect(hint?.textContent?.replace(/\s+/g, " ").trim()).toBe(
      "Off: high-risk requests are shown on the phone and can be denied there; approve them at the desk.",
    );

    await user.click(choice("When it has waited on the desktop"));
    await user.clear(field("How long it waits on the desktop first"));
    await user.type(field("How long it waits on the desktop first"), "5");

    expect(phone.escalate).toBe("unanswered");
    expect(phone.wait).toEqual({ amount: 5, unit: "minutes" });
  });

  it("offers sending while the screen is locked, or the session idle", async () => {
    const phone = phoneForm();
    const { user } = await showPhone(READY, undefined, phone);
    const locked = choice("While the screen is locked");
    const lockedOrIdle = choice("While the screen is locked, or I have been idle");
    expect(locked.checked).toBe(false);
    expect(lockedOrIdle.checked).toBe(false);
    // Before the wait, in the order the choices are offered.
    const radios = [
      ...screen
        .getByRole("group", { name: "Send a request to the phone" })
        .querySelectorAll<HTMLInputElement>('input[type="radio"]'),
    ].map((radio) => radio.value);
    expect(radios).toEqual(["locked", "locked_or_idle", "unanswered", "always", "never"]);

    await user.click(locked);

    expect(phone.escalate).toBe("locked");
    expect(locked.checked).toBe(true);

    await user.click(lockedOrIdle);

    expect(phone.escalate).toBe("locked_or_idle");
    for (const radio of [locked, lockedOrIdle]) {
      const hint = document.getElementById(radio.getAttribute("aria-describedby") ?? "");
      expect(hint?.textContent?.replace(/\s+/g, " ").trim()).toBe(
        "If your desktop does not tell whether the screen is locked, these never send; choose a wait instead.",
      );
    }
  });

  it("takes the idle minutes only for the choice that uses them", async () => {
    const phone = phoneForm();
    const { user } = await showPhone(READY, undefined, phone);
    const minutes = () => field("How long I have been idle first, in minutes");
    expect(minutes().value).toBe("10");
    expect(minutes().disabled).toBe(true);

    for (const other of ["While the screen is locked", "Every request, as it arrives"]) {
      await user.click(choice(other));
      expect(minutes().disabled).toBe(true);
    }

    await user.click(choice("While the screen is locked, or I have been idle"));

    expect(minutes().disabled).toBe(false);
    expect(minutes().getAttribute("aria-describedby")).toBe("phone-lock-hint");
    await user.clear(minutes());
    await user.type(minutes(), "25");
    expect(phone.idle_minutes).toBe(25);

    await user.clear(minutes());
    expect(phone.idle_minutes).toBeNull();

    await user.click(choice("When it has waited on the desktop"));
    expect(minutes().disabled).toBe(true);
  });

  it("says beside the idle minutes what is wrong with them", async () => {
    vi.mocked(phoneStatus).mockResolvedValue(READY);
    render(PhoneSection, {
      props: {
        phone: phoneForm(),
        idleProblem: "Use a whole number of minutes, from 1 to 1,440 (a day).",
        idleNotSaved: true,
      },
    });
    await waitFor(() => expect(screen.queryByText("Reading Phone’s state…")).toBeNull());
    const minutes = field("How long I have been idle first, in minutes");

    expect(minutes.getAttribute("aria-invalid")).toBe("true");
    const [errorId, hintId] = (minutes.getAttribute("aria-describedby") ?? "").split(" ");
    expect(hintId).toBe("phone-lock-hint");
    expect(document.getElementById(errorId ?? "")?.textContent?.trim()).toBe(
      "Not saved: Use a whole number of minutes, from 1 to 1,440 (a day).",
    );
  });

  it("applies only once Phone is set up", async () => {
    const { user } = await showPhone();

    expect(choice("Every request, as it arrives").matches(":disabled")).toBe(true);
    expect(screen.getByText("These apply once Phone is set up.")).toBeTruthy();

    pushStatus(READY);

    await waitFor(() =>
      expect(choice("Every request, as it arrives").matches(":disabled")).toBe(false),
    );
    expect(screen.queryByText("These apply once Phone is set up.")).toBeNull();
    await user.click(choice("Every request, as it arrives"));
    expect(choice("Every request, as it arrives").checked).toBe(true);
  });
});
