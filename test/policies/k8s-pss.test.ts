/**
 * The Pod Security Standards coverage: every control of both levels maps to a rule that exists,
 * has a CEL form and links the standard; the new rules' refused cases are refused on every
 * workload kind with a pod template, and `rulesOfStandard` selects exactly each level's rules.
 */
import { allPolicies } from "../../policies/catalog";
import { celRules } from "../../policies/kubernetes/cel";
import {
  PSS_CONTROLS,
  PSS_URL,
  controlsOfRule,
  describeControls,
  rulesOfStandard,
} from "../../policies/kubernetes/podSecurityStandards";
import { podMetadataPath } from "../../policies/kubernetes/rules/pod-security-standards";
import { PlatformPolicy } from "../../policies/lib/rule";
import { check, variant } from "./harness";
import { PSS_CASES } from "./k8s-pss-cases";
import { PodSpec, WORKLOADS, goodPodSpec, withPodAnnotations } from "./k8s-workloads";

const NEW_RULES = [
  "k8s-no-host-process",
  "k8s-selinux",
  "k8s-apparmor",
  "k8s-safe-sysctls",
  "k8s-volume-types",
];

const BASELINE = [
  "HostProcess",
  "Host Namespaces",
  "Privileged Containers",
  "Capabilities",
  "HostPath Volumes",
  "Host Ports",
  "AppArmor",
  "SELinux",
  "/proc Mount Type",
  "Seccomp",
  "Sysctls",
];
const RESTRICTED = [
  "Volume Types",
  "Privilege Escalation",
  "Running as Non-root",
  "Running as Non-root user",
  "Seccomp",
  "Capabilities",
];

const byName = (name: string) => allPolicies.find((p) => p.name === name) as PlatformPolicy | undefined;

describe("Pod Security Standards controls", () => {
  it("lists every control of both levels exactly once", () => {
    expect(PSS_CONTROLS.filter((c) => c.level === "baseline").map((c) => c.control)).toEqual(BASELINE);
    expect(PSS_CONTROLS.filter((c) => c.level === "restricted").map((c) => c.control)).toEqual(RESTRICTED);
  });

  it.each(PSS_CONTROLS.map((c) => [`${c.level} ${c.control}`, c.rule] as const))(
    "%s → %s: the rule exists in the packs and has a CEL form for admission",
    (_control, rule) => {
      expect(byName(rule)?.name).toBe(rule);
      expect(celRules.map((r) => r.name)).toContain(rule);
    },
  );

  it.each(NEW_RULES)("%s links the standard and names the control it mirrors", (name) => {
    const p = byName(name);
    expect(p?.reference).toBe(PSS_URL);
    const [control] = controlsOfRule(name);
    expect(p?.displayName).toContain(`PSS ${control.level} "${control.control}"`);
  });

  it.each([
    ["baseline", 11, ["k8s-no-host-process", "k8s-selinux", "k8s-seccomp"], ["k8s-volume-types"]],
    [
      "restricted",
      14,
      ["k8s-no-host-process", "k8s-volume-types", "k8s-run-as-non-root"],
      ["k8s-probes", "k8s-no-latest-tag"],
    ],
  ] as const)("%s runs %d rules (restricted includes baseline)", (level, count, has, hasNot) => {
    const rules = rulesOfStandard(level);
    expect(rules).toHaveLength(count);
    expect(new Set(rules).size).toBe(rules.length);
    for (const r of has) expect(rules).toContain(r);
    for (const r of hasNot) expect(rules).not.toContain(r);
  });

  it("describes a rule's controls for reports", () => {
    expect(describeControls("k8s-seccomp")).toBe("baseline Seccomp; restricted Seccomp");
    expect(describeControls("k8s-probes")).toBe("");
  });
});

describe("the new Pod Security Standards rules on every workload kind", () => {
  const refused = PSS_CASES.filter((c) => c.expected !== null);
  const rows = Object.keys(WORKLOADS).flatMap((type) => refused.map((c) => ({ ...c, type })));
  it.each(rows)("$rule refuses $case on $type", ({ rule, type, mutate, annotations, expected }) => {
    const props = withPodAnnotations(
      type,
      WORKLOADS[type](variant(goodPodSpec() as PodSpec, mutate)),
      annotations,
    );
    const messages = check(rule, { type, props });
    expect(messages.join("\n")).toMatch(expected as RegExp);
    expect(messages.join("\n")).toContain(podMetadataPath(type).replace(/metadata$/, ""));
  });

  it.each(Object.keys(WORKLOADS))(
    "names the pod metadata path of %s in AppArmor annotation messages",
    (type) => {
      const props = withPodAnnotations(type, WORKLOADS[type](goodPodSpec()), {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
      });
      expect(check("k8s-apparmor", { type, props })).toEqual([
        expect.stringContaining(`(${podMetadataPath(type)}.annotations) is unconfined`),
      ]);
    },
  );

  it("ignores annotations of other tools and the AppArmor annotation of the object's own metadata on templates", () => {
    const type = "kubernetes:apps/v1:Deployment";
    const props = withPodAnnotations(type, WORKLOADS[type](goodPodSpec()), {
      "example.com/apparmor": "unconfined",
    });
    (props.metadata as Record<string, unknown>).annotations = {
      "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
    };
    expect(check("k8s-apparmor", { type, props })).toEqual([]);
  });

  it("reads every field the rules judge through the unknown-safe helpers during preview", () => {
    for (const c of refused) {
      const type = "kubernetes:apps/v1:Deployment";
      const props = withPodAnnotations(
        type,
        WORKLOADS[type](variant(goodPodSpec() as PodSpec, c.mutate)),
        c.annotations,
      );
      expect(check(c.rule, { type, props }, { preview: true }).length).toBeGreaterThan(0);
    }
  });
});
