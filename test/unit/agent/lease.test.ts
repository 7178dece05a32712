import {
  decideLease,
  LeaseDecision,
  LeaseFacts,
  microTime,
  nextLeaseSpec,
} from "../../../ops/agent/kube/lease";

const ME = "agent-a";
const T0 = 1_000_000;
const lease = (holderIdentity: string | undefined, leaseDurationSeconds = 15) => ({
  holderIdentity,
  leaseDurationSeconds,
  renewTime: microTime(T0),
});

describe("decideLease", () => {
  test.each<[string, Omit<LeaseFacts, "identity">, LeaseDecision]>([
    ["no Lease yet: create it", { lease: undefined, observedAt: T0, now: T0 }, { action: "create" }],
    ["ours: renew", { lease: lease(ME), observedAt: T0, now: T0 + 5000 }, { action: "renew" }],
    [
      "ours even when long expired: renew (nobody took it)",
      { lease: lease(ME), observedAt: T0, now: T0 + 60_000 },
      { action: "renew" },
    ],
    [
      "another holder, seen unchanged for less than the duration: stand by",
      { lease: lease("agent-b"), observedAt: T0, now: T0 + 14_999 },
      { action: "standby", holder: "agent-b", expiresAt: T0 + 15_000 },
    ],
    [
      "another holder, unchanged for the whole duration: expired, take over",
      { lease: lease("agent-b"), observedAt: T0, now: T0 + 15_000 },
      { action: "takeover", reason: "Expired", previous: "agent-b" },
    ],
    [
      "the expiry counts from when we saw the record, not its renewTime (clock skew)",
      { lease: lease("agent-b"), observedAt: T0 + 10_000, now: T0 + 20_000 },
      { action: "standby", holder: "agent-b", expiresAt: T0 + 25_000 },
    ],
    [
      "released (empty holder): take over at once",
      { lease: lease(""), observedAt: T0, now: T0 },
      { action: "takeover", reason: "Released" },
    ],
    [
      "no holder field: released",
      { lease: lease(undefined), observedAt: T0, now: T0 },
      { action: "takeover", reason: "Released" },
    ],
    [
      "a holder without a duration expires as soon as we look again",
      { lease: { holderIdentity: "agent-b" }, observedAt: T0, now: T0 },
      { action: "takeover", reason: "Expired", previous: "agent-b" },
    ],
  ])("%s", (_name, facts, want) => {
    expect(decideLease({ ...facts, identity: ME })).toEqual(want);
  });
});

describe("nextLeaseSpec", () => {
  test("create starts at transition 0 with acquire = renew = now", () => {
    expect(nextLeaseSpec({ action: "create" }, undefined, ME, 6, T0)).toEqual({
      holderIdentity: ME,
      leaseDurationSeconds: 6,
      acquireTime: microTime(T0),
      renewTime: microTime(T0),
      leaseTransitions: 0,
    });
  });

  test("renew keeps acquireTime and transitions, moves renewTime", () => {
    const current = { ...lease(ME), acquireTime: microTime(T0 - 9000), leaseTransitions: 3 };
    expect(nextLeaseSpec({ action: "renew" }, current, ME, 15, T0 + 5000)).toEqual({
      holderIdentity: ME,
      leaseDurationSeconds: 15,
      acquireTime: microTime(T0 - 9000),
      renewTime: microTime(T0 + 5000),
      leaseTransitions: 3,
    });
  });

  test("a takeover counts one more transition", () => {
    const current = { ...lease("agent-b"), leaseTransitions: 2 };
    const spec = nextLeaseSpec({ action: "takeover", reason: "Expired" }, current, ME, 15, T0);
    expect(spec).toMatchObject({ holderIdentity: ME, leaseTransitions: 3, acquireTime: microTime(T0) });
  });

  test("standby writes nothing", () => {
    expect(
      nextLeaseSpec({ action: "standby", holder: "b", expiresAt: 0 }, lease("b"), ME, 15, T0),
    ).toBeUndefined();
  });
});

test("microTime has exactly six fractional digits (the API server's MicroTime)", () => {
  expect(microTime(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe("2026-01-02T03:04:05.678000Z");
});
