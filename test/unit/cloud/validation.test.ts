import fc from "fast-check";
import { nodePoolProblem, nodePoolsProblem, retentionProblem } from "../../../components/shared/validation";

const EXAMPLE = "{ name: general, size: m6i.large, min: 2, max: 6 }";
const pool = (name: string, min = 1, max = 3) => ({ name, min, max });

describe("nodePoolsProblem", () => {
  it("accepts distinct valid pools", () => {
    expect(nodePoolsProblem([pool("general"), pool("batch", 0, 10)], EXAMPLE)).toBeUndefined();
  });

  it.each<[ReturnType<typeof pool>[], string]>([
    [[], `nodePools is empty; declare at least one, e.g. ${EXAMPLE}`],
    [[pool("general"), pool("Big")], nodePoolProblem(pool("Big"), "nodePools[1]") as string],
    [[pool("a", 5, 3)], "nodePools[0] has min 5 greater than max 3; set min <= max (e.g. min: 3, max: 5)"],
    [[pool("a"), pool("b"), pool("a")], 'nodePools has two pools named "a"; give each pool its own name'],
  ])("rejects %j", (pools, message) => {
    expect(nodePoolsProblem(pools, EXAMPLE)).toBe(message);
  });

  it("reports a bad pool before a later duplicate name (first problem in order)", () => {
    expect(nodePoolsProblem([pool("a", -1), pool("a")], EXAMPLE)).toBe(
      "nodePools[0].min is -1; it must be a whole number of at least 0",
    );
  });

  it("agrees with nodePoolProblem on every single pool (property)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-zA-Z0-9-]{0,12}$/),
        fc.integer({ min: -2, max: 5 }),
        fc.integer({ min: -2, max: 5 }),
        (name, min, max) => {
          expect(nodePoolsProblem([{ name, min, max }], EXAMPLE)).toBe(
            nodePoolProblem({ name, min, max }, "nodePools[0]"),
          );
        },
      ),
    );
  });
});

describe("retentionProblem", () => {
  it("accepts omitted and whole positive days", () => {
    expect(retentionProblem({})).toBeUndefined();
    expect(retentionProblem({ retentionDays: 1, noncurrentVersionRetentionDays: 90 })).toBeUndefined();
  });

  it.each<[Parameters<typeof retentionProblem>[0], string]>([
    [{ retentionDays: 0 }, "retentionDays is 0"],
    [{ retentionDays: 1.5 }, "retentionDays is 1.5"],
    [{ noncurrentVersionRetentionDays: -3 }, "noncurrentVersionRetentionDays is -3"],
    [{ retentionDays: 0, noncurrentVersionRetentionDays: 0 }, "retentionDays is 0"],
  ])("names the key of %j", (days, start) => {
    expect(retentionProblem(days)).toBe(
      `${start}; give a whole number of days of at least 1, or omit it to keep objects forever`,
    );
  });
});
