/**
 * Durations have a range and timers cannot overflow (issue 29, item 4): `agent --interval
 * 99999999h` was accepted and Node clamped the timer to 1 ms, so the agent spun.
 */
import { parseAgentArgs } from "../../../ops/commands/agent";
import { UsageError } from "../../../ops/errors";
import { delay, MAX_TIMER_MS, timerDelay } from "../../../ops/timers";
import { BASE, problemsOf } from "../model/fixtures";

const repo = "https://git.example.com/acme/platform.git";

describe("duration flags have a range", () => {
  test.each([
    ["--interval", "99999999h", "--interval must be between 1s and 24h"],
    ["--interval", "1000h", "--interval must be between 1s and 24h"],
    ["--interval", "0s", "--interval must be between 1s and 24h"],
    ["--drift-interval", "25h", "--drift-interval must be between 5s and 24h"],
    ["--drift-interval", "4s", "--drift-interval must be between 5s and 24h"],
    ["--lease-duration", "2s", "--lease-duration must be between 3s and 1h"],
    ["--lease-duration", "2h", "--lease-duration must be between 3s and 1h"],
    ["--interval", "99999999999999999999s", "--interval must be a duration between 1s and 24h"],
    ["--interval", "1.5m", "--interval must be a duration between 1s and 24h"],
  ])("%s %s is a usage error", (flag, value, message) => {
    const parse = () => parseAgentArgs(["local", "--repo", repo, flag, value]);
    expect(parse).toThrow(UsageError);
    expect(parse).toThrow(message);
  });
  test("the ends of each range are accepted", () => {
    const args = parseAgentArgs([
      "local",
      "--repo",
      repo,
      "--interval",
      "24h",
      "--drift-interval",
      "1m",
      "--lease-duration",
      "3s",
    ]);
    expect(args.intervalMs).toBe(86_400_000);
    expect(args.driftIntervalMs).toBe(60_000);
    expect(args.leaseDurationMs).toBe(3000);
  });
});

describe("duration fields of the spec have the same range", () => {
  const withAgent = (fields: string) =>
    `${BASE}agent:\n  image: registry.acme.io/platform/agent:1.0.0\n  repo: ${repo}\n${fields}`;
  test.each([
    ["  interval: 99999999h\n", "agent.interval: must be between 1s and 24h"],
    ["  driftInterval: 4s\n", "agent.driftInterval: must be between 5s and 24h"],
  ])("%j is a problem at validate", (fields, message) => {
    expect(problemsOf(withAgent(fields)).join("\n")).toContain(message);
  });
  test("a duration inside the range is fine", () => {
    expect(problemsOf(withAgent("  interval: 24h\n  driftInterval: 1m\n"))).toEqual([]);
  });
});

describe("the one timer helper", () => {
  test.each([
    [2 ** 40, MAX_TIMER_MS],
    [Number.POSITIVE_INFINITY, MAX_TIMER_MS],
    [Number.NaN, MAX_TIMER_MS],
    [-5, 0],
    [1500.7, 1500],
  ])("timerDelay(%p) is %p", (given, safe) => {
    expect(timerDelay(given)).toBe(safe);
  });
  test("a delay longer than a timer holds raises no TimeoutOverflowWarning and ends on abort", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const controller = new AbortController();
      const waited = delay(99999999 * 3_600_000, controller.signal);
      await new Promise((r) => setImmediate(r));
      controller.abort();
      await waited;
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("TimeoutOverflowWarning");
  });
});
