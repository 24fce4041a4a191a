import { describe, expect, it } from "vitest";
import { makeSettings } from "../test/fixtures";
import {
  fromForm,
  MAX_REFUSED_HOSTS,
  refusedHostProblem,
  sameJson,
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
    const timeout = { amount: null, unit: "seconds" } as const;
    const emptied: SettingsForm = { ...toForm(makeSettings()), timeout };
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
});
