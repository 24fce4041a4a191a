import { describe, expect, it } from "vitest";
import { makeSettings } from "../../test/fixtures";
import {
  FIELD_NAME,
  fromForm,
  idleMinutes,
  idleMinutesProblem,
  keptDays,
  keptDaysProblem,
  MAX_REFUSED_HOSTS,
  PHONE_WAIT_LIMIT,
  planSave,
  quietTimeProblem,
  refusedHostProblem,
  sameJson,
  timeoutProblem,
  timeoutSeconds,
  toForm,
  type SettingsForm,
} from "./settingsForm";

describe("settings form", () => {
  it("shows whole minutes in minutes and anything else in seconds", () => {
    expect(toForm(makeSettings({ default_timeout_secs: 300 })).timeout).toEqual({
      amount: 5,
      unit: "minutes",
    });
    expect(toForm(makeSettings({ default_timeout_secs: 90 })).timeout).toEqual({
      amount: 90,
      unit: "seconds",
    });
  });

  it("shows Phone's wait as the default timeout is shown", () => {
    expect(toForm(makeSettings()).phone).toEqual({
      escalate: "unanswered",
      high_risk_approvable: false,
      wait: { amount: 2, unit: "minutes" },
      idle_minutes: 10,
    });
    const phone = {
      escalate: "always",
      unanswered_secs: 90,
      idle_minutes: 10,
      high_risk_approvable: true,
    } as const;
    expect(toForm(makeSettings({ phone })).phone).toEqual({
      escalate: "always",
      high_risk_approvable: true,
      wait: { amount: 90, unit: "seconds" },
      idle_minutes: 10,
    });
    expect(fromForm(toForm(makeSettings({ phone })))).toEqual(makeSettings({ phone }));
  });

  it("carries Phone's idle minutes there and back", () => {
    const phone = {
      escalate: "locked_or_idle",
      unanswered_secs: 120,
      idle_minutes: 45,
      high_risk_approvable: false,
    } as const;
    const form = toForm(makeSettings({ phone }));

    expect(form.phone.idle_minutes).toBe(45);
    expect(fromForm(form)).toEqual(makeSettings({ phone }));

    form.phone.idle_minutes = 1_440;
    expect(fromForm(form)?.phone).toEqual({ ...phone, idle_minutes: 1_440 });
  });

  it("gives back the same settings it was made from", () => {
    const settings = makeSettings({ default_timeout_secs: 45, start_at_login: true });

    expect(fromForm(toForm(settings))).toEqual(settings);
  });

  it("does not share nested objects with the settings it was made from", () => {
    const settings = makeSettings();
    const form = toForm(settings);

    form.shortcuts.approve = "ctrl+alt+y";

    expect(settings.shortcuts.approve).toBe("ctrl+alt+shift+a");
  });

  it("accepts timeouts from 1 second to 7 days in whole seconds", () => {
    expect(timeoutSeconds({ amount: 1, unit: "seconds" })).toBe(1);
    expect(timeoutSeconds({ amount: 10_080, unit: "minutes" })).toBe(604_800);
    expect(timeoutSeconds({ amount: 1.5, unit: "minutes" })).toBe(90);
    expect(timeoutSeconds({ amount: 0, unit: "seconds" })).toBeNull();
    expect(timeoutSeconds({ amount: 10_081, unit: "minutes" })).toBeNull();
    expect(timeoutSeconds({ amount: 1.5, unit: "seconds" })).toBeNull();
    expect(timeoutSeconds({ amount: null, unit: "minutes" })).toBeNull();
    // Less than the 1 minute the unit starts at: seconds say that.
    expect(timeoutSeconds({ amount: 0.5, unit: "minutes" })).toBeNull();
    const timeout = { amount: null, unit: "seconds" } as const;
    const emptied: SettingsForm = { ...toForm(makeSettings()), timeout };
    expect(fromForm(emptied)).toBeNull();
  });

  it("keeps agents' activity from 1 to 3,650 whole days", () => {
    expect(keptDays(1)).toBe(1);
    expect(keptDays(3650)).toBe(3650);
    expect(keptDays(0)).toBeNull();
    expect(keptDays(3651)).toBeNull();
    expect(keptDays(2.5)).toBeNull();
    expect(keptDays(null)).toBeNull();
    expect(keptDaysProblem(30)).toBeNull();
    expect(keptDaysProblem(4000)).toBe("Use a whole number of days, from 1 to 3,650 (10 years).");
    expect(keptDaysProblem(null)).toBe("Type a whole number of days, from 1 to 3,650 (10 years).");
    const emptied: SettingsForm = { ...toForm(makeSettings()), activity_kept_days: null };
    expect(fromForm(emptied)).toBeNull();
  });

  it("compares settings field by field, whatever the key order", () => {
    const settings = makeSettings();
    const reordered = { ...settings, shortcuts: { ...settings.shortcuts } };
    delete (reordered as Partial<typeof reordered>).start_at_login;

    expect(sameJson(settings, { ...reordered, start_at_login: false })).toBe(true);
    expect(sameJson(settings, { ...settings, start_at_login: true })).toBe(false);
    const otherDeny = { ...settings, shortcuts: { ...settings.shortcuts, deny: "ctrl+x" } };
    expect(sameJson(settings, otherDeny)).toBe(false);
  });

  it("takes the refused hosts the backend takes", () => {
    expect(refusedHostProblem("devbox", [])).toBeNull();
    expect(refusedHostProblem("a".repeat(255), [])).toBeNull();
    expect(refusedHostProblem("a".repeat(256), [])).toBe("That is too long for a host name.");
    // The backend counts bytes: 128 two-byte letters are 256.
    expect(refusedHostProblem("é".repeat(128), [])).toBe("That is too long for a host name.");
    expect(refusedHostProblem("dev\tbox", [])).toMatch(/one word/);
    expect(refusedHostProblem("dev\u0007box", [])).toMatch(/one word/);
    expect(refusedHostProblem("dev\u00a0box", [])).toMatch(/one word/);
    expect(refusedHostProblem("", [])).toBe("Type the host’s name first.");
  });

  it("compares refused hosts ignoring ASCII case only, as the backend does", () => {
    expect(refusedHostProblem("DEVBOX", ["devbox"])).toBe("devbox is already in the list.");
    expect(refusedHostProblem("É", ["é"])).toBeNull();
  });

  it("stops at the backend's number of refused hosts", () => {
    const full = Array.from({ length: MAX_REFUSED_HOSTS }, (_, index) => `host-${index}`);

    expect(refusedHostProblem("one-more", full.slice(1))).toBeNull();
    expect(refusedHostProblem("one-more", full)).toBe("At most 100 hosts can be refused.");
  });

  it("takes the quiet hours' times exactly as HH:MM, as the backend does", () => {
    for (const time of ["00:00", "07:05", "22:00", "23:59"]) {
      expect(quietTimeProblem("quiet_from", time)).toBeNull();
    }
    for (const time of ["24:00", "23:60", "7:00", "07:5", "0700", "07:00:00", " 07:00", "7pm"]) {
      expect(quietTimeProblem("quiet_until", time)).toBe(
        "Use a time as HH:MM, from 00:00 to 23:59, for example 07:00.",
      );
    }
    expect(quietTimeProblem("quiet_from", "")).toBe(
      "Type the time quiet hours start, as HH:MM, for example 22:00.",
    );
    expect(quietTimeProblem("quiet_until", "")).toBe(
      "Type the time quiet hours end, as HH:MM, for example 07:00.",
    );
  });

  it("says what is wrong with a timeout in the unit chosen", () => {
    expect(timeoutProblem({ amount: 5, unit: "minutes" })).toBeNull();
    expect(timeoutProblem({ amount: 10_081, unit: "minutes" })).toBe(
      "Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
    expect(timeoutProblem({ amount: 0.5, unit: "minutes" })).toBe(
      "Use a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
    expect(timeoutProblem({ amount: null, unit: "minutes" })).toBe(
      "Type a number of minutes, from 1 minute to 7 days (10,080 minutes).",
    );
    expect(timeoutProblem({ amount: 1.01, unit: "minutes" })).toBe(
      "1.01 minutes is not a whole number of seconds: use whole minutes, or choose seconds.",
    );
    expect(timeoutProblem({ amount: 604_801, unit: "seconds" })).toBe(
      "Use a whole number of seconds, from 1 second to 7 days (604,800 seconds).",
    );
    expect(timeoutProblem({ amount: 1.5, unit: "seconds" })).toBe(
      "Use a whole number of seconds, from 1 second to 7 days (604,800 seconds).",
    );
  });

  it("takes a wait before the phone from 1 second to a day", () => {
    expect(timeoutSeconds({ amount: 1_440, unit: "minutes" }, PHONE_WAIT_LIMIT)).toBe(86_400);
    expect(timeoutSeconds({ amount: 1_441, unit: "minutes" }, PHONE_WAIT_LIMIT)).toBeNull();
    expect(timeoutProblem({ amount: 1_441, unit: "minutes" }, PHONE_WAIT_LIMIT)).toBe(
      "Use a number of minutes, from 1 minute to a day (1,440 minutes).",
    );
    expect(timeoutProblem({ amount: null, unit: "seconds" }, PHONE_WAIT_LIMIT)).toBe(
      "Type a whole number of seconds, from 1 second to a day (86,400 seconds).",
    );
    const wait = { amount: 0, unit: "seconds" } as const;
    const emptied = toForm(makeSettings());
    emptied.phone.wait = wait;
    expect(fromForm(emptied)).toBeNull();
  });

  it("takes the idle time before the phone from 1 to 1,440 whole minutes", () => {
    expect(idleMinutes(1)).toBe(1);
    expect(idleMinutes(1_440)).toBe(1_440);
    expect(idleMinutes(0)).toBeNull();
    expect(idleMinutes(1_441)).toBeNull();
    expect(idleMinutes(2.5)).toBeNull();
    expect(idleMinutes(null)).toBeNull();
    expect(idleMinutesProblem(10)).toBeNull();
    expect(idleMinutesProblem(1_441)).toBe(
      "Use a whole number of minutes, from 1 to 1,440 (a day).",
    );
    expect(idleMinutesProblem(null)).toBe(
      "Type a whole number of minutes, from 1 to 1,440 (a day).",
    );
    const emptied = toForm(makeSettings());
    emptied.phone.idle_minutes = null;
    expect(fromForm(emptied)).toBeNull();
  });
});

describe("what Save sends", () => {
  const saved = makeSettings();

  function editedForm(edit: (form: SettingsForm) => void): SettingsForm {
    const form = toForm(saved);
    edit(form);
    return form;
  }

  it("sends every change when all are valid", () => {
    const form = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+y";
      form.start_at_login = true;
    });

    expect(planSave(form, saved)).toEqual({ settings: fromForm(form), problems: {} });
  });

  it("keeps the saved value of a field not valid, and sends the rest", () => {
    const form = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+shift+ä";
      form.timeout = { amount: 0, unit: "seconds" };
      form.notifications.agent_failed = false;
    });

    const plan = planSave(form, saved);

    expect(plan.settings).toEqual({
      ...saved,
      notifications: { ...saved.notifications, agent_failed: false },
    });
    expect(Object.keys(plan.problems).sort()).toEqual(["approve", "timeout"]);
  });

  it("keeps the saved wait before the phone when the one typed is not valid", () => {
    const form = editedForm((form) => {
      form.phone.wait = { amount: 25, unit: "minutes" };
      form.phone.escalate = "always";
    });
    expect(planSave(form, saved).settings.phone).toEqual({
      escalate: "always",
      unanswered_secs: 1_500,
      idle_minutes: 10,
      high_risk_approvable: false,
    });

    form.phone.wait = { amount: 2_000, unit: "minutes" };

    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, phone: { ...saved.phone, escalate: "always" } },
      problems: {
        phone_wait: "Use a number of minutes, from 1 minute to a day (1,440 minutes).",
      },
    });
  });

  it("sends new idle minutes before the phone", () => {
    const form = editedForm((form) => {
      form.phone.escalate = "locked_or_idle";
      form.phone.idle_minutes = 30;
    });

    expect(planSave(form, saved)).toEqual({
      settings: {
        ...saved,
        phone: { ...saved.phone, escalate: "locked_or_idle", idle_minutes: 30 },
      },
      problems: {},
    });
  });

  it.each<[string, number | null, string]>([
    ["0", 0, "Use a whole number of minutes, from 1 to 1,440 (a day)."],
    ["1441", 1_441, "Use a whole number of minutes, from 1 to 1,440 (a day)."],
    ["2.5", 2.5, "Use a whole number of minutes, from 1 to 1,440 (a day)."],
    ["empty", null, "Type a whole number of minutes, from 1 to 1,440 (a day)."],
  ])("keeps the saved idle minutes when %s is typed, and names the field", (_, minutes, problem) => {
    const form = editedForm((form) => {
      form.phone.escalate = "locked_or_idle";
      form.phone.idle_minutes = minutes;
    });

    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, phone: { ...saved.phone, escalate: "locked_or_idle" } },
      problems: { phone_idle: problem },
    });
    expect(FIELD_NAME.phone_idle).toBe("idle time before requests go to the phone");
  });

  it("keeps the saved days when those typed are not valid, and sends the rest", () => {
    const form = editedForm((form) => {
      form.activity_kept_days = 0;
      form.start_at_login = true;
    });

    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, start_at_login: true },
      problems: {
        activity_kept_days: "Use a whole number of days, from 1 to 3,650 (10 years).",
      },
    });
    form.activity_kept_days = 365;
    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, start_at_login: true, activity_kept_days: 365 },
      problems: {},
    });
  });

  it("sends new quiet hours", () => {
    const form = editedForm((form) => {
      form.sounds.quiet_hours = true;
      form.sounds.quiet_from = "23:30";
      form.sounds.quiet_until = "06:15";
    });

    expect(planSave(form, saved)).toEqual({
      settings: {
        ...saved,
        sounds: { ...saved.sounds, quiet_hours: true, quiet_from: "23:30", quiet_until: "06:15" },
      },
      problems: {},
    });
  });

  it("keeps the saved time when the one typed is not valid, and sends the rest", () => {
    const form = editedForm((form) => {
      form.sounds.approvals = false;
      form.sounds.quiet_from = "";
      form.sounds.quiet_until = "6:15";
    });

    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, sounds: { ...saved.sounds, approvals: false } },
      problems: {
        quiet_from: "Type the time quiet hours start, as HH:MM, for example 22:00.",
        quiet_until: "Use a time as HH:MM, from 00:00 to 23:59, for example 07:00.",
      },
    });
  });

  it("leaves alone a saved time it would not take itself", () => {
    // The backend reads "+1:00" as 01:00.
    const odd = makeSettings({ sounds: { ...saved.sounds, quiet_until: "+1:00" } });

    expect(planSave(toForm(odd), odd)).toEqual({ settings: odd, problems: {} });
  });

  it("leaves alone a saved key it would not take itself", () => {
    const odd = makeSettings({ shortcuts: { ...saved.shortcuts, toggle_popover: "f5" } });

    expect(planSave(toForm(odd), odd)).toEqual({ settings: odd, problems: {} });
  });

  it("takes no key twice, however it is written", () => {
    const form = editedForm((form) => {
      form.shortcuts.deny = "Shift+Alt+Control+A";
    });

    const plan = planSave(form, saved);

    expect(plan.settings.shortcuts).toEqual(saved.shortcuts);
    expect(plan.problems).toEqual({ deny: "Shift+Alt+Control+A is already the approve key." });
  });

  it("takes neither of two new keys that are the same", () => {
    const form = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+y";
      form.shortcuts.deny = "ctrl+alt+y";
    });

    const plan = planSave(form, saved);

    expect(plan.settings.shortcuts).toEqual(saved.shortcuts);
    expect(plan.problems).toEqual({
      approve: "Ctrl+Alt+Y is also your new deny key: each key must be different.",
      deny: "Ctrl+Alt+Y is also your new approve key: each key must be different.",
    });
  });

  it("leaves out a new key that clashes with a saved key put back", () => {
    // The approve key stays ctrl+alt+shift+a, so deny cannot have it.
    const form = editedForm((form) => {
      form.shortcuts.approve = "ctrl+banana";
      form.shortcuts.deny = "ctrl+alt+shift+a";
      // Not ctrl+alt+shift+t: that is the go to terminal key now.
      form.shortcuts.toggle_popover = "ctrl+alt+shift+o";
    });

    const plan = planSave(form, saved);

    expect(plan.settings.shortcuts).toEqual({
      ...saved.shortcuts,
      toggle_popover: "ctrl+alt+shift+o",
    });
    expect(plan.problems).toEqual({
      approve: "“banana” is not a key a shortcut can use: use a letter, a digit or F1–F24.",
      deny: "Ctrl+Alt+Shift+A is already the approve key.",
    });
  });

  it("takes no go to terminal key that another key has, nor none at all", () => {
    const taken = editedForm((form) => {
      form.shortcuts.go_to_terminal = "Ctrl+Alt+Shift+C";
    });
    expect(planSave(taken, saved)).toEqual({
      settings: saved,
      problems: { go_to_terminal: "Ctrl+Alt+Shift+C is already the open or close key." },
    });

    const onIt = editedForm((form) => {
      form.shortcuts.deny = "ctrl+alt+shift+t";
    });
    expect(planSave(onIt, saved).problems).toEqual({
      deny: "Ctrl+Alt+Shift+T is already the go to terminal key.",
    });

    const both = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+g";
      form.shortcuts.go_to_terminal = "ctrl+alt+g";
    });
    expect(planSave(both, saved).problems).toEqual({
      approve: "Ctrl+Alt+G is also your new go to terminal key: each key must be different.",
      go_to_terminal: "Ctrl+Alt+G is also your new approve key: each key must be different.",
    });

    const empty = editedForm((form) => {
      form.shortcuts.go_to_terminal = "  ";
    });
    expect(planSave(empty, saved)).toEqual({
      settings: saved,
      problems: { go_to_terminal: "Type a shortcut, for example ctrl+alt+shift+a." },
    });
  });

  it("sends a new go to terminal key that no other key has", () => {
    const form = editedForm((form) => {
      form.shortcuts.go_to_terminal = "super+t";
    });

    expect(planSave(form, saved)).toEqual({
      settings: { ...saved, shortcuts: { ...saved.shortcuts, go_to_terminal: "super+t" } },
      problems: {},
    });
  });

  it("leaves out a key the system refused while it is still the one typed", () => {
    const refused = { approve: { key: "ctrl+alt+y", problem: "Taken." } };
    const typed = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+y";
    });
    const changed = editedForm((form) => {
      form.shortcuts.approve = "ctrl+alt+u";
    });

    expect(planSave(typed, saved, refused)).toEqual({
      settings: saved,
      problems: { approve: "Taken." },
    });
    expect(planSave(changed, saved, refused).problems).toEqual({});
  });
});
