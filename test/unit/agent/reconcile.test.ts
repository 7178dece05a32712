import { backoffMs, decide, driftArgs, MAX_RETRIES, ReconcileFacts } from "../../../ops/agent/reconcile";
import { parseDuration } from "../../../ops/agent/duration";
import { worst } from "../../../ops/agent/run";
import { DURATION_RANGES } from "../../../model/durations";

const A = "a".repeat(40);
const B = "b".repeat(40);
const NOW = 1_000_000_000;
const base: ReconcileFacts = { head: B, lastAppliedRevision: A, failures: 0, suspended: false, now: NOW };

describe("decide", () => {
  test.each<[string, Partial<ReconcileFacts>, ReturnType<typeof decide>]>([
    ["a new head is applied", {}, { action: "apply", revision: B, reason: "NewRevision" }],
    ["the applied head runs nothing", { head: A }, { action: "none", reason: "UpToDate" }],
    [
      "nothing applied yet: adopt with one up",
      { lastAppliedRevision: undefined },
      { action: "apply", revision: B, reason: "Adopting" },
    ],
    ["suspended applies nothing", { suspended: true }, { action: "none", reason: "Suspended" }],
    [
      "an unreadable source applies nothing",
      { head: undefined, sourceError: "no branch" },
      { action: "none", reason: "SourceUnavailable" },
    ],
    [
      "a failed head waits 10 s before the first retry",
      { lastAttemptedRevision: B, failures: 1, lastFailureAt: NOW - 5_000 },
      { action: "wait", revision: B, retryAt: NOW + 5_000, reason: "RetryingAfterFailure" },
    ],
    [
      "a failed head is retried once its backoff has passed",
      { lastAttemptedRevision: B, failures: 2, lastFailureAt: NOW - 30_000 },
      { action: "apply", revision: B, reason: "RetryingAfterFailure" },
    ],
    [
      "retries exhausted: Stalled until a new commit",
      { lastAttemptedRevision: B, failures: MAX_RETRIES + 1, lastFailureAt: 0 },
      { action: "none", reason: "Stalled" },
    ],
    [
      "a permanent failure (policy) is not retried",
      { lastAttemptedRevision: B, failures: 1, lastFailureAt: 0, lastFailurePermanent: true },
      { action: "none", reason: "Stalled" },
    ],
    [
      "a new commit after a stalled one is applied",
      {
        lastAttemptedRevision: A,
        lastAppliedRevision: "c".repeat(40),
        failures: 4,
        lastFailurePermanent: true,
      },
      { action: "apply", revision: B, reason: "NewRevision" },
    ],
    [
      "suspended wins over a pending retry",
      { suspended: true, lastAttemptedRevision: B, failures: 1, lastFailureAt: 0 },
      { action: "none", reason: "Suspended" },
    ],
  ])("%s", (_name, facts, expected) => {
    expect(decide({ ...base, ...facts })).toEqual(expected);
  });
});

test("backoff is 10 s × 3ⁿ, capped at 10 minutes", () => {
  expect([0, 1, 2, 3, 4, 10].map(backoffMs)).toEqual([10_000, 30_000, 90_000, 270_000, 600_000, 600_000]);
});

describe("parseDuration", () => {
  test.each([
    ["30s", 30_000],
    ["1m", 60_000],
    ["10m", 600_000],
    ["2h", 7_200_000],
  ])("%s", (raw, ms) => expect(parseDuration(raw, "--interval", DURATION_RANGES.interval)).toBe(ms));

  test.each(["5", "1.5m", "0s", "1d", "", "-1m", "m"])("refuses %p naming the flag", (raw) => {
    expect(() => parseDuration(raw, "--drift-interval", DURATION_RANGES.driftInterval)).toThrow(
      /--drift-interval must be .*got/,
    );
  });
});

test("worst drift code: 1 over 4 over 0; other codes count as 1", () => {
  expect(worst(0, 4)).toBe(4);
  expect(worst(4, 1)).toBe(1);
  expect(worst(0, 0)).toBe(0);
  expect(worst(0, 3)).toBe(1);
});

describe("driftArgs: suspend gates remediation, not the check", () => {
  test.each<[boolean, string[]]>([
    [false, ["drift", "local", "--out", "/o"]],
    [true, ["drift", "local", "--out", "/o", "--report-only"]],
  ])("suspended %p", (suspended, want) => {
    expect(driftArgs("local", "/o", suspended)).toEqual(want);
  });
});
