/**
 * A fuzz test of the spec loader and validation (issue 29): for any input, text or structure,
 * `checkSpec` answers with a spec or with positioned problems; it never throws, never hangs, and
 * never echoes a control character raw. Bounded in time: about 2 s on one core.
 */
import fc from "fast-check";
import { stringify } from "yaml";
import { checkSpec } from "../../../model/load";
import { BASE } from "../model/fixtures";

const BUDGET_MS = 5000;
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f]/;

function checkedWithin(text: string): void {
  const started = Date.now();
  const result = checkSpec(text, "stacks/staging/platform.yaml");
  // a hang, not a slow machine: generous for a core shared with other jobs
  expect(Date.now() - started).toBeLessThan(5000);
  if (result.spec) expect(result.problems).toEqual([]);
  else expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.col).toBeGreaterThanOrEqual(1);
    expect(p.message.length).toBeGreaterThan(0);
  }
}

// the first check compiles the schema: not part of any run's time
beforeAll(() => checkSpec(BASE, "stacks/staging/platform.yaml"));

describe("the spec loader under fuzzing", () => {
  test("any text: a spec or positioned problems, never a throw", () => {
    expect(() =>
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 400 }), (text) => checkedWithin(text)),
        { numRuns: 150, interruptAfterTimeLimit: BUDGET_MS },
      ),
    ).not.toThrow();
  });
  test("the valid spec with one span replaced by anything", () => {
    const mutated = fc
      .tuple(fc.nat({ max: BASE.length }), fc.nat({ max: 20 }), fc.string({ unit: "binary", maxLength: 20 }))
      .map(([at, cut, insert]) => BASE.slice(0, at) + insert + BASE.slice(at + cut));
    expect(() =>
      fc.assert(
        fc.property(mutated, (text) => checkedWithin(text)),
        { numRuns: 100, interruptAfterTimeLimit: BUDGET_MS },
      ),
    ).not.toThrow();
  });
  test("any structure written as YAML", () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    const shaped = fc.record(
      { environment: value, tier: value, clusters: value, tenants: value, apps: value },
      { requiredKeys: [] },
    );
    expect(() =>
      fc.assert(
        fc.property(fc.oneof(value, shaped), (doc) => checkedWithin(stringify(doc))),
        { numRuns: 150, interruptAfterTimeLimit: BUDGET_MS },
      ),
    ).not.toThrow();
  });
  test("problems never carry a raw control character of the input", () => {
    expect(() =>
      fc.assert(
        fc.property(fc.constantFrom("\u001b[31m", "\u0007", "\u0000", "\u001b]0;x\u0007"), (bad) => {
          const problems = checkSpec(
            BASE.replace("tier: staging", `tier: "${JSON.stringify(bad).slice(1, -1)}"`),
            "s.yaml",
          ).problems;
          for (const p of problems) expect(p.message).not.toMatch(RAW);
        }),
        { numRuns: 10 },
      ),
    ).not.toThrow();
  });
});
