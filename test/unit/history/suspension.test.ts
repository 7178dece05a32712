import { PreflightError } from "../../../ops/errors";
import {
  checkSuspended,
  decideSuspension,
  formatSuspension,
  parseSuspension,
  SUSPENDED_TAG,
} from "../../../ops/engine/suspension";

const commit = "a".repeat(40);
const tree = "b".repeat(40);
const tag = formatSuspension({ reason: "rollback", commit, tree, at: "2026-12-01T12:00:00.000Z" });

test("the tag value round-trips and has the documented shape", () => {
  expect(tag).toBe(`rollback commit=${commit} tree=${tree} at=2026-12-01T12:00:00.000Z`);
  expect(parseSuspension(tag)).toEqual({ reason: "rollback", commit, tree, at: "2026-12-01T12:00:00.000Z" });
  expect(parseSuspension("by hand")).toBeUndefined();
  expect(parseSuspension(undefined)).toBeUndefined();
});

describe("decideSuspension", () => {
  test.each([
    [undefined, undefined, false, { proceed: true, clear: false, why: "not-suspended" }],
    ["", tree, false, { proceed: true, clear: false, why: "not-suspended" }],
    [tag, tree, false, { proceed: true, clear: true, why: "revert-merged" }],
    [tag, "c".repeat(40), false, { proceed: false, why: "suspended" }],
    [tag, undefined, false, { proceed: false, why: "suspended" }],
    [tag, "c".repeat(40), true, { proceed: true, clear: true, why: "resumed" }],
    ["set by hand", tree, false, { proceed: false, why: "suspended" }],
    ["set by hand", tree, true, { proceed: true, clear: true, why: "resumed" }],
  ])("tag %j, applied tree %j, resume %j", (t, applied, resume, expected) => {
    expect(decideSuspension(t, applied, resume)).toEqual(expected);
  });
});

test("checkSuspended refuses with the named check, the rollback and both ways out", () => {
  let err: unknown;
  try {
    checkSuspended("local", { [SUSPENDED_TAG]: tag }, "c".repeat(40), false);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(PreflightError);
  const refusal = err as PreflightError;
  expect(refusal.check).toBe("suspended");
  expect(refusal.message).toContain(`rolled back to ${commit.slice(0, 12)}`);
  expect(refusal.message).toContain('refused by the pre-flight check "suspended", nothing was run');
  expect(refusal.message).toContain(`platform rollback local --to ${commit.slice(0, 12)}`);
  expect(refusal.message).toContain("platform up local --resume");
  expect(checkSuspended("local", { [SUSPENDED_TAG]: tag }, tree, false)).toEqual({
    proceed: true,
    clear: true,
    why: "revert-merged",
  });
});
