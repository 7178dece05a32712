import {
  decideAccept,
  decideRemediation,
  pendingOperationsOf,
  RemediationFacts,
} from "../../../ops/drift/gate";

const safe: RemediationFacts = { status: "drifted", pendingChanges: 0, pendingOperations: 0, locks: [] };

describe("decideRemediation", () => {
  test("runs when drifted and nothing else is in motion", () => {
    expect(decideRemediation(safe)).toEqual({ run: true, reasons: [], needsPerson: false });
  });

  test.each<[string, Partial<RemediationFacts>, RegExp]>([
    ["pending code changes", { pendingChanges: 2 }, /a person must decide/],
    ["pending operations", { pendingOperations: 1 }, /pending operation/],
    ["a lock", { locks: ["locked by ana@host (pid 7) since T: still running"] }, /locked/],
    ["unreadable state", { unreadable: "the state backend is unreachable" }, /could not be read/],
    ["unknown status", { status: "unknown" }, /unknown/],
    ["no drift", { status: "in-sync" }, /no drift/],
  ])("refuses with %s", (_name, facts, reason) => {
    const d = decideRemediation({ ...safe, ...facts });
    expect(d.run).toBe(false);
    expect(d.reasons.join("\n")).toMatch(reason);
  });

  test("both moved is flagged as needing a person", () => {
    expect(decideRemediation({ ...safe, pendingChanges: 1 }).needsPerson).toBe(true);
  });

  test("every reason is listed, not only the first", () => {
    expect(
      decideRemediation({ ...safe, pendingChanges: 1, pendingOperations: 1, locks: ["l"] }).reasons,
    ).toHaveLength(3);
  });
});

describe("decideAccept", () => {
  test("accepts despite pending code changes (they become the PR), but not with a lock", () => {
    expect(decideAccept({ ...safe, pendingChanges: 3 }).run).toBe(true);
    expect(decideAccept({ ...safe, locks: ["l"] }).run).toBe(false);
  });
});

describe("facts from the backend", () => {
  test("pendingOperationsOf counts the checkpoint's pending operations", () => {
    expect(pendingOperationsOf({ deployment: { pending_operations: [{}, {}] } })).toBe(2);
    expect(pendingOperationsOf({ deployment: {} })).toBe(0);
  });
});
