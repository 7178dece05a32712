import { formatCoverage, parseStandard, standardCoverage } from "../../ops/policy/standards";
import type { Violation } from "../../ops/policy/evaluate";
import localConfig from "../../policies/config/local.json";
import production from "../../policies/config/production.json";

const violation = (policyName: string): Violation => ({
  policyPack: "platform-kubernetes",
  policyName,
  enforcementLevel: "mandatory",
  severity: "high",
  message: "m",
  remediation: "r",
});

describe("parseStandard", () => {
  it.each([
    ["baseline", "baseline"],
    ["restricted", "restricted"],
    ["privileged", { problem: '--standard must be one of baseline, restricted (got "privileged")' }],
    ["RESTRICTED", { problem: '--standard must be one of baseline, restricted (got "RESTRICTED")' }],
  ])("%j → %j", (value, expected) => {
    expect(parseStandard(value)).toEqual(expected);
  });
});

describe("standardCoverage", () => {
  it.each([
    ["baseline", 11],
    ["restricted", 17],
    [undefined, 17],
  ] as const)("%s lists %d controls", (level, count) => {
    expect(standardCoverage([], localConfig, level)).toHaveLength(count);
  });

  it("counts each rule's violations and reads its enforcement from the environment", () => {
    const rows = standardCoverage([violation("k8s-seccomp"), violation("k8s-seccomp")], localConfig);
    expect(rows.filter((r) => r.rule === "k8s-seccomp")).toEqual([
      { level: "baseline", control: "Seccomp", rule: "k8s-seccomp", enforcement: "advisory", violations: 2 },
      {
        level: "restricted",
        control: "Seccomp",
        rule: "k8s-seccomp",
        enforcement: "advisory",
        violations: 2,
      },
    ]);
    const prod = standardCoverage([], production);
    expect(prod.find((r) => r.rule === "k8s-volume-types")?.enforcement).toBe("mandatory");
    expect(
      standardCoverage([], { "k8s-selinux": "disabled" }).find((r) => r.rule === "k8s-selinux")?.enforcement,
    ).toBe("disabled");
  });

  it("formats a table under a heading, nothing for no rows", () => {
    const text = formatCoverage(standardCoverage([], localConfig, "baseline"), "baseline");
    expect(text.split("\n")[0]).toBe("Pod Security Standards, baseline:");
    expect(text).toMatch(/^baseline\s+\/proc Mount Type\s+k8s-default-proc-mount\s+mandatory\s+0$/m);
    expect(formatCoverage([])).toBe("");
  });
});
