import { eventsFor, fromCrStatus, statusFingerprint, toCrStatus } from "../../../ops/agent/kube/crStatus";
import { pendingRequest, withClusterNote } from "../../../ops/agent/kube/link";
import { conditions, EnvironmentStatus } from "../../../ops/agent/status";

const SHA = "a".repeat(40);
const SHA2 = "b".repeat(40);
const ready: EnvironmentStatus = {
  name: "local",
  phase: "Ready",
  lastAppliedRevision: SHA,
  lastAttemptedRevision: SHA,
  lastAppliedAt: "2026-12-01T10:00:00.000Z",
  conditions: conditions("Ready", "Applied", `revision ${SHA} applied`),
  drift: { status: "in-sync", drifted: 0, checkedAt: "2026-12-01T10:01:00.000Z" },
  suspended: false,
};
const ctx = {
  generation: 3,
  identity: "agent-a",
  lease: "platform-agent-local",
  now: "2026-12-01T10:02:00.000Z",
};

describe("toCrStatus", () => {
  test("carries the /status fields, the leader and kstatus conditions with generation and times", () => {
    const cr = toCrStatus({ ...ready, lastHandledReconcileAt: "r1" }, ctx);
    expect(cr).toEqual({
      observedGeneration: 3,
      phase: "Ready",
      lastAppliedRevision: SHA,
      lastAttemptedRevision: SHA,
      lastAppliedAt: ready.lastAppliedAt,
      lastHandledReconcileAt: "r1",
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "Applied",
          message: `revision ${SHA} applied`,
          observedGeneration: 3,
          lastTransitionTime: ctx.now,
        },
      ],
      drift: { status: "in-sync", drifted: 0, checkedAt: ready.drift.checkedAt },
      suspended: false,
      leader: { identity: "agent-a", lease: "platform-agent-local" },
    });
  });

  test("a condition whose status did not change keeps its lastTransitionTime; a changed one gets now", () => {
    const previous = toCrStatus(ready, { ...ctx, now: "2026-12-01T09:00:00.000Z" }).conditions;
    const suspended = {
      ...ready,
      phase: "Suspended" as const,
      suspended: true,
      conditions: conditions("Suspended", "Suspended", "applying is suspended"),
    };
    const cr = toCrStatus(suspended, { ...ctx, previous });
    const byType = Object.fromEntries(cr.conditions.map((c) => [c.type, c]));
    expect(byType.Ready).toMatchObject({ status: "False", reason: "Suspended", lastTransitionTime: ctx.now });
    expect(Object.keys(byType)).toEqual(["Ready"]); // no Stalled or Reconciling while they do not hold
    expect(cr).toMatchObject({ phase: "Suspended", suspended: true });
    const checked = toCrStatus({ ...ready, drift: { status: "drifted", drifted: 1 } }, { ...ctx, previous });
    expect(checked.conditions[0]).toMatchObject({
      status: "True",
      lastTransitionTime: "2026-12-01T09:00:00.000Z",
    });
  });

  test("undefined revisions are left out (a Pending object has none)", () => {
    const pending: EnvironmentStatus = {
      name: "local",
      phase: "Pending",
      conditions: conditions("Pending", "Starting", "not reconciled yet"),
      drift: { status: "not-checked", drifted: 0 },
      suspended: false,
    };
    const cr = toCrStatus(pending, ctx);
    expect(Object.keys(cr)).not.toContain("lastAppliedRevision");
    expect(cr.drift).toEqual({ status: "not-checked", drifted: 0 });
  });

  test("the fingerprint ignores transition times but not the content", () => {
    const a = toCrStatus(ready, ctx);
    const b = toCrStatus(ready, { ...ctx, now: "2030-01-01T00:00:00.000Z" });
    expect(statusFingerprint(a)).toBe(statusFingerprint(b));
    expect(
      statusFingerprint(toCrStatus({ ...ready, drift: { ...ready.drift, checkedAt: "x" } }, ctx)),
    ).not.toBe(statusFingerprint(a));
  });

  test("fromCrStatus gives a standby the leader's view back", () => {
    const back = fromCrStatus("local", toCrStatus(ready, ctx));
    expect(back).toMatchObject({ name: "local", phase: "Ready", lastAppliedRevision: SHA, suspended: false });
    expect(back?.conditions[0]).toEqual(ready.conditions[0]);
    expect(fromCrStatus("local", undefined)).toBeUndefined();
    expect(fromCrStatus("local", {})).toBeUndefined();
  });
});

