/** `--concurrency` of `up` and `preview`, and the per-unit table `up` prints for a units environment. */
import { parseDeployArgs } from "../../../ops/commands/deploy";
import { parsePreviewArgs } from "../../../ops/commands/preview";
import { UsageError } from "../../../ops/commands/types";
import { notApplied, renderOutcomes, UnitsRunResult } from "../../../ops/units/run";

describe("--concurrency", () => {
  test("up and preview take a positive integer; absent means the default", () => {
    expect(parseDeployArgs("up", ["local", "--yes", "--concurrency", "2"])).toEqual({
      env: "local",
      yes: true,
      concurrency: 2,
    });
    expect(parseDeployArgs("up", ["local"])).toEqual({ env: "local", yes: false });
    expect(parsePreviewArgs(["local", "--concurrency=8"]).concurrency).toBe(8);
    expect(parsePreviewArgs(["local"]).concurrency).toBeUndefined();
  });

  test.each(["0", "-1", "1.5", "two", ""])("refuses %j, naming the flag", (raw) => {
    expect(() => parseDeployArgs("up", ["local", `--concurrency=${raw}`])).toThrow(UsageError);
    expect(() => parseDeployArgs("up", ["local", `--concurrency=${raw}`])).toThrow(
      /--concurrency must be a positive integer/,
    );
    expect(() => parsePreviewArgs(["local", `--concurrency=${raw}`])).toThrow(
      /--concurrency must be a positive integer/,
    );
  });
});

describe("the per-unit table", () => {
  const result: UnitsRunResult = {
    base: { unit: "base", status: "skipped", detail: "unchanged" },
    units: [
      {
        unit: "payments",
        status: "failed",
        reason: "PolicyViolation",
        message: "policy k8s-no-privileged refused\nDeployment: debug",
      },
      { unit: "search", status: "succeeded", detail: "update 1" },
      { unit: "reports", status: "blocked", blockedBy: "payments" },
    ],
    removed: [],
  };

  test("one line per unit, the failure's message on its line", () => {
    expect(renderOutcomes(result).split("\n")).toEqual([
      "  base      skipped    unchanged",
      "  payments  failed     PolicyViolation: policy k8s-no-privileged refused Deployment: debug",
      "  search    succeeded  update 1",
      "  reports   blocked    waits for payments, which did not apply",
    ]);
  });

  test("failed and blocked units did not apply", () => {
    expect(notApplied(result).map((o) => o.unit)).toEqual(["payments", "reports"]);
  });
});