describe("eventsFor", () => {
  const stalled: EnvironmentStatus = {
    ...ready,
    phase: "Stalled",
    lastAttemptedRevision: SHA2,
    conditions: conditions(
      "Stalled",
      "PolicyViolation",
      `revision ${SHA2}: policy k8s-no-privileged refused x: token=abc123 Nothing was applied.`,
    ),
  };
  test.each<[string, EnvironmentStatus, EnvironmentStatus, string[]]>([
    ["nothing changed: no Event", ready, ready, []],
    [
      "a new apply",
      { ...ready, lastAppliedAt: undefined, lastAppliedRevision: undefined },
      ready,
      ["Normal Applied"],
    ],
    ["a refusal", ready, stalled, ["Warning ApplyRefused"]],
    ["the same refusal again: no new Event", stalled, stalled, []],
    [
      "a transient failure",
      ready,
      { ...stalled, phase: "Retrying", conditions: conditions("Retrying", "EngineError", "boom") },
      ["Warning ApplyFailed"],
    ],
    ["suspended", ready, { ...ready, suspended: true, phase: "Suspended" }, ["Normal Suspended"]],
    ["resumed", { ...ready, suspended: true }, ready, ["Normal Resumed"]],
    [
      "drift found at a new check",
      ready,
      { ...ready, drift: { status: "drifted", drifted: 2, checkedAt: "t2" } },
      ["Warning DriftDetected"],
    ],
    [
      "the same check again: no Event",
      { ...ready, drift: { status: "drifted", drifted: 2, checkedAt: "t2" } },
      { ...ready, drift: { status: "drifted", drifted: 2, checkedAt: "t2" } },
      [],
    ],
    [
      "remediated",
      ready,
      { ...ready, drift: { status: "drifted", drifted: 1, checkedAt: "t3", remediation: "applied" } },
      ["Normal Remediated"],
    ],
    [
      "in sync at a new check: no Event",
      ready,
      { ...ready, drift: { status: "in-sync", drifted: 0, checkedAt: "t4" } },
      [],
    ],
  ])("%s", (_name, before, after, want) => {
    expect(eventsFor(before, after).map((e) => `${e.type} ${e.reason}`)).toEqual(want);
  });

  test("messages name the revision, the reason and the count, never a credential", () => {
    const [refused] = eventsFor(ready, stalled);
    expect(refused.note).toContain("PolicyViolation: ");
    expect(refused.note).toContain(SHA2);
    expect(refused.note).not.toContain("abc123");
    const [drift] = eventsFor(ready, { ...ready, drift: { status: "drifted", drifted: 2, checkedAt: "t2" } });
    expect(drift.note).toBe(`2 resource(s) drifted from revision ${SHA.slice(0, 12)}`);
  });
});

describe("reconcile requests and cluster notes", () => {
  test.each<[string | undefined, string | undefined, string | undefined]>([
    [undefined, undefined, undefined],
    ["", undefined, undefined],
    ["2026-12-01T10:00:00Z", undefined, "2026-12-01T10:00:00Z"],
    ["2026-12-01T10:00:00Z", "2026-12-01T10:00:00Z", undefined],
    ["2", "1", "2"],
  ])("annotation %p, handled %p: pending %p", (annotation, handled, want) => {
    expect(pendingRequest(annotation, handled)).toBe(want);
  });

  test("an unreachable cluster is named in the Ready message, once however often it is noted", () => {
    const once = withClusterNote(ready, "GET /apis: https://127.0.0.1:1 unreachable");
    const twice = withClusterNote(once, "GET /apis: https://127.0.0.1:1 unreachable");
    expect(twice.conditions[0].message).toBe(
      `revision ${SHA} applied; status not written to the cluster: GET /apis: https://127.0.0.1:1 unreachable`,
    );
    expect(withClusterNote(ready, undefined)).toBe(ready);
  });
});

describe("the record: what a restarted agent reads back from the object", () => {
  const stalled: EnvironmentStatus = {
    ...ready,
    phase: "Stalled",
    lastAttemptedRevision: SHA2,
    conditions: conditions("Stalled", "SpecInvalid", "stacks/local/platform.yaml:25:15 bad"),
    drift: {
      status: "in-sync",
      drifted: 0,
      checkedAt: "2026-12-01T10:01:00.000Z",
      clusters: { local: { status: "in-sync", drifted: 0 } },
    },
    lastFailure: {
      revision: SHA2,
      reason: "SpecInvalid",
      message: "stacks/local/platform.yaml:25:15 bad",
      count: 1,
      at: "2026-12-01T10:00:30.000Z",
      terminal: true,
    },
  };

  test("written and read back, the record is the same (failures, refusal, revisions, drift)", () => {
    const back = fromCrStatus("local", toCrStatus(stalled, ctx));
    expect(back).toEqual({ ...stalled, lastHandledReconcileAt: undefined });
  });

  test("what is not the API's is left out, never cast: an unknown phase, reason or condition type", () => {
    expect(fromCrStatus("local", { phase: "Exploded" as never })).toBeUndefined();
    const cr = toCrStatus(stalled, ctx);
    const odd = {
      ...cr,
      conditions: [...cr.conditions, { ...cr.conditions[0], type: "Healthy" as never }],
      lastFailure: { ...stalled.lastFailure!, reason: "Gremlins" as never },
    };
    const back = fromCrStatus("local", odd);
    expect(back?.conditions.map((c) => c.type)).toEqual(["Ready", "Stalled"]);
    expect(back?.lastFailure).toBeUndefined();
  });
});
